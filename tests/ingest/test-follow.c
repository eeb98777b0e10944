/*
 * follow: the --follow reader on real files in a temporary directory,
 * with real rename, truncate and copy. Each test drives the reader with
 * its own clock (now, ms) so the rotation grace is exact, and collects
 * what it hands out as "text|" strings (COMPLETE), "!cut:text|" (CUT) and
 * "!long|" (TOO_LONG).
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/follow.h"

static char	dir[256];
static char	path[300];
static char	rot[300];

static void
setup(void)
{
	const char	*t = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/follow-XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/app.log", dir);
	snprintf(rot, sizeof rot, "%s/app.log.1", dir);
}

static void
teardown(void)
{
	unlink(path);
	unlink(rot);
	rmdir(dir);
}

/* Append s to name with one write (O_APPEND, like a service's logger). */
static void
append(const char *name, const char *s)
{
	int	fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static struct follow *
start(const struct follow_pos *resume, int64_t grace, char **note)
{
	struct follow_opts	 o = { .path = path, .line_max = 64,
				   .grace_ms = grace };
	struct follow		*f;
	char			*cause = NULL;

	*note = NULL;
	f = follow_create(&o, resume, 0, note, &cause);
	ck_assert_msg(f != NULL, "%s", cause);
	return f;
}

/* Everything the reader hands out at now, until it says WAIT. */
static void
drain(struct follow *f, int64_t now, char *out, size_t size)
{
	struct follow_line	 l;
	enum follow_status	 st;
	char			*cause = NULL;
	size_t			 n = 0;

	out[0] = '\0';
	while ((st = follow_next(f, now, &l, &cause)) == FOLLOW_LINE) {
		if (l.kind == FOLLOW_COMPLETE)
			n += (size_t)snprintf(out + n, size - n, "%.*s|",
			    (int)l.len, l.text);
		else if (l.kind == FOLLOW_CUT)
			n += (size_t)snprintf(out + n, size - n, "!cut:%.*s|",
			    (int)l.len, l.text);
		else
			n += (size_t)snprintf(out + n, size - n, "!long|");
		ck_assert_uint_lt(n, size);
	}
	ck_assert_msg(st == FOLLOW_WAIT, "%s", cause);
}

/* The lines the reader hands out at now are want ("a|b|", drain's form). */
static void
expect(struct follow *f, int64_t now, const char *want)
{
	char	got[256];

	drain(f, now, got, sizeof got);
	ck_assert_str_eq(got, want);
}

START_TEST(appends_and_partial_lines)
{
	struct follow	*f;
	char		 *note;

	f = start(NULL, 0, &note);
	expect(f, 0, "");		/* no file yet */
	append(path, "a\nb");
	expect(f, 0, "a|");
	append(path, "c");			/* a writer mid-line */
	expect(f, 0, "");
	append(path, "\n\nd\n");
	expect(f, 0, "bc||d|");
	follow_destroy(f);
}
END_TEST

START_TEST(rotation_by_rename)
{
	struct follow	*f;
	char		 *note;

	f = start(NULL, 1000, &note);
	append(path, "1\n2\n");
	expect(f, 0, "1|2|");
	ck_assert_int_eq(rename(path, rot), 0);
	append(rot, "3\n");		/* opened before the rename */
	expect(f, 10, "3|");
	append(path, "4\n");		/* the new file */
	expect(f, 20, "");	/* the old one is not quiet yet */
	append(rot, "5\n");
	expect(f, 500, "5|");
	ck_assert_int_eq(follow_wait_ms(f, 600), 900);
	expect(f, 1499, "");
	expect(f, 1500, "4|");
	append(rot, "lost\n");		/* after the grace: not read */
	append(path, "6\n");
	expect(f, 1600, "6|");
	follow_destroy(f);
}
END_TEST

START_TEST(rotation_cuts_a_partial_line)
{
	struct follow	*f;
	char		 *note;

	f = start(NULL, 0, &note);
	append(path, "1\nhalf");
	expect(f, 0, "1|");
	ck_assert_int_eq(rename(path, rot), 0);
	append(path, "2\n");
	expect(f, 0, "!cut:half|2|");
	follow_destroy(f);
}
END_TEST

START_TEST(copytruncate_reads_the_copy)
{
	struct follow	*f;
	char		 *note;

	f = start(NULL, 0, &note);
	append(path, "1\n2\n");
	expect(f, 0, "1|2|");
	append(path, "3\nfour");		/* not read before the copy */
	/* logrotate copytruncate: copy, then truncate in place. */
	append(rot, "1\n2\n3\nfour");
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "5\n");
	expect(f, 0, "3|!cut:four|5|");
	follow_destroy(f);
}
END_TEST

START_TEST(truncation_without_copy)
{
	struct follow	*f;
	char		 got[256], *note;

	f = start(NULL, 0, &note);
	append(path, "first line\n");
	drain(f, 0, got, sizeof got);
	ck_assert_int_eq(truncate(path, 0), 0);
	expect(f, 0, "");
	append(path, "x\n");
	expect(f, 0, "x|");
	/* Truncated and grown past the offset before we look again. */
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "a much longer second life\n");
	expect(f, 0, "a much longer second life|");
	follow_destroy(f);
}
END_TEST

START_TEST(too_long_lines)
{
	struct follow		*f;
	struct follow_pos	 before, after;
	struct follow_line	 l;
	char			 got[256], big[200], *note, *cause = NULL;

	f = start(NULL, 0, &note);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	append(path, "ok\n");
	drain(f, 0, got, sizeof got);
	follow_position(f, &before);
	append(path, big);
	ck_assert_int_eq(follow_next(f, 0, &l, &cause), FOLLOW_LINE);
	ck_assert_int_eq(l.kind, FOLLOW_TOO_LONG);
	ck_assert_int_eq(l.lineno, 2);
	ck_assert_uint_eq(l.len, 64);
	/* Until its newline, the position stays before the long line. */
	ck_assert_int_eq(follow_next(f, 0, &l, &cause), FOLLOW_WAIT);
	follow_position(f, &after);
	ck_assert_int_eq(after.offset, before.offset);
	ck_assert_int_eq(after.line, 1);
	append(path, "yyy\nnext\n");
	expect(f, 0, "next|");
	follow_position(f, &after);
	ck_assert_int_eq(after.offset, 3 + 199 + 4 + 5);
	ck_assert_int_eq(after.line, 3);
	follow_destroy(f);
}
END_TEST

/* Read n lines, keep the position, stop (as a kill -9 after a commit). */
static void
read_and_stop(int64_t grace, struct follow_pos *pos, const char *want)
{
	struct follow	*f;
	char		 *note;

	f = start(NULL, grace, &note);
	expect(f, 0, want);
	follow_position(f, pos);
	follow_destroy(f);
}

START_TEST(resume_in_place)
{
	struct follow_pos	 pos;
	struct follow		*f;
	struct follow_line	 l;
	char			 got[256], *note, *cause = NULL;

	append(path, "1\n2\n");
	read_and_stop(0, &pos, "1|2|");
	ck_assert_int_eq(pos.offset, 4);
	ck_assert_int_eq(pos.line, 2);
	append(path, "3\n");
	f = start(&pos, 0, &note);
	ck_assert_ptr_null(note);
	ck_assert_int_eq(follow_next(f, 0, &l, &cause), FOLLOW_LINE);
	ck_assert_int_eq(l.lineno, 3);
	ck_assert_int_eq(l.len, 1);
	drain(f, 0, got, sizeof got);
	follow_destroy(f);
}
END_TEST

START_TEST(resume_after_rename)
{
	struct follow_pos	 pos;
	struct follow		*f;
	char			 *note;

	append(path, "1\n2\n");
	read_and_stop(0, &pos, "1|2|");
	append(path, "3\n");
	ck_assert_int_eq(rename(path, rot), 0);
	append(path, "4\n");
	f = start(&pos, 0, &note);
	ck_assert_ptr_null(note);
	expect(f, 0, "3|4|");
	follow_destroy(f);
}
END_TEST

START_TEST(resume_after_copytruncate)
{
	struct follow_pos	 pos;
	struct follow		*f;
	char			 *note;

	append(path, "1\n2\n");
	read_and_stop(0, &pos, "1|2|");
	append(path, "3\n");
	append(rot, "1\n2\n3\n");
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "4\n");
	f = start(&pos, 0, &note);
	ck_assert_ptr_null(note);
	expect(f, 0, "3|4|");
	follow_destroy(f);
}
END_TEST

START_TEST(rename_then_copytruncate)
{
	/* PATH is rotated by rename, then the new PATH is copied and
	 * truncated before the reader finished the renamed file: the copy
	 * is read before PATH starts again. */
	struct follow_pos	 pos;
	struct follow		*f;
	char			 *note, copy[320];
	struct follow_opts	 o = { .path = path, .line_max = 64,
				   .grace_ms = 1000 };
	char			*cause = NULL;

	o.rotated = copy;
	snprintf(copy, sizeof copy, "%s/app.log.*", dir);
	append(path, "1\n");
	read_and_stop(0, &pos, "1|");
	append(path, "2\n");
	ck_assert_int_eq(rename(path, rot), 0);
	usleep(20000);
	append(path, "3\n4\n");
	snprintf(copy, sizeof copy, "%s/app.log.2", dir);
	append(copy, "3\n4\n");
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "5\n");
	snprintf(copy, sizeof copy, "%s/app.log.*", dir);
	note = NULL;
	f = follow_create(&o, &pos, 0, &note, &cause);
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(note);
	expect(f, 0, "2|");	/* app.log.1 was written just now */
	expect(f, 2000, "3|4|");	/* the copy: quiet for 1 s too */
	expect(f, 4000, "5|");
	follow_destroy(f);
	snprintf(copy, sizeof copy, "%s/app.log.2", dir);
	unlink(copy);
}
END_TEST

START_TEST(resume_truncated_grown_back)
{
	struct follow_pos	 pos;
	struct follow		*f;
	char			 *note;

	append(path, "1\n2\n");
	read_and_stop(0, &pos, "1|2|");
	/* Same inode, more bytes than the offset, other content. */
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "new 1\nnew 2\n");
	f = start(&pos, 0, &note);
	ck_assert_ptr_nonnull(note);
	ck_assert_ptr_nonnull(strstr(note, "reading it from its start"));
	free(note);
	expect(f, 0, "new 1|new 2|");
	follow_destroy(f);
}
END_TEST

START_TEST(errors_and_waits)
{
	struct follow_opts	 o = { .line_max = 64 };
	char			 missing[400], *note = NULL, *cause = NULL;

	snprintf(missing, sizeof missing, "%s/no-such-dir/app.log", dir);
	o.path = missing;
	ck_assert_ptr_null(follow_create(&o, NULL, 0, &note, &cause));
	ck_assert_ptr_nonnull(strstr(cause, "No such file or directory"));
	free(cause);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("follow");
	TCase	*tc = tcase_create("follow");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, appends_and_partial_lines);
	tcase_add_test(tc, rotation_by_rename);
	tcase_add_test(tc, rotation_cuts_a_partial_line);
	tcase_add_test(tc, copytruncate_reads_the_copy);
	tcase_add_test(tc, truncation_without_copy);
	tcase_add_test(tc, too_long_lines);
	tcase_add_test(tc, resume_in_place);
	tcase_add_test(tc, resume_after_rename);
	tcase_add_test(tc, resume_after_copytruncate);
	tcase_add_test(tc, rename_then_copytruncate);
	tcase_add_test(tc, resume_truncated_grown_back);
	tcase_add_test(tc, errors_and_waits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
