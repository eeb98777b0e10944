/*
 * The Drift tab's table (tui/drift-order.h): names cut to a width never
 * show as the same text (scikit-learn's breast-cancer names: "mean
 * concavity" and "mean concave points" were both "mean conca..."), the
 * name column's width, the o orders and the / filter.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/query.h"
#include "tui/drift-order.h"

static char *cancer[] = {
	"mean radius", "mean texture", "mean perimeter", "mean area",
	"mean smoothness", "mean compactness", "mean concavity",
	"mean concave points", "mean symmetry", "mean fractal dimension",
	"radius error", "texture error", "perimeter error", "area error",
	"smoothness error", "compactness error", "concavity error",
	"concave points error", "symmetry error", "fractal dimension error",
	"worst radius", "worst texture", "worst perimeter", "worst area",
	"worst smoothness", "worst compactness", "worst concavity",
	"worst concave points", "worst symmetry", "worst fractal dimension",
};
#define NC	(sizeof cancer / sizeof cancer[0])

static size_t
cps(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

START_TEST(names_distinct)
{
	char shown[NC][256];
	size_t i, j;
	int w;

	for (w = 4; w <= 30; w++) {
		for (i = 0; i < NC; i++) {
			drift_name_fit(cancer, NC, i, w, 0x2026, shown[i],
			    sizeof shown[i]);
			ck_assert_uint_le(cps(shown[i]), (size_t)w);
			if (cps(cancer[i]) <= (size_t)w)
				ck_assert_str_eq(shown[i], cancer[i]);
		}
		for (i = 0; i < NC; i++)
			for (j = i + 1; j < NC; j++)
				ck_assert_msg(strcmp(shown[i], shown[j]) != 0,
				    "w %d: %s and %s both show as %s", w,
				    cancer[i], cancer[j], shown[i]);
	}
	/* The example of the issue, at the old 11 columns. */
	drift_name_fit(cancer, NC, 6, 11, '~', shown[0], sizeof shown[0]);
	drift_name_fit(cancer, NC, 7, 11, '~', shown[1], sizeof shown[1]);
	ck_assert_str_eq(shown[0], "mean ~avity");
	ck_assert_str_eq(shown[1], "mean ~oints");
}
END_TEST

START_TEST(name_width)
{
	char *few[] = { "age", "income" };

	ck_assert_int_eq(drift_name_width(cancer, NC, 8, 40), 24);
	ck_assert_int_eq(drift_name_width(cancer, NC, 8, 13), 13);
	ck_assert_int_eq(drift_name_width(few, 2, 8, 40), 8);
}
END_TEST

/* A series of one batch over four features. */
struct one {
	struct query_series s;
	double psi[4], ks[4], miss[4], chi[4], news[4];
	unsigned char v[4];
	unsigned char flags[1];
};

START_TEST(order_and_filter)
{
	static char *names[] = { "Beta", "alpha", "gamma", "delta" };
	struct one o;
	size_t idx[4], n;

	memset(&o, 0, sizeof o);
	o.s.n = 1;
	o.s.n_features = 4;
	o.s.psi = o.psi;
	o.s.ks_p = o.ks;
	o.s.missing = o.miss;
	o.s.chisq_p = o.chi;
	o.s.new_share = o.news;
	o.s.fverdict = o.v;
	o.s.flags = o.flags;
	memcpy(o.psi, (double[]){ 0.1, NAN, 0.5, 0.2 }, sizeof o.psi);
	memcpy(o.ks, (double[]){ 0.3, 0.01, NAN, 0.2 }, sizeof o.ks);
	memcpy(o.chi, (double[]){ NAN, NAN, 1e-5, NAN }, sizeof o.chi);
	memcpy(o.miss, (double[]){ 0, 0.5, 0.1, 0 }, sizeof o.miss);
	o.v[2] = QUERY_F_CATEGORICAL;

	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_INPUT, "", idx);
	ck_assert_uint_eq(n, 4);
	ck_assert(idx[0] == 0 && idx[1] == 1 && idx[2] == 2 && idx[3] == 3);
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_PSI, NULL, idx);
	ck_assert(idx[0] == 2 && idx[1] == 3 && idx[2] == 0 && idx[3] == 1);
	/* p: chi-squared for the categorical feature. */
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_P, NULL, idx);
	ck_assert(idx[0] == 2 && idx[1] == 1 && idx[2] == 3 && idx[3] == 0);
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_MISSING, NULL, idx);
	ck_assert(idx[0] == 1 && idx[1] == 2 && idx[2] == 0 && idx[3] == 3);
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_NAME, NULL, idx);
	ck_assert(idx[0] == 0 && idx[1] == 1 && idx[2] == 3 && idx[3] == 2);
	/* Filter: a substring, either case, kept in the order asked. */
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_PSI, "TA", idx);
	ck_assert_uint_eq(n, 2);
	ck_assert(idx[0] == 3 && idx[1] == 0);
	n = drift_order(&o.s, names, 4, 0, DRIFT_SORT_INPUT, "zz", idx);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(drift_sort_name(DRIFT_SORT_P), "p");
}
END_TEST

static Suite *
order_suite(void)
{
	Suite *s = suite_create("drift-order");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, names_distinct);
	tcase_add_test(tc, name_width);
	tcase_add_test(tc, order_and_filter);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(order_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
