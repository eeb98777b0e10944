/*
 * db-copy: a whole store to another backend (db-copy.h). Both ends are
 * opened as stores first (the source must be at this mlmon's schema;
 * the destination gets it), then each table is read from the source and
 * written to the destination through the driver, the columns as the
 * source's catalog lists them, each value bound as its column's type:
 * integers as int64, reals as doubles (the driver sends PostgreSQL a
 * double in its shortest round-trip text), text as text. One column has
 * two forms: an event id is untyped on SQLite (7 and "7" are two ids) and
 * TEXT on PostgreSQL, digits for an integer id and '"' before a text id
 * (store-event.c); it is carried as (is it text, its text) between them.
 *
 * A table with an id column is read in pages of DB_COPY_CHUNK ids (a
 * PostgreSQL result is held whole by the client); the others are small
 * (a row per batch, per reference row, per model...) and read at once.
 *
 * Into PostgreSQL each page goes as one COPY into a TEMP staging table
 * shaped like the table (emptied at each commit), then one INSERT ...
 * SELECT ... ON CONFLICT DO NOTHING moves it: a round trip per page, not
 * per row, and a rerun still skips what is there. Values go in COPY's
 * text as the driver would bind them (db_pg_double_text for a real).
 * Into SQLite, a local file, each row is one prepared INSERT.
 */
#include "db/db-copy.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/driver-pg.h"
#include "db/driver.h"
#include "db/store.h"

enum copy_kind {
	COPY_INT,
	COPY_REAL,
	COPY_TEXT,
	COPY_EVENT,	/* event_id: see the file's comment */
};

struct copy_col {
	char		*name;
	enum copy_kind	 kind;
};

/* A table of the store, in the order they are copied. */
struct copy_table {
	const char	*name;
	const char	*key;		/* ORDER BY: the primary key */
	bool		 by_id;		/* an id column: paged, resumed by id */
};

static const struct copy_table copy_tables[] = {
	{ "models", "model_id", false },
	{ "meta", "model_id, key", false },
	{ "reference", "model_id, row", false },
	{ "batches", "model_id, batch_id", false },
	{ "predictions", "id", true },
	{ "pending_labels", "model_id, event_id", false },
	{ "monitor_reports", "id", true },
	{ "alerts", "id", true },
	{ "alert_conditions", "model_id, condition_key", false },
	{ "alert_mutes", "id", true },
	{ "detector_state", "model_id, name", false },
	{ "input_positions", "model_id, source", false },
	{ "rejected", "id", true },
	{ "model_status", "model_id", false },	/* last: replaced */
};
#define COPY_TABLES	(sizeof copy_tables / sizeof copy_tables[0])

/* Tables whose id PostgreSQL draws from a sequence (identity). */
static const char *const copy_identity[][2] = {
	{ "models", "model_id" }, { "predictions", "id" },
	{ "monitor_reports", "id" }, { "alerts", "id" },
	{ "alert_mutes", "id" }, { "rejected", "id" },
};

/* A PostgreSQL destination's staging of one table (copy_stage_open). */
struct copy_stage {
	char		*name;		/* the TEMP table */
	char		*cols;		/* "a", "b", ...: the COPY's columns */
	struct db_stmt	*move;		/* INSERT ... SELECT from it */
};

static const char sql_cols_sqlite[] =
    "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid";
static const char sql_cols_pg[] =
    "SELECT column_name, data_type FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = ?1"
    " ORDER BY ordinal_position";

struct copy {
	struct db_conn	*src, *dst;
	db_copy_progress_fn progress;
	void		*arg;
	struct db_copy_result *res;
	char		**cause;
};

static int
copy_fail(struct copy *cp, struct db_conn *c, const char *what)
{
	*cp->cause = xasprintf("%s: %s: %s", db_name(c), what, db_errmsg(c));
	return -1;
}

/* The kind of a column by its declared type (SQLite's or PostgreSQL's). */
static enum copy_kind
copy_kind(const char *name, const char *type)
{
	char t[64];
	size_t i;

	if (strcmp(name, "event_id") == 0)
		return COPY_EVENT;
	for (i = 0; type != NULL && type[i] != '\0' && i < sizeof t - 1; i++)
		t[i] = (char)tolower((unsigned char)type[i]);
	t[i] = '\0';
	if (strstr(t, "int") != NULL)
		return COPY_INT;
	if (strstr(t, "real") != NULL || strstr(t, "double") != NULL ||
	    strstr(t, "float") != NULL)
		return COPY_REAL;
	return COPY_TEXT;
}

static void
copy_cols_free(struct copy_col *cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cols[i].name);
	free(cols);
}

/* The source's columns of t. 0 (*n may be 0: no such table) or -1. */
static int
copy_columns(struct copy *cp, const char *t, struct copy_col **out,
    size_t *n)
{
	struct db_stmt *st;
	struct copy_col *cols = NULL;
	const char *name;
	int rc;

	*n = 0;
	st = db_prepare(cp->src, db_backend(cp->src) == DB_POSTGRES ?
	    sql_cols_pg : sql_cols_sqlite, 0);
	if (st == NULL)
		return copy_fail(cp, cp->src, "reading the catalog");
	db_bind_text(st, 1, t, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((name = db_column_text(st, 0)) == NULL)
			continue;
		cols = xreallocarray(cols, *n + 1, sizeof *cols);
		cols[*n].name = xstrdup(name);
		cols[*n].kind = copy_kind(name, db_column_text(st, 1));
		(*n)++;
	}
	db_finalize(st);
	*out = cols;
	if (rc == DB_ERROR) {
		copy_cols_free(cols, *n);
		*out = NULL;
		return copy_fail(cp, cp->src, "reading the catalog");
	}
	return 0;
}

/*
 * The SELECT on the source (an event id with, on SQLite, whether it is
 * text) and the INSERT on the destination. Caller frees both.
 */
static void
copy_sql(struct copy *cp, const struct copy_table *t,
    const struct copy_col *cols, size_t n, char **sel, char **ins)
{
	struct strbuf s = STRBUF_INIT, i = STRBUF_INIT;
	size_t k;

	strbuf_addf(&s, "SELECT ");
	strbuf_addf(&i, "INSERT INTO %s (", t->name);
	for (k = 0; k < n; k++) {
		strbuf_addf(&s, "%s\"%s\"", k ? ", " : "", cols[k].name);
		strbuf_addf(&i, "%s\"%s\"", k ? ", " : "", cols[k].name);
		if (cols[k].kind == COPY_EVENT &&
		    db_backend(cp->src) == DB_SQLITE)
			strbuf_addf(&s, ", typeof(\"%s\") = 'text'",
			    cols[k].name);
	}
	strbuf_addf(&s, " FROM %s", t->name);
	if (t->by_id)
		strbuf_addf(&s, " WHERE id > ?1 ORDER BY id LIMIT %d",
		    DB_COPY_CHUNK);
	else
		strbuf_addf(&s, " ORDER BY %s", t->key);
	strbuf_addf(&i, ") VALUES (");
	for (k = 0; k < n; k++)
		strbuf_addf(&i, "%s?%zu", k ? ", " : "", k + 1);
	strbuf_addf(&i, ") ON CONFLICT DO NOTHING");
	*sel = strbuf_take(&s);
	*ins = strbuf_take(&i);
}

/*
 * Bind the event id at source column *j (on SQLite, *j + 1 says whether
 * it is text: *j moves past it) to destination parameter p.
 */
static void
copy_event(struct copy *cp, struct db_stmt *in, int *j, struct db_stmt *out,
    int p)
{
	int at = *j;
	const char *v = db_column_text(in, at);
	bool text;
	char *quoted;

	if (db_backend(cp->src) == DB_SQLITE) {
		text = db_column_int(in, at + 1) != 0;
		(*j)++;
	} else if ((text = v != NULL && v[0] == '"'))
		v++;
	if (v == NULL)
		db_bind_null(out, p);
	else if (!text)
		db_bind_int64(out, p, db_column_int64(in, at));
	else if (db_backend(cp->dst) == DB_SQLITE)
		db_bind_text(out, p, v, -1, DB_STATIC);
	else {
		quoted = xasprintf("\"%s", v);
		db_bind_text(out, p, quoted, -1, DB_COPY);
		free(quoted);
	}
}

/*
 * The event id at source column *j (see copy_event) as the destination
 * PostgreSQL holds it: NULL, digits, or '"' and the text (*owned, which
 * the caller frees).
 */
static const char *
copy_event_text(struct copy *cp, struct db_stmt *in, int *j, char *num,
    size_t size, char **owned)
{
	int at = *j;
	const char *v = db_column_text(in, at);

	if (db_backend(cp->src) != DB_SQLITE)
		return v;	/* PostgreSQL's form already */
	(*j)++;		/* past typeof(event_id) = 'text' */
	if (v == NULL)
		return NULL;
	if (db_column_int(in, at + 1) != 0)
		return *owned = xasprintf("\"%s", v);
	snprintf(num, size, "%lld", (long long)db_column_int64(in, at));
	return num;
}

/* Source column *j of in as COPY's text (NULL: SQL NULL). */
static const char *
copy_text(struct copy *cp, struct db_stmt *in, const struct copy_col *col,
    int *j, char *num, size_t size, char **owned)
{
	if (col->kind == COPY_EVENT)
		return copy_event_text(cp, in, j, num, size, owned);
	if (db_column_null(in, *j))
		return NULL;
	switch (col->kind) {
	case COPY_INT:
		snprintf(num, size, "%lld",
		    (long long)db_column_int64(in, *j));
		return num;
	case COPY_REAL:
		return db_pg_double_text(num, size, db_column_double(in, *j));
	default:
		return db_column_text(in, *j);
	}
}

/* The current row of in, bound to out. */
static void
copy_bind(struct copy *cp, struct db_stmt *in, struct db_stmt *out,
    const struct copy_col *cols, size_t n)
{
	size_t k;
	int j = 0, p;

	for (k = 0; k < n; k++, j++) {
		p = (int)k + 1;
		if (cols[k].kind == COPY_EVENT) {
			copy_event(cp, in, &j, out, p);
			continue;
		}
		if (db_column_null(in, j)) {
			db_bind_null(out, p);
			continue;
		}
		switch (cols[k].kind) {
		case COPY_INT:
			db_bind_int64(out, p, db_column_int64(in, j));
			break;
		case COPY_REAL:
			db_bind_double(out, p, db_column_double(in, j));
			break;
		default:
			db_bind_text(out, p, db_column_text(in, j),
			    (int)db_column_bytes(in, j), DB_STATIC);
			break;
		}
	}
}

/* One integer from sql on c (-1 on error, def for no row or NULL). */
static int64_t
copy_int(struct db_conn *c, const char *sql, int64_t def)
{
	struct db_stmt *st;
	int64_t v = def;
	int rc;

	if ((st = db_prepare(c, sql, 0)) == NULL)
		return -1;
	if ((rc = db_step(st)) == DB_ROW && !db_column_null(st, 0))
		v = db_column_int64(st, 0);
	db_finalize(st);
	return rc == DB_ERROR ? -1 : v;
}

static int64_t
copy_count(struct db_conn *c, const char *table)
{
	char *sql = xasprintf("SELECT count(*) FROM %s", table);
	int64_t n = copy_int(c, sql, 0);

	free(sql);
	return n;
}

/*
 * Steps sel (bound) to its end, each row into ins; commits every
 * DB_COPY_CHUNK rows. The rows read in *read, the last id in *last.
 */
static int
copy_rows(struct copy *cp, struct db_stmt *sel, struct db_stmt *ins,
    const struct copy_col *cols, size_t n, int64_t *read, int64_t *last)
{
	int rc;

	*read = 0;
	while ((rc = db_step(sel)) == DB_ROW) {
		copy_bind(cp, sel, ins, cols, n);
		if (db_step(ins) == DB_ERROR)
			return copy_fail(cp, cp->dst, "writing");
		cp->res->copied += db_changes(cp->dst);
		db_reset(ins);
		if (last != NULL)
			*last = db_column_int64(sel, 0);
		(*read)++;
	}
	if (rc == DB_ERROR)
		return copy_fail(cp, cp->src, "reading");
	return 0;
}

/*
 * PostgreSQL: steps sel (bound) to its end, the rows in one COPY into the
 * stage, then moved into the table. As copy_rows.
 */
static int
copy_rows_pg(struct copy *cp, struct copy_stage *sg, struct db_stmt *sel,
    const struct copy_col *cols, size_t n, int64_t *read, int64_t *last)
{
	const char **v = xcalloc(n, sizeof *v);
	char (*num)[32] = xcalloc(n, sizeof *num), *owned;
	size_t k;
	int rc, j, sent = 0;

	*read = 0;
	if (db_pg_copy_begin(cp->dst, sg->name, sg->cols) == -1) {
		rc = DB_DONE;
		goto out;
	}
	while ((rc = db_step(sel)) == DB_ROW) {
		owned = NULL;
		for (k = 0, j = 0; k < n; k++, j++)
			v[k] = copy_text(cp, sel, &cols[k], &j, num[k],
			    sizeof num[k], &owned);
		sent = db_pg_copy_row(cp->dst, v, n);
		free(owned);
		if (sent == -1)
			break;
		if (last != NULL)
			*last = db_column_int64(sel, 0);
		(*read)++;
	}
	if (db_pg_copy_end(cp->dst) == 0 && sent == 0 && rc == DB_DONE &&
	    db_step(sg->move) == DB_DONE) {
		cp->res->copied += db_changes(cp->dst);
		db_reset(sg->move);
		free(v);
		free(num);
		return 0;
	}
	db_reset(sg->move);
out:
	free(v);
	free(num);
	if (rc == DB_ERROR)
		return copy_fail(cp, cp->src, "reading");
	return copy_fail(cp, cp->dst, "writing");
}

static void
copy_stage_close(struct copy_stage *sg)
{
	db_finalize(sg->move);
	free(sg->name);
	free(sg->cols);
	memset(sg, 0, sizeof *sg);
}

/* The staging of t on a PostgreSQL destination. 0 or -1. */
static int
copy_stage_open(struct copy *cp, const struct copy_table *t,
    const struct copy_col *cols, size_t n, struct copy_stage *sg)
{
	struct strbuf b = STRBUF_INIT;
	char *sql;
	size_t k;
	int rc;

	for (k = 0; k < n; k++)
		strbuf_addf(&b, "%s\"%s\"", k ? ", " : "", cols[k].name);
	sg->cols = strbuf_take(&b);
	sg->name = xasprintf("mlmon_copy_%s", t->name);
	sql = xasprintf("CREATE TEMP TABLE IF NOT EXISTS %s (LIKE %s)"
	    " ON COMMIT DELETE ROWS", sg->name, t->name);
	rc = db_exec(cp->dst, sql);
	free(sql);
	if (rc == -1)
		return copy_fail(cp, cp->dst, "making a staging table");
	sql = xasprintf("INSERT INTO %s (%s) SELECT %s FROM %s"
	    " ON CONFLICT DO NOTHING", t->name, sg->cols, sg->cols, sg->name);
	sg->move = db_prepare(cp->dst, sql, DB_PREPARE_PERSISTENT);
	free(sql);
	if (sg->move == NULL)
		return copy_fail(cp, cp->dst, "preparing the copy");
	return 0;
}

/* One table, in chunks (by id) or at once, each in a transaction. */
static int
copy_table(struct copy *cp, const struct copy_table *t,
    const struct copy_col *cols, size_t n, struct db_copy_progress *pg)
{
	struct copy_stage sg = { NULL, NULL, NULL };
	struct db_stmt *sel, *ins = NULL;
	bool to_pg = db_backend(cp->dst) == DB_POSTGRES;
	char *ssql, *isql, *q;
	int64_t last = 0, read;
	int rc = 0;

	copy_sql(cp, t, cols, n, &ssql, &isql);
	sel = db_prepare(cp->src, ssql, DB_PREPARE_PERSISTENT);
	if (sel != NULL && !to_pg)
		ins = db_prepare(cp->dst, isql, DB_PREPARE_PERSISTENT);
	free(ssql);
	free(isql);
	if (sel == NULL || (!to_pg && ins == NULL)) {
		rc = copy_fail(cp, sel == NULL ? cp->src : cp->dst,
		    "preparing the copy");
		goto out;
	}
	if (to_pg && (rc = copy_stage_open(cp, t, cols, n, &sg)) == -1)
		goto out;
	if (t->by_id) {	/* resume after the destination's last id */
		q = xasprintf("SELECT max(id) FROM %s", t->name);
		last = copy_int(cp->dst, q, 0);
		free(q);
		pg->done = copy_count(cp->dst, t->name);
	}
	do {
		db_bind_int64(sel, 1, last);
		if (db_begin(cp->dst, true) == -1) {
			rc = copy_fail(cp, cp->dst, "beginning");
			break;
		}
		rc = to_pg ? copy_rows_pg(cp, &sg, sel, cols, n, &read,
		    t->by_id ? &last : NULL) : copy_rows(cp, sel, ins, cols,
		    n, &read, t->by_id ? &last : NULL);
		if (rc == -1 ||
		    (rc = db_commit(cp->dst)) == -1) {
			if (rc == -1 && *cp->cause == NULL)
				copy_fail(cp, cp->dst, "committing");
			db_rollback(cp->dst);
			break;
		}
		db_reset(sel);
		pg->done += t->by_id ? read : 0;
		if (cp->progress != NULL && read > 0)
			cp->progress(pg, cp->arg);
	} while (t->by_id && read == DB_COPY_CHUNK);
out:
	copy_stage_close(&sg);
	db_finalize(sel);
	db_finalize(ins);
	return rc;
}

/* The fleet's summary as the source's: the triggers' rebuild replaced. */
static int
copy_status(struct copy *cp, const struct copy_col *cols, size_t n,
    struct db_copy_progress *pg)
{
	if (db_exec(cp->dst, "DELETE FROM model_status") == -1)
		return copy_fail(cp, cp->dst, "clearing the fleet summary");
	return copy_table(cp, &copy_tables[COPY_TABLES - 1], cols, n, pg);
}

/* PostgreSQL: each identity's next value after the ids copied. */
static int
copy_sequences(struct copy *cp)
{
	char *sql;
	size_t i;
	int rc = 0;

	if (db_backend(cp->dst) != DB_POSTGRES)
		return 0;
	for (i = 0; rc == 0 && i < sizeof copy_identity /
	    sizeof copy_identity[0]; i++) {
		sql = xasprintf("SELECT setval(pg_get_serial_sequence('%s',"
		    " '%s'), m) FROM (SELECT max(%s) AS m FROM %s) x"
		    " WHERE m IS NOT NULL", copy_identity[i][0],
		    copy_identity[i][1], copy_identity[i][1],
		    copy_identity[i][0]);
		if (copy_int(cp->dst, sql, 0) == -1)
			rc = copy_fail(cp, cp->dst, "setting the ids' sequence");
		free(sql);
	}
	return rc;
}

/* FNV-1a, 64 bits, over len bytes and a separator. */
static uint64_t
copy_fnv(uint64_t h, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;
	return h * 0x100000001b3ULL;
}

/* The reports' digest on c: every (model, batch, type, payload). */
static int
copy_digest(struct db_conn *c, uint64_t *h, int64_t *n)
{
	struct db_stmt *st;
	const char *p;
	char num[48];
	int rc;

	*h = 0xcbf29ce484222325ULL;
	*n = 0;
	st = db_prepare(c, "SELECT m.name, r.batch_id, r.report_type,"
	    " r.payload FROM monitor_reports r JOIN models m"
	    " USING (model_id) ORDER BY m.name, r.batch_id, r.report_type",
	    0);
	if (st == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		p = db_column_text(st, 0);
		*h = copy_fnv(*h, p != NULL ? p : "", p != NULL ? strlen(p) :
		    0);
		snprintf(num, sizeof num, "%lld",
		    (long long)db_column_int64(st, 1));
		*h = copy_fnv(*h, num, strlen(num));
		p = db_column_text(st, 2);
		*h = copy_fnv(*h, p != NULL ? p : "", p != NULL ? strlen(p) :
		    0);
		p = db_column_text(st, 3);
		*h = copy_fnv(*h, p != NULL ? p : "", db_column_bytes(st, 3));
		(*n)++;
	}
	db_finalize(st);
	return rc == DB_ERROR ? -1 : 0;
}

/* Every table's count and the reports' digest, equal on both ends. */
static int
copy_verify(struct copy *cp)
{
	uint64_t h1, h2;
	int64_t n1, n2;
	size_t i;

	cp->res->rows = 0;
	for (i = 0; i < COPY_TABLES; i++) {
		n1 = copy_count(cp->src, copy_tables[i].name);
		n2 = copy_count(cp->dst, copy_tables[i].name);
		if (n1 == -1 || n2 == -1)
			return copy_fail(cp, n1 == -1 ? cp->src : cp->dst,
			    "counting the rows");
		if (n1 != n2) {
			*cp->cause = xasprintf("%s: %s has %lld rows, %s "
			    "%lld: the copy is not whole", db_name(cp->dst),
			    copy_tables[i].name, (long long)n2,
			    db_name(cp->src), (long long)n1);
			return -1;
		}
		cp->res->rows += n2;
	}
	if (copy_digest(cp->src, &h1, &n1) == -1)
		return copy_fail(cp, cp->src, "reading the reports");
	if (copy_digest(cp->dst, &h2, &n2) == -1)
		return copy_fail(cp, cp->dst, "reading the reports");
	if (h1 != h2 || n1 != n2) {
		*cp->cause = xasprintf("%s: the reports differ from %s's "
		    "(digest %016llx, %lld reports; %016llx, %lld)",
		    db_name(cp->dst), db_name(cp->src), (unsigned long long)h2,
		    (long long)n2, (unsigned long long)h1, (long long)n1);
		return -1;
	}
	cp->res->reports = n2;
	cp->res->digest = h2;
	cp->res->tables = (int)COPY_TABLES;
	return 0;
}

/* Each table in turn. */
static int
copy_all(struct copy *cp)
{
	struct db_copy_progress pg;
	struct copy_col *cols;
	size_t i, n;
	int rc = 0;

	for (i = 0; rc == 0 && i < COPY_TABLES; i++) {
		memset(&pg, 0, sizeof pg);
		pg.table = copy_tables[i].name;
		if ((pg.total = copy_count(cp->src, pg.table)) == -1)
			return copy_fail(cp, cp->src, "counting the rows");
		if ((rc = copy_columns(cp, pg.table, &cols, &n)) == -1)
			break;
		if (n == 0 || (copy_tables[i].by_id &&
		    strcmp(cols[0].name, "id") != 0)) {
			*cp->cause = xasprintf("%s: table %s is not a store's",
			    db_name(cp->src), pg.table);
			rc = -1;
		} else if (i == COPY_TABLES - 1)
			rc = copy_status(cp, cols, n, &pg);
		else
			rc = copy_table(cp, &copy_tables[i], cols, n, &pg);
		if (rc == 0 && !copy_tables[i].by_id) {
			pg.done = pg.total;
			if (cp->progress != NULL)
				cp->progress(&pg, cp->arg);
		}
		copy_cols_free(cols, n);
	}
	return rc;
}

/* Both ends as stores: the source at this schema, the destination made. */
static int
copy_stores(const char *src, const char *dst, char **cause)
{
	struct store *s;

	if ((s = store_open(src, STORE_READ_ONLY, cause)) == NULL)
		return -1;
	store_close(s);
	if ((s = store_open(dst, STORE_READ_WRITE, cause)) == NULL)
		return -1;
	store_close(s);
	return 0;
}

int
db_copy(const char *src, const char *dst, db_copy_progress_fn progress,
    void *arg, struct db_copy_result *res, char **cause)
{
	struct copy cp = { NULL, NULL, progress, arg, res, cause };
	int rc = -1;

	memset(res, 0, sizeof *res);
	*cause = NULL;
	if (copy_stores(src, dst, cause) == -1)
		return -1;
	if ((cp.src = db_open(src, DB_OPEN_READ_ONLY, cause)) == NULL ||
	    (cp.dst = db_open(dst, DB_OPEN_READ_WRITE, cause)) == NULL)
		goto out;
	if (copy_all(&cp) == 0 && copy_sequences(&cp) == 0)
		rc = copy_verify(&cp);
out:
	db_close(cp.src);
	db_close(cp.dst);
	return rc;
}
