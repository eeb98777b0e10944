/*
 * sink-slack against a real HTTP receiver on 127.0.0.1: the exact JSON
 * payload and headers, and the outcome of 200, 500, 429 + Retry-After,
 * 404, a hang (bounded by the timeout) and a refused connection.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "mlmon-config.h"

#include "alert/config.h"
#include "alert/sink.h"
#include "receiver.h"

#define TOKEN	"T0001/B0002/SeCrEtToKeN42"

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct alert_config *
config_for(int port)
{
	struct alert_config *c = alert_config_create();
	char url[256], *cause = NULL;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/services/" TOKEN, port);
	ck_assert_int_eq(alert_config_set(c, "slack", "webhook_url", url,
	    &cause), 0);
	return c;
}

static const struct alert_message sample = {
	.id = 7,
	.batch_id = 12,
	.severity = ALERT_SEVERITY_CRITICAL,
	.kind = "firing",
	.condition_key = "confirmed_drift:age,income",
	.text = "batch 12: confirmed drift (PSI and KS agree) on 1 feature: "
	    "age (PSI 0.412, KS D 0.231 p 1.2e-05)",
	.created_at = 1764126347,
};

START_TEST(payload_exact)
{
	static const struct {
		enum alert_severity	 sev;
		const char		*kind;
		const char		*text;
		const char		*json;
	} rows[] = {
		{ ALERT_SEVERITY_CRITICAL, "firing", "batch 3: drift on x",
		    "{\"text\":\"[mlmon CRITICAL] batch 3: drift on x\"}" },
		{ ALERT_SEVERITY_CRITICAL, "repeat", "batch 9: drift",
		    "{\"text\":\"[mlmon CRITICAL, still firing] batch 9: "
		    "drift\"}" },
		{ ALERT_SEVERITY_CRITICAL, "resolved", "batch 12: resolved",
		    "{\"text\":\"[mlmon RESOLVED, was CRITICAL] batch 12: "
		    "resolved\"}" },
		{ ALERT_SEVERITY_WARNING, "firing", "w",
		    "{\"text\":\"[mlmon WARNING] w\"}" },
		/* Slack mrkdwn entities, then JSON escapes. */
		{ ALERT_SEVERITY_CRITICAL, "firing",
		    "on <!channel> & \"q\" \\ <http://x|y>",
		    "{\"text\":\"[mlmon CRITICAL] on &lt;!channel&gt; &amp; "
		    "\\\"q\\\" \\\\ &lt;http://x|y&gt;\"}" },
		/* Control characters never reach the payload. */
		{ ALERT_SEVERITY_CRITICAL, "firing", "a\nb\x01\x7f" "c\t",
		    "{\"text\":\"[mlmon CRITICAL] a bc \"}" },
		/* UTF-8 passes through; invalid bytes become '?'. */
		{ ALERT_SEVERITY_CRITICAL, "firing", "\xc3\xa9t\xff",
		    "{\"text\":\"[mlmon CRITICAL] \xc3\xa9t\xef\xbf\xbd\"}" },
	};
	struct alert_message m = sample;
	size_t i;
	char *json;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		m.severity = rows[i].sev;
		m.kind = rows[i].kind;
		m.text = rows[i].text;
		json = sink_slack_payload(&m);
		ck_assert_msg(strcmp(json, rows[i].json) == 0,
		    "row %zu: got %s", i, json);
		free(json);
	}
}
END_TEST

START_TEST(preview_has_no_secret)
{
	struct alert_config *c = config_for(9);
	char *p;

	p = sink_slack.preview(c, &sample);
	ck_assert_ptr_null(strstr(p, "SeCrEtToKeN42"));
	ck_assert_ptr_null(strstr(p, "/services"));
	ck_assert_ptr_nonnull(strstr(p, "http://127.0.0.1:9/[redacted]"));
	ck_assert_ptr_nonnull(strstr(p, "[mlmon CRITICAL] batch 12"));
	free(p);
	alert_config_destroy(c);
}
END_TEST

START_TEST(post_200_exact_request)
{
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	char *req, *json;
	cJSON *root, *h;

	receiver_start(&rcv, "webhook-receiver.py", "200");
	c = config_for(rcv.port);
	sink_slack.send(c, &sample, 5, &res);
	ck_assert_int_eq(res.outcome, SINK_DELIVERED);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.error, "");
	ck_assert_int_eq(receiver_count(&rcv, "req", "json"), 1);

	req = receiver_read(&rcv, "req-1.json", NULL);
	root = cJSON_Parse(req);
	ck_assert_ptr_nonnull(root);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "method")->valuestring,
	    "POST");
	ck_assert_str_eq(cJSON_GetObjectItem(root, "path")->valuestring,
	    "/services/" TOKEN);
	h = cJSON_GetObjectItem(root, "headers");
	ck_assert_str_eq(cJSON_GetObjectItem(h, "content-type")->valuestring,
	    "application/json");
	ck_assert_str_eq(cJSON_GetObjectItem(h, "user-agent")->valuestring,
	    "mlmon/" MLMON_VERSION);
	ck_assert_ptr_null(cJSON_GetObjectItem(h, "expect"));
	json = sink_slack_payload(&sample);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "body")->valuestring, json);
	ck_assert_str_eq(json, "{\"text\":\"[mlmon CRITICAL] batch 12: "
	    "confirmed drift (PSI and KS agree) on 1 feature: age (PSI 0.412, "
	    "KS D 0.231 p 1.2e-05)\"}");
	free(json);
	cJSON_Delete(root);
	free(req);
	alert_config_destroy(c);
	receiver_stop(&rcv);
}
END_TEST

/*
 * A receiver that echoes the request path (Apache's 404 page) or only its
 * last segment: no piece of any secret component reaches the error, not
 * even a part cut at the field's end.
 */
START_TEST(echoed_path_is_scrubbed)
{
	static const char *const modes[] = { "404-echo", "404-echo-last" };
	static const char *const parts[] = { "T0ABCDEFG", "B0HIJKLMN",
	    "SeCrEtToKeN42xYz", "QuErYsEcReT9" };
	struct alert_config *c;
	struct receiver rcv;
	struct sink_result res;
	char url[256], *cause = NULL, piece[7];
	size_t i, k, o;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		receiver_start(&rcv, "webhook-receiver.py", modes[i]);
		c = alert_config_create();
		snprintf(url, sizeof url, "http://127.0.0.1:%d/services/"
		    "T0ABCDEFG/B0HIJKLMN/SeCrEtToKeN42xYz?token=QuErYsEcReT9",
		    rcv.port);
		ck_assert_int_eq(alert_config_set(c, "slack", "webhook_url",
		    url, &cause), 0);
		sink_slack.send(c, &sample, 5, &res);
		ck_assert_int_eq(res.status, 404);
		ck_assert_msg(strstr(res.error, "[redacted]") != NULL,
		    "%s: the echo is not in the error: %s", modes[i],
		    res.error);
		for (k = 0; k < sizeof parts / sizeof parts[0]; k++)
			for (o = 0; o + 6 <= strlen(parts[k]); o++) {
				memcpy(piece, parts[k] + o, 6);
				piece[6] = '\0';
				ck_assert_msg(strstr(res.error, piece) == NULL,
				    "%s: \"%s\" leaks in: %s", modes[i],
				    piece, res.error);
			}
		alert_config_destroy(c);
		receiver_stop(&rcv);
	}
}
END_TEST

START_TEST(status_outcomes)
{
	static const struct {
		const char		*mode;
		enum sink_outcome	 first;
		long			 status;
		double			 retry_after;
		enum sink_outcome	 second;
	} rows[] = {
		{ "500-then-200", SINK_RETRY, 500, -1, SINK_DELIVERED },
		{ "429", SINK_RETRY, 429, 1, SINK_DELIVERED },
		{ "404", SINK_FAILED, 404, -1, SINK_FAILED },
		/* Reported as asked; the engine caps it (test-engine). */
		{ "429-huge", SINK_RETRY, 429, 1e20, SINK_DELIVERED },
	};
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		receiver_start(&rcv, "webhook-receiver.py", rows[i].mode);
		c = config_for(rcv.port);
		sink_slack.send(c, &sample, 5, &res);
		ck_assert_msg(res.outcome == rows[i].first, "%s: outcome %d",
		    rows[i].mode, res.outcome);
		ck_assert_int_eq(res.status, rows[i].status);
		ck_assert_double_eq(res.retry_after, rows[i].retry_after);
		ck_assert_ptr_nonnull(strstr(res.error, "HTTP"));
		ck_assert_ptr_null(strstr(res.error, "SeCrEtToKeN42"));
		sink_slack.send(c, &sample, 5, &res);
		ck_assert_int_eq(res.outcome, rows[i].second);
		ck_assert_int_eq(receiver_count(&rcv, "req", "json"), 2);
		alert_config_destroy(c);
		receiver_stop(&rcv);
	}
}
END_TEST

START_TEST(hang_costs_the_timeout)
{
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	double t0, dt;

	receiver_start(&rcv, "webhook-receiver.py", "hang");
	c = config_for(rcv.port);
	t0 = mono();
	sink_slack.send(c, &sample, 1.0, &res);
	dt = mono() - t0;
	fprintf(stderr, "slack hang: attempt with a 1.0 s budget took "
	    "%.3f s\n", dt);
	ck_assert_int_eq(res.outcome, SINK_RETRY);
	ck_assert_double_ge(dt, 0.9);
	ck_assert_double_lt(dt, 1.5);
	ck_assert_ptr_nonnull(strstr(res.error, "slack: "));
	ck_assert_ptr_null(strstr(res.error, "SeCrEtToKeN42"));
	alert_config_destroy(c);
	receiver_stop(&rcv);
}
END_TEST

START_TEST(refused_is_retried)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	struct alert_config *c;
	struct sink_result res;
	int fd, port;

	/* A port nobody listens on: bind one, note it, close it. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);

	c = config_for(port);
	sink_slack.send(c, &sample, 2, &res);
	ck_assert_int_eq(res.outcome, SINK_RETRY);
	ck_assert_int_eq(res.status, 0);
	ck_assert_ptr_null(strstr(res.error, "SeCrEtToKeN42"));
	ck_assert_ptr_null(strstr(res.error, "/services"));
	alert_config_destroy(c);
}
END_TEST

static Suite *
sink_slack_suite(void)
{
	Suite *s = suite_create("sink-slack");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, payload_exact);
	tcase_add_test(tc, preview_has_no_secret);
	tcase_add_test(tc, post_200_exact_request);
	tcase_add_test(tc, echoed_path_is_scrubbed);
	tcase_add_test(tc, status_outcomes);
	tcase_add_test(tc, hang_costs_the_timeout);
	tcase_add_test(tc, refused_is_retried);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sink_slack_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
