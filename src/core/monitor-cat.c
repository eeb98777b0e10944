/*
 * Categorical features in the feature monitor. A categorical column holds
 * codes of the stream's dictionary (cat-dict.h); the reference keeps its
 * categories counted once (drift-cat.h: the top ones, "other", "new") and
 * a batch is binned by name, so codes never need to agree across
 * processes. The report keeps each batch's bins beside the reference's,
 * for the console's bars. Its functions are declared in
 * monitor-internal.h, for the monitor's own files.
 */
#include "monitor-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cat-dict.h"
#include "drift-chisq.h"
#include "drift-psi.h"
#include "xalloc.h"

/* The names of column f of row-major rows (NULL: missing). Caller frees. */
static const char **
column_names(const struct cat_dict *dict, const double *rows, size_t n,
    size_t nf, size_t f)
{
	const char **v = xcalloc(n ? n : 1, sizeof *v);
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = isnan(rows[i * nf + f]) ? NULL :
		    cat_dict_name(dict, rows[i * nf + f]);
	return v;
}

size_t
monitor_numeric_rows(const double *rows, size_t n, size_t nf, const bool *cat,
    double *out)
{
	size_t i, f, k = 0, c;

	for (i = 0; i < n; i++) {
		for (f = 0; f < nf; f++)
			if (!cat[f] && isnan(rows[i * nf + f]))
				break;
		if (f < nf)
			continue;
		for (f = 0, c = 0; f < nf; f++)
			if (!cat[f])
				out[c++] = rows[i * nf + f];
		out += c;
		k++;
	}
	return k;
}

void
monitor_reference_categorize(struct monitor_reference *ref,
    const double *features, const bool *categorical,
    const struct cat_dict *dict, int top)
{
	size_t nf = ref->n_features, f, any = 0;
	const char **names;

	for (f = 0; categorical != NULL && f < nf; f++)
		if (categorical[f])
			any++;
	if (any == 0)
		return;
	ref->categorical = xcalloc(nf, sizeof *ref->categorical);
	memcpy(ref->categorical, categorical, nf * sizeof *categorical);
	ref->cat = xcalloc(nf, sizeof *ref->cat);
	ref->dict = dict;
	for (f = 0; f < nf; f++) {
		if (!categorical[f])
			continue;
		names = column_names(dict, features, ref->n_rows, nf, f);
		cat_reference_init(&ref->cat[f], names, ref->n_rows, 1, top);
		free(names);
	}
	/* MMD: the numeric columns of the rows complete in them. */
	ref->n_mmd_cols = nf - any;
	ref->n_mmd_rows = monitor_numeric_rows(features, ref->n_rows, nf,
	    ref->categorical, ref->rows);
}

void
monitor_cat_reference_finish(struct monitor_reference *ref)
{
	size_t f;

	for (f = 0; ref->cat != NULL && f < ref->n_features; f++)
		if (ref->categorical[f])
			cat_reference_finish(&ref->cat[f]);
	free(ref->cat);
	free(ref->categorical);
	ref->cat = NULL;
	ref->categorical = NULL;
}

void
monitor_cat_feature(const struct monitor_reference *ref,
    const struct monitor_batch *b, size_t f, struct feature_report *out)
{
	const struct cat_reference *cr = &ref->cat[f];
	struct cat_feature *cf = &out->cat[f];
	size_t bins = (size_t)cat_reference_bins(cr), i, nf = ref->n_features;
	const char **names;

	cf->n_distinct = cr->n_distinct;
	cf->n_top = cr->n_top;
	cf->pooled = cr->pooled;
	cf->names = xcalloc(cr->n_top > 0 ? (size_t)cr->n_top : 1,
	    sizeof *cf->names);
	for (i = 0; i < (size_t)cr->n_top; i++)
		cf->names[i] = xstrdup(cr->names[i]);
	cf->ref_counts = xcalloc(bins, sizeof *cf->ref_counts);
	cf->counts = xcalloc(bins, sizeof *cf->counts);
	cat_reference_counts(cr, cf->ref_counts);
	names = column_names(ref->dict, b->features, b->n_rows, nf, f);
	for (i = 0; i < b->n_rows; i++)
		if (names[i] == NULL && !isnan(b->features[i * nf + f]))
			names[i] = "";	/* a code without a name: new */
	cat_reference_count(cr, names, b->n_rows, 1, cf->counts);
	free(names);
	drift_cat(cr, cf->counts, &cf->d);
	out->ks_statistic[f] = out->ks_p_value[f] = NAN;
	out->psi[f] = cf->d.psi;
	if (cf->d.no_values)
		out->no_values[f] = true;
}

void
monitor_cat_verdict(struct feature_report *out, size_t f)
{
	const struct feature_thresholds *t = &out->thresholds[f];
	struct cat_feature *cf = &out->cat[f];

	out->drift_ks[f] = false;
	cf->drift_chisq = !cf->d.no_values && cf->d.p_value < t->cat_alpha;
	cf->drift_new = !cf->d.no_values && cf->d.new_share > t->new_share;
}

double
monitor_cat_psi_p(const struct cat_feature *c, uint64_t n_ref)
{
	double n = (double)c->d.n_used, m = (double)n_ref;

	if (c->d.no_values || c->d.dof <= 0 || isnan(c->d.psi) || n_ref == 0)
		return 1.0;
	return chisq_sf(c->d.psi * n * m / (n + m), (double)c->d.dof);
}

void
feature_report_alloc_cat(struct feature_report *r)
{
	size_t n = r->n_features ? r->n_features : 1;

	r->any_categorical = true;
	r->categorical = xcalloc(n, sizeof *r->categorical);
	r->cat = xcalloc(n, sizeof *r->cat);
}

void
cat_feature_finish(struct cat_feature *c)
{
	size_t i;

	for (i = 0; c->names != NULL && i < (size_t)c->n_top; i++)
		free(c->names[i]);
	free(c->names);
	free(c->ref_counts);
	free(c->counts);
	memset(c, 0, sizeof *c);
}

void
monitor_cat_report_finish(struct feature_report *r)
{
	size_t f;

	for (f = 0; r->cat != NULL && f < r->n_features; f++)
		cat_feature_finish(&r->cat[f]);
	free(r->cat);
	free(r->categorical);
	r->cat = NULL;
	r->categorical = NULL;
}

bool
feature_test_drift(const struct feature_report *r, size_t f)
{
	if (r->categorical != NULL && r->categorical[f])
		return r->cat[f].drift_chisq;
	return r->drift_ks[f];
}
