/*
 * What the store reads back and writes beside the hot insert: a batch's
 * rows for its judgement (store_batch_get, the hot read), stored reports,
 * rejected input lines and the detectors' state.
 */
#include "db/store.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/store-internal.h"

static const char sql_batch_get[] =
    "SELECT features, predicted_class, confidence, true_class, scores"
    " FROM predictions WHERE batch_id = ?1 AND model_id = :model"
    " ORDER BY row_in_batch";
static const char sql_report_get[] =
    "SELECT payload FROM monitor_reports"
    " WHERE batch_id = ?1 AND report_type = ?2 AND model_id = :model";
/*
 * The unsent reports of a claimed batch in one statement, n rows (1 to
 * STORE_REPORTS_KEPT, the report types): ?1 the batch, ?2 the model, then each report's
 * type, payload and time; as store-report.c's sql_report_put, row for
 * row.
 */
#define REPORTS_PUT_ROW(a, b, c)	"(?1, ?" #a ", ?" #b ", ?" #c ", ?2)"
#define REPORTS_PUT_HEAD	"INSERT INTO monitor_reports (batch_id," \
	" report_type, payload, created_at, model_id) VALUES "
#define REPORTS_PUT_TAIL	" ON CONFLICT (model_id, batch_id," \
	" report_type) DO UPDATE SET payload = excluded.payload," \
	" created_at = excluded.created_at" \
	" WHERE monitor_reports.payload IS DISTINCT FROM excluded.payload"
#define REPORTS_PUT_MAX		(STORE_REPORTS_KEPT + 1)
static const char *const sql_reports_put[REPORTS_PUT_MAX] = {
	NULL,
	REPORTS_PUT_HEAD REPORTS_PUT_ROW(3, 4, 5) REPORTS_PUT_TAIL,
	REPORTS_PUT_HEAD REPORTS_PUT_ROW(3, 4, 5) ", "
	    REPORTS_PUT_ROW(6, 7, 8) REPORTS_PUT_TAIL,
	REPORTS_PUT_HEAD REPORTS_PUT_ROW(3, 4, 5) ", "
	    REPORTS_PUT_ROW(6, 7, 8) ", " REPORTS_PUT_ROW(9, 10, 11)
	    REPORTS_PUT_TAIL,
	REPORTS_PUT_HEAD REPORTS_PUT_ROW(3, 4, 5) ", "
	    REPORTS_PUT_ROW(6, 7, 8) ", " REPORTS_PUT_ROW(9, 10, 11) ", "
	    REPORTS_PUT_ROW(12, 13, 14) REPORTS_PUT_TAIL,
	REPORTS_PUT_HEAD REPORTS_PUT_ROW(3, 4, 5) ", "
	    REPORTS_PUT_ROW(6, 7, 8) ", " REPORTS_PUT_ROW(9, 10, 11) ", "
	    REPORTS_PUT_ROW(12, 13, 14) ", " REPORTS_PUT_ROW(15, 16, 17)
	    REPORTS_PUT_TAIL,
};
static const char sql_reject_add[] =
    "INSERT INTO rejected (source, line, reason, text, truncated, at,"
    " model_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, :model)";
static const char sql_detector_get[] =
    "SELECT last_batch, state FROM detector_state"
    " WHERE name = ?1 AND model_id = :model";
static const char sql_detector_put[] =
    "INSERT INTO detector_state (name, last_batch, state, updated_at,"
    " model_id) VALUES (?1, ?2, ?3, ?4, :model)"
    " ON CONFLICT (model_id, name) DO UPDATE SET"
    " last_batch = excluded.last_batch, state = excluded.state,"
    " updated_at = excluded.updated_at";
static const char sql_label_rows[] =
    "SELECT id, true_class FROM predictions WHERE batch_id = ?1"
    " AND model_id = :model ORDER BY row_in_batch";
static const char sql_label_set[] =
    "UPDATE predictions SET true_class = ?2, labeled_at = ?3 WHERE id = ?1";
static const char sql_label_ledger[] =
    "UPDATE batches SET n_labelled = ?2, labelled_at = ?3"
    " WHERE batch_id = ?1 AND model_id = :model";

/* ---- A batch's rows ------------------------------------------------- */

void
store_rows_grow(size_t *cap, size_t n_features, double **features,
    int **predicted, double **confidence, int **true_class)
{
	*cap = *cap == 0 ? 256 : 2 * *cap;
	*features = xreallocarray(*features, *cap,
	    n_features * sizeof **features);
	*predicted = xreallocarray(*predicted, *cap, sizeof **predicted);
	*confidence = xreallocarray(*confidence, *cap, sizeof **confidence);
	*true_class = xreallocarray(*true_class, *cap, sizeof **true_class);
}

void
store_batch_finish(struct store_batch *b)
{
	free(b->features);
	free(b->predicted);
	free(b->confidence);
	free(b->true_class);
	free(b->scores);
	memset(b, 0, sizeof *b);
}

/*
 * Row i's scores into b->scores (grown with cap rows): false when the
 * text is not an array of numbers or its length differs from the
 * batch's first row.
 */
static bool
batch_scores_add(struct store_batch *b, size_t cap, size_t *scap,
    const char *text, size_t len, double **tmp, size_t *tcap)
{
	long n;

	n = store_json_doubles(text, len, tmp, tcap);
	if (n < 2 || (b->n_rows > 0 && n != b->n_classes))
		return false;
	if (b->n_rows == 0)
		b->n_classes = (int)n;
	if (*scap < cap) {
		*scap = cap;
		b->scores = xreallocarray(b->scores, cap, (size_t)n *
		    sizeof *b->scores);
	}
	memcpy(b->scores + b->n_rows * (size_t)n, *tmp,
	    (size_t)n * sizeof **tmp);
	return true;
}

/* Reading a batch's rows: the buffers that grow with it. */
struct batch_reader {
	struct store_batch	 b;
	double			*tmp;	/* one row's numbers */
	size_t			 tcap;
	size_t			 cap;	/* rows b has room for */
	size_t			 scap;	/* rows b.scores has room for */
};

/* The row at st into r->b. 0, or -1 and *cause (a malformed row). */
static int
batch_row_add(struct store *s, struct db_stmt *st, struct batch_reader *r,
    char **cause)
{
	struct store_batch *b = &r->b;
	long n;

	n = store_json_features(db_column_text(st, 0), db_column_bytes(st, 0),
	    &r->tmp, &r->tcap, s->dict);
	if (n <= 0 || (b->n_rows > 0 && (size_t)n != b->n_features)) {
		*cause = xasprintf("%s: batch %lld row %zu has a malformed "
		    "features array (or a different length)", s->path,
		    (long long)b->batch_id, b->n_rows);
		return -1;
	}
	if (b->n_rows == r->cap) {
		b->n_features = (size_t)n;
		store_rows_grow(&r->cap, b->n_features, &b->features,
		    &b->predicted, &b->confidence, &b->true_class);
	}
	memcpy(b->features + b->n_rows * b->n_features, r->tmp,
	    b->n_features * sizeof *r->tmp);
	if (!batch_scores_add(b, r->cap, &r->scap, db_column_text(st, 4),
	    db_column_bytes(st, 4), &r->tmp, &r->tcap)) {
		*cause = xasprintf("%s: batch %lld row %zu has a malformed "
		    "scores array (or a different length)", s->path,
		    (long long)b->batch_id, b->n_rows);
		return -1;
	}
	b->predicted[b->n_rows] = db_column_int(st, 1);
	b->confidence[b->n_rows] = db_column_double(st, 2);
	if (db_column_null(st, 3))
		b->true_class[b->n_rows] = -1;
	else {
		b->true_class[b->n_rows] = db_column_int(st, 3);
		b->n_labelled++;
	}
	b->n_rows++;
	return 0;
}

int
store_batch_get(struct store *s, int64_t batch_id, struct store_batch *out,
    char **cause)
{
	struct batch_reader r;
	struct db_stmt *st;
	int rc;

	memset(&r, 0, sizeof r);
	r.b.batch_id = batch_id;
	st = store_stmt_hot(s, &s->st_batch_get, sql_batch_get, cause);
	if (st == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (batch_row_add(s, st, &r, cause) == -1) {
			db_reset(st);
			goto fail;
		}
	}
	db_reset(st);
	if (rc != DB_DONE) {
		*cause = store_db_error(s, "reading a batch");
		goto fail;
	}
	free(r.tmp);
	if (r.b.n_rows == 0) {
		store_batch_finish(&r.b);
		return 1;
	}
	if (r.b.n_labelled == 0) {
		free(r.b.true_class);
		r.b.true_class = NULL;
	}
	*out = r.b;
	return 0;
fail:
	free(r.tmp);
	store_batch_finish(&r.b);
	return -1;
}

/* ---- Labels ----------------------------------------------------------- */

/* A batch's rows to label: their ids and labels (-1: none). */
struct label_rows {
	int64_t	*ids;
	int	*old;
	size_t	 n;
};

static int
label_rows_read(struct store *s, int64_t batch_id, struct label_rows *r,
    char **cause)
{
	struct db_stmt *st;
	size_t cap = 0;
	int rc;

	if ((st = store_stmt(s, sql_label_rows, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (r->n == cap) {
			cap = cap == 0 ? 256 : 2 * cap;
			r->ids = xreallocarray(r->ids, cap, sizeof *r->ids);
			r->old = xreallocarray(r->old, cap, sizeof *r->old);
		}
		r->ids[r->n] = db_column_int64(st, 0);
		r->old[r->n] = db_column_null(st, 1) ? -1 :
		    db_column_int(st, 1);
		r->n++;
	}
	db_reset(st);
	if (rc != DB_DONE) {
		*cause = store_db_error(s, "reading a batch to label");
		return -1;
	}
	return 0;
}

/* What labels would change: SAME, CONFLICT (and *cause) or APPLIED. */
static enum store_label_result
label_compare(const struct label_rows *r, int64_t batch_id,
    const int *labels, bool allow_relabel, char **cause)
{
	size_t i, differ = 0, first = 0, fill = 0;

	for (i = 0; i < r->n; i++) {
		if (r->old[i] == -1)
			fill++;
		else if (r->old[i] != labels[i] && differ++ == 0)
			first = i;
	}
	if (differ == 0 && fill == 0)
		return STORE_LABEL_SAME;
	if (differ > 0 && !allow_relabel) {
		*cause = xasprintf("labels for batch %lld differ from the "
		    "stored ones at %zu of %zu rows (first: row %zu has %d, "
		    "new %d)", (long long)batch_id, differ, r->n, first,
		    r->old[first], labels[first]);
		return STORE_LABEL_CONFLICT;
	}
	return STORE_LABEL_APPLIED;
}

/* Store the labels that differ, and the ledger's count. 0 or -1. */
static int
label_apply(struct store *s, int64_t batch_id, const struct label_rows *r,
    const int *labels, char **cause)
{
	struct db_stmt *st;
	double now = clock_wall();
	size_t i;

	if ((st = store_stmt(s, sql_label_set, cause)) == NULL)
		return -1;
	s->tx_writes++;
	for (i = 0; i < r->n; i++) {
		if (r->old[i] == labels[i])
			continue;
		db_bind_int64(st, 1, r->ids[i]);
		db_bind_int64(st, 2, labels[i]);
		db_bind_double(st, 3, now);
		if (store_stmt_send(s, st, "storing labels", cause) == -1)
			return -1;
	}
	if ((st = store_stmt(s, sql_label_ledger, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	db_bind_int64(st, 2, (int64_t)r->n);
	db_bind_double(st, 3, now);
	return store_stmt_send(s, st, "updating the batch ledger", cause);
}

enum store_label_result
store_label_batch(struct store *s, int64_t batch_id, const int *labels,
    size_t n, bool allow_relabel, char **cause)
{
	struct label_rows r = { NULL, NULL, 0 };
	enum store_label_result ret = STORE_LABEL_ERROR;
	enum store_batch_state state;
	size_t i;

	for (i = 0; i < n; i++) {
		if (labels[i] < 0) {
			*cause = xasprintf("labels for batch %lld: value %zu "
			    "is %d, not a class", (long long)batch_id, i,
			    labels[i]);
			return STORE_LABEL_ERROR;
		}
	}
	if (store_write_begin(s, cause) == -1)
		return STORE_LABEL_ERROR;
	state = store_batch_state(s, batch_id);
	if (state != STORE_BATCH_CLOSED) {
		*cause = xasprintf(state == STORE_BATCH_OPEN ?
		    "labels for batch %lld: the batch is still open" :
		    "labels for batch %lld: no predictions are logged for it",
		    (long long)batch_id);
		return STORE_LABEL_NOT_CLOSED;
	}
	if (label_rows_read(s, batch_id, &r, cause) == -1)
		goto out;
	if (r.n != n) {
		*cause = xasprintf("labels for batch %lld have %zu values but "
		    "%zu predictions are logged", (long long)batch_id, n,
		    r.n);
		ret = STORE_LABEL_MISMATCH;
		goto out;
	}
	ret = label_compare(&r, batch_id, labels, allow_relabel, cause);
	if (ret == STORE_LABEL_APPLIED &&
	    label_apply(s, batch_id, &r, labels, cause) == -1)
		ret = STORE_LABEL_ERROR;
out:
	free(r.ids);
	free(r.old);
	return ret;
}

/* ---- Reports, rejects, detectors ------------------------------------ */

void
store_reports_forget(struct store *s)
{
	size_t i;

	for (i = 0; i < s->n_rep; i++)
		free(s->rep_payload[i]);
	s->n_rep = 0;
	s->rep_batch = -1;
}

void
store_reports_claimed(struct store *s, int64_t batch_id)
{
	store_reports_forget(s);
	if (!s->in_tx || !s->model_known)
		return;
	s->rep_batch = batch_id;
	s->rep_model = s->model_id;
	s->rep_tx = s->tx_seq;
}

/* Are batch_id's reports the ones kept (this transaction's claim)? */
static bool
reports_kept(const struct store *s, int64_t batch_id)
{
	return s->in_tx && s->rep_batch == batch_id && s->rep_batch >= 0 &&
	    s->rep_tx == s->tx_seq && s->model_known &&
	    s->rep_model == s->model_id;
}

bool
store_report_kept(struct store *s, int64_t batch_id, const char *type,
    const char *payload, double at, bool unsent)
{
	size_t i;

	if (!reports_kept(s, batch_id))
		return false;
	for (i = 0; i < s->n_rep; i++)
		if (strcmp(s->rep_type[i], type) == 0)
			break;
	if (i == STORE_REPORTS_KEPT) {	/* more types than kept: ask */
		if (unsent)
			return false;	/* the unsent ones stay */
		store_reports_forget(s);
		return false;
	}
	if (i == s->n_rep) {
		s->rep_payload[s->n_rep++] = NULL;
		s->rep_unsent[i] = false;
	}
	free(s->rep_payload[i]);
	s->rep_type[i] = type;
	s->rep_payload[i] = xstrdup(payload);
	s->rep_at[i] = at;
	s->rep_unsent[i] = s->rep_unsent[i] || unsent;
	return true;
}

int
store_reports_write(struct store *s, char **cause)
{
	struct db_stmt *st;
	size_t i, n = 0, k;

	for (i = 0; i < s->n_rep; i++)
		n += s->rep_unsent[i];
	if (n == 0 || !reports_kept(s, s->rep_batch))
		return 0;
	if ((st = store_stmt(s, sql_reports_put[n], cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, s->rep_batch);
	db_bind_int64(st, 2, s->rep_model);
	for (i = 0, k = 3; i < s->n_rep; i++) {
		if (!s->rep_unsent[i])
			continue;
		db_bind_text(st, (int)k++, s->rep_type[i], -1, DB_STATIC);
		db_bind_text(st, (int)k++, s->rep_payload[i], -1, DB_STATIC);
		db_bind_double(st, (int)k++, s->rep_at[i]);
		s->rep_unsent[i] = false;
	}
	return store_stmt_send(s, st, "storing a report", cause);
}

int
store_report_get(struct store *s, int64_t batch_id, const char *type,
    char **payload, char **cause)
{
	struct db_stmt *st;
	size_t i;

	if (reports_kept(s, batch_id)) {
		for (i = 0; i < s->n_rep; i++)
			if (strcmp(s->rep_type[i], type) == 0) {
				*payload = xstrdup(s->rep_payload[i]);
				return 0;
			}
		return 1;	/* none put since the claim: none at all */
	}
	if ((st = store_stmt(s, sql_report_get, cause)) == NULL)
		return -1;
	db_bind_int64(st, 1, batch_id);
	db_bind_text(st, 2, type, -1, DB_STATIC);
	return store_stmt_text(s, st, payload, "reading a report", cause);
}

/* Cut at most max bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *text, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && n > max - 4 &&
	    ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/*
 * Caller frees. text[0..len) as PostgreSQL's TEXT takes it, in *n bytes:
 * each byte that starts no valid UTF-8 sequence, and each NUL, becomes
 * U+FFFD; everything else (tabs, newlines, other controls) stays as it
 * is. NULL if text is taken as it is. (SQLite keeps the raw bytes.)
 */
static char *
pg_text(const char *text, size_t len, size_t *n)
{
	const unsigned char *u = (const unsigned char *)text;
	size_t i = 0, k;
	uint32_t cp;
	char *out;

	if (sanitize_valid(u, len) && memchr(text, '\0', len) == NULL)
		return NULL;
	out = xmalloc(len * 3 + 1);
	*n = 0;
	while (i < len) {
		k = sanitize_decode(u + i, len - i, &cp);
		if (k == 0 || cp == 0) {
			*n += sanitize_encode(0xfffd, out + *n);
			i++;
		} else {
			memcpy(out + *n, text + i, k);
			*n += k;
			i += k;
		}
	}
	out[*n] = '\0';
	return out;
}

int
store_reject_add(struct store *s, const char *source, uint64_t line,
    const char *reason, const char *text, size_t len, char **cause)
{
	struct db_stmt *st;
	size_t keep, n;
	char *clean = NULL;
	bool cut;
	int rc;

	if (text == NULL) {
		text = "";
		len = 0;
	}
	keep = utf8_cut(text, len, STORE_REJECT_TEXT_MAX);
	cut = keep < len;
	if (s->pg && (clean = pg_text(text, keep, &n)) != NULL) {
		text = clean;
		keep = utf8_cut(clean, n, STORE_REJECT_TEXT_MAX);
		cut = cut || keep < n;
	}
	if (store_write_begin(s, cause) == -1 ||
	    (st = store_stmt(s, sql_reject_add, cause)) == NULL) {
		free(clean);
		return -1;
	}
	db_bind_text(st, 1, source == NULL ? "" : source, -1,
	    DB_STATIC);
	db_bind_int64(st, 2, line > INT64_MAX ? INT64_MAX :
	    (int64_t)line);
	db_bind_text(st, 3, reason == NULL ? "" : reason, -1,
	    DB_STATIC);
	db_bind_text(st, 4, text, (int)keep, DB_STATIC);
	db_bind_int64(st, 5, cut);
	db_bind_double(st, 6, clock_wall());
	s->tx_writes++;
	rc = store_stmt_send(s, st, "storing a rejected line", cause);
	free(clean);
	return rc;
}

int
store_detector_get(struct store *s, const char *name, int64_t *last_batch,
    char **state, char **cause)
{
	struct db_stmt *st;
	const char *v;
	int rc;

	if (s->in_tx && s->det_tx == s->tx_seq && s->det_name != NULL &&
	    s->det_model == s->model_id && strcmp(s->det_name, name) == 0) {
		*last_batch = s->det_last;
		*state = xstrdup(s->det_state);
		return 0;
	}
	st = store_stmt(s, sql_detector_get, cause);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name, -1, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_DONE) {
		db_reset(st);
		return 1;
	}
	if (rc != DB_ROW) {
		db_reset(st);
		*cause = store_db_error(s, "reading detector state");
		return -1;
	}
	*last_batch = db_column_null(st, 0) ? -1 :
	    db_column_int64(st, 0);
	v = db_column_text(st, 1);
	*state = xstrdup(v == NULL ? "" : v);
	db_reset(st);
	return 0;
}

int
store_detector_put(struct store *s, const char *name, int64_t last_batch,
    const char *state, char **cause)
{
	struct db_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_stmt(s, sql_detector_put, cause);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, name, -1, DB_STATIC);
	db_bind_int64(st, 2, last_batch);
	db_bind_text(st, 3, state == NULL ? "" : state, -1,
	    DB_STATIC);
	db_bind_double(st, 4, clock_wall());
	s->tx_writes++;
	if (store_stmt_send(s, st, "storing detector state", cause) == -1)
		return -1;
	free(s->det_name);
	free(s->det_state);
	s->det_name = xstrdup(name);
	s->det_state = xstrdup(state == NULL ? "" : state);
	s->det_last = last_batch;
	s->det_tx = s->tx_seq;
	s->det_model = s->model_id;
	return 0;
}
