/*
 * The NDJSON parser's two paths (proto, proto-test.h): the compact
 * prediction line's fast path and the general parser give the same
 * record, or the same verdict and reason.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "ingest/proto.h"
#include "proto-test.h"

static void
record_eq(const struct proto_record *a, const struct proto_record *b,
    const char *line)
{
	ck_assert_msg(a->kind == b->kind && a->batch_id == b->batch_id &&
	    a->has_row == b->has_row && a->row_in_batch == b->row_in_batch &&
	    a->n_features == b->n_features && a->n_scores == b->n_scores &&
	    a->predicted_class == b->predicted_class &&
	    a->true_class == b->true_class &&
	    memcmp(&a->confidence, &b->confidence, sizeof(double)) == 0,
	    "fields differ: %s", line);
	ck_assert_msg(memcmp(a->features, b->features, a->n_features *
	    sizeof(double)) == 0 && memcmp(a->scores, b->scores,
	    a->n_scores * sizeof(double)) == 0, "values differ: %s", line);
	ck_assert_str_eq(a->features_json, b->features_json);
	ck_assert_str_eq(a->scores_json, b->scores_json);
	ck_assert_msg(a->has_batch == b->has_batch &&
	    a->id_kind == b->id_kind && a->id_len == b->id_len &&
	    a->id_int == b->id_int && a->has_ts == b->has_ts &&
	    a->ts == b->ts, "event fields differ: %s", line);
	if (a->id_kind == PROTO_ID_TEXT)
		ck_assert(memcmp(a->id_text, b->id_text, a->id_len) == 0);
}

/*
 * The compact prediction line takes a fast path; the same record with a
 * space after "{" (or its keys in another order) takes the general
 * parser. Both must give the same record, and the same verdict and
 * reason when the line is refused.
 */
START_TEST(test_fast_path_same)
{
	static const char *const bodies[] = {
		"\"batch_id\":3,\"row_in_batch\":7,\"features\":[1.5,-2,"
		    "3e-4,0.000063],\"scores\":[0.2,0.7,0.1],"
		    "\"predicted_class\":1,\"confidence\":0.7,"
		    "\"true_class\":2",
		"\"batch_id\":0,\"features\":[-0],\"scores\":[1,0]",
		"\"batch_id\":9,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.5],\"true_class\":null",
		"\"batch_id\":9,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.5],\"confidence\":0.25",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.6]",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.5],\"predicted_class\":2",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.5],\"true_class\":5",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[1e999],"
		    "\"scores\":[0.5,0.5]",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[],"
		    "\"scores\":[0.5,0.5]",
		"\"batch_id\":01,\"features\":[1],\"scores\":[0.5,0.5]",
		"\"batch_id\":1,\"row_in_batch\":0,\"features\":[1],"
		    "\"scores\":[0.5,0.5],\"confidence\":1.5",
		"\"batch_id\":99999999999999999999,\"features\":[1],"
		    "\"scores\":[0.5,0.5]",
		/* issue 14: no batch_id, id and ts at the end */
		"\"features\":[1],\"scores\":[0.5,0.5],\"id\":7,"
		    "\"ts\":1796541130.25",
		"\"batch_id\":2,\"features\":[1],\"scores\":[0.5,0.5],"
		    "\"true_class\":1,\"id\":\"4b7c-9a\","
		    "\"ts\":\"2026-12-06T07:12:10.25+01:00\"",
		"\"features\":[1],\"scores\":[0.5,0.5],\"ts\":17e8",
		"\"features\":[1],\"scores\":[0.5,0.5],\"id\":\"caf\\u00e9\"",
		"\"features\":[1],\"scores\":[0.5,0.5],\"id\":\"\"",
		"\"features\":[1],\"scores\":[0.5,0.5],\"id\":1.5",
		"\"features\":[1],\"scores\":[0.5,0.5],\"id\":-1",
		"\"features\":[1],\"scores\":[0.5,0.5],"
		    "\"ts\":\"2026-12-06T07:12:10\"",
		"\"features\":[1],\"scores\":[0.5,0.5],\"ts\":-3",
		"\"row_in_batch\":1,\"features\":[1],\"scores\":[0.5,0.5]",
	};
	struct proto_parser	p, q;
	struct proto_record	a, b;
	char			fast[512], slow[512], ra[PROTO_REASON_MAX];
	char			rb[PROTO_REASON_MAX];
	size_t			i;
	bool			oka, okb;

	proto_parser_init(&p);
	proto_parser_init(&q);
	for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		snprintf(fast, sizeof fast, "{%s}", bodies[i]);
		snprintf(slow, sizeof slow, "{ %s}", bodies[i]);
		oka = proto_parse_line(&p, fast, strlen(fast), &a, ra);
		okb = proto_parse_line(&q, slow, strlen(slow), &b, rb);
		ck_assert_msg(oka == okb, "%s: %d vs %d", fast, oka, okb);
		if (oka)
			record_eq(&a, &b, fast);
		else
			ck_assert_str_eq(ra, rb);
	}
	proto_parser_finish(&p);
	proto_parser_finish(&q);
}
END_TEST

void
proto_path_tests(TCase *tc)
{
	tcase_add_test(tc, test_fast_path_same);
}
