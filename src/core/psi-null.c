/*
 * The resampled null of PSI and its moment-matched c * chi2(k) tail (see
 * psi-null.h). A fit keeps only its inputs' sizes, its seed and the two
 * moments; scale and dof are derived from them, so the text form cannot
 * hold a scale that disagrees with its moments.
 */
#include "psi-null.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "strbuf.h"
#include "drift-chisq.h"
#include "drift-psi.h"
#include "rng.h"
#include "xalloc.h"

#define PSI_NULL_TAG	"psi-null 2"

static void
psi_null_derive(struct psi_null *n)
{
	double sd = sqrt(n->var), g;

	n->scale = n->dof = n->shift = n->lgamma_half = 0.0;
	if (!(n->var > 0.0))
		return;
	g = n->m3 / (n->var * sd);	/* skewness */
	if (g > 0.0) {			/* Pearson: shift + c * chi2(k) */
		n->dof = 8.0 / (g * g);
		n->scale = sd / sqrt(2.0 * n->dof);
		n->shift = n->mean - n->scale * n->dof;
	} else if (n->mean > 0.0) {	/* two moments, no shift */
		n->scale = n->var / (2.0 * n->mean);
		n->dof = 2.0 * n->mean * n->mean / n->var;
	}
	if (n->dof > 0.0)	/* each p-value's chi-squared needs it */
		n->lgamma_half = lgamma(n->dof / 2.0);
}

/*
 * One sample of s draws with replacement from n sorted values, as what
 * PSI sees of it: the lowest index drawn and how often, the highest and
 * how often, and how many fall strictly between them (uniform there).
 */
struct psi_side {
	size_t	 kmin, cmin;
	size_t	 kmax, cmax;	/* kmax = kmin, cmax = 0: all at kmin */
	size_t	 rest;
};

/*
 * Binomial(s, p) conditioned on >= 1; s >= 1, p in (0, 1]. P(0) = q^s
 * comes from the memo (the same pow): p is 1 over a count of indices,
 * and the same few recur draw after draw.
 */
static size_t
binomial_pos(struct rng *r, struct rng_binomial_memo *bm, size_t s,
    double p)
{
	double q = 1.0 - p, f, u, ratio;
	size_t k;

	if (p <= 0.5 && (double)s * p < 30.0) {	/* truncated inversion */
		f = rng_binomial_p0(s, p, bm);
		u = f + rng_uniform(r) * (1.0 - f);
		ratio = p / q;
		for (k = 0; u > f && k < s; ) {
			u -= f;
			k++;
			f *= ratio * (double)(s - k + 1) / (double)k;
		}
		return k > 0 ? k : 1;
	}
	do	/* P(0) <= max(e^-30, 1/2) */
		k = (size_t)rng_binomial_memo(r, s, p, bm);
	while (k == 0);
	return k;
}

/* Index floor(n * x) of x in [0, 1], at most n - 1. */
static size_t
psi_side_index(size_t n, double x)
{
	double k = floor((double)n * x);

	return k >= (double)n ? n - 1 : (size_t)k;
}

/*
 * Draw s >= 1 values from n: the minimum of s uniform indices has
 * P(min >= k) = (1 - k/n)^s; given it, the draws there are Binomial(s,
 * 1/(n - min)) conditioned on >= 1 and the others uniform above it, and
 * so on for the maximum among those. Exact, O(1) expected.
 */
static void
psi_side_draw(struct rng *r, struct rng_binomial_memo *bm, size_t n,
    size_t s, struct psi_side *d)
{
	double u;
	size_t left;

	u = rng_uniform(r);
	d->kmin = psi_side_index(n, -expm1(log(u) / (double)s));
	d->cmin = binomial_pos(r, bm, s, 1.0 / (double)(n - d->kmin));
	d->kmax = d->kmin;
	d->cmax = d->rest = 0;
	left = s - d->cmin;
	if (left == 0)
		return;
	u = rng_uniform(r);	/* max of `left` uniforms on kmin+1..n-1 */
	d->kmax = d->kmin + 1 + psi_side_index(n - 1 - d->kmin,
	    exp(log(u) / (double)left));
	d->cmax = binomial_pos(r, bm, left, 1.0 / (double)(d->kmax - d->kmin));
	d->rest = left - d->cmax;
}

/* The bin of sorted index i: how many interior cuts are at or below i. */
static int
psi_side_bin(const size_t *below, size_t i)
{
	int b = 0;

	while (b < PSI_BINS - 1 && below[b + 1] <= i)
		b++;
	return b;
}

/*
 * The bin counts of a drawn side under the cuts `below`: its extremes in
 * their bins, the rest multinomial over the bins' shares of the indices
 * strictly between them.
 */
static void
psi_side_counts(struct rng *r, struct rng_binomial_memo *bm,
    const struct psi_side *d, const size_t *below, uint64_t counts[PSI_BINS])
{
	size_t a = d->kmin + 1, z = d->kmax, len, w, left = d->rest, lo, hi;
	uint64_t x;
	int b;

	for (b = 0; b < PSI_BINS; b++)
		counts[b] = 0;
	counts[psi_side_bin(below, d->kmin)] += d->cmin;
	if (d->cmax > 0)
		counts[psi_side_bin(below, d->kmax)] += d->cmax;
	len = z > a ? z - a : 0;
	for (b = 0; b < PSI_BINS && left > 0; b++) {
		lo = below[b] > a ? below[b] : a;
		hi = below[b + 1] < z ? below[b + 1] : z;
		if (hi <= lo)
			continue;
		w = hi - lo;
		x = w >= len ? left :
		    rng_binomial_memo(r, left, (double)w / (double)len, bm);
		counts[b] += x;
		left -= (size_t)x;
		len -= w;
	}
}

/*
 * One resampled PSI: a pseudo-reference of nref and a batch of m draws
 * from the sorted reference, PSI over their combined range exactly as
 * drift_psi would compute it on those draws (the same edges, counts and
 * floor), without materialising them.
 */
static double
psi_null_draw(struct rng *r, struct rng_binomial_memo *bm, const double *ref,
    size_t nref, size_t m, const size_t *full)
{
	struct psi_side sr, sb;
	size_t below[PSI_BINS + 1], lo, hi;
	uint64_t cr[PSI_BINS], cb[PSI_BINS];
	const size_t *cuts = below;

	psi_side_draw(r, bm, nref, nref, &sr);
	psi_side_draw(r, bm, nref, m, &sb);
	lo = sr.kmin < sb.kmin ? sr.kmin : sb.kmin;
	hi = sr.kmax > sb.kmax ? sr.kmax : sb.kmax;
	if (lo == 0 && hi == nref - 1)	/* the whole reference drawn */
		cuts = full;
	else
		drift_psi_cuts(ref, nref, ref[lo], ref[hi], below);
	psi_side_counts(r, bm, &sr, cuts, cr);
	psi_side_counts(r, bm, &sb, cuts, cb);
	return drift_psi_counts(cr, cb, PSI_BINS);
}

void
psi_null_sample(const double *ref, size_t nref, size_t nbatch, size_t draws,
    uint64_t seed, double *out)
{
	struct rng_binomial_memo *bm = xcalloc(1, sizeof *bm);
	size_t full[PSI_BINS + 1], i;
	struct rng r;

	/* The cuts over the whole reference, which about half the draws
	 * span: the same cuts drift_psi_cuts gives them, found once. */
	drift_psi_cuts(ref, nref, ref[0], ref[nref - 1], full);
	rng_seed(&r, seed);
	for (i = 0; i < draws; i++)
		out[i] = psi_null_draw(&r, bm, ref, nref, nbatch, full);
	free(bm);
}

static int
psi_null_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define PSI_SORT_SIGN	((uint64_t)1 << 63)

/*
 * Sort x[0..n) ascending, as qsort with psi_null_cmp sorts it, by a least
 * significant digit radix sort of keys that order as the doubles do (a
 * negative's bits inverted, a positive's sign bit set): eight passes of
 * a byte, a pass skipped where every key has the same byte: at 2,000
 * draws 45% of qsort's instructions (311,000 against 698,000; callgrind,
 * the bench stream's seven fits). Keys of unequal doubles differ, and
 * equal doubles have equal bits but for -0 and +0, so the result is
 * qsort's array; with a -0 or a NaN (whose place qsort leaves to chance)
 * x goes to qsort itself.
 */
static void
psi_null_sort(double *x, size_t n)
{
	uint64_t *key = xreallocarray(NULL, 2 * (n ? n : 1), sizeof *key);
	uint64_t *tmp = key + n, *t, b;
	size_t cnt[8][256] = { { 0 } }, i, at, c;
	int d;

	for (i = 0; i < n; i++) {
		memcpy(&b, &x[i], sizeof b);
		if (b == PSI_SORT_SIGN || (b & ~PSI_SORT_SIGN) >
		    0x7ff0000000000000ULL) {
			qsort(x, n, sizeof *x, psi_null_cmp);
			free(key);
			return;
		}
		key[i] = b & PSI_SORT_SIGN ? ~b : b | PSI_SORT_SIGN;
		for (d = 0; d < 8; d++)
			cnt[d][(key[i] >> (8 * d)) & 0xff]++;
	}
	for (d = 0; d < 8; d++) {
		if (n == 0 || cnt[d][(key[0] >> (8 * d)) & 0xff] == n)
			continue;	/* one byte throughout */
		for (c = at = 0; c < 256; c++) {
			i = cnt[d][c];
			cnt[d][c] = at;
			at += i;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[d][(key[i] >> (8 * d)) & 0xff]++] = key[i];
		t = key;
		key = tmp;
		tmp = t;
	}
	for (i = 0; i < n; i++) {
		b = key[i] & PSI_SORT_SIGN ? key[i] & ~PSI_SORT_SIGN : ~key[i];
		memcpy(&x[i], &b, sizeof b);
	}
	free(key < tmp ? key : tmp);
}

/* The exponential tail over the draws' 1 - PSI_NULL_TAIL quantile. */
static void
psi_null_tail(double *x, size_t draws, struct psi_null *out)
{
	size_t k = (size_t)((double)draws * (1.0 - PSI_NULL_TAIL)), i;
	double excess = 0.0;

	psi_null_sort(x, draws);
	if (k >= draws)
		k = draws - 1;
	out->tail_u = x[k];
	for (i = k + 1; i < draws; i++)
		excess += x[i] - x[k];
	out->tail_scale = k + 1 < draws ? excess / (double)(draws - k - 1) :
	    0.0;
}

void
psi_null_fit_sample(double *x, size_t draws, struct psi_null *out)
{
	double mean = 0.0, m2 = 0.0, m3 = 0.0, d;
	size_t i;

	for (i = 0; i < draws; i++)
		mean += x[i];
	mean /= (double)draws;
	for (i = 0; i < draws; i++) {	/* two passes: exact enough */
		d = x[i] - mean;
		m2 += d * d;
		m3 += d * d * d;
	}
	psi_null_tail(x, draws, out);
	out->draws = draws;
	out->mean = mean;
	out->var = m2 / (double)(draws - 1);
	out->m3 = m3 / (double)draws;
	psi_null_derive(out);
}

void
psi_null_fit(const double *ref, size_t nref, size_t nbatch, size_t draws,
    uint64_t seed, struct psi_null *out)
{
	double *x = xreallocarray(NULL, draws, sizeof *x);

	psi_null_sample(ref, nref, nbatch, draws, seed, x);
	psi_null_fit_sample(x, draws, out);
	free(x);
	out->nref = nref;
	out->nbatch = nbatch;
	out->seed = seed;
}

double
psi_null_p_value(const struct psi_null *n, double psi)
{
	double p, t;

	if (n->scale <= 0.0)
		return psi <= n->mean ? 1.0 : 0.0;
	if (psi <= n->shift)
		return 1.0;
	p = chisq_sf_lgamma((psi - n->shift) / n->scale, n->dof,
	    n->lgamma_half);
	if (n->tail_scale > 0.0 && psi > n->tail_u) {
		t = PSI_NULL_TAIL * exp(-(psi - n->tail_u) / n->tail_scale);
		if (t > p)
			p = t;
	}
	return p > 1.0 ? 1.0 : (p < 0.0 ? 0.0 : p);
}

char *
psi_null_format(const struct psi_null *n)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_addf(&b, PSI_NULL_TAG " nref %llu nbatch %llu draws %llu"
	    " seed %llu mean ", (unsigned long long)n->nref,
	    (unsigned long long)n->nbatch, (unsigned long long)n->draws,
	    (unsigned long long)n->seed);
	codec_put_double(&b, n->mean);
	strbuf_addf(&b, " var ");
	codec_put_double(&b, n->var);
	strbuf_addf(&b, " m3 ");
	codec_put_double(&b, n->m3);
	strbuf_addf(&b, " tail_u ");
	codec_put_double(&b, n->tail_u);
	strbuf_addf(&b, " tail_scale ");
	codec_put_double(&b, n->tail_scale);
	return strbuf_take(&b);	/* Caller frees. */
}

/* " name <u64>" */
static bool
psi_null_field(const char **s, const char *name, uint64_t *v)
{
	return codec_expect(s, " ") && codec_expect(s, name) &&
	    codec_expect(s, " ") && codec_parse_u64(s, v);
}

bool
psi_null_parse(const char *s, struct psi_null *out, char **cause)
{
	struct psi_null n;
	const char *p = s;

	if (!codec_expect(&p, PSI_NULL_TAG) ||
	    !psi_null_field(&p, "nref", &n.nref) ||
	    !psi_null_field(&p, "nbatch", &n.nbatch) ||
	    !psi_null_field(&p, "draws", &n.draws) ||
	    !psi_null_field(&p, "seed", &n.seed) ||
	    !codec_expect(&p, " mean ") || !codec_parse_double(&p, &n.mean) ||
	    !codec_expect(&p, " var ") || !codec_parse_double(&p, &n.var) ||
	    !codec_expect(&p, " m3 ") || !codec_parse_double(&p, &n.m3) ||
	    !codec_expect(&p, " tail_u ") ||
	    !codec_parse_double(&p, &n.tail_u) ||
	    !codec_expect(&p, " tail_scale ") ||
	    !codec_parse_double(&p, &n.tail_scale)) {
		*cause = xasprintf("PSI null: unreadable at byte %zu",
		    (size_t)(p - s));
		return false;
	}
	if (*p != '\0') {
		*cause = xasprintf("PSI null: trailing text at byte %zu",
		    (size_t)(p - s));
		return false;
	}
	if (n.nref == 0 || n.nbatch == 0 || n.draws < 2 ||
	    !(n.mean >= 0.0) || !(n.var >= 0.0) || !isfinite(n.mean) ||
	    !isfinite(n.var) || !isfinite(n.m3) || !isfinite(n.tail_u) ||
	    !(n.tail_scale >= 0.0) || !isfinite(n.tail_scale)) {
		*cause = xasprintf("PSI null: sizes below 1, fewer than 2"
		    " draws or a negative or infinite moment or tail");
		return false;
	}
	psi_null_derive(&n);
	*out = n;
	return true;
}
