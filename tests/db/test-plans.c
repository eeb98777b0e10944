/*
 * Every statement the store and the console run on predictions finds its
 * rows through an index: none scans the table (or a whole index of it)
 * or sorts its rows in a temporary B-tree. The statements are the ones
 * the code really runs: every SQLite connection of this process is traced
 * (sqlite3_auto_extension installs the trace on each as it opens) while
 * the store writes, replays, counts, labels, recounts and prunes the
 * batches of two models whose batch ids overlap, and while the console
 * reads a model (overview, calibration, an alert explained). Then each
 * statement that names predictions is planned on the store (EXPLAIN
 * QUERY PLAN) and every step of its plan read.
 *
 * SQLite's alone: PostgreSQL plans by its statistics (on a test-sized
 * table a sequential scan is its cheapest plan whatever the indexes).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/query.h"
#include "db/store.h"
#include "fixture.h"
#include "tui/fixture.h"

#define PLAN_MAX_SQL	256

/* The statements traced while recording, each text once. */
static bool	 recording;
static char	*traced[PLAN_MAX_SQL];
static size_t	 n_traced;

static int
plan_trace(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql;
	size_t i;

	(void)ctx;
	(void)x;
	if (type != SQLITE_TRACE_STMT || !recording ||
	    (sql = sqlite3_sql(p)) == NULL ||
	    strstr(sql, "predictions") == NULL)
		return 0;
	for (i = 0; i < n_traced; i++)
		if (strcmp(traced[i], sql) == 0)
			return 0;
	if (n_traced < PLAN_MAX_SQL)
		traced[n_traced++] = xstrdup(sql);
	return 0;
}

/* sqlite3_auto_extension's entry: every new connection is traced. */
static int
plan_attach(sqlite3 *db, char **err, const void *api)
{
	(void)err;
	(void)api;
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, plan_trace, NULL);
	return SQLITE_OK;
}

/* What may follow a table's name in SQL without being its alias. */
static bool
plan_keyword(const char *w, size_t n)
{
	static const char *const kw[] = { "where", "set", "on", "using",
	    "join", "left", "inner", "cross", "natural", "group", "order",
	    "limit", "values", "indexed", "not", "union", "default", "as" };
	size_t i;

	for (i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strlen(kw[i]) == n && strncasecmp(w, kw[i], n) == 0)
			return true;
	return false;
}

static bool
plan_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/*
 * Is name (n bytes) what sql calls predictions: the table itself or an
 * alias it gives it ("predictions p", "predictions AS p")?
 */
static bool
plan_is_rows(const char *sql, const char *name, size_t n)
{
	const char *at = sql, *w;
	size_t len;

	if (n == strlen("predictions") && strncmp(name, "predictions", n) == 0)
		return true;
	while ((at = strstr(at, "predictions")) != NULL) {
		w = at + strlen("predictions");
		at = w;
		while (*w == ' ')
			w++;
		if (strncasecmp(w, "as ", 3) == 0)
			for (w += 3; *w == ' '; w++)
				;
		for (len = 0; plan_ident(w[len]); len++)
			;
		if (len == n && !plan_keyword(w, len) &&
		    strncmp(w, name, n) == 0)
			return true;
	}
	return false;
}

/*
 * The first step of sql's plan (on db) that reads predictions without an
 * index, or with one but not by the model (a statement that names
 * model_id must seek it: a model's rows are one range of the key, not a
 * walk over every model's rows of the batch), or sorts: a copy (caller
 * frees), or NULL when there is none.
 */
static char *
plan_bad_step(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	const char *d, *name;
	char *eqp, *bad = NULL;
	size_t n;

	eqp = xasprintf("EXPLAIN QUERY PLAN %s", sql);
	ck_assert_msg(sqlite3_prepare_v2(db, eqp, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	while (bad == NULL && sqlite3_step(st) == SQLITE_ROW) {
		d = (const char *)sqlite3_column_text(st, 3);
		if (strncmp(d, "USE TEMP B-TREE", 15) == 0) {
			bad = xstrdup(d);
			continue;
		}
		if (strncmp(d, "SCAN ", 5) != 0 && strncmp(d, "SEARCH ", 7) != 0)
			continue;
		name = d + (d[1] == 'C' ? 5 : 7);
		for (n = 0; plan_ident(name[n]); n++)
			;
		if (!plan_is_rows(sql, name, n))
			continue;
		if (d[1] == 'C' || (strstr(sql, "model_id =") != NULL &&
		    strstr(d, "model_id=?") == NULL))
			bad = xstrdup(d);
	}
	sqlite3_finalize(st);
	free(eqp);
	return bad;
}

/* The statement named by what (a part of its text) was traced. */
static void
plan_traced(const char *what)
{
	size_t i;

	for (i = 0; i < n_traced; i++)
		if (strstr(traced[i], what) != NULL)
			return;
	ck_abort_msg("no statement with \"%s\" ran: the exercise below no "
	    "longer reaches it", what);
}

/* The store's readers and writers of rows, on model "other". */
static void
plan_store(struct store *s)
{
	struct store_event_id e = { NULL, 0, 900 };
	struct store_batch b;
	int labels[20], i;
	int64_t rows, labelled, next, batch;
	size_t pruned, batches;
	char *cause = NULL;

	ck_assert_int_eq(store_batch_rows(s, 3), 20);
	ck_assert_int_eq(store_batch_counts(s, 3, &rows, &labelled, &cause),
	    0);
	ck_assert_int_eq(store_batch_get(s, 3, &b, &cause), 0);
	store_batch_finish(&b);
	ck_assert_int_eq(store_batch_next_row(s, 16, &next, &cause), 0);
	ck_assert_int_eq(next, 20);
	/* A replay of an open batch's row, a late row into a closed one. */
	ck_assert_int_eq(add_row(s, 16, 0, -1, &cause), STORE_ADD_REPLAY);
	ck_assert_int_eq(add_row(s, 3, 20, -1, &cause), STORE_ADD_LATE);
	ck_assert_int_eq(store_batch_late(s, 3), 1);
	/* Labels by batch, by id; an id's replay. */
	for (i = 0; i < 20; i++)
		labels[i] = i % 3;
	ck_assert_int_eq(store_label_batch(s, 2, labels, 20, false, &cause),
	    STORE_LABEL_APPLIED);
	ck_assert_int_eq(add_row_id(s, 16, 20, -1, &e, &cause), STORE_ADD_NEW);
	ck_assert_int_eq(add_row_id(s, 16, 20, -1, &e, &cause),
	    STORE_ADD_REPLAY);
	ck_assert_int_eq(store_label_id(s, &e, 1, false, &batch, &cause),
	    STORE_LABEL_APPLIED);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	/* Retention: every closed batch whose labels are final, by now. */
	ck_assert_msg(store_prune_rows(s, 4e9, 4e9, 100000, &pruned,
	    &batches, &cause) == 0, "%s", cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_uint_gt(batches, 0);
}

/* The console's reads of model "default" (an overview, a batch, alert 1). */
static void
plan_console(void)
{
	struct query_calib c;
	struct query_explain e;
	struct query *q;

	memset(&c, 0, sizeof c);
	q = query_create(db_target);
	query_set_model(q, "default");
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_calib_load(q, 5, &c), 0);
	query_calib_finish(&c);
	ck_assert_int_eq(query_explain_load(q, 1, &e), 0);
	query_explain_finish(&e);
	query_destroy(q);
}

START_TEST(test_plans)
{
	const struct fixture_opts o = { 1, 16, 14, 6, false, true };
	static const char *const readers[] = {
		"INSERT INTO predictions",		/* logging a row */
		"WHERE batch_id = ?1 AND row_in_batch = ?2",	/* a replay */
		"count(*), count(true_class)",		/* a batch's counts */
		"max(row_in_batch) + 1",		/* the next row */
		") - n_rows AS late",			/* late rows */
		"SELECT id, true_class FROM predictions",	/* labels */
		"FROM predictions WHERE event_id = ?1",	/* ids */
		"max(coalesce(event_ts",		/* retention */
		"DELETE FROM predictions",
		"ORDER BY row_in_batch DESC LIMIT 1",	/* the overview */
		"SELECT predicted_class, confidence, true_class",
		"FROM predictions WHERE batch_id = ?2",	/* an alert */
	};
	sqlite3 *db;
	struct store *s;
	char *cause = NULL, *bad;
	size_t i;
	int64_t batch;

	ck_assert_int_eq(sqlite3_auto_extension((void (*)(void))plan_attach),
	    SQLITE_OK);
	ck_assert_int_eq(fixture_write(db_target, &o), 0);
	s = open_rw();
	ck_assert_int_eq(store_model_set(s, "other", &cause), 0);
	for (batch = 1; batch <= 16; batch++)
		add_batch(s, batch, 20, false);
	for (batch = 1; batch <= 15; batch++)
		ck_assert_msg(store_batch_close(s, batch, &cause) == 0, "%s",
		    cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);

	recording = true;
	plan_store(s);
	store_close(s);
	plan_console();
	recording = false;

	for (i = 0; i < sizeof readers / sizeof readers[0]; i++)
		plan_traced(readers[i]);
	ck_assert_int_eq(sqlite3_open_v2(db_target, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	/* The check sees a scan where there is one. */
	bad = plan_bad_step(db, "SELECT count(*) FROM predictions AS p"
	    " WHERE p.confidence > 0.5");
	ck_assert_msg(bad != NULL && strcmp(bad, "SCAN p") == 0, "%s", bad);
	free(bad);
	for (i = 0; i < n_traced; i++) {
		bad = plan_bad_step(db, traced[i]);
		ck_assert_msg(bad == NULL, "%s: %s", traced[i], bad);
		free(traced[i]);
	}
	n_traced = 0;
	sqlite3_close(db);
	sqlite3_reset_auto_extension();
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_plans, "SQLite's plans (EXPLAIN QUERY PLAN)" },
	};

	return fixture_main(argc, argv, "plans", cases,
	    sizeof cases / sizeof cases[0], 120);
}
