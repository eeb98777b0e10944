/*
 * SQLite's held rows: predictions known new (store-bulk.c), kept until
 * STORE_HELD_MAX of them or the next statement, then written in order by
 * one INSERT ... SELECT from a virtual table over them (mlmon_held, this
 * connection's eponymous module; its rows are the held rows, in order,
 * so they keep their order and their rowids). A row inserted by itself
 * pays SQLite's statement machinery: binding, opening and closing three
 * cursors, the rowid's and the key's seeks from the root, halting and
 * resetting. A held row shares it with the others, and the cursors left
 * on the last row make the next row's seeks a compare with the last cell
 * (docs/BENCHMARKS.md section 5). Its values are not bound: SQLite reads
 * each from the held row (held_column) as the statement runs, no
 * parameter bound, unbound and copied per value. The batch and the model
 * are one parameter each per statement (every held row has the same); the
 * event id is NULL (a row with one is never held), and so is a column no
 * held row has (the label and its time, the event time, the input line):
 * a statement for each such set, its column a literal NULL.
 *
 * INSERT OR IGNORE, not ON CONFLICT DO NOTHING: a NOT NULL column that
 * could fail makes a multi-row statement keep a statement journal (every
 * page it changes copied first: about 1,700 instructions a row); no
 * held row has a NULL there. The rows are known new, so every one must be
 * stored: a statement that stores fewer (a key taken after all) fails
 * the write, and the caller (store_bulk_end) rolls the transaction back.
 *
 * This file calls the driver and, for the module, SQLite itself (the
 * connection's handle, driver-sqlite.h): store-stmt.c (store_bulk_end,
 * the transaction's reset) and store-bulk.c (store_held_add) call it.
 */
#include "db/store-internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/driver-sqlite.h"

/*
 * The held rows as SQLite sees them: an eponymous virtual table over the
 * rows of the store's struct store_held (its module's client data), one
 * row of it per held row, in order, its columns enum held_col's.
 */
#define HELD_MODULE	"mlmon_held"
enum held_col {
	HELD_ROW, HELD_FEATURES, HELD_PREDICTED, HELD_CONFIDENCE,
	HELD_SCORES, HELD_TRUE, HELD_LOGGED, HELD_LABELED, HELD_TS,
	HELD_LINE, HELD_NCOLS
};
static const char *const held_names[HELD_NCOLS] = {
	"row_in_batch", "features", "predicted_class", "confidence", "scores",
	"true_class", "logged_at", "labeled_at", "event_ts", "src_line"
};

/* The columns some held rows may have NULL: a bit each in `has`. */
enum held_has {
	HELD_HAS_LABEL = 1 << 0,	/* true_class and labeled_at */
	HELD_HAS_TS = 1 << 1,
	HELD_HAS_LINE = 1 << 2,
	HELD_SETS = 1 << 3
};

/*
 * A row known new, until it is written: the prediction as given, but its
 * texts copied into the held rows' buffer (text; the caller's go when
 * store_prediction_add returns) and no event id (never held with one).
 */
struct held_row {
	struct store_prediction p;	/* features_json, scores_json NULL */
	double		 at;		/* logged_at, and labeled_at */
	size_t		 features;	/* offsets into text */
	size_t		 scores;
	int		 features_len;
	int		 scores_len;
};

struct store_held {
	int64_t		 batch_id;	/* of every held row */
	int64_t		 model_id;
	size_t		 n;
	struct held_row	 rows[STORE_HELD_MAX];
	struct strbuf	 text;		/* the rows' JSON texts, end to end */
	unsigned	 has;		/* enum held_has: some row has it */
	bool		 module;	/* mlmon_held made on the connection */
	/* The INSERT for each `has`, prepared on first use. */
	struct db_stmt	*st[HELD_SETS];
};

/* A scan of the held rows: the next one's index. */
struct held_cursor {
	sqlite3_vtab_cursor	 base;
	const struct store_held	*h;
	size_t			 i;
};

struct held_vtab {
	sqlite3_vtab		 base;
	const struct store_held	*h;
};

static int
held_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **out, char **err)
{
	struct strbuf ddl = STRBUF_INIT;
	struct held_vtab *t;
	int c, rc;

	(void)argc;
	(void)argv;
	(void)err;
	strbuf_addf(&ddl, "CREATE TABLE x(");
	for (c = 0; c < HELD_NCOLS; c++)
		strbuf_addf(&ddl, "%s%s", c > 0 ? ", " : "", held_names[c]);
	strbuf_addf(&ddl, ")");
	rc = sqlite3_declare_vtab(db, ddl.s);
	strbuf_finish(&ddl);
	if (rc != SQLITE_OK)
		return rc;
	t = xcalloc(1, sizeof *t);
	t->h = aux;
	*out = &t->base;
	return SQLITE_OK;
}

static int
held_disconnect(sqlite3_vtab *t)
{
	free(t);
	return SQLITE_OK;
}

/* One plan: every held row, in order (no constraint is used). */
static int
held_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
	(void)t;
	info->estimatedCost = STORE_HELD_MAX;
	info->estimatedRows = STORE_HELD_MAX;
	return SQLITE_OK;
}

static int
held_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
	struct held_cursor *cur = xcalloc(1, sizeof *cur);

	cur->h = ((struct held_vtab *)t)->h;
	*out = &cur->base;
	return SQLITE_OK;
}

static int
held_close(sqlite3_vtab_cursor *cur)
{
	free(cur);
	return SQLITE_OK;
}

static int
held_filter(sqlite3_vtab_cursor *base, int idx, const char *idx_str,
    int argc, sqlite3_value **argv)
{
	(void)idx;
	(void)idx_str;
	(void)argc;
	(void)argv;
	((struct held_cursor *)base)->i = 0;
	return SQLITE_OK;
}

static int
held_next(sqlite3_vtab_cursor *base)
{
	((struct held_cursor *)base)->i++;
	return SQLITE_OK;
}

static int
held_eof(sqlite3_vtab_cursor *base)
{
	const struct held_cursor *cur = (const struct held_cursor *)base;

	return cur->i >= cur->h->n;
}

static int
held_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct held_cursor *)base)->i;
	return SQLITE_OK;
}

/*
 * Column c of the cursor's row, as its column takes it (a NULL where the
 * row has none: no result set).
 */
static int
held_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int c)
{
	const struct held_cursor *cur = (const struct held_cursor *)base;
	const struct store_held *h = cur->h;
	const struct held_row *r = &h->rows[cur->i];

	switch (c) {
	case HELD_ROW:
		sqlite3_result_int64(ctx, r->p.row_in_batch);
		break;
	case HELD_FEATURES:
		sqlite3_result_text(ctx, h->text.s + r->features,
		    r->features_len, SQLITE_STATIC);
		break;
	case HELD_PREDICTED:
		sqlite3_result_int64(ctx, r->p.predicted_class);
		break;
	case HELD_CONFIDENCE:
		sqlite3_result_double(ctx, r->p.confidence);
		break;
	case HELD_SCORES:
		sqlite3_result_text(ctx, h->text.s + r->scores,
		    r->scores_len, SQLITE_STATIC);
		break;
	case HELD_TRUE:
		if (r->p.true_class >= 0)
			sqlite3_result_int64(ctx, r->p.true_class);
		break;
	case HELD_LOGGED:
		sqlite3_result_double(ctx, r->at);
		break;
	case HELD_LABELED:
		if (r->p.true_class >= 0)
			sqlite3_result_double(ctx, r->at);
		break;
	case HELD_TS:
		if (r->p.has_event_ts)
			sqlite3_result_int64(ctx, r->p.event_ts);
		break;
	case HELD_LINE:
		if (r->p.line > 0)
			sqlite3_result_int64(ctx, r->p.line);
		break;
	default:
		break;
	}
	return SQLITE_OK;
}

static const sqlite3_module held_module = {
	.iVersion = 0,
	.xCreate = NULL,	/* eponymous only */
	.xConnect = held_connect,
	.xBestIndex = held_best_index,
	.xDisconnect = held_disconnect,
	.xOpen = held_open,
	.xClose = held_close,
	.xFilter = held_filter,
	.xNext = held_next,
	.xEof = held_eof,
	.xColumn = held_column,
	.xRowid = held_rowid,
};

/* Whether a held row's column c is NULL in every row of a set `has`. */
static bool
held_none(unsigned has, enum held_col c)
{
	switch (c) {
	case HELD_TRUE:
	case HELD_LABELED:
		return !(has & HELD_HAS_LABEL);
	case HELD_TS:
		return !(has & HELD_HAS_TS);
	case HELD_LINE:
		return !(has & HELD_HAS_LINE);
	default:
		return false;
	}
}

/*
 * The INSERT of every held row when the held rows have `has` (a column
 * none has is a NULL, not read from the module), made and prepared on
 * first use, the module made on the connection with the first.
 */
static struct db_stmt *
held_stmt(struct store *s, struct store_held *h)
{
	struct strbuf sql = STRBUF_INIT;
	int c;

	if (h->st[h->has] != NULL)
		return h->st[h->has];
	if (!h->module) {
		if (sqlite3_create_module_v2(db_sqlite_handle(s->conn),
		    HELD_MODULE, &held_module, h, NULL) != SQLITE_OK)
			return NULL;
		h->module = true;
	}
	strbuf_addf(&sql, "INSERT OR IGNORE INTO predictions (batch_id");
	for (c = 0; c < HELD_NCOLS; c++)
		strbuf_addf(&sql, ", %s", held_names[c]);
	strbuf_addf(&sql, ", event_id, model_id) SELECT ?1");
	for (c = 0; c < HELD_NCOLS; c++)
		strbuf_addf(&sql, ", %s", held_none(h->has, (enum held_col)c) ?
		    "NULL" : held_names[c]);
	strbuf_addf(&sql, ", NULL, ?2 FROM " HELD_MODULE);
	h->st[h->has] = db_prepare(s->conn, sql.s, DB_PREPARE_PERSISTENT);
	strbuf_finish(&sql);
	return h->st[h->has];
}

size_t
store_held_count(const struct store *s)
{
	return s->held != NULL ? s->held->n : 0;
}

const char *
store_held_write(struct store *s)
{
	struct store_held *h = s->held;
	struct db_stmt *st;
	const char *why = NULL;
	int rc;

	if (h == NULL || h->n == 0)
		return NULL;
	if ((st = held_stmt(s, h)) == NULL)
		why = db_errmsg(s->conn);
	else {
		db_bind_int64(st, 1, h->batch_id);
		db_bind_int64(st, 2, h->model_id);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			why = db_errmsg(s->conn);
		else if (db_changes(s->conn) != (int64_t)h->n)
			why = "a row known new was not stored (its key is taken)";
	}
	store_held_drop(s);
	return why;
}

bool
store_held_other(const struct store *s, int64_t batch_id, int64_t model_id)
{
	const struct store_held *h = s->held;

	return h != NULL && h->n > 0 &&
	    (h->batch_id != batch_id || h->model_id != model_id);
}

size_t
store_held_add(struct store *s, const struct store_prediction *p,
    double at, int64_t model_id)
{
	struct store_held *h;
	struct held_row *r;
	size_t nf = strlen(p->features_json), ns = strlen(p->scores_json);

	if (s->held == NULL)
		s->held = xcalloc(1, sizeof *s->held);
	h = s->held;
	h->batch_id = p->batch_id;
	h->model_id = model_id;
	r = &h->rows[h->n++];
	r->p = *p;
	r->p.features_json = r->p.scores_json = NULL;
	r->p.event_id = NULL;
	r->at = at;
	/* Offsets: the buffer may move as it grows. */
	r->features = h->text.len;
	strbuf_add(&h->text, p->features_json, nf);
	r->scores = h->text.len;
	strbuf_add(&h->text, p->scores_json, ns);
	r->features_len = (int)nf;
	r->scores_len = (int)ns;
	if (p->true_class >= 0)
		h->has |= HELD_HAS_LABEL;
	if (p->has_event_ts)
		h->has |= HELD_HAS_TS;
	if (p->line > 0)
		h->has |= HELD_HAS_LINE;
	return h->n;
}

void
store_held_drop(struct store *s)
{
	struct store_held *h = s->held;

	if (h == NULL)
		return;
	h->n = 0;
	h->has = 0;
	h->text.len = 0;	/* the buffer kept for the next rows */
	if (h->text.s != NULL)
		h->text.s[0] = '\0';
}

void
store_held_free(struct store *s)
{
	struct store_held *h = s->held;
	int i;

	if (h == NULL)
		return;
	for (i = 0; i < HELD_SETS; i++)
		db_finalize(h->st[i]);
	/* The module goes with its client data (h), which goes now. */
	if (h->module)
		sqlite3_create_module_v2(db_sqlite_handle(s->conn),
		    HELD_MODULE, NULL, NULL, NULL);
	strbuf_finish(&h->text);
	free(h);
	s->held = NULL;
}
