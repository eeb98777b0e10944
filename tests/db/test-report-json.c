/*
 * Report JSON: exact round trips (bit for bit, NaN and Inf included), the
 * seed's key names, seed-style payloads, and malformed input refused
 * without crashing or leaking (every truncation of a valid payload, and a
 * table of hand-made bad ones). This file: the shared schema and feature
 * report, malformed input, the number formatter, names escaped, the
 * suite; each report type's round trips are parts of their own
 * (report-json-test.h).
 */
#include <check.h>
#include <inttypes.h>
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

static char *fnames[] = { "age", "income", "score \"q\"", "f\xc3\xa9" };
static char *cnames[] = { "cat", "dog", "emu" };
const struct store_schema schema = { 4, 3, fnames, cnames, NULL };

bool
same_bits(double a, double b)
{
	if (isnan(a) && isnan(b))
		return true;
	return memcmp(&a, &b, sizeof a) == 0;
}

void
feature_make(struct feature_report *r, bool mmd)
{
	static const double psi[] = { 0.1, 1.0 / 3.0, 5e-324,
	    0.30000000000000004 };
	static const double ks[] = { 0.123456789012345678, NAN, 1e-300, 1 };
	size_t i;

	memset(r, 0, sizeof *r);
	r->n_features = 4;
	r->psi = xcalloc(4, sizeof *r->psi);
	r->ks_statistic = xcalloc(4, sizeof *r->ks_statistic);
	r->ks_p_value = xcalloc(4, sizeof *r->ks_p_value);
	r->drift_psi = xcalloc(4, sizeof *r->drift_psi);
	r->drift_ks = xcalloc(4, sizeof *r->drift_ks);
	r->psi_outlier = xcalloc(4, sizeof *r->psi_outlier);
	r->psi_outlier[3] = true;
	r->investigate_psi = xcalloc(4, sizeof *r->investigate_psi);
	r->thresholds = xcalloc(4, sizeof *r->thresholds);
	r->thresholds_stored = true;
	for (i = 0; i < 4; i++) {
		r->psi[i] = psi[i];
		r->ks_p_value[i] = ks[i];
		r->ks_statistic[i] = nextafter(psi[i], 2);
		r->drift_psi[i] = i == 1 || i == 3;
		r->investigate_psi[i] = i == 0;
		r->drift_ks[i] = i == 2;
		/* Per feature: the last one judged with its own levels. */
		r->thresholds[i].psi_warning = i == 3 ? 0.3 : 0.1;
		r->thresholds[i].psi_critical = i == 3 ? 1.0 / 7 : 0.2;
		r->thresholds[i].ks_alpha = i == 3 ? 1e-9 : 0.01;
		/* Numeric features: the categorical ones are defaults. */
		r->thresholds[i].cat_alpha = 0.01;
		r->thresholds[i].new_share = 0.05;
	}
	r->ks_statistic[0] = INFINITY;
	r->any_drift = true;
	r->max_psi_feature = 1;
	r->mmd_run = mmd;
	r->mmd.mmd2 = 0.0123;
	r->mmd.sigma = sqrt(2);
	r->mmd.p_value = 1.0 / 101;
	r->mmd_drift = true;
}

/* Every prefix and a byte-flip of every position: refused or decoded. */
START_TEST(test_truncations_and_flips)
{
	struct feature_report a, b;
	struct performance_report pa, pb;
	char *text, *ptext, *cause, *copy;
	size_t len, i, bad = 0;

	feature_make(&a, true);
	cause = NULL;
	text = report_json_encode_feature(&a, &schema, &cause);
	len = strlen(text);
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		memcpy(copy, text, i);
		cause = NULL;
		if (report_json_decode_feature(copy, i, &schema, &b,
		    &cause) == 0)
			feature_report_finish(&b);
		else {
			ck_assert_ptr_nonnull(cause);
			free(cause);
			bad++;
		}
	}
	ck_assert_uint_eq(bad, len);	/* no proper prefix is valid */
	for (i = 0; i < len; i++) {
		memcpy(copy, text, len + 1);
		copy[i] ^= 0x55;
		cause = NULL;
		if (report_json_decode_feature(copy, len, &schema, &b,
		    &cause) == 0)
			feature_report_finish(&b);
		else
			free(cause);
	}
	free(copy);
	free(text);
	feature_report_finish(&a);

	memset(&pa, 0, sizeof pa);
	pa.n_classes = 3;
	pa.confusion = xcalloc(9, sizeof *pa.confusion);
	cause = NULL;
	ptext = report_json_encode_performance(&pa, &schema, &cause);
	len = strlen(ptext);
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		memcpy(copy, ptext, len + 1);
		copy[i] = copy[i] == '0' ? '-' : (char)(copy[i] + 1);
		cause = NULL;
		if (report_json_decode_performance(copy, len, &schema, &pb,
		    &cause) == 0)
			performance_report_finish(&pb);
		else
			free(cause);
	}
	free(copy);
	free(ptext);
	performance_report_finish(&pa);
}
END_TEST

START_TEST(test_malformed)
{
	static const struct {
		int		 kind;	/* feature, prediction, perf, det */
		const char	*text;
		const char	*cause;
	} cases[] = {
		{ 0, "", "empty" },
		{ 0, "[]", "not a single JSON object" },
		{ 0, "{} {}", "not a single JSON object" },
		{ 0, "{\"any_drift\":tru", "malformed JSON" },
		{ 0, "{}", "missing key \"any_drift\"" },
		{ 0, "{\"any_drift\":1}", "not true or false" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":{}}",
		    "not an array" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[1]}",
		    "non-string" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[\"zz\"]}",
		    "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[\"age\","
		    "\"age\"]}", "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":1}}",
		    "has 1 entries, not 4" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":1,"
		    "\"age\":2,\"income\":3,\"x\":4}}", "unknown or repeated" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":{\"age\":\"1\","
		    "\"income\":3}}", "not a number" },
		{ 0, "{\"any_drift\":true,\"drifted_features_ks\":[],"
		    "\"drifted_features_psi\":[],\"psi_values\":[1,2,3,4]}",
		    "not an object" },
		{ 1, "{\"label_shift_drift\":false}",
		    "missing key \"label_shift_p_value\"" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":-1,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":1.5,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 1, "{\"label_shift_drift\":false,\"label_shift_p_value\":0.5,"
		    "\"confidence_drift\":false,\"mean_confidence\":0.5,"
		    "\"reference_mean_confidence\":0.5,\"class_counts\":"
		    "{\"cat\":1e300,\"dog\":0,\"emu\":0}}", "not a count" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3],[1,2,3]]}", "has 2 rows, not 3" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}",
		    "is not 3 arrays" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"confusion\":[[1,2,3,4],[1,2,3],[1,2,3]]}",
		    "longer than 3" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"reliability\":[{}]}", "missing key \"count\"" },
		{ 2, "{\"accuracy\":0.5,\"f1_macro\":0.5,\"ece\":0,"
		    "\"acc_delta\":0,\"f1_delta\":0,\"any_decay\":false,"
		    "\"reliability\":[]}", "has 0 bins" },
		{ 2, "{\"accuracy\":[0.5]}", "not a number" },
		{ 3, "{\"ddm_state\":\"calm\"}", "not stable, warning" },
		{ 3, "{\"ddm_state\":3}", "not stable, warning" },
		{ 3, "{\"ddm_state\":\"drift\",\"n_fed\":true}",
		    "not a count" },
	};
	struct feature_report f;
	struct prediction_report p;
	struct performance_report q;
	struct detector_report d;
	char *cause;
	size_t i, len;
	int rc = 0;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		len = strlen(cases[i].text);
		switch (cases[i].kind) {
		case 0:
			rc = report_json_decode_feature(cases[i].text, len,
			    &schema, &f, &cause);
			break;
		case 1:
			rc = report_json_decode_prediction(cases[i].text, len,
			    &schema, &p, &cause);
			break;
		case 2:
			rc = report_json_decode_performance(cases[i].text, len,
			    &schema, &q, &cause);
			break;
		case 3:
			rc = report_json_decode_detectors(cases[i].text, len,
			    &d, &cause);
			break;
		}
		ck_assert_msg(rc == -1, "case %zu accepted", i);
		ck_assert_msg(cause != NULL && strstr(cause,
		    cases[i].cause) != NULL, "case %zu: %s", i, cause);
		free(cause);
	}
}
END_TEST

/* A huge array of names is checked against the schema, not trusted. */
START_TEST(test_huge_input)
{
	struct feature_report f;
	char *text, *cause = NULL, *p;
	size_t i, n = 200000;

	text = xmalloc(n * 8 + 256);
	p = text + sprintf(text, "{\"any_drift\":true,"
	    "\"drifted_features_ks\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s\"age\"", i ? "," : "");
	strcpy(p, "]}");
	ck_assert_int_eq(report_json_decode_feature(text, strlen(text),
	    &schema, &f, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "repeated"));
	free(cause);
	/* Deep nesting. */
	memset(text, '[', n);
	text[n] = '\0';
	cause = NULL;
	ck_assert_int_eq(report_json_decode_feature(text, n, &schema, &f,
	    &cause), -1);
	free(cause);
	free(text);
}
END_TEST

/* The formatter: what %.15g/%.16g/%.17g (first to read back) gives. */
static size_t
format_reference(char *buf, size_t size, double v)
{
	double back;
	int n = 0, prec;

	if (isnan(v))
		return (size_t)snprintf(buf, size, "null");
	if (isinf(v))
		return (size_t)snprintf(buf, size, v > 0 ? "1e999" : "-1e999");
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, size, "%.*g", prec, v);
		back = strtod(buf, NULL);
		if (memcmp(&back, &v, sizeof v) == 0)
			break;
	}
	return (size_t)n;
}

START_TEST(test_format_double_exact)
{
	static const double fixed[] = { 0.0, -0.0, 0.1, 1.0 / 3.0, 1e-7,
	    9.9999999999999995e-8, 1e15, 1e16, 1e17, 1e22, 1e36, 5e-324,
	    1.7976931348623157e308, 0.30000000000000004, 2.5, -0.000063,
	    123456789012345.0, 1234567890123456.0, 0.1 + 0.2, 100, 1e-5,
	    0.0001, 1e21,
	    /* The edges of the exact 17-digit path (1e-11 to 1e17). */
	    1e-11, 9.9999999999999994e-12, 1.0000000000000001e-11,
	    99999999999999984.0, 9999999999999998.0, 1e-8 / 3,
	    2.0 / 3.0 * 1e-11, 0x1.fffffffffffffp-37, 0x1.0p-33,
	    0.99999999999999989, 9.9999999999999982 };
	uint64_t st = 7, r;
	char got[64], want[64];
	size_t i, ng, nw;
	double v;

	for (i = 0; i < 400000 + sizeof fixed / sizeof fixed[0]; i++) {
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		r = st;
		if (i < sizeof fixed / sizeof fixed[0])
			v = fixed[i];
		else if (i % 4 == 0)
			memcpy(&v, &r, sizeof v);	/* any bits */
		else if (i % 4 == 1)		/* [0, 1) */
			v = (double)(r >> 11) / 9007199254740992.0;
		else if (i % 4 == 2)		/* short decimals */
			v = (double)(r % 10000000) / 1000.0 *
			    pow(10, (double)(r % 41) - 20);
		else				/* ratios of counts */
			v = (double)(r % 100000) / (double)(1 + (r >> 40) % 997);
		ng = store_format_double(got, sizeof got, v);
		nw = format_reference(want, sizeof want, v);
		ck_assert_msg(ng == nw && strcmp(got, want) == 0,
		    "%a: got %s, want %s", v, got, want);
	}
}
END_TEST

/*
 * The decimal exponent's edges, where a guess from the binary exponent
 * (or log10) is one off: every power of ten and of two the exact paths
 * cover, 10^j as a double and as the next decimal below it, each with its
 * four nearest doubles on either side. A wrong exponent taken as right
 * prints a digit too few or too many.
 */
START_TEST(test_format_double_decades)
{
	char got[64], want[64];
	double base[4], v;
	int j, b, s;
	size_t ng, nw;

	for (j = -330; j <= 310; j++) {
		char lit[32];

		snprintf(lit, sizeof lit, "1e%d", j);
		base[0] = strtod(lit, NULL);
		snprintf(lit, sizeof lit, "9.99999999999999999e%d", j - 1);
		base[1] = strtod(lit, NULL);
		base[2] = ldexp(1.0, j < 1024 ? j : 1023);
		base[3] = ldexp(1.0, -j < 1024 ? -j : -1023);
		for (b = 0; b < 4; b++) {
			v = base[b];
			for (s = 0; s < 4; s++)
				v = nextafter(v, 0.0);
			for (s = 0; s < 9; s++, v = nextafter(v, INFINITY)) {
				ng = store_format_double(got, sizeof got, v);
				nw = format_reference(want, sizeof want, v);
				ck_assert_msg(ng == nw && strcmp(got, want) == 0,
				    "%a: got %s, want %s", v, got, want);
			}
		}
	}
}
END_TEST

/*
 * Where the exact path's checks decide (1e-11 to 1e17): doubles next to
 * random 15- and 16-digit decimals (the edges of a candidate's reading
 * back), next to the halfway points between them (the roundings' ties,
 * exact or nearly), and around powers of two (whose gap below is half
 * the one above), each with its two nearest doubles on either side.
 */
START_TEST(test_format_double_borders)
{
	char got[64], want[64], lit[48];
	uint64_t st = 11, r;
	size_t ng, nw;
	double v;
	int i, s, digits;

	for (i = 0; i < 150000; i++) {
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		r = st;
		digits = 15 + (int)(r % 3);	/* 17: a halfway point */
		if (i % 5 == 4) {
			v = ldexp(1.0, (int)(r % 94) - 37);
		} else {
			/* d.ddd...e(j), the last of 17 digits a 5 */
			snprintf(lit, sizeof lit, "%" PRIu64, (r >> 4) %
			    UINT64_C(9000000000000000) +
			    UINT64_C(1000000000000000));
			if (digits == 17)
				strcat(lit, "5");
			else
				lit[digits] = '\0';
			memmove(lit + 2, lit + 1, strlen(lit));
			lit[1] = '.';
			snprintf(lit + strlen(lit), 8, "e%d",
			    (int)((r >> 58) % 28) - 11);
			v = strtod(lit, NULL);
		}
		if (r & 1)
			v = -v;
		v = nextafter(nextafter(v, 0.0), 0.0);
		for (s = 0; s < 5; s++, v = nextafter(v, v > 0 ? INFINITY :
		    -INFINITY)) {
			ng = store_format_double(got, sizeof got, v);
			nw = format_reference(want, sizeof want, v);
			ck_assert_msg(ng == nw && strcmp(got, want) == 0,
			    "%a: got %s, want %s", v, got, want);
		}
	}
}
END_TEST

/* Names are escaped as cJSON escapes them, and read back. */
START_TEST(test_names_escaped)
{
	static char n0[] = "q\"b\\s/\b\f\n\r\t";
	static char n1[] = "\x01\x1f\x7f \xc3\xa9";
	static char n2[] = "plain";
	static char n3[] = "";
	static char *names[] = { n0, n1, n2, n3 };
	static const struct store_schema sc = { 4, 3, names, cnames, NULL };
	struct feature_report r;
	cJSON *root, *m, *item;
	char *text, *cause = NULL;
	size_t i;

	n3[0] = '\0';
	feature_make(&r, false);
	text = report_json_encode_feature(&r, &sc, &cause);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text,
	    "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\":"));
	ck_assert_ptr_nonnull(strstr(text, "\"\\u0001\\u001f\x7f \xc3\xa9\":"));
	root = cJSON_Parse(text);
	ck_assert_ptr_nonnull(root);
	m = cJSON_GetObjectItemCaseSensitive(root, "psi_values");
	ck_assert_ptr_nonnull(m);
	i = 0;
	cJSON_ArrayForEach(item, m) {
		ck_assert_uint_lt(i, 4);
		ck_assert_str_eq(item->string, names[i]);
		i++;
	}
	ck_assert_uint_eq(i, 4);
	cJSON_Delete(root);
	free(text);
	feature_report_finish(&r);
}
END_TEST

static Suite *
report_json_suite(void)
{
	Suite *s = suite_create("report-json");
	TCase *tc = tcase_create("report-json");

	tcase_add_test(tc, test_format_double_decades);
	report_json_feature_tests(tc);
	report_json_report_tests(tc);
	tcase_add_test(tc, test_truncations_and_flips);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_huge_input);
	tcase_add_test(tc, test_format_double_exact);
	tcase_add_test(tc, test_format_double_borders);
	tcase_add_test(tc, test_names_escaped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(report_json_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
