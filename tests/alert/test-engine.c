/*
 * The alert engine on a real SQLite store in a temp dir, driven with
 * synthetic reports: deduplication (one page, repeats, one resolved),
 * restarts, rule families, replays, and the outbox against real
 * receivers on 127.0.0.1 (webhook: 200, 500 then 200, 429, hang, 404;
 * SMTP: aiosmtpd). Time is a fake clock except for the round deadline,
 * which the hang test measures for real. The fixture: engine-fixture.c;
 * the outbox's cases: test-engine-outbox.c.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert.h"
#include "alert/engine.h"
#include "core/monitor.h"
#include "db/store.h"
#include "engine-fixture.h"
#include "receiver.h"

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
	engine_outbox_tests(outbox);
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
