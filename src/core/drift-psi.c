/*
 * Population Stability Index, the seed's definition (see drift-psi.h).
 *
 * Edges are those of numpy.linspace(lo, hi, 11) bit for bit: step =
 * (hi - lo) / 10, e[i] = i * step + lo, e[10] = hi; then e[0] and e[10]
 * are opened to -inf and +inf. numpy.histogram membership follows: bin i
 * holds e[i] <= x < e[i+1], the last bin is closed, so a value belongs to
 * the bin numbered by how many of the interior edges e[1..9] are <= x.
 * The index is estimated arithmetically and then corrected against the
 * real edge values, so rounding in the estimate never misplaces a value.
 */
#include "drift-psi.h"

#include <math.h>
#include <stdlib.h>

#include "severity.h"
#include "xalloc.h"

struct psi_edges {
	double	lo;
	double	step;
	double	e[PSI_BINS + 1];	/* linspace(lo, hi, PSI_BINS + 1) */
};

static void	psi_edges_init(struct psi_edges *, double, double);
static int	psi_bin(const struct psi_edges *, double);
static void	psi_props(const struct psi_edges *, const double *, size_t,
		    double *);
static void	psi_props_sorted(const struct psi_edges *, const double *,
		    size_t, double *);

static void
psi_edges_init(struct psi_edges *pe, double lo, double hi)
{
	double delta = hi - lo, step = delta / PSI_BINS, t;
	int i;

	pe->lo = lo;
	pe->step = step;
	if (!isfinite(delta)) {
		/* hi - lo overflowed: each term stays finite. */
		for (i = 0; i < PSI_BINS; i++) {
			t = (double)i / PSI_BINS;
			pe->e[i] = lo * (1.0 - t) + hi * t;
		}
		pe->e[PSI_BINS] = hi;
		pe->step = hi / PSI_BINS - lo / PSI_BINS;
		return;
	}
	for (i = 0; i <= PSI_BINS; i++) {
		if (step == 0.0)	/* numpy: (i / div) * delta */
			pe->e[i] = (double)i / PSI_BINS * delta + lo;
		else
			pe->e[i] = (double)i * step + lo;
	}
	pe->e[PSI_BINS] = hi;
}

/* Bin of x: the number of interior edges e[1..PSI_BINS-1] that are <= x. */
static int
psi_bin(const struct psi_edges *pe, double x)
{
	double q;
	int b;

	if (pe->step > 0.0 && isfinite(pe->step)) {
		/* x - lo may overflow to inf: the estimate is then the last
		 * bin and the walk below corrects it. */
		q = (x - pe->lo) / pe->step;
		if (q < 0.0)
			b = 0;
		else if (q >= PSI_BINS - 1)
			b = PSI_BINS - 1;
		else
			b = (int)q;
	} else
		b = 0;
	/* Correct the estimate against the real edges (one step at most). */
	while (b < PSI_BINS - 1 && pe->e[b + 1] <= x)
		b++;
	while (b > 0 && pe->e[b] > x)
		b--;
	return b;
}

/* Bin proportions plus PSI_EPSILON, renormalised to sum to 1. */
static void
psi_props(const struct psi_edges *pe, const double *v, size_t n, double *p)
{
	size_t counts[PSI_BINS] = { 0 }, i;
	double sum = 0.0;
	int b;

	for (i = 0; i < n; i++)
		counts[psi_bin(pe, v[i])]++;
	for (b = 0; b < PSI_BINS; b++) {
		p[b] = (double)counts[b] / (double)n + PSI_EPSILON;
		sum += p[b];
	}
	for (b = 0; b < PSI_BINS; b++)
		p[b] /= sum;
}

/* Number of values in sorted v[0..n) that are < x, given v[0..from) are
 * and v[to..n) are not. */
static size_t
psi_count_below(const double *v, size_t from, size_t to, double x)
{
	size_t lo = from, hi = to, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * psi_props for ascending v: the edges are non-decreasing (i * step + lo
 * is monotone in i), so bin b holds the values in [e[b], e[b+1]) and its
 * count is a difference of two binary searches. Same counts, same sums.
 * Each edge is searched for between the cuts of two edges already found
 * on either side of it (the middle edge first, then the middles of each
 * half): a tenth fewer instructions than nine searches of the whole
 * (callgrind, the bench stream's null fits).
 */
static void
psi_below(const struct psi_edges *pe, const double *v, size_t n,
    size_t below[PSI_BINS + 1])
{
	/* Each edge with the two found before it that bracket it. */
	static const unsigned char order[PSI_BINS - 1][3] = {
		{ 5, 0, 10 }, { 2, 0, 5 }, { 7, 5, 10 }, { 1, 0, 2 },
		{ 3, 2, 5 }, { 6, 5, 7 }, { 8, 7, 10 }, { 4, 3, 5 },
		{ 9, 8, 10 },
	};
	int i, b;

	_Static_assert(PSI_BINS == 10, "psi_below's order is for 10 bins");
	below[0] = 0;
	below[PSI_BINS] = n;
	for (i = 0; i < PSI_BINS - 1; i++) {
		b = order[i][0];
		below[b] = psi_count_below(v, below[order[i][1]],
		    below[order[i][2]], pe->e[b]);
	}
}

void
drift_psi_cuts(const double *v, size_t n, double lo, double hi,
    size_t below[PSI_BINS + 1])
{
	struct psi_edges pe;

	psi_edges_init(&pe, lo, hi);
	psi_below(&pe, v, n, below);
}

static void
psi_props_sorted(const struct psi_edges *pe, const double *v, size_t n,
    double *p)
{
	size_t counts[PSI_BINS], below[PSI_BINS + 1];
	double sum = 0.0;
	int b;

	psi_below(pe, v, n, below);
	for (b = 0; b < PSI_BINS; b++)
		counts[b] = below[b + 1] - below[b];
	for (b = 0; b < PSI_BINS; b++) {
		p[b] = (double)counts[b] / (double)n + PSI_EPSILON;
		sum += p[b];
	}
	for (b = 0; b < PSI_BINS; b++)
		p[b] /= sum;
}

double
drift_psi_sorted(const double *ref, size_t nref, const double *cur,
    size_t ncur)
{
	bool outlier;

	return drift_psi_sorted_note(ref, nref, cur, ncur, &outlier);
}

/* Does one bin hold at least PSI_OUTLIER_SHARE of both samples? */
static bool
psi_one_bin(const double *pr, const double *pc)
{
	int b;

	/* Proportions carry PSI_EPSILON; the share is judged without it. */
	for (b = 0; b < PSI_BINS; b++)
		if (pr[b] - PSI_EPSILON >= PSI_OUTLIER_SHARE &&
		    pc[b] - PSI_EPSILON >= PSI_OUTLIER_SHARE)
			return true;
	return false;
}

double
drift_psi_sorted_note(const double *ref, size_t nref, const double *cur,
    size_t ncur, bool *outlier)
{
	struct psi_edges pe;
	double lo, hi, pr[PSI_BINS], pc[PSI_BINS], psi;
	int b;

	*outlier = false;
	/* As drift_psi_range picks them (the sign of a zero included). */
	lo = ref[0];
	hi = ref[nref - 1];
	if (cur[0] < lo)
		lo = cur[0];
	if (cur[ncur - 1] > hi)
		hi = cur[ncur - 1];
	psi_edges_init(&pe, lo, hi);
	for (b = 1; b < PSI_BINS; b++)
		if (pe.e[b] < pe.e[b - 1])	/* cannot happen; be safe */
			return drift_psi_range(ref, nref, ref[0],
			    ref[nref - 1], cur, ncur);
	psi_props_sorted(&pe, ref, nref, pr);
	psi_props_sorted(&pe, cur, ncur, pc);
	*outlier = psi_one_bin(pr, pc);
	psi = 0.0;
	for (b = 0; b < PSI_BINS; b++)
		psi += (pc[b] - pr[b]) * log(pc[b] / pr[b]);
	return psi > 0.0 ? psi : 0.0;
}

double
drift_psi_range(const double *ref, size_t nref, double ref_min,
    double ref_max, const double *cur, size_t ncur)
{
	struct psi_edges pe;
	double lo = ref_min, hi = ref_max, pr[PSI_BINS], pc[PSI_BINS], psi;
	size_t i;
	int b;

	for (i = 0; i < ncur; i++) {
		if (cur[i] < lo)
			lo = cur[i];
		if (cur[i] > hi)
			hi = cur[i];
	}
	psi_edges_init(&pe, lo, hi);
	psi_props(&pe, ref, nref, pr);
	psi_props(&pe, cur, ncur, pc);
	psi = 0.0;
	for (b = 0; b < PSI_BINS; b++)
		psi += (pc[b] - pr[b]) * log(pc[b] / pr[b]);
	/* Each term is >= 0 mathematically; keep rounding from showing -0. */
	return psi > 0.0 ? psi : 0.0;
}

/*
 * A count as a double. Counts are rows, below 2^63, so through int64_t:
 * the same double as from uint64_t, in one conversion instead of the
 * test and the two paths an unsigned 64-bit conversion takes.
 */
static double
psi_count(uint64_t c)
{
	return (double)(int64_t)c;
}

/*
 * Each bin's count / total + PSI_EPSILON is formed once, summed into the
 * norm and kept: its share is that over the norm, the same double as
 * forming it again (a resampled null asks for millions of these).
 */
#define PSI_SHARES_STACK	16	/* bins kept on the stack */

static double
psi_raw(const uint64_t *counts, int b, double total)
{
	return psi_count(counts[b]) / total + PSI_EPSILON;
}

double
drift_psi_counts(const uint64_t *ref, const uint64_t *cur, int bins)
{
	double tr = 0.0, tc = 0.0, nr = 0.0, nc = 0.0, psi = 0.0, pr, pc;
	double stack[2 * PSI_SHARES_STACK], *rr = stack, *rc;
	int b;

	if (bins > PSI_SHARES_STACK)	/* a categorical feature's */
		rr = xreallocarray(NULL, 2 * (size_t)bins, sizeof *rr);
	rc = rr + bins;
	for (b = 0; b < bins; b++) {
		tr += psi_count(ref[b]);
		tc += psi_count(cur[b]);
	}
	for (b = 0; b < bins; b++) {
		nr += rr[b] = psi_raw(ref, b, tr);
		nc += rc[b] = psi_raw(cur, b, tc);
	}
	for (b = 0; b < bins; b++) {
		pr = rr[b] / nr;
		pc = rc[b] / nc;
		psi += (pc - pr) * log(pc / pr);
	}
	if (rr != stack)
		free(rr);
	return psi > 0.0 ? psi : 0.0;
}

double
drift_psi(const double *ref, size_t nref, const double *cur, size_t ncur)
{
	double lo = ref[0], hi = ref[0];
	size_t i;

	for (i = 1; i < nref; i++) {
		if (ref[i] < lo)
			lo = ref[i];
		if (ref[i] > hi)
			hi = ref[i];
	}
	return drift_psi_range(ref, nref, lo, hi, cur, ncur);
}

enum drift_severity
drift_psi_severity(double psi, double warning, double critical)
{
	if (psi > critical)
		return DRIFT_CRITICAL;
	if (psi >= warning)
		return DRIFT_WARNING;
	return DRIFT_NONE;
}

const char *
drift_severity_name(enum drift_severity s)
{
	switch (s) {
	case DRIFT_NONE:
		return "none";
	case DRIFT_WARNING:
		return severity_name(SEVERITY_WARNING);
	case DRIFT_CRITICAL:
		return severity_name(SEVERITY_CRITICAL);
	}
	return "?";
}
