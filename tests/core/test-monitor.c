/*
 * monitor: the three monitors and the stream detectors on seed-like
 * synthetic data (standard normal features, 3 classes, batches of 200 rows
 * against a 1000-row reference), built with mlmon's own rng. This file:
 * the data (monitor-test.h), the feature monitor and the suite; the
 * prediction and performance monitors and the detectors are in
 * test-monitor-outputs.c.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/drift-ks.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "monitor-test.h"

static double
normal(struct rng *r)
{
	double u1 = rng_uniform(r), u2 = rng_uniform(r);

	return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
}

static int
draw_class(struct rng *r, const double *prior)
{
	double u = rng_uniform(r), acc = 0.0;
	int c;

	for (c = 0; c < K - 1; c++) {
		acc += prior[c];
		if (u < acc)
			return c;
	}
	return K - 1;
}

/*
 * n rows: features N(shift, 1); predicted class from prior; the truth
 * equals the prediction with probability acc, else the next class.
 */
void
gen(struct data *d, uint64_t seed, size_t n, double shift,
    const double *prior, double acc, double conf_lo)
{
	struct rng r;
	size_t i, f;

	rng_seed(&r, seed);
	d->n = n;
	for (i = 0; i < n; i++) {
		for (f = 0; f < NF; f++)
			d->x[i * NF + f] = normal(&r) + shift;
		d->pred[i] = draw_class(&r, prior);
		d->truth[i] = rng_uniform(&r) < acc ? d->pred[i] :
		    (d->pred[i] + 1) % K;
		d->conf[i] = conf_lo + (1.0 - conf_lo) * rng_uniform(&r);
	}
}

const double even[K] = { 0.34, 0.33, 0.33 };
const double skewed[K] = { 0.7, 0.15, 0.15 };

struct data refd, bat;

void
make_ref(struct monitor_reference *ref, bool labels)
{
	gen(&refd, 1, NREF, 0.0, even, 0.9, 0.8);
	monitor_reference_init(ref, refd.x, NREF, NF, K, refd.pred, refd.conf,
	    labels ? refd.truth : NULL);
}

struct monitor_batch
batch_of(const struct data *d, int64_t id, bool labels)
{
	struct monitor_batch b = {
		.batch_id = id,
		.n_rows = d->n,
		.features = d->x,
		.predicted = d->pred,
		.confidence = d->conf,
		.true_class = labels ? d->truth : NULL,
	};

	return b;
}

/* The report's KS numbers equal a direct drift_ks (memo or not). */
static void
check_ks_direct(const struct data *d, const struct feature_report *fr)
{
	static double col[NREF], refcol[NREF];
	struct ks_result ks;
	size_t i, f;

	for (f = 0; f < NF; f++) {
		for (i = 0; i < NREF; i++)
			refcol[i] = refd.x[i * NF + f];
		for (i = 0; i < d->n; i++)
			col[i] = d->x[i * NF + f];
		drift_ks(refcol, NREF, col, d->n, &ks);
		ck_assert_msg(ks.statistic == fr->ks_statistic[f] &&
		    ks.p_value == fr->ks_p_value[f],
		    "f %zu: %.17g %.17g vs %.17g %.17g", f, ks.statistic,
		    ks.p_value, fr->ks_statistic[f], fr->ks_p_value[f]);
	}
}

START_TEST(config_defaults)
{
	struct monitor_config c;

	monitor_config_defaults(&c);
	ck_assert(c.ks_alpha == 0.01 && c.psi_warning == 0.10 &&
	    c.psi_critical == 0.20 && c.chisq_alpha == 0.01 &&
	    c.confidence_drift == 0.08 && c.decay == 0.05 &&
	    !c.mmd_enabled && c.mmd_alpha == 0.01 &&
	    c.adwin_delta == 0.002 && c.mmd.max_ref == 200 &&
	    c.mmd.permutations == 100);
}
END_TEST

START_TEST(reference_built)
{
	struct monitor_reference ref;
	double sum = 0.0, mean = 0.0;
	size_t f, i;
	int c;

	make_ref(&ref, true);
	ck_assert_uint_eq(ref.n_rows, NREF);
	ck_assert_uint_eq(ref.n_features, NF);
	for (f = 0; f < NF; f++) {
		const double *col = ref.sorted + f * NREF;

		for (i = 1; i < NREF; i++)
			ck_assert(col[i - 1] <= col[i]);
		ck_assert(ref.col_min[f] == col[0]);
		ck_assert(ref.col_max[f] == col[NREF - 1]);
	}
	ck_assert(memcmp(ref.rows, refd.x, sizeof refd.x) == 0);
	for (c = 0; c < K; c++)
		sum += ref.class_prop[c];
	ck_assert(fabs(sum - 1.0) < 1e-12);
	for (i = 0; i < NREF; i++)
		mean += refd.conf[i];
	ck_assert(fabs(ref.mean_confidence - mean / NREF) < 1e-12);
	ck_assert(ref.has_labels);
	ck_assert(ref.accuracy > 0.85 && ref.accuracy < 0.95);
	ck_assert(ref.f1_macro > 0.8 && ref.f1_macro <= 1.0);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(reference_without_labels)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct performance_report pr;
	static int unknown[NREF];
	size_t i;

	make_ref(&ref, false);
	ck_assert(!ref.has_labels);
	monitor_reference_finish(&ref);

	/* All labels unknown (< 0) is the same as none. */
	for (i = 0; i < NREF; i++)
		unknown[i] = -1;
	monitor_reference_init(&ref, refd.x, NREF, NF, K, refd.pred,
	    refd.conf, unknown);
	ck_assert(!ref.has_labels);

	/* Performance still computed; deltas unknown (NaN), no decay. */
	monitor_config_defaults(&c);
	gen(&bat, 2, NB, 0.0, even, 0.3, 0.8);
	b = batch_of(&bat, 1, true);
	monitor_performance(&ref, &c, &b, &pr);
	ck_assert_uint_eq(pr.n_rows, NB);
	ck_assert(pr.accuracy < 0.5);
	ck_assert(isnan(pr.acc_delta) && isnan(pr.f1_delta));
	ck_assert(!pr.any_decay);
	performance_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(stable_features_rarely_critical)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr;
	int batch, critical = 0, ks_drift = 0, total = 0;
	size_t f;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	for (batch = 0; batch < 15; batch++) {
		gen(&bat, 100 + (uint64_t)batch, NB, 0.0, even, 0.9, 0.8);
		b = batch_of(&bat, batch, false);
		monitor_feature(&ref, &c, &b, &fr);
		ck_assert_uint_eq(fr.n_features, NF);
		for (f = 0; f < NF; f++) {
			ck_assert(fr.psi[f] >= 0.0 && fr.psi[f] < 0.5);
			ck_assert(fr.ks_p_value[f] >= 0.0 &&
			    fr.ks_p_value[f] <= 1.0);
			critical += fr.drift_psi[f];
			ks_drift += fr.drift_ks[f];
			total++;
		}
		ck_assert(!fr.mmd_run);
		check_ks_direct(&bat, &fr);
		feature_report_finish(&fr);
	}
	printf("stable: %d/%d feature-batches PSI critical, %d KS drift\n",
	    critical, total, ks_drift);
	/* The seed: stable PSI stays in 0.05..0.15, never over 0.20. */
	ck_assert_int_le(critical, total / 10);
	ck_assert_int_le(ks_drift, total / 10);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(mean_shift_every_feature)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr;
	size_t f;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	gen(&bat, 7, NB, 2.0, even, 0.9, 0.8);
	b = batch_of(&bat, 3, false);
	monitor_feature(&ref, &c, &b, &fr);
	for (f = 0; f < NF; f++) {
		ck_assert_msg(fr.psi[f] > c.psi_critical, "f %zu psi %g", f,
		    fr.psi[f]);
		ck_assert_msg(fr.ks_p_value[f] < 0.01, "f %zu p %g", f,
		    fr.ks_p_value[f]);
		ck_assert(fr.drift_psi[f] && fr.drift_ks[f]);
		ck_assert(fr.psi[fr.max_psi_feature] >= fr.psi[f]);
	}
	ck_assert(fr.any_drift);
	check_ks_direct(&bat, &fr);
	feature_report_finish(&fr);

	/* MMD, when enabled, agrees and is reproducible per batch. */
	c.mmd_enabled = true;
	monitor_feature(&ref, &c, &b, &fr);
	ck_assert(fr.mmd_run && fr.mmd_drift);
	ck_assert(fr.mmd.p_value == 1.0 / 101.0);
	feature_report_finish(&fr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(one_feature_shift)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr;
	size_t i;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	gen(&bat, 8, NB, 0.0, even, 0.9, 0.8);
	for (i = 0; i < NB; i++)
		bat.x[i * NF + 3] += 1.5;
	b = batch_of(&bat, 4, false);
	monitor_feature(&ref, &c, &b, &fr);
	ck_assert_uint_eq(fr.max_psi_feature, 3);
	ck_assert(fr.drift_psi[3] && fr.drift_ks[3] && fr.any_drift);
	feature_report_finish(&fr);
	monitor_reference_finish(&ref);
}
END_TEST

/* Memo and direct KS agree whatever the batch sizes, in any order. */
START_TEST(ks_memo_batch_sizes)
{
	static const size_t sizes[] = { 200, 137, 200, 1, 1000, 200, 137 };
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr;
	size_t i;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		gen(&bat, 70 + (i % 3), sizes[i], 0.1 * (double)(i % 2), even,
		    0.9, 0.8);
		b = batch_of(&bat, (int64_t)i, false);
		monitor_feature(&ref, &c, &b, &fr);
		check_ks_direct(&bat, &fr);
		feature_report_finish(&fr);
	}
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(timing_feature_monitor)
{
	static const double shifts[] = { 0.0, 0.3, 2.0 };
	static struct data many[20];
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct feature_report fr;
	struct prediction_report pr;
	struct timespec t0, t1;
	double ms, cold, worst = 0.0;
	int i, s, reps = 25;

	monitor_config_defaults(&c);
	for (s = 0; s < 3; s++) {
		make_ref(&ref, true);
		for (i = 0; i < 20; i++)
			gen(&many[i], 600 + (uint64_t)(s * 20 + i), NB,
			    shifts[s], even, 0.9, 0.8);
		/* First pass: every statistic is new to the memo. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 20; i++) {
			b = batch_of(&many[i], i, false);
			monitor_feature(&ref, &c, &b, &fr);
			if (s == 0 && i < 3)
				check_ks_direct(&many[i], &fr);
			feature_report_finish(&fr);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cold = ((t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6) / 20;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < 20 * reps; i++) {
			b = batch_of(&many[i % 20], i, false);
			monitor_feature(&ref, &c, &b, &fr);
			feature_report_finish(&fr);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = ((t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6) / (20 * reps);
		printf("monitor_feature 200x5 vs 1000x5, shift %.1f: %.4f ms "
		    "per batch cold, %.4f ms warm\n", shifts[s], cold, ms);
		if (ms > worst)
			worst = ms;
		monitor_reference_finish(&ref);
	}
	make_ref(&ref, true);
	b = batch_of(&many[0], 1, false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 300; i++) {
		monitor_prediction(&ref, &c, &b, &pr);
		prediction_report_finish(&pr);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("monitor_prediction 200 rows: %.4f ms per batch\n",
	    ((t1.tv_sec - t0.tv_sec) * 1e3 +
	    (t1.tv_nsec - t0.tv_nsec) / 1e6) / 300);
	/* Loose (sanitizers, shared cores); the report has the number. */
	ck_assert_msg(worst < 20.0, "%.3f ms", worst);
	monitor_reference_finish(&ref);
}
END_TEST

static Suite *
monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, reference_built);
	tcase_add_test(tc, reference_without_labels);
	tcase_add_test(tc, stable_features_rarely_critical);
	tcase_add_test(tc, mean_shift_every_feature);
	tcase_add_test(tc, one_feature_shift);
	tcase_add_test(tc, ks_memo_batch_sizes);
	tcase_add_test(tc, timing_feature_monitor);
	monitor_output_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(monitor_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
