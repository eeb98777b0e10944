/*
 * Schema version 4, models: one store holds any number of streams, each
 * under a model (docs/SCHEMA.md, models). The table models gives every
 * name a small integer, model_id, and every per-stream row carries it:
 *
 * - predictions, monitor_reports, alerts and rejected gain a column
 *   model_id (ALTER TABLE, constant in time: no rewrite of the rows), and
 *   their UNIQUE keys and indexes lead with it;
 * - batches, reference, detector_state, alert_conditions and meta, whose
 *   primary key was one column, are rebuilt with the key (model_id, k);
 *   their other indexes are rebuilt leading with model_id too. In meta,
 *   model_id 0 holds what belongs to the whole store (schema_version).
 *
 * A version 3 file (an older one is migrated to 3 first) is one stream:
 * its rows become model 1, "default" (only when it holds any; an empty
 * file gets no model until one writes). pending_labels and
 * input_positions (schema 3) are keyed like the others: ids, held labels
 * and input positions are each model's own.
 * The seed's readers keep working on a one-model store: the tables keep
 * their names and columns, a new column is only added.
 *
 * A reader never migrates (the console opens read-only). On a file older
 * than version 4 it puts TEMP views of the same names in front of the
 * tables (temp objects shadow main ones), each adding model_id 1, so the
 * same SQL reads every version.
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/model.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

const char schema_models_ddl[] =
    "CREATE TABLE IF NOT EXISTS models ("
    " model_id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE,"
    " created_at REAL NOT NULL"
    ");";

/* Tables that only gain the column; all their rows are model 1. */
static const char models_add_columns[] =
    "ALTER TABLE predictions ADD COLUMN model_id INTEGER NOT NULL"
    " DEFAULT 1;"
    "ALTER TABLE monitor_reports ADD COLUMN model_id INTEGER NOT NULL"
    " DEFAULT 1;"
    "ALTER TABLE alerts ADD COLUMN model_id INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE rejected ADD COLUMN model_id INTEGER NOT NULL DEFAULT 1;"
    "DROP INDEX IF EXISTS predictions_batch_row;"
    "CREATE UNIQUE INDEX predictions_model_batch_row"
    " ON predictions(model_id, batch_id, row_in_batch);"
    "DROP INDEX IF EXISTS monitor_reports_batch_type;"
    "CREATE UNIQUE INDEX monitor_reports_model_batch_type"
    " ON monitor_reports(model_id, batch_id, report_type);"
    "DROP INDEX IF EXISTS predictions_event_id;"
    "CREATE UNIQUE INDEX predictions_model_event_id"
    " ON predictions(model_id, event_id) WHERE event_id IS NOT NULL;"
    "DROP INDEX IF EXISTS alerts_status_next;"
    "DROP INDEX IF EXISTS alerts_batch;";

/* Model 1 is "default" when the file holds any stream's row. */
static const char models_default[] =
    "INSERT INTO models (model_id, name, created_at)"
    " SELECT 1, '" MODEL_DEFAULT "', ?1 WHERE"
    " EXISTS (SELECT 1 FROM predictions) OR"
    " EXISTS (SELECT 1 FROM monitor_reports) OR"
    " EXISTS (SELECT 1 FROM batches) OR"
    " EXISTS (SELECT 1 FROM reference) OR"
    " EXISTS (SELECT 1 FROM alerts) OR"
    " EXISTS (SELECT 1 FROM alert_conditions) OR"
    " EXISTS (SELECT 1 FROM detector_state) OR"
    " EXISTS (SELECT 1 FROM rejected) OR"
    " EXISTS (SELECT 1 FROM pending_labels) OR"
    " EXISTS (SELECT 1 FROM input_positions) OR"
    " EXISTS (SELECT 1 FROM meta WHERE key <> 'schema_version')";

/* A table rebuilt with the primary key (model_id, key). */
static const struct models_rekey {
	const char	*table;
	const char	*key;
	const char	*model;		/* model_id of an existing row (SQL) */
} models_rekeyed[] = {
	{ "batches", "batch_id", "1" },
	{ "reference", "row", "1" },
	{ "detector_state", "name", "1" },
	{ "alert_conditions", "condition_key", "1" },
	{ "pending_labels", "event_id", "1" },
	{ "input_positions", "source", "1" },
	{ "meta", "key", "CASE key WHEN 'schema_version' THEN 0 ELSE 1 END" },
};

/* Every column of a version 3 table, for the TEMP views of a reader. */
static const struct models_view {
	const char	*table;
	const char	*model;
} models_views[] = {
	{ "predictions", "1" },
	{ "monitor_reports", "1" },
	{ "alerts", "1" },
	{ "rejected", "1" },
	{ "batches", "1" },
	{ "reference", "1" },
	{ "detector_state", "1" },
	{ "alert_conditions", "1" },
	{ "pending_labels", "1" },
	{ "input_positions", "1" },
	{ "meta", "CASE key WHEN 'schema_version' THEN 0 ELSE 1 END" },
};

/*
 * "CREATE TABLE t_v4 (model_id INTEGER NOT NULL, <t's columns>, PRIMARY
 * KEY (model_id, key))" with t's columns as they are now (types, NOT
 * NULL, defaults), and "model_id, <columns>" in *cols. Caller frees.
 */
static char *
models_rekey_ddl(struct store *s, const struct models_rekey *t, char **cols,
    char **cause)
{
	struct strbuf ddl = STRBUF_INIT, names = STRBUF_INIT;
	struct db_stmt *st;
	const char *name, *type, *dflt;
	int rc;

	st = db_prepare(s->conn, "SELECT name, type, \"notnull\","
	    " dflt_value FROM pragma_table_info(?1) ORDER BY cid", 0);
	if (st == NULL) {
		*cause = store_db_error(s, "reading a table's columns");
		return NULL;
	}
	db_bind_text(st, 1, t->table, -1, DB_STATIC);
	strbuf_addf(&ddl, "CREATE TABLE %s_v4 (model_id INTEGER NOT NULL",
	    t->table);
	strbuf_addf(&names, "model_id");
	while ((rc = db_step(st)) == DB_ROW) {
		name = db_column_text(st, 0);
		type = db_column_text(st, 1);
		dflt = db_column_text(st, 3);
		strbuf_addf(&ddl, ", \"%s\" %s%s%s%s", name,
		    type == NULL ? "" : type,
		    db_column_int(st, 2) || strcmp(name, t->key) == 0 ?
		    " NOT NULL" : "", dflt == NULL ? "" : " DEFAULT ",
		    dflt == NULL ? "" : dflt);
		strbuf_addf(&names, ", \"%s\"", name);
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		*cause = store_db_error(s, "reading a table's columns");
		strbuf_finish(&ddl);
		strbuf_finish(&names);
		return NULL;
	}
	strbuf_addf(&ddl, ", PRIMARY KEY (model_id, \"%s\"))", t->key);
	*cols = strbuf_take(&names);
	return strbuf_take(&ddl);
}

/*
 * The CREATE INDEX texts of table t (not its automatic ones), each with
 * model_id put first in its column list, in (*v)[0..*n). Caller frees
 * them. 0 or -1.
 */
static int
models_rekey_indexes(struct store *s, const char *table, char ***v,
    size_t *n, char **cause)
{
	struct db_stmt *st;
	const char *sql, *paren;
	int rc;

	*v = NULL;
	*n = 0;
	st = db_prepare(s->conn, "SELECT sql FROM sqlite_master WHERE"
	    " type = 'index' AND tbl_name = ?1 AND sql IS NOT NULL", 0);
	if (st == NULL) {
		*cause = store_db_error(s, "reading a table's indexes");
		return -1;
	}
	db_bind_text(st, 1, table, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		sql = db_column_text(st, 0);
		/* "CREATE INDEX name ON table(cols)": the first '('. */
		if ((paren = strchr(sql, '(')) == NULL)
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = xasprintf("%.*smodel_id, %s",
		    (int)(paren + 1 - sql), sql, paren + 1);
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		*cause = store_db_error(s, "reading a table's indexes");
		while (*n > 0)
			free((*v)[--*n]);
		free(*v);
		*v = NULL;
		return -1;
	}
	return 0;
}

/* Rebuild t with the key (model_id, t->key); its rows get t->model. */
static int
models_rekey(struct store *s, const struct models_rekey *t, char **cause)
{
	char *ddl, *cols, *sql, **idx;
	size_t i, n;
	int rc = -1;

	if ((ddl = models_rekey_ddl(s, t, &cols, cause)) == NULL)
		return -1;
	if (models_rekey_indexes(s, t->table, &idx, &n, cause) == -1) {
		free(ddl);
		free(cols);
		return -1;
	}
	/* The old column list is cols without its leading "model_id, ". */
	sql = xasprintf("%s; INSERT INTO %s_v4 (%s) SELECT %s, %s FROM %s;"
	    " DROP TABLE %s; ALTER TABLE %s_v4 RENAME TO %s;", ddl, t->table,
	    cols, t->model, cols + strlen("model_id, "), t->table, t->table,
	    t->table, t->table);
	if (store_exec(s, sql, "giving a table its model key", cause) == 0)
		rc = 0;
	free(sql);
	for (i = 0; i < n; i++) {
		if (rc == 0 && store_exec(s, idx[i], "indexing a table by "
		    "model", cause) == -1)
			rc = -1;
		free(idx[i]);
	}
	free(idx);
	free(ddl);
	free(cols);
	return rc;
}

int
schema_v4_models(struct store *s, char **cause)
{
	struct db_stmt *st;
	size_t i;

	if (store_exec(s, schema_models_ddl, "creating the models table",
	    cause) == -1)
		return -1;
	if ((st = store_stmt(s, models_default, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, clock_wall());
	s->tx_writes++;
	if (store_stmt_done(s, st, "naming the stored stream \""
	    MODEL_DEFAULT "\"", cause) == -1)
		return -1;
	if (store_exec(s, models_add_columns, "giving rows their model",
	    cause) == -1)
		return -1;
	for (i = 0; i < sizeof models_rekeyed / sizeof models_rekeyed[0];
	    i++) {
		if (models_rekey(s, &models_rekeyed[i], cause) == -1)
			return -1;
	}
	return 0;
}

int
schema_models_views(sqlite3 *db, bool on)
{
	char *sql;
	size_t i;
	int rc;

	for (i = 0; i < sizeof models_views / sizeof models_views[0]; i++) {
		if (on)
			sql = xasprintf("CREATE TEMP VIEW IF NOT EXISTS %s AS"
			    " SELECT %s AS model_id, * FROM main.%s",
			    models_views[i].table, models_views[i].model,
			    models_views[i].table);
		else
			sql = xasprintf("DROP VIEW IF EXISTS temp.%s",
			    models_views[i].table);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (on)
		return sqlite3_exec(db, "CREATE TEMP VIEW IF NOT EXISTS models"
		    " AS SELECT 1 AS model_id, '" MODEL_DEFAULT "' AS name,"
		    " NULL AS created_at WHERE EXISTS (SELECT 1 FROM"
		    " main.batches) OR EXISTS (SELECT 1 FROM main.meta WHERE"
		    " key <> 'schema_version')", NULL, NULL, NULL);
	return sqlite3_exec(db, "DROP VIEW IF EXISTS temp.models", NULL, NULL,
	    NULL);
}

int
schema_models_views_store(struct store *s, char **cause)
{
	if (schema_models_views(s->db, true) != SQLITE_OK) {
		*cause = store_error_msg(s, sqlite3_errmsg(s->db), "reading a "
		    "file from before models as one model");
		return -1;
	}
	return 0;
}
