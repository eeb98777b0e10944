/*
 * Acks and silences: the gate's decision as a table (alert_gate_muted),
 * then the engine on a real store with requests written the console's
 * way (alert_mute_add / alert_mute_undo on the path), paging a real local
 * receiver for Slack and another standing in for Alertmanager: a muted
 * decision is one "silenced" row and no page, the re-posts skip it, an
 * ack ends with its opening, a silence with its time.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/config.h"
#include "alert/engine.h"
#include "alert/gate.h"
#include "core/monitor.h"
#include "db/alert-mute.h"
#include "db/store.h"
#include "receiver.h"

static double test_now = 1764126347;

static double
test_clock(void *arg)
{
	(void)arg;
	return test_now;
}

static struct alert_mute
mk(enum alert_mute_kind k, enum alert_mute_scope sc, const char *target,
    double opened, double until)
{
	struct alert_mute m;

	memset(&m, 0, sizeof m);
	m.kind = k;
	m.scope = sc;
	snprintf(m.model, sizeof m.model, "default");
	snprintf(m.target, sizeof m.target, "%s", target);
	snprintf(m.by, sizeof m.by, "alice");
	m.opened_at = opened;
	m.until = until;
	m.at = 100;
	return m;
}

START_TEST(gate_muted_table)
{
	static const struct {
		enum alert_mute_kind	 kind;
		enum alert_mute_scope	 scope;
		const char		*target;
		double			 opened, until;
		const char		*key, *model, *decision;
		double			 cond_opened, now;
		int			 muted;
	} rows[] = {
		/* An ack: the repeats of its opening only. */
		{ ALERT_MUTE_ACK, ALERT_MUTE_CONDITION, "confirmed_drift:age",
		    50, 0, "confirmed_drift:age", "default", "repeat", 50, 200,
		    1 },
		{ ALERT_MUTE_ACK, ALERT_MUTE_CONDITION, "confirmed_drift:age",
		    50, 0, "confirmed_drift:age", "default", "resolved", 50,
		    200, 0 },
		{ ALERT_MUTE_ACK, ALERT_MUTE_CONDITION, "confirmed_drift:age",
		    50, 0, "confirmed_drift:age", "default", "repeat", 60, 200,
		    0 },
		{ ALERT_MUTE_ACK, ALERT_MUTE_CONDITION, "confirmed_drift:age",
		    50, 0, "confirmed_drift:income", "default", "repeat", 50,
		    200, 0 },
		/* A silence: every kind until it ends. */
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_CONDITION, "label_shift", 0,
		    300, "label_shift", "default", "firing", 0, 200, 1 },
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_CONDITION, "label_shift", 0,
		    300, "label_shift", "default", "resolved", 0, 299, 1 },
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_CONDITION, "label_shift", 0,
		    300, "label_shift", "default", "firing", 0, 300, 0 },
		/* Its rule: its every key, not a rule sharing a prefix. */
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_RULE, "confirmed_drift", 0,
		    300, "confirmed_drift:age,income", "default", "repeat", 0,
		    200, 1 },
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_RULE, "confirmed", 0, 300,
		    "confirmed_drift:age", "default", "firing", 0, 200, 0 },
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_RULE, "stream_silent", 0, 300,
		    "stream_silent:default", "default", "firing", 0, 200, 1 },
		/* Its model: everything of that model only. */
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_MODEL, "default", 0, 300,
		    "performance_decay", "default", "firing", 0, 200, 1 },
		{ ALERT_MUTE_SILENCE, ALERT_MUTE_MODEL, "default", 0, 300,
		    "stream_silent:fraud", "fraud", "firing", 0, 200, 0 },
	};
	struct alert_mute m;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		m = mk(rows[i].kind, rows[i].scope, rows[i].target,
		    rows[i].opened, rows[i].until);
		ck_assert_msg((alert_gate_muted(&m, 1, rows[i].key,
		    rows[i].model, rows[i].cond_opened, rows[i].decision,
		    rows[i].now) != NULL) == rows[i].muted, "row %zu", i);
	}
	ck_assert_ptr_null(alert_gate_muted(NULL, 0, "label_shift", "default",
	    0, "firing", 200));
}
END_TEST

/* A store, an engine paging slack and "alertmanager" receivers. */
struct rig {
	char			 dir[256], db[300];
	struct receiver		 slack, am;
	struct alert_config	*c;
	struct store		*s;
	struct alert_engine	*e;
};

static void
rig_set(struct rig *r, const char *section, const char *key, const char *v)
{
	char *cause = NULL;

	ck_assert_msg(alert_config_set(r->c, section, key, v, &cause) == 0,
	    "%s", cause);
}

static void
rig_start(struct rig *r)
{
	char url[128], *cause = NULL;

	memset(r, 0, sizeof *r);
	tmpdir_make(r->dir, sizeof r->dir);
	snprintf(r->db, sizeof r->db, "%s/m.db", r->dir);
	receiver_start(&r->slack, "webhook-receiver.py", "200");
	receiver_start(&r->am, "webhook-receiver.py", "200");
	r->c = alert_config_create();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", r->slack.port);
	rig_set(r, "slack", "webhook_url", url);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", r->am.port);
	rig_set(r, "alertmanager", "url", url);
	rig_set(r, "alertmanager", "min_severity", "critical");
	rig_set(r, "alert", "repeat_interval", "0");
	rig_set(r, "alert", "resolve_after", "1");
	rig_set(r, "email", "min_severity", "off");
	alert_config_set_send(r->c, true);
	r->s = store_open(r->db, STORE_READ_WRITE, &cause);
	ck_assert_msg(r->s != NULL, "%s", cause);
	r->e = alert_engine_create(r->s, r->c, NULL, &cause);
	ck_assert_msg(r->e != NULL, "%s", cause);
	alert_engine_set_clock(r->e, test_clock, NULL);
}

static void
rig_stop(struct rig *r)
{
	alert_engine_destroy(r->e);
	store_close(r->s);
	alert_config_destroy(r->c);
	receiver_stop(&r->slack);
	receiver_stop(&r->am);
	tmpdir_remove(r->dir);
}

/* One batch: performance decay (accuracy delta -0.2) or clear. */
static void
rig_batch(struct rig *r, int64_t batch, bool decayed)
{
	struct performance_report p;
	struct alert_batch b = { .batch_id = batch };
	char *cause = NULL;

	memset(&p, 0, sizeof p);
	p.n_rows = 100;
	p.accuracy = decayed ? 0.7 : 0.9;
	p.acc_delta = decayed ? -0.2 : 0.0;
	p.any_decay = decayed;
	b.performance = &p;
	ck_assert_msg(alert_engine_batch(r->e, &b, &cause) == 0, "%s", cause);
	ck_assert_msg(alert_engine_deliver(r->e, &cause) >= 0, "%s", cause);
	test_now += 10;
}

/* The status of the newest alerts row of batch on channel. */
static char *
rig_status(struct rig *r, int64_t batch, const char *channel)
{
	char sql[160], *v;
	sqlite3 *db;
	sqlite3_stmt *st;
	const unsigned char *t;

	snprintf(sql, sizeof sql, "SELECT status FROM alerts WHERE batch_id ="
	    " %lld AND channel = '%s' ORDER BY id DESC", (long long)batch,
	    channel);
	ck_assert_int_eq(sqlite3_open_v2(r->db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	t = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
	v = strdup(t != NULL ? (const char *)t : "-");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
want_status(struct rig *r, int64_t batch, const char *channel,
    const char *want)
{
	char *got = rig_status(r, batch, channel);

	ck_assert_msg(strcmp(got, want) == 0, "batch %lld %s: %s, want %s",
	    (long long)batch, channel, got, want);
	free(got);
}

/* Alerts the Alertmanager stand-in got in its newest request. */
static int
am_last_count(struct rig *r)
{
	char name[32], *req;
	int n = receiver_count(&r->am, "req", "json"), k = 0;
	const char *p;

	if (n == 0)
		return 0;
	snprintf(name, sizeof name, "req-%d.json", n);
	req = receiver_read(&r->am, name, NULL);
	for (p = req; (p = strstr(p, "alertname")) != NULL; p++)
		k++;
	free(req);
	return k;
}

START_TEST(engine_honours_acks_and_silences)
{
	struct alert_mute m;
	struct rig r;
	char *cause = NULL;
	int removed, pages, posts;

	rig_start(&r);
	rig_batch(&r, 1, true);
	want_status(&r, 1, "slack", "delivered");
	want_status(&r, 1, "alertmanager", "delivered");
	pages = receiver_count(&r.slack, "req", "json");

	/* Acked as the console does it: the repeats are silenced. */
	m = mk(ALERT_MUTE_ACK, ALERT_MUTE_CONDITION, "performance_decay", 0,
	    0);
	m.at = test_now;
	ck_assert_msg(alert_mute_add(r.db, &m, &cause) == 0, "%s", cause);
	rig_batch(&r, 2, true);
	want_status(&r, 2, "log", "silenced");
	want_status(&r, 2, "slack", "-");
	ck_assert_int_eq(receiver_count(&r.slack, "req", "json"), pages);
	/* ... and Alertmanager's re-post leaves it out. */
	posts = receiver_count(&r.am, "req", "json");
	ck_assert_int_eq(alert_engine_refresh(r.e, &cause), 0);
	ck_assert_int_eq(receiver_count(&r.am, "req", "json"), posts);

	/* Undone: pages and re-posts again. */
	ck_assert_int_eq(alert_mute_undo(r.db, "default", "performance_decay",
	    "performance_decay", "alice", test_now, &removed, &cause), 0);
	ck_assert_int_eq(removed, 1);
	rig_batch(&r, 3, true);
	want_status(&r, 3, "slack", "delivered");
	test_now += 120;	/* past the re-post interval */
	ck_assert_int_eq(alert_engine_refresh(r.e, &cause), 1);
	ck_assert_int_eq(am_last_count(&r), 1);

	/* An ack ends with its opening: the resolution and a new opening
	 * page. */
	m.at = test_now;
	ck_assert_int_eq(alert_mute_add(r.db, &m, &cause), 0);
	rig_batch(&r, 4, false);
	want_status(&r, 4, "slack", "delivered");
	rig_batch(&r, 5, true);
	want_status(&r, 5, "slack", "delivered");
	/* Acking a closed condition is refused. */
	rig_batch(&r, 6, false);
	ck_assert_int_eq(alert_mute_add(r.db, &m, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "not open"));
	free(cause);
	cause = NULL;

	/* A model silenced for 60 s: firing and resolved both silenced. */
	m = mk(ALERT_MUTE_SILENCE, ALERT_MUTE_MODEL, "default", 0,
	    test_now + 60);
	m.at = test_now;
	ck_assert_int_eq(alert_mute_add(r.db, &m, &cause), 0);
	rig_batch(&r, 7, true);
	want_status(&r, 7, "log", "silenced");
	rig_batch(&r, 8, false);
	want_status(&r, 8, "log", "silenced");
	/* Once it has ended, pages again. */
	test_now += 60;
	rig_batch(&r, 9, true);
	want_status(&r, 9, "slack", "delivered");
	rig_stop(&r);
}
END_TEST

/*
 * The console's writes: never on a store of another schema (a v3 file
 * is left as it is), a silence must end after it starts, only a
 * condition is acknowledged.
 */
START_TEST(requests_refused)
{
	char dir[256], db[300], cmd[700], *cause = NULL;
	struct alert_mute m;
	sqlite3 *h;
	int removed;

	tmpdir_make(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/v3.db", dir);
	snprintf(cmd, sizeof cmd, "cp '%s/tests/fixtures/store-v3.db' '%s'",
	    getenv("MLMON_SOURCE_ROOT"), db);
	ck_assert_int_eq(system(cmd), 0);
	m = mk(ALERT_MUTE_SILENCE, ALERT_MUTE_RULE, "label_shift", 0, 200);
	ck_assert_int_eq(alert_mute_add(db, &m, &cause), -1);
	ck_assert_msg(strstr(cause, "has schema 3") != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(alert_mute_undo(db, "default", "label_shift",
	    "label_shift", "alice", 100, &removed, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "SELECT 1 FROM alert_mutes", NULL,
	    NULL, NULL), SQLITE_ERROR);
	sqlite3_close(h);

	m.until = m.at;
	ck_assert_int_eq(alert_mute_add(db, &m, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "end after"));
	free(cause);
	cause = NULL;
	m = mk(ALERT_MUTE_ACK, ALERT_MUTE_RULE, "label_shift", 0, 0);
	ck_assert_int_eq(alert_mute_add(db, &m, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "only a condition"));
	free(cause);
	tmpdir_remove(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mute");
	TCase *tc = tcase_create("mute");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gate_muted_table);
	tcase_add_test(tc, engine_honours_acks_and_silences);
	tcase_add_test(tc, requests_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
