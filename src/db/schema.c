/*
 * The DDL and its migrations. PRAGMA user_version holds the schema
 * version (also copied to meta.schema_version for humans). A fresh file
 * gets every table at STORE_SCHEMA_VERSION. A file made by the seed
 * article's Python code (user_version 0, its three tables present) is
 * upgraded in place: the missing tables and alert columns are added, the
 * UNIQUE indexes created and the batch ledger rebuilt from predictions.
 * docs/SCHEMA.md describes every table and column.
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/*
 * Version 1. CREATE ... IF NOT EXISTS throughout, so the same text also
 * completes a seed database (whose three tables already exist).
 */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS predictions ("
    " id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL,"
    " row_in_batch INTEGER NOT NULL,"
    " features TEXT NOT NULL,"		/* JSON array of numbers */
    " predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL,"
    " scores TEXT NOT NULL,"		/* JSON array of probabilities */
    " true_class INTEGER,"		/* NULL until labelled */
    " logged_at REAL NOT NULL,"		/* unix seconds */
    " labeled_at REAL"			/* NULL until labelled */
    ");"
    "CREATE UNIQUE INDEX IF NOT EXISTS predictions_batch_row"
    " ON predictions(batch_id, row_in_batch);"

    "CREATE TABLE IF NOT EXISTS monitor_reports ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id INTEGER NOT NULL,"
    " report_type TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " created_at REAL NOT NULL"
    ");"
    "CREATE UNIQUE INDEX IF NOT EXISTS monitor_reports_batch_type"
    " ON monitor_reports(batch_id, report_type);"

    "CREATE TABLE IF NOT EXISTS alerts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " batch_id INTEGER NOT NULL,"
    " severity TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " message TEXT NOT NULL,"
    " sent_at REAL NOT NULL,"
    " delivered INTEGER NOT NULL DEFAULT 0"
    ");"

    "CREATE TABLE IF NOT EXISTS alert_conditions ("
    " condition_key TEXT PRIMARY KEY,"
    " rule TEXT,"
    " severity TEXT,"
    " features TEXT,"
    " open INTEGER,"
    " first_batch INTEGER,"
    " last_fired_batch INTEGER,"
    " last_seen_batch INTEGER,"
    " clear_streak INTEGER DEFAULT 0,"
    " last_notified_at REAL,"
    " opened_at REAL,"
    " resolved_at REAL"
    ");"

    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY,"
    " value TEXT"
    ");"

    "CREATE TABLE IF NOT EXISTS reference ("
    " row INTEGER PRIMARY KEY,"
    " features TEXT NOT NULL,"
    " predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL,"
    " scores TEXT NOT NULL,"
    " true_class INTEGER"
    ");"

    "CREATE TABLE IF NOT EXISTS batches ("
    " batch_id INTEGER PRIMARY KEY,"
    " n_rows INTEGER NOT NULL DEFAULT 0,"
    " n_labelled INTEGER NOT NULL DEFAULT 0,"
    " opened_at REAL NOT NULL,"
    " closed_at REAL,"
    " labelled_at REAL"
    ");"

    "CREATE TABLE IF NOT EXISTS rejected ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " source TEXT NOT NULL,"
    " line INTEGER NOT NULL,"
    " reason TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " truncated INTEGER NOT NULL DEFAULT 0,"
    " at REAL NOT NULL"
    ");"

    "CREATE TABLE IF NOT EXISTS detector_state ("
    " name TEXT PRIMARY KEY,"
    " last_batch INTEGER,"
    " state TEXT,"
    " updated_at REAL"
    ");";

/*
 * Columns added to existing tables with ALTER TABLE ADD COLUMN when
 * missing. Checked on every read-write open, so adding a row here needs no
 * version bump (a new column must have a constant default or allow NULL).
 */
struct schema_column {
	const char	*table;
	const char	*column;
	const char	*decl;
};

static const struct schema_column schema_columns[] = {
	/* ---- alerts: the seed's columns plus our delivery state ---- */
	{ "alerts", "condition_key", "TEXT" },
	{ "alerts", "kind", "TEXT" },		/* firing|repeat|resolved */
	{ "alerts", "status", "TEXT" },	/* recorded|dry_run|pending|... */
	{ "alerts", "attempts", "INTEGER DEFAULT 0" },
	{ "alerts", "last_error", "TEXT" },
	{ "alerts", "next_attempt_at", "REAL" },
	{ "alerts", "delivered_at", "REAL" },

	/*
	 * ---- ALERTING ENGINEER'S SECTION (src/db/alert-store.c) ----
	 * Add columns of alerts and alert_conditions here, one line each:
	 *	{ "alert_conditions", "my_column", "INTEGER DEFAULT 0" },
	 */

	/* ---- end of alerting section ---- */
};

/* Indexes created after the columns exist. */
static const char schema_indexes[] =
    "CREATE INDEX IF NOT EXISTS alerts_status_next"
    " ON alerts(status, next_attempt_at);"
    "CREATE INDEX IF NOT EXISTS alerts_batch ON alerts(batch_id);"
    "CREATE INDEX IF NOT EXISTS rejected_at ON rejected(at);";

static int
schema_user_version(struct store *s, int *version, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, "reading the schema version");
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		*cause = store_error(s, rc, "reading the schema version");
		sqlite3_finalize(st);
		return -1;
	}
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/* 1 if table exists, 0 if not, -1 error. */
static int
schema_has_table(struct store *s, const char *table, char **cause)
{
	sqlite3_stmt *st;
	int rc, found;

	rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master"
	    " WHERE type = 'table' AND name = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, "reading the schema");
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	found = (rc == SQLITE_ROW);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "reading the schema");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return found;
}

/* 1 if table has column, 0 if not, -1 error. */
static int
schema_has_column(struct store *s, const char *table, const char *column,
    char **cause)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?)"
	    " WHERE name = ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, "reading the schema");
		return -1;
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		found = 1;
	else if (rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "reading the schema");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return found;
}

static int
schema_add_columns(struct store *s, char **cause)
{
	const struct schema_column *c;
	size_t i;
	char *sql;
	int has;

	for (i = 0; i < sizeof schema_columns / sizeof schema_columns[0];
	    i++) {
		c = &schema_columns[i];
		has = schema_has_column(s, c->table, c->column, cause);
		if (has == -1)
			return -1;
		if (has)
			continue;
		sql = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", c->table,
		    c->column, c->decl);
		if (store_exec(s, sql, "adding a column", cause) == -1) {
			free(sql);
			return -1;
		}
		free(sql);
	}
	return 0;
}

/* A seed database: rebuild the batch ledger from its predictions. */
static const char schema_seed_ledger[] =
    "INSERT OR IGNORE INTO batches"
    " (batch_id, n_rows, n_labelled, opened_at, closed_at, labelled_at)"
    " SELECT batch_id, count(*), count(true_class), min(logged_at),"
    "  max(logged_at),"
    "  CASE WHEN count(true_class) = count(*) THEN max(labeled_at) END"
    " FROM predictions GROUP BY batch_id;";

int
schema_migrate(struct store *s, char **cause)
{
	int version, seed;
	char buf[32];

	if (store_write_begin(s, cause) == -1)
		return -1;
	if (schema_user_version(s, &version, cause) == -1)
		return -1;
	if (version > STORE_SCHEMA_VERSION) {
		*cause = xasprintf("%s has schema version %d, newer than this "
		    "mlmon understands (%d)", s->path, version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version < 1) {
		seed = schema_has_table(s, "predictions", cause);
		if (seed == -1)
			return -1;
		if (store_exec(s, schema_v1, "creating the schema",
		    cause) == -1)
			return -1;
		if (schema_add_columns(s, cause) == -1)
			return -1;
		if (seed && store_exec(s, schema_seed_ledger,
		    "rebuilding the batch ledger of a seed database",
		    cause) == -1)
			return -1;
		snprintf(buf, sizeof buf, "PRAGMA user_version = %d",
		    STORE_SCHEMA_VERSION);
		if (store_exec(s, buf, "setting the schema version",
		    cause) == -1)
			return -1;
	} else if (schema_add_columns(s, cause) == -1)
		return -1;
	/* Future versions: if (version < 2) { ALTER ...; } and so on. */
	if (store_exec(s, schema_indexes, "creating indexes", cause) == -1)
		return -1;
	if (version < STORE_SCHEMA_VERSION) {
		snprintf(buf, sizeof buf, "%d", STORE_SCHEMA_VERSION);
		if (store_meta_set(s, "schema_version", buf, cause) == -1)
			return -1;
	}
	return store_flush(s, cause);
}

int
schema_check(struct store *s, char **cause)
{
	int version;

	if (schema_user_version(s, &version, cause) == -1)
		return -1;
	if (version < 1) {
		*cause = xasprintf("%s is not an mlmon database (no schema "
		    "yet: run mlmon-ingest on it first)", s->path);
		return -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		*cause = xasprintf("%s has schema version %d, newer than this "
		    "mlmon understands (%d)", s->path, version,
		    STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}
