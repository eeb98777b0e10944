/*
 * numpy's default random generator, draw for draw: what
 * np.random.default_rng(seed) returns in numpy >= 1.17, so mlmon-gen
 * --rng numpy can replay the seed article's streams.
 *
 * - Seeding: SeedSequence(seed) hashes the seed's 32-bit words into a
 *   4-word pool and expands it to the PCG64 state and increment.
 * - PCG64: a 128-bit LCG with the XSL-RR output function; 32-bit draws
 *   use one half of a 64-bit draw and keep the other for the next call
 *   (the spare is part of the state, as in numpy).
 * - Generator.random: the top 53 bits of a 64-bit draw.
 * - Generator.normal: numpy's 256-level ziggurat (rng-numpy-zig.c).
 * - Generator.integers / choice without p: Lemire's bounded 32-bit draw.
 * - Generator.choice with p: the normalised cumulative sum, searched
 *   with side='right' for one uniform per draw.
 *
 * The fast paths use integer arithmetic only. The normal's rare slow
 * paths (about 0.7% of draws) call libm's exp and log1p, as numpy does,
 * so the draws equal numpy's built against the same libm.
 */
#ifndef MLMON_SCENARIOS_RNG_NUMPY_H
#define MLMON_SCENARIOS_RNG_NUMPY_H

#include <stdbool.h>
#include <stdint.h>

struct rng_numpy {
	uint64_t	state_hi;	/* 128-bit LCG state */
	uint64_t	state_lo;
	uint64_t	inc_hi;		/* 128-bit odd increment */
	uint64_t	inc_lo;
	bool		has_spare;	/* spare: an unused 32-bit half */
	uint32_t	spare;
};

/* np.random.default_rng(seed). */
void		rng_numpy_seed(struct rng_numpy *r, uint64_t seed);
/* SeedSequence(seed).generate_state(n, np.uint32) into out[0..n). */
void		rng_numpy_seed_state(uint64_t seed, uint32_t *out, int n);
/* PCG64's raw 64-bit output (bit_generator.random_raw()). */
uint64_t	rng_numpy_next64(struct rng_numpy *r);
/* PCG64's 32-bit output: low half first, high half on the next call. */
uint32_t	rng_numpy_next32(struct rng_numpy *r);
/* Generator.random(): uniform in [0, 1) with 53 bits. */
double		rng_numpy_uniform(struct rng_numpy *r);
/* Generator.standard_normal(). */
double		rng_numpy_normal(struct rng_numpy *r);
/* Generator.integers(0, n) for 1 <= n <= 2^32 - 1; n == 1 draws nothing. */
uint32_t	rng_numpy_below(struct rng_numpy *r, uint32_t n);
/*
 * The table Generator.choice(len(p), p=p) searches: cdf[i] = (p[0] +
 * .. + p[i]) / (p[0] + .. + p[n-1]), summed left to right.
 */
void		rng_numpy_cdf(const double *p, int n, double *cdf);
/* One Generator.choice(n, p=p) draw from rng_numpy_cdf's table. */
int		rng_numpy_choice(struct rng_numpy *r, const double *cdf,
		    int n);

#endif
