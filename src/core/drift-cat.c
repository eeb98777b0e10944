/*
 * Categorical drift (see drift-cat.h). The reference interns its
 * distinct categories in a dictionary (cat-dict.h: a name to its code)
 * and keeps them sorted, most frequent first, with each code's place in
 * that order; a place below n_top is a kept bin, any other place is
 * "other". A batch value costs one hash and one string compare.
 */
#include "drift-cat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cat-dict.h"
#include "drift-chisq.h"
#include "drift-psi.h"
#include "xalloc.h"

/* Count one value: its code in the dictionary, its count by code. */
static void
cat_add(struct cat_reference *ref, const char *value, size_t *cap)
{
	uint32_t code = cat_dict_intern(ref->dict, value, strlen(value));

	if (code == ref->n_distinct) {
		if (ref->n_distinct == *cap) {
			*cap *= 2;
			ref->counts = xreallocarray(ref->counts, *cap,
			    sizeof *ref->counts);
		}
		ref->counts[ref->n_distinct++] = 0;
	}
	ref->counts[code]++;
}

struct cat_entry {
	const char	*name;
	uint64_t	 count;
	size_t		 code;
};

/* Most frequent first; equal counts by name, bytewise ascending. */
static int
cat_entry_cmp(const void *pa, const void *pb)
{
	const struct cat_entry *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

/*
 * Order names and counts by cat_entry_cmp (counts came by code) and note
 * each code's place in that order.
 */
static void
cat_sort(struct cat_reference *ref)
{
	struct cat_entry *e;
	size_t i, n = ref->n_distinct;

	ref->names = xcalloc(n ? n : 1, sizeof *ref->names);
	ref->rank = xcalloc(n ? n : 1, sizeof *ref->rank);
	if (n == 0)
		return;
	e = xreallocarray(NULL, n, sizeof *e);
	for (i = 0; i < n; i++) {
		e[i].name = cat_dict_name(ref->dict, (double)i);
		e[i].count = ref->counts[i];
		e[i].code = i;
	}
	qsort(e, n, sizeof *e, cat_entry_cmp);
	for (i = 0; i < n; i++) {
		ref->names[i] = e[i].name;
		ref->counts[i] = e[i].count;
		ref->rank[e[i].code] = i;
	}
	free(e);
}

void
cat_reference_init(struct cat_reference *ref, const char *const *values,
    size_t n, size_t stride, int top)
{
	size_t i, cap = 16;

	memset(ref, 0, sizeof *ref);
	ref->dict = cat_dict_create();
	ref->counts = xreallocarray(NULL, cap, sizeof *ref->counts);
	for (i = 0; i < n; i++) {
		const char *v = values[i * stride];

		if (v == NULL)
			continue;
		ref->n_values++;
		cat_add(ref, v, &cap);
	}
	cat_sort(ref);
	if (top < 1)
		top = 1;
	ref->n_top = ref->n_distinct < (size_t)top ? (int)ref->n_distinct :
	    top;
	ref->pooled = ref->n_distinct > (size_t)ref->n_top;
}

void
cat_reference_finish(struct cat_reference *ref)
{
	cat_dict_destroy(ref->dict);
	free(ref->names);
	free(ref->counts);
	free(ref->rank);
	memset(ref, 0, sizeof *ref);
}

int
cat_reference_bins(const struct cat_reference *ref)
{
	return ref->n_top + 2;
}

int
cat_reference_bin(const struct cat_reference *ref, const char *value)
{
	long code = cat_dict_find(ref->dict, value, strlen(value));
	size_t at;

	if (code < 0)
		return ref->n_top + 1;
	at = ref->rank[code];
	return at < (size_t)ref->n_top ? (int)at : ref->n_top;
}

void
cat_reference_counts(const struct cat_reference *ref, uint64_t *counts)
{
	size_t i;

	memset(counts, 0, (size_t)cat_reference_bins(ref) * sizeof *counts);
	for (i = 0; i < ref->n_distinct; i++)
		counts[i < (size_t)ref->n_top ? i : (size_t)ref->n_top] +=
		    ref->counts[i];
}

void
cat_reference_count(const struct cat_reference *ref,
    const char *const *values, size_t n, size_t stride, uint64_t *counts)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *v = values[i * stride];

		if (v != NULL)
			counts[cat_reference_bin(ref, v)]++;
	}
}

/*
 * Pack the bins compared into r and c: the kept ones, "other" when the
 * reference pooled, "new". Returns how many.
 */
static int
cat_pack(const struct cat_reference *ref, const uint64_t *batch,
    uint64_t *r, uint64_t *c)
{
	int b, k = 0;

	cat_reference_counts(ref, r);
	for (b = 0; b < ref->n_top; b++)
		c[k++] = batch[b];
	if (ref->pooled) {
		c[k] = batch[ref->n_top];
		r[k++] = r[ref->n_top];
	}
	c[k] = batch[ref->n_top + 1];
	r[k++] = 0;
	return k;
}

void
drift_cat(const struct cat_reference *ref, const uint64_t *batch,
    struct cat_drift *out)
{
	int bins = cat_reference_bins(ref), k, b;
	uint64_t *r, *c;
	struct chisq_result chi;
	double tvd = 0.0;

	memset(out, 0, sizeof *out);
	for (b = 0; b < bins; b++)
		out->n_used += batch[b];
	out->n_new = batch[ref->n_top + 1];
	out->new_share = out->n_used > 0 ?
	    (double)out->n_new / (double)out->n_used : NAN;
	out->no_values = out->n_used == 0 || ref->n_values == 0;
	if (out->no_values) {
		out->statistic = out->p_value = out->psi = out->tvd = NAN;
		return;
	}
	r = xcalloc((size_t)bins, sizeof *r);
	c = xcalloc((size_t)bins, sizeof *c);
	k = cat_pack(ref, batch, r, c);
	drift_chisq_homogeneity(r, c, k, &chi);
	out->statistic = chi.statistic;
	out->p_value = chi.p_value;
	out->dof = chi.dof;
	out->psi = drift_psi_counts(r, c, k);
	for (b = 0; b < k; b++)
		tvd += fabs((double)c[b] / (double)out->n_used -
		    (double)r[b] / (double)ref->n_values);
	out->tvd = tvd / 2.0;
	free(r);
	free(c);
}
