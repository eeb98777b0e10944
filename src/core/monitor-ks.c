/*
 * The feature monitor's KS test against the reference (monitor-ks.h): the
 * statistic counted exactly in integers by galloping through the sorted
 * reference column, and a memo of p-values by lattice statistic for one
 * batch size, so a stream of equal-sized batches computes each exact
 * p-value once.
 *
 * The batch column is sorted by the reference column: each value's place
 * in it, #(refcol <= x), is found through the column's cells (its range
 * cut into as many equal cells as it has values, each cell's first place
 * kept: struct monitor_ks_gaps), the values go to buckets of places in
 * order (a counting sort, stable), and values sharing a bucket are put
 * in order by an insertion pass that never leaves the bucket (a lower
 * bucket's values are below a higher one's). The result is
 * drift_ks_sort's, tie for tie, and the places found are the ones the
 * statistic's walk would have searched for.
 */
#include "monitor-ks.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drift-ks.h"
#include "xalloc.h"

#define KS_EXACT_MAX	10000	/* drift-ks.h: exact up to this size */
#define KS_MEMO_MAX	65536	/* entries; larger lcm: no memo */
#define KS_SCAN		8	/* places scanned before galloping */

/*
 * Column f of the reference cut into ncells equal cells from lo (its
 * least value) at scale cells per unit; first[c]: the place in the
 * sorted column of its first value in cell c or after (first[ncells]:
 * n). NULL first: a column without values.
 */
struct ks_gap_col {
	double	 lo;
	double	 scale;
	double	 cells;		/* ncells as a double */
	size_t	 ncells;
	size_t	*first;
};

struct monitor_ks_gaps {
	size_t			 n;
	struct ks_gap_col	*col;
};

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

/* The larger of best and |i nb - j na|. */
static inline int64_t
ks_farther(int64_t best, size_t i, int64_t nb, size_t j, int64_t na)
{
	int64_t diff = (int64_t)i * nb - (int64_t)j * na;

	if (diff < 0)
		diff = -diff;
	return diff > best ? diff : best;
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
	int64_t best, ina = (int64_t)na, inb = (int64_t)nb;
	size_t i, j = 0, k;

	/* Values below b[0]: j = 0. */
	i = ks_search(a, 0, na, b[0], false);
	best = (int64_t)i * inb;
	while (j < nb) {
		double u = b[j];

		while (j < nb && b[j] <= u)
			j++;
		i = ks_search(a, i, na, u, true);	/* #(a <= u) */
		best = ks_farther(best, i, inb, j, ina);
		k = j < nb ? ks_search(a, i, na, b[j], false) : na;
		best = ks_farther(best, k, inb, j, ina);
		i = k;
	}
	return best;
}

/*
 * ks_scaled_statistic given up[j] = #(a <= b[j]) for each j: the same
 * walk, each place of a read from up (and #(a < x) from the ties of x
 * just below it) instead of searched for.
 */
static int64_t
ks_scaled_statistic_up(const double *a, size_t na, const double *b,
    size_t nb, const size_t *up)
{
	int64_t best, ina = (int64_t)na, inb = (int64_t)nb;
	size_t i, j = 0, k;

	for (i = up[0]; i > 0 && a[i - 1] == b[0]; i--)
		continue;
	best = (int64_t)i * inb;
	while (j < nb) {
		double u = b[j];

		/* b is sorted: b[j] <= u is b[j] == u. */
		for (j++; j < nb && b[j] == u; j++)
			continue;
		i = up[j - 1];			/* #(a <= u) */
		best = ks_farther(best, i, inb, j, ina);
		k = na;
		if (j < nb)			/* #(a < b[j]) */
			for (k = up[j]; k > 0 && a[k - 1] == b[j]; k--)
				continue;
		best = ks_farther(best, k, inb, j, ina);
	}
	return best;
}

/* #(a <= x) in a[0..n), n >= 1, sorted ascending. */
static size_t
ks_upper(const double *a, size_t n, double x)
{
	const double *p = a;
	size_t half;

	while (n > 1) {
		half = n / 2;
		p = p[half] <= x ? p + half : p;
		n -= half;
	}
	return (size_t)(p - a) + (*p <= x);
}

/* The cell of x in column g: monotone in x (NaN: the last). */
static inline size_t
ks_cell(const struct ks_gap_col *g, double x)
{
	double t;

	if (x <= g->lo)
		return 0;
	t = (x - g->lo) * g->scale;
	/* Below ncells (< 2^53): a signed conversion suffices. */
	return t < g->cells ? (size_t)(int64_t)t : g->ncells - 1;
}

/*
 * #(a <= x) for a, column g's n values: every value of an earlier cell
 * is below x, of a later one above it, so only x's cell is looked at.
 */
static inline size_t
ks_gap(const struct ks_gap_col *g, const double *a, double x)
{
	size_t c = ks_cell(g, x), k = g->first[c], end = g->first[c + 1];

	if (end - k > KS_SCAN)
		return k + ks_upper(a + k, end - k, x);
	while (k < end && a[k] <= x)
		k++;
	return k;
}

struct monitor_ks_gaps *
monitor_ks_gaps_create(const double *sorted, size_t n_rows,
    const size_t *n_present, size_t n_features)
{
	struct monitor_ks_gaps *gs = xcalloc(1, sizeof *gs);
	struct ks_gap_col *g;
	const double *a;
	size_t f, k, c, n;

	gs->n = n_features;
	gs->col = xcalloc(n_features ? n_features : 1, sizeof *gs->col);
	for (f = 0; f < n_features; f++) {
		g = &gs->col[f];
		a = sorted + f * n_rows;
		if ((n = n_present[f]) == 0)
			continue;
		g->lo = a[0];
		g->ncells = n;
		g->cells = (double)n;
		g->scale = a[n - 1] > a[0] ? (double)n / (a[n - 1] - a[0]) :
		    0.0;
		g->first = xmalloc((n + 1) * sizeof *g->first);
		for (c = 0, k = 0; c < n; c++) {
			while (k < n && ks_cell(g, a[k]) < c)
				k++;
			g->first[c] = k;
		}
		g->first[n] = n;
	}
	return gs;
}

void
monitor_ks_gaps_destroy(struct monitor_ks_gaps *gs)
{
	size_t f;

	if (gs == NULL)
		return;
	for (f = 0; f < gs->n; f++)
		free(gs->col[f].first);
	free(gs->col);
	free(gs);
}

/*
 * The buffers for n values: v, then up, at and start in the same block
 * (start: n + 2, one more than the buckets monitor_ks_sort makes).
 */
static void
ks_sort_grow(struct monitor_ks_sort *sort, size_t n)
{
	_Static_assert(sizeof(double) % _Alignof(size_t) == 0,
	    "size_t after doubles is aligned");

	if (sort->cap >= n)
		return;
	free(sort->v);
	sort->v = xmalloc(n * sizeof *sort->v + (3 * n + 2) * sizeof(size_t));
	sort->up = (size_t *)(sort->v + n);
	sort->at = sort->up + n;
	sort->start = sort->at + n;
	sort->cap = n;
}

/*
 * The values in order of their buckets (places at >> shift), stably, and
 * then in order within each (an insertion that never leaves a bucket:
 * a lower bucket's values are below the next bucket's).
 */
static void
ks_sort_buckets(struct monitor_ks_sort *sort, const double *col, size_t n,
    size_t nb, int shift)
{
	size_t i, j, u, *start = sort->start;
	double x;

	for (i = 0; i <= nb; i++)
		start[i] = 0;
	for (i = 0; i < n; i++)
		start[(sort->at[i] >> shift) + 1]++;
	for (i = 1; i <= nb; i++)
		start[i] += start[i - 1];
	for (i = 0; i < n; i++) {
		j = start[sort->at[i] >> shift]++;
		sort->v[j] = col[i];
		sort->up[j] = sort->at[i];
	}
	for (i = 1; i < n; i++) {
		if (!((x = sort->v[i]) < sort->v[i - 1]))
			continue;
		u = sort->up[i];
		for (j = i; j > 0 && x < sort->v[j - 1]; j--) {
			sort->v[j] = sort->v[j - 1];
			sort->up[j] = sort->up[j - 1];
		}
		sort->v[j] = x;
		sort->up[j] = u;
	}
}

bool
monitor_ks_sort(struct monitor_ks_sort *sort,
    const struct monitor_ks_gaps *gaps, size_t f, const double *refcol,
    size_t nref, double *col, size_t n)
{
	const struct ks_gap_col *g = &gaps->col[f];
	size_t i, nb;
	int shift = 0;

	if (n < 2 || nref == 0 || g->first == NULL) {
		drift_ks_sort(col, n);
		return false;
	}
	/* About one bucket per value (nb <= n + 1): places 0 .. nref. */
	while ((nref >> shift) > n)
		shift++;
	nb = (nref >> shift) + 1;
	ks_sort_grow(sort, n);
	for (i = 0; i < n; i++)
		sort->at[i] = ks_gap(g, refcol, col[i]);
	ks_sort_buckets(sort, col, n, nb, shift);
	memcpy(col, sort->v, n * sizeof *col);
	return true;
}

void
monitor_ks_sort_finish(struct monitor_ks_sort *sort)
{
	free(sort->v);
	memset(sort, 0, sizeof *sort);
}

int64_t
monitor_ks_scaled(const double *refcol, size_t nref, const double *col,
    size_t n, const size_t *up)
{
	return up != NULL ? ks_scaled_statistic_up(refcol, nref, col, n, up) :
	    ks_scaled_statistic(refcol, nref, col, n);
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
    size_t nref, const double *col, size_t n, const size_t *up,
    struct ks_result *ks)
{
	struct monitor_ks_memo *m;
	int64_t h;

	m = nref == n_rows ? ks_memo_get(memo, n_rows, n) : NULL;
	if (m == NULL) {
		drift_ks_sorted(refcol, nref, col, n, ks);
		return;
	}
	h = monitor_ks_scaled(refcol, n_rows, col, n, up) / m->g;
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
