/*
 * rng.c's binomial variates against the search as it was first written
 * (the resampled nulls are made of them: a faster search must draw the
 * same variates from the same stream), on random draws and at the ends
 * of the chop-down search that random draws do not reach.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/xalloc.h"
#include "golden.h"

/*
 * Binomial(n, p) as rng.c first drew it (main at 574e19b): inversion from
 * 0 below n p = 30, else the chop-down search from the mode, every
 * factor formed as then ((double)(n - k + 1) and the like, n below
 * 2^53), the pmf at the mode by lgamma, no memo.
 */
static uint64_t
plain_binomial(struct rng *r, uint64_t n, double p)
{
	double s, dn = (double)n, f, u, flo, fhi;
	uint64_t k, mode, lo, hi;

	if (n == 0 || !(p > 0.0))
		return 0;
	if (p >= 1.0)
		return n;
	if (p > 0.5)
		return n - plain_binomial(r, n, 1.0 - p);
	s = p / (1.0 - p);
	if (dn * p < 30.0) {
		f = pow(1.0 - p, dn);
		u = rng_uniform(r);
		for (k = 0; u > f && k < n; ) {
			u -= f;
			k++;
			f *= s * (double)(n - k + 1) / (double)k;
		}
		return k;
	}
	mode = (uint64_t)((dn + 1.0) * p);
	if (mode > n)
		mode = n;
	fhi = flo = exp(lgamma(dn + 1.0) - lgamma((double)mode + 1.0) -
	    lgamma((double)(n - mode) + 1.0) + (double)mode * log(p) +
	    (dn - (double)mode) * log1p(-p));
	u = rng_uniform(r);
	if (u <= fhi)
		return mode;
	u -= fhi;
	for (lo = hi = mode;;) {
		if (hi < n) {
			fhi *= s * (double)(n - hi) / (double)(hi + 1);
			if (u <= fhi)
				return ++hi;
			u -= fhi;
			hi++;
		}
		if (lo > 0) {
			flo *= (double)lo / (s * (double)(n - lo + 1));
			if (u <= flo)
				return --lo;
			u -= flo;
			lo--;
		}
		if ((hi == n || fhi == 0.0) && (lo == 0 || flo == 0.0))
			return mode;
	}
}

/* x^-1 modulo 2^64, x odd (Newton: each step doubles the bits). */
static uint64_t
inverse_odd(uint64_t x)
{
	uint64_t y = x;
	int i;

	for (i = 0; i < 6; i++)
		y *= 2 - x * y;
	return y;
}

/*
 * A generator whose next rng_uniform is k 2^-53 (k < 2^53): xoshiro256**
 * outputs rotl(s[1] 5, 7) 9, so s[1] is that inverted.
 */
static void
rng_at_uniform(struct rng *r, uint64_t k)
{
	uint64_t out = k << 11, x = out * inverse_odd(9);

	x = (x >> 7) | (x << 57);
	r->s[0] = 0x0123456789abcdefULL;
	r->s[1] = x * inverse_odd(5);
	r->s[2] = 0xfedcba9876543210ULL;
	r->s[3] = 0x0f1e2d3c4b5a6978ULL;
}

/*
 * The chop-down search's ends, which random draws do not reach: u = 0,
 * u at the top of [0, 1) (where rounding spends both tails and the mode
 * is returned, or an end is reached) and near it, on n from 60 to 3,000
 * and p from 30 / n to 1/2: the plain search's variates.
 */
START_TEST(binomial_plain_ends)
{
	static const uint64_t top = (uint64_t)1 << 53;
	const uint64_t us[] = { 0, 1, top / 2, top - (top >> 20),
	    top - (top >> 40), top - 3, top - 2, top - 1 };
	struct rng a, b;
	uint64_t n, x, y;
	double p;
	size_t i, j;

	for (n = 60; n <= 3000; n += n < 200 ? 1 : 97)
		for (j = 0; j <= 8; j++) {
			p = 30.0 / (double)n + (0.5 - 30.0 / (double)n) *
			    (double)j / 8.0;
			for (i = 0; i < sizeof us / sizeof us[0]; i++) {
				rng_at_uniform(&a, us[i]);
				rng_at_uniform(&b, us[i]);
				ck_assert(rng_uniform(&a) ==
				    (double)us[i] * 0x1p-53);
				rng_at_uniform(&a, us[i]);
				x = plain_binomial(&a, n, p);
				y = rng_binomial(&b, n, p);
				ck_assert_msg(x == y, "Binomial(%llu, %.17g) "
				    "at u %llu 2^-53: %llu vs %llu",
				    (unsigned long long)n, p,
				    (unsigned long long)us[i],
				    (unsigned long long)x,
				    (unsigned long long)y);
			}
		}
}
END_TEST

/*
 * rng_binomial and rng_binomial_memo draw the plain search's variates,
 * bit for bit, whatever their factors are formed from: 300,000 draws,
 * n from 1 to 100,000, p any double in (0, 1), both paths and above
 * one half, and the stream left the same.
 */
START_TEST(binomial_plain_same)
{
	struct rng_binomial_memo *m = xcalloc(1, sizeof *m);
	struct rng a, b, c, g;
	uint64_t n, x, y, z;
	double p;
	size_t i;

	rng_seed(&a, 9);
	rng_seed(&b, 9);
	rng_seed(&c, 9);
	rng_seed(&g, 10);
	for (i = 0; i < 300000; i++) {
		n = 1 + rng_below(&g, i % 3 == 0 ? 100000 : i % 3 == 1 ?
		    5000 : 60);
		p = rng_uniform(&g);
		if (i % 5 == 0)		/* a few (n, p) again: the memo */
			p = (double)(1 + rng_below(&g, 9)) / 10.0;
		x = plain_binomial(&a, n, p);
		y = rng_binomial(&b, n, p);
		z = rng_binomial_memo(&c, n, p, m);
		ck_assert_msg(x == y && x == z, "draw %zu: Binomial(%llu, "
		    "%.17g): %llu, %llu, %llu", i, (unsigned long long)n, p,
		    (unsigned long long)x, (unsigned long long)y,
		    (unsigned long long)z);
	}
	ck_assert(memcmp(&a, &b, sizeof a) == 0);
	ck_assert(memcmp(&a, &c, sizeof a) == 0);
	free(m);
}
END_TEST

static Suite *
rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, binomial_plain_same);
	tcase_add_test(tc, binomial_plain_ends);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return golden_main(rng_suite(), argc, argv);
}
