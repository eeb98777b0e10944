/*
 * Report JSON of prediction, performance (partial and graded), estimated
 * performance and detector reports: exact round trips
 * (db-report-json, report-json-test.h).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store-internal.h"
#include "db/store.h"
#include "report-json-test.h"

START_TEST(test_prediction_round_trip)
{
	struct prediction_report a, b;
	char *text, *cause = NULL;
	uint64_t counts[3] = { 0, 9007199254740992ULL, 17 };

	memset(&a, 0, sizeof a);
	a.n_classes = 3;
	a.class_counts = counts;
	a.label_shift_statistic = 12.75;
	a.label_shift_p_value = 1.7e-300;
	a.label_shift_drift = true;
	a.mean_confidence = 2.0 / 3.0;
	a.reference_mean_confidence = 0.7;
	a.confidence_drift = false;
	a.label_shift_homog_statistic = 3.642504648099048;
	a.label_shift_homog_p_value = 0.16182296919007352;
	a.label_shift_homog_dof = 2;
	a.label_shift_homog_drift = false;
	a.chisq_alpha = 1e-9;
	a.confidence_delta = 0.5;
	a.thresholds_stored = true;
	text = report_json_encode_prediction(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"emu\":17},\"thresholds\":"
	    "{\"chisq_alpha\":1e-09,\"confidence_delta\":0.5}}"));
	/* Beside the seed's goodness-of-fit keys, which keep their meaning. */
	ck_assert_ptr_nonnull(strstr(text, "\"label_shift_p_value\":1.7e-300,"
	    "\"label_shift_statistic\":12.75,\"label_shift_homogeneity\":{"
	    "\"statistic\":3.642504648099048,\"p_value\":0.16182296919007352,"
	    "\"dof\":2,\"drift\":false}"));
	ck_assert_ptr_nonnull(strstr(text, "\"class_counts\":{\"cat\":0,"
	    "\"dog\":9007199254740992,\"emu\":17}"));
	ck_assert_int_eq(report_json_decode_prediction(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(same_bits(a.mean_confidence, b.mean_confidence));
	ck_assert(same_bits(a.label_shift_p_value, b.label_shift_p_value));
	ck_assert(same_bits(a.label_shift_statistic, b.label_shift_statistic));
	ck_assert(same_bits(a.reference_mean_confidence,
	    b.reference_mean_confidence));
	ck_assert_int_eq(b.label_shift_drift, 1);
	ck_assert_int_eq(b.confidence_drift, 0);
	ck_assert(same_bits(a.label_shift_homog_p_value,
	    b.label_shift_homog_p_value));
	ck_assert(same_bits(a.label_shift_homog_statistic,
	    b.label_shift_homog_statistic));
	ck_assert_int_eq(b.label_shift_homog_dof, 2);
	ck_assert_int_eq(b.label_shift_homog_drift, 0);
	ck_assert(memcmp(b.class_counts, counts, sizeof counts) == 0);
	ck_assert(b.chisq_alpha == 1e-9 && b.confidence_delta == 0.5 &&
	    b.thresholds_stored);
	free(text);
	prediction_report_finish(&b);
	/* Without thresholds (an older store): the defaults, not stored. */
	a.thresholds_stored = false;
	text = report_json_encode_prediction(&a, &schema, &cause);
	ck_assert_ptr_null(strstr(text, "thresholds"));
	ck_assert_int_eq(report_json_decode_prediction(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(b.chisq_alpha == 0.01 && b.confidence_delta == 0.08 &&
	    !b.thresholds_stored);
	free(text);
	prediction_report_finish(&b);
	/* A report of the wrong size is refused at encode time. */
	a.n_classes = 2;
	ck_assert_ptr_null(report_json_encode_prediction(&a, &schema, &cause));
	free(cause);
}
END_TEST

START_TEST(test_performance_round_trip)
{
	struct performance_report a, b;
	char *text, *cause = NULL;
	size_t i;

	memset(&a, 0, sizeof a);
	a.n_rows = 200;
	a.n_classes = 3;
	a.accuracy = 0.815;
	a.f1_macro = 0.8123456789012345;
	a.ece = 0.0421;
	a.acc_delta = -0.06000000000000005;
	a.f1_delta = -0.1;
	a.any_decay = true;
	a.decay_delta = 0.025;
	a.thresholds_stored = true;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	for (i = 0; i < 9; i++)
		a.confusion[i] = i * 7;
	for (i = 0; i < CALIB_BINS; i++) {
		a.bins[i].count = i;
		a.bins[i].mean_confidence = (double)i / 10 + 0.05;
		a.bins[i].accuracy = i == 0 ? 0 : 1.0 / (double)i;
	}
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"confusion\":[[0,7,14],"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert_uint_eq(b.n_rows, 200);
	ck_assert(same_bits(a.f1_macro, b.f1_macro));
	ck_assert(same_bits(a.acc_delta, b.acc_delta));
	ck_assert(same_bits(a.ece, b.ece));
	ck_assert_int_eq(b.any_decay, 1);
	ck_assert(b.decay_delta == 0.025 && b.thresholds_stored);
	ck_assert(memcmp(a.confusion, b.confusion, 9 * sizeof *a.confusion) ==
	    0);
	for (i = 0; i < CALIB_BINS; i++) {
		ck_assert_uint_eq(b.bins[i].count, i);
		ck_assert(same_bits(a.bins[i].accuracy, b.bins[i].accuracy));
		ck_assert(same_bits(a.bins[i].mean_confidence,
		    b.bins[i].mean_confidence));
	}
	free(text);
	performance_report_finish(&a);
	performance_report_finish(&b);
}
END_TEST

/*
 * A report judged on partial labels (--min-label-coverage) adds
 * n_labelled and coverage after n_rows and keeps them; a fully labelled
 * one has neither (the seed's payload); inconsistent pairs are refused.
 */
START_TEST(test_performance_partial)
{
	static const struct {
		size_t		 labelled, unlabelled;
		const char	*keys;	/* NULL: none */
	} rows[] = {
		{ 200, 0, NULL },
		{ 9, 1, "\"n_rows\":9,\"n_labelled\":9,\"coverage\":0.9," },
		{ 1, 2, "\"n_rows\":1,\"n_labelled\":1,"
		    "\"coverage\":0.3333333333333333," },
		{ 99999, 1, "\"n_rows\":99999,\"n_labelled\":99999,"
		    "\"coverage\":0.99999," },
	};
	static const char *const bad[] = {
		"\"n_labelled\":5,",			/* no coverage */
		"\"coverage\":0.5,",			/* no n_labelled */
		"\"n_labelled\":4,\"coverage\":0.5,",	/* not n_rows */
		"\"n_labelled\":5,\"coverage\":1,",
		"\"n_labelled\":5,\"coverage\":0,",
		"\"n_labelled\":5,\"coverage\":null,",
	};
	struct performance_report a, b;
	char *text, *cut, *cause = NULL, buf[2048];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(&a, 0, sizeof a);
		a.n_classes = 3;
		a.n_rows = rows[i].labelled;
		a.n_unlabelled = rows[i].unlabelled;
		a.confusion = xcalloc(9, sizeof *a.confusion);
		text = report_json_encode_performance(&a, &schema, &cause);
		ck_assert_ptr_nonnull(text);
		if (rows[i].keys == NULL)
			ck_assert_ptr_null(strstr(text, "coverage"));
		else
			ck_assert_msg(strstr(text, rows[i].keys) != NULL,
			    "%s", text);
		ck_assert_int_eq(report_json_decode_performance(text,
		    strlen(text), &schema, &b, &cause), 0);
		ck_assert_uint_eq(b.n_rows, rows[i].labelled);
		ck_assert_uint_eq(b.n_unlabelled, rows[i].unlabelled);
		ck_assert(performance_coverage(&b) ==
		    (double)rows[i].labelled / (double)(rows[i].labelled +
		    rows[i].unlabelled));
		free(text);
		performance_report_finish(&a);
		performance_report_finish(&b);
	}
	memset(&a, 0, sizeof a);
	a.n_classes = 3;
	a.n_rows = 5;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(text);
	cut = strstr(text, "\"confusion\"");
	ck_assert_ptr_nonnull(cut);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(cut - text), text,
		    bad[i], cut);
		ck_assert_msg(report_json_decode_performance(buf, strlen(buf),
		    &schema, &b, &cause) == -1, "%s", buf);
		free(cause);
		cause = NULL;
	}
	free(text);
	performance_report_finish(&a);
}
END_TEST

/* A graded performance report keeps its estimate and errors exactly. */
START_TEST(test_performance_graded)
{
	struct performance_report a, b;
	struct estimate_report e;
	char *text, *cause = NULL;

	memset(&a, 0, sizeof a);
	a.n_rows = 50;
	a.n_classes = 3;
	a.accuracy = 0.8;
	a.f1_macro = 0.7;
	a.confusion = xcalloc(9, sizeof *a.confusion);
	memset(&e, 0, sizeof e);
	e.available = true;
	e.cbpe.n_rows = 50;
	e.cbpe.accuracy = 0.8300000000000001;
	e.cbpe.f1_macro = 0.6;
	performance_grade(&a, &e);
	ck_assert(a.graded);
	ck_assert(same_bits(a.acc_error, 0.8 - 0.8300000000000001));
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_nonnull(strstr(text, ",\"estimate\":{\"accuracy\":"
	    "0.8300000000000001,\"f1_macro\":0.6,\"acc_error\":"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(b.graded);
	ck_assert(same_bits(b.est_accuracy, e.cbpe.accuracy));
	ck_assert(same_bits(b.acc_error, a.acc_error));
	ck_assert(same_bits(b.f1_error, a.f1_error));
	free(text);
	performance_report_finish(&b);

	/* Ungraded: no key, NaN back; an unavailable estimate grades none. */
	e.available = false;
	performance_grade(&a, &e);
	ck_assert(!a.graded && isnan(a.acc_error));
	text = report_json_encode_performance(&a, &schema, &cause);
	ck_assert_ptr_null(strstr(text, "estimate"));
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), 0);
	ck_assert(!b.graded && isnan(b.est_accuracy) && isnan(b.f1_error));
	free(text);
	performance_report_finish(&b);
	text = xstrdup("{\"accuracy\":1,\"f1_macro\":1,\"ece\":0,"
	    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
	    "\"estimate\":[1]}");
	ck_assert_int_eq(report_json_decode_performance(text, strlen(text),
	    &schema, &b, &cause), -1);
	ck_assert_str_eq(cause, "performance report: \"estimate\" is not an "
	    "object");
	free(cause);
	free(text);
	performance_report_finish(&a);
}
END_TEST

/* The estimated_performance payload: available, unavailable, refused. */
START_TEST(test_estimate_round_trip)
{
	static const struct {
		const char	*text;
		const char	*cause;	/* NULL: decodes */
	} bad[] = {
		{ "{\"available\":false,\"reason\":\"tired\",\"method\":"
		  "\"cbpe\",\"n_rows\":3}", "estimated_performance report: "
		  "\"reason\" is missing or not a known reason" },
		{ "{\"available\":false,\"reason\":\"the reference has no "
		  "labels\",\"method\":\"dle\",\"n_rows\":3}",
		  "estimated_performance report: \"method\" is not \"cbpe\"" },
		{ "{\"available\":true,\"method\":\"cbpe\",\"n_rows\":3,"
		  "\"calibrated\":true}", "estimated_performance report: "
		  "\"thresholds\" is missing or not an object" },
		{ "{\"available\":1,\"method\":\"cbpe\",\"n_rows\":3}",
		  "estimated_performance report: \"available\" is not true "
		  "or false" },
	};
	struct estimate_report a, b;
	char *text, *cause = NULL;
	size_t i;

	memset(&a, 0, sizeof a);
	a.available = true;
	a.cbpe.n_rows = 500;
	a.cbpe.calibrated = true;
	a.cbpe.accuracy = 0.8123456789012345;
	a.cbpe.accuracy_se = 0.017;
	a.cbpe.accuracy_lower = 0.761;
	a.cbpe.accuracy_upper = 0.863;
	a.cbpe.f1_macro = 0.79;
	a.cbpe.f1_se = 0.02;
	a.cbpe.f1_lower = 0.73;
	a.cbpe.f1_upper = 0.85;
	a.decayed = true;
	a.ref_accuracy = 0.9;
	a.ref_f1_macro = 0.91;
	a.decay_delta = 0.05;
	a.sigmas = 3;
	text = report_json_encode_estimate(&a, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"estimated_accuracy\":"
	    "0.8123456789012345,\"estimated_accuracy_lower\":0.761,"));
	ck_assert_int_eq(report_json_decode_estimate(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(b.available && b.cbpe.calibrated && b.decayed);
	ck_assert_uint_eq(b.cbpe.n_rows, 500);
	ck_assert(same_bits(b.cbpe.accuracy, a.cbpe.accuracy));
	ck_assert(same_bits(b.cbpe.f1_upper, a.cbpe.f1_upper));
	ck_assert(same_bits(b.ref_f1_macro, a.ref_f1_macro));
	ck_assert(b.sigmas == 3 && b.decay_delta == 0.05);
	free(text);

	memset(&a, 0, sizeof a);
	a.cbpe.n_rows = 7;
	a.reason = ESTIMATE_NO_LABELS;
	text = report_json_encode_estimate(&a, &cause);
	ck_assert_str_eq(text, "{\"available\":false,\"reason\":\"the "
	    "reference has no labels\",\"method\":\"cbpe\",\"n_rows\":7}");
	ck_assert_int_eq(report_json_decode_estimate(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(!b.available && isnan(b.cbpe.accuracy) && !b.decayed);
	ck_assert_str_eq(b.reason, ESTIMATE_NO_LABELS);
	free(text);
	a.reason = NULL;
	ck_assert_ptr_null(report_json_encode_estimate(&a, &cause));
	free(cause);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		ck_assert_int_eq(report_json_decode_estimate(bad[i].text,
		    strlen(bad[i].text), &b, &cause), -1);
		ck_assert_str_eq(cause, bad[i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_detectors_round_trip)
{
	struct detector_report a, b;
	char *text, *cause = NULL;

	memset(&a, 0, sizeof a);
	a.n_fed = 200;
	a.ddm_state = DDM_WARNING;
	a.ddm_warning = true;
	a.adwin_drift = true;
	a.adwin_width = 1234;
	a.adwin_mean = 0.1 + 0.2;
	a.ddm_drifts = 3;
	a.adwin_detections = 4;
	text = report_json_encode_detectors(&a, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"ddm_state\":\"warning\""));
	ck_assert_int_eq(report_json_decode_detectors(text, strlen(text), &b,
	    &cause), 0);
	ck_assert(memcmp(&a.adwin_mean, &b.adwin_mean, sizeof(double)) == 0);
	ck_assert_int_eq(b.ddm_state, DDM_WARNING);
	ck_assert_uint_eq(b.adwin_width, 1234);
	ck_assert_uint_eq(b.ddm_drifts, 3);
	ck_assert_int_eq(b.ddm_drift, 0);
	ck_assert_int_eq(b.ddm_warning, 1);
	free(text);
}
END_TEST

void
report_json_report_tests(TCase *tc)
{
	tcase_add_test(tc, test_prediction_round_trip);
	tcase_add_test(tc, test_performance_round_trip);
	tcase_add_test(tc, test_performance_graded);
	tcase_add_test(tc, test_performance_partial);
	tcase_add_test(tc, test_estimate_round_trip);
	tcase_add_test(tc, test_detectors_round_trip);
}
