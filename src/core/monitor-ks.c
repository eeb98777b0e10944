/*
 * The feature monitor's KS test against the reference (monitor-ks.h): the
 * statistic counted exactly in integers by galloping through the sorted
 * reference column, and a memo of p-values by lattice statistic for one
 * batch size, so a stream of equal-sized batches computes each exact
 * p-value once.
 */
#include "monitor-ks.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "drift-ks.h"
#include "xalloc.h"

#define KS_EXACT_MAX	10000	/* drift-ks.h: exact up to this size */
#define KS_MEMO_MAX	65536	/* entries; larger lcm: no memo */
#define KS_SCAN		8	/* places scanned before galloping */

/* p[h] for one batch size; NaN where not computed yet. */
struct monitor_ks_memo {
	size_t	 nb;		/* batch rows this table is for */
	int64_t	 g;		/* gcd(n_rows, nb) */
	int64_t	 lcm;
	double	*p;		/* lcm + 1 entries */
};

static int64_t
gcd64(int64_t a, int64_t b)
{
	int64_t t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * First index in a[lo..n) whose value is >= x (strict: > x), galloping
 * from lo: everything before lo is below (strict: not above) x.
 */
static size_t
ks_gallop(const double *a, size_t lo, size_t n, double x, bool strict)
{
	size_t hi, step = 1, mid;

	for (;;) {
		hi = lo + step;
		if (hi >= n) {
			hi = n;
			break;
		}
		if (strict ? a[hi - 1] > x : a[hi - 1] >= x)
			break;
		lo = hi;
		step *= 2;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strict ? a[mid] <= x : a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The same index as ks_gallop. Successive searches move forward by a few
 * places (the reference's rows per batch row): the first KS_SCAN places
 * are looked at in turn, inline, and only a longer move gallops.
 */
static inline size_t
ks_search(const double *a, size_t lo, size_t n, double x, bool strict)
{
	size_t hi = n - lo > KS_SCAN ? lo + KS_SCAN : n;

	for (; lo < hi; lo++)
		if (strict ? a[lo] > x : a[lo] >= x)
			return lo;
	return lo < n ? ks_gallop(a, lo, n, x, strict) : n;
}

/*
 * max over pooled values x of |i nb - j na| (i, j: values <= x in a, b),
 * i.e. the KS statistic times na nb, exactly in integers. Walks the
 * distinct values of b only (a, the reference, is the long one): while
 * j stays put, i nb - j na is monotone in i, so over the pooled values
 * from one b value up to the next its extremes are at the two ends,
 * i = #(a <= u) and i = #(a < next u), found by binary search.
 */
static int64_t
ks_scaled_statistic(const double *a, size_t na, const double *b, size_t nb)
{
	int64_t best, diff, ina = (int64_t)na, inb = (int64_t)nb;
	size_t i, j = 0, k;

	/* Values below b[0]: j = 0. */
	i = ks_search(a, 0, na, b[0], false);
	best = (int64_t)i * inb;
	while (j < nb) {
		double u = b[j];

		while (j < nb && b[j] <= u)
			j++;
		i = ks_search(a, i, na, u, true);	/* #(a <= u) */
		diff = (int64_t)i * inb - (int64_t)j * ina;
		if (diff < 0)
			diff = -diff;
		if (diff > best)
			best = diff;
		k = j < nb ? ks_search(a, i, na, b[j], false) : na;
		diff = (int64_t)k * inb - (int64_t)j * ina;
		if (diff < 0)
			diff = -diff;
		if (diff > best)
			best = diff;
		i = k;
	}
	return best;
}

/* The memo table for batches of nb rows, or NULL when not worth it. */
static struct monitor_ks_memo *
ks_memo_get(struct monitor_ks_memo **memo, size_t n_rows, size_t nb)
{
	struct monitor_ks_memo *m = *memo;
	int64_t g, lcm, h;

	if (n_rows > KS_EXACT_MAX || nb > KS_EXACT_MAX)
		return NULL;
	if (m != NULL && m->nb == nb)
		return m;
	g = gcd64((int64_t)n_rows, (int64_t)nb);
	lcm = (int64_t)n_rows / g * (int64_t)nb;
	if (lcm >= KS_MEMO_MAX)
		return NULL;
	if (m == NULL) {
		m = xcalloc(1, sizeof *m);
		*memo = m;
	}
	free(m->p);
	m->nb = nb;
	m->g = g;
	m->lcm = lcm;
	m->p = xmalloc((size_t)(lcm + 1) * sizeof *m->p);
	for (h = 0; h <= lcm; h++)
		m->p[h] = NAN;
	return m;
}

void
monitor_ks(struct monitor_ks_memo **memo, size_t n_rows, const double *refcol,
    size_t nref, const double *col, size_t n, struct ks_result *ks)
{
	struct monitor_ks_memo *m;
	int64_t h;

	m = nref == n_rows ? ks_memo_get(memo, n_rows, n) : NULL;
	if (m == NULL) {
		drift_ks_sorted(refcol, nref, col, n, ks);
		return;
	}
	h = ks_scaled_statistic(refcol, n_rows, col, n) / m->g;
	if (!isnan(m->p[h])) {
		ks->statistic = (double)h / (double)m->lcm;
		ks->p_value = m->p[h];
		return;
	}
	drift_ks_sorted(refcol, n_rows, col, n, ks);
	/* Store only when drift-ks saw the same lattice statistic. */
	if (ks->statistic == (double)h / (double)m->lcm)
		m->p[h] = ks->p_value;
}

void
monitor_ks_memo_free(struct monitor_ks_memo *m)
{
	if (m != NULL)
		free(m->p);
	free(m);
}
