/*
 * mlmon-gen's portable math, number formatting and scenario files as
 * units (test case "units" of suite "gen"; gen-run.h runs it).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "emit.h"
#include "gen-run.h"
#include "pmath.h"
#include "scn.h"

START_TEST(test_pmath_accuracy)
{
	static const double xs[] = {
		1e-300, 1e-10, 0.001, 0.1, 0.5, 0.70710678, 0.9999999, 1.0,
		1.0000001, 1.5, 2.0, 10.0, 12345.678, 1e100, 1e300,
	};
	static const double es[] = {
		-745.0, -700.0, -50.0, -10.5, -1.0, -0.3465, -1e-9, 0.0,
		1e-9, 0.3466, 1.0, 3.25, 50.0, 700.0,
	};
	size_t i;

	for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double got = pmath_log(xs[i]), want = log(xs[i]);

		ck_assert_msg(fabs(got - want) <= 4e-16 * fmax(1.0, fabs(want)),
		    "log(%g) = %.17g, libm %.17g", xs[i], got, want);
	}
	for (i = 0; i < sizeof es / sizeof es[0]; i++) {
		double got = pmath_exp(es[i]), want = exp(es[i]);

		ck_assert_msg(fabs(got - want) <= 4e-16 * want,
		    "exp(%g) = %.17g, libm %.17g", es[i], got, want);
	}
	ck_assert_double_eq(pmath_log(1.0), 0.0);
	ck_assert_double_eq(pmath_exp(0.0), 1.0);
	ck_assert_double_eq(pmath_exp(-800.0), 0.0);
	ck_assert(isnan(pmath_log(-1.0)));
}
END_TEST

/* Moments of 10^6 draws; and the first draws pinned bit for bit. */
START_TEST(test_pmath_gauss)
{
	struct pmath_gauss g;
	struct rng r;
	double z, s1 = 0, s2 = 0, s4 = 0;
	int i, n = 1000000;

	rng_seed(&r, 7);
	pmath_gauss_init(&g);
	for (i = 0; i < n; i++) {
		z = pmath_gauss_next(&g, &r);
		s1 += z;
		s2 += z * z;
		s4 += z * z * z * z;
	}
	ck_assert_double_le(fabs(s1 / n), 0.005);
	ck_assert_double_le(fabs(s2 / n - 1.0), 0.01);
	ck_assert_double_le(fabs(s4 / n - 3.0), 0.05);
}
END_TEST

START_TEST(test_fixed6)
{
	static const struct {
		double		 x;
		const char	*want;
	} rows[] = {
		{ 0.0, "0.000000" },
		{ -0.0, "0.000000" },
		{ -1e-9, "0.000000" },
		{ 1.5, "1.500000" },
		{ -2.25, "-2.250000" },
		{ 123.4567894, "123.456789" },
		{ 123.4567896, "123.456790" },
		{ -0.0000016, "-0.000002" },
		{ 0.9999996, "1.000000" },
		{ -8765432.123456, "-8765432.123456" },
		{ 1e13, "10000000000000.000000" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		emit_format_fixed6(buf, rows[i].x);
		ck_assert_str_eq(buf, rows[i].want);
	}
}
END_TEST

/* Every definition-file error names the file and line. */
START_TEST(test_scn_errors)
{
	static const struct {
		const char	*text;
		const char	*want;
	} rows[] = {
		{ "mean_shift = sideways\n", ":1: mean_shift: expected" },
		{ "# c\n\nbogus = 1\n", ":3: unknown key 'bogus'" },
		{ "magnitude = 2\nmagnitude = 3\n",
		    ":2: key 'magnitude' given" },
		{ "magnitude 2\n", ":1: expected key = value" },
		{ "magnitude = two\n", ":1: magnitude: expected a number" },
		{ "priors = 0.5, 0.6\n", ":1: priors: priors sum to 1.1" },
		{ "priors = 0.5, -0.5, 1\n", ":1: priors: each prior" },
		{ "change_point = -1\n", ":1: change_point: expected a batch" },
		{ "shift_features = 1, x\n", ":1: shift_features: expected" },
		{ "class_spread = 0\n", ":1: class_spread: expected a number" },
		{ "class_spread = wide\n", ":1: class_spread: expected" },
		{ "true_class = oracle\n", ":1: true_class: expected component" },
	};
	char path[] = "/tmp/test-gen-scn-XXXXXX";
	struct scn s;
	char *cause;
	size_t i;
	int fd;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fd = mkstemp(path);
		ck_assert_int_ge(fd, 0);
		ck_assert(write(fd, rows[i].text, strlen(rows[i].text)) ==
		    (ssize_t)strlen(rows[i].text));
		close(fd);
		scn_init(&s);
		ck_assert_int_eq(scn_load(&s, path, &cause), -1);
		ck_assert_msg(strstr(cause, rows[i].want) != NULL &&
		    strncmp(cause, path, strlen(path)) == 0,
		    "row %zu: got '%s', want '%s'", i, cause, rows[i].want);
		free(cause);
		scn_finish(&s);
		unlink(path);
		strcpy(path, "/tmp/test-gen-scn-XXXXXX");
	}
}
END_TEST

/* Incomplete scenarios are refused by scn_check. */
START_TEST(test_scn_check)
{
	static const struct {
		const char	*k1, *v1, *k2, *v2;
		int		 features, classes;
		const char	*want;
	} rows[] = {
		{ "mean_shift", "step", "magnitude", "1", 5, 3,
		    "needs change_point" },
		{ "mean_shift", "ramp", "ramp_start", "4", 5, 3,
		    "needs ramp_start and ramp_end" },
		{ "mean_shift", "step", "change_point", "3", 5, 3,
		    "needs magnitude" },
		{ "prior_shift", "step", "change_point", "3", 5, 3,
		    "needs after_priors" },
		{ "priors", "0.5,0.5", "description", "x", 5, 3,
		    "priors has 2 values for 3 classes" },
		{ "mean_shift", "none", "shift_features", "7", 5, 3,
		    "names feature 7" },
	};
	struct scn s;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		scn_init(&s);
		ck_assert_int_eq(scn_set(&s, rows[i].k1, rows[i].v1, &cause),
		    0);
		ck_assert_int_eq(scn_set(&s, rows[i].k2, rows[i].v2, &cause),
		    0);
		ck_assert_int_eq(scn_check(&s, rows[i].features,
		    rows[i].classes, &cause), -1);
		ck_assert_msg(strstr(cause, rows[i].want) != NULL,
		    "row %zu: got '%s'", i, cause);
		free(cause);
		scn_finish(&s);
	}
}
END_TEST

/* --- the binary --------------------------------------------------------- */

int
main(void)
{
	TCase *tc = tcase_create("units");

	tcase_add_test(tc, test_pmath_accuracy);
	tcase_add_test(tc, test_pmath_gauss);
	tcase_add_test(tc, test_fixed6);
	tcase_add_test(tc, test_scn_errors);
	tcase_add_test(tc, test_scn_check);
	return gen_case_run(tc);
}
