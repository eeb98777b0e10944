/*
 * numpy's Generator(PCG64(SeedSequence(seed))), reimplemented from its
 * published algorithms (numpy/random: bit_generator.pyx, pcg64.h,
 * distributions.c; PCG by M. O'Neill, pcg-random.org; Lemire,
 * arXiv:1805.10941). The 128-bit state is kept as two 64-bit halves so
 * no compiler extension is needed.
 *
 * SeedSequence in brief: the seed is split into 32-bit words, lowest
 * first (0 is one word); each word is hashed into a 4-word pool with a
 * multiplier that changes at every use, every pool word is then mixed
 * with a hash of every other, and the output words are the pool, cycled
 * and hashed again with a second running multiplier.
 */
#include "rng-numpy.h"

#include <math.h>

#include "rng-numpy-zig.h"

#define SS_POOL		4
#define SS_INIT_A	0x43b0d7e5U
#define SS_MULT_A	0x931e8875U
#define SS_INIT_B	0x8b51f9ddU
#define SS_MULT_B	0x58f38dedU
#define SS_MIX_L	0xca01f9ddU
#define SS_MIX_R	0x4973f715U

/* PCG's default 128-bit multiplier. */
#define PCG_MULT_HI	0x2360ed051fc65da4ULL
#define PCG_MULT_LO	0x4385df649fccf645ULL

/* Hash one word; *k is the running multiplier. */
static uint32_t
ss_hash(uint32_t v, uint32_t *k)
{
	v ^= *k;
	*k *= SS_MULT_A;
	v *= *k;
	return v ^ (v >> 16);
}

static uint32_t
ss_mix(uint32_t x, uint32_t y)
{
	uint32_t m = SS_MIX_L * x - SS_MIX_R * y;

	return m ^ (m >> 16);
}

/* The seed's words, lowest first; returns how many (1 or 2). */
static int
ss_words(uint64_t seed, uint32_t w[2])
{
	int n = 0;

	do {
		w[n++] = (uint32_t)seed;
		seed >>= 32;
	} while (seed != 0);
	return n;
}

/* The 64-bit product x * y as two halves. */
static void
mul64(uint64_t x, uint64_t y, uint64_t *hi, uint64_t *lo)
{
	uint64_t x0 = x & 0xffffffffU, x1 = x >> 32;
	uint64_t y0 = y & 0xffffffffU, y1 = y >> 32;
	uint64_t p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
	uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffU) + (p10 & 0xffffffffU);

	*lo = (mid << 32) | (p00 & 0xffffffffU);
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* state = state * multiplier + inc (mod 2^128). */
static void
pcg_step(struct rng_numpy *r)
{
	uint64_t hi, lo, sum;

	mul64(r->state_lo, PCG_MULT_LO, &hi, &lo);
	hi += r->state_lo * PCG_MULT_HI + r->state_hi * PCG_MULT_LO;
	sum = lo + r->inc_lo;
	r->state_hi = hi + r->inc_hi + (sum < lo);
	r->state_lo = sum;
}

void
rng_numpy_seed_state(uint64_t seed, uint32_t *out, int n)
{
	uint32_t pool[SS_POOL], w[2], k = SS_INIT_A, v;
	int nw, i, src, dst;

	nw = ss_words(seed, w);
	for (i = 0; i < SS_POOL; i++)
		pool[i] = ss_hash(i < nw ? w[i] : 0, &k);
	for (src = 0; src < SS_POOL; src++) {
		for (dst = 0; dst < SS_POOL; dst++) {
			if (src != dst)
				pool[dst] = ss_mix(pool[dst],
				    ss_hash(pool[src], &k));
		}
	}
	k = SS_INIT_B;
	for (i = 0; i < n; i++) {
		v = pool[i % SS_POOL] ^ k;
		k *= SS_MULT_B;
		v *= k;
		out[i] = v ^ (v >> 16);
	}
}

void
rng_numpy_seed(struct rng_numpy *r, uint64_t seed)
{
	uint32_t s[8];
	uint64_t w[4], lo;
	int i;

	/* Four 64-bit words, each two 32-bit words little end first. */
	rng_numpy_seed_state(seed, s, 8);
	for (i = 0; i < 4; i++)
		w[i] = (uint64_t)s[2 * i] | (uint64_t)s[2 * i + 1] << 32;
	/* state = w0:w1, sequence = w2:w3; inc = sequence * 2 + 1. */
	r->state_hi = 0;
	r->state_lo = 0;
	r->inc_hi = w[2] << 1 | w[3] >> 63;
	r->inc_lo = w[3] << 1 | 1;
	pcg_step(r);
	lo = r->state_lo + w[1];
	r->state_hi += w[0] + (lo < w[1]);
	r->state_lo = lo;
	pcg_step(r);
	r->has_spare = false;
	r->spare = 0;
}

uint64_t
rng_numpy_next64(struct rng_numpy *r)
{
	uint64_t x;
	unsigned rot;

	pcg_step(r);
	x = r->state_hi ^ r->state_lo;
	rot = (unsigned)(r->state_hi >> 58);
	return (x >> rot) | (x << ((64 - rot) & 63));
}

uint32_t
rng_numpy_next32(struct rng_numpy *r)
{
	uint64_t x;

	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
	x = rng_numpy_next64(r);
	r->has_spare = true;
	r->spare = (uint32_t)(x >> 32);
	return (uint32_t)x;
}

double
rng_numpy_uniform(struct rng_numpy *r)
{
	return (double)(rng_numpy_next64(r) >> 11) * 0x1.0p-53;
}

/* The tail beyond the ziggurat's base, |x| > r (Marsaglia's method). */
static double
zig_tail(struct rng_numpy *r, bool negative)
{
	double x, y;

	for (;;) {
		/* 1 - u, never 0, keeps the logarithm finite. */
		x = -RNG_NUMPY_ZIG_INV_R * log1p(-rng_numpy_uniform(r));
		y = -log1p(-rng_numpy_uniform(r));
		if (y + y > x * x)
			break;
	}
	return negative ? -(RNG_NUMPY_ZIG_R + x) : RNG_NUMPY_ZIG_R + x;
}

/*
 * One 64-bit draw gives the layer (8 bits), the sign (1 bit) and a
 * 52-bit abscissa. Inside the layer's rectangle it is accepted at once;
 * layer 0 is the base strip with the tail; otherwise the wedge is
 * decided by one more uniform against the density.
 */
double
rng_numpy_normal(struct rng_numpy *r)
{
	uint64_t u, mag;
	unsigned layer;
	double x, y;

	for (;;) {
		u = rng_numpy_next64(r);
		layer = (unsigned)(u & 0xff);
		mag = (u >> 9) & 0x000fffffffffffffULL;
		x = (double)mag * rng_numpy_zig_w[layer];
		if ((u >> 8) & 1)
			x = -x;
		if (mag < rng_numpy_zig_k[layer])
			return x;
		if (layer == 0)
			return zig_tail(r, ((mag >> 8) & 1) != 0);
		y = rng_numpy_zig_f[layer] + rng_numpy_uniform(r) *
		    (rng_numpy_zig_f[layer - 1] - rng_numpy_zig_f[layer]);
		if (y < exp(-0.5 * x * x))
			return x;
	}
}

uint32_t
rng_numpy_below(struct rng_numpy *r, uint32_t n)
{
	uint64_t m;
	uint32_t threshold;

	if (n <= 1)
		return 0;
	m = (uint64_t)rng_numpy_next32(r) * n;
	if ((uint32_t)m < n) {
		/* 2^32 mod n draws would bias the low values: redraw them. */
		threshold = (uint32_t)(0U - n) % n;
		while ((uint32_t)m < threshold)
			m = (uint64_t)rng_numpy_next32(r) * n;
	}
	return (uint32_t)(m >> 32);
}

void
rng_numpy_cdf(const double *p, int n, double *cdf)
{
	double sum = 0.0;
	int i;

	for (i = 0; i < n; i++) {
		sum += p[i];
		cdf[i] = sum;
	}
	for (i = 0; i < n; i++)
		cdf[i] /= sum;
}

int
rng_numpy_choice(struct rng_numpy *r, const double *cdf, int n)
{
	double u = rng_numpy_uniform(r);
	int i = 0;

	/* The first entry above u: numpy's searchsorted(side='right'). */
	while (i < n - 1 && cdf[i] <= u)
		i++;
	return i;
}
