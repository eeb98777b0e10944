/*
 * The Alertmanager sink: the exact /api/v2/alerts body (labels,
 * annotations, startsAt, endsAt ahead of now while live and at the
 * decision for a resolution), cleaned label values, the request it makes
 * to a real local receiver, and its outcomes per status.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert/config.h"
#include "alert/sink.h"
#include "receiver.h"

/* 2025-11-26T03:05:47Z and the condition's opening 60 s before. */
static const struct alert_message sample = {
	.id = 7,
	.batch_id = 12,
	.severity = ALERT_SEVERITY_CRITICAL,
	.kind = "firing",
	.condition_key = "confirmed_drift:age,income",
	.text = "batch 12: confirmed drift on 2 features",
	.created_at = 1764126347,
	.rule = "confirmed_drift",
	.model = "default",
	.features = "age,income",
	.title = "confirmed drift",
	.explain = "PSI and KS agree",
	.started_at = 1764126287,
};

static struct alert_config *
config_for(int port)
{
	struct alert_config *c = alert_config_create();
	char url[256], *cause = NULL;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	ck_assert_int_eq(alert_config_set(c, "alertmanager", "url", url,
	    &cause), 0);
	ck_assert_int_eq(alert_config_set(c, "alertmanager",
	    "resend_interval", "30s", &cause), 0);
	return c;
}

START_TEST(payload_exact)
{
	static const struct {
		const char	*kind;
		double		 now;
		const char	*ends;
	} rows[] = {
		/* Live: now + 4 x 30 s. */
		{ "firing", 1764126347.5, "2025-11-26T03:07:47.500Z" },
		{ "repeat", 1764126647, "2025-11-26T03:12:47.000Z" },
		/* Resolved: the decision's time, whenever it is sent. */
		{ "resolved", 1764129999, "2025-11-26T03:05:47.000Z" },
	};
	struct alert_config *c = config_for(9093);
	struct alert_message m = sample;
	char want[1024], *json;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		m.kind = rows[i].kind;
		json = sink_alertmanager_payload(c, &m, 1, rows[i].now);
		snprintf(want, sizeof want, "[{\"labels\":{"
		    "\"alertname\":\"confirmed_drift\",\"model\":\"default\","
		    "\"severity\":\"critical\",\"features\":\"age,income\"},"
		    "\"annotations\":{\"summary\":\"confirmed drift on "
		    "age,income (model default)\",\"description\":\"batch 12: "
		    "confirmed drift on 2 features\",\"explain\":\"PSI and KS "
		    "agree\",\"condition\":\"confirmed_drift:age,income\","
		    "\"batch\":\"12\"},\"startsAt\":"
		    "\"2025-11-26T03:04:47.000Z\",\"endsAt\":\"%s\"}]",
		    rows[i].ends);
		ck_assert_msg(strcmp(json, want) == 0, "%s:\n%s",
		    rows[i].kind, json);
		free(json);
	}
	alert_config_destroy(c);
}
END_TEST

/* Names from NDJSON are cleaned; no features label without features. */
START_TEST(labels_cleaned)
{
	struct alert_config *c = config_for(9093);
	struct alert_message m[2] = { sample, sample };
	cJSON *root, *l;
	char *json;

	m[0].features = "a\x1b[2Jb,c\n";
	m[0].text = "line\r\nInjected: yes";
	m[1].rule = "performance_decay";
	m[1].features = NULL;
	m[1].started_at = 0;	/* unknown: the decision's time */
	json = sink_alertmanager_payload(c, m, 2, 1764126347);
	root = cJSON_Parse(json);
	ck_assert_int_eq(cJSON_GetArraySize(root), 2);
	l = cJSON_GetObjectItem(cJSON_GetArrayItem(root, 0), "labels");
	ck_assert_str_eq(cJSON_GetObjectItem(l, "features")->valuestring,
	    "a[2Jb,c ");
	ck_assert_ptr_null(strchr(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(root, 0), "annotations"),
	    "description")->valuestring, '\n'));
	l = cJSON_GetObjectItem(cJSON_GetArrayItem(root, 1), "labels");
	ck_assert_ptr_null(cJSON_GetObjectItem(l, "features"));
	ck_assert_str_eq(cJSON_GetObjectItem(l, "alertname")->valuestring,
	    "performance_decay");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(root, 1),
	    "startsAt")->valuestring, "2025-11-26T03:05:47.000Z");
	cJSON_Delete(root);
	free(json);
	alert_config_destroy(c);
}
END_TEST

START_TEST(post_exact_request)
{
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	cJSON *root, *body, *a;
	char *req;

	receiver_start(&rcv, "webhook-receiver.py", "200");
	c = config_for(rcv.port);
	sink_alertmanager.send(c, &sample, 5, &res);
	ck_assert_int_eq(res.outcome, SINK_DELIVERED);
	ck_assert_str_eq(res.error, "");
	req = receiver_read(&rcv, "req-1.json", NULL);
	root = cJSON_Parse(req);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "path")->valuestring,
	    "/api/v2/alerts");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(root,
	    "headers"), "content-type")->valuestring, "application/json");
	body = cJSON_Parse(cJSON_GetObjectItem(root, "body")->valuestring);
	ck_assert_int_eq(cJSON_GetArraySize(body), 1);
	a = cJSON_GetArrayItem(body, 0);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(a,
	    "labels"), "alertname")->valuestring, "confirmed_drift");
	/* endsAt is ahead of the real clock: after 2025. */
	ck_assert(strcmp(cJSON_GetObjectItem(a, "endsAt")->valuestring,
	    "2026") > 0);
	cJSON_Delete(body);
	cJSON_Delete(root);
	free(req);
	alert_config_destroy(c);
	receiver_stop(&rcv);
}
END_TEST

START_TEST(status_outcomes)
{
	static const struct {
		const char		*mode;
		enum sink_outcome	 first;
		long			 status;
	} rows[] = {
		{ "500-then-200", SINK_RETRY, 500 },
		{ "429", SINK_RETRY, 429 },
		{ "404", SINK_FAILED, 404 },
	};
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		receiver_start(&rcv, "webhook-receiver.py", rows[i].mode);
		c = config_for(rcv.port);
		sink_alertmanager.send(c, &sample, 5, &res);
		ck_assert_msg(res.outcome == rows[i].first, "%s: outcome %d",
		    rows[i].mode, res.outcome);
		ck_assert_int_eq(res.status, rows[i].status);
		ck_assert_ptr_nonnull(strstr(res.error, "alertmanager: HTTP"));
		alert_config_destroy(c);
		receiver_stop(&rcv);
	}
	/* Refused: nothing listens on the receiver's old port. */
	c = config_for(rcv.port);
	sink_alertmanager.send(c, &sample, 2, &res);
	ck_assert_int_eq(res.outcome, SINK_RETRY);
	alert_config_destroy(c);
	/* No URL: failed for good, never a crash. */
	c = alert_config_create();
	sink_alertmanager.send(c, &sample, 2, &res);
	ck_assert_int_eq(res.outcome, SINK_FAILED);
	alert_config_destroy(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sink-alertmanager");
	TCase *tc = tcase_create("sink-alertmanager");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, payload_exact);
	tcase_add_test(tc, labels_cleaned);
	tcase_add_test(tc, post_exact_request);
	tcase_add_test(tc, status_outcomes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
