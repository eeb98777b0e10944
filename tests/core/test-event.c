/*
 * event: RFC 3339 and Unix-seconds event times, the id rules. Expected
 * microseconds come from Python's datetime (exact for these inputs):
 * datetime.fromisoformat(...).timestamp() * 10**6 with integer math.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

static const struct {
	const char	*in;
	int64_t		 us;
} ts_good[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:00.000001Z", 1 },
	{ "2026-12-06T07:12:10Z", INT64_C(1796541130000000) },
	{ "2026-12-06t07:12:10z", INT64_C(1796541130000000) },
	{ "2026-12-06 07:12:10Z", INT64_C(1796541130000000) },
	{ "2026-12-06T09:12:10+02:00", INT64_C(1796541130000000) },
	{ "2026-12-06T02:42:10-04:30", INT64_C(1796541130000000) },
	{ "2026-12-06T07:12:10.25Z", INT64_C(1796541130250000) },
	/* Digits past the microsecond are cut towards the past. */
	{ "2026-12-06T07:12:10.1234569Z", INT64_C(1796541130123456) },
	{ "2000-02-29T12:00:00Z", INT64_C(951825600000000) },
	{ "2016-12-31T23:59:60Z", INT64_C(1483228799999999) },
	{ "2017-01-01T00:59:60+01:00", INT64_C(1483228799999999) },
	{ "9999-12-31T23:59:59.999999Z", EVENT_TS_MAX },
	{ "1970-01-01T01:00:00+01:00", 0 },
};

static const struct {
	const char	*in;
	const char	*cause;
} ts_bad[] = {
	{ "2026-12-06T07:12:10", "ts has no time zone (end it with Z or "
	    "+HH:MM)" },
	{ "2026-12-06T25:00:00Z", "ts hour 25 is out of range" },
	{ "99999-01-01T00:00:00Z", "ts year must be 4 digits "
	    "(YYYY-MM-DDTHH:MM:SSZ)" },
	{ "226-01-01T00:00:00Z", "ts year must be 4 digits "
	    "(YYYY-MM-DDTHH:MM:SSZ)" },
	{ "2026-13-01T00:00:00Z", "ts month 13 is out of range" },
	{ "2026-00-01T00:00:00Z", "ts month 00 is out of range" },
	{ "2026-02-29T00:00:00Z", "ts day 29 is out of range for 2026-02" },
	{ "1900-02-29T00:00:00Z", "ts day 29 is out of range for 1900-02" },
	{ "2026-04-31T00:00:00Z", "ts day 31 is out of range for 2026-04" },
	{ "2026-12-06T07:60:00Z", "ts minute 60 is out of range" },
	{ "2026-12-06T07:12:61Z", "ts second 61 is out of range" },
	{ "2026-12-06T07:12:60Z", "ts second 60 is only valid at 23:59:60 "
	    "UTC" },
	{ "2026-12-06T07:12Z", "ts second must be 2 digits after :" },
	{ "2026-12-06T7:12:10Z", "ts hour must be 2 digits" },
	{ "2026-12-06X07:12:10Z", "ts needs T between date and time" },
	{ "2026-12-06T07:12:10.Z", "ts fraction needs a digit after ." },
	{ "2026-12-06T07:12:10+24:00", "ts zone offset +24:00 is out of "
	    "range" },
	{ "2026-12-06T07:12:10-02:60", "ts zone offset -02:60 is out of "
	    "range" },
	{ "2026-12-06T07:12:10+0200", "ts time zone must be Z or +HH:MM" },
	{ "2026-12-06T07:12:10 UTC", "ts time zone must be Z or +HH:MM" },
	{ "2026-12-06T07:12:10Zjunk", "ts has characters after the time "
	    "zone" },
	{ "1969-12-31T23:59:59Z", "ts is before 1970-01-01T00:00:00Z" },
	{ "1970-01-01T00:30:00+01:00", "ts is before 1970-01-01T00:00:00Z" },
	{ "9999-12-31T23:59:59-00:01", "ts is after 9999-12-31T23:59:59Z" },
	{ "", "ts year must be 4 digits (YYYY-MM-DDTHH:MM:SSZ)" },
	{ "2026-12-06", "ts needs T between date and time" },
};

START_TEST(ts_text_good)
{
	int64_t	us = -7;
	char	*cause = NULL;

	ck_assert_msg(event_ts_from_text(ts_good[_i].in,
	    strlen(ts_good[_i].in), &us, &cause), "%s: %s", ts_good[_i].in,
	    cause);
	ck_assert_int_eq(us, ts_good[_i].us);
}
END_TEST

START_TEST(ts_text_bad)
{
	int64_t	us = -7;
	char	*cause = NULL;

	ck_assert_msg(!event_ts_from_text(ts_bad[_i].in,
	    strlen(ts_bad[_i].in), &us, &cause), "%s accepted",
	    ts_bad[_i].in);
	ck_assert_int_eq(us, -7);
	ck_assert_str_eq(cause, ts_bad[_i].cause);
	free(cause);
}
END_TEST

static const struct {
	const char	*in;
	int64_t		 us;		/* -1: rejected */
	const char	*cause;
} ts_num[] = {
	{ "0", 0, NULL },
	{ "-0", 0, NULL },
	{ "1796541130", INT64_C(1796541130000000), NULL },
	{ "1796541130.25", INT64_C(1796541130250000), NULL },
	{ "1796541130.1234569", INT64_C(1796541130123456), NULL },
	{ "1.79654113e9", INT64_C(1796541130000000), NULL },
	{ "179654113025E-2", INT64_C(1796541130250000), NULL },
	{ "0.000001", 1, NULL },
	{ "0.0000009", 0, NULL },
	{ "1e-999999999", 0, NULL },
	{ "253402300799.999999", EVENT_TS_MAX, NULL },
	{ "253402300800", -1, "ts is after 9999-12-31T23:59:59Z" },
	{ "1e999", -1, "ts is after 9999-12-31T23:59:59Z" },
	{ "99999999999999999999999", -1, "ts is after 9999-12-31T23:59:59Z" },
	{ "-1", -1, "ts is before 1970-01-01T00:00:00Z" },
	{ "-0.0000001", -1, "ts is before 1970-01-01T00:00:00Z" },
	/* Negative before too large, however far below 0. */
	{ "-1e999", -1, "ts is before 1970-01-01T00:00:00Z" },
	{ "-99999999999999999999999", -1,
	    "ts is before 1970-01-01T00:00:00Z" },
	{ "01", -1, "ts is not a valid number" },
	{ "1.", -1, "ts is not a valid number" },
	{ "1e", -1, "ts is not a valid number" },
	{ "", -1, "ts is not a valid number" },
};

START_TEST(ts_number)
{
	int64_t	us = -7;
	char	*cause = NULL;
	bool	ok;

	ok = event_ts_from_number(ts_num[_i].in, strlen(ts_num[_i].in), &us,
	    &cause);
	if (ts_num[_i].us >= 0) {
		ck_assert_msg(ok, "%s: %s", ts_num[_i].in, cause);
		ck_assert_int_eq(us, ts_num[_i].us);
	} else {
		ck_assert_msg(!ok, "%s accepted", ts_num[_i].in);
		ck_assert_int_eq(us, -7);
		ck_assert_str_eq(cause, ts_num[_i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(ts_minute)
{
	static const struct {
		int64_t		 us;
		const char	*out;
	} t[] = {
		{ 0, "1970-01-01 00:00" },
		{ INT64_C(1796541130000000), "2026-12-06 07:12" },
		{ INT64_C(951825600000000), "2000-02-29 12:00" },
		{ EVENT_TS_MAX, "9999-12-31 23:59" },
	};
	char	out[17];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		event_ts_minute(t[i].us, out);
		ck_assert_str_eq(out, t[i].out);
	}
}
END_TEST

START_TEST(ts_round_trip)
{
	/* Every minute format parses back to its own minute. */
	char	out[17], text[32], *cause = NULL;
	int64_t	us, back;

	for (us = 0; us < EVENT_TS_MAX; us += INT64_C(7777777777777)) {
		event_ts_minute(us, out);
		snprintf(text, sizeof text, "%.10sT%s:00Z", out, out + 11);
		ck_assert_msg(event_ts_from_text(text, strlen(text), &back,
		    &cause), "%s: %s", text, cause);
		ck_assert_int_eq(back, us - us % (60 * EVENT_US));
	}
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	const char	*cause;		/* NULL: accepted */
} id_text[] = {
	{ "a", 1, NULL },
	{ "req-7f3a", 8, NULL },
	{ "", 0, "id is empty" },
	{ "a\0b", 3, "id contains U+0000" },
};

START_TEST(id_text_rules)
{
	char	*cause = NULL;
	bool	 ok;

	ok = event_id_check_text(id_text[_i].in, id_text[_i].len, &cause);
	if (id_text[_i].cause == NULL) {
		ck_assert_msg(ok, "%s: %s", id_text[_i].in, cause);
	} else {
		ck_assert(!ok);
		ck_assert_str_eq(cause, id_text[_i].cause);
		free(cause);
	}
}
END_TEST

START_TEST(id_text_length)
{
	char	buf[130], *cause = NULL;

	memset(buf, 'x', sizeof buf);
	ck_assert(event_id_check_text(buf, 128, &cause));
	ck_assert(!event_id_check_text(buf, 129, &cause));
	ck_assert_str_eq(cause, "id is 129 bytes, more than 128");
	free(cause);
}
END_TEST

static const struct {
	const char	*in;
	int64_t		 id;		/* -1: rejected */
	const char	*cause;
} id_num[] = {
	{ "0", 0, NULL },
	{ "42", 42, NULL },
	{ "9223372036854775807", INT64_MAX, NULL },
	{ "9223372036854775808", -1, "id is larger than "
	    "9223372036854775807" },
	{ "18446744073709551616", -1, "id is larger than "
	    "9223372036854775807" },
	{ "1.5", -1, "id is not an integer (a number id must be written as "
	    "one)" },
	{ "1.0", -1, "id is not an integer (a number id must be written as "
	    "one)" },
	{ "1e3", -1, "id is not an integer (a number id must be written as "
	    "one)" },
	{ "-1", -1, "id is negative" },
	{ "-99999999999999999999", -1, "id is negative" },
	{ "-1.5", -1, "id is not an integer (a number id must be written as "
	    "one)" },
	{ "0x1", -1, "id is not a valid number" },
};

START_TEST(id_number)
{
	int64_t	id = -7;
	char	*cause = NULL;
	bool	ok;

	ok = event_id_from_number(id_num[_i].in, strlen(id_num[_i].in), &id,
	    &cause);
	if (id_num[_i].id >= 0) {
		ck_assert_msg(ok, "%s: %s", id_num[_i].in, cause);
		ck_assert_int_eq(id, id_num[_i].id);
	} else {
		ck_assert_msg(!ok, "%s accepted", id_num[_i].in);
		ck_assert_int_eq(id, -7);
		ck_assert_str_eq(cause, id_num[_i].cause);
		free(cause);
	}
}
END_TEST

#define N(a)	((int)(sizeof (a) / sizeof (a)[0]))

int
main(void)
{
	Suite	*s = suite_create("event");
	TCase	*tc = tcase_create("event");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, ts_text_good, 0, N(ts_good));
	tcase_add_loop_test(tc, ts_text_bad, 0, N(ts_bad));
	tcase_add_loop_test(tc, ts_number, 0, N(ts_num));
	tcase_add_test(tc, ts_minute);
	tcase_add_test(tc, ts_round_trip);
	tcase_add_loop_test(tc, id_text_rules, 0, N(id_text));
	tcase_add_test(tc, id_text_length);
	tcase_add_loop_test(tc, id_number, 0, N(id_num));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
