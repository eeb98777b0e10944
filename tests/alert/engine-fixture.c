/*
 * The alert engine suite's fixture (engine-fixture.h).
 */
#include "engine-fixture.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alert/alert.h"
#include "alert/engine.h"
#include "receiver.h"

double fake_now;

double
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *names[NF] = { "age", "income", "tenure" };
const struct store_schema schema = {
	.n_features = NF,
	.n_classes = 2,
	.feature_names = names,
};

void
fx_open_engine(struct fixture *fx)
{
	char *cause = NULL;

	fx->s = store_open(fx->db, STORE_READ_WRITE, &cause);
	ck_assert_msg(fx->s != NULL, "store_open: %s", cause);
	fx->e = alert_engine_create(fx->s, fx->c, fx->log, &cause);
	ck_assert_msg(fx->e != NULL, "engine: %s", cause);
	alert_engine_set_clock(fx->e, fake_clock, NULL);
}

void
fx_close_engine(struct fixture *fx)
{
	char *cause = NULL;

	ck_assert_msg(store_flush(fx->s, &cause) == 0, "%s", cause);
	alert_engine_destroy(fx->e);
	store_close(fx->s);
	fx->e = NULL;
	fx->s = NULL;
}

void
fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof *fx);
	tmpdir_make(fx->dir, sizeof fx->dir);
	snprintf(fx->db, sizeof fx->db, "%s/mlmon.db", fx->dir);
	snprintf(fx->logpath, sizeof fx->logpath, "%s/alert.log", fx->dir);
	fx->log = fopen(fx->logpath, "w");
	ck_assert_ptr_nonnull(fx->log);
	fx->c = alert_config_create();
	fake_now = 1764126347;
}

void
fx_set(struct fixture *fx, const char *section, const char *key,
    const char *value)
{
	char *cause = NULL;

	ck_assert_msg(alert_config_set(fx->c, section, key, value,
	    &cause) == 0, "%s", cause);
}

void
fx_finish(struct fixture *fx)
{
	if (fx->e != NULL)
		fx_close_engine(fx);
	alert_config_destroy(fx->c);
	fclose(fx->log);
	tmpdir_remove(fx->dir);
}

const struct feature_report *
feat(struct feat *f, const char *psi, const char *ks)
{
	size_t i;

	memset(f, 0, sizeof *f);
	for (i = 0; i < NF; i++) {
		f->dpsi[i] = psi[i] == '1';
		f->dks[i] = ks[i] == '1';
		f->psi[i] = f->dpsi[i] ? 0.4 : 0.02;
		f->d[i] = f->dks[i] ? 0.3 : 0.01;
		f->p[i] = f->dks[i] ? 1e-8 : 0.6;
	}
	f->r.n_features = NF;
	f->r.psi = f->psi;
	f->r.ks_statistic = f->d;
	f->r.ks_p_value = f->p;
	f->r.drift_psi = f->dpsi;
	f->r.drift_ks = f->dks;
	return &f->r;
}

/* One batch of feature evidence, then a delivery round. */
void
run_feature(struct fixture *fx, int64_t batch, const char *psi,
    const char *ks, bool deliver)
{
	struct alert_batch b = { .batch_id = batch, .schema = &schema };
	struct feat f;
	char *cause = NULL;

	b.feature = feat(&f, psi, ks);
	ck_assert_msg(alert_engine_batch(fx->e, &b, &cause) == 0, "%s", cause);
	if (deliver)
		ck_assert_msg(alert_engine_deliver(fx->e, &cause) >= 0, "%s",
		    cause);
	else
		ck_assert_msg(store_flush(fx->s, &cause) == 0, "%s", cause);
}

/* One integer from SQL on a second, read-only connection. */
long long
q(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	ck_assert_int_eq(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* One text from SQL; caller frees; "" when no row. */
char *
qs(struct fixture *fx, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *t;
	char *v;

	ck_assert_int_eq(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	t = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	v = strdup(t != NULL ? (const char *)t : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void
fx_slack(struct fixture *fx, int port)
{
	char url[256];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/services/" TOKEN, port);
	fx_set(fx, "slack", "webhook_url", url);
}

void
fx_email(struct fixture *fx, int port)
{
	char url[128];

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
	fx_set(fx, "email", "smtp_url", url);
	fx_set(fx, "email", "user", "mlmon-bot");
	fx_set(fx, "email", "password", PASSWORD);
	fx_set(fx, "email", "from", "mlmon@example.org");
	fx_set(fx, "email", "to", "oncall@example.org");
}
