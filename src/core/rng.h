/*
 * mlmon's own pseudo-random generator, identical on every platform:
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64.
 * Only integer arithmetic, so a seed names the same stream everywhere.
 * Used by the MMD permutation test and by mlmon-gen.
 */
#ifndef MLMON_CORE_RNG_H
#define MLMON_CORE_RNG_H

#include <stdint.h>

struct rng {
	uint64_t	s[4];
};

/* Seed the state from one 64-bit value (splitmix64 expansion). */
void		rng_seed(struct rng *r, uint64_t seed);
uint64_t	rng_next(struct rng *r);
/* Uniform double in [0, 1) with 53 random bits. */
double		rng_uniform(struct rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
uint64_t	rng_below(struct rng *r, uint64_t n);

#endif
