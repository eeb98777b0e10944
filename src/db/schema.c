/*
 * The DDL and its migrations. PRAGMA user_version holds the schema
 * version (also copied to meta.schema_version for humans). A new file
 * gets every table at STORE_SCHEMA_VERSION directly (schema-fresh.c);
 * a migration that changes the schema changes that file's tables too
 * (tests/db/schema-fresh.sh holds them equal). A file made by the seed
 * article's Python code (user_version 0, its three tables present) is
 * upgraded in place: the missing tables and alert columns are added, the
 * UNIQUE indexes created and the batch ledger rebuilt from predictions.
 * docs/SCHEMA.md describes every table and column.
 *
 * Version 2 adds the report summary columns of the batch ledger (max_psi,
 * min_ks_p and the detector flags): what the console aggregates, kept per
 * batch so that it never decodes the history of reports. Version 3 adds
 * the stored PSI and KS verdicts (psi_verdict, ks_drift). New reports
 * fill them from the report structs (store-report.c); the SQL below over
 * monitor_reports defines them for older files: the migration runs it
 * once, and the console a read-only form on a file older than version 3.
 * Version 4 adds the acks and silences asked from the console
 * (alert_mutes, db/alert-mute.c).
 * Version 4 also adds models (schema-models.c): the models table and
 * model_id in every per-stream table, and the fleet's summary
 * (schema-fleet.c). Version 5 is a list of steps (schema_v5_steps),
 * the first of which indexes the seed's readers again. Version 6
 * (schema_v6_steps) leads the rows' unique key with batch_id. Version 7
 * (schema_v7_steps) drops the ledger's indexes nobody seeks and has the
 * writer keep model_status where triggers on the ledger did.
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/strbuf.h"
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
 * missing. Checked on every read-write open of an existing file, so adding
 * a row here needs no version bump (a new column must have a constant
 * default or allow NULL); a new file's tables (schema-fresh.c) get it too.
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
    "CREATE INDEX IF NOT EXISTS alerts_model_status_next"
    " ON alerts(model_id, status, next_attempt_at);"
    "CREATE INDEX IF NOT EXISTS alerts_model_batch"
    " ON alerts(model_id, batch_id);"
    /* The console's per-model seeks: a model's newest report. */
    /* A model's alerts newest first (rowid order within model_id). */
    "CREATE INDEX IF NOT EXISTS alerts_model ON alerts(model_id);"
    "CREATE INDEX IF NOT EXISTS monitor_reports_model_created"
    " ON monitor_reports(model_id, created_at);"
    "CREATE INDEX IF NOT EXISTS rejected_at ON rejected(at);";

/*
 * ---- Version 2: report summaries in the batch ledger ----
 *
 * Each expression reads the column `payload` of one monitor_reports row
 * (valid JSON: the rows are filtered with json_valid first). Numbers:
 * the largest / smallest finite-or-infinite value of a per-feature map
 * (NaN is stored as null and skipped), NULL when there is none. Flags:
 * 1 when the key is true or a non-zero number, else 0.
 */
#define SUMMARY_MAX(key)						\
	"(SELECT max(value) FROM json_each(payload, '$." key "')"	\
	" WHERE type IN ('integer', 'real'))"
#define SUMMARY_MIN(key)						\
	"(SELECT min(value) FROM json_each(payload, '$." key "')"	\
	" WHERE type IN ('integer', 'real'))"
#define SUMMARY_FLAG(key)						\
	"(CASE json_type(payload, '$." key "') WHEN 'true' THEN 1"	\
	" WHEN 'integer' THEN json_extract(payload, '$." key "') <> 0"	\
	" WHEN 'real' THEN json_extract(payload, '$." key "') <> 0"	\
	" ELSE 0 END)"
/* The stored report of type t of the batch being updated (migration). */
#define SUMMARY_FROM(t)							\
	" FROM monitor_reports WHERE monitor_reports.batch_id ="	\
	" batches.batch_id AND report_type = '" t "'"			\
	" AND json_valid(payload)"

/* "columns = (SELECT expressions", to finish with a FROM and ")". */
#define SUMMARY_FEATURE							\
	"(max_psi, min_ks_p) = (SELECT " SUMMARY_MAX("psi_values") ", "	\
	SUMMARY_MIN("ks_p_values")
#define SUMMARY_PREDICTION						\
	"(label_shift_drift, confidence_drift) = (SELECT "		\
	SUMMARY_FLAG("label_shift_drift") ", "				\
	SUMMARY_FLAG("confidence_drift")
#define SUMMARY_PERFORMANCE						\
	"any_decay = (SELECT " SUMMARY_FLAG("any_decay")
#define SUMMARY_DETECTORS						\
	"(ddm_drift, adwin_drift) = (SELECT " SUMMARY_FLAG("ddm_drift")	\
	", " SUMMARY_FLAG("adwin_drift")
#define SUMMARY_ALL(set, t)						\
	"UPDATE batches SET " set SUMMARY_FROM(t) ")"

/* The columns, NULL while the batch has no (valid) report of the type. */
static const struct schema_column schema_summary_columns[] = {
	{ "batches", "max_psi", "REAL" },	/* feature: max PSI */
	{ "batches", "min_ks_p", "REAL" },	/* feature: min KS p */
	{ "batches", "label_shift_drift", "INTEGER" },	/* prediction */
	{ "batches", "confidence_drift", "INTEGER" },	/* prediction */
	{ "batches", "any_decay", "INTEGER" },		/* performance */
	{ "batches", "ddm_drift", "INTEGER" },		/* detectors */
	{ "batches", "adwin_drift", "INTEGER" },	/* detectors */
};

/*
 * What the console asks of them, each answered from an index: the first
 * batch a flag is 1 (partial indexes: only the batches where the detector
 * fired). Versions 2 to 6 also indexed max_psi and min_ks_p, which no
 * statement seeks (the console's counts are one pass over the model's
 * ledger rows, query-ledger.c); version 7 drops them.
 */
static const char schema_summary_indexes[] =
    "CREATE INDEX IF NOT EXISTS batches_label_shift_drift"
    " ON batches(label_shift_drift) WHERE label_shift_drift = 1;"
    "CREATE INDEX IF NOT EXISTS batches_confidence_drift"
    " ON batches(confidence_drift) WHERE confidence_drift = 1;"
    "CREATE INDEX IF NOT EXISTS batches_any_decay"
    " ON batches(any_decay) WHERE any_decay = 1;"
    "CREATE INDEX IF NOT EXISTS batches_ddm_drift"
    " ON batches(ddm_drift) WHERE ddm_drift = 1;"
    "CREATE INDEX IF NOT EXISTS batches_adwin_drift"
    " ON batches(adwin_drift) WHERE adwin_drift = 1;";

/* Version 1 -> 2: every batch's summary from its stored report. */
static const char *const schema_v2_fill[] = {
	SUMMARY_ALL(SUMMARY_FEATURE, "feature"),
	SUMMARY_ALL(SUMMARY_PREDICTION, "prediction"),
	SUMMARY_ALL(SUMMARY_PERFORMANCE, "performance"),
	SUMMARY_ALL(SUMMARY_DETECTORS, "detectors"),
};

/*
 * ---- Version 3: the stored verdicts in the batch ledger ----
 *
 * psi_verdict is the worst PSI verdict of the batch's features (0 none,
 * 1 investigate, 2 drift), ks_drift whether KS drifted on any,
 * psi_warning and psi_critical the batch's PSI thresholds (NULL when its
 * features had different ones). A report written before version 3 has
 * the drift verdicts (its drifted_features_* lists) but no investigate
 * verdict and no thresholds: they are then the monitors' defaults (?1
 * warning, ?2 critical, bound from monitor_config_defaults), the levels
 * the previous console showed.
 */
#define SUMMARY_PSI_VERDICT						\
	"CASE WHEN json_array_length(payload,"				\
	" '$.drifted_features_psi') > 0 THEN 2"				\
	" WHEN " SUMMARY_MAX("psi_values") " >= ?1 THEN 1 ELSE 0 END"
#define SUMMARY_KS_DRIFT						\
	"coalesce(json_array_length(payload,"				\
	" '$.drifted_features_ks') > 0, 0)"

static const struct schema_column schema_verdict_columns[] = {
	{ "batches", "psi_verdict", "INTEGER" },	/* feature: 0, 1, 2 */
	{ "batches", "ks_drift", "INTEGER" },		/* feature */
	{ "batches", "psi_warning", "REAL" },		/* feature */
	{ "batches", "psi_critical", "REAL" },		/* feature */
};

/* Version 4: the performance numbers (schema_v4_ledger below). */
static const struct schema_column schema_perf_columns[] = {
	{ "batches", "accuracy", "REAL" },		/* performance */
	{ "batches", "acc_delta", "REAL" },		/* performance */
};

static const char schema_verdict_fill[] =
    "UPDATE batches SET (psi_verdict, ks_drift, psi_warning, psi_critical)"
    " = (SELECT " SUMMARY_PSI_VERDICT ", " SUMMARY_KS_DRIFT ", ?1, ?2"
    SUMMARY_FROM("feature") ")";

static const char schema_verdict_indexes[] =
    "CREATE INDEX IF NOT EXISTS batches_psi_verdict"
    " ON batches(psi_verdict) WHERE psi_verdict > 0;"
    "CREATE INDEX IF NOT EXISTS batches_ks_drift"
    " ON batches(ks_drift) WHERE ks_drift = 1;";

/*
 * The ledger with its summary columns computed from the reports, for a
 * reader of a file older than version 3 (the console opens read-only and
 * never migrates); ?1 as in SUMMARY_PSI_VERDICT.
 */
const char schema_summary_select[] =
    "SELECT batch_id, n_rows, n_labelled, opened_at, closed_at,"
    " labelled_at,"
    " (SELECT " SUMMARY_MAX("psi_values") SUMMARY_FROM("feature")
    ") AS max_psi,"
    " (SELECT " SUMMARY_MIN("ks_p_values") SUMMARY_FROM("feature")
    ") AS min_ks_p,"
    " (SELECT " SUMMARY_FLAG("label_shift_drift")
    SUMMARY_FROM("prediction") ") AS label_shift_drift,"
    " (SELECT " SUMMARY_FLAG("confidence_drift")
    SUMMARY_FROM("prediction") ") AS confidence_drift,"
    " (SELECT " SUMMARY_FLAG("any_decay") SUMMARY_FROM("performance")
    ") AS any_decay,"
    " (SELECT " SUMMARY_FLAG("ddm_drift") SUMMARY_FROM("detectors")
    ") AS ddm_drift,"
    " (SELECT " SUMMARY_FLAG("adwin_drift") SUMMARY_FROM("detectors")
    ") AS adwin_drift,"
    " (SELECT " SUMMARY_PSI_VERDICT SUMMARY_FROM("feature")
    ") AS psi_verdict,"
    " (SELECT " SUMMARY_KS_DRIFT SUMMARY_FROM("feature") ") AS ks_drift,"
    " (SELECT ?1" SUMMARY_FROM("feature") ") AS psi_warning,"
    " (SELECT ?2" SUMMARY_FROM("feature") ") AS psi_critical"
    " FROM batches";

/* 1 if table exists, 0 if not, -1 error. */
static int
schema_has_table(struct store *s, const char *table, char **cause)
{
	int found;

	if ((found = db_table_exists(s->conn, table)) == -1)
		*cause = store_db_error(s, "reading the schema");
	return found;
}

/* 1 if table has column, 0 if not, -1 error. */
static int
schema_has_column(struct store *s, const char *table, const char *column,
    char **cause)
{
	int found;

	if ((found = db_column_exists(s->conn, table, column)) == -1)
		*cause = store_db_error(s, "reading the schema");
	return found;
}

static int
schema_add_columns(struct store *s, const struct schema_column *cols,
    size_t n, char **cause)
{
	const struct schema_column *c;
	size_t i;
	char *sql;
	int has;

	for (i = 0; i < n; i++) {
		c = &cols[i];
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

/* Version 1 -> 2: add the summary columns and fill them from the reports. */
static int
schema_v2(struct store *s, char **cause)
{
	size_t i;

	if (schema_add_columns(s, schema_summary_columns,
	    sizeof schema_summary_columns / sizeof schema_summary_columns[0],
	    cause) == -1)
		return -1;
	for (i = 0; i < sizeof schema_v2_fill / sizeof schema_v2_fill[0];
	    i++) {
		if (store_exec(s, schema_v2_fill[i], "filling the batch "
		    "summaries from the stored reports", cause) == -1)
			return -1;
	}
	return store_exec(s, schema_summary_indexes, "indexing the batch "
	    "summaries", cause);
}

/* Version 2 -> 3, retention: when a batch's raw rows were pruned
 * (store-prune.c), and the index that finds the next batch due. */
static const struct schema_column schema_v3_retention_columns[] = {
	{ "batches", "pruned_at", "REAL" },	/* NULL: rows kept */
};

static int
schema_v3_retention(struct store *s, char **cause)
{
	if (schema_add_columns(s, schema_v3_retention_columns,
	    sizeof schema_v3_retention_columns /
	    sizeof schema_v3_retention_columns[0], cause) == -1)
		return -1;
	return store_exec(s, "CREATE INDEX IF NOT EXISTS batches_unpruned"
	    " ON batches(closed_at) WHERE pruned_at IS NULL", "indexing the "
	    "batches whose rows are kept", cause);
}

/*
 * A version this mlmon must not touch: newer than it (a later release
 * made the file; migrating down or reading it as ours would lose data)
 * or negative (never written by mlmon). Sets *cause. Both backends.
 */
bool
schema_version_refused(const struct store *s, int version, char **cause)
{
	if (version > STORE_SCHEMA_VERSION) {
		*cause = xasprintf("%s was made by a newer mlmon (schema %d); "
		    "this mlmon reads schema %d at most", s->path, version,
		    STORE_SCHEMA_VERSION);
		return true;
	}
	if (version < 0) {
		*cause = xasprintf("%s has schema version %d: not an mlmon "
		    "store", s->path, version);
		return true;
	}
	return false;
}

/*
 * The batch ledger's columns of version 1 (the later ones are added by
 * their migrations). A file without the table gets every column of this
 * version in its CREATE: each ALTER TABLE ADD COLUMN rewrites and
 * re-parses the whole schema (about 0.3 M instructions a column).
 */
static const char schema_batches_v1[] =
    "CREATE TABLE IF NOT EXISTS batches ("
    " batch_id INTEGER PRIMARY KEY,"
    " n_rows INTEGER NOT NULL DEFAULT 0,"
    " n_labelled INTEGER NOT NULL DEFAULT 0,"
    " opened_at REAL NOT NULL,"
    " closed_at REAL,"
    " labelled_at REAL";

static int
schema_create_batches(struct store *s, char **cause)
{
	const struct schema_column *later[] = { schema_summary_columns,
	    schema_verdict_columns, schema_perf_columns };
	const size_t n_later[] = { sizeof schema_summary_columns /
	    sizeof schema_summary_columns[0], sizeof schema_verdict_columns /
	    sizeof schema_verdict_columns[0], sizeof schema_perf_columns /
	    sizeof schema_perf_columns[0] };
	struct strbuf b = STRBUF_INIT;
	size_t i, k;
	char *sql;
	int rc;

	strbuf_add(&b, schema_batches_v1, strlen(schema_batches_v1));
	for (k = 0; k < sizeof later / sizeof later[0]; k++) {
		for (i = 0; i < n_later[k]; i++) {
			sql = xasprintf(", %s %s", later[k][i].column,
			    later[k][i].decl);
			strbuf_add(&b, sql, strlen(sql));
			free(sql);
		}
	}
	strbuf_add(&b, ")", 1);
	sql = strbuf_take(&b);
	rc = store_exec(s, sql, "creating the batch ledger", cause);
	free(sql);
	return rc;
}

/*
 * ---- Version 4: the performance numbers in the batch ledger ----
 *
 * accuracy and acc_delta of the batch's performance report (NULL until
 * it has one, or when NaN), for the fleet's summary (schema-fleet.c).
 * New reports fill them from the report struct (store-report.c); the
 * migration from the stored payloads.
 */
static const char schema_perf_fill[] =
    "UPDATE batches SET (accuracy, acc_delta) = (SELECT"
    " json_extract(payload, '$.accuracy'),"
    " json_extract(payload, '$.acc_delta')" SUMMARY_FROM("performance")
    ")";

static int
schema_v4_ledger(struct store *s, char **cause)
{
	if (schema_add_columns(s, schema_perf_columns,
	    sizeof schema_perf_columns / sizeof schema_perf_columns[0],
	    cause) == -1)
		return -1;
	s->tx_writes++;
	return store_exec(s, schema_perf_fill, "filling the batch accuracy "
	    "from the stored reports", cause);
}

static int
schema_v3_verdicts(struct store *s, char **cause)
{
	struct monitor_config c;
	struct db_stmt *st;

	if (schema_add_columns(s, schema_verdict_columns,
	    sizeof schema_verdict_columns / sizeof schema_verdict_columns[0],
	    cause) == -1)
		return -1;
	if ((st = store_stmt(s, schema_verdict_fill, cause)) == NULL)
		return -1;
	monitor_config_defaults(&c);
	db_bind_double(st, 1, c.psi_warning);
	db_bind_double(st, 2, c.psi_critical);
	s->tx_writes++;
	if (store_stmt_done(s, st, "filling the batch verdicts from the "
	    "stored reports", cause) == -1)
		return -1;
	return store_exec(s, schema_verdict_indexes, "indexing the batch "
	    "verdicts", cause);
}

/*
 * ---- Version 5: the seed's readers by batch_id alone ----
 *
 * The seed's readers select a batch without a model (SELECT ... FROM
 * predictions WHERE batch_id = ?, and so on monitor_reports and alerts),
 * which version 4's indexes, all leading with model_id, answer with a
 * scan of the table. monitor_reports and alerts (a row per report or
 * alert decision) get an index on batch_id. predictions (a row per
 * prediction) does not: a second index there costs every insert (10% of
 * ingest's instructions per row, docs/BENCHMARKS.md). Instead
 * sqlite_stat1 tells the planner that predictions_model_batch_row's
 * model_id has few values, and SQLite answers batch_id = ? by a
 * skip-scan of that index, one seek per model. The numbers are set, not
 * counted (ANALYZE would read every row, and its counts would go stale
 * as the store grows): a million rows a model, a thousand a batch. An
 * ANALYZE by hand replaces them with real counts and keeps the plan
 * while the models average 18 rows or more (SQLite's skip-scan rule).
 */
static const char schema_v5_seed_readers[] =
    "CREATE INDEX IF NOT EXISTS monitor_reports_batch"
    " ON monitor_reports(batch_id);"
    "CREATE INDEX IF NOT EXISTS alerts_batch ON alerts(batch_id);"
    /* Creates sqlite_stat1 (if missing) without reading any table. */
    "ANALYZE sqlite_schema;"
    "DELETE FROM sqlite_stat1 WHERE tbl = 'predictions'"
    " AND idx = 'predictions_model_batch_row';"
    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('predictions',"
    " 'predictions_model_batch_row', '1000000 1000000 1000 1')";

/*
 * ---- Version 6: the rows' unique key led by batch_id ----
 *
 * predictions_model_batch_row (model_id, batch_id, row_in_batch) becomes
 * predictions_batch_model_row (batch_id, model_id, row_in_batch): the
 * same uniqueness, but an insert's seek compares batch_id first, which
 * differs between batches, where model_id led and tied in every
 * comparison (SQLite then takes its general record compare for every
 * field; docs/BENCHMARKS.md sections 5 and 6). model_id stays second so
 * that a model's batch is one range of the key: with (batch_id,
 * row_in_batch, model_id), 3% cheaper to insert into, a model's batch
 * read walked the rows of every model with that batch id (+40,500
 * instructions a row for the 50th model of a store). The seed's readers
 * (batch_id = ? without a model) seek it directly: the version 5
 * statistics row that made SQLite skip-scan the old key goes with it
 * (DROP INDEX removes an index's sqlite_stat1 rows).
 */
static const char schema_v6_rows_key[] =
    "DROP INDEX IF EXISTS predictions_model_batch_row;"
    "CREATE UNIQUE INDEX IF NOT EXISTS predictions_batch_model_row"
    " ON predictions(batch_id, model_id, row_in_batch)";

/*
 * ---- Version 7: the batch ledger's cost ----
 *
 * Indexes on batches that no statement seeks, each written at a batch's
 * opening and again at its close (docs/BENCHMARKS.md section 5: 313
 * instructions per row of ingest for the three): max_psi and min_ks_p
 * (version 2; the console counts them in its one pass over the model's
 * ledger rows) and batches_model_counts (version 4: its totals, read from
 * the index alone until the pass read the verdicts' columns too, version
 * 3 on). The fleet's triggers on the ledger go too (schema_v7_fleet).
 */
static const char schema_v7_indexes[] =
    "DROP INDEX IF EXISTS batches_max_psi;"
    "DROP INDEX IF EXISTS batches_min_ks_p;"
    "DROP INDEX IF EXISTS batches_model_counts";

/*
 * A migration is a list of steps, one per change, all in the migration's
 * one transaction; each must be safe on any file of the version before.
 * Append new steps to the list of the version being written, and give a
 * new file's tables (schema-fresh.c) what the step leaves. A step is a
 * function, or SQL text run as it stands (what: for its error).
 */
struct schema_step {
	int		(*run)(struct store *, char **);
	const char	*sql;		/* when run is NULL */
	const char	*what;
};

/* Version 2 -> 3. */
static const struct schema_step schema_v3_steps[] = {
	{ .run = schema_v3_verdicts },
	{ .run = store_event_schema },		/* ids, held labels, positions */
	{ .run = schema_v3_retention },
};

/* Run the steps of one migration, in order. */
static int
schema_steps(struct store *s, const struct schema_step *steps, size_t n,
    char **cause)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((steps[i].run != NULL ? steps[i].run(s, cause) :
		    store_exec(s, steps[i].sql, steps[i].what, cause)) == -1)
			return -1;
	}
	return 0;
}

/*
 * Version 3 -> 4, one step per change, all in the migration's one
 * transaction; each must be safe on any version 3 file (and runs after
 * the 2 -> 3 steps on an older one). Append new steps.
 */
static const struct schema_step schema_v4_steps[] = {
	{ .sql = schema_mutes_ddl,	/* acks and silences (schema-fresh.c) */
	    .what = "creating the acks and silences table" },
	{ .run = schema_v4_models },		/* models (schema-models.c) */
	{ .run = schema_v4_ledger },		/* accuracy in the ledger */
	{ .run = schema_v4_fleet },		/* model_status (schema-fleet.c) */
};

/*
 * Version 4 -> 5, one step per change, all in the migration's one
 * transaction; each must be safe on any version 4 file (and runs after
 * the earlier steps on an older one). Append new steps.
 */
static const struct schema_step schema_v5_steps[] = {
	{ .sql = schema_v5_seed_readers,	/* batch_id = ? without a model */
	    .what = "indexing the seed's readers" },
	{ .run = store_event_schema_v5 },	/* the event id leads its index */
};

/*
 * Version 5 -> 6, one step per change, all in the migration's one
 * transaction; each must be safe on any version 5 file (and runs after
 * the earlier steps on an older one). Append new steps.
 */
static const struct schema_step schema_v6_steps[] = {
	{ .sql = schema_v6_rows_key,	/* batch_id leads the rows' key */
	    .what = "rebuilding the unique key of predictions" },
};

/*
 * Version 6 -> 7, one step per change, all in the migration's one
 * transaction; each must be safe on any version 6 file (and runs after
 * the earlier steps on an older one). Append new steps.
 */
static const struct schema_step schema_v7_steps[] = {
	{ .sql = schema_v7_indexes,	/* indexes nobody seeks */
	    .what = "dropping the ledger's unread indexes" },
	{ .run = schema_v7_fleet },	/* model_status by the writer */
};

/* Run the steps of each version after version, in order. */
static int
schema_upgrade(struct store *s, int version, char **cause)
{
	int seed;

	if (version < 1) {
		seed = schema_has_table(s, "predictions", cause);
		if (seed == -1)
			return -1;
		if (store_exec(s, schema_v1, "creating the schema",
		    cause) == -1 || schema_create_batches(s, cause) == -1)
			return -1;
		if (seed && store_exec(s, schema_seed_ledger,
		    "rebuilding the batch ledger of a seed database",
		    cause) == -1)
			return -1;
	}
	if (schema_add_columns(s, schema_columns,
	    sizeof schema_columns / sizeof schema_columns[0], cause) == -1)
		return -1;
	if (version < 2 && schema_v2(s, cause) == -1)
		return -1;
	if (version < 3 && schema_steps(s, schema_v3_steps,
	    sizeof schema_v3_steps / sizeof schema_v3_steps[0], cause) == -1)
		return -1;
	if (version < 4 && schema_steps(s, schema_v4_steps,
	    sizeof schema_v4_steps / sizeof schema_v4_steps[0], cause) == -1)
		return -1;
	if (version < 5 && schema_steps(s, schema_v5_steps,
	    sizeof schema_v5_steps / sizeof schema_v5_steps[0], cause) == -1)
		return -1;
	if (version < 6 && schema_steps(s, schema_v6_steps,
	    sizeof schema_v6_steps / sizeof schema_v6_steps[0], cause) == -1)
		return -1;
	if (version < 7 && schema_steps(s, schema_v7_steps,
	    sizeof schema_v7_steps / sizeof schema_v7_steps[0], cause) == -1)
		return -1;
	return 0;
}

/*
 * A file with no schema object yet gets this version's tables directly
 * (schema-fresh.c); any other file older than this version is upgraded
 * step by step. Both then get what every read-write open checks.
 */
int
schema_migrate(struct store *s, char **cause)
{
	int version, fresh = 0;
	char buf[32];

	if (store_write_begin(s, cause) == -1)
		return -1;
	if (store_schema_read(s, &version, cause) == -1)
		return -1;
	if (schema_version_refused(s, version, cause))
		return -1;
	if (version < 1 && (fresh = schema_file_empty(s, cause)) == -1)
		return -1;
	if ((fresh ? schema_create(s, cause) :
	    schema_upgrade(s, version, cause)) == -1)
		return -1;
	if (store_exec(s, schema_indexes, "creating indexes", cause) == -1)
		return -1;
	if (schema_fleet_triggers(s, cause) == -1)
		return -1;
	if (version < STORE_SCHEMA_VERSION) {
		snprintf(buf, sizeof buf, "PRAGMA user_version = %d",
		    STORE_SCHEMA_VERSION);
		if (store_exec(s, buf, "setting the schema version",
		    cause) == -1)
			return -1;
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

	if (store_schema_read(s, &version, cause) == -1)
		return -1;
	if (version < 1) {
		*cause = xasprintf("%s is not an mlmon database (no schema "
		    "yet: run mlmon-ingest on it first)", s->path);
		return -1;
	}
	if (schema_version_refused(s, version, cause))
		return -1;
	if (version < 4)
		return schema_models_views_store(s, cause);
	return 0;
}
