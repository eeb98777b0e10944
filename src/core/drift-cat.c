/*
 * Categorical drift (see drift-cat.h). The reference is a list of its
 * distinct categories, most frequent first, with an open-addressing hash
 * (FNV-1a, linear probing, at most half full) from a name to its place in
 * that list; a place below n_top is a kept bin, any other place is
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

/* The slot holding name, or the empty slot where it would go. */
static size_t
cat_slot(const struct cat_reference *ref, const char *name)
{
	size_t mask = ref->n_slots - 1;
	size_t i = (size_t)cat_hash(name, strlen(name)) & mask;

	while (ref->slots[i] != 0 &&
	    strcmp(ref->names[ref->slots[i] - 1], name) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Rebuild the hash for n_distinct names in a table of n_slots. */
static void
cat_rehash(struct cat_reference *ref, size_t n_slots)
{
	size_t i;

	free(ref->slots);
	ref->n_slots = n_slots;
	ref->slots = xcalloc(n_slots, sizeof *ref->slots);
	for (i = 0; i < ref->n_distinct; i++)
		ref->slots[cat_slot(ref, ref->names[i])] = i + 1;
}

/* Count one value, adding its category when new. */
static void
cat_add(struct cat_reference *ref, const char *value, size_t *cap)
{
	size_t slot = cat_slot(ref, value);

	if (ref->slots[slot] != 0) {
		ref->counts[ref->slots[slot] - 1]++;
		return;
	}
	if (ref->n_distinct == *cap) {
		*cap *= 2;
		ref->names = xreallocarray(ref->names, *cap,
		    sizeof *ref->names);
		ref->counts = xreallocarray(ref->counts, *cap,
		    sizeof *ref->counts);
	}
	ref->names[ref->n_distinct] = xstrdup(value);
	ref->counts[ref->n_distinct] = 1;
	ref->slots[slot] = ++ref->n_distinct;
	if (2 * ref->n_distinct > ref->n_slots)
		cat_rehash(ref, 2 * ref->n_slots);
}

struct cat_entry {
	char		*name;
	uint64_t	 count;
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

/* Order names and counts by cat_entry_cmp, then rebuild the hash. */
static void
cat_sort(struct cat_reference *ref)
{
	struct cat_entry *e;
	size_t i, n = ref->n_distinct;

	if (n == 0)
		return;
	e = xreallocarray(NULL, n, sizeof *e);
	for (i = 0; i < n; i++) {
		e[i].name = ref->names[i];
		e[i].count = ref->counts[i];
	}
	qsort(e, n, sizeof *e, cat_entry_cmp);
	for (i = 0; i < n; i++) {
		ref->names[i] = e[i].name;
		ref->counts[i] = e[i].count;
	}
	free(e);
	cat_rehash(ref, ref->n_slots);
}

void
cat_reference_init(struct cat_reference *ref, const char *const *values,
    size_t n, size_t stride, int top)
{
	size_t i, cap = 16;

	memset(ref, 0, sizeof *ref);
	ref->names = xreallocarray(NULL, cap, sizeof *ref->names);
	ref->counts = xreallocarray(NULL, cap, sizeof *ref->counts);
	ref->n_slots = 32;
	ref->slots = xcalloc(ref->n_slots, sizeof *ref->slots);
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
	size_t i;

	for (i = 0; i < ref->n_distinct; i++)
		free(ref->names[i]);
	free(ref->names);
	free(ref->counts);
	free(ref->slots);
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
	size_t at = ref->slots[cat_slot(ref, value)];

	if (at == 0)
		return ref->n_top + 1;
	if (at - 1 < (size_t)ref->n_top)
		return (int)(at - 1);
	return ref->n_top;
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
