/*
 * detect-ddm: state sequences against a line-by-line replica of river's
 * drift.binary.DDM (expected strings computed with it), behaviour on a
 * Bernoulli stream with a jump, exact encode/decode, and garbage input.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/detect-ddm.h"
#include "core/rng.h"

static const struct {
	unsigned	 warm;
	const char	*stream;	/* 0/1 errors */
	const char	*states;	/* 0 stable, 1 warning, 2 drift */
} sequences[] = {
	{ 5, "0101000100000000000111111111110000011111",
	     "0000000000000000000011120000000000000000" },
	{ 10, "10000000001000000000100000000011110000011111111",
	      "00000000000000000000000000000001120000000000000" },
	/* Error-free warm-up: s_min = 0, so the first error is a drift. */
	{ 3, "00000100", "00000200" },
	{ 30, "", "" },
};

START_TEST(river_sequences)
{
	struct ddm d;
	size_t i, j;
	uint64_t drifts;

	for (i = 0; i < sizeof sequences / sizeof sequences[0]; i++) {
		ddm_init(&d);
		d.min_instances = sequences[i].warm;
		drifts = 0;
		for (j = 0; sequences[i].stream[j] != '\0'; j++) {
			int st = ddm_update(&d, sequences[i].stream[j] == '1');

			ck_assert_msg(st == sequences[i].states[j] - '0',
			    "seq %zu pos %zu: state %d want %c", i, j, st,
			    sequences[i].states[j]);
			ck_assert_int_eq(d.state, st);
			if (st == DDM_DRIFT) {
				drifts++;
				ck_assert_uint_eq(d.n, 0);
			}
		}
		ck_assert_uint_eq(d.drifts, drifts);
	}
}
END_TEST

START_TEST(defaults_and_running_rate)
{
	struct ddm d;
	int i, ones = 0;

	ddm_init(&d);
	ck_assert_uint_eq(d.min_instances, 30);
	ck_assert(d.warning_level == 2.0 && d.drift_level == 3.0);
	ck_assert(d.state == DDM_STABLE && d.drifts == 0 && d.n == 0);
	ck_assert(isinf(d.p_min) && isinf(d.s_min));
	for (i = 0; i < 25; i++) {
		ones += i % 3 == 0;
		ddm_update(&d, i % 3 == 0);
		ck_assert(fabs(d.p - (double)ones / (i + 1)) < 1e-15);
		ck_assert(fabs(d.s - sqrt(d.p * (1 - d.p) / (i + 1))) < 1e-15);
	}
}
END_TEST

/* Stream error rate 0.1 for 2000 items, then 0.5: returns drift delays. */
START_TEST(stable_then_jump)
{
	struct ddm d;
	struct rng r;
	int seed, i, false_alarms = 0, detected = 0, worst = 0, first;

	for (seed = 1; seed <= 20; seed++) {
		rng_seed(&r, (uint64_t)seed);
		ddm_init(&d);
		for (i = 0; i < 2000; i++)
			if (ddm_update(&d, rng_uniform(&r) < 0.1) == DDM_DRIFT)
				false_alarms++;
		first = -1;
		for (i = 0; i < 1000 && first < 0; i++)
			if (ddm_update(&d, rng_uniform(&r) < 0.5) == DDM_DRIFT)
				first = i;
		if (first >= 0) {
			detected++;
			if (first > worst)
				worst = first;
		}
	}
	printf("ddm: %d false alarms in 20 x 2000 stable items; jump 0.1 -> "
	    "0.5 detected %d/20, worst delay %d\n", false_alarms, detected,
	    worst);
	/*
	 * DDM itself is noisy on a stable 0.1 stream: river's DDM gives 18
	 * alarms over the same 20 x 2000 setting (an early p_min with few
	 * errors leaves s_min tiny). Bound it at that scale, not at zero.
	 */
	ck_assert_int_le(false_alarms, 30);
	ck_assert_int_eq(detected, 20);
	ck_assert_int_le(worst, 300);
}
END_TEST

static bool
ddm_equal(const struct ddm *a, const struct ddm *b)
{
	return a->min_instances == b->min_instances &&
	    memcmp(&a->warning_level, &b->warning_level, sizeof(double)) == 0 &&
	    memcmp(&a->drift_level, &b->drift_level, sizeof(double)) == 0 &&
	    a->n == b->n &&
	    memcmp(&a->p, &b->p, sizeof(double)) == 0 &&
	    memcmp(&a->s, &b->s, sizeof(double)) == 0 &&
	    memcmp(&a->p_min, &b->p_min, sizeof(double)) == 0 &&
	    memcmp(&a->s_min, &b->s_min, sizeof(double)) == 0 &&
	    a->drifts == b->drifts && a->warnings == b->warnings &&
	    a->state == b->state;
}

START_TEST(encode_decode_round_trip)
{
	struct ddm a, b;
	struct rng r;
	char *s, *s2;
	int trial, i, cut;
	double rate;

	rng_seed(&r, 77);
	for (trial = 0; trial < 200; trial++) {
		ddm_init(&a);
		a.warning_level = 1.0 + rng_uniform(&r);
		a.drift_level = 2.0 + rng_uniform(&r) * 2;
		cut = (int)rng_below(&r, 3000);
		for (i = 0; i < cut; i++) {
			rate = i < cut / 2 ? 0.1 : 0.4;
			ddm_update(&a, rng_uniform(&r) < rate);
		}
		s = ddm_encode(&a);
		ck_assert_ptr_null(strchr(s, '\n'));
		memset(&b, 0xa5, sizeof b);
		ck_assert_msg(ddm_decode(s, &b), "decode failed: %s", s);
		ck_assert_msg(ddm_equal(&a, &b), "not exact: %s", s);
		s2 = ddm_encode(&b);
		ck_assert_str_eq(s, s2);
		/* Both continue identically. */
		for (i = 0; i < 500; i++) {
			bool e = rng_uniform(&r) < 0.3;

			ck_assert_int_eq(ddm_update(&a, e), ddm_update(&b, e));
		}
		ck_assert(ddm_equal(&a, &b));
		free(s);
		free(s2);
	}
}
END_TEST

static const char *garbage[] = {
	"",
	"ddm",
	"ddm/2 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	/* p > 1 */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=3 p=0x1.8p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	/* nan */
	"ddm/1 min=30 warn=nan drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	/* bad state */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=3",
	/* trailing junk */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0 x",
	/* truncated */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=",
	/* overflowing counter */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=99999999999999999999 "
	    "p=0x0p+0 s=0x0p+0 pmin=inf smin=inf drifts=0 warnings=0 state=0",
	/* negative count, decimal float, too many hex digits, huge exponent */
	"ddm/1 min=-1 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	"ddm/1 min=30 warn=2.0 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	"ddm/1 min=30 warn=0x1.00000000000000p+1 drift=0x1.8p+1 n=0 p=0x0p+0 "
	    "s=0x0p+0 pmin=inf smin=inf drifts=0 warnings=0 state=0",
	"ddm/1 min=30 warn=0x1p+99999 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=inf smin=inf drifts=0 warnings=0 state=0",
	/* -inf minimum, pmin finite with smin inf */
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=-inf smin=-inf drifts=0 warnings=0 state=0",
	"ddm/1 min=30 warn=0x1p+1 drift=0x1.8p+1 n=0 p=0x0p+0 s=0x0p+0 "
	    "pmin=0x0p+0 smin=inf drifts=0 warnings=0 state=0",
};

START_TEST(decode_rejects_garbage)
{
	struct ddm d, keep;
	struct rng r;
	char *good, buf[512];
	size_t i, len, k;
	int trial;

	ddm_init(&d);
	keep = d;
	ck_assert(!ddm_decode(NULL, &d));
	for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		ck_assert_msg(!ddm_decode(garbage[i], &d), "accepted %zu: %s",
		    i, garbage[i]);
		ck_assert(ddm_equal(&d, &keep));
	}

	/* Mutations of a valid encoding: must not crash; if accepted, sane. */
	for (i = 0; i < 100; i++)
		ddm_update(&d, i % 7 == 0);
	good = ddm_encode(&d);
	len = strlen(good);
	ck_assert(ddm_decode(good, &keep));
	rng_seed(&r, 31337);
	for (trial = 0; trial < 20000; trial++) {
		memcpy(buf, good, len + 1);
		for (k = 0; k < 1 + rng_below(&r, 4); k++) {
			size_t at = (size_t)rng_below(&r, len);

			switch (rng_below(&r, 3)) {
			case 0:
				buf[at] = (char)(1 + rng_below(&r, 255));
				break;
			case 1:
				buf[at] = '\0';
				break;
			default:
				memmove(buf + at, buf + at + 1, len - at);
				break;
			}
		}
		if (ddm_decode(buf, &keep)) {
			ck_assert(keep.p >= 0.0 && keep.p <= 1.0);
			ck_assert(keep.state <= DDM_DRIFT);
			ddm_update(&keep, true);
		}
	}
	free(good);
}
END_TEST

static Suite *
ddm_suite(void)
{
	Suite *s = suite_create("detect-ddm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, river_sequences);
	tcase_add_test(tc, defaults_and_running_rate);
	tcase_add_test(tc, stable_then_jump);
	tcase_add_test(tc, encode_decode_round_trip);
	tcase_add_test(tc, decode_rejects_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ddm_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
