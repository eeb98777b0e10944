/*
 * The store's axis names (schema: feature and class names, in meta) and
 * the reference window (table reference, its digest in meta). A restart
 * that sends the identical reference is accepted silently; a different
 * one is refused unless the caller asks to replace it.
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

static const char sql_ref_clear[] =
    "DELETE FROM reference WHERE model_id = :model";
static const char sql_ref_insert[] =
    "INSERT INTO reference (row, features, predicted_class, confidence,"
    " scores, true_class, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, :model)";
static const char sql_ref_select[] =
    "SELECT row, features, predicted_class, confidence, scores, true_class"
    " FROM reference WHERE model_id = :model ORDER BY row";

/* ---- Schema (axis names) ------------------------------------------- */

void
store_schema_finish(struct store_schema *sc)
{
	size_t i;

	if (sc->feature_names != NULL) {
		for (i = 0; i < sc->n_features; i++)
			free(sc->feature_names[i]);
		free(sc->feature_names);
	}
	if (sc->class_names != NULL) {
		for (i = 0; i < (size_t)sc->n_classes; i++)
			free(sc->class_names[i]);
		free(sc->class_names);
	}
	free(sc->categorical);
	memset(sc, 0, sizeof *sc);
}

/* Parse a JSON array of n strings. Caller frees. NULL if malformed. */
static char **
names_decode(const char *text, size_t n)
{
	cJSON *arr, *it;
	char **names;
	size_t i = 0;

	arr = cJSON_Parse(text);
	if (arr == NULL || !cJSON_IsArray(arr) ||
	    (size_t)cJSON_GetArraySize(arr) != n || n == 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	names = xcalloc(n, sizeof *names);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it)) {
			while (i > 0)
				free(names[--i]);
			free(names);
			cJSON_Delete(arr);
			return NULL;
		}
		names[i++] = xstrdup(it->valuestring);
	}
	cJSON_Delete(arr);
	return names;
}

/* Caller frees. A JSON array of strings. */
static char *
names_encode(char *const *names, size_t n)
{
	cJSON *arr;
	char *text;
	size_t i;

	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(names[i]));
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (text == NULL) {
		fprintf(stderr, "mlmon: out of memory encoding names\n");
		abort();
	}
	return text;
}

/*
 * meta feature_types: a JSON array of n "numeric"/"categorical", written
 * only for a schema with a categorical feature. Caller frees.
 */
static char *
types_encode(const bool *categorical, size_t n)
{
	char **words = xcalloc(n, sizeof *words), *text;
	size_t i;

	for (i = 0; i < n; i++)
		words[i] = categorical != NULL && categorical[i] ?
		    "categorical" : "numeric";
	text = names_encode(words, n);
	free(words);
	return text;
}

/* The array of types_encode; NULL if malformed. Caller frees. */
static bool *
types_decode(const char *text, size_t n)
{
	char **words = names_decode(text, n);
	bool *cat, ok = words != NULL;
	size_t i;

	cat = xcalloc(n ? n : 1, sizeof *cat);
	for (i = 0; words != NULL && i < n; i++) {
		cat[i] = strcmp(words[i], "categorical") == 0;
		if (!cat[i] && strcmp(words[i], "numeric") != 0)
			ok = false;
		free(words[i]);
	}
	free(words);
	if (!ok) {
		free(cat);
		return NULL;
	}
	return cat;
}

static bool
any_true(const bool *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		if (v[i])
			return true;
	return false;
}

static bool
parse_size(const char *text, long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

int
store_schema_get(struct store *s, struct store_schema *out, char **cause)
{
	struct store_schema sc;
	char *nf = NULL, *nc = NULL, *fn = NULL, *cn = NULL;
	long long vf, vc;
	int rc, ret = -1;

	memset(&sc, 0, sizeof sc);
	rc = store_meta_get(s, "n_features", &nf, cause);
	if (rc != 0) {
		ret = rc;
		goto out;
	}
	if ((rc = store_meta_get(s, "n_classes", &nc, cause)) != 0 ||
	    (rc = store_meta_get(s, "feature_names", &fn, cause)) != 0 ||
	    (rc = store_meta_get(s, "class_names", &cn, cause)) != 0) {
		if (rc == 1)
			*cause = xasprintf("%s: meta holds n_features but not "
			    "the rest of the schema", s->path);
		goto out;
	}
	if (!parse_size(nf, 1 << 20, &vf) || !parse_size(nc, 1 << 20, &vc)) {
		*cause = xasprintf("%s: meta has a bad n_features (%s) or "
		    "n_classes (%s)", s->path, nf, nc);
		goto out;
	}
	sc.n_features = (size_t)vf;
	sc.n_classes = (int)vc;
	sc.feature_names = names_decode(fn, sc.n_features);
	sc.class_names = names_decode(cn, (size_t)sc.n_classes);
	free(fn);
	fn = NULL;
	if ((rc = store_meta_get(s, "feature_types", &fn, cause)) == -1) {
		store_schema_finish(&sc);
		goto out;
	}
	if (rc == 0 && (sc.categorical = types_decode(fn,
	    sc.n_features)) == NULL) {
		*cause = xasprintf("%s: meta feature_types is not a JSON "
		    "array of %zu \"numeric\" or \"categorical\"", s->path,
		    sc.n_features);
		store_schema_finish(&sc);
		goto out;
	}
	if (sc.feature_names == NULL || sc.class_names == NULL) {
		*cause = xasprintf("%s: meta feature_names or class_names is "
		    "not a JSON array of %zu/%d strings", s->path,
		    sc.n_features, sc.n_classes);
		store_schema_finish(&sc);
		goto out;
	}
	*out = sc;
	ret = 0;
out:
	free(nf);
	free(nc);
	free(fn);
	free(cn);
	return ret;
}

/* Names must be non-empty and unique (they are JSON object keys). */
static int
names_check(char *const *names, size_t n, const char *axis, char **cause)
{
	size_t i, j;

	if (names == NULL) {
		*cause = xasprintf("%s names missing", axis);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || names[i][0] == '\0') {
			*cause = xasprintf("%s name %zu is empty", axis, i);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(names[i], names[j]) == 0) {
				*cause = xasprintf("%s name \"%s\" appears "
				    "twice (%zu and %zu)", axis, names[i],
				    j, i);
				return -1;
			}
		}
	}
	return 0;
}

static bool
schema_equal(const struct store_schema *a, const struct store_schema *b)
{
	size_t i;

	if (a->n_features != b->n_features || a->n_classes != b->n_classes)
		return false;
	for (i = 0; i < a->n_features; i++)
		if (strcmp(a->feature_names[i], b->feature_names[i]) != 0 ||
		    (a->categorical != NULL && a->categorical[i]) !=
		    (b->categorical != NULL && b->categorical[i]))
			return false;
	for (i = 0; i < (size_t)a->n_classes; i++)
		if (strcmp(a->class_names[i], b->class_names[i]) != 0)
			return false;
	return true;
}

static int
schema_write(struct store *s, const struct store_schema *sc, bool replace,
    char **cause)
{
	struct store_schema old;
	char *fn, *cn, buf[32];
	int rc;

	if (sc->n_features < 1 || sc->n_features > (1 << 20) ||
	    sc->n_classes < 2 || sc->n_classes > (1 << 20)) {
		*cause = xasprintf("%s: schema needs >= 1 feature and >= 2 "
		    "classes (got %zu and %d)", s->path, sc->n_features,
		    sc->n_classes);
		return -1;
	}
	if (names_check(sc->feature_names, sc->n_features, "feature",
	    cause) == -1 || names_check(sc->class_names,
	    (size_t)sc->n_classes, "class", cause) == -1)
		return -1;
	if (store_write_begin(s, cause) == -1)
		return -1;
	rc = store_schema_get(s, &old, cause);
	if (rc == -1)
		return -1;
	if (rc == 0) {
		if (schema_equal(&old, sc)) {
			store_schema_finish(&old);
			return 0;
		}
		if (!replace) {
			*cause = xasprintf("%s: a different schema is stored "
			    "(%zu features, %d classes; given %zu features, "
			    "%d classes or other names)", s->path,
			    old.n_features, old.n_classes, sc->n_features,
			    sc->n_classes);
			store_schema_finish(&old);
			return -1;
		}
		store_schema_finish(&old);
	}
	fn = names_encode(sc->feature_names, sc->n_features);
	cn = names_encode(sc->class_names, (size_t)sc->n_classes);
	snprintf(buf, sizeof buf, "%zu", sc->n_features);
	rc = store_meta_set(s, "n_features", buf, cause);
	snprintf(buf, sizeof buf, "%d", sc->n_classes);
	if (rc == 0)
		rc = store_meta_set(s, "n_classes", buf, cause);
	if (rc == 0)
		rc = store_meta_set(s, "feature_names", fn, cause);
	if (rc == 0)
		rc = store_meta_set(s, "class_names", cn, cause);
	free(fn);
	free(cn);
	if (rc == 0 && (replace || any_true(sc->categorical,
	    sc->n_features))) {
		fn = types_encode(sc->categorical, sc->n_features);
		rc = store_meta_set(s, "feature_types", fn, cause);
		free(fn);
	}
	return rc;
}

int
store_schema_put(struct store *s, const struct store_schema *sc,
    char **cause)
{
	return schema_write(s, sc, false, cause);
}

int
store_schema_replace(struct store *s, const struct store_schema *sc,
    char **cause)
{
	return schema_write(s, sc, true, cause);
}

void
store_schema_default(struct store_schema *sc, size_t n_features,
    int n_classes)
{
	size_t i;

	memset(sc, 0, sizeof *sc);
	sc->n_features = n_features;
	sc->n_classes = n_classes;
	sc->feature_names = xcalloc(n_features, sizeof *sc->feature_names);
	for (i = 0; i < n_features; i++)
		sc->feature_names[i] = xasprintf("feature_%zu", i);
	sc->class_names = xcalloc((size_t)n_classes, sizeof *sc->class_names);
	for (i = 0; i < (size_t)n_classes; i++)
		sc->class_names[i] = xasprintf("%zu", i);
}

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

/* The reference's rows into the (cleared) reference table. */
static int
reference_rows_insert(struct store *s, const struct store_reference *r,
    char **cause)
{
	struct db_stmt *st;
	char *fbuf = NULL, *sbuf = NULL;
	struct strbuf cbuf = STRBUF_INIT;
	size_t fcap = 0, scap = 0, i;
	int rc = 0;

	st = store_stmt(s, sql_ref_insert, cause);
	if (st == NULL)
		return -1;
	for (i = 0; i < r->n_rows; i++) {
		if (r->categorical != NULL)
			features_encode(&cbuf, r->features + i * r->n_features,
			    r->n_features, r->categorical, s->dict);
		else
			json_doubles_encode(&fbuf, &fcap, r->features +
			    i * r->n_features, r->n_features);
		json_doubles_encode(&sbuf, &scap, r->scores +
		    i * (size_t)r->n_classes, (size_t)r->n_classes);
		db_bind_int64(st, 1, (int64_t)i);
		db_bind_text(st, 2, r->categorical != NULL ? cbuf.s : fbuf,
		    -1, DB_STATIC);
		db_bind_int64(st, 3, r->predicted[i]);
		db_bind_double(st, 4, r->confidence[i]);
		db_bind_text(st, 5, sbuf, -1, DB_STATIC);
		if (r->true_class == NULL || r->true_class[i] < 0)
			db_bind_null(st, 6);
		else
			db_bind_int64(st, 6, r->true_class[i]);
		if (store_stmt_done(s, st, "storing the reference",
		    cause) == -1) {
			rc = -1;
			break;
		}
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

int
store_reference_get(struct store *s, struct store_reference *out,
    char **cause)
{
	struct store_reference r;
	struct db_stmt *st;
	double *tmp = NULL;
	size_t tcap = 0, cap = 0, scap = 0, i;
	char *digest = NULL, want[40];
	long n;
	int rc, ret = -1;

	memset(&r, 0, sizeof r);
	rc = store_meta_get(s, "reference_digest", &digest, cause);
	if (rc != 0)
		return rc;
	st = store_stmt(s, sql_ref_select, cause);
	if (st == NULL)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (db_column_int64(st, 0) != (int64_t)r.n_rows) {
			*cause = xasprintf("%s: reference rows are not "
			    "numbered 0..n-1", s->path);
			goto out;
		}
		n = store_json_features(db_column_text(st, 1),
		    db_column_bytes(st, 1), &tmp, &tcap, s->dict);
		if (n <= 0 || (r.n_rows > 0 && (size_t)n != r.n_features)) {
			*cause = xasprintf("%s: reference row %zu has bad "
			    "features", s->path, r.n_rows);
			goto out;
		}
		if (r.n_rows == cap) {
			r.n_features = (size_t)n;
			store_rows_grow(&cap, r.n_features, &r.features,
			    &r.predicted, &r.confidence, &r.true_class);
		}
		memcpy(r.features + r.n_rows * r.n_features, tmp,
		    r.n_features * sizeof *tmp);
		r.predicted[r.n_rows] = db_column_int(st, 2);
		r.confidence[r.n_rows] = db_column_double(st, 3);
		r.true_class[r.n_rows] = db_column_null(st, 5) ? -1 :
		    db_column_int(st, 5);
		n = store_json_doubles(db_column_text(st, 4),
		    db_column_bytes(st, 4), &tmp, &tcap);
		if (n < 2 || (r.n_rows > 0 && n != r.n_classes)) {
			*cause = xasprintf("%s: reference row %zu has bad "
			    "scores", s->path, r.n_rows);
			goto out;
		}
		if (r.n_rows == 0)
			r.n_classes = (int)n;
		if (scap < cap) {	/* scores grow with the other columns */
			scap = cap;
			r.scores = xreallocarray(r.scores, scap,
			    (size_t)r.n_classes * sizeof *r.scores);
		}
		memcpy(r.scores + r.n_rows * (size_t)r.n_classes, tmp,
		    (size_t)r.n_classes * sizeof *tmp);
		r.n_rows++;
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
	free(tmp);
	free(digest);
	return ret;
}

/*
 * Texts fitted on the stored reference sit in meta beside the digest of
 * the reference they were fitted on: the calibration map ("calibration",
 * "calibration_reference") and the PSI nulls ("psi_nulls",
 * "psi_nulls_reference"). A replaced reference leaves nothing stale
 * behind: get answers "none" for it.
 */
static int
fitted_get(struct store *s, const char *key, const char *refkey,
    char **text, char **cause)
{
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

static int
fitted_put(struct store *s, const char *key, const char *refkey,
    const char *text, char **cause)
{
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

int
store_calibration_get(struct store *s, char **text, char **cause)
{
	return fitted_get(s, "calibration", "calibration_reference", text,
	    cause);
}

int
store_calibration_put(struct store *s, const char *text, char **cause)
{
	return fitted_put(s, "calibration", "calibration_reference", text,
	    cause);
}

int
store_psi_nulls_get(struct store *s, char **text, char **cause)
{
	return fitted_get(s, "psi_nulls", "psi_nulls_reference", text, cause);
}

int
store_psi_nulls_put(struct store *s, const char *text, char **cause)
{
	return fitted_put(s, "psi_nulls", "psi_nulls_reference", text, cause);
}
