/*
 * The fleet's summary (schema 4): one row per model in model_status,
 * what the console's Fleet tab shows of it, kept in the transaction of
 * every write that changes it, so that a frame of the fleet reads one
 * small table however many models and batches the store holds
 * (docs/SCHEMA.md, model_status). Since schema 7 the writer's own
 * statements keep what the ledger's opening, closing and summary move
 * (store-status.c, the same expressions as here); triggers keep the rest:
 * labels landing on a batch, the alert conditions, the pages.
 *
 * Every value is what is stored elsewhere, never re-decided:
 *
 * - latest_batch, last_write: the newest batch id and the newest
 *   opened/closed/labelled time of its ledger rows;
 * - rows, labelled: sums of n_rows and n_labelled over its closed
 *   batches (an open batch counts no row yet);
 * - rate_rows, rate_span: rows of its last RATE_BATCHES closed batches
 *   and the seconds from the first's opening to the last's closing;
 * - drift_batch, drift: its newest batch with a stored drift verdict and
 *   the worst of them: 2 (PSI drift, KS drift or label shift), 1 (PSI
 *   investigate or confidence moved), 0 none;
 * - perf_batch, accuracy, acc_delta: its newest performance report's
 *   (the ledger's copy, batches.accuracy and acc_delta);
 * - open_critical, open_warning: its open alert conditions by their
 *   stored severity; last_page: the newest alert row for a channel
 *   (a "log" row is a record, not a page).
 *
 * The triggers are created IF NOT EXISTS on every read-write open
 * (schema_fleet_triggers), so a later step that rebuilds one of their
 * tables gets them back. The same numbers computed from the tables
 * (fleet_select) fill the table when the migration creates it, and are
 * a TEMP view for a reader of a file older than version 4.
 */
#include "db/store-internal.h"

#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "core/xalloc.h"

/* Closed batches the rows per minute are taken over. */
#define RATE_BATCHES	"10"

const char schema_fleet_ddl[] =
    "CREATE TABLE IF NOT EXISTS model_status ("
    " model_id INTEGER PRIMARY KEY,"
    " latest_batch INTEGER,"
    " last_write REAL,"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " labelled INTEGER NOT NULL DEFAULT 0,"
    " rate_rows INTEGER,"
    " rate_span REAL,"
    " drift_batch INTEGER,"
    " drift INTEGER,"
    " perf_batch INTEGER,"
    " accuracy REAL,"
    " acc_delta REAL,"
    " open_critical INTEGER NOT NULL DEFAULT 0,"
    " open_warning INTEGER NOT NULL DEFAULT 0,"
    " last_page REAL"
    ")";

/* The worst drift verdict of a ledger row r (see the top). */
#define FLEET_DRIFT(r)							\
	"CASE WHEN " r ".psi_verdict = 2 OR " r ".ks_drift = 1"		\
	" OR " r ".label_shift_drift = 1 THEN 2"			\
	" WHEN " r ".psi_verdict = 1 OR " r ".confidence_drift = 1"	\
	" THEN 1 ELSE 0 END"
#define FLEET_JUDGED(r)							\
	"coalesce(" r ".psi_verdict, " r ".label_shift_drift) IS NOT NULL"
/* A ledger row's newest time. */
#define FLEET_TIME(r)							\
	"max(" r ".opened_at, coalesce(" r ".closed_at, 0),"		\
	" coalesce(" r ".labelled_at, 0))"
/* Its counts while closed (an open batch's n_rows is 0). */
#define FLEET_ROWS(r)							\
	"CASE WHEN " r ".closed_at IS NULL THEN 0 ELSE " r ".n_rows END"
#define FLEET_LABELLED(r)						\
	"CASE WHEN " r ".closed_at IS NULL THEN 0 ELSE " r ".n_labelled END"
/* The row of model X, made if missing. */
#define FLEET_ROW(x)							\
	"INSERT INTO model_status (model_id) VALUES (" x ")"		\
	" ON CONFLICT (model_id) DO NOTHING;"
#define FLEET_OPEN(x)							\
	"UPDATE model_status SET (open_critical, open_warning) ="	\
	" (SELECT count(*) FILTER (WHERE severity = 'critical'),"	\
	" count(*) FILTER (WHERE severity IS NOT 'critical')"		\
	" FROM alert_conditions WHERE model_id = " x " AND open = 1)"	\
	" WHERE model_id = " x ";"

/*
 * The writes the writer does not follow with its own statement
 * (store-status.c): labels landing on a batch (its counts change, its
 * closing time does not; a close moves closed_at and is the writer's),
 * the alert conditions and the pages.
 */
static const char fleet_triggers[] =
    "CREATE TRIGGER IF NOT EXISTS model_status_labels"
    " AFTER UPDATE OF n_rows, n_labelled, labelled_at ON batches"
    " WHEN NEW.closed_at IS OLD.closed_at BEGIN UPDATE model_status SET"
    " last_write = max(coalesce(last_write, 0), " FLEET_TIME("NEW") "),"
    " rows = rows + " FLEET_ROWS("NEW") " - " FLEET_ROWS("OLD") ","
    " labelled = labelled + " FLEET_LABELLED("NEW") " - "
    FLEET_LABELLED("OLD") " WHERE model_id = NEW.model_id;"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS model_status_condition_new"
    " AFTER INSERT ON alert_conditions BEGIN " FLEET_ROW("NEW.model_id")
    FLEET_OPEN("NEW.model_id") " END;"
    "CREATE TRIGGER IF NOT EXISTS model_status_condition"
    " AFTER UPDATE OF open, severity ON alert_conditions BEGIN "
    FLEET_OPEN("NEW.model_id") " END;"
    "CREATE TRIGGER IF NOT EXISTS model_status_condition_gone"
    " AFTER DELETE ON alert_conditions BEGIN "
    FLEET_OPEN("OLD.model_id") " END;"
    "CREATE TRIGGER IF NOT EXISTS model_status_page"
    " AFTER INSERT ON alerts WHEN NEW.channel <> 'log' BEGIN "
    FLEET_ROW("NEW.model_id") " UPDATE model_status SET"
    " last_page = max(coalesce(last_page, 0), NEW.sent_at)"
    " WHERE model_id = NEW.model_id;"
    " END;";

/*
 * Every column of model_status from the tables, one row per stored
 * model. The performance numbers come from the newest report's payload
 * (a file older than version 4 has no ledger copy of them); drift is
 * the DRIFT expression over the ledger row b (NULL on a version 2 file,
 * which stored no verdicts).
 */
#define FLEET_SELECT(drift)						\
	"SELECT m.model_id,"						\
	" (SELECT max(batch_id) FROM batches b"				\
	"  WHERE b.model_id = m.model_id) AS latest_batch,"		\
	" (SELECT max(" FLEET_TIME("b") ") FROM batches b"		\
	"  WHERE b.model_id = m.model_id) AS last_write,"		\
	" (SELECT total(" FLEET_ROWS("b") ") FROM batches b"		\
	"  WHERE b.model_id = m.model_id) AS rows,"			\
	" (SELECT total(" FLEET_LABELLED("b") ") FROM batches b"	\
	"  WHERE b.model_id = m.model_id) AS labelled,"			\
	" (SELECT total(n_rows) FROM (SELECT n_rows FROM batches b"	\
	"  WHERE b.model_id = m.model_id AND closed_at IS NOT NULL"	\
	"  ORDER BY batch_id DESC LIMIT " RATE_BATCHES ")) AS rate_rows,"	\
	" (SELECT max(closed_at) - min(opened_at) FROM (SELECT"		\
	"  opened_at, closed_at FROM batches b"				\
	"  WHERE b.model_id = m.model_id AND closed_at IS NOT NULL"	\
	"  ORDER BY batch_id DESC LIMIT " RATE_BATCHES ")) AS rate_span,"	\
	" d.batch_id AS drift_batch, " drift " AS drift,"		\
	" p.batch_id AS perf_batch,"					\
	" json_extract(p.payload, '$.accuracy') AS accuracy,"		\
	" json_extract(p.payload, '$.acc_delta') AS acc_delta,"		\
	" (SELECT count(*) FROM alert_conditions c"			\
	"  WHERE c.model_id = m.model_id AND open = 1"			\
	"  AND severity = 'critical') AS open_critical,"		\
	" (SELECT count(*) FROM alert_conditions c"			\
	"  WHERE c.model_id = m.model_id AND open = 1"			\
	"  AND severity IS NOT 'critical') AS open_warning,"		\
	" (SELECT max(sent_at) FROM alerts a"				\
	"  WHERE a.model_id = m.model_id AND channel <> 'log')"		\
	"  AS last_page"						\
	" FROM models m"						\
	" LEFT JOIN batches d ON d.model_id = m.model_id AND d.batch_id ="	\
	"  (SELECT max(batch_id) FROM batches b"			\
	"  WHERE b.model_id = m.model_id AND " FLEET_JUDGED("b") ")"	\
	" LEFT JOIN monitor_reports p ON p.id ="			\
	"  (SELECT id FROM monitor_reports r"				\
	"  WHERE r.model_id = m.model_id AND report_type = 'performance'"	\
	"  AND json_valid(payload) ORDER BY batch_id DESC LIMIT 1)"

static const char fleet_fill[] =
    "INSERT OR REPLACE INTO model_status " FLEET_SELECT(FLEET_DRIFT("d"));

int
schema_fleet_triggers(struct store *s, char **cause)
{
	return store_exec(s, fleet_triggers, "creating the fleet's triggers",
	    cause);
}

/*
 * Schema 7: the triggers of versions 4 to 6 on the ledger's opening,
 * closing, verdicts and performance numbers (model_status_batch_new,
 * _batch_closed, _batch_counts, _batch_close, _drift, _perf) are the
 * writer's statements now (store-status.c); labels keep theirs.
 */
static const char fleet_v7_drop[] =
    "DROP TRIGGER IF EXISTS model_status_batch_new;"
    "DROP TRIGGER IF EXISTS model_status_batch_closed;"
    "DROP TRIGGER IF EXISTS model_status_batch_counts;"
    "DROP TRIGGER IF EXISTS model_status_batch_close;"
    "DROP TRIGGER IF EXISTS model_status_drift;"
    "DROP TRIGGER IF EXISTS model_status_perf;";

int
schema_v7_fleet(struct store *s, char **cause)
{
	return store_exec(s, fleet_v7_drop, "dropping the ledger's fleet "
	    "triggers", cause);
}

int
schema_v4_fleet(struct store *s, char **cause)
{
	if (store_exec(s, schema_fleet_ddl, "creating the fleet's summary",
	    cause) == -1)
		return -1;
	s->tx_writes++;
	if (store_exec(s, fleet_fill, "filling the fleet's summary",
	    cause) == -1)
		return -1;
	return schema_fleet_triggers(s, cause);
}

int
schema_fleet_view(sqlite3 *db, int version)
{
	static const char v3[] = "CREATE TEMP VIEW IF NOT EXISTS model_status"
	    " AS " FLEET_SELECT(FLEET_DRIFT("d"));
	static const char v2[] = "CREATE TEMP VIEW IF NOT EXISTS model_status"
	    " AS " FLEET_SELECT("NULL");

	if (version >= 4)
		return sqlite3_exec(db, "DROP VIEW IF EXISTS temp.model_status",
		    NULL, NULL, NULL);
	return sqlite3_exec(db, version >= 3 ? v3 : v2, NULL, NULL, NULL);
}
