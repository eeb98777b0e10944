/*
 * The console's behaviour on an off-screen canvas against the fixture
 * store: --once --format json|csv, the s snapshot, mouse coordinates to
 * actions, highlights of what just arrived, and the stale-data badge.
 * No terminal involved; the clock is frozen (MLMON_NOW, TZ=UTC) and
 * timers run on app.mono, which the tests set by hand.
 *
 * One suite on both backends (tests/db/fixture.c): `test-console sqlite`
 * writes the fixture to a SQLite file in each case's temp dir,
 * `test-console pg` to a fresh database of the with-pg server. This file
 * holds the helpers, options and keys, the snapshot and the table of
 * cases; the exports and the live console are parts of their own
 * (console-test.h).
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

#include "console-test.h"
#include "db/fixture.h"
#include "fixture.h"
#include "tui/app.h"
#include "tui/console.h"
#include "tui/export.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/snapshot.h"

void
write_fixture(int64_t first, int64_t last, int64_t labelled)
{
	struct fixture_opts o = { first, last, labelled, 14, true, false };

	ck_assert_int_eq(fixture_write(db_target, &o), 0);
}

/* An app on the fixture as the live console has it: loaded, w x h. */
void
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
char *
row_text(const struct canvas *c, int y)
{
	static char buf[4096];

	canvas_row_text(c, y, buf, sizeof buf);
	return buf;
}

/* Cells of role r anywhere on the canvas. */
int
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
char *
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

cJSON *
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

double
jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", k);
	return v->valuedouble;
}

bool
jnull(const cJSON *o, const char *k)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsString(v), "%s is not a string", k);
	return v->valuestring;
}

int
jlen(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsArray(v), "%s is not an array", k);
	return cJSON_GetArraySize(v);
}

/* Lines in s and the one starting with prefix (NULL if none). */
int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

const char *
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

int
main(int argc, char **argv)
{
	/*
	 * Three cases read no store (options, the snapshot's directory and
	 * files): cheap, they run on both rather than have a third kind.
	 */
	struct fixture_case cases[CONSOLE_CASES_MAX];
	size_t n = 0;

	cases[n++] = (struct fixture_case){ options_new_flags, NULL };
	cases[n++] = (struct fixture_case){ keys_snapshot_and_severity, NULL };
	n = console_export_cases(cases, n);
	cases[n++] = (struct fixture_case){ snapshot_dir_table, NULL };
	cases[n++] = (struct fixture_case){ snapshot_write_files, NULL };
	cases[n++] = (struct fixture_case){ snapshot_is_the_once_frame, NULL };
	n = console_live_cases(cases, n);

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	setenv("TZ", "UTC", 1);
	tzset();
	setenv("MLMON_NOW", "1700001300", 1);
	unsetenv("NO_COLOR");
	glyphs_init(false);
	return fixture_main(argc, argv, "console", cases, n, 60);
}
