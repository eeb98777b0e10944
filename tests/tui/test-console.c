/*
 * The console's behaviour on an off-screen canvas against the fixture
 * store: --once --format json|csv, the s snapshot, mouse coordinates to
 * actions, highlights of what just arrived, and the stale-data badge.
 * No terminal involved; the clock is frozen (MLMON_NOW, TZ=UTC) and
 * timers run on app.mono, which the tests set by hand.
 *
 * One suite on both backends (tests/db/fixture.c): `test-console sqlite`
 * writes the fixture to a SQLite file in each case's temp dir,
 * `test-console pg` to a fresh database of the with-pg server.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/fixture.h"
#include "fixture.h"
#include "tui/app.h"
#include "tui/console.h"
#include "tui/export.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/snapshot.h"

#define NOW	1700001300.0	/* the goldens' MLMON_NOW: 22:35:00 UTC */

static void
write_fixture(int64_t first, int64_t last, int64_t labelled)
{
	struct fixture_opts o = { first, last, labelled, 14, true, false };

	ck_assert_int_eq(fixture_write(db_target, &o), 0);
}

/* An app on the fixture as the live console has it: loaded, w x h. */
static void
open_app(struct app *a, const char *const *args, int w, int h)
{
	struct options o;
	char *argv[16], *cause = NULL;
	int argc = 0;

	argv[argc++] = (char *)"mlmon-top";
	argv[argc++] = (char *)"--db";
	argv[argc++] = db_target;
	while (args != NULL && *args != NULL)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	ck_assert_int_eq(options_parse(argc, argv, &o, stdout, &cause), 0);
	app_init(a, &o);
	a->now = NOW;
	a->mono = 1000;
	ck_assert_int_ne(query_refresh(a->q), -1);
	ck_assert_int_eq(app_load(a, w, h), 0);
}

/* Row y of the canvas as text. */
static char *
row_text(const struct canvas *c, int y)
{
	static char buf[4096];

	canvas_row_text(c, y, buf, sizeof buf);
	return buf;
}

/* Cells of role r anywhere on the canvas. */
static int
count_role(const struct canvas *c, enum role r)
{
	int x, y, n = 0;

	for (y = 0; y < c->h; y++) {
		for (x = 0; x < c->w; x++)
			n += canvas_at(c, x, y)->role == r;
	}
	return n;
}

/* mlmon-top --once --db db_target args... into a string. Caller frees. */
static char *
run_once(const char *const *args, int *rc)
{
	const char *full[16];
	struct options o;
	struct app a;
	char *argv[20], *cause = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;
	int argc = 0, n = 0;

	full[n++] = "--once";
	while (args != NULL && *args != NULL)
		full[n++] = *args++;
	full[n] = NULL;
	argv[argc++] = (char *)"mlmon-top";
	argv[argc++] = (char *)"--db";
	argv[argc++] = db_target;
	for (n = 0; full[n] != NULL; n++)
		argv[argc++] = (char *)full[n];
	argv[argc] = NULL;
	ck_assert_int_eq(options_parse(argc, argv, &o, stdout, &cause), 0);
	app_init(&a, &o);
	f = open_memstream(&out, &len);
	*rc = console_once(&a, f);
	fclose(f);
	app_finish(&a);
	return out;
}

static cJSON *
once_json(const char *const *args)
{
	cJSON *j;
	char *out;
	int rc;
	size_t i;

	out = run_once(args, &rc);
	ck_assert_int_eq(rc, 0);
	/* One line of JSON with no raw control character anywhere. */
	for (i = 0; out[i] != '\0'; i++)
		ck_assert_msg((unsigned char)out[i] >= 0x20 || (out[i] ==
		    '\n' && out[i + 1] == '\0'), "control byte at %zu", i);
	j = cJSON_Parse(out);
	ck_assert_msg(j != NULL, "not JSON: %s", out);
	free(out);
	return j;
}

static double
jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", k);
	return v->valuedouble;
}

static bool
jnull(const cJSON *o, const char *k)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsString(v), "%s is not a string", k);
	return v->valuestring;
}

static int
jlen(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsArray(v), "%s is not an array", k);
	return cJSON_GetArraySize(v);
}

/* Lines in s and the one starting with prefix (NULL if none). */
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static const char *
line_with(const char *s, const char *prefix)
{
	const char *p = s;

	while (*p != '\0') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return p;
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return NULL;
}

/* ---- options ---- */

START_TEST(options_new_flags)
{
	static const struct {
		const char	*args[5];
		int		 rc;
		enum out_format	 format;
		bool		 no_mouse;
		bool		 no_highlight;
	} rows[] = {
		{ { "--once" }, 0, FORMAT_TEXT, false, false },
		{ { "--once", "--format", "json" }, 0, FORMAT_JSON, false,
		    false },
		{ { "--once", "--format", "csv" }, 0, FORMAT_CSV, false,
		    false },
		{ { "--once", "--format", "text" }, 0, FORMAT_TEXT, false,
		    false },
		{ { "--once", "--format", "xml" }, -1, 0, false, false },
		{ { "--once", "--format", "JSON" }, -1, 0, false, false },
		{ { "--once", "--format" }, -1, 0, false, false },
		{ { "--format", "json" }, -1, 0, false, false },
		{ { "-M" }, 0, FORMAT_TEXT, true, false },
		{ { "--no-mouse", "--no-highlight" }, 0, FORMAT_TEXT, true,
		    true },
	};
	struct options o;
	char *argv[8], *cause;
	size_t i;
	int argc, rc;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		argv[0] = (char *)"mlmon-top";
		for (argc = 1; rows[i].args[argc - 1] != NULL; argc++)
			argv[argc] = (char *)rows[i].args[argc - 1];
		argv[argc] = NULL;
		cause = NULL;
		rc = options_parse(argc, argv, &o, stdout, &cause);
		ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d", i, rc);
		if (rc == -1) {
			ck_assert_ptr_nonnull(cause);
			free(cause);
			continue;
		}
		ck_assert_int_eq(o.format, rows[i].format);
		ck_assert_int_eq(o.no_mouse, rows[i].no_mouse);
		ck_assert_int_eq(o.no_highlight, rows[i].no_highlight);
	}
}
END_TEST

START_TEST(keys_snapshot_and_severity)
{
	struct app a;

	keys_init();
	ck_assert_int_eq(keys_lookup('s'), ACT_SNAPSHOT);
	ck_assert_int_eq(keys_lookup('v'), ACT_SEVERITY);
	write_fixture(1, 20, 16);
	open_app(&a, NULL, 80, 24);
	/* Global: every tab asks the loop for a snapshot. */
	for (a.tab = 0; a.tab < TAB_COUNT; a.tab++)
		ck_assert_int_eq(app_key(&a, ACT_SNAPSHOT), VIEW_SNAPSHOT);
	app_finish(&a);
}
END_TEST

/* ---- --format json ---- */

START_TEST(json_overview)
{
	const char *const args[] = { "--format", "json", NULL };
	cJSON *j, *ff, *al;
	char *out;
	int rc;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_str_eq(jstr(j, "tab"), "overview");
	ck_assert_str_eq(jstr(j, "state"), "ok");
	ck_assert_int_eq((int)jnum(j, "latest_batch"), 20);
	ck_assert_int_eq((int)jnum(j, "rows"), 20 * FIXTURE_ROWS);
	ck_assert_int_eq((int)jnum(j, "performance_batch"), 16);
	ck_assert(fabs(jnum(j, "accuracy") - 0.44) < 1e-9);
	ck_assert(fabs(jnum(j, "accuracy_ref") - 0.70) < 1e-9);
	ck_assert_str_eq(jstr(j, "ece_band"), "bad");
	ck_assert_int_eq((int)jnum(j, "drifted_batches_psi_0_20"), 11);
	ck_assert_int_eq((int)jnum(j, "drifted_batches_psi_0_10"), 12);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "label_shift")));
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "stale")));
	ck_assert_int_eq((int)jnum(j, "last_write_age_s"), 58);
	ff = cJSON_GetObjectItem(j, "first_fired");
	ck_assert_int_eq((int)jnum(ff, "psi"), 10);
	ck_assert(jnull(ff, "confidence"));	/* never: null, not -1 */
	ck_assert_int_eq((int)jnum(j, "alerts_total"), 14);
	ck_assert_int_gt(jlen(j, "latest_alerts"), 0);
	cJSON_ArrayForEach(al, cJSON_GetObjectItem(j, "latest_alerts")) {
		/* Escape sequences in stored text are gone. */
		ck_assert_ptr_null(strchr(jstr(al, "message"), 0x1b));
	}
	cJSON_Delete(j);

	/* No labels at all: the performance numbers are null. */
	fixture_store_drop();
	fixture_store_new();
	write_fixture(1, 5, 0);
	j = once_json(args);
	ck_assert(jnull(j, "accuracy"));
	ck_assert(jnull(j, "f1_delta"));
	ck_assert(jnull(j, "ece"));
	ck_assert(jnull(j, "ece_band"));
	ck_assert(jnull(j, "performance_batch"));
	ck_assert_int_eq((int)jnum(j, "labelled_rows"), 0);
	cJSON_Delete(j);

	/*
	 * A store that is not there is an error for a script (issue 11):
	 * exit 1, nothing on stdout (the message goes to stderr).
	 */
	fixture_store_drop();
	out = run_once(args, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(json_drift)
{
	const char *const args[] = { "--format", "json", "--tab", "drift",
	    NULL };
	cJSON *j, *f, *fl;
	int nb;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_str_eq(jstr(j, "tab"), "drift");
	nb = jlen(j, "batches");
	ck_assert_int_eq(nb, 20);
	ck_assert_int_eq(jlen(j, "features"), FIXTURE_FEATURES);
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 1);
	ck_assert_str_eq(jstr(f, "name"), "income");
	ck_assert(fabs(jnum(f, "psi") - (0.22 + 0.02 * 10)) < 1e-9);
	ck_assert(jnum(f, "ks_p") < 0.01);
	fl = cJSON_GetObjectItem(f, "flags");
	ck_assert_int_eq(cJSON_GetArraySize(fl), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(fl, 0)->valuestring,
	    "psi_critical");
	ck_assert_str_eq(cJSON_GetArrayItem(fl, 1)->valuestring, "ks");
	ck_assert_int_eq(jlen(f, "psi_series"), nb);
	ck_assert_int_eq(jlen(f, "ks_p_series"), nb);
	/* Calm feature: no flags. */
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 3);
	ck_assert_int_eq(jlen(f, "flags"), 0);
	/* The hostile name arrives without its escape. */
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "features"), 4);
	ck_assert_str_eq(jstr(f, "name"), "z[31mred");
	ck_assert_int_eq(jlen(j, "label_shift_p"), nb);
	cJSON_Delete(j);
}
END_TEST

START_TEST(json_calibration)
{
	const char *const args[] = { "--format", "json", "--tab",
	    "calibration", NULL };
	const char *const args18[] = { "--format", "json", "--tab",
	    "calibration", "--batch", "18", NULL };
	cJSON *j, *row, *bin;
	double sum = 0;
	int bins = 0;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_int_eq((int)jnum(j, "batch"), 16);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "labelled")));
	ck_assert_int_eq(jlen(j, "classes"), FIXTURE_CLASSES);
	ck_assert_int_eq(jlen(j, "confusion"), FIXTURE_CLASSES);
	cJSON_ArrayForEach(row, cJSON_GetObjectItem(j, "confusion")) {
		cJSON *cell;

		ck_assert_int_eq(cJSON_GetArraySize(row), FIXTURE_CLASSES);
		cJSON_ArrayForEach(cell, row)
			sum += cell->valuedouble;
	}
	ck_assert(sum == FIXTURE_ROWS);
	ck_assert_int_eq(jlen(j, "reliability"), 10);
	cJSON_ArrayForEach(bin, cJSON_GetObjectItem(j, "reliability")) {
		if (jnum(bin, "count") == 0) {
			ck_assert(jnull(bin, "accuracy"));
			ck_assert(jnull(bin, "mean_confidence"));
		} else
			bins++;
	}
	ck_assert_int_gt(bins, 0);
	ck_assert(jnum(j, "ece") > 0);
	cJSON_Delete(j);

	/* Not labelled yet: said plainly, no matrix. */
	j = once_json(args18);
	ck_assert_int_eq((int)jnum(j, "batch"), 18);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "labelled")));
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "confusion"));
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "ece"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(json_alerts_all_of_them)
{
	/* 16 rows show 11 alerts; the export has all 14. */
	const char *const args[] = { "--format", "json", "--tab", "alerts",
	    "--height", "16", NULL };
	cJSON *j, *al;
	int n;

	write_fixture(1, 20, 16);
	j = once_json(args);
	ck_assert_int_eq((int)jnum(j, "total"), 14);
	ck_assert_int_eq(jlen(j, "alerts"), 14);
	al = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "alerts"), 0);
	ck_assert_int_eq((int)jnum(al, "batch"), 16);
	ck_assert_str_eq(jstr(al, "severity"), "warning");
	ck_assert(jnum(al, "sent_at") > FIXTURE_T0);
	/* The hostile message: escape, OSC and bell stripped. */
	n = 0;
	cJSON_ArrayForEach(al, cJSON_GetObjectItem(j, "alerts")) {
		n += strstr(jstr(al, "message"), "decay [2J]0;pwned evil "
		    "text") != NULL;
	}
	ck_assert_int_eq(n, 1);
	cJSON_Delete(j);
}
END_TEST

/* ---- --format csv ---- */

START_TEST(csv_fields_table)
{
	static const struct {
		const char	*in;
		const char	*want;
	} rows[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "\x1b[31mred\x1b[0m", "[31mred[0m" },
		{ "two\nlines", "two lines" },
		{ "end\n", "\"end \"" },
		{ " lead", "\" lead\"" },
		{ "bad \xff byte", "bad \xef\xbf\xbd byte" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+1", "\"'+1\"" }, { "-x", "\"'-x\"" }, { "@A1", "\"'@A1\"" },
		{ "a=b", "a=b" },
	};
	static const struct {
		double		 v;
		const char	*want;
	} nums[] = {
		{ NAN, "" }, { INFINITY, "" }, { 0, "0" }, { 20, "20" },
		{ 0.1, "0.1" }, { -0.26, "-0.26" },
		{ 1.0 / 3, "0.333333333333333" }, { 0.79 - 1e-17, "0.79" },
		{ 1e-300, "1e-300" }, { 1700001242.5, "1700001242.5" },
	};
	char *out = NULL;
	size_t len = 0, i;
	FILE *f;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		f = open_memstream(&out, &len);
		export_csv_field(f, rows[i].in);
		fclose(f);
		ck_assert_msg(strcmp(out, rows[i].want) == 0,
		    "row %zu: got '%s' want '%s'", i, out, rows[i].want);
		free(out);
	}
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		f = open_memstream(&out, &len);
		export_csv_number(f, nums[i].v);
		fclose(f);
		ck_assert_msg(strcmp(out, nums[i].want) == 0,
		    "num %zu: got '%s'", i, out);
		free(out);
	}
}
END_TEST

START_TEST(csv_tables)
{
	static const struct {
		const char	*tab;
		const char	*header;
		int		 lines;		/* with the header */
		const char	*prefix;	/* a data line starting so */
		const char	*has;		/* ... and holding this */
	} rows[] = {
		{ "overview", "model,batch,accuracy,f1,ece,max_psi,"
		    "label_shift_p,est_accuracy,est_accuracy_lower,"
		    "est_accuracy_upper,est_f1,estimated_decay\n", 21,
		    "default,18,,,,", ",0.7" },	/* unlabelled: estimated */
		{ "overview", NULL, 21, "default,16,0.44,", NULL },
		{ "drift", "model,feature,batch,psi,ks_p,flags,missing_share,"
		    "kind,chisq_p,new_share\n", 1 + 5 * 20,
		    "default,income,20,", "psi_critical ks" },
		{ "drift", NULL, 101, "default,z[31mred,1,", NULL },
		{ "calibration", "model,batch,bin_lo,bin_hi,count,"
		    "mean_confidence,accuracy\n", 11, "default,16,0.0,0.1,0,,",
		    NULL },
		{ "alerts", "model,id,batch,sent_at,severity,kind,status,"
		    "channel,attempts,message\n", 15, NULL,
		    "[2J]0;pwned evil text" },
	};
	const char *args[8], *line;
	char *out;
	size_t i;
	int rc;

	write_fixture(1, 20, 16);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		args[0] = "--format";
		args[1] = "csv";
		args[2] = "--tab";
		args[3] = rows[i].tab;
		args[4] = NULL;
		out = run_once(args, &rc);
		ck_assert_int_eq(rc, 0);
		if (rows[i].header != NULL)
			ck_assert_msg(strncmp(out, rows[i].header,
			    strlen(rows[i].header)) == 0, "row %zu: header "
			    "'%.60s'", i, out);
		ck_assert_msg(count_lines(out) == rows[i].lines,
		    "row %zu: %d lines", i, count_lines(out));
		ck_assert_ptr_null(strchr(out, 0x1b));
		if (rows[i].prefix != NULL) {
			line = line_with(out, rows[i].prefix);
			ck_assert_msg(line != NULL, "row %zu: no line '%s'", i,
			    rows[i].prefix);
			if (rows[i].has != NULL)
				ck_assert(strstr(line, rows[i].has) != NULL &&
				    strstr(line, rows[i].has) <
				    strchr(line, '\n'));
		} else if (rows[i].has != NULL)
			ck_assert_ptr_nonnull(strstr(out, rows[i].has));
		free(out);
	}
	/* Unlabelled batch: the header alone. */
	args[4] = "--batch";
	args[5] = "18";
	args[6] = NULL;
	args[3] = "calibration";
	out = run_once(args, &rc);
	ck_assert_int_eq(count_lines(out), 1);
	free(out);
}
END_TEST

/* ---- snapshot ---- */

START_TEST(snapshot_dir_table)
{
	static const struct {
		const char	*xdg;
		const char	*home;
		const char	*want;	/* NULL: an error */
	} rows[] = {
		{ "/x/state", "/h", "/x/state/mlmon-top" },
		{ NULL, "/h", "/h/.local/state/mlmon-top" },
		{ "", "/h", "/h/.local/state/mlmon-top" },
		{ "relative/dir", "/h", "/h/.local/state/mlmon-top" },
		{ "/x", NULL, "/x/mlmon-top" },
		{ NULL, NULL, NULL },
		{ NULL, "", NULL },
	};
	char *got, *cause;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		cause = NULL;
		got = snapshot_dir(rows[i].xdg, rows[i].home, &cause);
		if (rows[i].want == NULL) {
			ck_assert_msg(got == NULL && cause != NULL, "row %zu",
			    i);
			free(cause);
			continue;
		}
		ck_assert_msg(got != NULL && strcmp(got, rows[i].want) == 0,
		    "row %zu: got %s", i, got != NULL ? got : "NULL");
		free(got);
	}
}
END_TEST

/* Mode bits of p, or -1. */
static int
mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int
count_entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(dp);
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".snap-", 6) ==
		    0;
	closedir(dp);
	return n;
}

START_TEST(snapshot_write_files)
{
	char base[512], want[600], *p, *p2, *cause = NULL, buf[64];
	FILE *f;
	size_t n;

	umask(022);
	snprintf(base, sizeof base, "%s/state/deep/mlmon-top", db_dir);
	p = snapshot_write(base, NOW, "hello\n", 6, &cause);
	ck_assert_msg(p != NULL, "%s", cause);
	snprintf(want, sizeof want, "%s/snap-20231114-223500.txt", base);
	ck_assert_str_eq(p, want);
	/* Each directory it made is private; the file is complete. */
	ck_assert_int_eq(mode_of(base), 0700);
	snprintf(want, sizeof want, "%s/state/deep", db_dir);
	ck_assert_int_eq(mode_of(want), 0700);
	snprintf(want, sizeof want, "%s/state", db_dir);
	ck_assert_int_eq(mode_of(want), 0700);
	ck_assert_int_eq(mode_of(p), 0600);
	f = fopen(p, "r");
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ck_assert_uint_eq(n, 6);
	ck_assert(memcmp(buf, "hello\n", 6) == 0);
	/* The same second again: a new name, the first file kept. */
	p2 = snapshot_write(base, NOW, "again\n", 6, &cause);
	ck_assert_ptr_nonnull(p2);
	ck_assert_ptr_nonnull(strstr(p2, "snap-20231114-223500-2.txt"));
	ck_assert_int_eq(count_entries(base), 2);	/* no temp left */
	free(p);
	free(p2);
	/* A file where a directory should be: an error, nothing written. */
	snprintf(base, sizeof base, "%s/state/deep/mlmon-top/snap-"
	    "20231114-223500.txt/sub", db_dir);
	cause = NULL;
	ck_assert_ptr_null(snapshot_write(base, NOW, "x", 1, &cause));
	ck_assert_ptr_nonnull(cause);
	ck_assert_ptr_nonnull(strstr(cause, "not a directory"));
	free(cause);
}
END_TEST

START_TEST(snapshot_is_the_once_frame)
{
	const char *const args[] = { "--tab", "drift", NULL };
	char state[300], file[400], *once, *text;
	struct canvas c;
	struct app a;
	size_t len = 0;
	FILE *f;
	int rc;

	write_fixture(1, 20, 16);
	snprintf(state, sizeof state, "%s/xdg", db_dir);
	setenv("XDG_STATE_HOME", state, 1);
	open_app(&a, NULL, 80, 24);
	a.tab = TAB_DRIFT;
	ck_assert_int_eq(app_load(&a, 80, 24), 0);
	ck_assert_int_eq(snapshot_take(&a, 80, 24), 0);
	snprintf(file, sizeof file, "%s/mlmon-top/snap-20231114-223500.txt",
	    state);
	/* The status names the file, in the bar, for a few seconds. */
	ck_assert_ptr_nonnull(strstr(a.status, file));
	ck_assert(!a.status_bad);
	canvas_init(&c, 80, 24);
	app_draw(&a, &c);
	ck_assert_ptr_nonnull(strstr(row_text(&c, 23), "saved "));
	a.mono += STATUS_SECONDS + 0.1;
	app_draw(&a, &c);
	ck_assert_ptr_null(strstr(row_text(&c, 23), "saved "));
	ck_assert_ptr_nonnull(strstr(row_text(&c, 23), "Help"));
	canvas_finish(&c);
	/* Byte for byte what --once prints at that size. */
	once = run_once(args, &rc);
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	text = NULL;
	ck_assert(getdelim(&text, &len, '\0', f) > 0);
	fclose(f);
	ck_assert_str_eq(text, once);
	free(text);
	free(once);
	/* Unwritable place: the error shows instead, in the bad role. */
	snprintf(state, sizeof state, "%s/a-file", db_dir);
	f = fopen(state, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	setenv("XDG_STATE_HOME", state, 1);
	ck_assert_int_eq(snapshot_take(&a, 80, 24), -1);
	ck_assert(a.status_bad);
	ck_assert_ptr_nonnull(strstr(a.status, "snapshot failed"));
	unsetenv("XDG_STATE_HOME");
	app_finish(&a);
}
END_TEST

/* ---- mouse ---- */

START_TEST(tab_at_matches_the_drawn_bar)
{
	static const char *const labels[TAB_COUNT] = {
		"Overview [1]", "Drift [2]", "Calibration [3]", "Alerts [4]",
		"Fleet [0]",
	};
	struct canvas c;
	struct app a;
	const char *row, *p;
	int t, x, want;

	write_fixture(1, 20, 16);
	open_app(&a, NULL, 100, 30);
	canvas_init(&c, 100, 30);
	app_draw(&a, &c);
	row = row_text(&c, 0);
	for (x = 0; x < 100; x++) {
		want = -1;
		for (t = 0; t < TAB_COUNT; t++) {
			p = strstr(row, labels[t]);
			ck_assert_ptr_nonnull(p);
			/* The marker column before the label counts too. */
			if (x >= p - row - 1 && x < p - row +
			    (int)strlen(labels[t]))
				want = t;
		}
		ck_assert_msg(app_tab_at(x) == want, "x %d: %d want %d", x,
		    app_tab_at(x), want);
	}
	canvas_finish(&c);
	app_finish(&a);
}
END_TEST

START_TEST(mouse_table)
{
	static const struct {
		int		 tab;		/* before */
		enum mouse_kind	 kind;
		int		 x, y;
		int		 mask;
		int		 tab_after;
		int		 drift_sel;	/* after, -1 unchecked */
		int		 alerts_sel;
		int		 calib_batch;
	} rows[] = {
		/* Tab labels on row 0 switch; the separator does not. */
		{ 0, MOUSE_CLICK, 20, 0, VIEW_RESCAN, 1, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 30, 0, VIEW_RESCAN, 2, -1, -1, -1 },
		{ 2, MOUSE_CLICK, 50, 0, VIEW_RESCAN, 3, -1, -1, -1 },
		{ 3, MOUSE_CLICK, 0, 0, VIEW_RESCAN, 0, -1, -1, -1 },
		{ 1, MOUSE_CLICK, 20, 0, VIEW_HANDLED, 1, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 13, 0, VIEW_IGNORED, 0, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 70, 0, VIEW_IGNORED, 0, -1, -1, -1 },
		{ 0, MOUSE_CLICK, 20, 5, VIEW_IGNORED, 0, -1, -1, -1 },
		/* The wheel is Up / Down for the tab. */
		{ 1, MOUSE_WHEEL_DOWN, 10, 10, VIEW_REDRAW, 1, 1, -1, -1 },
		{ 1, MOUSE_WHEEL_UP, 10, 10, VIEW_REDRAW, 1, 0, -1, -1 },
		/* In Alerts it moves the selected alert (a, S, u act on). */
		{ 3, MOUSE_WHEEL_DOWN, 10, 10, VIEW_REDRAW, 3, -1, 1, -1 },
		{ 3, MOUSE_WHEEL_UP, 10, 10, VIEW_REDRAW, 3, -1, 0, -1 },
		{ 2, MOUSE_WHEEL_UP, 10, 10, VIEW_RESCAN, 2, -1, -1, 15 },
		{ 2, MOUSE_WHEEL_DOWN, 10, 10, VIEW_RESCAN, 2, -1, -1, 17 },
		{ 0, MOUSE_WHEEL_DOWN, 10, 10, VIEW_IGNORED, 0, -1, -1, -1 },
	};
	struct app a;
	size_t i;
	int mask;

	write_fixture(1, 20, 16);
	/* 16 rows: 11 alert rows of 14, so the feed can scroll. */
	open_app(&a, NULL, 80, 16);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		a.tab = rows[i].tab;
		a.drift_sel = rows[i].drift_sel == 0 ? 1 : 0;
		a.alerts_top = 0;
		a.alerts_sel = rows[i].alerts_sel == 0 ? 1 : 0;
		a.calib_batch = 16;
		ck_assert_int_eq(app_load(&a, 80, 16), 0);
		mask = app_mouse(&a, rows[i].x, rows[i].y, rows[i].kind);
		ck_assert_msg(mask == rows[i].mask, "row %zu: mask %#x", i,
		    mask);
		ck_assert_msg(a.tab == rows[i].tab_after, "row %zu: tab %d",
		    i, a.tab);
		if (rows[i].drift_sel != -1)
			ck_assert_int_eq(a.drift_sel, rows[i].drift_sel);
		if (rows[i].alerts_sel != -1)
			ck_assert_int_eq(a.alerts_sel, rows[i].alerts_sel);
		if (rows[i].calib_batch != -1)
			ck_assert_int_eq(a.calib_batch, rows[i].calib_batch);
	}
	/* The help takes a click to close and ignores the wheel. */
	a.tab = 0;
	a.help = true;
	ck_assert_int_eq(app_mouse(&a, 1, 1, MOUSE_WHEEL_DOWN), VIEW_IGNORED);
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_REDRAW);
	ck_assert(!a.help);
	ck_assert_int_eq(a.tab, 0);
	/* A prompt being typed ignores the mouse. */
	a.prompt = PROMPT_SEARCH;
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_IGNORED);
	a.prompt = PROMPT_NONE;
	/* Too small a frame: nothing is where it would be. */
	ck_assert_int_eq(app_load(&a, 40, 10), 0);
	ck_assert_int_eq(app_mouse(&a, 20, 0, MOUSE_CLICK), VIEW_IGNORED);
	app_finish(&a);
}
END_TEST

/* ---- highlight ---- */

/* Cells on row y in role r. */
static int
row_role(const struct canvas *c, int y, enum role r)
{
	int x, n = 0;

	for (x = 0; x < c->w; x++)
		n += canvas_at(c, x, y)->role == r;
	return n;
}

START_TEST(highlight_new_batches_and_alerts)
{
	const char *const none[] = { "--no-highlight", NULL };
	struct canvas c;
	struct app a, b;
	int y, marked = 0;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	open_app(&b, none, 100, 30);
	/* The first look is the baseline: nothing is new. */
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(app_track_changes(&b), 0);
	canvas_init(&c, 100, 30);
	app_draw(&a, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	ck_assert(app_next_expiry(&a) == 0);

	/* Two batches and their alerts arrive (seen once told of). */
	write_fixture(11, 12, 10);
	a.mono = b.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(fixture_refresh(b.q), 1);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(app_track_changes(&b), 0);
	ck_assert_int_eq(app_load(&a, 100, 30), 0);
	ck_assert_int_eq(app_load(&b, 100, 30), 0);
	app_draw(&a, &c);
	/* "Latest batch 12" on the overview, in reverse. */
	ck_assert_ptr_nonnull(strstr(row_text(&c, 2), "Latest batch 12"));
	ck_assert_int_eq(canvas_at(&c, 0, 2)->role, ROLE_NEW);
	ck_assert_int_eq(row_role(&c, 2, ROLE_NEW), 15);
	/* The new alerts (batches 11, 12) marked, the old ones not. */
	for (y = 2; y < 29; y++) {
		const char *t = row_text(&c, y);

		/* " b12   " in the batch column; messages say "Batch 12". */
		if (strstr(t, "b12 ") != NULL || strstr(t, "b11 ") != NULL) {
			ck_assert_msg(canvas_at(&c, 6, y)->ch == '*', "%s", t);
			ck_assert_int_eq(canvas_at(&c, 10, y)->role, ROLE_NEW);
			marked++;
		} else if (strstr(t, "b10 ") != NULL) {
			ck_assert_int_eq(canvas_at(&c, 6, y)->ch, ' ');
			ck_assert_int_eq(row_role(&c, y, ROLE_NEW), 0);
		}
	}
	ck_assert_int_gt(marked, 0);
	ck_assert(app_next_expiry(&a) == 2000 + HIGHLIGHT_SECONDS);
	/* The Alerts tab marks the same rows. */
	a.tab = TAB_ALERTS;
	ck_assert_int_eq(app_load(&a, 100, 30), 0);
	app_draw(&a, &c);
	ck_assert_int_eq(canvas_at(&c, 6, 4)->ch, '*');
	ck_assert_int_eq(canvas_at(&c, 30, 4)->role, ROLE_NEW);
	/* A few seconds later, all plain again. */
	a.mono = 2000 + HIGHLIGHT_SECONDS + 0.01;
	app_draw(&a, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	ck_assert_int_eq(canvas_at(&c, 6, 4)->ch, ' ');
	ck_assert(app_next_expiry(&a) == 0);
	/* --no-highlight: never. */
	app_draw(&b, &c);
	ck_assert_int_eq(count_role(&c, ROLE_NEW), 0);
	canvas_finish(&c);
	app_finish(&a);
	app_finish(&b);
}
END_TEST

/*
 * Alerts of batches >= from are marked new in a, every other alert not;
 * how many are new.
 */
static int
assert_new_from(const struct app *a, int from)
{
	char sql[128], ids[4096], *p, *end;
	long long id;
	int fresh, n = 0;

	for (fresh = 0; fresh < 2; fresh++) {
		snprintf(sql, sizeof sql, "SELECT id FROM alerts"
		    " WHERE batch_id %s %d ORDER BY id", fresh ? ">=" : "<",
		    from);
		snprintf(ids, sizeof ids, "%s", q_text(sql));
		for (p = ids; *p != '\0'; p = *end == ',' ? end + 1 : end) {
			id = strtoll(p, &end, 10);
			ck_assert_ptr_ne(end, p);
			ck_assert_msg(app_alert_is_new(a, id) == (fresh == 1),
			    "alert %lld of the %s", id, fresh ? "new" : "old");
			n += fresh;
		}
	}
	return n;
}

/*
 * The overview's read and the read of the alerts that arrived are two
 * reads: a commit between them (here batch 12's two alerts, after the
 * refresh read batch 11's one) must leave no new alert unmarked.
 */
START_TEST(highlight_commit_between_reads)
{
	struct app a;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 0);
	write_fixture(11, 11, 10);
	a.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	write_fixture(12, 12, 10);	/* after the overview's read */
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 3);
	/* The next refresh reads batch 12: nothing more is new. */
	a.mono = 2001;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 3);
	ck_assert(app_next_expiry(&a) == 2000 + HIGHLIGHT_SECONDS);
	app_finish(&a);
}
END_TEST

/*
 * An old alert deleted (as --retain-reports does) and a new one written
 * between two refreshes leave the count as it was: the new one is
 * marked all the same.
 */
START_TEST(highlight_alert_count_unchanged)
{
	struct app a;
	long long n;

	write_fixture(1, 10, 10);
	open_app(&a, NULL, 100, 30);
	ck_assert_int_eq(app_track_changes(&a), 0);
	n = q_int("SELECT count(*) FROM alerts");
	q_exec("DELETE FROM alerts WHERE id = (SELECT min(id) FROM alerts)");
	write_fixture(11, 11, 10);
	ck_assert_int_eq(q_int("SELECT count(*) FROM alerts"), n);
	a.mono = 2000;
	ck_assert_int_eq(fixture_refresh(a.q), 1);
	ck_assert_int_eq(query_overview(a.q)->n_alerts, n);
	ck_assert_int_eq(app_track_changes(&a), 0);
	ck_assert_int_eq(assert_new_from(&a, 11), 1);
	app_finish(&a);
}
END_TEST

START_TEST(once_never_highlights)
{
	struct app a;
	struct options o;
	char *argv[] = { "mlmon-top", "--db", NULL, "--once", NULL };
	char *cause = NULL;

	write_fixture(1, 20, 16);
	argv[2] = db_target;
	ck_assert_int_eq(options_parse(4, argv, &o, stdout, &cause), 0);
	app_init(&a, &o);
	ck_assert(!a.highlight);
	app_finish(&a);
}
END_TEST

/* ---- stale badge ---- */

START_TEST(stale_badge_table)
{
	/* The fixture's last write is at NOW - 58 s, 22:34:02 UTC. */
	static const struct {
		double		 age;
		int		 delay;		/* tenths */
		bool		 stale;
		const char	*text;
	} rows[] = {
		{ 58, 10, false, "last write 22:34:02 (58s ago)" },
		{ 59.9, 10, false, "last write 22:34:02 (59s ago)" },
		{ 60.1, 10, true, "last write 22:34:02 (1m 00s ago) [STALE]" },
		{ 61, 100, false, "(1m 01s ago)" },	/* 10 x 10 s */
		{ 99.9, 100, false, "(1m 39s ago)" },
		{ 100.1, 100, true, "(1m 40s ago) [STALE]" },
		{ 61, 1, true, "[STALE]" },		/* the 60 s floor */
		{ 3700, 10, true, "(1h 01m ago) [STALE]" },
	};
	struct canvas c;
	struct app a;
	const char *row, *p;
	double last;
	size_t i;
	int w;

	write_fixture(1, 20, 16);
	/* Wide enough for the store's name, the model and the badge. */
	w = (int)strlen(db_target) + 80;
	open_app(&a, NULL, w, 30);
	last = query_overview(a.q)->last_write;
	ck_assert(last == NOW - 58);
	canvas_init(&c, w, 30);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		a.now = last + rows[i].age;
		a.delay = rows[i].delay;
		app_draw(&a, &c);
		row = row_text(&c, 1);
		ck_assert_msg(strstr(row, rows[i].text) != NULL,
		    "row %zu: '%s'", i, row);
		ck_assert_msg((strstr(row, "[STALE]") != NULL) ==
		    rows[i].stale, "row %zu: '%s'", i, row);
		p = strstr(row, "last write");
		ck_assert_int_eq(canvas_at(&c, (int)(p - row), 1)->role,
		    rows[i].stale ? ROLE_BAD : ROLE_NORMAL);
	}
	canvas_finish(&c);
	app_finish(&a);
}
END_TEST

int
main(int argc, char **argv)
{
	/*
	 * Three cases read no store (options, the snapshot's directory and
	 * files): cheap, they run on both rather than have a third kind.
	 */
	const struct fixture_case cases[] = {
		{ options_new_flags, NULL },
		{ keys_snapshot_and_severity, NULL },
		{ json_overview, NULL },
		{ json_drift, NULL },
		{ json_calibration, NULL },
		{ json_alerts_all_of_them, NULL },
		{ csv_fields_table, NULL },
		{ csv_tables, NULL },
		{ snapshot_dir_table, NULL },
		{ snapshot_write_files, NULL },
		{ snapshot_is_the_once_frame, NULL },
		{ tab_at_matches_the_drawn_bar, NULL },
		{ mouse_table, NULL },
		{ highlight_new_batches_and_alerts, NULL },
		{ highlight_commit_between_reads, NULL },
		{ highlight_alert_count_unchanged, NULL },
		{ once_never_highlights, NULL },
		{ stale_badge_table, NULL },
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	setenv("TZ", "UTC", 1);
	tzset();
	setenv("MLMON_NOW", "1700001300", 1);
	unsetenv("NO_COLOR");
	glyphs_init(false);
	return fixture_main(argc, argv, "console", cases,
	    sizeof cases / sizeof cases[0], 60);
}
