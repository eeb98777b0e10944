/*
 * monitor: the prediction and performance monitors and the stream
 * detectors on the suite's synthetic data (core-monitor,
 * monitor-test.h): label shift (goodness of fit and homogeneity),
 * confidence drift, decay, partial labels and --min-label-coverage,
 * DDM and ADWIN over batches.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/detect-adwin.h"
#include "core/detect-ddm.h"
#include "core/drift-ks.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "monitor-test.h"

/*
 * --min-label-coverage: a labelled share reaches the minimum as people
 * write it (9 of 10 reaches 0.9; 2 of 3 does not reach 0.67); never
 * without a label; 1.0 (the default) needs every row.
 */
START_TEST(coverage_reached)
{
	static const struct {
		double	min;
		size_t	labelled, rows;
		bool	reached;
	} rows[] = {
		{ 1.0, 10, 10, true }, { 1.0, 9, 10, false },
		{ 1.0, 0, 0, false }, { 0.9, 9, 10, true },
		{ 0.9, 8, 10, false }, { 0.67, 2, 3, false },
		{ 0.66, 2, 3, true }, { 0.1, 1, 10, true },
		{ 0.1, 0, 10, false }, { 0.3, 3, 10, true },
		{ 0.7, 7, 10, true }, { 0.5, 50000, 100000, true },
		{ 0.5, 49999, 100000, false },
	};
	struct monitor_config c;
	size_t i;

	monitor_config_defaults(&c);
	ck_assert(c.min_label_coverage == 1.0);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		c.min_label_coverage = rows[i].min;
		ck_assert_msg(monitor_coverage_reached(&c, rows[i].labelled,
		    rows[i].rows) == rows[i].reached, "row %zu", i);
	}
}
END_TEST

/* A batch with some rows unlabelled is judged on the labelled ones. */
START_TEST(performance_on_partial_labels)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct performance_report pr;
	double feat[6] = { 0, 1, 2, 3, 4, 5 }, conf[6] = { .9, .8, .7, .6,
	    .9, .8 }, scores[12] = { 0 };
	int pred[6] = { 0, 1, 0, 1, 0, 1 }, truth[6] = { 0, 1, -1, 0, -1,
	    -1 }, all[6] = { 0, 1, 0, 1, 0, 1 };

	monitor_config_defaults(&c);
	memset(&b, 0, sizeof b);
	b.n_rows = 6;
	b.features = feat;
	b.predicted = pred;
	b.confidence = conf;
	b.scores = scores;
	b.n_scores = 2;
	b.true_class = truth;
	monitor_reference_init(&ref, feat, 6, 1, 2, pred, conf, all);
	monitor_performance(&ref, &c, &b, &pr);
	ck_assert_uint_eq(pr.n_rows, 3);
	ck_assert_uint_eq(pr.n_unlabelled, 3);
	ck_assert(performance_coverage(&pr) == 0.5);
	ck_assert(pr.accuracy == 2.0 / 3.0);
	performance_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(label_shift)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct prediction_report pr;
	uint64_t total = 0;
	int k;

	monitor_config_defaults(&c);
	make_ref(&ref, true);

	gen(&bat, 9, NB, 0.0, skewed, 0.9, 0.8);
	b = batch_of(&bat, 5, false);
	monitor_prediction(&ref, &c, &b, &pr);
	ck_assert_int_eq(pr.n_classes, K);
	for (k = 0; k < K; k++)
		total += pr.class_counts[k];
	ck_assert_uint_eq(total, NB);
	printf("label shift: chi2 %.2f p %.3g\n", pr.label_shift_statistic,
	    pr.label_shift_p_value);
	ck_assert(pr.label_shift_p_value < 1e-15);
	ck_assert(pr.label_shift_p_value >= 0.0);
	ck_assert(pr.label_shift_drift);
	prediction_report_finish(&pr);

	/* Same priors: no shift. */
	gen(&bat, 10, NB, 0.0, even, 0.9, 0.8);
	b = batch_of(&bat, 6, false);
	monitor_prediction(&ref, &c, &b, &pr);
	ck_assert(pr.label_shift_p_value > c.chisq_alpha);
	ck_assert(!pr.label_shift_drift);
	prediction_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

static double
relerr(double got, double want)
{
	return fabs(got - want) / fabs(want);
}

/*
 * Issue 11: a stable batch against a 2,000-row reference. The
 * goodness-of-fit test treats the reference proportions as exact and
 * flags it; the 2 x K homogeneity test stored beside it does not. The
 * numbers are scipy's (stats.chisquare(cur, ref / 2000 * 10000) and
 * stats.chi2_contingency([ref, cur]); tests/golden/homog.txt has ten
 * such cases).
 */
START_TEST(label_shift_homogeneity)
{
	static const int refc[3] = { 1009, 618, 373 };
	static const int curc[3] = { 4989, 2966, 2045 };
	static double x[10000], conf[10000];
	static int rp[2000], cp[10000];
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct prediction_report pr;
	int i, k, n;

	monitor_config_defaults(&c);
	for (i = 0; i < 10000; i++) {
		x[i] = i % 17;
		conf[i] = 0.8;
	}
	for (k = 0, n = 0; k < 3; k++)
		for (i = 0; i < refc[k]; i++)
			rp[n++] = k;
	for (k = 0, n = 0; k < 3; k++)
		for (i = 0; i < curc[k]; i++)
			cp[n++] = k;
	monitor_reference_init(&ref, x, 2000, 1, 3, rp, conf, NULL);
	b = (struct monitor_batch){ .batch_id = 1, .n_rows = 10000,
	    .features = x, .predicted = cp, .confidence = conf };
	monitor_prediction(&ref, &c, &b, &pr);
	ck_assert(relerr(pr.label_shift_statistic,
	    22.97031148548079) < 1e-9);
	ck_assert(relerr(pr.label_shift_p_value,
	    1.0281588950210829e-05) < 1e-9);
	ck_assert(pr.label_shift_drift);
	ck_assert(relerr(pr.label_shift_homog_statistic,
	    3.642504648099048) < 1e-9);
	ck_assert(relerr(pr.label_shift_homog_p_value,
	    0.16182296919007352) < 1e-9);
	ck_assert_int_eq(pr.label_shift_homog_dof, 2);
	ck_assert(!pr.label_shift_homog_drift);
	prediction_report_finish(&pr);

	/* A real shift: both tests agree. */
	b.n_rows = 2000;
	for (i = 0; i < 2000; i++)
		cp[i] = i < 1600 ? 2 : 0;
	b.predicted = cp;
	monitor_prediction(&ref, &c, &b, &pr);
	ck_assert(pr.label_shift_drift);
	ck_assert(pr.label_shift_homog_drift);
	ck_assert(pr.label_shift_homog_p_value < 1e-100);
	prediction_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(confidence_drift)
{
	static const struct {
		double	lo;	/* confidence uniform in [lo, 1) */
		bool	drift;
	} rows[] = {
		{ 0.80, false },	/* same as the reference: mean 0.9 */
		{ 0.70, false },	/* mean 0.85: |diff| 0.05 */
		{ 0.60, true },		/* mean 0.80: |diff| 0.10 */
		{ 0.98, true },		/* mean 0.99: |diff| 0.09 */
	};
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct prediction_report pr;
	size_t i;
	bool want;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		gen(&bat, 20 + i, NB, 0.0, even, 0.9, rows[i].lo);
		b = batch_of(&bat, 7, false);
		monitor_prediction(&ref, &c, &b, &pr);
		ck_assert(pr.reference_mean_confidence == ref.mean_confidence);
		want = fabs(pr.mean_confidence - ref.mean_confidence) > 0.08;
		ck_assert_int_eq(pr.confidence_drift, want);
		ck_assert_int_eq(pr.confidence_drift, rows[i].drift);
		prediction_report_finish(&pr);
	}
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(perfect_predictions)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct performance_report pr;
	uint64_t diag = 0;
	size_t i;
	int k;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	gen(&bat, 30, NB, 0.0, even, 1.0, 1.0);
	for (i = 0; i < NB; i++)
		ck_assert_int_eq(bat.truth[i], bat.pred[i]);
	b = batch_of(&bat, 8, true);
	monitor_performance(&ref, &c, &b, &pr);
	ck_assert_uint_eq(pr.n_rows, NB);
	ck_assert(pr.accuracy == 1.0);
	ck_assert(pr.f1_macro == 1.0);
	ck_assert(pr.ece == 0.0);
	ck_assert(pr.acc_delta == 1.0 - ref.accuracy);
	ck_assert(pr.f1_delta == 1.0 - ref.f1_macro);
	ck_assert(pr.acc_delta > 0.0 && !pr.any_decay);
	for (k = 0; k < K; k++)
		diag += pr.confusion[k * K + k];
	ck_assert_uint_eq(diag, NB);
	ck_assert_uint_eq(pr.bins[CALIB_BINS - 1].count, NB);
	performance_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(decay_logic)
{
	/* Two classes; the first `right` of 100 rows are predicted right. */
	static const struct {
		double	ref_acc, ref_f1;
		int	right;
		bool	decay;
	} rows[] = {
		{ 0.90, 0.90, 90, false },	/* no change */
		{ 0.90, 0.00, 87, false },	/* -0.03: inside tolerance */
		{ 0.90, 0.00, 84, true },	/* -0.06 accuracy */
		{ 0.50, 1.00, 80, true },	/* accuracy up, F1 down */
		{ 0.95, 0.50, 100, false },	/* better on both */
	};
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct performance_report pr;
	static double x[100], conf[100];
	static int yt[100], yp[100];
	size_t i;
	int j;

	monitor_config_defaults(&c);
	for (j = 0; j < 100; j++) {
		x[j] = j;
		conf[j] = 0.9;
		yt[j] = j % 2;
	}
	monitor_reference_init(&ref, x, 100, 1, 2, yt, conf, yt);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		ref.accuracy = rows[i].ref_acc;
		ref.f1_macro = rows[i].ref_f1;
		for (j = 0; j < 100; j++)
			yp[j] = j < rows[i].right ? yt[j] : 1 - yt[j];
		b = (struct monitor_batch){ .batch_id = (int64_t)i,
		    .n_rows = 100, .features = x, .predicted = yp,
		    .confidence = conf, .true_class = yt };
		monitor_performance(&ref, &c, &b, &pr);
		ck_assert(fabs(pr.accuracy - rows[i].right / 100.0) < 1e-15);
		ck_assert(pr.acc_delta == pr.accuracy - rows[i].ref_acc);
		ck_assert(pr.f1_delta == pr.f1_macro - rows[i].ref_f1);
		ck_assert_msg(pr.any_decay == rows[i].decay, "row %zu", i);
		performance_report_finish(&pr);
	}
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(partially_labelled_batch)
{
	struct monitor_reference ref;
	struct monitor_config c;
	struct monitor_batch b;
	struct performance_report pr;
	size_t i;

	monitor_config_defaults(&c);
	make_ref(&ref, true);
	gen(&bat, 40, NB, 0.0, even, 1.0, 0.8);
	for (i = 0; i < NB; i += 2)
		bat.truth[i] = -1;
	b = batch_of(&bat, 9, true);
	monitor_performance(&ref, &c, &b, &pr);
	ck_assert_uint_eq(pr.n_rows, NB / 2);
	ck_assert(pr.accuracy == 1.0);
	performance_report_finish(&pr);
	monitor_reference_finish(&ref);
}
END_TEST

START_TEST(detectors_over_batches)
{
	struct monitor_config c;
	struct detectors d, back;
	struct detector_report r, r2;
	struct monitor_batch b;
	int batch, adwin_batch = -1, ddm_batch = -1;
	char *s, *s2, *ddm_text, *adwin_text, *want;

	monitor_config_defaults(&c);
	detectors_init(&d, &c);
	/* Unlabelled batch: nothing fed. */
	gen(&bat, 50, NB, 0.0, even, 0.9, 0.8);
	b = batch_of(&bat, 0, false);
	detectors_feed(&d, &b, &r);
	ck_assert_uint_eq(r.n_fed, 0);
	ck_assert_uint_eq(r.adwin_width, 0);

	/* 10 batches at 10% error, then 50%. */
	for (batch = 1; batch <= 20; batch++) {
		gen(&bat, 50 + (uint64_t)batch, NB, 0.0, even,
		    batch <= 10 ? 0.9 : 0.5, 0.8);
		if (batch == 3)
			bat.truth[0] = -1;
		b = batch_of(&bat, batch, true);
		detectors_feed(&d, &b, &r);
		ck_assert_uint_eq(r.n_fed, batch == 3 ? NB - 1 : NB);
		ck_assert_uint_eq(r.ddm_drifts, d.ddm.drifts);
		ck_assert_int_eq(r.ddm_state, d.ddm.state);
		if (r.adwin_drift && adwin_batch < 0 && batch > 10)
			adwin_batch = batch;
		if (r.ddm_drift && ddm_batch < 0 && batch > 10)
			ddm_batch = batch;
		if (batch <= 10)
			ck_assert(!r.adwin_drift);

		/* Restart halfway: resume from the encoded state. */
		if (batch == 12) {
			s = detectors_encode(&d);
			/* Its definition: DDM's text, a newline, ADWIN's. */
			ddm_text = ddm_encode(&d.ddm);
			adwin_text = adwin_encode(d.adwin);
			want = xasprintf("%s\n%s", ddm_text, adwin_text);
			ck_assert_str_eq(s, want);
			free(want);
			free(adwin_text);
			free(ddm_text);
			ck_assert(detectors_decode(s, &back));
			s2 = detectors_encode(&back);
			ck_assert_str_eq(s, s2);
			free(s2);
			free(s);
		}
	}
	ck_assert_int_eq(adwin_batch, 11);
	ck_assert(ddm_batch == 11 || ddm_batch == 12);
	ck_assert_uint_ge(r.adwin_detections, 1);
	ck_assert(r.adwin_mean > 0.35 && r.adwin_mean < 0.65);

	/* The restored detectors replay batches 13..20 identically. */
	detectors_finish(&d);
	detectors_init(&d, &c);
	for (batch = 1; batch <= 20; batch++) {
		gen(&bat, 50 + (uint64_t)batch, NB, 0.0, even,
		    batch <= 10 ? 0.9 : 0.5, 0.8);
		if (batch == 3)
			bat.truth[0] = -1;
		b = batch_of(&bat, batch, true);
		detectors_feed(&d, &b, &r);
		if (batch > 12) {
			detectors_feed(&back, &b, &r2);
			ck_assert(memcmp(&r, &r2, sizeof r) == 0);
		}
	}
	s = detectors_encode(&d);
	s2 = detectors_encode(&back);
	ck_assert_str_eq(s, s2);
	free(s);
	free(s2);

	ck_assert(!detectors_decode(NULL, &back));
	ck_assert(!detectors_decode("ddm/1", &back));
	ck_assert(!detectors_decode("x\ny", &back));
	detectors_finish(&back);
	detectors_finish(&d);
}
END_TEST


void
monitor_output_tests(TCase *tc)
{
	tcase_add_test(tc, label_shift);
	tcase_add_test(tc, label_shift_homogeneity);
	tcase_add_test(tc, confidence_drift);
	tcase_add_test(tc, perfect_predictions);
	tcase_add_test(tc, decay_logic);
	tcase_add_test(tc, partially_labelled_batch);
	tcase_add_test(tc, detectors_over_batches);
	tcase_add_test(tc, coverage_reached);
	tcase_add_test(tc, performance_on_partial_labels);
}
