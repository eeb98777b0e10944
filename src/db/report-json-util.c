/*
 * The pieces every payload file of src/db (report-json-feature.c,
 * report-json-cat.c, report-json.c, report-json-estimate.c) writes and
 * reads with:
 * compact JSON written straight into a strbuf (the bytes
 * cJSON_PrintUnformatted gives), one parser of untrusted payloads, and
 * checked reads of a cJSON tree (report-json-internal.h).
 */
#include "db/report-json-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/store-internal.h"
#include "db/store.h"

#define JSON_KEY_FAST	48	/* key bytes copied without store_json_string */

/*
 * "key": after a comma unless it is the first member. A short key with
 * nothing to escape (every key the encoders write) goes out in one
 * append; any other through store_json_string, the same bytes.
 */
void
json_key(struct strbuf *b, bool *first, const char *key)
{
	char buf[JSON_KEY_FAST + 4];
	size_t lead = *first ? 0 : 1, n, i;

	*first = false;
	buf[0] = ',';
	buf[lead] = '"';
	n = lead + 1;
	for (i = 0; i < JSON_KEY_FAST && key[i] != '\0'; i++) {
		if ((unsigned char)key[i] <= 31 || key[i] == '"' ||
		    key[i] == '\\')
			break;
		buf[n++] = key[i];
	}
	if (key[i] != '\0') {	/* long or escaped: the general writer */
		strbuf_add(b, buf, lead);
		store_json_string(b, key);
		strbuf_add(b, ":", 1);
		return;
	}
	buf[n++] = '"';
	buf[n++] = ':';
	strbuf_add(b, buf, n);
}

void
json_number(struct strbuf *b, double v)
{
	char buf[40];
	size_t n;

	n = store_format_double(buf, sizeof buf, v);
	strbuf_add(b, buf, n < sizeof buf ? n : strlen(buf));
}

void
json_count(struct strbuf *b, uint64_t v)
{
	char buf[24];
	size_t i = sizeof buf;

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	strbuf_add(b, buf + i, sizeof buf - i);
}

void
json_bool(struct strbuf *b, bool v)
{
	if (v)
		strbuf_add(b, "true", 4);
	else
		strbuf_add(b, "false", 5);
}

/* One member "key":value of an object, after a comma unless the first. */
void
json_member_number(struct strbuf *b, bool *first, const char *key, double v)
{
	json_key(b, first, key);
	json_number(b, v);
}

void
json_member_count(struct strbuf *b, bool *first, const char *key,
    uint64_t v)
{
	json_key(b, first, key);
	json_count(b, v);
}

void
json_member_bool(struct strbuf *b, bool *first, const char *key, bool v)
{
	json_key(b, first, key);
	json_bool(b, v);
}

void
json_member_string(struct strbuf *b, bool *first, const char *key,
    const char *s)
{
	json_key(b, first, key);
	store_json_string(b, s);
}

/*
 * True when text holds U+0000, raw or as a \u0000 escape in a string.
 * cJSON decodes either into a NUL that ends the C string it hands back, so
 * "x0\u0000junk" would match the name "x0" and "stable\u0000" the DDM
 * state; no valid payload holds one.
 */
static bool
json_has_nul(const char *text, size_t len)
{
	bool in_string = false;
	size_t i;

	if (memchr(text, '\0', len) != NULL)
		return true;
	for (i = 0; i < len; i++) {
		if (text[i] == '"')
			in_string = !in_string;
		else if (in_string && text[i] == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && len - i >= 6 &&
			    memcmp(text + i + 2, "0000", 4) == 0)
				return true;
			i++;	/* the escaped character */
		}
	}
	return false;
}

/* Parse a whole JSON object; NULL and *cause if not exactly that. */
static cJSON *
json_parse(const char *text, size_t len, const char *what, char **cause)
{
	const char *end = NULL;
	cJSON *root;

	if (text == NULL || len == 0) {
		*cause = xasprintf("%s report: empty", what);
		return NULL;
	}
	if (json_has_nul(text, len)) {
		*cause = xasprintf("%s report: holds U+0000", what);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		*cause = xasprintf("%s report: malformed JSON", what);
		return NULL;
	}
	while (end != NULL && end < text + len && (*end == ' ' ||
	    *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end == NULL || end != text + len || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*cause = xasprintf("%s report: not a single JSON object", what);
		return NULL;
	}
	return root;
}

const cJSON *
get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* o's key into *it: 1, or missing: 0 if allowed, else -1 and *cause. */
static int
lookup(const cJSON *o, const char *key, bool required, const cJSON **it,
    char **cause)
{
	if ((*it = get(o, key)) != NULL)
		return 1;
	if (!required)
		return 0;
	*cause = xasprintf("missing key \"%s\"", key);
	return -1;
}

/* A number or null (NaN). Missing: NaN unless required. */
int
get_double(const cJSON *o, const char *key, bool required, double *out,
    char **cause)
{
	const cJSON *it;
	int found = lookup(o, key, required, &it, cause);

	if (found <= 0) {
		*out = NAN;
		return found;
	}
	if (cJSON_IsNull(it)) {
		*out = NAN;
		return 0;
	}
	if (!cJSON_IsNumber(it)) {
		*cause = xasprintf("\"%s\" is not a number", key);
		return -1;
	}
	*out = it->valuedouble;
	return 0;
}

int
get_bool(const cJSON *o, const char *key, bool *out, char **cause)
{
	const cJSON *it;

	if (lookup(o, key, true, &it, cause) == -1)
		return -1;
	if (!cJSON_IsBool(it)) {
		*cause = xasprintf("\"%s\" is not true or false", key);
		return -1;
	}
	*out = cJSON_IsTrue(it);
	return 0;
}

/* A count: an integral number in 0..2^53. */
int
item_count(const cJSON *it, const char *key, uint64_t *out, char **cause)
{
	double v;

	if (!cJSON_IsNumber(it)) {
		*cause = xasprintf("\"%s\" is not a count", key);
		return -1;
	}
	v = it->valuedouble;
	if (!(v >= 0 && v <= COUNT_MAX) || v != floor(v)) {
		*cause = xasprintf("\"%s\" is not a count", key);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

/* Missing: 0 unless required. */
int
get_count(const cJSON *o, const char *key, bool required, uint64_t *out,
    char **cause)
{
	const cJSON *it;
	int found = lookup(o, key, required, &it, cause);

	if (found <= 0) {
		*out = 0;
		return found;
	}
	return item_count(it, key, out, cause);
}

/* Index of name in names (hint tried first), or -1. */
long
name_index(char *const *names, size_t n, const char *name, size_t hint)
{
	size_t i;

	if (hint < n && strcmp(names[hint], name) == 0)
		return (long)hint;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (long)i;
	return -1;
}


bool
schema_usable(const struct store_schema *sc, char **cause)
{
	if (sc == NULL || sc->n_features == 0 || sc->n_classes < 1 ||
	    sc->feature_names == NULL || sc->class_names == NULL) {
		*cause = xstrdup("report JSON needs the feature and class "
		    "names of a stored schema");
		return false;
	}
	return true;
}

int
json_decode(const struct json_decoder *d, const char *text, size_t len,
    const struct store_schema *sc, void *out, char **cause)
{
	cJSON	*root;
	char	*inner;
	int	 rc;

	if (d->named && !schema_usable(sc, cause))
		return -1;
	if ((root = json_parse(text, len, d->what, cause)) == NULL)
		return -1;
	rc = d->body(root, sc, out, cause);
	cJSON_Delete(root);
	if (rc == -1) {
		inner = *cause;
		*cause = xasprintf("%s report: %s", d->what, inner);
		free(inner);
	}
	return rc;
}

/*
 * The calibrated policy's two numbers of a report (monitor-judge.h), when
 * it says "policy"; NaN otherwise.
 */
int
get_calibrated(const cJSON *o, bool *calibrated, const char *k1,
    double *v1, const char *k2, double *v2, char **cause)
{
	*calibrated = get(o, "policy") != NULL;
	*v1 = *v2 = NAN;
	if (!*calibrated)
		return 0;
	return get_double(o, k1, true, v1, cause) == -1 ||
	    get_double(o, k2, true, v2, cause) == -1 ? -1 : 0;
}

/*
 * An object {name: value} with exactly one entry per name. Values are
 * numbers or null (doubles) when v is set, else counts into c. Missing
 * (when not required): NaN or 0 everywhere.
 */
int
get_name_map(const cJSON *o, const char *key, char *const *names, size_t n,
    bool required, double *v, uint64_t *c, char **cause)
{
	const cJSON *map, *it;
	bool *seen;
	size_t i = 0;
	long at;
	int ret = -1;

	map = get(o, key);
	if (map == NULL && !required) {
		for (i = 0; i < n; i++) {
			if (v != NULL)
				v[i] = NAN;
			else
				c[i] = 0;
		}
		return 0;
	}
	if (map == NULL) {
		*cause = xasprintf("missing key \"%s\"", key);
		return -1;
	}
	if (!cJSON_IsObject(map)) {
		*cause = xasprintf("\"%s\" is not an object", key);
		return -1;
	}
	seen = xcalloc(n, sizeof *seen);
	cJSON_ArrayForEach(it, map) {
		at = it->string == NULL ? -1 : name_index(names, n,
		    it->string, i);
		if (at < 0 || seen[at]) {
			*cause = xasprintf("\"%s\" has an unknown or repeated "
			    "name", key);
			goto out;
		}
		seen[at] = true;
		if (v != NULL) {
			if (cJSON_IsNull(it))
				v[at] = NAN;
			else if (cJSON_IsNumber(it))
				v[at] = it->valuedouble;
			else {
				*cause = xasprintf("\"%s\" holds a value that "
				    "is not a number", key);
				goto out;
			}
		} else if (item_count(it, key, &c[at], cause) == -1)
			goto out;
		i++;
	}
	if (i != n) {
		*cause = xasprintf("\"%s\" has %zu entries, not %zu", key, i,
		    n);
		goto out;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}
