/*
 * The parser's numbers against strtod, by the million: the compact line's
 * fast path (scan_decimal's -?I.F shape, its integer indices) and the
 * general parser (the same line with a space after "{") must give
 * strtod's double bit for bit, the token as sent in the JSON text, and,
 * when the line is refused, the same reason. Tokens are drawn around the
 * fast shape's edges: 0 to 9 digits each side of the point, leading
 * zeros, signs, exponents, a point with nothing after it, and numbers
 * close enough to the line's end that the eight-byte reads must not be
 * used.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/proto.h"

#define NUM_LINES	400000	/* random lines, six numbers each */
#define NUM_TOK		40	/* bytes of one token, with NUL */

/* A small xorshift (fixed seed: every run draws the same lines). */
static uint64_t
num_rand(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static char
num_digit(uint64_t *st)
{
	return (char)('0' + num_rand(st) % 10);
}

/*
 * A token near the fast shape: a sign or not, ni integer digits (the
 * first not zero unless zero_lead), a point and nf fraction digits when
 * point, then sometimes an exponent.
 */
static void
num_token(uint64_t *st, char *tok, int ni, int nf, int point,
    int zero_lead, int expo)
{
	int k = 0, j;

	if (num_rand(st) % 2)
		tok[k++] = '-';
	for (j = 0; j < ni; j++)
		tok[k++] = j == 0 && !zero_lead ?
		    (char)('1' + num_rand(st) % 9) : num_digit(st);
	if (zero_lead && ni > 0)
		tok[k - ni] = '0';
	if (point) {
		tok[k++] = '.';
		for (j = 0; j < nf; j++)
			tok[k++] = num_digit(st);
	}
	if (expo)
		k += snprintf(tok + k, (size_t)(NUM_TOK - k), "%c%d",
		    num_rand(st) % 2 ? 'e' : 'E',
		    (int)(num_rand(st) % 40) - 20);
	tok[k] = '\0';
}

/* A random token: mostly the fast shape, often just outside it. */
static void
num_random_token(uint64_t *st, char *tok)
{
	uint64_t r = num_rand(st) % 16;
	int ni, nf;

	if (r < 10) {		/* the fast shape: 1..7 . 1..7 */
		ni = 1 + (int)(num_rand(st) % 7);
		nf = 1 + (int)(num_rand(st) % 7);
		num_token(st, tok, ni, nf, 1, ni == 1 && num_rand(st) % 2, 0);
	} else if (r < 13) {	/* 8 or 9 digits a side */
		ni = 1 + (int)(num_rand(st) % 9);
		nf = 7 + (int)(num_rand(st) % 3);
		if (num_rand(st) % 2) {
			int t = ni;

			ni = nf;
			nf = t;
		}
		num_token(st, tok, ni, nf, 1, 0, 0);
	} else if (r < 15) {	/* an exponent after the shape */
		num_token(st, tok, 1 + (int)(num_rand(st) % 3),
		    1 + (int)(num_rand(st) % 7), 1, num_rand(st) % 2, 1);
	} else			/* an integer, or an integer exponent */
		num_token(st, tok, 1 + (int)(num_rand(st) % 9), 0, 0, 0,
		    (int)(num_rand(st) % 2));
}

static void
num_record_eq(const struct proto_record *a, const struct proto_record *b,
    const char *line)
{
	ck_assert_msg(a->n_features == b->n_features &&
	    memcmp(a->features, b->features, a->n_features *
	    sizeof(double)) == 0 && memcmp(a->scores, b->scores,
	    a->n_scores * sizeof(double)) == 0 &&
	    memcmp(&a->confidence, &b->confidence, sizeof(double)) == 0 &&
	    a->batch_id == b->batch_id && a->row_in_batch == b->row_in_batch &&
	    a->predicted_class == b->predicted_class &&
	    a->true_class == b->true_class, "records differ: %s", line);
	ck_assert_str_eq(a->features_json, b->features_json);
	ck_assert_str_eq(a->scores_json, b->scores_json);
}

/*
 * Parse a copy of line in a block of its exact length (no NUL): under
 * AddressSanitizer a read past the line's end is an error.
 */
static bool
num_parse(struct proto_parser *p, const char *line, struct proto_record *r,
    char *reason)
{
	size_t n = strlen(line);
	char *copy = malloc(n);
	bool ok;

	ck_assert(copy != NULL);
	memcpy(copy, line, n);
	ok = proto_parse_line(p, copy, n, r, reason);
	free(copy);
	return ok;
}

/*
 * Parse {body} as the compact line (p: the fast path) and as "{ body}"
 * (q: the general parser); both must accept it, giving the same record,
 * or refuse it for the same reason. True when accepted.
 */
static bool
num_both(struct proto_parser *p, struct proto_parser *q, const char *body,
    struct proto_record *a)
{
	char fast[512], slow[512], ra[PROTO_REASON_MAX], rb[PROTO_REASON_MAX];
	struct proto_record b;
	bool oka, okb;

	snprintf(fast, sizeof fast, "{%s}", body);
	snprintf(slow, sizeof slow, "{ %s}", body);
	oka = num_parse(p, fast, a, ra);
	okb = num_parse(q, slow, &b, rb);
	ck_assert_msg(oka == okb, "%s: %d (%s) vs %d (%s)", fast, oka, ra,
	    okb, rb);
	if (!oka)
		ck_assert_str_eq(ra, rb);
	else
		num_record_eq(a, &b, fast);
	return oka;
}

/* body both ways; when it parses, features[i] must be strtod's. */
static void
num_check_line(struct proto_parser *p, struct proto_parser *q,
    const char *body, char tok[][NUM_TOK], size_t ntok)
{
	struct proto_record a;
	double d;
	size_t i;

	if (!num_both(p, q, body, &a))
		return;
	for (i = 0; i < ntok && i < a.n_features; i++) {
		d = strtod(tok[i], NULL);
		ck_assert_msg(memcmp(&a.features[i], &d, sizeof d) == 0,
		    "%s in {%s}: %a, strtod %a", tok[i], body, a.features[i],
		    d);
	}
}

/*
 * tok as the line's last value, the confidence: the eight-byte reads
 * must not run past the line's end (a copy of exact length, num_parse).
 */
static void
num_check_last(struct proto_parser *p, struct proto_parser *q,
    const char *tok)
{
	struct proto_record a;
	char body[256];
	double d;

	snprintf(body, sizeof body, "\"features\":[1],\"scores\":[0.5,0.5],"
	    "\"confidence\":%s", tok);
	if (!num_both(p, q, body, &a))
		return;
	d = strtod(tok, NULL);
	ck_assert_msg(memcmp(&a.confidence, &d, sizeof d) == 0,
	    "%s: %a, strtod %a", body, a.confidence, d);
}

/*
 * Every shape up to 9 digits a side (with and without a leading zero, a
 * point with no digits, an exponent), as the first, a middle and the
 * last feature, with the rest of the line long or short.
 */
START_TEST(test_shapes_all)
{
	static const char *const tails[] = {
		",\"scores\":[0.25,0.75],\"predicted_class\":1,"
		    "\"confidence\":0.75,\"true_class\":0",
		",\"scores\":[0.5,0.5]",
	};
	struct proto_parser p, q;
	char tok[1][NUM_TOK], last[NUM_TOK], body[400];
	uint64_t st = 7;
	int ni, nf, zl, ex, pos, t, rep;

	proto_parser_init(&p);
	proto_parser_init(&q);
	for (ni = 0; ni <= 9; ni++)
	for (nf = 0; nf <= 9; nf++)
	for (zl = 0; zl <= 1; zl++)
	for (ex = 0; ex <= 1; ex++)
	for (pos = 0; pos < 3; pos++)
	for (t = 0; t < 2; t++)
	for (rep = 0; rep < 20; rep++) {
		if (pos == 0 && t == 0) {
			/* any token, then one in [0, 1] of this shape */
			num_token(&st, last, ni, nf, 1, zl, ex);
			num_check_last(&p, &q, last);
			num_token(&st, last, ni, nf, 1, 1, ex);
			num_check_last(&p, &q, last + (last[0] == '-'));
		}
		num_token(&st, tok[0], ni, nf, 1, zl, ex);
		snprintf(body, sizeof body, "\"batch_id\":%d,\"row_in_batch\""
		    ":%d,\"features\":[%s%s%s]%s", rep, ni * 10 + nf,
		    pos == 0 ? "" : "1.5,", tok[0], pos == 2 ? "" : ",-2.25",
		    tails[t]);
		/* features[0] is the token only when it comes first */
		num_check_line(&p, &q, body, tok, pos == 0 ? 1 : 0);
		if (pos == 1) {
			char two[2][NUM_TOK];

			snprintf(two[0], NUM_TOK, "1.5");
			snprintf(two[1], NUM_TOK, "%s", tok[0]);
			num_check_line(&p, &q, body, two, 2);
		}
	}
	proto_parser_finish(&p);
	proto_parser_finish(&q);
}
END_TEST

/*
 * NUM_LINES random compact lines of five features, two scores summing to
 * one and a confidence, each number drawn near the fast shape.
 */
START_TEST(test_numbers_million)
{
	struct proto_parser p, q;
	char tok[5][NUM_TOK], body[512];
	uint64_t st = 20261207;
	unsigned k;
	int i, j;

	proto_parser_init(&p);
	proto_parser_init(&q);
	for (i = 0; i < NUM_LINES; i++) {
		for (j = 0; j < 5; j++)
			num_random_token(&st, tok[j]);
		k = (unsigned)(num_rand(&st) % 1000001);
		snprintf(body, sizeof body, "\"batch_id\":%d,\"row_in_batch\""
		    ":%d,\"features\":[%s,%s,%s,%s,%s],\"scores\":[%u.%06u,"
		    "%u.%06u],\"predicted_class\":%d,\"confidence\":%u.%06u,"
		    "\"true_class\":%d", i / 200, i % 200, tok[0], tok[1],
		    tok[2], tok[3], tok[4], k / 1000000, k % 1000000,
		    (1000000 - k) / 1000000, (1000000 - k) % 1000000,
		    k < 500000, k / 1000000, k % 1000000, i % 2);
		num_check_line(&p, &q, body, tok, 5);
	}
	proto_parser_finish(&p);
	proto_parser_finish(&q);
}
END_TEST

/*
 * Integer indices (batch_id, row_in_batch, classes) of every length up to
 * 20 digits, leading zeros, followed by a point or an exponent, near the
 * line's end (the fast index reads without a check per digit only with
 * 20 bytes left).
 */
START_TEST(test_indices)
{
	struct proto_parser p, q;
	char idx[32], body[256], tok[1][NUM_TOK] = { "1" };
	uint64_t st = 99;
	int n, j, rep, form;

	proto_parser_init(&p);
	proto_parser_init(&q);
	for (n = 1; n <= 20; n++)
	for (form = 0; form < 4; form++)
	for (rep = 0; rep < 50; rep++) {
		for (j = 0; j < n; j++)
			idx[j] = j == 0 && form != 1 ?
			    (char)('1' + num_rand(&st) % 9) : num_digit(&st);
		idx[n] = '\0';
		if (form == 2)
			snprintf(idx + n, sizeof idx - (size_t)n, ".5");
		if (form == 3)
			snprintf(idx + n, sizeof idx - (size_t)n, "e1");
		snprintf(body, sizeof body, "\"batch_id\":%s,\"features\":[1],"
		    "\"scores\":[0.5,0.5]", idx);
		num_check_line(&p, &q, body, tok, 1);
		snprintf(body, sizeof body, "\"batch_id\":1,\"row_in_batch\""
		    ":%s,\"features\":[1],\"scores\":[0.5,0.5]", idx);
		num_check_line(&p, &q, body, tok, 1);
		snprintf(body, sizeof body, "\"features\":[1],\"scores\":"
		    "[0.5,0.5],\"true_class\":%s", idx);
		num_check_line(&p, &q, body, tok, 1);
	}
	proto_parser_finish(&p);
	proto_parser_finish(&q);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("proto-numbers");
	TCase *tc = tcase_create("strtod");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_shapes_all);
	tcase_add_test(tc, test_numbers_million);
	tcase_add_test(tc, test_indices);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
