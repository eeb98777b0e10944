/*
 * The NDJSON line parser: every field, every default, escapes, and every
 * rejection reason, table-driven.
 * The two paths' agreement (the compact line's fast path and the general
 * parser) is in test-proto-paths.c, a part of this suite (proto-test.h).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "ingest/proto.h"
#include "proto-test.h"

#define P3	"\"features\":[1,2.5,-3e-1],\"scores\":[0.2,0.7,0.1]"
#define M16	"abcdefghij.:-_09"
#define M129	M16 M16 M16 M16 M16 M16 M16 M16 "x"

/* A line that must parse, and what it must give. */
struct good {
	const char	*line;
	enum proto_kind	 kind;
	int64_t		 batch_id;
	int		 has_row;
	int64_t		 row;
	const char	*features_json;
	const char	*scores_json;
	int		 predicted;
	double		 confidence;
	int		 true_class;
};

static const struct good goods[] = {
	{ "{\"batch_id\":0," P3 "}", PROTO_PREDICTION, 0, 0, 0,
	  "[1,2.5,-3e-1]", "[0.2,0.7,0.1]", 1, 0.7, -1 },
	{ "{\"type\":\"prediction\",\"batch_id\":7,\"row_in_batch\":3," P3
	  ",\"predicted_class\":2,\"confidence\":0.25,\"true_class\":0}",
	  PROTO_PREDICTION, 7, 1, 3, "[1,2.5,-3e-1]", "[0.2,0.7,0.1]", 2,
	  0.25, 0 },
	{ "  { \"batch_id\" : 9223372036854775807 , \"features\" : [ 1E2 , "
	  "-0 ] , \"scores\" : [ 0.5 , 0.5 ] , \"true_class\" : null }\r",
	  PROTO_PREDICTION, INT64_MAX, 0, 0, "[1E2,-0]", "[0.5,0.5]", 0, 0.5,
	  -1 },
	/* Unknown keys, nested, are skipped; type may come last. */
	{ "{\"x\":{\"a\":[1,{\"b\":null},true,false,\"s\\u00e9\"]}," P3
	  ",\"type\":\"reference\"}", PROTO_REFERENCE, 0, 0, 0,
	  "[1,2.5,-3e-1]", "[0.2,0.7,0.1]", 1, 0.7, -1 },
	/* Escaped key names are decoded before matching. */
	{ "{\"b\\u0061tch_id\":5," P3 "}", PROTO_PREDICTION, 5, 0, 0,
	  "[1,2.5,-3e-1]", "[0.2,0.7,0.1]", 1, 0.7, -1 },
	/* Scores within the tolerance; ties pick the first class. */
	{ "{\"batch_id\":1,\"features\":[0.1],\"scores\":[0.4996,0.4996]}",
	  PROTO_PREDICTION, 1, 0, 0, "[0.1]", "[0.4996,0.4996]", 0, 0.4996,
	  -1 },
	{ "{\"type\":\"end_batch\",\"batch_id\":12}", PROTO_END_BATCH, 12, 0,
	  0, NULL, NULL, -1, 0, -1 },
};

/* A line that must be refused with this exact reason. */
struct bad {
	const char	*line;
	const char	*reason;
};

static const struct bad bads[] = {
	{ "", "empty line" },
	{ "   ", "empty line" },
	{ "[1,2]", "line is not a JSON object" },
	{ "{\"batch_id\":1," P3 "} x", "trailing data after object" },
	{ "{\"batch_id\":1," P3 "}{}", "trailing data after object" },
	{ "{\"batch_id\":1," P3, "unexpected end of line" },
	{ "{\"batch_id\":1,\"features\":[1,2", "expected , or ] in features" },
	{ "{\"row_in_batch\":1," P3 "}", "row_in_batch without batch_id" },
	{ "{\"batch_id\":1,\"scores\":[0.5,0.5]}", "missing field features" },
	{ "{\"batch_id\":1,\"features\":[1]}", "missing field scores" },
	{ "{\"batch_id\":1,\"batch_id\":2," P3 "}",
	  "duplicate key \"batch_id\"" },
	{ "{\"type\":\"foo\",\"batch_id\":1}", "unknown type \"foo\"" },
	{ "{\"model\":\"\",\"batch_id\":1," P3 "}",
	  "model: a model name is empty" },
	{ "{\"model\":\"fraud v3\",\"batch_id\":1," P3 "}",
	  "model: byte 6 of a model name is 0x20, not one of A-Z a-z 0-9 "
	  ". _ : -" },
	{ "{\"model\":\"caf\u00e9\",\"batch_id\":1," P3 "}",
	  "model: byte 4 of a model name is 0xc3, not one of A-Z a-z 0-9 "
	  ". _ : -" },
	{ "{\"model\":7,\"batch_id\":1," P3 "}", "model is not a string" },
	{ "{\"model\":\"" M129 "\",\"batch_id\":1," P3 "}",
	  "model: a model name is 129 bytes, longer than 128" },
	{ "{\"type\":7}", "type is not a string" },
	{ "{\"batch_id\":\"1\"," P3 "}", "batch_id is not an integer" },
	{ "{\"batch_id\":1.0," P3 "}", "batch_id is not an integer" },
	{ "{\"batch_id\":-1," P3 "}", "batch_id is negative" },
	{ "{\"batch_id\":9223372036854775808," P3 "}",
	  "batch_id is too large" },
	{ "{\"batch_id\":1,\"row_in_batch\":true," P3 "}",
	  "row_in_batch is not an integer" },
	{ "{\"batch_id\":1,\"features\":[1],\"scores\":[NaN,0.5]}",
	  "scores[0] is not a finite number" },
	{ "{\"batch_id\":1,\"features\":[1],\"scores\":[null,1]}",
	  "scores[0] is not a number" },
	{ "{\"batch_id\":1,\"features\":[1,{}],\"scores\":[0.5,0.5]}",
	  "features[1] is an object, not a number, a string or null" },
	{ "{\"batch_id\":1,\"features\":[[1]],\"scores\":[0.5,0.5]}",
	  "features[0] is an array, not a number, a string or null" },
	{ "{\"batch_id\":1,\"features\":[nan],\"scores\":[0.5,0.5]}",
	  "features[0] is not a number" },
	{ "{\"batch_id\":1,\"features\":[NaNa],\"scores\":[0.5,0.5]}",
	  "expected , or ] in features" },
	{ "{\"batch_id\":1,\"features\":[1e999],\"scores\":[0.5,0.5]}",
	  "features[0] is not a finite number" },
	{ "{\"batch_id\":1,\"features\":[1,\"\"],\"scores\":[0.5,0.5]}",
	  "features[1] is an empty string (a missing value is null)" },
	{ "{\"batch_id\":1,\"features\":[\"a\\u0000\"],\"scores\":[0.5,0.5]}",
	  "features[0] contains U+0000" },
	{ "{\"type\":\"schema\",\"feature_names\":[\"a\"],"
	  "\"feature_types\":[\"numeric\",\"categorical\"]}",
	  "feature_types has 2 values, feature_names 1" },
	{ "{\"type\":\"schema\",\"feature_types\":[\"number\"]}",
	  "feature_types[0] is not \"numeric\" or \"categorical\"" },
	{ "{\"type\":\"schema\",\"feature_types\":[]}",
	  "feature_types is empty" },
	{ "{\"batch_id\":1,\"features\":[01],\"scores\":[0.5,0.5]}",
	  "expected , or ] in features" },
	{ "{\"batch_id\":1,\"features\":[1.],\"scores\":[0.5,0.5]}",
	  "features[0] is not a valid number" },
	{ "{\"batch_id\":1,\"features\":{},\"scores\":[0.5,0.5]}",
	  "features is not an array" },
	{ "{\"batch_id\":1,\"features\":[],\"scores\":[0.5,0.5]}",
	  "features is empty" },
	{ "{\"batch_id\":1,\"features\":[1],\"scores\":[1]}",
	  "scores has 1 value, need at least 2 classes" },
	{ "{\"batch_id\":1,\"features\":[1],\"scores\":[1.5,-0.5]}",
	  "scores[0] is not in [0, 1]" },
	{ "{\"batch_id\":1,\"features\":[1],\"scores\":[0.5,0.5042]}",
	  "scores sum to 1.0042, not 1 within 1e-3" },
	{ "{\"batch_id\":1," P3 ",\"predicted_class\":3}",
	  "predicted_class 3 is out of range for 3 classes" },
	{ "{\"batch_id\":1," P3 ",\"true_class\":5}",
	  "true_class 5 is out of range for 3 classes" },
	{ "{\"batch_id\":1," P3 ",\"true_class\":[1]}",
	  "true_class is not an integer or null" },
	{ "{\"batch_id\":1," P3 ",\"confidence\":1.5}",
	  "confidence is not in [0, 1]" },
	{ "{\"batch_id\":1," P3 ",\"confidence\":\"high\"}",
	  "confidence is not a number" },
	{ "{\"batch_id\":1," P3 ",\"feature_names\":[\"a\"]}",
	  "field feature_names is not allowed in prediction records" },
	{ "{\"type\":\"reference\",\"batch_id\":1," P3 "}",
	  "field batch_id is not allowed in reference records" },
	{ "{\"type\":\"labels\",\"batch_id\":1,\"true_class\":1}",
	  "true_class of a labels record is not an array" },
	{ "{\"type\":\"labels\",\"batch_id\":1,\"true_class\":[0,-1]}",
	  "true_class[1] is negative" },
	{ "{\"type\":\"labels\",\"true_class\":[0]}",
	  "missing field batch_id" },
	{ "{\"type\":\"end_batch\"}", "missing field batch_id" },
	/* ids, event times and labels by id (issue 14) */
	{ "{\"id\":1.5," P3 "}", "id is not an integer (a number id must "
	  "be written as one)" },
	{ "{\"id\":1e3," P3 "}", "id is not an integer (a number id must "
	  "be written as one)" },
	{ "{\"id\":-4," P3 "}", "id is negative" },
	{ "{\"id\":\"\"," P3 "}", "id is empty" },
	{ "{\"id\":\"\\u0000\"," P3 "}", "id contains U+0000" },
	{ "{\"id\":null," P3 "}", "id is not a string or an integer" },
	{ "{\"id\":[1]," P3 "}", "id is not a string or an integer" },
	{ "{\"id\":9223372036854775808," P3 "}", "id is larger than "
	  "9223372036854775807" },
	{ "{\"ts\":\"2026-12-06T07:12:10\"," P3 "}", "ts has no time zone "
	  "(end it with Z or +HH:MM)" },
	{ "{\"ts\":\"2026-12-06T25:00:00Z\"," P3 "}", "ts hour 25 is out "
	  "of range" },
	{ "{\"ts\":\"99999-12-06T07:12:10Z\"," P3 "}", "ts year must be 4 "
	  "digits (YYYY-MM-DDTHH:MM:SSZ)" },
	{ "{\"ts\":-1," P3 "}", "ts is before 1970-01-01T00:00:00Z" },
	{ "{\"ts\":true," P3 "}", "ts is not a string or a number" },
	{ "{\"ts\":\"2026-12-06T07:12:10.0000000000000000000000000000000000"
	  "0000000000000000000000000000Z\"," P3 "}", "ts is not an RFC 3339 "
	  "time (83 bytes)" },
	{ "{\"id\":1,\"id\":2," P3 "}", "duplicate key \"id\"" },
	{ "{\"type\":\"reference\",\"id\":1," P3 "}",
	  "field id is not allowed in reference records" },
	{ "{\"type\":\"label\",\"true_class\":1}", "missing field id" },
	{ "{\"type\":\"label\",\"id\":1}", "missing field true_class" },
	{ "{\"type\":\"label\",\"id\":1,\"true_class\":null}",
	  "true_class of a label record is not an integer" },
	{ "{\"type\":\"label\",\"id\":1,\"true_class\":[1]}",
	  "true_class of a label record is not an integer" },
	{ "{\"type\":\"label\",\"id\":1,\"true_class\":-1}",
	  "true_class is negative" },
	{ "{\"type\":\"label\",\"id\":1,\"batch_id\":3,"
	  "\"true_class\":1}", "field batch_id is not allowed in label "
	  "records" },
	{ "{\"type\":\"schema\"}",
	  "schema has neither feature_names, feature_types nor class_names" },
	{ "{\"type\":\"schema\",\"feature_names\":[\"a\",\"a\"]}",
	  "feature_names[1] repeats feature_names[0]" },
	{ "{\"type\":\"schema\",\"feature_names\":[\"a\",1]}",
	  "feature_names[1] is not a string" },
	{ "{\"type\":\"schema\",\"feature_names\":[\"\"]}",
	  "feature_names[0] is empty" },
	{ "{\"type\":\"schema\",\"feature_names\":[\"a\\u0000\"]}",
	  "feature_names[0] contains U+0000" },
	{ "{\"type\":\"schema\",\"class_names\":[\"a\"]}",
	  "class_names has 1 name, need at least 2" },
	{ "{\"x\":\"\xff\"}", "line is not valid UTF-8" },
	{ "{\"x\":\"\xc0\xaf\"}", "line is not valid UTF-8" },
	{ "{\"x\":\"\xed\xa0\x80\"}", "line is not valid UTF-8" },
	{ "{\"x\":\"\\ud800\"}", "lone high surrogate in \\u escape" },
	{ "{\"x\":\"\\udc00\"}", "lone low surrogate in \\u escape" },
	{ "{\"x\":\"\\ud800\\u0041\"}", "lone high surrogate in \\u escape" },
	{ "{\"x\":\"\\u12g4\"}", "invalid \\u escape" },
	{ "{\"x\":\"\\q\"}", "invalid escape in string" },
	{ "{\"x\":\"a\tb\"}", "control character in string" },
	{ "{\"x\":\"abc", "unterminated string" },
	{ "{\"x\":tru}", "invalid JSON value" },
	{ "{\"x\":[1,]}", "invalid JSON value" },
	{ "{\"x\" 1}", "expected : after key" },
	{ "{x:1}", "expected a string key" },
	{ "{\"x\":1 \"y\":2}", "expected , or } in object" },
};

START_TEST(test_good_lines)
{
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof goods / sizeof goods[0]; i++) {
		const struct good	*g = &goods[i];

		ck_assert_msg(proto_parse_line(&p, g->line, strlen(g->line),
		    &r, reason), "line %zu: %s", i, reason);
		ck_assert_int_eq(r.kind, g->kind);
		ck_assert_int_eq(r.batch_id, g->batch_id);
		ck_assert_int_eq(r.has_row, g->has_row);
		if (g->has_row)
			ck_assert_int_eq(r.row_in_batch, g->row);
		if (g->features_json != NULL) {
			ck_assert_str_eq(r.features_json, g->features_json);
			ck_assert_str_eq(r.scores_json, g->scores_json);
			ck_assert_int_eq(r.predicted_class, g->predicted);
			ck_assert_double_eq_tol(r.confidence, g->confidence,
			    1e-15);
		}
		ck_assert_int_eq(r.true_class, g->true_class);
	}
	proto_parser_finish(&p);
}
END_TEST

/* Missing feature values: null and Python's bare tokens. */
static const struct {
	const char	*features;	/* the array as sent */
	const char	*json;		/* as stored */
	size_t		 missing, bare;
} missings[] = {
	{ "[1,null,3]", "[1,null,3]", 1, 0 },
	{ "[ NaN , Infinity ,-Infinity ]", "[null,null,null]", 3, 3 },
	{ "[null]", "[null]", 1, 0 },
	{ "[-0.5,NaN]", "[-0.5,null]", 1, 1 },
	{ "[1e-3,2]", "[1e-3,2]", 0, 0 },
};

START_TEST(test_missing_values)
{
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX], line[256];
	size_t			i, f, k;

	proto_parser_init(&p);
	for (i = 0; i < sizeof missings / sizeof missings[0]; i++) {
		snprintf(line, sizeof line, "{\"batch_id\":1,\"features\":%s,"
		    "\"scores\":[0.5,0.5]}", missings[i].features);
		ck_assert_msg(proto_parse_line(&p, line, strlen(line), &r,
		    reason), "%s: %s", line, reason);
		ck_assert_str_eq(r.features_json, missings[i].json);
		ck_assert_uint_eq(r.n_missing, missings[i].missing);
		ck_assert_uint_eq(r.n_bare_missing, missings[i].bare);
		for (f = 0, k = 0; f < r.n_features; f++)
			k += isnan(r.features[f]) != 0;
		ck_assert_uint_eq(k, missings[i].missing);
	}
	proto_parser_finish(&p);
}
END_TEST

/*
 * Categorical values: the decoded strings, and the canonical JSON stored
 * (cJSON's escapes; \/ and \u escapes of printable text decoded).
 */
static const struct {
	const char	*features;
	const char	*json;
	size_t		 strings;
	const char	*second;	/* strings[1] */
} categories[] = {
	{ "[1,\"us\"]", "[1,\"us\"]", 1, "us" },
	{ "[\"a\",\"b\\\"c\"]", "[\"a\",\"b\\\"c\"]", 2, "b\"c" },
	{ "[null, \"\\u00e9\\/x\"]", "[null,\"\xc3\xa9/x\"]", 1,
	  "\xc3\xa9/x" },
	{ "[\"t\",\"\\u0001\\n\"]", "[\"t\",\"\\u0001\\n\"]", 2, "\x01\n" },
};

START_TEST(test_categorical_values)
{
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX], line[256];
	char			long_line[600];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof categories / sizeof categories[0]; i++) {
		snprintf(line, sizeof line, "{\"batch_id\":1,\"features\":%s,"
		    "\"scores\":[0.5,0.5]}", categories[i].features);
		ck_assert_msg(proto_parse_line(&p, line, strlen(line), &r,
		    reason), "%s: %s", line, reason);
		ck_assert_str_eq(r.features_json, categories[i].json);
		ck_assert_uint_eq(r.n_strings, categories[i].strings);
		ck_assert_str_eq(r.strings[1], categories[i].second);
		ck_assert(isnan(r.features[1]));
		ck_assert_uint_eq(r.n_missing, i == 2 ? 1 : 0);
	}
	/* 256 bytes is the most; 257 is refused. */
	for (i = 256; i <= 257; i++) {
		snprintf(long_line, sizeof long_line, "{\"batch_id\":1,"
		    "\"features\":[\"%0*d\"],\"scores\":[0.5,0.5]}", (int)i,
		    7);
		ck_assert_int_eq(proto_parse_line(&p, long_line,
		    strlen(long_line), &r, reason), i == 256);
	}
	ck_assert_str_eq(reason, "features[0] is a category of 257 bytes, "
	    "more than 256");
	proto_parser_finish(&p);
}
END_TEST

START_TEST(test_bad_lines)
{
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		const struct bad	*b = &bads[i];

		ck_assert_msg(!proto_parse_line(&p, b->line, strlen(b->line),
		    &r, reason), "line %zu accepted: %s", i, b->line);
		ck_assert_msg(strcmp(reason, b->reason) == 0,
		    "line %zu: got \"%s\", want \"%s\"", i, reason, b->reason);
	}
	proto_parser_finish(&p);
}
END_TEST

/* "model" on any kind, on the fast path and the general one. */
START_TEST(test_model)
{
	static const struct {
		const char	*line;
		const char	*model;
	} cases[] = {
		{ "{\"model\":\"fraud-v3\",\"batch_id\":1," P3 "}",
		  "fraud-v3" },
		{ "{\"batch_id\":1,\"model\":\"a.b:c_d\"," P3 "}",
		  "a.b:c_d" },
		{ "{ \"model\" : \"x\" , \"batch_id\":1," P3 "}", "x" },
		{ "{\"model\":\"m\\u0031\",\"batch_id\":1," P3 "}", "m1" },
		{ "{\"model\":\"" M16 M16 M16 M16 M16 M16 M16 M16 "\","
		  "\"batch_id\":1," P3 "}", M16 M16 M16 M16 M16 M16 M16 M16 },
		{ "{\"type\":\"labels\",\"model\":\"m\",\"batch_id\":2,"
		  "\"true_class\":[0,1]}", "m" },
		{ "{\"type\":\"schema\",\"model\":\"m\","
		  "\"feature_names\":[\"a\"]}", "m" },
		{ "{\"type\":\"end_batch\",\"model\":\"m\",\"batch_id\":2}",
		  "m" },
		{ "{\"type\":\"reference\",\"model\":\"m\"," P3 "}", "m" },
		{ "{\"batch_id\":1," P3 "}", NULL },
	};
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(proto_parse_line(&p, cases[i].line,
		    strlen(cases[i].line), &r, reason), "line %zu: %s", i,
		    reason);
		if (cases[i].model == NULL)
			ck_assert_ptr_null(r.model);
		else
			ck_assert_str_eq(r.model, cases[i].model);
	}
	proto_parser_finish(&p);
}
END_TEST

/* Number conversion agrees with strtod on the fast and slow paths. */
START_TEST(test_numbers)
{
	static const char *const toks[] = {
		"0", "-0", "1", "0.1", "0.30000000000000004",
		"123456789012345678", "1234567890123456789012",
		"1e22", "1e23", "1.7976931348623157e308", "4.9e-324",
		"2.2250738585072014e-308", "0.000001", "-12.5E-3",
		"9007199254740993", "0.12345678901234567890123",
		"1e-400", "3.141592653589793",
	};
	struct proto_parser	p;
	struct proto_record	r;
	char			line[256], reason[PROTO_REASON_MAX];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof toks / sizeof toks[0]; i++) {
		snprintf(line, sizeof line, "{\"batch_id\":0,\"features\":[%s],"
		    "\"scores\":[0.5,0.5]}", toks[i]);
		ck_assert_msg(proto_parse_line(&p, line, strlen(line), &r,
		    reason), "%s: %s", toks[i], reason);
		ck_assert_msg(r.features[0] == strtod(toks[i], NULL) &&
		    signbit(r.features[0]) == signbit(strtod(toks[i], NULL)),
		    "%s: %.17g", toks[i], r.features[0]);
	}
	proto_parser_finish(&p);
}
END_TEST

/*
 * ts as a number: the parser's one-pass conversion gives what
 * event_ts_from_number (core/event.c) gives for every form, or both
 * refuse it.
 */
START_TEST(test_ts_numbers_agree)
{
	static const char *const ts[] = {
		"0", "-0", "1796541130", "1796541130.25", "1796541130.150",
		"1796541130.1234569", "1796541130.000001", "1796541130.0000009",
		"1.79654113e9", "179654113025E-2", "0.000001", "0.0000009",
		"0.1", "1e-999999999", "253402300799.999999",
		"253402300799.9999999", "253402300800", "1e999", "1e12",
		"99999999999999999999999", "18446744073709551615",
		"1796541130.99999999999999999999", "-1", "-0.0000001",
		"12.5e-1", "0.00000000000001e20",
	};
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX], line[256], *cause;
	int64_t			us;
	bool			ok;
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		snprintf(line, sizeof line, "{\"id\":1,\"ts\":%s," P3 "}",
		    ts[i]);
		cause = NULL;
		ok = event_ts_from_number(ts[i], strlen(ts[i]), &us, &cause);
		free(cause);
		ck_assert_msg(proto_parse_line(&p, line, strlen(line), &r,
		    reason) == ok, "%s: %s", ts[i], reason);
		if (ok)
			ck_assert_msg(r.ts == us, "%s: %lld, not %lld", ts[i],
			    (long long)r.ts, (long long)us);
	}
	proto_parser_finish(&p);
}
END_TEST

/* id, ts and the label record, and a prediction without batch_id. */
START_TEST(test_ids_and_times)
{
	static const struct {
		const char	*line;
		enum proto_kind	 kind;
		bool		 has_batch;
		enum proto_id	 id_kind;
		const char	*id_text;
		int64_t		 id_int;
		int64_t		 ts;		/* -1: none */
		int		 true_class;
	} t[] = {
		{ "{" P3 "}", PROTO_PREDICTION, false, PROTO_ID_NONE, NULL, 0,
		  -1, -1 },
		{ "{\"id\":\"req-7\",\"ts\":\"2026-12-06T07:12:10.25Z\","
		  P3 "}", PROTO_PREDICTION, false, PROTO_ID_TEXT, "req-7", 0,
		  INT64_C(1796541130250000), -1 },
		{ "{\"batch_id\":2,\"id\":0,\"ts\":1796541130," P3 "}",
		  PROTO_PREDICTION, true, PROTO_ID_INT, NULL, 0,
		  INT64_C(1796541130000000), -1 },
		{ "{\"id\":\"caf\\u00e9\"," P3 "}", PROTO_PREDICTION,
		  false, PROTO_ID_TEXT, "caf\xc3\xa9", 0, -1, -1 },
		{ "{\"id\":\"7\"," P3 "}", PROTO_PREDICTION, false,
		  PROTO_ID_TEXT, "7", 0, -1, -1 },
		{ "{\"id\":9223372036854775807," P3 "}", PROTO_PREDICTION,
		  false, PROTO_ID_INT, NULL, INT64_MAX, -1, -1 },
		{ "{\"type\":\"label\",\"id\":\"req-7\",\"true_class\":2}",
		  PROTO_LABEL, false, PROTO_ID_TEXT, "req-7", 0, -1, 2 },
		{ "{\"true_class\":0,\"id\":42,\"type\":\"label\"}",
		  PROTO_LABEL, false, PROTO_ID_INT, NULL, 42, -1, 0 },
	};
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX], id[130];
	size_t			i;

	proto_parser_init(&p);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		ck_assert_msg(proto_parse_line(&p, t[i].line,
		    strlen(t[i].line), &r, reason), "%zu: %s", i, reason);
		ck_assert_int_eq(r.kind, t[i].kind);
		ck_assert_int_eq(r.has_batch, t[i].has_batch);
		ck_assert_int_eq(r.id_kind, t[i].id_kind);
		if (t[i].id_kind == PROTO_ID_TEXT) {
			ck_assert_uint_eq(r.id_len, strlen(t[i].id_text));
			ck_assert(memcmp(r.id_text, t[i].id_text,
			    r.id_len) == 0);
		} else if (t[i].id_kind == PROTO_ID_INT)
			ck_assert_int_eq(r.id_int, t[i].id_int);
		ck_assert_int_eq(r.has_ts, t[i].ts >= 0);
		if (t[i].ts >= 0)
			ck_assert_int_eq(r.ts, t[i].ts);
		ck_assert_int_eq(r.true_class, t[i].true_class);
	}
	/* 128 bytes are an id, 129 are not. */
	memset(id, 'x', sizeof id);
	for (i = 128; i <= 129; i++) {
		char	line[300];

		snprintf(line, sizeof line, "{\"id\":\"%.*s\"," P3 "}",
		    (int)i, id);
		ck_assert_int_eq(proto_parse_line(&p, line, strlen(line), &r,
		    reason), i == 128);
		if (i == 128)
			ck_assert_uint_eq(r.id_len, 128);
		else
			ck_assert_str_eq(reason, "id is 129 bytes, more than "
			    "128");
	}
	proto_parser_finish(&p);
}
END_TEST

START_TEST(test_labels_and_schema)
{
	static const char labels[] =
	    "{\"type\":\"labels\",\"batch_id\":4,\"true_class\":[2,0,1,1]}";
	static const char schema[] =
	    "{\"type\":\"schema\",\"feature_names\":[\"age\",\"caf\\u00e9\","
	    "\"\\ud83d\\ude00\",\"a\\\"b\"],\"class_names\":[\"no\",\"yes\"]}";
	struct proto_parser	p;
	struct proto_record	r;
	char			reason[PROTO_REASON_MAX];

	proto_parser_init(&p);
	ck_assert(proto_parse_line(&p, labels, strlen(labels), &r, reason));
	ck_assert_int_eq(r.kind, PROTO_LABELS);
	ck_assert_int_eq(r.batch_id, 4);
	ck_assert_uint_eq(r.n_labels, 4);
	ck_assert_int_eq(r.labels[0], 2);
	ck_assert_int_eq(r.labels[3], 1);

	ck_assert_msg(proto_parse_line(&p, schema, strlen(schema), &r,
	    reason), "%s", reason);
	ck_assert_int_eq(r.kind, PROTO_SCHEMA);
	ck_assert_uint_eq(r.n_feature_names, 4);
	ck_assert_str_eq(r.feature_names[0], "age");
	ck_assert_str_eq(r.feature_names[1], "caf\xc3\xa9");
	ck_assert_str_eq(r.feature_names[2], "\xf0\x9f\x98\x80");
	ck_assert_str_eq(r.feature_names[3], "a\"b");
	ck_assert_uint_eq(r.n_class_names, 2);
	ck_assert_str_eq(r.class_names[1], "yes");
	proto_parser_finish(&p);
}
END_TEST

/* Deep nesting is refused, not a stack overflow; any byte is survivable. */
START_TEST(test_hostile)
{
	struct proto_parser	 p;
	struct proto_record	 r;
	char			 reason[PROTO_REASON_MAX];
	char			*line;
	size_t			 n = 100000, i;
	unsigned		 seed = 1;

	proto_parser_init(&p);
	line = malloc(n + 16);
	memcpy(line, "{\"x\":", 5);
	for (i = 5; i < n; i++)
		line[i] = '[';
	ck_assert(!proto_parse_line(&p, line, n, &r, reason));
	ck_assert_str_eq(reason, "nesting deeper than 64 levels");
	for (i = 0; i < 2000; i++) {
		size_t	len = (size_t)(rand_r(&seed) % 200), j;

		for (j = 0; j < len; j++)
			line[j] = "{}[]\",:0123456789.eE-+tfnul\\ \xc3\xa9x"
			    [rand_r(&seed) % 33];
		(void)proto_parse_line(&p, line, len, &r, reason);
	}
	free(line);
	proto_parser_finish(&p);
}
END_TEST

/* A small xorshift for the randomised tests below (fixed seed). */
static uint64_t
test_rand(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

/* Random decimals (any length, signs, exponents) read exactly as strtod. */
START_TEST(test_numbers_random)
{
	struct proto_parser	p;
	struct proto_record	r;
	char			tok[96], line[256], want[100];
	char			reason[PROTO_REASON_MAX];
	uint64_t		st = 42;
	double			d;
	int			i, k, j, nd, fd;

	proto_parser_init(&p);
	for (i = 0; i < 300000; i++) {
		k = 0;
		if (test_rand(&st) % 2)
			tok[k++] = '-';
		nd = 1 + (int)(test_rand(&st) % 20);
		fd = (int)(test_rand(&st) % 26);
		if (test_rand(&st) % 4 == 0)
			tok[k++] = '0';
		else {
			tok[k++] = (char)('1' + test_rand(&st) % 9);
			for (j = 1; j < nd; j++)
				tok[k++] = (char)('0' + test_rand(&st) % 10);
		}
		if (fd > 0) {
			tok[k++] = '.';
			for (j = 0; j < fd; j++)
				tok[k++] = j < (int)(test_rand(&st) % 8) ? '0' :
				    (char)('0' + test_rand(&st) % 10);
		}
		if (test_rand(&st) % 3 == 0)
			k += snprintf(tok + k, sizeof tok - (size_t)k, "e%d",
			    (int)(test_rand(&st) % 80) - 40);
		tok[k] = '\0';
		snprintf(line, sizeof line, "{\"batch_id\":0,\"features\":"
		    "[%s,1],\"scores\":[0.5,0.5]}", tok);
		ck_assert_msg(proto_parse_line(&p, line, strlen(line), &r,
		    reason), "%s: %s", tok, reason);
		d = strtod(tok, NULL);
		ck_assert_msg(memcmp(&r.features[0], &d, sizeof d) == 0,
		    "%s: %a, strtod %a", tok, r.features[0], d);
		snprintf(want, sizeof want, "[%s,1]", tok);
		ck_assert_str_eq(r.features_json, want);
	}
	proto_parser_finish(&p);
}
END_TEST
static Suite *
proto_suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_good_lines);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_missing_values);
	tcase_add_test(tc, test_model);
	tcase_add_test(tc, test_categorical_values);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_labels_and_schema);
	tcase_add_test(tc, test_ids_and_times);
	tcase_add_test(tc, test_ts_numbers_agree);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_numbers_random);
	proto_path_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(proto_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
