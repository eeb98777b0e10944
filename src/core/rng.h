/*
 * mlmon's own pseudo-random generator, identical on every platform:
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64.
 * Only integer arithmetic, so a seed names the same stream everywhere.
 * Used by the MMD permutation test, the PSI null and mlmon-gen.
 */
#ifndef MLMON_CORE_RNG_H
#define MLMON_CORE_RNG_H

#include <stddef.h>
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
/*
 * draws indices i = rng_below(r, n) in turn (the same stream as that many
 * calls), each adding step to counts[i] and wstep to weights[i] (modulo
 * 2^64): a resample's counts per item, and a weight of them.
 */
void		rng_tally(struct rng *r, uint64_t n, size_t draws,
		    uint64_t *counts, uint64_t step, uint64_t *weights,
		    uint64_t wstep);
/*
 * Binomial(n, p) variate, exact up to rounding: for n * min(p, 1 - p) <
 * 30 inversion from 0; above, a chop-down search from the mode (pmf at
 * the mode by lgamma, then the outcomes mode+1, mode-1, mode+2, ... in
 * turn), O(sqrt(n p)) steps. p outside (0, 1) gives 0 or n.
 */
uint64_t	rng_binomial(struct rng *r, uint64_t n, double p);

/*
 * rng_binomial with a memo of its starting value (the pmf at 0 or at the
 * mode: a pow, or a log, a log1p and an exp) by (n, p), for a caller that
 * draws the same (n, p) again and again (a resampling). The same draws,
 * the same values, as rng_binomial; the memo only skips recomputing a
 * double it holds. Zero it (calloc) before first use; one per thread.
 */
#define RNG_MEMO_SLOTS	16384

struct rng_memo_slot {
	uint64_t	n, pbits;	/* n = 0: empty */
	double		f;
};

struct rng_binomial_memo {
	struct rng_memo_slot	slot[RNG_MEMO_SLOTS];
};

uint64_t	rng_binomial_memo(struct rng *r, uint64_t n, double p,
		    struct rng_binomial_memo *m);

/*
 * (1 - p)^n = pow(1 - p, n), P(Binomial(n, p) = 0), the same double:
 * kept in m (which may be NULL) where the inversion keeps it, for p <=
 * 0.5 and n p < 30, so a resampling that asks for it often (psi-null.c,
 * conditioning a variate on >= 1) computes each once.
 */
double		rng_binomial_p0(uint64_t n, double p,
		    struct rng_binomial_memo *m);

#endif
