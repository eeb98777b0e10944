/*
 * raw-insert: the SQLite insert ceiling for the rows of an mlmon-gen
 * stream. The prediction lines of FILE are read into memory first
 * (untimed); then a minimal loop inserts them with one prepared statement
 * (the store's INSERT text) into a fresh DB with mlmon's real schema and
 * connection settings (WAL, synchronous=NORMAL, 16 MiB cache), committing
 * every -f rows (ingest's default: 2000). No ledger, no monitors, no
 * parsing: what is left is SQLite's own cost for these rows.
 *
 *	raw-insert [-f flush_rows] FILE DB
 *
 * Prints "rows=N seconds=S rows_per_s=R cpu_rows_per_s=C" (C: rows per
 * second of this process's CPU time in the loop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store.h"

static const char sql_insert[] =
    "INSERT OR IGNORE INTO predictions (batch_id, row_in_batch, features,"
    " predicted_class, confidence, scores, true_class, logged_at,"
    " labeled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

struct row {
	long long	 batch_id;
	long long	 row_in_batch;
	char		*features;	/* "[...]", owned */
	char		*scores;
	int		 predicted;
	double		 confidence;
	int		 true_class;	/* -1: NULL */
};

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "raw-insert: %s: %s\n", what, why);
	exit(1);
}

/* Pointer just past "key": in line, or NULL. */
static const char *
after(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p == NULL ? NULL : p + strlen(key);
}

static char *
array_dup(const char *p)
{
	const char *e = strchr(p, ']');

	if (e == NULL)
		die("input", "unterminated array");
	return xstrndup(p, (size_t)(e - p + 1));
}

/* mlmon-gen's prediction lines only; other records are skipped. */
static int
row_parse(const char *line, struct row *r)
{
	const char *p;

	if (strncmp(line, "{\"batch_id\":", 12) != 0)
		return -1;
	r->batch_id = atoll(line + 12);
	r->row_in_batch = (p = after(line, "\"row_in_batch\":")) ? atoll(p) :
	    0;
	if ((p = after(line, "\"features\":")) == NULL)
		die("input", "no features");
	r->features = array_dup(p);
	if ((p = after(line, "\"scores\":")) == NULL)
		die("input", "no scores");
	r->scores = array_dup(p);
	r->predicted = (p = after(line, "\"predicted_class\":")) ? atoi(p) :
	    0;
	r->confidence = (p = after(line, "\"confidence\":")) ? atof(p) : 0;
	p = after(line, "\"true_class\":");
	r->true_class = p == NULL || *p == 'n' ? -1 : atoi(p);
	return 0;
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err != NULL ? err : sqlite3_errmsg(db));
}

int
main(int argc, char **argv)
{
	struct row *rows = NULL;
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	FILE *f;
	char *line = NULL, *cause = NULL;
	size_t cap = 0, n = 0, lcap = 0, i;
	long flush = 2000;
	double t0, t1, c0, c1, at;
	int c;

	while ((c = getopt(argc, argv, "f:")) != -1) {
		if (c != 'f') {
			fprintf(stderr, "usage: raw-insert [-f flush_rows] "
			    "FILE DB\n");
			return 2;
		}
		flush = atol(optarg);
	}
	if (argc - optind != 2 || flush <= 0) {
		fprintf(stderr, "usage: raw-insert [-f flush_rows] FILE DB\n");
		return 2;
	}
	if ((f = fopen(argv[optind], "r")) == NULL)
		die(argv[optind], "cannot open");
	while (getline(&line, &lcap, f) != -1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			rows = xreallocarray(rows, cap, sizeof *rows);
		}
		if (row_parse(line, &rows[n]) == 0)
			n++;
	}
	free(line);
	fclose(f);

	unlink(argv[optind + 1]);
	if ((s = store_open(argv[optind + 1], STORE_READ_WRITE, &cause)) ==
	    NULL)
		die("open", cause);	/* the cause names the path */
	store_close(s);
	if (sqlite3_open_v2(argv[optind + 1], &db, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK)
		die(argv[optind + 1], sqlite3_errmsg(db));
	exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
	    "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;");
	if (sqlite3_prepare_v2(db, sql_insert, -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));

	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		if (i % (size_t)flush == 0)
			exec_sql(db, "BEGIN IMMEDIATE");
		at = 1.7e9 + (double)i / 1000;
		sqlite3_bind_int64(st, 1, r->batch_id);
		sqlite3_bind_int64(st, 2, r->row_in_batch);
		sqlite3_bind_text(st, 3, r->features, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, r->predicted);
		sqlite3_bind_double(st, 5, r->confidence);
		sqlite3_bind_text(st, 6, r->scores, -1, SQLITE_STATIC);
		if (r->true_class < 0) {
			sqlite3_bind_null(st, 7);
			sqlite3_bind_null(st, 9);
		} else {
			sqlite3_bind_int(st, 7, r->true_class);
			sqlite3_bind_double(st, 9, at);
		}
		sqlite3_bind_double(st, 8, at);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("insert", sqlite3_errmsg(db));
		sqlite3_reset(st);
		if ((i + 1) % (size_t)flush == 0 || i + 1 == n)
			exec_sql(db, "COMMIT");
	}
	t1 = clock_s(CLOCK_MONOTONIC);
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	sqlite3_finalize(st);
	sqlite3_close(db);
	printf("rows=%zu seconds=%.6f rows_per_s=%.0f cpu_rows_per_s=%.0f\n",
	    n, t1 - t0, n / (t1 - t0), n / (c1 - c0));
	for (i = 0; i < n; i++) {
		free(rows[i].features);
		free(rows[i].scores);
	}
	free(rows);
	return 0;
}
