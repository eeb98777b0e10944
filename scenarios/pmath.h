/*
 * Portable math for mlmon-gen: log, exp and Gaussian draws built only from
 * IEEE 754 +, -, *, /, sqrt and the exact frexp/ldexp/floor, so a seed
 * gives the same bits on every platform. libm's log/exp are not required
 * to be correctly rounded and differ between libcs; these do not.
 *
 * Requires double evaluated in double (FLT_EVAL_METHOD 0: x86-64 SSE2,
 * aarch64, ...) and no FMA contraction (-ffp-contract=off, set by the root
 * meson.build). scenarios/meson.build adds -msse2 -mfpmath=sse on 32-bit x86.
 */
#ifndef MLMON_SCENARIOS_PMATH_H
#define MLMON_SCENARIOS_PMATH_H

#include <stdbool.h>

struct rng;

/* Natural log of x > 0 (x <= 0 or NaN returns NaN; +Inf returns +Inf). */
double	pmath_log(double x);
/* e^x; 0 below -745, +Inf above 709.8. */
double	pmath_exp(double x);

/* Marsaglia polar method: two standard normals per accepted pair. */
struct pmath_gauss {
	bool	have;	/* spare holds an unused draw */
	double	spare;
};

void	pmath_gauss_init(struct pmath_gauss *g);
/* One N(0, 1) draw from r. */
double	pmath_gauss_next(struct pmath_gauss *g, struct rng *r);

#endif
