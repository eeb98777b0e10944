/*
 * Feature types: which features are categorical, and a row's categorical
 * values turned into codes of the stream's dictionary (core/cat-dict.h)
 * for the monitors, which take rows of doubles.
 *
 * The types come from, first, a schema another process stored; else this
 * stream's schema record ("feature_types"); else the first row: a feature
 * whose value there is a string is categorical (a missing value there
 * counts as numeric; give feature_types to say otherwise). They are fixed
 * once and stored with the schema, which waits for them. Every row is
 * then checked against them: a string where the schema says numeric, or
 * a number where it says categorical, is rejected with the line.
 */
#include "ingest/pipeline-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cat-dict.h"
#include "core/xalloc.h"

void
pl_types_init(struct pipeline *p)
{
	p->dict = cat_dict_create();
	store_set_dict(p->s, p->dict);
}

void
pl_types_finish(struct pipeline *p)
{
	store_set_dict(p->s, NULL);
	cat_dict_destroy(p->dict);
	free(p->types);
	free(p->pend_types);
	free(p->rowbuf);
}

bool *
pl_types_copy(const bool *v, size_t n)
{
	bool *out;

	if (v == NULL)
		return NULL;
	out = xcalloc(n ? n : 1, sizeof *out);
	memcpy(out, v, n * sizeof *v);
	return out;
}

/* Fix the types to v (n of them; NULL: all numeric). */
static void
types_set(struct pipeline *p, const bool *v, size_t n)
{
	size_t f;

	free(p->types);
	p->types = xcalloc(n ? n : 1, sizeof *p->types);
	p->any_cat = false;
	for (f = 0; f < n; f++) {
		p->types[f] = v != NULL && v[f];
		if (p->types[f])
			p->any_cat = true;
	}
	p->types_fixed = true;
	free(p->rowbuf);
	p->rowbuf = xcalloc(n ? n : 1, sizeof *p->rowbuf);
}

bool
pl_types_same(const bool *a, const bool *b, size_t n)
{
	size_t f;

	for (f = 0; f < n; f++)
		if ((a != NULL && a[f]) != (b != NULL && b[f]))
			return false;
	return true;
}

int
pl_types_stored(struct pipeline *p, const struct store_schema *sc,
    char **cause)
{
	if (p->pend_types != NULL && (p->n_pend_types != sc->n_features ||
	    !pl_types_same(p->pend_types, sc->categorical, sc->n_features))) {
		*cause = xstrdup("another process stored a schema with other "
		    "feature_types than this stream's");
		return -1;
	}
	types_set(p, sc->categorical, sc->n_features);
	return 0;
}

void
pl_types_fix(struct pipeline *p, const struct proto_record *r)
{
	bool *seen;
	size_t f;

	if (p->types_fixed)
		return;
	if (p->pend_types != NULL) {
		types_set(p, p->pend_types, p->n_pend_types);
		return;
	}
	seen = xcalloc(r->n_features ? r->n_features : 1, sizeof *seen);
	for (f = 0; r->n_strings > 0 && f < r->n_features; f++)
		seen[f] = r->strings[f] != NULL;
	types_set(p, seen, r->n_features);
	free(seen);
}

void
pl_types_default(struct pipeline *p)
{
	if (!p->types_fixed && p->n_features > 0)
		types_set(p, p->pend_types, p->n_features);
}

bool
pl_types_row(struct pipeline *p, struct proto_record *r, char *reason)
{
	size_t f, nf = r->n_features;

	if (!p->any_cat && r->n_strings == 0)
		return true;
	for (f = 0; f < nf; f++) {
		const char *s = r->n_strings > 0 ? r->strings[f] : NULL;

		if (!p->types[f] && s != NULL) {
			snprintf(reason, PROTO_REASON_MAX, "features[%zu] is a "
			    "string, but the schema says numeric", f);
			return false;
		}
		if (p->types[f] && s == NULL && !isnan(r->features[f])) {
			snprintf(reason, PROTO_REASON_MAX, "features[%zu] is a "
			    "number, but the schema says categorical (send "
			    "it as a string)", f);
			return false;
		}
	}
	memcpy(p->rowbuf, r->features, nf * sizeof *p->rowbuf);
	for (f = 0; r->n_strings > 0 && f < nf; f++)
		if (p->types[f] && r->strings[f] != NULL)
			p->rowbuf[f] = (double)cat_dict_intern(p->dict,
			    r->strings[f], strlen(r->strings[f]));
	r->features = p->rowbuf;
	return true;
}

bool
pl_types_schema(struct pipeline *p, const struct proto_record *r,
    char *reason)
{
	if (r->n_feature_types == 0)
		return true;
	if (p->n_features != 0 && r->n_feature_types != p->n_features) {
		snprintf(reason, PROTO_REASON_MAX, "feature_types has %zu "
		    "values, the stream %zu features", r->n_feature_types,
		    p->n_features);
		return false;
	}
	if (p->types_fixed) {
		if (!pl_types_same(p->types, r->categorical, p->n_features)) {
			snprintf(reason, PROTO_REASON_MAX, "feature_types "
			    "differ from the stream's (fixed by an earlier "
			    "schema or the first row)");
			return false;
		}
		return true;
	}
	free(p->pend_types);
	p->pend_types = pl_types_copy(r->categorical, r->n_feature_types);
	p->n_pend_types = r->n_feature_types;
	p->n_features = r->n_feature_types;
	return true;
}
