/*
 * sink-email: the exact RFC 5322 message, header injection, RFC 2047
 * subjects, and delivery to a real SMTP receiver (aiosmtpd on 127.0.0.1,
 * AUTH required) including a body line that is a lone '.'.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert/config.h"
#include "alert/sink.h"
#include "receiver.h"

#define PASSWORD	"pw-SeCrEt-99"

static struct alert_config *
config_for(int port)
{
	struct alert_config *c = alert_config_create();
	char url[128], *cause = NULL;

	snprintf(url, sizeof url, "smtp://127.0.0.1:%d", port);
	ck_assert_int_eq(alert_config_set(c, "email", "smtp_url", url,
	    &cause), 0);
	ck_assert_int_eq(alert_config_set(c, "email", "user", "mlmon-bot",
	    &cause), 0);
	ck_assert_int_eq(alert_config_set(c, "email", "password", PASSWORD,
	    &cause), 0);
	ck_assert_int_eq(alert_config_set(c, "email", "from",
	    "mlmon@example.org", &cause), 0);
	ck_assert_int_eq(alert_config_set(c, "email", "to",
	    "oncall@example.org ,ml@example.net", &cause), 0);
	return c;
}

static const struct alert_message sample = {
	.id = 7,
	.batch_id = 12,
	.severity = ALERT_SEVERITY_CRITICAL,
	.kind = "firing",
	.condition_key = "performance_decay",
	.text = "batch 12: performance decay (accuracy 0.812, delta -0.091; "
	    "F1 macro 0.790, delta -0.102; 200 labelled rows)",
	.created_at = 1764126347,	/* Wed, 26 Nov 2025 03:05:47 +0000 */
};

static const char sample_rendered[] =
    "Date: Wed, 26 Nov 2025 03:05:47 +0000\r\n"
    "From: mlmon@example.org\r\n"
    "To: oncall@example.org, ml@example.net\r\n"
    "Subject: [mlmon CRITICAL] batch 12: performance decay (accuracy 0.812, "
    "delta -0.091; F1 macro 0.790, delta -0.102; 200 labelled rows)\r\n"
    "Message-ID: <mlmon.7.1764126347@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "batch 12: performance decay (accuracy 0.812, delta -0.091; F1 macro "
    "0.790,\r\n"
    "delta -0.102; 200 labelled rows)\r\n"
    "\r\n"
    "Severity: critical\r\n"
    "Notification: firing\r\n"
    "Condition: performance_decay\r\n"
    "Batch: 12\r\n"
    "Alert: 7\r\n"
    "\r\n"
    "-- \r\n"
    "mlmon\r\n";

/* The header names of a rendered message, in order, "|" joined. */
static void
header_names(const char *msg, char *out, size_t size)
{
	const char *p = msg, *colon, *eol;
	size_t o = 0;

	out[0] = '\0';
	while (*p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		eol = strstr(p, "\r\n");
		ck_assert_ptr_nonnull(eol);
		if (*p != ' ' && *p != '\t') {
			colon = memchr(p, ':', (size_t)(eol - p));
			ck_assert_ptr_nonnull(colon);
			o += (size_t)snprintf(out + o, size - o, "%s%.*s",
			    o == 0 ? "" : "|", (int)(colon - p), p);
		}
		p = eol + 2;
	}
}

START_TEST(render_exact)
{
	struct alert_config *c = config_for(25);
	char *msg;

	msg = sink_email_render(c, &sample);
	ck_assert_str_eq(msg, sample_rendered);
	free(msg);
	alert_config_destroy(c);
}
END_TEST

START_TEST(no_header_injection)
{
	static const char *const texts[] = {
		"batch 1: x\r\nBcc: evil@example.com\r\n\r\nowned",
		"batch 1: x\nBcc: evil@example.com",
		"batch 1: x\rBcc: evil@example.com",
		"batch 1: x\x0b\x0c\x1b[31m\x85" "Bcc: evil@example.com",
		"\r\n\r\n",
	};
	static const char expect[] = "Date|From|To|Subject|Message-ID|"
	    "MIME-Version|Content-Type|Content-Transfer-Encoding";
	struct alert_config *c = config_for(25);
	struct alert_message m = sample;
	char names[512], *msg, *body;
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		m.text = texts[i];
		m.condition_key = texts[i];
		msg = sink_email_render(c, &m);
		header_names(msg, names, sizeof names);
		ck_assert_msg(strcmp(names, expect) == 0, "text %zu: headers "
		    "%s", i, names);
		/* No bare CR or LF anywhere: every line ends in CRLF. */
		for (body = msg; *body != '\0'; body++) {
			if (*body == '\r')
				ck_assert_int_eq(body[1], '\n');
			if (*body == '\n')
				ck_assert_int_eq(body[-1], '\r');
			ck_assert_msg((unsigned char)*body >= 0x20 ||
			    *body == '\r' || *body == '\n',
			    "text %zu: control byte %#x", i, *body);
		}
		free(msg);
	}
	alert_config_destroy(c);
}
END_TEST

START_TEST(subject_utf8_encoded_word)
{
	struct alert_config *c = config_for(25);
	struct alert_message m = sample;
	char *msg, *subj, *end;
	const char *p;

	/* 30 x "é" (2 bytes): more than one encoded word. */
	m.text = "batch 4: drift on "
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	msg = sink_email_render(c, &m);
	subj = strstr(msg, "\r\nSubject: =?UTF-8?B?");
	ck_assert_ptr_nonnull(subj);
	/* The first word: "[mlmon CRITICAL] batch 4: drift on " + 2 é. */
	ck_assert_ptr_nonnull(strstr(subj, "Subject: =?UTF-8?B?"
	    "W21sbW9uIENSSVRJQ0FMXSBiYXRjaCA0OiBkcmlmdCBvbiDDqcOp?="
	    "\r\n =?UTF-8?B?"));
	/* Folded lines, each at most 78 columns, all before the body. */
	end = strstr(msg, "\r\n\r\n");
	for (p = subj + 2; p < end; ) {
		const char *eol = strstr(p, "\r\n");
		ck_assert_int_le(eol - p, 76);
		p = eol + 2;
	}
	/* Raw UTF-8 stays in the 8bit body. */
	ck_assert_ptr_nonnull(strstr(end, "\xc3\xa9\xc3\xa9"));
	free(msg);
	alert_config_destroy(c);
}
END_TEST

START_TEST(send_to_smtp_receiver)
{
	struct receiver rcv;
	struct alert_config *c;
	struct alert_message m = sample;
	struct sink_result res;
	char *got, *meta, *want;
	size_t len;
	cJSON *root, *to;

	setenv("SMTP_TEST_USER", "mlmon-bot", 1);
	setenv("SMTP_TEST_PASSWORD", PASSWORD, 1);
	receiver_start(&rcv, "smtp-receiver.py", NULL);
	c = config_for(rcv.port);

	/* A lone "." line and a leading-dot line: dot-stuffed by curl. */
	m.text = "batch 12: line one\n.\n.hidden dot line\nlast";
	sink_email.send(c, &m, 10, &res);
	ck_assert_msg(res.outcome == SINK_DELIVERED, "outcome %d: %s",
	    res.outcome, res.error);
	ck_assert_int_eq(receiver_count(&rcv, "msg", "eml"), 1);
	got = receiver_read(&rcv, "msg-1.eml", &len);
	want = sink_email_render(c, &m);
	ck_assert_str_eq(got, want);
	ck_assert_ptr_nonnull(strstr(got, "\r\n\r\nbatch 12: line one\r\n.\r\n"
	    ".hidden dot line\r\nlast\r\n"));
	ck_assert_ptr_null(strstr(got, PASSWORD));

	meta = receiver_read(&rcv, "msg-1.json", NULL);
	root = cJSON_Parse(meta);
	ck_assert_str_eq(cJSON_GetObjectItem(root, "mail_from")->valuestring,
	    "mlmon@example.org");
	to = cJSON_GetObjectItem(root, "rcpt_tos");
	ck_assert_int_eq(cJSON_GetArraySize(to), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(to, 0)->valuestring,
	    "oncall@example.org");
	ck_assert_str_eq(cJSON_GetArrayItem(to, 1)->valuestring,
	    "ml@example.net");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(root, "authenticated")));
	ck_assert_str_eq(cJSON_GetObjectItem(root, "auth_login")->valuestring,
	    "mlmon-bot");
	cJSON_Delete(root);
	free(meta);
	free(got);
	free(want);
	alert_config_destroy(c);
	receiver_stop(&rcv);
}
END_TEST

START_TEST(refused_is_retried)
{
	struct receiver rcv;
	struct alert_config *c;
	struct sink_result res;
	int port;

	/* A port that was just free: start and stop a receiver on it. */
	setenv("SMTP_TEST_USER", "x", 1);
	setenv("SMTP_TEST_PASSWORD", "y", 1);
	receiver_start(&rcv, "smtp-receiver.py", NULL);
	port = rcv.port;
	receiver_stop(&rcv);
	c = config_for(port);
	sink_email.send(c, &sample, 2, &res);
	ck_assert_int_eq(res.outcome, SINK_RETRY);
	ck_assert_ptr_nonnull(strstr(res.error, "email: "));
	ck_assert_ptr_null(strstr(res.error, PASSWORD));
	alert_config_destroy(c);
}
END_TEST

START_TEST(preview_has_no_password)
{
	struct alert_config *c = config_for(2525);
	char *p;

	p = sink_email.preview(c, &sample);
	ck_assert_ptr_null(strstr(p, PASSWORD));
	ck_assert_ptr_nonnull(strstr(p, "to oncall@example.org, "
	    "ml@example.net"));
	ck_assert_ptr_nonnull(strstr(p, "Subject: [mlmon CRITICAL] batch 12"));
	free(p);
	alert_config_destroy(c);
}
END_TEST

static Suite *
sink_email_suite(void)
{
	Suite *s = suite_create("sink-email");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, render_exact);
	tcase_add_test(tc, no_header_injection);
	tcase_add_test(tc, subject_utf8_encoded_word);
	tcase_add_test(tc, send_to_smtp_receiver);
	tcase_add_test(tc, refused_is_retried);
	tcase_add_test(tc, preview_has_no_password);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sink_email_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
