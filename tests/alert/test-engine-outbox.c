/*
 * The alert engine's outbox against real receivers on 127.0.0.1
 * (alert-engine, test case "outbox"; engine-fixture.h): one page and one
 * resolved, retries after 500 and 429, a hanging receiver costs no more
 * than the timeout, 404 not retried, an unconfigured channel fails
 * visibly, and no secret anywhere.
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

void
engine_outbox_tests(TCase *tc)
{
	tcase_add_test(tc, send_one_page_then_one_resolved);
	tcase_add_test(tc, retry_500_in_round);
	tcase_add_test(tc, retry_500_later_and_after_restart);
	tcase_add_test(tc, retry_after_429);
	tcase_add_test(tc, hang_costs_no_more_than_timeout);
	tcase_add_test(tc, permanent_404_not_retried);
	tcase_add_test(tc, unconfigured_channel_fails_visibly);
	tcase_add_test(tc, no_secret_anywhere);
}
