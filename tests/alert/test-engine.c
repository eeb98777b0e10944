/*
 * The alert engine on a real SQLite store in a temp dir, driven with
 * synthetic reports: deduplication (one page, repeats, one resolved),
 * restarts, rule families, replays, and the outbox against real
 * receivers on 127.0.0.1 (webhook: 200, 500 then 200, 429, hang, 404;
 * SMTP: aiosmtpd). Time is a fake clock except for the round deadline,
 * which the hang test measures for real.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alert/alert.h"
#include "alert/engine.h"
#include "core/monitor.h"
#include "db/store.h"
#include "receiver.h"

#define TOKEN		"T0001/B0002/SeCrEtToKeN42"
#define PASSWORD	"pw-SeCrEt-99"
#define NF		3

static double fake_now;

static double
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *names[NF] = { "age", "income", "tenure" };
static const struct store_schema schema = {
	.n_features = NF,
	.n_classes = 2,
	.feature_names = names,
};

struct fixture {
	char			 dir[256];
	char			 db[300];
	char			 logpath[300];
	FILE			*log;
	struct store		*s;
	struct alert_config	*c;
	struct alert_engine	*e;
};

static void
fx_open_engine(struct fixture *fx)
{
	char *cause = NULL;

	fx->s = store_open(fx->db, STORE_READ_WRITE, &cause);
	ck_assert_msg(fx->s != NULL, "store_open: %s", cause);
	fx->e = alert_engine_create(fx->s, fx->c, fx->log, &cause);
	ck_assert_msg(fx->e != NULL, "engine: %s", cause);
	alert_engine_set_clock(fx->e, fake_clock, NULL);
}

static void
fx_close_engine(struct fixture *fx)
{
	char *cause = NULL;

	ck_assert_msg(store_flush(fx->s, &cause) == 0, "%s", cause);
	alert_engine_destroy(fx->e);
	store_close(fx->s);
	fx->e = NULL;
	fx->s = NULL;
}

static void
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

static void
fx_set(struct fixture *fx, const char *section, const char *key,
    const char *value)
{
	char *cause = NULL;

	ck_assert_msg(alert_config_set(fx->c, section, key, value,
	    &cause) == 0, "%s", cause);
}

static void
fx_finish(struct fixture *fx)
{
	if (fx->e != NULL)
		fx_close_engine(fx);
	alert_config_destroy(fx->c);
	fclose(fx->log);
	tmpdir_remove(fx->dir);
}

/* Synthetic feature report: mask "110" drifts age and income. */
struct feat {
	double	psi[NF], d[NF], p[NF];
	bool	dpsi[NF], dks[NF];
	struct feature_report r;
};

static const struct feature_report *
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
static void
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
static long long
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
static char *
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

static void
fx_slack(struct fixture *fx, int port)
{
	char url[256];

	snprintf(url, sizeof url, "http://127.0.0.1:%d/services/" TOKEN, port);
	fx_set(fx, "slack", "webhook_url", url);
}

static void
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

START_TEST(persist_ten_then_resolve_dry_run)
{
	struct fixture fx;
	char *msg, *log;
	int64_t b;

	fx_init(&fx);
	fx_open_engine(&fx);
	for (b = 1; b <= 10; b++) {
		run_feature(&fx, b, "100", "100", true);
		fake_now += 10;
	}
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'firing' AND status = 'dry_run'"), 2);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'firing' AND channel IN ('slack', 'email')"), 2);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'suppressed' AND channel = 'log'"), 9);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'repeat' AND status <> 'suppressed'"), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE "
	    "condition_key <> 'confirmed_drift:age'"), 0);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions"), 1);
	ck_assert_int_eq(q(&fx, "SELECT last_seen_batch FROM "
	    "alert_conditions"), 10);
	msg = qs(&fx, "SELECT features FROM alert_conditions");
	ck_assert_str_eq(msg, "[\"age\"]");
	free(msg);

	/* Clear: after K = 3 clear evaluations, one resolved. */
	run_feature(&fx, 11, "000", "000", true);
	run_feature(&fx, 12, "000", "000", true);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions"),
	    2);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved'"), 0);
	run_feature(&fx, 13, "000", "000", true);
	run_feature(&fx, 14, "000", "000", true);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved' AND status = 'dry_run'"), 2);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions"), 0);
	msg = qs(&fx, "SELECT message FROM alerts WHERE kind = 'resolved' AND "
	    "channel = 'slack'");
	ck_assert_str_eq(msg, "batch 13: resolved: confirmed drift on age "
	    "(open since batch 1, last seen in batch 10, clear for 3 "
	    "evaluations)");
	free(msg);
	msg = qs(&fx, "SELECT message FROM alerts WHERE kind = 'firing' AND "
	    "channel = 'email'");
	ck_assert_str_eq(msg, "batch 1: confirmed drift (PSI and KS agree) on "
	    "1 feature: age (PSI 0.400, KS D 0.300 p 1e-08)");
	free(msg);

	/* Dry-run says what would be sent, without secrets. */
	fflush(fx.log);
	log = file_read(fx.logpath, NULL);
	ck_assert_ptr_nonnull(strstr(log, "alert: firing critical "
	    "confirmed_drift:age -> slack (dry_run): batch 1: confirmed"));
	ck_assert_ptr_nonnull(strstr(log, "alert: dry run, would send POST "
	    "(unset) {\"text\":\"default: [mlmon CRITICAL] batch 1: "
	    "confirmed drift"));
	ck_assert_ptr_nonnull(strstr(log, "alert: dry run, would send SMTP "));
	free(log);
	fx_finish(&fx);
}
END_TEST

START_TEST(repeat_interval)
{
	struct fixture fx;
	int64_t b;

	fx_init(&fx);
	fx_open_engine(&fx);
	/* t = 0, 60, ..., 600: repeats at 300 and 600. */
	for (b = 1; b <= 11; b++) {
		run_feature(&fx, b, "110", "110", false);
		fake_now += 60;
	}
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'slack' AND kind = 'firing'"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'slack' AND kind = 'repeat'"), 2);
	ck_assert_int_eq(q(&fx, "SELECT min(batch_id) FROM alerts WHERE "
	    "channel = 'slack' AND kind = 'repeat'"), 6);
	ck_assert_int_eq(q(&fx, "SELECT max(batch_id) FROM alerts WHERE "
	    "channel = 'slack' AND kind = 'repeat'"), 11);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE "
	    "condition_key <> 'confirmed_drift:age,income'"), 0);
	fx_finish(&fx);
}
END_TEST

START_TEST(key_is_condition_not_text)
{
	struct fixture fx;

	fx_init(&fx);
	fx_open_engine(&fx);
	/* Same features, different numbers: one condition. */
	run_feature(&fx, 1, "110", "110", false);
	run_feature(&fx, 2, "110", "110", false);
	/* Another feature set is another condition (and a new page). */
	run_feature(&fx, 3, "111", "111", false);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'slack' AND kind = 'firing'"), 2);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alert_conditions WHERE "
	    "open = 1"), 2);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions "
	    "WHERE condition_key = 'confirmed_drift:age,income'"), 1);
	fx_finish(&fx);
}
END_TEST

START_TEST(warning_recorded_only)
{
	struct fixture fx;
	int64_t b;

	fx_init(&fx);
	fx_open_engine(&fx);
	for (b = 1; b <= 3; b++)
		run_feature(&fx, b, "010", "000", true);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'log' AND status = 'recorded' AND kind = 'firing' AND severity = "
	    "'warning' AND condition_key = 'psi_unconfirmed:income'"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel <> "
	    "'log'"), 0);
	/* Configurable: warnings to Slack. */
	fx_close_engine(&fx);
	fx_set(&fx, "alert", "min_severity_slack", "warning");
	fx_open_engine(&fx);
	run_feature(&fx, 4, "001", "000", true);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'slack' AND condition_key = 'psi_unconfirmed:tenure'"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE channel = "
	    "'email'"), 0);
	fx_finish(&fx);
}
END_TEST

START_TEST(restart_mid_incident)
{
	struct fixture fx;
	int64_t b;

	fx_init(&fx);
	fx_open_engine(&fx);
	for (b = 1; b <= 5; b++) {
		run_feature(&fx, b, "100", "100", true);
		fake_now += 10;
	}
	/* Restart: a new store connection and a new engine. */
	fx_close_engine(&fx);
	fx_open_engine(&fx);
	for (; b <= 10; b++) {
		run_feature(&fx, b, "100", "100", true);
		fake_now += 10;
	}
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind IN "
	    "('firing', 'repeat') AND status <> 'suppressed'"), 2);
	ck_assert_int_eq(q(&fx, "SELECT first_batch FROM alert_conditions"),
	    1);
	/* It remembers the open condition: clears resolve it. */
	fx_close_engine(&fx);
	fx_open_engine(&fx);
	for (; b <= 13; b++)
		run_feature(&fx, b, "000", "000", true);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved'"), 2);
	fx_finish(&fx);
}
END_TEST

/* One stream verdict; returns alert_engine_stream's answer. */
static int
run_stream(struct fixture *fx, const char *rule, bool silent, int64_t batch)
{
	struct alert_stream st = { rule, "fraud", silent, batch,
	    silent ? "went quiet" : "back" };
	char *cause = NULL;
	int rc;

	rc = alert_engine_stream(fx->e, &st, &cause);
	ck_assert_msg(rc >= 0, "%s", cause);
	ck_assert_msg(store_flush(fx->s, &cause) == 0, "%s", cause);
	return rc;
}

/*
 * The clock's verdicts: one page per silence however often it is judged
 * silent, one resolution, nothing while clear; batches never touch them;
 * a restart keeps the open one; a batch rule is refused.
 */
START_TEST(stream_silence_once)
{
	struct alert_stream bad = { "confirmed_drift", "fraud", true, 1, "x" };
	struct fixture fx;
	char *cause = NULL, *text;
	int64_t b;

	fx_init(&fx);
	fx_open_engine(&fx);
	ck_assert_int_eq(run_stream(&fx, "stream_silent", false, 0), 0);
	ck_assert_int_eq(run_stream(&fx, "stream_silent", true, 3), 1);
	fake_now += 7200;	/* past any repeat interval */
	ck_assert_int_eq(run_stream(&fx, "stream_silent", true, 3), 0);
	/* Batches of every family neither clear nor resolve it. */
	for (b = 4; b <= 8; b++)
		run_feature(&fx, b, "000", "000", true);
	fx_close_engine(&fx);
	fx_open_engine(&fx);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions WHERE "
	    "condition_key = 'stream_silent:fraud'"), 1);
	ck_assert_int_eq(run_stream(&fx, "stream_silent", false, 9), 1);
	ck_assert_int_eq(run_stream(&fx, "stream_silent", false, 9), 0);
	text = qs(&fx, "SELECT group_concat(kind || ':' || severity || ':' || "
	    "channel || ':' || batch_id || ':' || message, ' ') FROM alerts "
	    "WHERE condition_key = 'stream_silent:fraud' AND channel = "
	    "'slack'");
	ck_assert_str_eq(text, "firing:critical:slack:3:went quiet "
	    "resolved:critical:slack:9:back");
	free(text);
	/* labels_late is a warning: recorded, not paged. */
	ck_assert_int_eq(run_stream(&fx, "labels_late", true, 9), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE "
	    "condition_key = 'labels_late:fraud' AND channel = 'log' AND "
	    "severity = 'warning'"), 1);
	ck_assert_int_eq(alert_engine_stream(fx.e, &bad, &cause), -1);
	ck_assert_str_eq(cause, "alert engine: confirmed_drift is not a "
	    "stream rule");
	free(cause);
	fx_finish(&fx);
}
END_TEST

START_TEST(families_judge_their_own)
{
	struct performance_report perf = { .n_rows = 100, .accuracy = 0.7,
	    .f1_macro = 0.6, .acc_delta = -0.2, .f1_delta = -0.25,
	    .any_decay = true };
	struct alert_batch b = { .schema = &schema };
	struct fixture fx;
	char *cause = NULL;
	int64_t i;

	fx_init(&fx);
	fx_open_engine(&fx);
	b.batch_id = 1;
	b.performance = &perf;
	ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'firing' AND condition_key = 'performance_decay' AND severity = "
	    "'critical'"), 0);	/* not committed yet */
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'firing' AND condition_key = 'performance_decay' AND severity = "
	    "'critical'"), 2);
	/* Unlabelled batches say nothing about decay. */
	for (i = 2; i <= 8; i++)
		run_feature(&fx, i, "000", "000", false);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions WHERE "
	    "rule = 'performance_decay'"), 1);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions "
	    "WHERE rule = 'performance_decay'"), 0);
	/* Labelled batches in any order clear it. */
	perf.any_decay = false;
	perf.acc_delta = 0;
	b.performance = &perf;
	for (i = 5; i >= 3; i--) {
		b.batch_id = i;
		ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	}
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved' AND condition_key = 'performance_decay'"), 2);
	fx_finish(&fx);
}
END_TEST

/*
 * A batch's performance report recomputed as more labels land replaces
 * its earlier evaluation (alert_batch.replaces): clear again is not one
 * more clear batch, firing again is not one more firing; a recompute that
 * turns clear counts once, and one that turns firing resets the streak.
 */
START_TEST(recompute_is_one_evaluation)
{
	struct performance_report bad = { .n_rows = 60, .n_unlabelled = 40,
	    .accuracy = 0.7, .f1_macro = 0.6, .acc_delta = -0.2,
	    .f1_delta = -0.25, .any_decay = true };
	struct performance_report good = { .n_rows = 80, .n_unlabelled = 20,
	    .accuracy = 0.9, .f1_macro = 0.9 };
	struct alert_batch b = { .schema = &schema };
	struct fixture fx;
	char *cause = NULL;
	int k;

	fx_init(&fx);
	fx_open_engine(&fx);	/* resolve_after 3 */
	b.batch_id = 1;
	b.performance = &bad;
	ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	/* Batch 1 recomputed twice, still decayed: no second firing. */
	b.replaces = &bad;
	for (k = 0; k < 2; k++)
		ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	/* Batch 2 clear, then recomputed clear three times: one clear. */
	b.batch_id = 2;
	b.performance = &good;
	b.replaces = NULL;
	ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	b.replaces = &good;
	for (k = 0; k < 3; k++)
		ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions "
	    "WHERE rule = 'performance_decay'"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE "
	    "condition_key = 'performance_decay' AND kind <> 'firing'"), 0);
	/* Batch 1 recomputed clear: its evaluation turns clear (2). */
	b.batch_id = 1;
	b.replaces = &bad;
	ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions "
	    "WHERE rule = 'performance_decay'"), 2);
	/* Batch 2 recomputed decayed: the streak starts again. */
	b.batch_id = 2;
	b.performance = &bad;
	b.replaces = &good;
	ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions "
	    "WHERE rule = 'performance_decay'"), 0);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions "
	    "WHERE rule = 'performance_decay'"), 1);
	/* Three new clear batches resolve it, once. */
	b.performance = &good;
	b.replaces = NULL;
	for (b.batch_id = 3; b.batch_id <= 5; b.batch_id++)
		ck_assert_int_eq(alert_engine_batch(fx.e, &b, &cause), 0);
	ck_assert_int_eq(store_flush(fx.s, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved' AND condition_key = 'performance_decay'"), 2);
	fx_finish(&fx);
}
END_TEST

/*
 * Batches are judged in arrival order whatever their ids (the store lets
 * each be judged once): a lower id is evaluated, its firing recorded, but
 * its clear evidence neither clears nor resolves what a newer batch fired.
 */
START_TEST(older_evidence_does_not_resolve)
{
	struct fixture fx;
	int64_t i;

	fx_init(&fx);
	fx_open_engine(&fx);
	run_feature(&fx, 1030, "100", "100", false);
	for (i = 1; i <= 5; i++)
		run_feature(&fx, i, "000", "000", false);
	ck_assert_int_eq(q(&fx, "SELECT open FROM alert_conditions"), 1);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions"),
	    0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE kind = "
	    "'resolved'"), 0);
	/* A low id that drifts is evaluated and recorded. */
	run_feature(&fx, 6, "100", "100", false);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE batch_id "
	    "= 6"), 1);
	ck_assert_int_eq(q(&fx, "SELECT last_seen_batch FROM "
	    "alert_conditions"), 1030);
	/* Newer clear evidence counts. */
	run_feature(&fx, 1031, "000", "000", false);
	ck_assert_int_eq(q(&fx, "SELECT clear_streak FROM alert_conditions"),
	    1);
	fx_finish(&fx);
}
END_TEST

START_TEST(send_one_page_then_one_resolved)
{
	struct receiver web, smtp;
	struct fixture fx;
	char *req, *want_fire, *want_res, *eml, *cause = NULL;
	int64_t b;

	setenv("SMTP_TEST_USER", "mlmon-bot", 1);
	setenv("SMTP_TEST_PASSWORD", PASSWORD, 1);
	receiver_start(&web, "webhook-receiver.py", "200");
	receiver_start(&smtp, "smtp-receiver.py", NULL);
	fx_init(&fx);
	fx_slack(&fx, web.port);
	fx_email(&fx, smtp.port);
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	/* Pages name their model first; its rows are its own. */
	ck_assert_int_eq(store_model_set(fx.s, "fraud-v3", &cause), 0);
	for (b = 1; b <= 10; b++) {
		run_feature(&fx, b, "010", "010", true);
		fake_now += 10;
	}
	for (; b <= 14; b++)
		run_feature(&fx, b, "000", "000", true);

	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	ck_assert_int_eq(receiver_count(&smtp, "msg", "eml"), 2);
	want_fire = "\"body\": \"{\\\"text\\\":\\\"fraud-v3: [mlmon CRITICAL] "
	    "batch 1: confirmed drift (PSI and KS agree) on 1 feature: income (PSI "
	    "0.400, KS D 0.300 p 1e-08)\\\"}\"";
	want_res = "\"body\": \"{\\\"text\\\":\\\"fraud-v3: [mlmon RESOLVED, was "
	    "CRITICAL] batch 13: resolved: confirmed drift on income (open "
	    "since batch 1, last seen in batch 10, clear for 3 "
	    "evaluations)\\\"}\"";
	req = receiver_read(&web, "req-1.json", NULL);
	ck_assert_msg(strstr(req, want_fire) != NULL, "%s", req);
	free(req);
	req = receiver_read(&web, "req-2.json", NULL);
	ck_assert_msg(strstr(req, want_res) != NULL, "%s", req);
	free(req);
	eml = receiver_read(&smtp, "msg-2.eml", NULL);
	ck_assert_ptr_nonnull(strstr(eml, "\r\nSubject: fraud-v3: [mlmon "
	    "RESOLVED, was CRITICAL] batch 13: resolved: confirmed drift on income"));
	free(eml);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts JOIN models"
	    " USING (model_id) WHERE name <> 'fraud-v3'"), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alert_conditions JOIN"
	    " models USING (model_id) WHERE name = 'fraud-v3'"), 1);

	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'delivered' AND delivered = 1 AND attempts = 1 AND delivered_at "
	    "IS NOT NULL"), 4);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'pending'"), 0);
	/* Delivered never twice: more rounds, a restart, more rounds. */
	ck_assert_int_eq(alert_engine_deliver(fx.e, &(char *){ NULL }), 0);
	fx_close_engine(&fx);
	fx_open_engine(&fx);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &(char *){ NULL }), 0);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	ck_assert_int_eq(receiver_count(&smtp, "msg", "eml"), 2);
	fx_finish(&fx);
	receiver_stop(&web);
	receiver_stop(&smtp);
}
END_TEST

START_TEST(retry_500_in_round)
{
	struct receiver web;
	struct fixture fx;
	char *cause = NULL;

	receiver_start(&web, "webhook-receiver.py", "500-then-200");
	fx_init(&fx);
	fx_slack(&fx, web.port);
	fx_set(&fx, "alert", "min_severity_email", "off");
	fx_set(&fx, "alert", "backoff", "100ms");
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	run_feature(&fx, 1, "100", "100", false);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 1);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	ck_assert_int_eq(q(&fx, "SELECT attempts FROM alerts WHERE channel = "
	    "'slack' AND status = 'delivered'"), 2);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	fx_finish(&fx);
	receiver_stop(&web);
}
END_TEST

START_TEST(retry_500_later_and_after_restart)
{
	struct receiver web;
	struct fixture fx;
	char *cause = NULL, *err;

	receiver_start(&web, "webhook-receiver.py", "500-then-200");
	fx_init(&fx);
	fx_slack(&fx, web.port);
	fx_set(&fx, "alert", "min_severity_email", "off");
	fx_set(&fx, "alert", "retries", "0");
	fx_set(&fx, "alert", "backoff", "30s");
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	run_feature(&fx, 1, "100", "100", false);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'pending' AND attempts = 1"), 1);
	ck_assert_int_eq(q(&fx, "SELECT CAST(next_attempt_at - sent_at AS "
	    "INTEGER) FROM alerts WHERE status = 'pending'"), 30);
	err = qs(&fx, "SELECT last_error FROM alerts WHERE status = "
	    "'pending'");
	ck_assert_str_eq(err, "slack: HTTP 500: internal_error");
	free(err);
	/* Not due yet: a later batch does not retry it. */
	fake_now += 10;
	run_feature(&fx, 2, "100", "100", true);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 1);
	/* Due after a restart: delivered once. */
	fx_close_engine(&fx);
	fake_now += 30;
	fx_open_engine(&fx);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 1);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'delivered' AND attempts = 2 AND last_error IS NULL"), 1);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	fx_finish(&fx);
	receiver_stop(&web);
}
END_TEST

/* A Slack-only engine with --send against a receiver in mode, one
 * firing feature alert queued. */
static void
retry_fixture(struct fixture *fx, struct receiver *web, const char *mode,
    const char *timeout)
{
	receiver_start(web, "webhook-receiver.py", mode);
	fx_init(fx);
	fx_slack(fx, web->port);
	fx_set(fx, "alert", "min_severity_email", "off");
	fx_set(fx, "alert", "timeout", timeout);
	alert_config_set_send(fx->c, true);
	fx_open_engine(fx);
	run_feature(fx, 1, "100", "100", false);
}

START_TEST(retry_after_429)
{
	struct receiver web;
	struct fixture fx;
	char *cause = NULL;
	double t0, dt;

	/* Budget enough: waits the 1 s asked for, then delivers. */
	retry_fixture(&fx, &web, "429", "5s");
	t0 = mono();
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 1);
	dt = mono() - t0;
	fprintf(stderr, "429 + Retry-After: 1 -> delivered after %.3f s\n",
	    dt);
	ck_assert_double_ge(dt, 0.95);
	ck_assert_double_lt(dt, 3);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 2);
	fx_finish(&fx);
	receiver_stop(&web);

	/* Budget too small: pending, next attempt when Retry-After says. */
	retry_fixture(&fx, &web, "429", "500ms");
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT CAST(round(next_attempt_at - sent_at) "
	    "AS INTEGER) FROM alerts WHERE status = 'pending'"), 1);
	fake_now += 1;
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 1);
	fx_finish(&fx);
	receiver_stop(&web);

	/* Retry-After: 10^20 (too big for libcurl) is capped at 1 h. */
	retry_fixture(&fx, &web, "429-huge", "500ms");
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(q(&fx, "SELECT CAST(round(next_attempt_at - sent_at) "
	    "AS INTEGER) FROM alerts WHERE status = 'pending'"), 3600);
	fx_finish(&fx);
	receiver_stop(&web);
}
END_TEST

START_TEST(hang_costs_no_more_than_timeout)
{
	struct receiver web;
	struct fixture fx;
	char *cause = NULL, *err;
	double t0, dt;
	int64_t b;

	receiver_start(&web, "webhook-receiver.py", "hang");
	fx_init(&fx);
	fx_slack(&fx, web.port);
	fx_set(&fx, "alert", "min_severity_email", "off");
	fx_set(&fx, "alert", "timeout", "1s");
	fx_set(&fx, "alert", "connect_timeout", "1s");
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	/* Three conditions, three pages queued for one hung channel. */
	run_feature(&fx, 1, "100", "100", false);
	run_feature(&fx, 2, "110", "110", false);
	run_feature(&fx, 3, "111", "111", false);
	t0 = mono();
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	dt = mono() - t0;
	fprintf(stderr, "hung webhook, 3 pages, timeout 1 s: deliver took "
	    "%.3f s\n", dt);
	ck_assert_double_ge(dt, 0.9);
	ck_assert_double_lt(dt, 1.5);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'pending'"), 3);
	err = qs(&fx, "SELECT last_error FROM alerts WHERE attempts = 1");
	ck_assert_ptr_nonnull(strstr(err, "slack: "));
	ck_assert_ptr_nonnull(strstr(err, "imed out"));
	free(err);
	/* Later batches while it is backing off cost nothing. */
	t0 = mono();
	for (b = 4; b <= 6; b++)
		run_feature(&fx, b, "111", "111", true);
	dt = mono() - t0;
	fprintf(stderr, "3 later batches while backing off: %.3f s\n", dt);
	ck_assert_double_lt(dt, 0.5);
	fx_finish(&fx);
	receiver_stop(&web);
}
END_TEST

START_TEST(permanent_404_not_retried)
{
	struct receiver web;
	struct fixture fx;
	char *cause = NULL;

	receiver_start(&web, "webhook-receiver.py", "404");
	fx_init(&fx);
	fx_slack(&fx, web.port);
	fx_set(&fx, "alert", "min_severity_email", "off");
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	run_feature(&fx, 1, "100", "100", false);
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	fake_now += 3600;
	ck_assert_int_eq(alert_engine_deliver(fx.e, &cause), 0);
	ck_assert_int_eq(receiver_count(&web, "req", "json"), 1);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'failed' AND last_error = 'slack: HTTP 404: no_service'"), 1);
	fx_finish(&fx);
	receiver_stop(&web);
}
END_TEST

START_TEST(unconfigured_channel_fails_visibly)
{
	struct fixture fx;

	fx_init(&fx);
	alert_config_set_send(fx.c, true);
	fx_open_engine(&fx);
	run_feature(&fx, 1, "100", "100", true);
	ck_assert_int_eq(q(&fx, "SELECT count(*) FROM alerts WHERE status = "
	    "'failed' AND last_error LIKE '% not configured'"), 2);
	fx_finish(&fx);
}
END_TEST

/* True when the file holds needle. */
static int
file_has(const char *path, const char *needle)
{
	size_t len;
	char *buf;
	int yes;

	if ((buf = file_read(path, &len)) == NULL)
		return 0;
	yes = mem_has(buf, len, needle);
	free(buf);
	return yes;
}

START_TEST(no_secret_anywhere)
{
	static const char *const modes[] = { "500-then-200", "hang", "404",
	    "200" };
	struct receiver web, smtp;
	struct fixture fx;
	char errpath[300], walpath[320], *cause = NULL;
	int saved, fd;
	size_t m;
	int64_t b;

	for (m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		setenv("SMTP_TEST_USER", "mlmon-bot", 1);
		setenv("SMTP_TEST_PASSWORD", "not-the-configured-one", 1);
		receiver_start(&web, "webhook-receiver.py", modes[m]);
		receiver_start(&smtp, "smtp-receiver.py", NULL);
		fx_init(&fx);
		fx_slack(&fx, web.port);
		fx_email(&fx, smtp.port);	/* wrong password: refused */
		fx_set(&fx, "alert", "timeout", "1s");
		fx_set(&fx, "alert", "min_severity_slack", "warning");

		/* Capture this process's stderr while the engine runs. */
		snprintf(errpath, sizeof errpath, "%s/stderr", fx.dir);
		fflush(stderr);
		saved = dup(2);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		close(fd);

		fx_open_engine(&fx);
		run_feature(&fx, 1, "100", "100", true);	/* dry run */
		fx_close_engine(&fx);
		alert_config_set_send(fx.c, true);
		fx_open_engine(&fx);
		for (b = 2; b <= 4; b++) {
			run_feature(&fx, b, b == 3 ? "000" : "010",
			    b == 3 ? "000" : "010", true);
			fake_now += 400;
		}
		ck_assert_int_ge(alert_engine_deliver(fx.e, &cause), 0);
		fx_close_engine(&fx);

		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		fflush(fx.log);

		snprintf(walpath, sizeof walpath, "%s-wal", fx.db);
		ck_assert_int_gt(q(&fx, "SELECT count(*) FROM alerts WHERE "
		    "last_error IS NOT NULL"), 0);
		ck_assert_msg(!file_has(fx.db, "SeCrEtToKeN42"), "%s: db",
		    modes[m]);
		ck_assert_msg(!file_has(walpath, "SeCrEtToKeN42"), "%s: wal",
		    modes[m]);
		ck_assert_msg(!file_has(fx.logpath, "SeCrEtToKeN42"), "%s: "
		    "log", modes[m]);
		ck_assert_msg(!file_has(errpath, "SeCrEtToKeN42"), "%s: "
		    "stderr", modes[m]);
		ck_assert(!file_has(fx.db, "/services/"));
		ck_assert(!file_has(fx.logpath, "/services/"));
		ck_assert(!file_has(fx.db, PASSWORD));
		ck_assert(!file_has(walpath, PASSWORD));
		ck_assert(!file_has(fx.logpath, PASSWORD));
		ck_assert(!file_has(errpath, PASSWORD));
		/* The log did say things (not vacuously clean). */
		ck_assert(file_has(fx.logpath, "alert: "));
		fx_finish(&fx);
		receiver_stop(&web);
		receiver_stop(&smtp);
	}
}
END_TEST

static Suite *
engine_suite(void)
{
	Suite *s = suite_create("alert-engine");
	TCase *dedup = tcase_create("dedup");
	TCase *outbox = tcase_create("outbox");

	tcase_add_test(dedup, persist_ten_then_resolve_dry_run);
	tcase_add_test(dedup, repeat_interval);
	tcase_add_test(dedup, key_is_condition_not_text);
	tcase_add_test(dedup, warning_recorded_only);
	tcase_add_test(dedup, restart_mid_incident);
	tcase_add_test(dedup, families_judge_their_own);
	tcase_add_test(dedup, older_evidence_does_not_resolve);
	tcase_add_test(dedup, recompute_is_one_evaluation);
	tcase_add_test(dedup, stream_silence_once);
	suite_add_tcase(s, dedup);

	tcase_set_timeout(outbox, 60);
	tcase_add_test(outbox, send_one_page_then_one_resolved);
	tcase_add_test(outbox, retry_500_in_round);
	tcase_add_test(outbox, retry_500_later_and_after_restart);
	tcase_add_test(outbox, retry_after_429);
	tcase_add_test(outbox, hang_costs_no_more_than_timeout);
	tcase_add_test(outbox, permanent_404_not_retried);
	tcase_add_test(outbox, unconfigured_channel_fails_visibly);
	tcase_add_test(outbox, no_secret_anywhere);
	suite_add_tcase(s, outbox);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
