/*
 * monitor_feature with categorical features: every number of a
 * categorical feature is drift-cat's on the same strings (itself checked
 * against scipy in test-tabular.c), whatever order the codes were
 * interned in; verdicts under the stored thresholds; confirmed drift by
 * chi-squared; a feature without values says so; MMD over the numeric
 * features only. Data from mlmon's own rng.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cat-dict.h"
#include "core/drift-cat.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "core/xalloc.h"

#define NF	3		/* x0 numeric, c1 categorical, x2 numeric */
#define NREF	800
#define NB	300
#define NCAT	6

static const char *const cats[NCAT + 1] = {
	"us", "fr", "de", "it", "es", "pl", "never-seen",
};

/* A category of weights w (NCAT + 1 entries, the last one unseen). */
static int
draw_cat(struct rng *r, const double *w)
{
	double u = rng_uniform(r), cum = 0;
	int k;

	for (k = 0; k < NCAT; k++) {
		cum += w[k];
		if (u < cum)
			return k;
	}
	return NCAT;
}

struct fixture {
	double		 ref_x[NREF * NF], x[NB * NF];
	const char	*ref_s[NREF], *s[NB];	/* column 1 as strings */
	int		 pred[NREF];
	double		 conf[NREF];
	bool		 cat[NF];
	struct cat_dict	*dict;
	struct monitor_reference ref;
	struct monitor_config c;
	struct feature_report fr;
};

/* Rows with c1 from weights w; missing with probability miss. */
static void
gen(double *x, const char **s, size_t n, uint64_t seed, const double *w,
    double miss)
{
	struct rng r;
	size_t i;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		x[i * NF] = rng_uniform(&r);
		x[i * NF + 2] = rng_uniform(&r) + rng_uniform(&r);
		s[i] = rng_uniform(&r) < miss ? NULL : cats[draw_cat(&r, w)];
	}
}

/* Codes of column 1 from dict; interned in reverse when `reverse`. */
static void
encode(struct fixture *t, bool reverse)
{
	int k;
	size_t i;

	for (k = 0; k <= NCAT; k++)
		cat_dict_intern(t->dict, cats[reverse ? NCAT - k : k],
		    strlen(cats[reverse ? NCAT - k : k]));
	for (i = 0; i < NREF; i++)
		t->ref_x[i * NF + 1] = t->ref_s[i] == NULL ? NAN :
		    cat_dict_intern(t->dict, t->ref_s[i], strlen(t->ref_s[i]));
	for (i = 0; i < NB; i++)
		t->x[i * NF + 1] = t->s[i] == NULL ? NAN :
		    cat_dict_intern(t->dict, t->s[i], strlen(t->s[i]));
}

static struct fixture *
run(const double *wref, const double *wb, double miss_b, bool reverse,
    bool mmd)
{
	struct fixture *t = xcalloc(1, sizeof *t);
	struct monitor_batch b;

	gen(t->ref_x, t->ref_s, NREF, 7, wref, 0.1);
	gen(t->x, t->s, NB, 8, wb, miss_b);
	t->dict = cat_dict_create();
	encode(t, reverse);
	t->cat[1] = true;
	monitor_config_defaults(&t->c);
	t->c.mmd_enabled = mmd;
	t->c.cat_top = 4;	/* pool "es" and "pl" into "other" */
	monitor_reference_init(&t->ref, t->ref_x, NREF, NF, 2, t->pred,
	    t->conf, NULL);
	monitor_reference_categorize(&t->ref, t->ref_x, t->cat, t->dict,
	    t->c.cat_top);
	memset(&b, 0, sizeof b);
	b.batch_id = 3;
	b.n_rows = NB;
	b.features = t->x;
	b.predicted = t->pred;
	b.confidence = t->conf;
	monitor_feature(&t->ref, &t->c, &b, &t->fr);
	return t;
}

static void
done(struct fixture *t)
{
	feature_report_finish(&t->fr);
	monitor_reference_finish(&t->ref);
	cat_dict_destroy(t->dict);
	free(t);
}

static const double same[NCAT + 1] = { 0.4, 0.25, 0.15, 0.1, 0.06, 0.04, 0 };
static const double moved[NCAT + 1] = { 0.2, 0.25, 0.25, 0.1, 0.05, 0.05,
    0.1 };

/* The report's numbers are drift_cat's on the strings, exactly. */
START_TEST(same_as_drift_cat)
{
	const double *w[2] = { same, moved };
	struct cat_reference cr;
	struct cat_drift want;
	uint64_t counts[4 + 2] = { 0 };
	struct fixture *t;
	const struct cat_feature *cf;
	int k, rev;

	for (k = 0; k < 2; k++)
		for (rev = 0; rev < 2; rev++) {
			t = run(same, w[k], 0.1, rev, false);
			cat_reference_init(&cr, t->ref_s, NREF, 1, 4);
			cat_reference_count(&cr, t->s, NB, 1, counts);
			drift_cat(&cr, counts, &want);
			cf = &t->fr.cat[1];
			ck_assert(t->fr.any_categorical && t->fr.categorical[1]);
			ck_assert(!t->fr.categorical[0] && !t->fr.categorical[2]);
			ck_assert(cf->d.statistic == want.statistic);
			ck_assert(cf->d.p_value == want.p_value);
			ck_assert(cf->d.tvd == want.tvd);
			ck_assert(cf->d.new_share == want.new_share);
			ck_assert(t->fr.psi[1] == want.psi);
			ck_assert(isnan(t->fr.ks_p_value[1]));
			ck_assert(!t->fr.drift_ks[1]);
			ck_assert_int_eq(cf->n_top, 4);
			ck_assert(cf->pooled);
			ck_assert_str_eq(cf->names[0], "us");
			ck_assert(memcmp(cf->counts, counts,
			    sizeof counts) == 0);
			/* Verdicts under the thresholds stored with them. */
			ck_assert_int_eq(cf->drift_chisq, want.p_value < 0.01);
			ck_assert_int_eq(cf->drift_new, want.new_share > 0.05);
			ck_assert_int_eq(t->fr.drift_psi[1], want.psi > 0.2);
			ck_assert_int_eq(feature_test_drift(&t->fr, 1),
			    cf->drift_chisq);
			ck_assert_int_eq(cf->drift_chisq, k == 1);
			ck_assert_int_eq(cf->drift_new, k == 1);
			ck_assert(t->fr.thresholds[1].cat_alpha == 0.01);
			memset(counts, 0, sizeof counts);
			cat_reference_finish(&cr);
			done(t);
		}
}
END_TEST

/* A batch where the categorical feature is always missing. */
START_TEST(no_values)
{
	struct fixture *t = run(same, same, 1.0, false, false);

	ck_assert(t->fr.no_values[1]);
	ck_assert(isnan(t->fr.psi[1]));
	ck_assert(!t->fr.drift_psi[1] && !t->fr.investigate_psi[1]);
	ck_assert(!t->fr.cat[1].drift_chisq && !t->fr.cat[1].drift_new);
	ck_assert(t->fr.drift_missing[1]);
	ck_assert(t->fr.max_psi_feature != 1);
	done(t);
}
END_TEST

/* MMD sees the numeric columns only. */
START_TEST(mmd_numeric_only)
{
	struct fixture *t = run(same, moved, 0.1, false, true);
	double *rr = xmalloc(NREF * 2 * sizeof *rr), *br;
	struct mmd_params mp;
	struct mmd_result want;
	size_t i;

	br = xmalloc(NB * 2 * sizeof *br);
	for (i = 0; i < NREF; i++) {
		rr[2 * i] = t->ref_x[i * NF];
		rr[2 * i + 1] = t->ref_x[i * NF + 2];
	}
	for (i = 0; i < NB; i++) {
		br[2 * i] = t->x[i * NF];
		br[2 * i + 1] = t->x[i * NF + 2];
	}
	mp = t->c.mmd;
	mp.seed = t->c.mmd.seed ^ (3ULL * 0x9e3779b97f4a7c15ULL);
	drift_mmd(rr, NREF, br, NB, 2, &mp, &want);
	ck_assert(t->fr.mmd_run);
	ck_assert(want.mmd2 == t->fr.mmd.mmd2);
	ck_assert(want.p_value == t->fr.mmd.p_value);
	free(rr);
	free(br);
	done(t);
}
END_TEST

/* The dictionary: one code per string, names back, many strings. */
START_TEST(dict)
{
	struct cat_dict *d = cat_dict_create();
	char buf[32];
	uint32_t i, c;

	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof buf, "v%u", i);
		ck_assert_uint_eq(cat_dict_intern(d, buf, strlen(buf)), i);
	}
	for (i = 0; i < 5000; i += 7) {
		snprintf(buf, sizeof buf, "v%u", i);
		c = cat_dict_intern(d, buf, strlen(buf));
		ck_assert_uint_eq(c, i);
		ck_assert_str_eq(cat_dict_name(d, c), buf);
	}
	/* A prefix is another string. */
	ck_assert_uint_eq(cat_dict_intern(d, "v1", 1), 5000);
	ck_assert_str_eq(cat_dict_name(d, 5000), "v");
	ck_assert_ptr_null(cat_dict_name(d, 5001));
	ck_assert_ptr_null(cat_dict_name(d, 0.5));
	ck_assert_ptr_null(cat_dict_name(d, NAN));
	ck_assert_uint_eq(cat_dict_size(d), 5001);
	cat_dict_destroy(d);
}
END_TEST

static Suite *
cat_suite(void)
{
	Suite *s = suite_create("monitor-cat");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, same_as_drift_cat);
	tcase_add_test(tc, no_values);
	tcase_add_test(tc, mmd_numeric_only);
	tcase_add_test(tc, dict);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cat_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
