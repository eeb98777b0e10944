/*
 * SQLite's held rows: predictions known new (store-bulk.c), kept until
 * STORE_HELD_MAX (64) of them or the next statement, then written by
 * one multi-row INSERT per power-of-two width (64, 32, ... 1 rows, widest
 * first, so rows keep their order and their rowids), each statement
 * prepared once. A row inserted by itself pays SQLite's statement
 * machinery: binding, opening and closing three cursors, the rowid's and
 * the key's seeks from the root, halting and resetting. A held row shares
 * it with up to 63 others, and the cursors left on the last row make the
 * next row's seeks a compare with the last cell (docs/BENCHMARKS.md
 * section 5). The batch and the model are one parameter each per
 * statement (every held row has the same); the event id is NULL (a row
 * with one is never held).
 *
 * INSERT OR IGNORE, not ON CONFLICT DO NOTHING: a NOT NULL column that
 * could fail makes a multi-row statement keep a statement journal (every
 * page it changes copied first: about 1,700 instructions a row); no
 * held row has a NULL there. The rows are known new, so every one must be
 * stored: a statement that stores fewer (a key taken after all) fails
 * the write, and the caller (store_bulk_end) rolls the transaction back.
 *
 * This file calls only the driver: store-stmt.c (store_bulk_end, the
 * transaction's reset) and store-bulk.c (store_held_add) call it.
 */
#include "db/store-internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/*
 * Widths 2^0 .. 2^(HELD_WIDTHS - 1), the widest STORE_HELD_MAX. A row's
 * values are HELD_NCOLS parameters from HELD_FIRST + HELD_NCOLS * slot
 * on (enum held_col); ?1 is the batch and ?2 the model.
 */
#define HELD_WIDTHS	7
#define HELD_FIRST	3
_Static_assert(STORE_HELD_MAX == 1 << (HELD_WIDTHS - 1),
    "the widest statement holds STORE_HELD_MAX rows");
_Static_assert(STORE_HELD_MAX <= 64, "a slot is a bit of a uint64_t");
enum held_col {
	HELD_ROW, HELD_FEATURES, HELD_PREDICTED, HELD_CONFIDENCE,
	HELD_SCORES, HELD_TRUE, HELD_LOGGED, HELD_LABELED, HELD_TS,
	HELD_LINE, HELD_NCOLS
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
	/*
	 * The INSERT of 2^k rows, prepared on first use, and its
	 * parameters bound NULL now (SQLite keeps bindings across resets):
	 * bit j of nulls[k][c] for column c of slot j.
	 */
	struct db_stmt	*st[HELD_WIDTHS];
	uint64_t	 nulls[HELD_WIDTHS][HELD_NCOLS];
};

/* The INSERT of 2^k held rows, made and prepared on first use. */
static struct db_stmt *
held_stmt(struct store *s, struct store_held *h, int k)
{
	struct strbuf sql = STRBUF_INIT;
	int j, c, base;

	if (h->st[k] != NULL)
		return h->st[k];
	strbuf_addf(&sql, "INSERT OR IGNORE INTO predictions (batch_id,"
	    " row_in_batch, features, predicted_class, confidence, scores,"
	    " true_class, logged_at, labeled_at, event_id, event_ts,"
	    " src_line, model_id) VALUES");
	for (j = 0; j < 1 << k; j++) {
		base = HELD_FIRST + HELD_NCOLS * j;
		strbuf_addf(&sql, "%s(?1", j > 0 ? "," : " ");
		for (c = HELD_ROW; c <= HELD_LABELED; c++)
			strbuf_addf(&sql, ",?%d", base + c);
		strbuf_addf(&sql, ",NULL,?%d,?%d,?2)", base + HELD_TS,
		    base + HELD_LINE);
	}
	h->st[k] = db_prepare(s->conn, sql.s, DB_PREPARE_PERSISTENT);
	strbuf_finish(&sql);
	/* A new statement's parameters are NULL (SQLite's). */
	memset(h->nulls[k], 0xff, sizeof h->nulls[k]);
	return h->st[k];
}

/* Column c of slot j on statement k NULL, unless it is already. */
static void
held_null(struct store_held *h, int k, int j, enum held_col c)
{
	if (h->nulls[k][c] & (uint64_t)1 << j)
		return;
	db_bind_null(h->st[k], HELD_FIRST + HELD_NCOLS * j + (int)c);
	h->nulls[k][c] |= (uint64_t)1 << j;
}

/* Column c of slot j on statement k holds a value now. */
static void
held_set(struct store_held *h, int k, int j, enum held_col c)
{
	h->nulls[k][c] &= ~((uint64_t)1 << j);
}

/* Row r into slot j of statement k. */
static void
held_bind(struct store_held *h, int k, int j, const struct held_row *r)
{
	struct db_stmt *st = h->st[k];
	int i = HELD_FIRST + HELD_NCOLS * j;

	db_bind_int64(st, i + HELD_ROW, r->p.row_in_batch);
	db_bind_text(st, i + HELD_FEATURES, h->text.s + r->features,
	    r->features_len, DB_STATIC);
	db_bind_int64(st, i + HELD_PREDICTED, r->p.predicted_class);
	db_bind_double(st, i + HELD_CONFIDENCE, r->p.confidence);
	db_bind_text(st, i + HELD_SCORES, h->text.s + r->scores,
	    r->scores_len, DB_STATIC);
	db_bind_double(st, i + HELD_LOGGED, r->at);
	if (r->p.true_class >= 0) {
		db_bind_int64(st, i + HELD_TRUE, r->p.true_class);
		db_bind_double(st, i + HELD_LABELED, r->at);
		held_set(h, k, j, HELD_TRUE);
		held_set(h, k, j, HELD_LABELED);
	} else {
		held_null(h, k, j, HELD_TRUE);
		held_null(h, k, j, HELD_LABELED);
	}
	if (r->p.has_event_ts) {
		db_bind_int64(st, i + HELD_TS, r->p.event_ts);
		held_set(h, k, j, HELD_TS);
	} else
		held_null(h, k, j, HELD_TS);
	if (r->p.line > 0) {
		db_bind_int64(st, i + HELD_LINE, r->p.line);
		held_set(h, k, j, HELD_LINE);
	} else
		held_null(h, k, j, HELD_LINE);
}

/* Rows i .. i + 2^k - 1 by statement k: NULL, or why not. */
static const char *
held_step(struct store *s, struct store_held *h, size_t i, int k)
{
	struct db_stmt *st;
	int j, rc;

	if ((st = held_stmt(s, h, k)) == NULL)
		return db_errmsg(s->conn);
	db_bind_int64(st, 1, h->batch_id);
	db_bind_int64(st, 2, h->model_id);
	for (j = 0; j < 1 << k; j++)
		held_bind(h, k, j, &h->rows[i + (size_t)j]);
	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_errmsg(s->conn);
	if (db_changes(s->conn) != (int64_t)1 << k)
		return "a row known new was not stored (its key is taken)";
	return NULL;
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
	const char *why = NULL;
	size_t i = 0;
	int k;

	while (why == NULL && h != NULL && i < h->n) {
		for (k = HELD_WIDTHS - 1; (size_t)1 << k > h->n - i; k--)
			continue;
		why = held_step(s, h, i, k);
		i += (size_t)1 << k;
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
	return h->n;
}

void
store_held_drop(struct store *s)
{
	struct store_held *h = s->held;

	if (h == NULL)
		return;
	h->n = 0;
	h->text.len = 0;	/* the buffer kept for the next rows */
	if (h->text.s != NULL)
		h->text.s[0] = '\0';
}

void
store_held_free(struct store *s)
{
	struct store_held *h = s->held;
	int k;

	if (h == NULL)
		return;
	for (k = 0; k < HELD_WIDTHS; k++)
		db_finalize(h->st[k]);
	strbuf_finish(&h->text);
	free(h);
	s->held = NULL;
}
