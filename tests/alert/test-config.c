/*
 * Alert settings, gating and text hygiene: every key of [alert], [slack],
 * [email] and [alertmanager] with good and bad values, the MLMON_* environment, secrets
 * kept out of causes, the gate table, cleaning and scrubbing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/config.h"
#include "alert/gate.h"
#include "alert/text.h"
#include "core/sanitize.h"

START_TEST(defaults)
{
	struct alert_config *c = alert_config_create();

	ck_assert(!c->send);
	ck_assert_double_eq(c->repeat_interval, 300);
	ck_assert_uint_eq(c->resolve_after, 3);
	ck_assert_int_eq(c->min_severity[ALERT_CHANNEL_SLACK],
	    ALERT_SEVERITY_CRITICAL);
	ck_assert_int_eq(c->min_severity[ALERT_CHANNEL_EMAIL],
	    ALERT_SEVERITY_CRITICAL);
	ck_assert_double_eq(c->connect_timeout, 5);
	ck_assert_double_eq(c->timeout, 10);
	ck_assert(!alert_config_channel_ready(c, ALERT_CHANNEL_SLACK));
	ck_assert(!alert_config_channel_ready(c, ALERT_CHANNEL_EMAIL));
	alert_config_set_send(c, true);
	ck_assert(c->send);
	alert_config_destroy(c);
	alert_config_destroy(NULL);
}
END_TEST

static const struct {
	const char	*section, *key, *value;
	int		 ok;
	const char	*cause;		/* substring when !ok */
} key_rows[] = {
	{ "alert", "repeat_interval", "300", 1, NULL },
	{ "alert", "repeat_interval", "5m", 1, NULL },
	{ "alert", "repeat_interval", "250ms", 1, NULL },
	{ "alert", "repeat_interval", "1.5h", 1, NULL },
	{ "alert", "repeat_interval", "0", 1, NULL },
	{ "alert", "repeat_interval", "-1", 0, "duration" },
	{ "alert", "repeat_interval", "5 m", 0, "duration" },
	{ "alert", "repeat_interval", "", 0, "duration" },
	{ "alert", "repeat_interval", "9999h", 0, "week" },
	{ "alert", "resolve_after", "3", 1, NULL },
	{ "alert", "resolve_after", "0", 0, "at least 1" },
	{ "alert", "resolve_after", "2x", 0, "whole number" },
	{ "alert", "timeout", "0", 0, "duration" },
	{ "alert", "timeout", "2s", 1, NULL },
	{ "alert", "connect_timeout", "500ms", 1, NULL },
	{ "alert", "retries", "0", 1, NULL },
	{ "alert", "backoff", "100ms", 1, NULL },
	{ "alert", "backoff_max", "10m", 1, NULL },
	{ "alert", "max_attempts", "20", 1, NULL },
	{ "alert", "min_severity_slack", "warning", 1, NULL },
	{ "alert", "min_severity_email", "off", 1, NULL },
	{ "alert", "min_severity_email", "info", 0, "warning, critical" },
	{ "slack", "min_severity", "critical", 1, NULL },
	{ "email", "min_severity", "loud", 0, "\"loud\"" },
	{ "alert", "nope", "1", 0, "unknown key [alert] nope" },
	{ "pager", "url", "1", 0, "unknown key [pager] url" },
	{ "slack", "webhook_url", "https://hooks.slack.com/services/T/B/X",
	    1, NULL },
	{ "slack", "webhook_url", "http://127.0.0.1:8080/hook", 1, NULL },
	{ "slack", "webhook_url", "http://localhost:8080/hook", 1, NULL },
	{ "slack", "webhook_url", "http://[::1]:8080/hook", 1, NULL },
	{ "slack", "webhook_url", "http://hooks.slack.com/services/X", 0,
	    "https://" },
	{ "slack", "webhook_url", "http://127.0.0.2/x", 0, "https://" },
	{ "slack", "webhook_url", "ftp://hooks.slack.com/x", 0,
	    "https://" },
	{ "slack", "webhook_url", "https://u:p@hooks.slack.com/x", 0,
	    "user or password" },
	{ "slack", "webhook_url", "hooks.slack.com/x", 0, "" },
	{ "slack", "webhook_url", "https://h/x\r\nHost: y", 0,
	    "control" },
	{ "email", "smtp_url", "smtp://mail.example.org:587", 1, NULL },
	{ "email", "smtp_url", "smtps://mail.example.org:465", 1, NULL },
	{ "email", "smtp_url", "https://mail.example.org", 0, "smtp://" },
	{ "email", "smtp_url", "smtp://bob:pw@mail.example.org", 0,
	    "MLMON_SMTP_USER" },
	{ "email", "smtp_url", "smtp://mail.example.org/?x=1", 0,
	    "query" },
	{ "email", "user", "bot", 1, NULL },
	{ "email", "user", "bot\nX", 0, "control" },
	{ "email", "password", "p w", 1, NULL },
	{ "email", "from", "mlmon@example.org", 1, NULL },
	{ "email", "from", "Mlmon <mlmon@example.org>", 0, "address" },
	{ "email", "from", "a@b\r\nBcc: evil@x.org", 0, "address" },
	{ "email", "from", "nobody", 0, "address" },
	{ "email", "to", "a@x.org", 1, NULL },
	{ "email", "to", " a@x.org , b@y.org,c@z.org ", 1, NULL },
	{ "email", "to", "a@x.org,,b@y.org", 0, "not an address" },
	{ "email", "to", "a@x.org, b@y.org\nBcc: e@x.org", 0,
	    "not an address" },
	{ "email", "to", "", 0, "no address" },
	{ "alertmanager", "url", "http://am.internal:9093", 1, NULL },
	{ "alertmanager", "url", "https://am.example.org/", 1, NULL },
	{ "alertmanager", "url", "ftp://am.example.org", 0, "http://" },
	{ "alertmanager", "url", "http://u:p@am:9093", 0,
	    "user or password" },
	{ "alertmanager", "url", "http://am:9093/?x=1", 0, "query" },
	{ "alertmanager", "url", "http://am:9093\n", 0, "control" },
	{ "alertmanager", "resend_interval", "30s", 1, NULL },
	{ "alertmanager", "resend_interval", "0", 0, "duration" },
	{ "alertmanager", "min_severity", "critical", 1, NULL },
	{ "alert", "min_severity_alertmanager", "nope", 0, "warning" },
};

START_TEST(keys)
{
	struct alert_config *c;
	char *cause;
	size_t i;
	int rc;

	for (i = 0; i < sizeof key_rows / sizeof key_rows[0]; i++) {
		c = alert_config_create();
		cause = NULL;
		rc = alert_config_set(c, key_rows[i].section, key_rows[i].key,
		    key_rows[i].value, &cause);
		if (key_rows[i].ok) {
			ck_assert_msg(rc == 0, "row %zu: %s", i, cause);
		} else {
			ck_assert_msg(rc == -1, "row %zu accepted", i);
			ck_assert_ptr_nonnull(cause);
			ck_assert_msg(strstr(cause, key_rows[i].cause) != NULL,
			    "row %zu: cause \"%s\"", i, cause);
			ck_assert_msg(strchr(cause, '\n') == NULL &&
			    strchr(cause, '\r') == NULL, "row %zu", i);
			free(cause);
		}
		alert_config_destroy(c);
	}
}
END_TEST

START_TEST(values_applied)
{
	struct alert_config *c = alert_config_create();
	char *cause = NULL;

	ck_assert_int_eq(alert_config_set(c, "alert", "repeat_interval", "5m",
	    &cause), 0);
	ck_assert_double_eq(c->repeat_interval, 300);
	ck_assert_int_eq(alert_config_set(c, "alert", "timeout", "250ms",
	    &cause), 0);
	ck_assert_double_eq_tol(c->timeout, 0.25, 1e-12);
	ck_assert_int_eq(alert_config_set(c, "alert", "min_severity_slack",
	    "warning", &cause), 0);
	ck_assert_int_eq(c->min_severity[ALERT_CHANNEL_SLACK],
	    ALERT_SEVERITY_WARNING);
	ck_assert_int_eq(alert_config_set(c, "email", "min_severity", "off",
	    &cause), 0);
	ck_assert_int_eq(c->min_severity[ALERT_CHANNEL_EMAIL],
	    ALERT_SEVERITY_OFF);
	ck_assert_int_eq(alert_config_set(c, "email", "to",
	    " a@x.org , b@y.org,c@z.org ", &cause), 0);
	ck_assert_str_eq(c->email_to, "a@x.org, b@y.org, c@z.org");
	alert_config_destroy(c);
}
END_TEST

START_TEST(secret_never_in_cause)
{
	static const struct {
		const char *section, *key, *value;
	} rows[] = {
		{ "slack", "webhook_url", "http://example.com/SECRETTOKEN77" },
		{ "slack", "webhook_url", "https://u:SECRETTOKEN77@h/x" },
		{ "slack", "webhook_url", "SECRETTOKEN77" },
		{ "slack", "webhook_url", "https://h/SECRETTOKEN77\n" },
		{ "email", "password", "SECRETTOKEN77\r\n" },
		{ "email", "password", "" },
	};
	struct alert_config *c = alert_config_create();
	char *cause;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cause = NULL;
		ck_assert_int_eq(alert_config_set(c, rows[i].section,
		    rows[i].key, rows[i].value, &cause), -1);
		ck_assert_msg(strstr(cause, "SECRETTOKEN77") == NULL,
		    "row %zu: %s", i, cause);
		free(cause);
	}
	ck_assert(alert_config_is_secret("slack", "webhook_url"));
	ck_assert(alert_config_is_secret("email", "password"));
	ck_assert(!alert_config_is_secret("email", "user"));
	ck_assert(!alert_config_is_secret("email", "smtp_url"));
	ck_assert(!alert_config_is_secret("alert", "timeout"));
	ck_assert(!alert_config_is_secret("nope", "password"));
	alert_config_destroy(c);
}
END_TEST

START_TEST(environment)
{
	struct alert_config *c = alert_config_create();
	char *cause = NULL;

	setenv("MLMON_SLACK_WEBHOOK_URL",
	    "https://hooks.slack.com/services/T/B/ENVTOKEN", 1);
	setenv("MLMON_SMTP_URL", "smtps://mail.example.org:465", 1);
	setenv("MLMON_SMTP_USER", "bot", 1);
	setenv("MLMON_SMTP_PASSWORD", "envpass", 1);
	setenv("MLMON_EMAIL_FROM", "mlmon@example.org", 1);
	setenv("MLMON_EMAIL_TO", "a@x.org,b@y.org", 1);
	ck_assert_int_eq(alert_config_from_env(c, &cause), 0);
	ck_assert_str_eq(c->slack_url,
	    "https://hooks.slack.com/services/T/B/ENVTOKEN");
	ck_assert_str_eq(c->smtp_url, "smtps://mail.example.org:465");
	ck_assert_str_eq(c->smtp_user, "bot");
	ck_assert_str_eq(c->smtp_password, "envpass");
	ck_assert_str_eq(c->email_from, "mlmon@example.org");
	ck_assert_str_eq(c->email_to, "a@x.org, b@y.org");
	ck_assert(alert_config_channel_ready(c, ALERT_CHANNEL_SLACK));
	ck_assert(alert_config_channel_ready(c, ALERT_CHANNEL_EMAIL));

	/* Empty variables are ignored; bad ones name the variable only. */
	setenv("MLMON_SMTP_USER", "", 1);
	setenv("MLMON_SLACK_WEBHOOK_URL", "http://evil.example/ENVTOKEN", 1);
	ck_assert_int_eq(alert_config_from_env(c, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "MLMON_SLACK_WEBHOOK_URL"));
	ck_assert_ptr_null(strstr(cause, "ENVTOKEN"));
	free(cause);
	unsetenv("MLMON_SLACK_WEBHOOK_URL");
	unsetenv("MLMON_SMTP_URL");
	unsetenv("MLMON_SMTP_USER");
	unsetenv("MLMON_SMTP_PASSWORD");
	unsetenv("MLMON_EMAIL_FROM");
	unsetenv("MLMON_EMAIL_TO");
	alert_config_destroy(c);
}
END_TEST

/*
 * Alertmanager's gate: off until a URL is set, then warning (Alertmanager
 * routes), unless a minimum was given, before or after the URL.
 */
START_TEST(alertmanager_gate)
{
	static const struct {
		const char		*first, *second;	/* key=value */
		enum alert_severity	 want;
	} rows[] = {
		{ NULL, NULL, ALERT_SEVERITY_OFF },
		{ "url=http://127.0.0.1:9093", NULL, ALERT_SEVERITY_WARNING },
		{ "min_severity=critical", "url=http://127.0.0.1:9093",
		    ALERT_SEVERITY_CRITICAL },
		{ "url=http://127.0.0.1:9093", "min_severity=critical",
		    ALERT_SEVERITY_CRITICAL },
		{ "url=http://127.0.0.1:9093", "min_severity=off",
		    ALERT_SEVERITY_OFF },
		{ "url=ftp://x", NULL, ALERT_SEVERITY_OFF },
	};
	const char *kv[2];
	struct alert_config *c;
	char key[64], *eq, *cause;
	size_t i, k;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		c = alert_config_create();
		kv[0] = rows[i].first;
		kv[1] = rows[i].second;
		for (k = 0; k < 2 && kv[k] != NULL; k++) {
			snprintf(key, sizeof key, "%s", kv[k]);
			eq = strchr(key, '=');
			*eq = '\0';
			cause = NULL;
			alert_config_set(c, "alertmanager", key, eq + 1,
			    &cause);
			free(cause);
		}
		ck_assert_msg(c->min_severity[ALERT_CHANNEL_ALERTMANAGER] ==
		    rows[i].want, "row %zu", i);
		ck_assert(alert_config_channel_ready(c,
		    ALERT_CHANNEL_ALERTMANAGER) == (c->am_url != NULL));
		alert_config_destroy(c);
	}
	setenv("MLMON_ALERTMANAGER_URL", "http://127.0.0.1:9093", 1);
	c = alert_config_create();
	cause = NULL;
	ck_assert_int_eq(alert_config_from_env(c, &cause), 0);
	ck_assert_str_eq(c->am_url, "http://127.0.0.1:9093");
	ck_assert_int_eq(c->min_severity[ALERT_CHANNEL_ALERTMANAGER],
	    ALERT_SEVERITY_WARNING);
	ck_assert_double_eq(c->am_resend, 60);
	unsetenv("MLMON_ALERTMANAGER_URL");
	alert_config_destroy(c);
}
END_TEST

START_TEST(redact_url)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "https://hooks.slack.com/services/T/B/X",
		    "https://hooks.slack.com/[redacted]" },
		{ "http://127.0.0.1:8080/hook",
		    "http://127.0.0.1:8080/[redacted]" },
		{ "not a url", "(invalid URL)" },
		{ NULL, "(unset)" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = alert_config_redact_url(rows[i].in);
		ck_assert_str_eq(s, rows[i].out);
		free(s);
	}
}
END_TEST

START_TEST(gate_table)
{
	static const struct {
		const char		*slack, *email;	/* min severity */
		enum alert_severity	 sev;
		const char		*channels;
	} rows[] = {
		{ NULL, NULL, ALERT_SEVERITY_CRITICAL, "slack,email" },
		{ NULL, NULL, ALERT_SEVERITY_WARNING, "" },
		{ "warning", NULL, ALERT_SEVERITY_WARNING, "slack" },
		{ "warning", NULL, ALERT_SEVERITY_CRITICAL, "slack,email" },
		{ "off", NULL, ALERT_SEVERITY_CRITICAL, "email" },
		{ "off", "off", ALERT_SEVERITY_CRITICAL, "" },
		{ "warning", "warning", ALERT_SEVERITY_WARNING, "slack,email" },
		{ "critical", "warning", ALERT_SEVERITY_WARNING, "email" },
	};
	enum alert_channel out[ALERT_CHANNEL_COUNT];
	struct alert_config *c;
	char buf[64], *cause = NULL;
	size_t i, n, k;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		c = alert_config_create();
		if (rows[i].slack != NULL)
			ck_assert_int_eq(alert_config_set(c, "slack",
			    "min_severity", rows[i].slack, &cause), 0);
		if (rows[i].email != NULL)
			ck_assert_int_eq(alert_config_set(c, "alert",
			    "min_severity_email", rows[i].email, &cause), 0);
		n = alert_gate(c, rows[i].sev, out);
		buf[0] = '\0';
		for (k = 0; k < n; k++) {
			if (k > 0)
				strcat(buf, ",");
			strcat(buf, alert_channel_name(out[k]));
		}
		ck_assert_msg(strcmp(buf, rows[i].channels) == 0,
		    "row %zu: %s", i, buf);
		alert_config_destroy(c);
	}
}
END_TEST

/* U+FFFD, what each invalid byte becomes. */
#define R "\xef\xbf\xbd"

START_TEST(text_clean)
{
	static const struct {
		const char	*in;
		size_t		 max;
		const char	*out;
	} rows[] = {
		{ "plain", 100, "plain" },
		{ "a\r\nb\tc", 100, "a  b c" },
		{ "x\x01\x1b[31my\x7f", 100, "x[31my" },
		{ "\xc2\x85next-line\xc2\x9f", 100, "next-line" },
		{ "caf\xc3\xa9", 100, "caf\xc3\xa9" },
		{ "bad\xff\xfe", 100, "bad" R R },
		{ "overlong\xc0\xaf", 100, "overlong" R R },
		{ "surrogate\xed\xa0\x80", 100, "surrogate" R R R },
		{ "truncated\xe2\x82", 100, "truncated" R R },
		{ "bidi \xe2\x80\xae" "evil", 100, "bidi evil" },
		{ "abcdefghij", 8, "abcde..." },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 7,
		    "\xc3\xa9\xc3\xa9..." },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 6, "\xc3\xa9..." },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = sanitize_dup(rows[i].in, rows[i].max);
		ck_assert_msg(strcmp(s, rows[i].out) == 0, "row %zu: \"%s\"",
		    i, s);
		free(s);
	}
}
END_TEST

START_TEST(text_scrub)
{
	static const char *const secrets[] = { "https://h/services/TOK",
	    "/services/TOK", "hunter22", "ab", "dact", NULL };
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "Failed to connect to https://h/services/TOK: refused",
		    "Failed to connect to [redacted]: refused" },
		{ "POST /services/TOK x /services/TOK",
		    "POST [redacted] x [redacted]" },
		{ "login hunter22 denied\r\n", "login [redacted] denied  " },
		{ "ab is too short to count", "ab is too short to count" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		s = alert_text_scrub(rows[i].in, secrets, 200);
		ck_assert_msg(strcmp(s, rows[i].out) == 0, "row %zu: \"%s\"",
		    i, s);
		free(s);
	}
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("alert-config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, keys);
	tcase_add_test(tc, values_applied);
	tcase_add_test(tc, secret_never_in_cause);
	tcase_add_test(tc, environment);
	tcase_add_test(tc, alertmanager_gate);
	tcase_add_test(tc, redact_url);
	tcase_add_test(tc, gate_table);
	tcase_add_test(tc, text_clean);
	tcase_add_test(tc, text_scrub);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
