/*
 * xoshiro256** with splitmix64 seeding. Reference: https://prng.di.unimi.it/
 * The state is four 64-bit words that must not all be zero; splitmix64
 * never produces four zeros from one seed.
 */
#include "rng.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define RNG_BINOMIAL_SMALL	30.0	/* n p below: inversion from 0 */

/*
 * The binomial searches step their counts as doubles beside the
 * integers (k, n - k + 1, hi + 1, ...): below 2^53 every such count and
 * its difference with n is an integer a double holds exactly, so the
 * factors are the ones (double)(n - k + 1) and the like gave, without a
 * conversion per step. Above 2^53 the counts round, as n already did in
 * (dn + 1) p and pow: there the variates are not bit for bit the earlier
 * code's (no caller draws from so many).
 */
#define RNG_LFACT_TABLE		4096	/* ln k! kept for k below */

/*
 * ln k! = lgamma(k + 1) for k < RNG_LFACT_TABLE, computed once at first
 * use (the same calls, so the same doubles): the chop-down search asks
 * for the same factorials at every variate of a resampling.
 */
static double	rng_lfact_tab[RNG_LFACT_TABLE];
static bool	rng_lfact_ready;

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

/* The step of rng_next, static so the hot loops of this file inline it. */
static inline uint64_t
rng_step(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
rng_next(struct rng *r)
{
	return rng_step(r);
}

double
rng_uniform(struct rng *r)
{
	return (double)(rng_step(r) >> 11) * 0x1.0p-53;
}

/* rng_below's draw (Lemire's multiply and reject), inlined like rng_step. */
static inline uint64_t
rng_below_step(struct rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)rng_step(r) * n;
	uint64_t low = (uint64_t)m;

	if (low < n) {
		uint64_t threshold = -n % n;

		while (low < threshold) {
			m = (unsigned __int128)rng_step(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

uint64_t
rng_below(struct rng *r, uint64_t n)
{
	return rng_below_step(r, n);
}

/*
 * Lemire's rule with its threshold found once: a draw is kept when the low
 * half of its product is at least 2^64 mod n (below n only a few are
 * not), the same draws rng_below_step keeps, so the same stream.
 */
void
rng_tally(struct rng *r, uint64_t n, size_t draws, uint64_t *counts,
    uint64_t step, uint64_t *weights, uint64_t wstep)
{
	struct rng s = *r;	/* a local state stays in registers: the
				 * stores to counts may not alias it */
	uint64_t threshold = -n % n, k;
	unsigned __int128 m;
	size_t i;

	for (i = draws; i > 0; i--) {
		do
			m = (unsigned __int128)rng_step(&s) * n;
		while ((uint64_t)m < threshold);
		k = (uint64_t)(m >> 64);
		counts[k] += step;
		weights[k] += wstep;
	}
	*r = s;
}

/*
 * The memo's slot for (n, p): its start value when it holds that pair
 * (*hit), else the slot to fill. n > 0, so a zeroed slot holds nothing.
 */
static struct rng_memo_slot *
memo_slot(struct rng_binomial_memo *m, uint64_t n, double p, bool *hit)
{
	struct rng_memo_slot *e;
	uint64_t bits, h;

	*hit = false;
	if (m == NULL)
		return NULL;
	memcpy(&bits, &p, sizeof bits);
	h = (n * 0x9e3779b97f4a7c15ULL) ^ (bits * 0xbf58476d1ce4e5b9ULL);
	e = &m->slot[(h >> 40) % RNG_MEMO_SLOTS];
	*hit = e->n == n && e->pbits == bits;
	e->n = n;
	e->pbits = bits;
	return e;
}

/* Binomial(n, p), p <= 0.5 and n p < RNG_BINOMIAL_SMALL: inversion. */
static uint64_t
binomial_invert(struct rng *r, uint64_t n, double p,
    struct rng_binomial_memo *m)
{
	struct rng_memo_slot *e;
	double s = p / (1.0 - p), dn = (double)n, dn1 = dn + 1.0, dk = 0.0;
	double f, u;
	uint64_t k = 0;
	bool hit;

	e = memo_slot(m, n, p, &hit);
	f = hit ? e->f : pow(1.0 - p, dn);
	if (e != NULL)
		e->f = f;
	u = rng_uniform(r);
	/* dk = k and dn1 - dk = dn - dk + 1 = n - k + 1, exactly (file
	 * comment): one subtraction a step. */
	while (u > f && k < n) {
		u -= f;
		k++;
		dk += 1.0;
		f *= s * (dn1 - dk) / dk;
	}
	return k;
}

/* lgamma(k + 1) for k < RNG_LFACT_TABLE. */
static double
rng_lfact(uint64_t k)
{
	uint64_t i;

	if (!rng_lfact_ready) {
		for (i = 0; i < RNG_LFACT_TABLE; i++)
			rng_lfact_tab[i] = lgamma((double)i + 1.0);
		rng_lfact_ready = true;
	}
	return rng_lfact_tab[k];
}

/*
 * Binomial(n, p), p <= 0.5, n p >= RNG_BINOMIAL_SMALL: chop-down search
 * from the mode. Outcomes are taken in the fixed order mode, mode + 1,
 * mode - 1, mode + 2, ..., each subtracting its probability from u, so
 * the result has the binomial law exactly (up to rounding); when
 * rounding has spent both tails, the mode.
 */
static uint64_t
binomial_mode(struct rng *r, uint64_t n, double p,
    struct rng_binomial_memo *m)
{
	double s = p / (1.0 - p), dn = (double)n, dn1 = dn + 1.0, u, flo, fhi;
	double lc, dlo, dhi;
	uint64_t mode = (uint64_t)(dn1 * p), lo, hi;
	struct rng_memo_slot *e;
	bool hit;

	if (mode > n)
		mode = n;
	e = memo_slot(m, n, p, &hit);
	if (hit)
		fhi = e->f;
	else {
		/* ln C(n, mode); below the table's end dn + 1, mode + 1
		 * and dn - mode + 1 are small integers, held exactly
		 * either way. */
		if (n < RNG_LFACT_TABLE)
			lc = rng_lfact(n) - rng_lfact(mode) -
			    rng_lfact(n - mode);
		else
			lc = lgamma(dn + 1.0) - lgamma((double)mode + 1.0) -
			    lgamma(dn - (double)mode + 1.0);
		fhi = exp(lc + (double)mode * log(p) +
		    (dn - (double)mode) * log1p(-p));
		if (e != NULL)
			e->f = fhi;
	}
	flo = fhi;
	u = rng_uniform(r);
	if (u <= fhi)
		return mode;
	u -= fhi;
	lo = hi = mode;
	/* = lo, hi exactly, and dn1 - dlo = n - lo + 1 (file comment). */
	dlo = dhi = (double)mode;
	/*
	 * u > 0 from here (u > f before each u -= f, and x - y > 0 for x >
	 * y). A side past its end steps on with a factor of 0 (n - n, or
	 * lo = 0): its probability is 0 from there, so it returns nothing
	 * and takes nothing from u, as a side that stopped; the search ends
	 * when both are 0, with what a search that stopped each side at its
	 * end (or at 0) returned. No test of the ends a step.
	 */
	for (;;) {
		fhi *= s * (dn - dhi) / (dhi + 1.0);
		hi++;
		dhi += 1.0;
		if (u <= fhi)
			return hi;
		u -= fhi;
		flo *= dlo / (s * (dn1 - dlo));
		lo--;
		dlo -= 1.0;
		if (u <= flo)
			return lo;
		u -= flo;
		if (fhi == 0.0 && flo == 0.0)
			return mode;
	}
}

/* Binomial(n, p), n >= 1, 0 < p <= 0.5. */
static uint64_t
binomial_low(struct rng *r, uint64_t n, double p,
    struct rng_binomial_memo *m)
{
	if ((double)n * p < RNG_BINOMIAL_SMALL)
		return binomial_invert(r, n, p, m);
	return binomial_mode(r, n, p, m);
}

uint64_t
rng_binomial_memo(struct rng *r, uint64_t n, double p,
    struct rng_binomial_memo *m)
{
	if (n == 0 || !(p > 0.0))
		return 0;
	if (p >= 1.0)
		return n;
	if (p > 0.5)	/* 1 - p is in (0, 0.5) */
		return n - binomial_low(r, n, 1.0 - p, m);
	return binomial_low(r, n, p, m);
}

double
rng_binomial_p0(uint64_t n, double p, struct rng_binomial_memo *m)
{
	struct rng_memo_slot *e;
	double f;
	bool hit;

	if (!(p <= 0.5 && (double)n * p < RNG_BINOMIAL_SMALL) || n == 0 ||
	    !(p > 0.0))
		return pow(1.0 - p, (double)n);
	e = memo_slot(m, n, p, &hit);	/* binomial_invert's slot */
	f = hit ? e->f : pow(1.0 - p, (double)n);
	if (e != NULL)
		e->f = f;
	return f;
}

uint64_t
rng_binomial(struct rng *r, uint64_t n, double p)
{
	return rng_binomial_memo(r, n, p, NULL);
}
