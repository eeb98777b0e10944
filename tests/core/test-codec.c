/*
 * codec: hand-written hex floats must equal glibc's "%a" (C locale) for
 * every finite double, parse back bit-exactly, and reject anything else.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/rng.h"
#include "core/strbuf.h"

static const struct {
	double		 v;
	const char	*text;
} known[] = {
	{ 0.0, "0x0p+0" },
	{ -0.0, "-0x0p+0" },
	{ 1.0, "0x1p+0" },
	{ 0.1, "0x1.999999999999ap-4" },
	{ -2.5, "-0x1.4p+1" },
	{ DBL_MAX, "0x1.fffffffffffffp+1023" },
	{ DBL_MIN, "0x1p-1022" },
	{ 4.9406564584124654e-324, "0x0.0000000000001p-1022" },
	{ INFINITY, "inf" },
	{ -INFINITY, "-inf" },
};

static const char *bad[] = {
	"", "-", "nan", "0x", "0x2p+0", "0x1.p+0", "0x1", "0x1p", "0x1p+",
	"0x1.00000000000000p+0",	/* 14 digits */ "0x1p+01",
	"0x1p+1024", "0x1p-1023", "0x0.8p-1021", "0x1p+00000", "1.5", "in",
	"+0x1p+0", " 0x1p+0",
};

START_TEST(known_values)
{
	char buf[CODEC_DOUBLE_MAX];
	const char *s;
	double v;
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		codec_format_double(known[i].v, buf);
		ck_assert_str_eq(buf, known[i].text);
		s = buf;
		ck_assert(codec_parse_double(&s, &v));
		ck_assert(*s == '\0');
		ck_assert(memcmp(&v, &known[i].v, sizeof v) == 0);
	}
}
END_TEST

START_TEST(random_bits_match_glibc)
{
	char mine[CODEC_DOUBLE_MAX], libc[64];
	struct rng r;
	uint64_t bits;
	const char *s;
	double v, back;
	int i;

	rng_seed(&r, 1);
	for (i = 0; i < 50000; i++) {
		bits = rng_next(&r);
		if (i % 4 == 0)	/* many subnormals and small exponents */
			bits &= 0x800fffffffffffffULL;
		memcpy(&v, &bits, sizeof v);
		if (isnan(v))
			continue;
		codec_format_double(v, mine);
		if (isfinite(v)) {
			snprintf(libc, sizeof libc, "%a", v);
			ck_assert_str_eq(mine, libc);
		}
		s = mine;
		ck_assert(codec_parse_double(&s, &back));
		ck_assert(*s == '\0');
		ck_assert(memcmp(&v, &back, sizeof v) == 0);
	}
}
END_TEST

START_TEST(rejects)
{
	const char *s;
	double v = 42.0;
	uint64_t u = 7;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = bad[i];
		/* Either refused, or stopped before unparsed text. */
		if (codec_parse_double(&s, &v))
			ck_assert_msg(*s != '\0', "accepted \"%s\"", bad[i]);
		else
			ck_assert(s == bad[i] && v == 42.0);
	}
	s = "18446744073709551615";
	ck_assert(codec_parse_u64(&s, &u) && u == UINT64_MAX && *s == '\0');
	s = "18446744073709551616";
	ck_assert(!codec_parse_u64(&s, &u) && u == UINT64_MAX);
	s = "-1";
	ck_assert(!codec_parse_u64(&s, &u));
	s = "abc";
	ck_assert(!codec_expect(&s, "abd") && codec_expect(&s, "ab"));
	ck_assert_str_eq(s, "c");
}
END_TEST

/* Doubles appended to the one growing buffer (core/strbuf.h). */
START_TEST(buffer_grows)
{
	struct strbuf b = STRBUF_INIT;
	char *s;
	int i;

	for (i = 0; i < 1000; i++) {
		strbuf_addf(&b, "%s%d ", i ? " " : "", i);
		codec_put_double(&b, i / 7.0);
	}
	s = strbuf_take(&b);
	ck_assert_ptr_null(b.s);
	ck_assert(strncmp(s, "0 0x0p+0 1 0x1.2492492492492p-3", 31) == 0);
	free(s);
}
END_TEST

static Suite *
codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, known_values);
	tcase_add_test(tc, random_bits_match_glibc);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, buffer_grows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(codec_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
