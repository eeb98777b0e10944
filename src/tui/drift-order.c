/*
 * Sorting, filtering and fitting names for the Drift tab's table (see
 * drift-order.h). Names are compared by bytes at code point boundaries:
 * two names show the same text in w columns exactly when they have the
 * same head and tail code points, which is a prefix and suffix compare.
 */
#include "tui/drift-order.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/query.h"

struct order_key {
	size_t	 f;
	double	 v;		/* NaN: after the others */
	const char *name;
};

static const char *const sort_names[DRIFT_SORT_COUNT] = {
	[DRIFT_SORT_INPUT] = "schema order",
	[DRIFT_SORT_PSI] = "PSI",
	[DRIFT_SORT_P] = "p",
	[DRIFT_SORT_MISSING] = "missing",
	[DRIFT_SORT_NAME] = "name",
};

const char *
drift_sort_name(enum drift_sort by)
{
	return (unsigned)by < DRIFT_SORT_COUNT ? sort_names[by] : "?";
}

/* Ascending by v (NaN last), then schema order. */
static int
key_cmp(const void *pa, const void *pb)
{
	const struct order_key *a = pa, *b = pb;
	bool an = isnan(a->v), bn = isnan(b->v);

	if (an != bn)
		return an ? 1 : -1;
	if (!an && a->v != b->v)
		return a->v < b->v ? -1 : 1;
	return (a->f > b->f) - (a->f < b->f);
}

static int
name_cmp(const void *pa, const void *pb)
{
	const struct order_key *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c != 0 ? c : (a->f > b->f) - (a->f < b->f);
}

/* Whether s contains sub, ASCII letters in either case. */
static bool
contains(const char *s, const char *sub)
{
	size_t i, n = strlen(sub);

	for (; *s != '\0'; s++) {
		for (i = 0; i < n && s[i] != '\0'; i++) {
			char a = s[i], b = sub[i];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
		}
		if (i == n)
			return true;
	}
	return n == 0;
}

/* The sort value of feature f at slot last (smaller first). */
static double
sort_value(const struct query_series *s, size_t f, size_t last,
    enum drift_sort by)
{
	size_t at = last * s->n_features + f;

	if (last >= s->n || f >= s->n_features)
		return NAN;
	switch (by) {
	case DRIFT_SORT_PSI:
		return -s->psi[at];
	case DRIFT_SORT_P:
		return s->fverdict[at] & QUERY_F_CATEGORICAL ?
		    s->chisq_p[at] : s->ks_p[at];
	case DRIFT_SORT_MISSING:
		return -s->missing[at];
	default:
		return (double)f;
	}
}

size_t
drift_order(const struct query_series *s, char *const *names, size_t nf,
    size_t last, enum drift_sort by, const char *filter, size_t *idx)
{
	struct order_key *k = xcalloc(nf ? nf : 1, sizeof *k);
	size_t f, n = 0;

	for (f = 0; f < nf; f++) {
		if (filter != NULL && !contains(names[f], filter))
			continue;
		k[n].f = f;
		k[n].name = names[f];
		k[n].v = sort_value(s, f, last, by);
		n++;
	}
	if (by == DRIFT_SORT_NAME)
		qsort(k, n, sizeof *k, name_cmp);
	else if (by != DRIFT_SORT_INPUT)
		qsort(k, n, sizeof *k, key_cmp);
	for (f = 0; f < n; f++)
		idx[f] = k[f].f;
	free(k);
	return n;
}

/* Code points in s. */
static size_t
cp_count(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Byte offset after the first k code points of s. */
static size_t
cp_head(const char *s, size_t k)
{
	size_t i = 0;

	while (s[i] != '\0' && k > 0) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		k--;
	}
	return i;
}

/* Byte offset where the last k of the n code points of s start. */
static size_t
cp_tail(const char *s, size_t n, size_t k)
{
	return k >= n ? 0 : cp_head(s, n - k);
}

int
drift_name_width(char *const *names, size_t n, int min, int max)
{
	size_t i, w, most = 0;

	for (i = 0; i < n; i++)
		if ((w = cp_count(names[i])) > most)
			most = w;
	w = most + 1;
	if (w > (size_t)max)
		w = (size_t)max;
	return (int)w < min ? min : (int)w;
}

/* Would name j show as the head h / tail t code points of name i? */
static bool
same_cut(const char *a, size_t na, const char *b, size_t nb, size_t w,
    size_t h, size_t t)
{
	size_t ha = cp_head(a, h), hb = cp_head(b, h), ta, tb;

	if (nb <= w || ha != hb || memcmp(a, b, ha) != 0)
		return false;
	ta = cp_tail(a, na, t);
	tb = cp_tail(b, nb, t);
	return strcmp(a + ta, b + tb) == 0;
}

/* Whether the cut (h, t) of name i is shown by no other name. */
static bool
cut_unique(char *const *names, size_t n, size_t i, size_t w, size_t h,
    size_t t)
{
	size_t j, ni = cp_count(names[i]);

	for (j = 0; j < n; j++)
		if (j != i && same_cut(names[i], ni, names[j],
		    cp_count(names[j]), w, h, t))
			return false;
	return true;
}

void
drift_name_fit(char *const *names, size_t n, size_t i, int w,
    uint32_t ellipsis, char *out, size_t cap)
{
	const char *s = names[i];
	size_t len = cp_count(s), cw = w > 2 ? (size_t)w : 2, t = 0, best;
	size_t hb, tb, k;
	bool found;
	char ell[4], num[24];

	if (len <= cw || cap < 8) {
		sanitize_into(s, out, cap);
		return;
	}
	/* Tail from half the room up, then down: the first unique cut. */
	best = (cw - 1) / 2;
	found = false;
	for (k = best; k <= cw - 1 && !found; k++)
		if (cut_unique(names, n, i, cw, cw - 1 - k, k)) {
			found = true;
			t = k;
		}
	for (k = best; k-- > 0 && !found;)
		if (cut_unique(names, n, i, cw, cw - 1 - k, k)) {
			found = true;
			t = k;
		}
	k = sanitize_encode(ellipsis, ell);
	if (!found) {
		/* Too narrow for any cut to tell it apart: its number. */
		snprintf(num, sizeof num, "#%zu", i + 1);
		t = strlen(num) < cw - 1 ? strlen(num) : cw - 1;
		hb = cp_head(s, cw - 1 - t);
		snprintf(out, cap, "%.*s%.*s%s", (int)hb, s, (int)k, ell,
		    num + strlen(num) - t);
		return;
	}
	hb = cp_head(s, cw - 1 - t);
	tb = cp_tail(s, len, t);
	if (hb + k + strlen(s + tb) + 1 > cap) {
		sanitize_into(s, out, cap);
		return;
	}
	memcpy(out, s, hb);
	memcpy(out + hb, ell, k);
	strcpy(out + hb + k, s + tb);
}
