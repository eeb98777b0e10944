/*
 * The DDL and its migrations. PRAGMA user_version holds the schema
 * version (also copied to meta.schema_version for humans). A fresh file
 * gets every table at STORE_SCHEMA_VERSION. A file made by the seed
 * article's Python code (user_version 0, its three tables present) is
 * upgraded in place: the missing tables and alert columns are added, the
 * UNIQUE indexes created and the batch ledger rebuilt from predictions.
 * docs/SCHEMA.md describes every table and column.
 *
 * Version 2 adds the report summary columns of the batch ledger (max_psi,
 * min_ks_p and the detector flags): what the console aggregates, kept per
 * batch so that it never decodes the history of reports. They are defined
 * by the SQL below over monitor_reports: the migration runs its all-batch
 * form once, and the console a read-only form on a version 1 file.
 * store_report_put computes the same values in C from the payload it
 * stores (schema_summary_compute, the table schema_summaries says which
 * key and extreme each column is) and falls back to the one-batch SQL
 * form for any payload outside the strict JSON the C reader decides
 * exactly; tests/db/test-summary.c checks that both agree bit for bit.
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
/* The payload being stored, bound to ?2 (store_report_put). */
#define SUMMARY_FROM_BOUND						\
	" FROM (SELECT ?2 AS payload) WHERE json_valid(payload)"

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
#define SUMMARY_ONE(set)						\
	"UPDATE batches SET " set SUMMARY_FROM_BOUND ") WHERE batch_id = ?1"
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
 * What the console asks of them, each answered from an index: counts of
 * max_psi and min_ks_p ranges, and the first batch a flag is 1 (partial
 * indexes: only the batches where the detector fired).
 */
static const char schema_summary_indexes[] =
    "CREATE INDEX IF NOT EXISTS batches_max_psi ON batches(max_psi);"
    "CREATE INDEX IF NOT EXISTS batches_min_ks_p ON batches(min_ks_p);"
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

/* What the C reader computes for a column: the SQL macro of the same name. */
enum summary_kind {
	SUMMARY_KIND_MAX,
	SUMMARY_KIND_MIN,
	SUMMARY_KIND_FLAG,
};

/*
 * Per report type: refresh batch ?1 from the payload ?2 being stored, or
 * every batch from its stored report (migration); set, the columns to
 * the values ?2, ?3 computed in C, key by key as the SQL does.
 */
static const struct schema_summary {
	const char	*type;
	const char	*one;
	const char	*all;
	const char	*set;
	size_t		 n;
	struct {
		const char		*key;
		enum summary_kind	 kind;
	}		 col[SCHEMA_SUMMARY_MAX_COLUMNS];
} schema_summaries[] = {
	{ "feature", SUMMARY_ONE(SUMMARY_FEATURE),
	    SUMMARY_ALL(SUMMARY_FEATURE, "feature"),
	    "UPDATE batches SET max_psi = ?2, min_ks_p = ?3"
	    " WHERE batch_id = ?1", 2,
	    { { "psi_values", SUMMARY_KIND_MAX },
	    { "ks_p_values", SUMMARY_KIND_MIN } } },
	{ "prediction", SUMMARY_ONE(SUMMARY_PREDICTION),
	    SUMMARY_ALL(SUMMARY_PREDICTION, "prediction"),
	    "UPDATE batches SET label_shift_drift = ?2, confidence_drift = ?3"
	    " WHERE batch_id = ?1", 2,
	    { { "label_shift_drift", SUMMARY_KIND_FLAG },
	    { "confidence_drift", SUMMARY_KIND_FLAG } } },
	{ "performance", SUMMARY_ONE(SUMMARY_PERFORMANCE),
	    SUMMARY_ALL(SUMMARY_PERFORMANCE, "performance"),
	    "UPDATE batches SET any_decay = ?2 WHERE batch_id = ?1", 1,
	    { { "any_decay", SUMMARY_KIND_FLAG } } },
	{ "detectors", SUMMARY_ONE(SUMMARY_DETECTORS),
	    SUMMARY_ALL(SUMMARY_DETECTORS, "detectors"),
	    "UPDATE batches SET ddm_drift = ?2, adwin_drift = ?3"
	    " WHERE batch_id = ?1", 2,
	    { { "ddm_drift", SUMMARY_KIND_FLAG },
	    { "adwin_drift", SUMMARY_KIND_FLAG } } },
};

/*
 * The ledger with its summary columns computed from the reports, for a
 * reader of a version 1 file (which has no such columns yet).
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
    ") AS adwin_drift"
    " FROM batches";

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
	for (i = 0; i < sizeof schema_summaries / sizeof schema_summaries[0];
	    i++) {
		if (store_exec(s, schema_summaries[i].all, "filling the batch "
		    "summaries from the stored reports", cause) == -1)
			return -1;
	}
	return store_exec(s, schema_summary_indexes, "indexing the batch "
	    "summaries", cause);
}

/*
 * A version this mlmon must not touch: newer than it (a later release
 * made the file; migrating down or reading it as ours would lose data)
 * or negative (never written by mlmon). Sets *cause.
 */
static bool
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

int
schema_migrate(struct store *s, char **cause)
{
	int version, seed;
	char buf[32];

	if (store_write_begin(s, cause) == -1)
		return -1;
	if (schema_user_version(s, &version, cause) == -1)
		return -1;
	if (schema_version_refused(s, version, cause))
		return -1;
	if (version < 1) {
		seed = schema_has_table(s, "predictions", cause);
		if (seed == -1)
			return -1;
		if (store_exec(s, schema_v1, "creating the schema",
		    cause) == -1)
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
	/* Future versions: if (version < 3 && schema_v3(s, cause) == -1). */
	if (store_exec(s, schema_indexes, "creating indexes", cause) == -1)
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

/* ---- The summaries in C ---------------------------------------------- */

/*
 * The C reader accepts a strict subset of what SQLite's JSON functions
 * accept: RFC 8259 without any whitespace, printable ASCII strings, at
 * most SUMMARY_DEPTH levels. Within it, the values match the SQL ones:
 * json_each goes over the members of an object or the elements of an
 * array (not deeper), and its value of a number is an integer for
 * digits only (which SQLite reads exactly up to 18 digits; longer ones
 * are left to SQL) and otherwise strtod's double, as SQLite's JSON
 * functions read it (not CAST: it rounds some 16 and 17 digit numbers
 * differently; test-summary has such numbers). Anything else, the
 * reader returns NULL (for "leave it to SQL"), never a guess.
 */
#define SUMMARY_DEPTH		32
#define SUMMARY_INT_DIGITS	18
#define SUMMARY_EXACT		((int64_t)1 << 53)	/* exact as a double */

static bool
summary_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Past the string at p (at its '"'), or NULL. */
static const char *
summary_string(const char *p)
{
	int i;

	for (p++; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (!summary_digit(p[i]) &&
				    !(p[i] >= 'a' && p[i] <= 'f') &&
				    !(p[i] >= 'A' && p[i] <= 'F'))
					return NULL;
			p += 4;
		} else if (*p == '\0' || strchr("\"\\/bfnrt", *p) == NULL) {
			return NULL;
		}
	}
	return p + 1;
}

/* Past the number at p, or NULL; *real unless it is digits only. */
static const char *
summary_number(const char *p, bool *real)
{
	*real = false;
	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (summary_digit(*p))
			p++;
	} else {
		return NULL;
	}
	if (*p == '.') {
		*real = true;
		if (!summary_digit(*++p))
			return NULL;
		while (summary_digit(*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		*real = true;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!summary_digit(*p))
			return NULL;
		while (summary_digit(*p))
			p++;
	}
	return p;
}

/* Past the value at p, or NULL. */
static const char *
summary_skip(const char *p, int depth)
{
	bool real, object;

	if (depth > SUMMARY_DEPTH)
		return NULL;
	switch (*p) {
	case '"':
		return summary_string(p);
	case 't':
		return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
	case 'f':
		return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
	case 'n':
		return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
	case '{':
	case '[':
		object = (*p == '{');
		p++;
		if (*p == (object ? '}' : ']'))
			return p + 1;
		for (;;) {
			if (object) {
				if (*p != '"' || (p = summary_string(p)) ==
				    NULL || *p != ':')
					return NULL;
				p++;
			}
			if ((p = summary_skip(p, depth + 1)) == NULL)
				return NULL;
			if (*p == (object ? '}' : ']'))
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	default:
		return summary_number(p, &real);
	}
}

/*
 * The number [p, end) as json_each's value: false for an integer too
 * long to be sure of.
 */
static bool
summary_number_value(const char *p, const char *end, bool real,
    struct schema_summary_value *v)
{
	const char *q;
	int64_t i = 0;

	if (real) {
		v->type = SQLITE_FLOAT;
		v->r = store_strtod(p, NULL);
		return true;
	}
	q = (*p == '-') ? p + 1 : p;
	if (end - q > SUMMARY_INT_DIGITS)
		return false;
	for (; q < end; q++)
		i = i * 10 + (*q - '0');
	v->type = SQLITE_INTEGER;
	v->i = (*p == '-') ? -i : i;
	return true;
}

/*
 * a < b (or a > b with greater): SQLite's order of an integer and a real,
 * here within 2^53 where the double of the integer is exact; -1 when the
 * pair is out of that range.
 */
static int
summary_beats(const struct schema_summary_value *a,
    const struct schema_summary_value *b, bool greater)
{
	double x, y;

	if (a->type == SQLITE_INTEGER && b->type == SQLITE_INTEGER)
		return greater ? a->i > b->i : a->i < b->i;
	if ((a->type == SQLITE_INTEGER && (a->i > SUMMARY_EXACT ||
	    a->i < -SUMMARY_EXACT)) || (b->type == SQLITE_INTEGER &&
	    (b->i > SUMMARY_EXACT || b->i < -SUMMARY_EXACT)))
		return -1;
	x = a->type == SQLITE_INTEGER ? (double)a->i : a->r;
	y = b->type == SQLITE_INTEGER ? (double)b->i : b->r;
	return greater ? x > y : x < y;
}

/*
 * SUMMARY_MAX/MIN: the first largest (smallest) number among the members
 * of the object or array at p, NULL when there is none. Past it, or NULL
 * (a scalar there is left to SQL too).
 */
static const char *
summary_extreme(const char *p, bool greater, struct schema_summary_value *v)
{
	struct schema_summary_value c;
	const char *end;
	bool object, real;
	int beats;

	v->type = SQLITE_NULL;
	if (*p != '{' && *p != '[')
		return NULL;
	object = (*p == '{');
	p++;
	if (*p == (object ? '}' : ']'))
		return p + 1;
	for (;;) {
		if (object) {
			if (*p != '"' || (p = summary_string(p)) == NULL ||
			    *p != ':')
				return NULL;
			p++;
		}
		if (*p == '-' || summary_digit(*p)) {
			if ((end = summary_number(p, &real)) == NULL ||
			    !summary_number_value(p, end, real, &c))
				return NULL;
			if (v->type == SQLITE_NULL)
				*v = c;
			else if ((beats = summary_beats(&c, v, greater)) == -1)
				return NULL;
			else if (beats)
				*v = c;
			p = end;
		} else if ((p = summary_skip(p, 2)) == NULL) {
			return NULL;
		}
		if (*p == (object ? '}' : ']'))
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

/*
 * SUMMARY_FLAG: 1 for true or a non-zero number, else 0. Past the value
 * at p, or NULL.
 */
static const char *
summary_flag(const char *p, struct schema_summary_value *v)
{
	const char *end, *q;
	bool real;

	v->type = SQLITE_INTEGER;
	v->i = 0;
	if (*p != '-' && !summary_digit(*p)) {
		if ((end = summary_skip(p, 1)) != NULL && *p == 't')
			v->i = 1;
		return end;
	}
	if ((end = summary_number(p, &real)) == NULL)
		return NULL;
	if (real) {
		v->i = store_strtod(p, NULL) != 0;
	} else {
		for (q = p; q < end; q++)
			if (*q >= '1' && *q <= '9')
				v->i = 1;
	}
	return end;
}

bool
schema_summary_compute(const char *type, const char *payload,
    struct schema_summary_value *out, size_t *n)
{
	const struct schema_summary *sm = NULL;
	const char *p = payload, *key;
	bool seen[SCHEMA_SUMMARY_MAX_COLUMNS] = { false };
	size_t i, k, len;

	for (i = 0; i < sizeof schema_summaries / sizeof schema_summaries[0];
	    i++)
		if (strcmp(type, schema_summaries[i].type) == 0)
			sm = &schema_summaries[i];
	*n = 0;
	if (sm == NULL)
		return true;
	/* Valid JSON without the key: NULL extremes, 0 flags. */
	for (k = 0; k < sm->n; k++) {
		out[k].type = sm->col[k].kind == SUMMARY_KIND_FLAG ?
		    SQLITE_INTEGER : SQLITE_NULL;
		out[k].i = 0;
		out[k].r = 0.0;
	}
	/* Another top-level value is valid too, but left to SQL. */
	if (*p++ != '{')
		return false;
	if (*p == '}')
		p++;
	while (p[-1] != '}') {
		if (*p != '"')
			return false;
		key = p + 1;
		if ((p = summary_string(p)) == NULL || *p != ':')
			return false;
		len = (size_t)(p - 1 - key);
		p++;
		/* An escaped key might spell one of ours: SQL decides. */
		if (memchr(key, '\\', len) != NULL)
			return false;
		for (k = 0; k < sm->n; k++)
			if (strlen(sm->col[k].key) == len &&
			    memcmp(sm->col[k].key, key, len) == 0)
				break;
		if (k == sm->n) {
			p = summary_skip(p, 1);
		} else if (seen[k]) {
			return false;	/* SQLite takes the first; rare */
		} else {
			seen[k] = true;
			if (sm->col[k].kind == SUMMARY_KIND_FLAG)
				p = summary_flag(p, &out[k]);
			else
				p = summary_extreme(p, sm->col[k].kind ==
				    SUMMARY_KIND_MAX, &out[k]);
		}
		if (p == NULL || (*p != ',' && *p != '}'))
			return false;
		p++;
	}
	if (*p != '\0')
		return false;
	*n = sm->n;
	return true;
}

int
schema_summary_update_sql(struct store *s, int64_t batch_id,
    const char *type, const char *payload, char **cause)
{
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < sizeof schema_summaries / sizeof schema_summaries[0];
	    i++) {
		if (strcmp(type, schema_summaries[i].type) != 0)
			continue;
		st = store_prepare(s, schema_summaries[i].one, cause);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, batch_id);
		sqlite3_bind_text(st, 2, payload, -1, SQLITE_STATIC);
		s->tx_writes++;
		return store_step_done(s, st, "updating the batch summary",
		    cause);
	}
	return 0;
}

int
schema_summary_update(struct store *s, int64_t batch_id, const char *type,
    const char *payload, char **cause)
{
	struct schema_summary_value v[SCHEMA_SUMMARY_MAX_COLUMNS];
	sqlite3_stmt *st;
	size_t i, k, n;

	if (!schema_summary_compute(type, payload, v, &n))
		return schema_summary_update_sql(s, batch_id, type, payload,
		    cause);
	if (n == 0)
		return 0;
	for (i = 0; strcmp(type, schema_summaries[i].type) != 0; i++)
		;
	st = store_prepare(s, schema_summaries[i].set, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	for (k = 0; k < n; k++) {
		if (v[k].type == SQLITE_INTEGER)
			sqlite3_bind_int64(st, (int)k + 2, v[k].i);
		else if (v[k].type == SQLITE_FLOAT)
			sqlite3_bind_double(st, (int)k + 2, v[k].r);
		else
			sqlite3_bind_null(st, (int)k + 2);
	}
	s->tx_writes++;
	return store_step_done(s, st, "updating the batch summary", cause);
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
	if (schema_version_refused(s, version, cause))
		return -1;
	return 0;
}
