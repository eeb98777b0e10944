/*
 * detect-adwin: the window is always the most recent `width` values (so
 * its total and variance must match a brute-force computation), false
 * alarms and detection delay on a Bernoulli error stream, an exact
 * encode/decode that resumes bit-identically, and garbage input.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/detect-adwin.h"
#include "core/rng.h"

#define STREAM	6000

/* 0/1 stream: rate a before item `at`, rate b from it on. */
static void
make_stream(uint64_t seed, double a, double b, int at, double *v, int n)
{
	struct rng r;
	int i;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		v[i] = rng_uniform(&r) < (i < at ? a : b) ? 1.0 : 0.0;
}

START_TEST(window_matches_brute_force)
{
	static double v[STREAM];
	struct adwin *a;
	double tot, mean, var;
	uint64_t w, j;
	int i, cuts = 0;

	make_stream(3, 0.1, 0.6, 3000, v, STREAM);
	a = adwin_create(0.002);
	ck_assert_uint_eq(adwin_width(a), 0);
	ck_assert(adwin_mean(a) == 0.0);
	for (i = 0; i < STREAM; i++) {
		cuts += adwin_update(a, v[i]);
		w = adwin_width(a);
		ck_assert_uint_ge(w, 1);
		ck_assert_uint_le(w, (uint64_t)i + 1);
		if (i % 97 != 0 && i != STREAM - 1)
			continue;
		tot = 0.0;
		for (j = 0; j < w; j++)
			tot += v[i - (int)j];
		ck_assert_msg(adwin_total(a) == tot, "i %d total %g want %g",
		    i, adwin_total(a), tot);
		mean = tot / (double)w;
		var = 0.0;
		for (j = 0; j < w; j++)
			var += (v[i - (int)j] - mean) * (v[i - (int)j] - mean);
		ck_assert_msg(fabs(adwin_variance(a) - var) <=
		    1e-9 * (1.0 + var), "i %d variance %.17g want %.17g", i,
		    adwin_variance(a), var);
		ck_assert(adwin_mean(a) == adwin_total(a) / (double)w);
	}
	ck_assert_int_ge(cuts, 1);
	ck_assert_uint_eq(adwin_detections(a), (uint64_t)cuts);
	adwin_destroy(a);
	adwin_destroy(NULL);
}
END_TEST

START_TEST(stable_then_jump)
{
	static double v[3000];
	struct adwin *a;
	int seed, i, false_alarms = 0, detected = 0, worst = 0, first;

	for (seed = 1; seed <= 20; seed++) {
		make_stream((uint64_t)seed, 0.1, 0.5, 2000, v, 3000);
		a = adwin_create(0.002);
		for (i = 0; i < 2000; i++)
			false_alarms += adwin_update(a, v[i]);
		/* No drift: the window holds everything seen. */
		if (adwin_detections(a) == 0)
			ck_assert_uint_eq(adwin_width(a), 2000);
		first = -1;
		for (i = 2000; i < 3000 && first < 0; i++)
			if (adwin_update(a, v[i]))
				first = i - 2000;
		if (first >= 0) {
			detected++;
			if (first > worst)
				worst = first;
		}
		for (; i < 3000; i++)
			adwin_update(a, v[i]);
		/* 1000 items after the jump the stale part has gone. */
		ck_assert_msg(adwin_width(a) < 1300 && adwin_mean(a) > 0.4,
		    "seed %d: width %llu mean %g", seed,
		    (unsigned long long)adwin_width(a), adwin_mean(a));
		adwin_destroy(a);
	}
	printf("adwin: %d false alarms in 20 x 2000 stable items; jump 0.1 "
	    "-> 0.5 detected %d/20, worst delay %d\n", false_alarms,
	    detected, worst);
	ck_assert_int_le(false_alarms, 2);
	ck_assert_int_eq(detected, 20);
	ck_assert_int_le(worst, 160);
}
END_TEST

START_TEST(encode_decode_resumes_exactly)
{
	static double v[STREAM];
	struct adwin *a, *b;
	struct rng r;
	char *s, *s2;
	int trial, i, cut, det_a, det_b;

	rng_seed(&r, 4242);
	for (trial = 0; trial < 60; trial++) {
		make_stream(100 + (uint64_t)trial, 0.05 + 0.1 * (trial % 3),
		    0.5, 1000 + (int)rng_below(&r, 2000), v, STREAM);
		a = adwin_create(trial % 2 ? 0.002 : 0.01);
		cut = (int)rng_below(&r, STREAM);
		for (i = 0; i < cut; i++)
			adwin_update(a, v[i]);
		s = adwin_encode(a);
		ck_assert_ptr_null(strchr(s, '\n'));
		b = adwin_decode(s);
		ck_assert_msg(b != NULL, "decode failed: %s", s);
		s2 = adwin_encode(b);
		ck_assert_str_eq(s, s2);
		free(s2);
		det_a = det_b = 0;
		for (i = cut; i < STREAM; i++) {
			bool ca = adwin_update(a, v[i]);
			bool cb = adwin_update(b, v[i]);

			ck_assert_msg(ca == cb, "trial %d item %d", trial, i);
			det_a += ca;
			det_b += cb;
			ck_assert_uint_eq(adwin_width(a), adwin_width(b));
		}
		ck_assert_int_eq(det_a, det_b);
		ck_assert(memcmp(&(double){ adwin_mean(a) },
		    &(double){ adwin_mean(b) }, sizeof(double)) == 0);
		s = (free(s), adwin_encode(a));
		s2 = adwin_encode(b);
		ck_assert_str_eq(s, s2);
		free(s);
		free(s2);
		adwin_destroy(a);
		adwin_destroy(b);
	}
}
END_TEST

static const char *garbage[] = {
	"",
	"adwin",
	"adwin/2 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=1 {0}",
	/* width does not match the buckets */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=3 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=1 {0}",
	/* too many buckets in a row */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=6 total=0x0p+0 var=0x0p+0 tick=6 det=0 rows=1 "
	    "{6 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 "
	    "0x0p+0 0x0p+0 0x0p+0 0x0p+0}",
	/* rows beyond the limit, zero rows */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=999",
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=0",
	/* other parameters than ours */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=1 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=1 {0}",
	/* delta out of range, infinite total */
	"adwin/1 delta=0x1p+0 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=1 {0}",
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=inf var=0x0p+0 tick=0 det=0 rows=1 {0}",
	/* empty last row, trailing junk, truncated */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=1 total=0x0p+0 var=0x0p+0 tick=1 det=0 rows=2 "
	    "{1 0x0p+0 0x0p+0} {0}",
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=0 total=0x0p+0 var=0x0p+0 tick=0 det=0 rows=1 {0}?",
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=1 total=0x0p+0 var=0x0p+0 tick=1 det=0 rows=1 "
	    "{1 0x0p+0",
	/* width overflow through a huge row count */
	"adwin/1 delta=0x1.0624dd2f1a9fcp-9 clock=32 maxb=5 minlen=5 "
	    "grace=10 width=18446744073709551615 total=0x0p+0 var=0x0p+0 "
	    "tick=0 det=0 rows=1 {5 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 0x0p+0 "
	    "0x0p+0 0x0p+0 0x0p+0 0x0p+0}",
};

START_TEST(decode_rejects_garbage)
{
	struct adwin *a, *b;
	struct rng r;
	char *good, *buf;
	size_t i, len, k;
	int trial;

	ck_assert_ptr_null(adwin_decode(NULL));
	for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
		b = adwin_decode(garbage[i]);
		ck_assert_msg(b == NULL, "accepted %zu: %s", i, garbage[i]);
	}
	/* The empty detector round-trips. */
	a = adwin_create(0.002);
	good = adwin_encode(a);
	b = adwin_decode(good);
	ck_assert_ptr_nonnull(b);
	adwin_destroy(b);
	free(good);

	for (i = 0; i < 700; i++)
		adwin_update(a, i % 5 == 0 ? 1.0 : 0.0);
	good = adwin_encode(a);
	len = strlen(good);
	buf = malloc(len + 1);
	rng_seed(&r, 99);
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
		b = adwin_decode(buf);
		if (b != NULL) {
			/* Accepted text must still run. */
			for (i = 0; i < 64; i++)
				adwin_update(b, 1.0);
			adwin_destroy(b);
		}
	}
	free(buf);
	free(good);
	adwin_destroy(a);
}
END_TEST

static Suite *
adwin_suite(void)
{
	Suite *s = suite_create("detect-adwin");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, window_matches_brute_force);
	tcase_add_test(tc, stable_then_jump);
	tcase_add_test(tc, encode_decode_resumes_exactly);
	tcase_add_test(tc, decode_rejects_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(adwin_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
