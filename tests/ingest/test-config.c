/*
 * The config file parser: values land in the right fields, every error
 * names file:line and its reason, secrets force mode 0600 and never
 * appear in a message.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/alert.h"
#include "alert/config.h"
#include "ingest/config.h"

#define SECRET_URL	"https://hooks.slack.com/services/T000/B000/sEcReT123"

START_TEST(test_values)
{
	static const char text[] =
	    "# comment\n"
	    "; another\n"
	    "\n"
	    "[ingest]\n"
	    "db = /tmp/m.db\n"
	    "flush_rows=500\n"
	    "  flush_ms =  50  \r\n"
	    "allow_relabel = yes\n"
	    "replace_reference = off\n"
	    "expect_every = 5m\n"
	    "expect_labels_within = 2h\n"
	    "[monitor]\n"
	    "ks_alpha = 0.05\n"
	    "psi_warning = 0.12\n"
	    "psi_critical = \"0.3\"\n"
	    "chisq_alpha = 0.001\n"
	    "confidence_drift = 0.1\n"
	    "decay = 0\n"
	    "mmd = on\n"
	    "mmd_permutations = 50\n"
	    "mmd_max_ref = 300\n"
	    "[alert]\n"
	    "repeat_interval = 60s\n";
	struct ingest_config	 c;
	char			*cause = NULL;

	config_init(&c, true);
	ck_assert_msg(config_parse(&c, "t.conf", text, strlen(text),
	    &cause) == 0, "%s", cause);
	ck_assert_str_eq(c.db, "/tmp/m.db");
	ck_assert_uint_eq(c.flush_rows, 500);
	ck_assert_int_eq(c.flush_ms, 50);
	ck_assert(c.allow_relabel);
	ck_assert(!c.replace_reference);
	ck_assert_int_eq(c.expect_every_us, 300 * 1000000LL);
	ck_assert_int_eq(c.expect_labels_us, 7200 * 1000000LL);
	ck_assert_double_eq(c.monitor.ks_alpha, 0.05);
	ck_assert_double_eq(c.monitor.psi_warning, 0.12);
	ck_assert_double_eq(c.monitor.psi_critical, 0.3);
	ck_assert_double_eq(c.monitor.chisq_alpha, 0.001);
	ck_assert_double_eq(c.monitor.confidence_drift, 0.1);
	ck_assert_double_eq(c.monitor.decay, 0);
	ck_assert(c.monitor.mmd_enabled);
	ck_assert_int_eq(c.monitor.mmd.permutations, 50);
	ck_assert_uint_eq(c.monitor.mmd.max_ref, 300);
	ck_assert(!c.has_secret);
	config_finish(&c);
}
END_TEST

struct bad {
	const char	*text;
	const char	*cause;
};

static const struct bad bads[] = {
	{ "db = x\n", "t.conf:1: key outside of a [section]" },
	{ "[model \"a b\"]\n", "t.conf:1: [model \"a b\"]: byte 2 of a "
	  "model name is 0x20, not one of A-Z a-z 0-9 . _ : -" },
	{ "[model \"\"]\n", "t.conf:1: [model \"\"]: a model name is "
	  "empty" },
	{ "[model \"m\"]\nflush_rows = 5\n",
	  "t.conf:2: unknown key [alert] flush_rows" },
	{ "[model \"m\"]\ningest.db = x\n", "t.conf:2: a [model] section "
	  "takes retain_rows, retain_reports, expect_every, "
	  "expect_labels_within and alert keys (KEY of [alert], or "
	  "slack.KEY, email.KEY, alertmanager.KEY)" },
	{ "[model \"m\"]\nretain_rows = 3x\n", "t.conf:2: retain_rows: "
	  "duration \"3x\" has unit 'x', not s, m, h or d" },
	{ "[model \"m\"]\nretain_reports = 1d\nretain_reports = 2d\n",
	  "t.conf:3: duplicate key retain_reports in [model] (first set on "
	  "line 2)" },
	{ "[model \"m\"]\nmin_severity_slack = loud\n", NULL },
	{ "[model \"m\"]\nrepeat_interval = 1s\n[model \"m\"]\n"
	  "repeat_interval = 2s\n", "t.conf:4: duplicate key repeat_interval "
	  "in [model] (first set on line 2)" },
	{ "[ingest]\nflush_rows = 0\n",
	  "t.conf:2: flush_rows must be an integer in [1, 10000000]" },
	{ "[ingest]\nflush_rows = 12abc\n",
	  "t.conf:2: flush_rows must be an integer in [1, 10000000]" },
	{ "[ingest]\nflush_ms = -1\n",
	  "t.conf:2: flush_ms must be an integer in [0, 3600000]" },
	{ "[ingest]\nexpect_every = 2\n",
	  "t.conf:2: expect_every: duration \"2\" is not a count and a unit "
	  "(30s, 5m, 1h, 7d) or 0" },
	{ "[ingest]\nexpect_labels_within = 3w\n",
	  "t.conf:2: expect_labels_within: duration \"3w\" has unit 'w', "
	  "not s, m, h or d" },
	{ "[ingest]\nallow_relabel = maybe\n",
	  "t.conf:2: allow_relabel must be on or off" },
	{ "[ingest]\ndb =\n", "t.conf:2: db is empty" },
	{ "[ingest]\nfoo = 1\n", "t.conf:2: unknown key foo in [ingest]" },
	{ "[monitor]\nks_alpha = 1\n",
	  "t.conf:2: ks_alpha must be a number in (0, 1)" },
	{ "[monitor]\nks_alpha = nan\n",
	  "t.conf:2: ks_alpha must be a number in (0, 1)" },
	{ "[monitor]\n\n\nmmd = 2\n", "t.conf:4: mmd must be on or off" },
	{ "[monitor]\npsi_warning = 0.5\n",
	  "t.conf: psi_warning 0.5 is above psi_critical 0.2" },
	{ "[nope]\n", "t.conf:1: unknown section [nope]" },
	{ "[Ingest]\n", "t.conf:1: bad section header (want [name])" },
	{ "[ingest\n", "t.conf:1: bad section header (want [name])" },
	{ "[ingest]\njust words\n", "t.conf:2: expected key = value" },
	{ "[ingest]\nFlush = 1\n",
	  "t.conf:2: bad key (want lower-case letters, digits, _)" },
	{ "[ingest]\nflush_ms = 1\nflush_ms = 2\n",
	  "t.conf:3: duplicate key flush_ms in [ingest] (first set on line "
	  "2)" },
	{ "[ingest]\nflush_ms = 1\0\n", "t.conf:2: NUL byte in line" },
};

/*
 * [model "NAME"]: alert keys, retention and the silence alarm for one
 * model, applied over the file's [alert], [slack] and [ingest] for that
 * model only; another model keeps them.
 */
START_TEST(test_model_sections)
{
	static const char text[] =
	    "[alert]\n"
	    "min_severity_slack = critical\n"
	    "repeat_interval = 300s\n"
	    "[model \"fraud-v3\"]\n"
	    "min_severity_slack = warning\n"
	    "repeat_interval = 60s\n"
	    "email.to = fraud@example.com\n"
	    "[model \"churn.eu\"]\n"
	    "repeat_interval = 30s\n"
	    "retain_rows = 2d\n"
	    "expect_every = 5m\n"
	    "[ingest]\n"
	    "retain_rows = 7d\n"
	    "retain_reports = 90d\n"
	    "[email]\n"
	    "to = oncall@example.com\n";
	static const struct {
		const char		*model;
		enum alert_severity	 slack;
		double			 repeat;
		const char		*to;
		int64_t			 retain_rows;	/* days */
		int64_t			 expect_every;	/* minutes */
	} cases[] = {
		{ "fraud-v3", ALERT_SEVERITY_WARNING, 60, "fraud@example.com",
		  7, 0 },
		{ "churn.eu", ALERT_SEVERITY_CRITICAL, 30,
		  "oncall@example.com", 2, 5 },
		{ "default", ALERT_SEVERITY_CRITICAL, 300,
		  "oncall@example.com", 7, 0 },
	};
	struct ingest_config	 c;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		config_init(&c, true);
		ck_assert_msg(config_parse(&c, "t.conf", text, strlen(text),
		    &cause) == 0, "%s", cause);
		ck_assert_uint_eq(c.n_model_sets, 6);
		ck_assert_int_eq(config_model_apply(&c, cases[i].model,
		    &cause), 0);
		ck_assert_int_eq(c.alert->min_severity[ALERT_CHANNEL_SLACK],
		    cases[i].slack);
		ck_assert_double_eq(c.alert->repeat_interval,
		    cases[i].repeat);
		ck_assert_str_eq(c.alert->email_to, cases[i].to);
		ck_assert_int_eq(c.retain_rows_us, cases[i].retain_rows *
		    86400 * 1000000);
		ck_assert_int_eq(c.expect_every_us, cases[i].expect_every *
		    60 * 1000000);
		ck_assert_int_eq(c.retain_reports_us,
		    INT64_C(90) * 86400 * 1000000);
		config_finish(&c);
	}
}
END_TEST

START_TEST(test_errors)
{
	struct ingest_config	 c;
	char			*cause;
	size_t			 i, len;

	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		cause = NULL;
		config_init(&c, true);
		len = strlen(bads[i].text);
		if (bads[i].cause != NULL &&
		    strstr(bads[i].cause, "NUL") != NULL)
			len += 2;	/* the embedded NUL and the newline */
		ck_assert_msg(config_parse(&c, "t.conf", bads[i].text, len,
		    &cause) == -1, "case %zu accepted", i);
		/* NULL: the alert config's own wording, with the line. */
		ck_assert_msg(bads[i].cause == NULL ? strncmp(cause,
		    "t.conf:2: ", 10) == 0 : strcmp(cause, bads[i].cause) == 0,
		    "case %zu: got \"%s\"", i, cause);
		free(cause);
		config_finish(&c);
	}
}
END_TEST

/* A long line is refused, not truncated into a different setting. */
START_TEST(test_long_line)
{
	struct ingest_config	 c;
	char			*text, *cause = NULL;
	size_t			 n = CONFIG_LINE_MAX + 100;

	text = malloc(n + 32);
	strcpy(text, "[ingest]\ndb = ");
	memset(text + 14, 'x', n);
	text[14 + n] = '\n';
	config_init(&c, true);
	ck_assert(config_parse(&c, "t.conf", text, 15 + n, &cause) == -1);
	ck_assert_str_eq(cause, "t.conf:2: line longer than 4096 bytes");
	free(cause);
	free(text);
	config_finish(&c);
}
END_TEST

/*
 * Issue 11: a line of exactly CONFIG_LINE_MAX bytes is accepted with CRLF
 * as with LF, and a leading UTF-8 BOM is not part of the first line.
 */
START_TEST(test_crlf_and_bom)
{
	static const char *const ends[] = { "\n", "\r\n" };
	struct ingest_config	 c;
	char			*text, *cause = NULL;
	size_t			 i, n;

	for (i = 0; i < 2; i++) {
		text = malloc(CONFIG_LINE_MAX + 64);
		n = (size_t)sprintf(text, "\xef\xbb\xbf[ingest]%sdb = ",
		    ends[i]);
		memset(text + n, 'x', CONFIG_LINE_MAX - 5);
		n += CONFIG_LINE_MAX - 5;
		n += (size_t)sprintf(text + n, "%s", ends[i]);
		config_init(&c, true);
		ck_assert_msg(config_parse(&c, "t.conf", text, n, &cause) == 0,
		    "%s: %s", i ? "CRLF" : "LF", cause);
		ck_assert_uint_eq(strlen(c.db), CONFIG_LINE_MAX - 5);
		ck_assert(c.db[0] == 'x' && c.db[CONFIG_LINE_MAX - 6] == 'x');
		free(text);
		config_finish(&c);
	}
}
END_TEST

static char *
write_file(const char *text, mode_t mode)
{
	char	*path = strdup("/tmp/mlmon-test-config-XXXXXX");
	int	 fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

/* A secret in a group- or world-readable file is refused, unprinted. */
START_TEST(test_secret_mode)
{
	static const char text[] = "[slack]\nwebhook_url = " SECRET_URL "\n";
	struct ingest_config	 c;
	char			*path, *cause = NULL;

	ck_assert(alert_config_is_secret("slack", "webhook_url"));
	path = write_file(text, 0644);
	config_init(&c, true);
	ck_assert(config_load_file(&c, path, &cause) == -1);
	ck_assert_ptr_nonnull(strstr(cause, "holds a secret"));
	ck_assert_ptr_nonnull(strstr(cause, "0644"));
	ck_assert_ptr_null(strstr(cause, "sEcReT123"));
	free(cause);
	cause = NULL;
	config_finish(&c);

	ck_assert_int_eq(chmod(path, 0600), 0);
	config_init(&c, true);
	ck_assert_msg(config_load_file(&c, path, &cause) == 0, "%s", cause);
	ck_assert(c.has_secret);
	config_finish(&c);
	unlink(path);
	free(path);

	/* No secret: any mode is fine. */
	path = write_file("[monitor]\ndecay = 0.1\n", 0644);
	config_init(&c, true);
	ck_assert_msg(config_load_file(&c, path, &cause) == 0, "%s", cause);
	config_finish(&c);
	unlink(path);
	free(path);

	config_init(&c, true);
	ck_assert(config_load_file(&c, "/nonexistent/mlmon.conf", &cause) ==
	    -1);
	ck_assert_str_eq(cause, "/nonexistent/mlmon.conf: No such file or "
	    "directory");
	free(cause);
	config_finish(&c);
}
END_TEST

/* $MLMON_CONFIG, then XDG, then ~/.config; absent files are skipped. */
START_TEST(test_default_path)
{
	char	*p;

	setenv("MLMON_CONFIG", "/etc/x.conf", 1);
	p = config_default_path();
	ck_assert_str_eq(p, "/etc/x.conf");
	free(p);
	unsetenv("MLMON_CONFIG");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	ck_assert_ptr_null(config_default_path());
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/nonexistent", 1);
	ck_assert_ptr_null(config_default_path());
}
END_TEST

/*
 * The long options a binary builds from the key table: the listed keys'
 * flags in table order after its own, a switch without an argument, the
 * terminator; a flag's value set as the file's is, the reason naming the
 * flag as typed.
 */
START_TEST(test_flags)
{
	static const char *const keys[] = { "mmd", "psi_critical", "ks_alpha",
	    NULL };
	static const struct {
		const char	*flag;
		const char	*value;
		const char	*cause;	/* NULL: accepted */
	} rows[] = {
		{ "ks-alpha", "0.05", NULL },
		{ "ks-alpha", "0", "--ks-alpha: ks_alpha must be a number in "
		  "(0, 1)" },
		{ "psi-critical", "1e300", "--psi-critical: psi_critical must "
		  "be a number in (0, 100)" },
		{ "psi-critical", "0.5", NULL },
		{ "mmd", NULL, NULL },
	};
	struct option		lo[64];
	struct config_flag	flags[64];
	struct ingest_config	c;
	char			*cause;
	size_t			 i, j;

	lo[0] = (struct option){ "db", required_argument, NULL, 'd' };
	config_longopts(lo, 1, 64, 300, keys, flags);
	ck_assert_str_eq(lo[1].name, "ks-alpha");
	ck_assert_int_eq(lo[1].has_arg, required_argument);
	ck_assert_int_eq(lo[1].val, 300);
	ck_assert_str_eq(lo[2].name, "psi-critical");
	ck_assert_int_eq(lo[2].val, 301);
	ck_assert_str_eq(lo[3].name, "mmd");
	ck_assert_int_eq(lo[3].has_arg, no_argument);
	ck_assert_ptr_null(lo[4].name);
	ck_assert_str_eq(flags[2].section, "monitor");
	ck_assert_str_eq(flags[2].key, "mmd");
	config_init(&c, false);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		for (j = 0; strcmp(flags[j].flag, rows[i].flag) != 0; j++)
			;
		cause = NULL;
		ck_assert_int_eq(config_set_flag(&c, &flags[j],
		    rows[i].value, &cause), rows[i].cause ? -1 : 0);
		if (rows[i].cause != NULL)
			ck_assert_str_eq(cause, rows[i].cause);
		free(cause);
	}
	ck_assert_double_eq(c.monitor.ks_alpha, 0.05);
	ck_assert_double_eq(c.monitor.psi_critical, 0.5);
	ck_assert(c.monitor.mmd_enabled);
	config_finish(&c);
	/* NULL: every flag of the table, as config_flag_next gives them. */
	config_longopts(lo, 0, 64, 0, NULL, flags);
	for (i = 0, j = 0; config_flag_next(&j, &flags[63]); i++) {
		ck_assert_str_eq(lo[i].name, flags[63].flag);
		ck_assert_int_eq(lo[i].val, (int)i);
	}
	ck_assert_uint_gt(i, 30);
	ck_assert_ptr_null(lo[i].name);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_model_sections);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_crlf_and_bom);
	tcase_add_test(tc, test_secret_mode);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_flags);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
