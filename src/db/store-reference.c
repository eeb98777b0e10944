/*
 * The reference window (table reference, its digest in meta) and what is
 * fitted on it (the calibration map, the PSI nulls). A restart that sends
 * the identical reference is accepted silently; a different one is
 * refused unless the caller asks to replace it. The axis names and types
 * it is read with are store-axes.c's.
 */
#include "db/store-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/cat-dict.h"
#include "core/clock.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/driver-pg.h"

static const char sql_ref_clear[] =
    "DELETE FROM reference WHERE model_id = :model";
static const char sql_ref_insert[] =
    "INSERT INTO reference (row, features, predicted_class, confidence,"
    " scores, true_class, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, :model)";
static const char sql_ref_select[] =
    "SELECT row, features, predicted_class, confidence, scores, true_class"
    " FROM reference WHERE model_id = :model ORDER BY row";

/* ---- Reference ------------------------------------------------------ */

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static uint64_t
fnv_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t
fnv_add_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));	/* little endian */
	return fnv_add(h, b, sizeof b);
}

static uint64_t
fnv_add_double(uint64_t h, double v)
{
	uint64_t bits;

	if (v == 0)
		v = 0;	/* -0 and +0 hash alike */
	if (isnan(v))
		v = NAN;	/* a missing value: one NaN */
	memcpy(&bits, &v, sizeof bits);
	return fnv_add_u64(h, bits);
}

/*
 * One feature value: a number by its bits; a categorical value (a code
 * of dict) by its string's bytes and a NUL, so the digest does not
 * depend on the order a process interned the strings in.
 */
static uint64_t
fnv_add_value(uint64_t h, double v, bool categorical,
    const struct cat_dict *dict)
{
	const char *name;

	if (!categorical || isnan(v) ||
	    (name = cat_dict_name(dict, v)) == NULL)
		return fnv_add_double(h, v);
	return fnv_add(h, name, strlen(name) + 1);
}

/*
 * FNV-1a 64 over the canonical values: the three sizes, then per row its
 * features, predicted class, confidence, scores and true class (-1 for
 * unknown), integers as 64-bit little endian, doubles by their IEEE bits,
 * categorical values by their strings.
 */
uint64_t
store_reference_digest(const struct store_reference *r,
    const struct cat_dict *dict)
{
	uint64_t h = FNV_OFFSET;
	size_t i, j, nf = r->n_features;

	h = fnv_add_u64(h, r->n_rows);
	h = fnv_add_u64(h, r->n_features);
	h = fnv_add_u64(h, (uint64_t)r->n_classes);
	for (i = 0; i < r->n_rows; i++) {
		for (j = 0; j < nf; j++)
			h = fnv_add_value(h, r->features[i * nf + j],
			    r->categorical != NULL && r->categorical[j],
			    dict);
		h = fnv_add_u64(h, (uint64_t)(int64_t)r->predicted[i]);
		h = fnv_add_double(h, r->confidence[i]);
		for (j = 0; j < (size_t)r->n_classes; j++)
			h = fnv_add_double(h, r->scores[i * r->n_classes + j]);
		h = fnv_add_u64(h, (uint64_t)(int64_t)(r->true_class == NULL ?
		    -1 : (r->true_class[i] < 0 ? -1 : r->true_class[i])));
	}
	return h;
}

void
store_reference_finish(struct store_reference *r)
{
	free(r->features);
	free(r->predicted);
	free(r->confidence);
	free(r->scores);
	free(r->true_class);
	free(r->categorical);
	memset(r, 0, sizeof *r);
}

/* Encode a JSON array of doubles into a reused buffer. */
static void
json_doubles_encode(char **buf, size_t *cap, const double *v, size_t n)
{
	size_t need = 3 + n * 32, len = 0, i;

	if (*cap < need) {
		*cap = need;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	(*buf)[len++] = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			(*buf)[len++] = ',';
		len += store_format_double(*buf + len, *cap - len, v[i]);
	}
	(*buf)[len++] = ']';
	(*buf)[len] = '\0';
}

/*
 * A features row with categorical columns: their codes as strings of
 * dict (NULL names: null), the numbers as json_doubles_encode writes.
 */
static void
features_encode(struct strbuf *b, const double *v, size_t n,
    const bool *categorical, const struct cat_dict *dict)
{
	char num[40];
	const char *name;
	size_t i;

	b->len = 0;
	strbuf_add(b, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strbuf_add(b, ",", 1);
		if (categorical[i] && !isnan(v[i]) &&
		    (name = cat_dict_name(dict, v[i])) != NULL)
			store_json_string(b, name);
		else
			strbuf_add(b, num, store_format_double(num,
			    sizeof num, v[i]));
	}
	strbuf_add(b, "]", 1);
}

static int
reference_check(struct store *s, const struct store_reference *r,
    char **cause)
{
	size_t i;

	if (r->n_rows == 0 || r->n_features == 0 || r->n_classes < 2) {
		*cause = xasprintf("%s: an empty reference (%zu rows, %zu "
		    "features, %d classes) cannot be stored", s->path,
		    r->n_rows, r->n_features, r->n_classes);
		return -1;
	}
	for (i = 0; i < r->n_rows; i++) {
		if (r->predicted[i] < 0 || r->predicted[i] >= r->n_classes) {
			*cause = xasprintf("%s: reference row %zu predicts "
			    "class %d of %d", s->path, i, r->predicted[i],
			    r->n_classes);
			return -1;
		}
		if (r->true_class != NULL &&
		    r->true_class[i] >= r->n_classes) {
			*cause = xasprintf("%s: reference row %zu has true "
			    "class %d of %d", s->path, i, r->true_class[i],
			    r->n_classes);
			return -1;
		}
	}
	return 0;
}

#define REF_COLUMNS "row, features, predicted_class, confidence, scores," \
	" true_class, model_id"

/* Row i of r (its JSON texts made) by PostgreSQL's COPY. 0 or -1. */
static int
reference_row_copy(struct store *s, const struct store_reference *r,
    size_t i, const char *features, const char *scores, int64_t model,
    char **cause)
{
	char num[5][32];
	const char *v[7];

	snprintf(num[0], sizeof num[0], "%zu", i);
	snprintf(num[1], sizeof num[1], "%d", r->predicted[i]);
	snprintf(num[3], sizeof num[3], "%d",
	    r->true_class != NULL ? r->true_class[i] : -1);
	snprintf(num[4], sizeof num[4], "%lld", (long long)model);
	v[0] = num[0];
	v[1] = features;
	v[2] = num[1];
	v[3] = db_pg_double_text(num[2], sizeof num[2], r->confidence[i]);
	v[4] = scores;
	v[5] = r->true_class == NULL || r->true_class[i] < 0 ? NULL : num[3];
	v[6] = num[4];
	return store_bulk_row(s, "reference", REF_COLUMNS, v, 7, cause);
}

/* Row i of r (its JSON texts made) by the prepared INSERT st. */
static int
reference_row_insert(struct store *s, struct db_stmt *st,
    const struct store_reference *r, size_t i, const char *features,
    const char *scores, char **cause)
{
	db_bind_int64(st, 1, (int64_t)i);
	db_bind_text(st, 2, features, -1, DB_STATIC);
	db_bind_int64(st, 3, r->predicted[i]);
	db_bind_double(st, 4, r->confidence[i]);
	db_bind_text(st, 5, scores, -1, DB_STATIC);
	if (r->true_class == NULL || r->true_class[i] < 0)
		db_bind_null(st, 6);
	else
		db_bind_int64(st, 6, r->true_class[i]);
	return store_stmt_send(s, st, "storing the reference", cause);
}

/*
 * The reference's rows into the (cleared) reference table: on
 * PostgreSQL by one COPY, on SQLite by a prepared INSERT each.
 */
static int
reference_rows_insert(struct store *s, const struct store_reference *r,
    char **cause)
{
	struct db_stmt *st = NULL;
	char *fbuf = NULL, *sbuf = NULL;
	struct strbuf cbuf = STRBUF_INIT;
	size_t fcap = 0, scap = 0, i;
	int64_t model = store_model_param(s);
	int rc = 0;

	if (!s->pg && (st = store_stmt(s, sql_ref_insert, cause)) == NULL)
		return -1;
	for (i = 0; rc == 0 && i < r->n_rows; i++) {
		if (r->categorical != NULL)
			features_encode(&cbuf, r->features + i * r->n_features,
			    r->n_features, r->categorical, s->dict);
		else
			json_doubles_encode(&fbuf, &fcap, r->features +
			    i * r->n_features, r->n_features);
		json_doubles_encode(&sbuf, &scap, r->scores +
		    i * (size_t)r->n_classes, (size_t)r->n_classes);
		rc = s->pg ? reference_row_copy(s, r, i, r->categorical !=
		    NULL ? cbuf.s : fbuf, sbuf, model, cause) :
		    reference_row_insert(s, st, r, i, r->categorical != NULL ?
		    cbuf.s : fbuf, sbuf, cause);
	}
	free(fbuf);
	free(sbuf);
	strbuf_finish(&cbuf);
	return rc;
}

int
store_reference_put(struct store *s, const struct store_reference *r,
    bool replace, char **cause)
{
	struct db_stmt *st;
	char *old = NULL, *old_size = NULL, digest[40], size[64];
	int rc;

	if (reference_check(s, r, cause) == -1)
		return -1;
	if (store_write_begin(s, cause) == -1)
		return -1;
	snprintf(digest, sizeof digest, "fnv1a64:%016llx",
	    (unsigned long long)store_reference_digest(r, s->dict));
	snprintf(size, sizeof size, "%zu rows x %zu features x %d classes",
	    r->n_rows, r->n_features, r->n_classes);
	rc = store_meta_get(s, "reference_digest", &old, cause);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		if (strcmp(old, digest) == 0) {
			free(old);
			return 0;
		}
		if (!replace) {
			if (store_meta_get(s, "reference_size", &old_size,
			    cause) == -1) {
				free(old);
				return -1;
			}
			*cause = xasprintf("%s: a different reference is "
			    "stored (%s, %s) than the one given (%s, %s); "
			    "replacing it needs the replace option", s->path,
			    old_size == NULL ? "?" : old_size, old, size,
			    digest);
			free(old);
			free(old_size);
			return -1;
		}
	}
	free(old);
	s->tx_writes++;
	st = store_stmt(s, sql_ref_clear, cause);
	if (st == NULL || store_stmt_done(s, st, "clearing the reference",
	    cause) == -1)
		return -1;
	if (reference_rows_insert(s, r, cause) == -1)
		return -1;
	if (store_meta_set(s, "reference_digest", digest, cause) == -1 ||
	    store_meta_set(s, "reference_size", size, cause) == -1)
		return -1;
	snprintf(size, sizeof size, "%.6f", clock_wall());
	return store_meta_set(s, "reference_stored_at", size, cause);
}

/* r's categorical columns: the stored schema's (none without one). */
static int
reference_types(struct store *s, struct store_reference *r, char **cause)
{
	struct store_schema sc;
	int rc;

	if ((rc = store_schema_get(s, &sc, cause)) != 0)
		return rc == 1 ? 0 : -1;
	if (sc.categorical != NULL && sc.n_features == r->n_features) {
		r->categorical = sc.categorical;
		sc.categorical = NULL;
	}
	store_schema_finish(&sc);
	return 0;
}

/* What reading the reference rows carries from row to row. */
struct ref_buf {
	double	*tmp;		/* one row's decoded numbers */
	size_t	 tcap;
	size_t	 cap;		/* rows allocated in the reference */
	size_t	 scap;		/* rows allocated in its scores */
};

/* One stored reference row appended to r. 0 or -1 (*cause). */
static int
reference_row(struct store *s, struct db_stmt *st, struct store_reference *r,
    struct ref_buf *rb, char **cause)
{
	long	n;

	if (db_column_int64(st, 0) != (int64_t)r->n_rows) {
		*cause = xasprintf("%s: reference rows are not numbered "
		    "0..n-1", s->path);
		return -1;
	}
	n = store_json_features(db_column_text(st, 1), db_column_bytes(st, 1),
	    &rb->tmp, &rb->tcap, s->dict);
	if (n <= 0 || (r->n_rows > 0 && (size_t)n != r->n_features)) {
		*cause = xasprintf("%s: reference row %zu has bad features",
		    s->path, r->n_rows);
		return -1;
	}
	if (r->n_rows == rb->cap) {
		r->n_features = (size_t)n;
		store_rows_grow(&rb->cap, r->n_features, &r->features,
		    &r->predicted, &r->confidence, &r->true_class);
	}
	memcpy(r->features + r->n_rows * r->n_features, rb->tmp,
	    r->n_features * sizeof *rb->tmp);
	r->predicted[r->n_rows] = db_column_int(st, 2);
	r->confidence[r->n_rows] = db_column_double(st, 3);
	r->true_class[r->n_rows] = db_column_null(st, 5) ? -1 :
	    db_column_int(st, 5);
	n = store_json_doubles(db_column_text(st, 4), db_column_bytes(st, 4),
	    &rb->tmp, &rb->tcap);
	if (n < 2 || (r->n_rows > 0 && n != r->n_classes)) {
		*cause = xasprintf("%s: reference row %zu has bad scores",
		    s->path, r->n_rows);
		return -1;
	}
	if (r->n_rows == 0)
		r->n_classes = (int)n;
	if (rb->scap < rb->cap) {	/* scores grow with the other columns */
		rb->scap = rb->cap;
		r->scores = xreallocarray(r->scores, rb->scap,
		    (size_t)r->n_classes * sizeof *r->scores);
	}
	memcpy(r->scores + r->n_rows * (size_t)r->n_classes, rb->tmp,
	    (size_t)r->n_classes * sizeof *rb->tmp);
	r->n_rows++;
	return 0;
}

int
store_reference_get(struct store *s, struct store_reference *out,
    char **cause)
{
	struct store_reference r;
	struct ref_buf rb = { NULL, 0, 0, 0 };
	struct db_stmt *st;
	size_t i;
	char *digest = NULL, want[40];
	int rc, ret = -1;

	memset(&r, 0, sizeof r);
	rc = store_meta_get(s, "reference_digest", &digest, cause);
	if (rc != 0)
		return rc;
	st = store_stmt(s, sql_ref_select, cause);
	if (st == NULL)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (reference_row(s, st, &r, &rb, cause) != 0)
			goto out;
	}
	if (rc != DB_DONE) {
		*cause = store_db_error(s, "reading the reference");
		goto out;
	}
	for (i = 0; i < r.n_rows; i++)
		if (r.predicted[i] < 0 || r.predicted[i] >= r.n_classes)
			break;
	if (reference_types(s, &r, cause) == -1)
		goto out;
	snprintf(want, sizeof want, "fnv1a64:%016llx",
	    (unsigned long long)store_reference_digest(&r, s->dict));
	if (r.n_rows == 0 || i < r.n_rows || strcmp(want, digest) != 0) {
		*cause = xasprintf("%s: the stored reference (%zu rows) does "
		    "not match its digest %s (computed %s)", s->path,
		    r.n_rows, digest, want);
		goto out;
	}
	*out = r;
	memset(&r, 0, sizeof r);
	ret = 0;
out:
	if (st != NULL)
		db_reset(st);
	store_reference_finish(&r);
	free(rb.tmp);
	free(digest);
	return ret;
}

/*
 * Texts fitted on the stored reference sit in meta beside the digest of
 * the reference they were fitted on: the calibration map ("calibration",
 * "calibration_reference"), the PSI nulls ("psi_nulls",
 * "psi_nulls_reference") and the joint tests' nulls ("joint_nulls",
 * "joint_nulls_reference"). A replaced reference leaves nothing stale
 * behind: get answers "none" for it.
 */
static const char *const fitted_keys[][2] = {
	[STORE_FIT_CALIBRATION] = { "calibration", "calibration_reference" },
	[STORE_FIT_PSI_NULLS] = { "psi_nulls", "psi_nulls_reference" },
	[STORE_FIT_JOINT_NULLS] = { "joint_nulls", "joint_nulls_reference" },
};

int
store_fitted_get(struct store *s, enum store_fitted what, char **text,
    char **cause)
{
	const char *key = fitted_keys[what][0], *refkey = fitted_keys[what][1];
	char *ref = NULL, *fitted = NULL;
	int rc;

	*text = NULL;
	rc = store_meta_get(s, "reference_digest", &ref, cause);
	if (rc == 0)
		rc = store_meta_get(s, refkey, &fitted, cause);
	if (rc == 0 && strcmp(ref, fitted) != 0)
		rc = 1;
	if (rc == 0)
		rc = store_meta_get(s, key, text, cause);
	free(ref);
	free(fitted);
	return rc;
}

int
store_fitted_put(struct store *s, enum store_fitted what, const char *text,
    char **cause)
{
	const char *key = fitted_keys[what][0], *refkey = fitted_keys[what][1];
	char *ref = NULL;
	int rc;

	if (store_write_begin(s, cause) == -1)
		return -1;
	rc = store_meta_get(s, "reference_digest", &ref, cause);
	if (rc == 1)
		*cause = xasprintf("%s: no reference is stored to fit %s on",
		    s->path, key);
	if (rc == 0 && (store_meta_set(s, key, text, cause) == -1 ||
	    store_meta_set(s, refkey, ref, cause) == -1))
		rc = -1;
	free(ref);
	return rc == 0 ? 0 : -1;
}
