/*
 * The store's axes (struct store_schema): feature and class names and the
 * feature types, kept in meta. A restart that sends the same names is
 * accepted silently; different ones are refused unless the caller asks to
 * replace them.
 */
#include "db/store-internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/xalloc.h"

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
