/*
 * A new store's schema, made directly at STORE_SCHEMA_VERSION.
 *
 * A file with no table yet does not replay the migrations from version
 * 1: each ALTER TABLE ADD COLUMN and each table rebuilt with its model
 * key (schema-models.c) rewrites and re-parses the whole schema, 47
 * million instructions on an empty file, more than the first 2,500
 * batches' rows cost to parse (docs/BENCHMARKS.md section 5). Instead
 * every table is created as the migrations leave it, its text to the
 * letter what SQLite stores after them (the quoted names of the rebuilt
 * tables, the added columns at the end in the order they were added),
 * so that a new store and a migrated one are the same file to every
 * reader and to the next migration. tests/db/schema-fresh.sh holds the
 * two to that: a migration that changes the schema changes this text
 * too, and what the tables below leave out is created by the same
 * statements the migrations run (schema_create).
 *
 * The comments name the version that added a column or an index.
 */
#include "db/store-internal.h"

static const char fresh_tables[] =
    "CREATE TABLE predictions ( id INTEGER PRIMARY KEY,"
    " batch_id INTEGER NOT NULL, row_in_batch INTEGER NOT NULL,"
    " features TEXT NOT NULL, predicted_class INTEGER NOT NULL,"
    " confidence REAL NOT NULL, scores TEXT NOT NULL,"
    " true_class INTEGER, logged_at REAL NOT NULL, labeled_at REAL,"
    " event_id, event_ts INTEGER, src_line INTEGER,"	/* 3 */
    " model_id INTEGER NOT NULL DEFAULT 1);"		/* 4 */
    "CREATE UNIQUE INDEX predictions_batch_model_row"	/* 6 */
    " ON predictions(batch_id, model_id, row_in_batch);"
    "CREATE UNIQUE INDEX predictions_event_id_model"	/* 5 */
    " ON predictions(event_id, model_id) WHERE event_id IS NOT NULL;"

    "CREATE TABLE monitor_reports ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL,"
    " report_type TEXT NOT NULL, payload TEXT NOT NULL,"
    " created_at REAL NOT NULL, model_id INTEGER NOT NULL DEFAULT 1);"
    "CREATE UNIQUE INDEX monitor_reports_model_batch_type"	/* 4 */
    " ON monitor_reports(model_id, batch_id, report_type);"
    "CREATE INDEX monitor_reports_batch"			/* 5 */
    " ON monitor_reports(batch_id);"

    "CREATE TABLE alerts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, batch_id INTEGER NOT NULL,"
    " severity TEXT NOT NULL, channel TEXT NOT NULL,"
    " message TEXT NOT NULL, sent_at REAL NOT NULL,"
    " delivered INTEGER NOT NULL DEFAULT 0, condition_key TEXT,"
    " kind TEXT, status TEXT, attempts INTEGER DEFAULT 0,"
    " last_error TEXT, next_attempt_at REAL, delivered_at REAL,"
    " model_id INTEGER NOT NULL DEFAULT 1);"		/* 4 */
    "CREATE INDEX alerts_batch ON alerts(batch_id);"	/* 5 */

    "CREATE TABLE rejected ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,"
    " line INTEGER NOT NULL, reason TEXT NOT NULL, text TEXT NOT NULL,"
    " truncated INTEGER NOT NULL DEFAULT 0, at REAL NOT NULL,"
    " model_id INTEGER NOT NULL DEFAULT 1);"		/* 4 */

    /* Rebuilt with the key (model_id, ...) in version 4. */
    "CREATE TABLE \"batches\" (model_id INTEGER NOT NULL,"
    " \"batch_id\" INTEGER NOT NULL,"
    " \"n_rows\" INTEGER NOT NULL DEFAULT 0,"
    " \"n_labelled\" INTEGER NOT NULL DEFAULT 0,"
    " \"opened_at\" REAL NOT NULL, \"closed_at\" REAL,"
    " \"labelled_at\" REAL,"
    " \"max_psi\" REAL, \"min_ks_p\" REAL,"				/* 2 */
    " \"label_shift_drift\" INTEGER, \"confidence_drift\" INTEGER,"
    " \"any_decay\" INTEGER, \"ddm_drift\" INTEGER, \"adwin_drift\" INTEGER,"
    " \"psi_verdict\" INTEGER, \"ks_drift\" INTEGER,"			/* 3 */
    " \"psi_warning\" REAL, \"psi_critical\" REAL,"
    " \"accuracy\" REAL, \"acc_delta\" REAL,"			/* 4 */
    " \"pruned_at\" REAL,"						/* 3 */
    " PRIMARY KEY (model_id, \"batch_id\"));"
    SCHEMA_LEDGER_INDEXES

    "CREATE TABLE \"reference\" (model_id INTEGER NOT NULL,"
    " \"row\" INTEGER NOT NULL, \"features\" TEXT NOT NULL,"
    " \"predicted_class\" INTEGER NOT NULL,"
    " \"confidence\" REAL NOT NULL, \"scores\" TEXT NOT NULL,"
    " \"true_class\" INTEGER, PRIMARY KEY (model_id, \"row\"));"

    "CREATE TABLE \"detector_state\" (model_id INTEGER NOT NULL,"
    " \"name\" TEXT NOT NULL, \"last_batch\" INTEGER, \"state\" TEXT,"
    " \"updated_at\" REAL, PRIMARY KEY (model_id, \"name\"));"

    "CREATE TABLE \"alert_conditions\" (model_id INTEGER NOT NULL,"
    " \"condition_key\" TEXT NOT NULL, \"rule\" TEXT, \"severity\" TEXT,"
    " \"features\" TEXT, \"open\" INTEGER, \"first_batch\" INTEGER,"
    " \"last_fired_batch\" INTEGER, \"last_seen_batch\" INTEGER,"
    " \"clear_streak\" INTEGER DEFAULT 0, \"last_notified_at\" REAL,"
    " \"opened_at\" REAL, \"resolved_at\" REAL,"
    " PRIMARY KEY (model_id, \"condition_key\"));"

    /* Version 3: ids, held labels and input positions. */
    "CREATE TABLE \"pending_labels\" (model_id INTEGER NOT NULL,"
    " \"event_id\"  NOT NULL, \"true_class\" INTEGER NOT NULL,"
    " \"received_at\" REAL NOT NULL,"
    " PRIMARY KEY (model_id, \"event_id\"));"
    "CREATE INDEX pending_labels_received"
    " ON pending_labels(model_id, received_at);"

    "CREATE TABLE \"input_positions\" (model_id INTEGER NOT NULL,"
    " \"source\" TEXT NOT NULL, \"dev\" INTEGER, \"ino\" INTEGER,"
    " \"offset\" INTEGER, \"line\" INTEGER, \"hash\" INTEGER,"
    " \"next_row\" INTEGER, \"frontier\" INTEGER, \"max_ts\" INTEGER,"
    " \"updated_at\" REAL NOT NULL, PRIMARY KEY (model_id, \"source\"));"

    "CREATE TABLE \"meta\" (model_id INTEGER NOT NULL,"
    " \"key\" TEXT NOT NULL, \"value\" TEXT,"
    " PRIMARY KEY (model_id, \"key\"));"

    /* Version 5: sqlite_stat1, without reading any table. */
    "ANALYZE sqlite_schema";

/*
 * Version 4: the acks and silences asked from the console (alert-mute.c),
 * unchanged since: the version 4 step makes it with this text too
 * (schema.c).
 */
const char schema_mutes_ddl[] =
    "CREATE TABLE IF NOT EXISTS alert_mutes ("
    " id INTEGER PRIMARY KEY,"
    " model TEXT NOT NULL DEFAULT 'default',"
    " kind TEXT NOT NULL CHECK (kind IN ('ack', 'silence')),"
    " scope TEXT NOT NULL CHECK (scope IN ('condition', 'rule', 'model')),"
    " target TEXT NOT NULL,"		/* condition key, rule or model */
    " opened_at REAL,"			/* ack: the opening acknowledged */
    " until REAL,"			/* silence: its end */
    " created_by TEXT NOT NULL,"
    " created_at REAL NOT NULL,"
    " removed_by TEXT,"			/* NULL: live */
    " removed_at REAL"
    ");"
    "CREATE INDEX IF NOT EXISTS alert_mutes_live ON alert_mutes(model)"
    " WHERE removed_at IS NULL";

int
schema_file_empty(struct store *s, char **cause)
{
	struct db_stmt *st;
	int rc;

	st = db_prepare(s->conn, "SELECT 1 FROM sqlite_schema LIMIT 1", 0);
	if (st == NULL) {
		*cause = store_db_error(s, "reading the schema");
		return -1;
	}
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE) {
		*cause = store_db_error(s, "reading the schema");
		return -1;
	}
	return rc == DB_DONE;
}

int
schema_create(struct store *s, char **cause)
{
	static const struct {
		const char	*sql;
		const char	*what;
	} steps[] = {
		{ fresh_tables, "creating the tables" },
		{ schema_mutes_ddl, "creating the acks and silences table" },
		{ schema_models_ddl, "creating the models table" },
		{ schema_fleet_ddl, "creating the fleet's summary" },
	};
	size_t i;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		if (store_exec(s, steps[i].sql, steps[i].what, cause) == -1)
			return -1;
	}
	return 0;
}
