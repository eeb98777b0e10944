/*
 * The batch ledger's report summaries of a version 1 file made with raw
 * SQL, filled by its migration (to version 3) from the SQL definitions in
 * schema.c. Every summary column is checked against a table of expected
 * values and against the same numbers computed here, independently, from
 * the stored payloads with cJSON. (New reports fill the columns from the
 * report structs: tests/db/test-verdicts.c.)
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store-internal.h"
#include "fixture.h"
#include "db/store.h"


/* A NULL column. */
#define NONE	(-999.0)

/* One report and what it must leave in its batch's summary columns. */
struct summary_case {
	int64_t		 batch;
	const char	*type;
	const char	*payload;
	double		 a;	/* max_psi, label_shift_drift, any_decay, ddm */
	double		 b;	/* min_ks_p, confidence_drift, -, adwin */
};

static const struct summary_case cases[] = {
	{ 1, "feature", "{\"psi_values\":{\"age\":0.05,\"income\":0.31},"
	    "\"ks_p_values\":{\"age\":0.5,\"income\":1.2e-09}}", 0.31,
	    1.2e-09 },
	/* NaN is stored as null: skipped. */
	{ 2, "feature", "{\"psi_values\":{\"age\":null,\"income\":0.02},"
	    "\"ks_p_values\":{\"age\":0.2,\"income\":null}}", 0.02, 0.2 },
	/* Arrays (by position) work too. */
	{ 3, "feature", "{\"psi_values\":[0.4,0.1],\"ks_p_values\":[0.3,1]}",
	    0.4, 0.3 },
	/* A feature report without the maps, and one that is not JSON. */
	{ 4, "feature", "{\"any_drift\":false}", NONE, NONE },
	{ 5, "feature", "{\"psi_values\":", NONE, NONE },
	{ 1, "prediction", "{\"label_shift_drift\":true,"
	    "\"confidence_drift\":false,\"label_shift_p_value\":0.001}", 1, 0 },
	{ 2, "prediction", "{\"label_shift_drift\":0,\"confidence_drift\":1}",
	    0, 1 },
	{ 3, "prediction", "{}", 0, 0 },
	{ 1, "performance", "{\"accuracy\":0.5,\"any_decay\":true}", 1, NONE },
	{ 2, "performance", "{\"any_decay\":false}", 0, NONE },
	{ 1, "detectors", "{\"n_fed\":3,\"ddm_state\":\"warning\","
	    "\"ddm_drift\":false,\"adwin_drift\":true}", 0, 1 },
	{ 3, "detectors", "{\"ddm_drift\":true,\"adwin_drift\":false}", 1, 0 },
};

/* Ledger rows 1..6 (6 has no report); batch 7 gets a report but no row. */
#define N_BATCHES	6

static const char *const summary_columns[] = {
	"max_psi", "min_ks_p", "label_shift_drift", "confidence_drift",
	"any_decay", "ddm_drift", "adwin_drift",
};
#define N_COLUMNS	7

static sqlite3 *
raw_open(void)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(db_target, &db), SQLITE_OK);
	return db;
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK,
	    "%s: %s", sql, err);
}

/* Column col of batch b: NONE when NULL or no row. */
static double
column_of(sqlite3 *db, int64_t b, const char *col)
{
	sqlite3_stmt *st;
	char *sql;
	double v = NONE;

	sql = xasprintf("SELECT %s FROM batches WHERE batch_id = %lld", col,
	    (long long)b);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	free(sql);
	return v;
}

static int64_t
int_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The two columns a report type fills, or NULL. */
static void
type_columns(const char *type, const char **a, const char **b)
{
	*a = *b = NULL;
	if (strcmp(type, "feature") == 0) {
		*a = "max_psi";
		*b = "min_ks_p";
	} else if (strcmp(type, "prediction") == 0) {
		*a = "label_shift_drift";
		*b = "confidence_drift";
	} else if (strcmp(type, "performance") == 0)
		*a = "any_decay";
	else if (strcmp(type, "detectors") == 0) {
		*a = "ddm_drift";
		*b = "adwin_drift";
	}
}

/* Every case's columns hold the expected values; untouched ones NULL. */
static void
check_table(sqlite3 *db)
{
	const struct summary_case *c;
	const char *ca, *cb;
	int filled[N_BATCHES + 1][N_COLUMNS];
	size_t i, k;
	int64_t b;

	memset(filled, 0, sizeof filled);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = &cases[i];
		type_columns(c->type, &ca, &cb);
		ck_assert_msg(column_of(db, c->batch, ca) == c->a,
		    "batch %lld %s: %g, want %g", (long long)c->batch, ca,
		    column_of(db, c->batch, ca), c->a);
		if (cb != NULL)
			ck_assert_msg(column_of(db, c->batch, cb) == c->b,
			    "batch %lld %s: %g, want %g", (long long)c->batch,
			    cb, column_of(db, c->batch, cb), c->b);
		for (k = 0; k < N_COLUMNS; k++) {
			if (strcmp(summary_columns[k], ca) == 0 ||
			    (cb != NULL && strcmp(summary_columns[k], cb) == 0))
				filled[c->batch][k] = 1;
		}
	}
	for (b = 1; b <= N_BATCHES; b++) {
		for (k = 0; k < N_COLUMNS; k++) {
			if (!filled[b][k])
				ck_assert_msg(column_of(db, b,
				    summary_columns[k]) == NONE, "batch %lld "
				    "%s not NULL", (long long)b,
				    summary_columns[k]);
		}
	}
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM batches WHERE "
	    "batch_id = 7"), 0);
}

/* Max (want_max) or min of the numbers in payload's map key, cJSON. */
static double
json_extreme(const cJSON *root, const char *key, bool want_max)
{
	const cJSON *m, *e;
	double v = NONE;

	m = cJSON_GetObjectItemCaseSensitive(root, key);
	cJSON_ArrayForEach(e, m) {
		if (!cJSON_IsNumber(e))
			continue;
		if (v == NONE || (want_max ? e->valuedouble > v :
		    e->valuedouble < v))
			v = e->valuedouble;
	}
	return v;
}

static double
json_flag(const cJSON *root, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	return cJSON_IsNumber(v) && v->valuedouble != 0;
}

/*
 * The independent check: for every report stored, the summary columns
 * of its batch are what cJSON reads in the payload.
 */
static void
check_against_reports(sqlite3 *db)
{
	sqlite3_stmt *st;
	const char *type, *payload, *ca, *cb;
	cJSON *root;
	double a, b;
	int64_t batch;
	int n = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT r.batch_id,"
	    " r.report_type, r.payload FROM monitor_reports r JOIN batches"
	    " USING (batch_id)", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		batch = sqlite3_column_int64(st, 0);
		type = (const char *)sqlite3_column_text(st, 1);
		payload = (const char *)sqlite3_column_text(st, 2);
		type_columns(type, &ca, &cb);
		root = cJSON_Parse(payload);
		if (root == NULL) {
			a = b = NONE;
		} else if (strcmp(type, "feature") == 0) {
			a = json_extreme(root, "psi_values", true);
			b = json_extreme(root, "ks_p_values", false);
		} else if (strcmp(type, "prediction") == 0) {
			a = json_flag(root, "label_shift_drift");
			b = json_flag(root, "confidence_drift");
		} else if (strcmp(type, "performance") == 0) {
			a = json_flag(root, "any_decay");
			b = NONE;
		} else {
			a = json_flag(root, "ddm_drift");
			b = json_flag(root, "adwin_drift");
		}
		cJSON_Delete(root);
		ck_assert_msg(column_of(db, batch, ca) == a, "batch %lld %s",
		    (long long)batch, ca);
		if (cb != NULL)
			ck_assert_msg(column_of(db, batch, cb) == b,
			    "batch %lld %s", (long long)batch, cb);
		n++;
	}
	sqlite3_finalize(st);
	ck_assert_int_eq(n, (int)(sizeof cases / sizeof cases[0]));
}

static void
check_schema(sqlite3 *db)
{
	ck_assert_int_eq(int_of(db, "PRAGMA user_version"),
	    STORE_SCHEMA_VERSION);
	ck_assert_int_eq(STORE_SCHEMA_VERSION, 7);
	ck_assert_int_eq(int_of(db, "SELECT value FROM meta WHERE key ="
	    " 'schema_version'"), 7);
	/* v5: the seed's readers by batch_id (an index on each table). */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND name IN ('monitor_reports_batch',"
	    " 'alerts_batch')"), 2);
	/*
	 * v6: the rows' unique key led by batch_id (which serves the seed's
	 * reader of predictions); v5's key, and the statistics row that made
	 * SQLite skip-scan it, gone.
	 */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM"
	    " pragma_index_list('predictions') WHERE \"unique\" AND name ="
	    " 'predictions_batch_model_row'"), 1);
	ck_assert_int_eq(int_of(db, "SELECT (SELECT count(*) FROM"
	    " sqlite_master WHERE name = 'predictions_model_batch_row') +"
	    " (SELECT count(*) FROM sqlite_stat1 WHERE tbl ="
	    " 'predictions')"), 0);
	/*
	 * The verdicts' and detectors' partial indexes and batches_unpruned
	 * (retention); v7: max_psi's, min_ks_p's and the console's counts'
	 * gone (no statement seeks them).
	 */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'index' AND tbl_name = 'batches' AND name LIKE"
	    " 'batches_%'"), 8);
	/* v7: of model_status's triggers on the ledger, the labels' alone. */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'trigger' AND tbl_name = 'batches'"), 1);
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM sqlite_master"
	    " WHERE type = 'trigger' AND name = 'model_status_labels'"), 1);
	/* The seed's tables keep their columns, plus model_id (v4). */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM"
	    " pragma_table_info('monitor_reports')"), 6);
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM"
	    " pragma_table_info('predictions') WHERE name IN ('id',"
	    " 'batch_id', 'row_in_batch', 'features', 'predicted_class',"
	    " 'confidence', 'scores', 'true_class', 'logged_at',"
	    " 'labeled_at')"), 10);
	/*
	 * Schema 3 adds the producer's id, event time and input line,
	 * schema 4 model_id.
	 */
	ck_assert_int_eq(int_of(db, "SELECT count(*) FROM"
	    " pragma_table_info('predictions')"), 14);
}

static const char v1_schema[] =
    "CREATE TABLE predictions (id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL, row_in_batch INTEGER NOT NULL,"
    " features TEXT NOT NULL, predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL, scores TEXT NOT NULL, true_class INTEGER,"
    " logged_at REAL NOT NULL, labeled_at REAL);"
    "CREATE UNIQUE INDEX predictions_batch_row"
    " ON predictions(batch_id, row_in_batch);"
    "CREATE TABLE monitor_reports (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id INTEGER NOT NULL, report_type TEXT NOT NULL,"
    " payload TEXT NOT NULL, created_at REAL NOT NULL);"
    "CREATE UNIQUE INDEX monitor_reports_batch_type"
    " ON monitor_reports(batch_id, report_type);"
    "CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id INTEGER NOT NULL, severity TEXT NOT NULL,"
    " channel TEXT NOT NULL, message TEXT NOT NULL, sent_at REAL NOT NULL,"
    " delivered INTEGER NOT NULL DEFAULT 0, condition_key TEXT, kind TEXT,"
    " status TEXT, attempts INTEGER DEFAULT 0, last_error TEXT,"
    " next_attempt_at REAL, delivered_at REAL);"
    "CREATE TABLE alert_conditions (condition_key TEXT PRIMARY KEY,"
    " rule TEXT, severity TEXT, features TEXT, open INTEGER,"
    " first_batch INTEGER, last_fired_batch INTEGER,"
    " last_seen_batch INTEGER, clear_streak INTEGER DEFAULT 0,"
    " last_notified_at REAL, opened_at REAL, resolved_at REAL);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE reference (row INTEGER PRIMARY KEY,"
    " features TEXT NOT NULL, predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL, scores TEXT NOT NULL, true_class INTEGER);"
    "CREATE TABLE batches (batch_id INTEGER PRIMARY KEY,"
    " n_rows INTEGER NOT NULL DEFAULT 0,"
    " n_labelled INTEGER NOT NULL DEFAULT 0, opened_at REAL NOT NULL,"
    " closed_at REAL, labelled_at REAL);"
    "CREATE TABLE rejected (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " source TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL,"
    " text TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0,"
    " at REAL NOT NULL);"
    "CREATE TABLE detector_state (name TEXT PRIMARY KEY,"
    " last_batch INTEGER, state TEXT, updated_at REAL);"
    "CREATE INDEX alerts_status_next ON alerts(status, next_attempt_at);"
    "CREATE INDEX alerts_batch ON alerts(batch_id);"
    "CREATE INDEX rejected_at ON rejected(at);"
    "INSERT INTO meta VALUES ('schema_version', '1');"
    "PRAGMA user_version = 1;"
    "PRAGMA journal_mode = WAL;";

START_TEST(test_migration_of_v1_file)
{
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	char *cause = NULL, *sql;
	size_t i;
	int64_t b;

	db = raw_open();
	raw_exec(db, v1_schema);
	for (b = 1; b <= N_BATCHES; b++) {
		sql = xasprintf("INSERT INTO predictions (batch_id,"
		    " row_in_batch, features, predicted_class, confidence,"
		    " scores, logged_at) VALUES (%lld, 0, '[1.0, 2.0]', 1,"
		    " 0.75, '[0.25, 0.75]', 1.7e9);"
		    "INSERT INTO batches (batch_id, n_rows, n_labelled,"
		    " opened_at, closed_at) VALUES (%lld, 1, 0, 1.7e9, 1.7e9)",
		    (long long)b, (long long)b);
		raw_exec(db, sql);
		free(sql);
	}
	ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO monitor_reports"
	    " (batch_id, report_type, payload, created_at)"
	    " VALUES (?, ?, ?, 1.7e9)", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sqlite3_bind_int64(st, 1, cases[i].batch);
		sqlite3_bind_text(st, 2, cases[i].type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cases[i].payload, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	raw_exec(db, "INSERT INTO monitor_reports (batch_id, report_type,"
	    " payload, created_at) VALUES (7, 'feature',"
	    " '{\"psi_values\":{\"a\":0.9}}', 1.7e9)");
	ck_assert_int_eq(column_of(db, 1, "n_rows"), 1);
	sqlite3_close(db);

	/* A read-only open leaves it alone; the first read-write upgrades. */
	s = store_open(db_target, STORE_READ_ONLY, &cause);
	ck_assert_msg(s != NULL, "open ro: %s", cause);
	store_close(s);
	db = raw_open();
	ck_assert_int_eq(int_of(db, "PRAGMA user_version"), 1);
	sqlite3_close(db);
	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "open: %s", cause);
	store_close(s);

	db = raw_open();
	check_schema(db);
	check_table(db);
	check_against_reports(db);
	sqlite3_close(db);
	/* Opening again migrates nothing twice. */
	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "reopen: %s", cause);
	store_close(s);
	db = raw_open();
	check_schema(db);
	check_table(db);
	sqlite3_close(db);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case suite[] = {
		{ test_migration_of_v1_file, "a version 1 SQLite file made"
		    " with raw SQL, migrated in place: a PostgreSQL store"
		    " is born at the current version" },
	};

	return fixture_main(argc, argv, "summary", suite,
	    sizeof suite / sizeof suite[0], 60);
}
