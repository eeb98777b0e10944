/*
 * db-target.c and driver-sql.c, no server needed: which --db arguments
 * are PostgreSQL targets, that every password is masked in what may be
 * shown (and scrubbed from messages that echo it), and the translation of
 * ? placeholders into $n outside strings, quoted names and comments.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-internal.h"

static const struct kind_case {
	const char		*arg;
	enum db_target_kind	 kind;
} kind_cases[] = {
	{ "monitoring.db", DB_TARGET_SQLITE },
	{ "/var/lib/mlmon/m.db", DB_TARGET_SQLITE },
	{ "", DB_TARGET_SQLITE },
	{ "file:m.db", DB_TARGET_SQLITE },
	{ "run=3.db", DB_TARGET_SQLITE },	/* not a libpq keyword */
	{ "./host=x", DB_TARGET_SQLITE },	/* a file named host=x */
	{ "host", DB_TARGET_SQLITE },
	{ "POSTGRESQL://h/db", DB_TARGET_SQLITE },	/* libpq: lower case */
	{ "postgres:/h/db", DB_TARGET_SQLITE },
	{ "postgresql://u@h:5432/mlmon?sslmode=require", DB_TARGET_PG_URI },
	{ "postgres:///mlmon?host=/run/postgresql", DB_TARGET_PG_URI },
	{ "postgresql://", DB_TARGET_PG_URI },
	{ "host=/tmp dbname=mlmon", DB_TARGET_PG_CONNINFO },
	{ "  dbname = mlmon", DB_TARGET_PG_CONNINFO },
	{ "service=prod", DB_TARGET_PG_CONNINFO },
	{ "sslmode=disable host=h", DB_TARGET_PG_CONNINFO },
};

START_TEST(test_kind)
{
	size_t i;

	for (i = 0; i < sizeof kind_cases / sizeof *kind_cases; i++) {
		ck_assert_msg(db_target_kind(kind_cases[i].arg) ==
		    kind_cases[i].kind, "%s: kind %d, want %d",
		    kind_cases[i].arg, db_target_kind(kind_cases[i].arg),
		    kind_cases[i].kind);
		ck_assert_int_eq(db_target_is_pg(kind_cases[i].arg),
		    kind_cases[i].kind != DB_TARGET_SQLITE);
	}
}
END_TEST

/* An argument, what may be shown of it, and a password it holds. */
static const struct redact_case {
	const char	*arg;
	const char	*shown;
	const char	*secret;	/* must not be in shown; NULL: none */
} redact_cases[] = {
	{ "m.db", "m.db", NULL },
	{ "pass:word@x.db", "pass:word@x.db", NULL },	/* a file */
	{ "postgresql://u@h/db", "postgresql://u@h/db", NULL },
	{ "postgresql://u:secret@h/db", "postgresql://u:***@h/db",
	    "secret" },
	{ "postgres://u:p%40ss@h:5432/db?sslmode=require",
	    "postgres://u:***@h:5432/db?sslmode=require", "p%40ss" },
	{ "postgresql://u:a?b/c@h/db", "postgresql://u:***@h/db", "a?b" },
	{ "postgresql://u:@h/db", "postgresql://u:***@h/db", NULL },
	{ "postgresql:///db?user=u&password=s3cr&sslmode=disable",
	    "postgresql:///db?user=u&password=***&sslmode=disable", "s3cr" },
	{ "postgresql://h/db?password=xyzzy", "postgresql://h/db?password=***",
	    "xyzzy" },
	{ "postgresql://u:one1@h/db?password=two2",
	    "postgresql://u:***@h/db?password=***", "two2" },
	{ "postgresql://h/?dbname=host%3Dh%20password%3Dhid",
	    "postgresql://h/?dbname=***", "hid" },
	{ "postgresql://h/?dbname=mlmon", "postgresql://h/?dbname=mlmon",
	    NULL },
	{ "host=h password=secret dbname=m", "host=h password=*** dbname=m",
	    "secret" },
	{ "host=h password='se cr\\'et' dbname=m",
	    "host=h password=*** dbname=m", "cr\\'et" },
	{ "password = pw9 host=h", "password = *** host=h", "pw9" },
	{ "dbname='host=h password=inner'", "dbname=***", "inner" },
	{ "dbname=postgresql://u:uri1@h/db", "dbname=***", "uri1" },
	{ "host=h dbname=m", "host=h dbname=m", NULL },
	{ "host=h garbage password=gg", "host=h ***", "gg" },
	{ "postgresql://h/db?x=a@b&password=zz",
	    "postgresql://h/db?x=a@b&password=***", "zz" },
	{ "postgresql://u:a?password=b@h/db", "postgresql://u:***",
	    "a?password=b" },
	{ "postgresql://h/?password=1&password=2&password=3&password=4"
	    "&password=5&password=6&password=7&password=8&password=9"
	    "&sslmode=x", "postgresql://h/?password=***&password=***"
	    "&password=***&password=***&password=***&password=***"
	    "&password=***&password=***&password=***", "9&sslmode" },
};

START_TEST(test_redact)
{
	const struct redact_case *c;
	char *shown;
	size_t i;

	for (i = 0; i < sizeof redact_cases / sizeof *redact_cases; i++) {
		c = &redact_cases[i];
		shown = db_target_redact(c->arg);
		ck_assert_msg(strcmp(shown, c->shown) == 0, "%s: shown as %s,"
		    " want %s", c->arg, shown, c->shown);
		if (c->secret != NULL)
			ck_assert_msg(strstr(shown, c->secret) == NULL,
			    "%s: %s shows its password", c->arg, shown);
		free(shown);
	}
}
END_TEST

/* A message built from an argument and the same message scrubbed. */
static const struct scrub_case {
	const char	*arg;
	const char	*msg;
	const char	*want;
} scrub_cases[] = {
	{ "postgresql://u:p%40ss@h/db", "bad p@ss and p%40ss.",
	    "bad *** and ***." },
	{ "host=h password='a\\'b'", "x a'b y", "x *** y" },
	{ "host=h password=pw", "pwpw", "******" },
	{ "host=h dbname=m", "nothing to hide: m", "nothing to hide: m" },
	{ "m.db", "m.db: locked", "m.db: locked" },
	{ "postgresql://h/db?password=q1&x=1", "q1 q2", "*** q2" },
};

START_TEST(test_scrub)
{
	char *out;
	size_t i;

	for (i = 0; i < sizeof scrub_cases / sizeof *scrub_cases; i++) {
		out = db_target_scrub(scrub_cases[i].arg, scrub_cases[i].msg);
		ck_assert_msg(strcmp(out, scrub_cases[i].want) == 0,
		    "%s: %s scrubbed to %s, want %s", scrub_cases[i].arg,
		    scrub_cases[i].msg, out, scrub_cases[i].want);
		free(out);
	}
}
END_TEST

/*
 * The passwords libpq itself finds in arg (PQconninfoParse, and inside a
 * dbname that nests a target) are absent from what may be shown of it and
 * scrubbed from a message that quotes them. Returns 1 if libpq parsed arg
 * and found a password, 0 if not.
 */
static int
hidden_from_libpq(const char *top, const char *arg)
{
	PQconninfoOption *opts, *o;
	char *err = NULL, *shown, *msg, *scrubbed;
	int found = 0;

	opts = PQconninfoParse(arg, &err);
	if (opts == NULL) {
		PQfreemem(err);
		return 0;
	}
	shown = db_target_redact(top);
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "dbname") == 0 &&
		    db_target_is_pg(o->val)) {
			found |= hidden_from_libpq(top, o->val);
			continue;
		}
		if (strcmp(o->keyword, "password") != 0)
			continue;
		found = 1;
		ck_assert_msg(strstr(shown, o->val) == NULL,
		    "%s: shown as %s, with its password %s", top, shown,
		    o->val);
		msg = xasprintf("auth failed for [%s]", o->val);
		scrubbed = db_target_scrub(top, msg);
		ck_assert_msg(strstr(scrubbed, o->val) == NULL,
		    "%s: %s scrubbed to %s", top, msg, scrubbed);
		free(scrubbed);
		free(msg);
	}
	free(shown);
	PQconninfoFree(opts);
	return found;
}

/* Passwords with every character that means something to a parser. */
static const char *const passwords[] = {
	"Zq1", "Zq@2", "Zq:3", "Zq/4", "Zq?5", "Zq&6", "Zq=7", "Zq%408",
	"Zq 9", "Zq'10", "Zq\\11", "Zq#12", "@Zq13", ":Zq14", "Zq15@",
	"Zq%2F16", "Zq\"17",
};

/* Where a password goes: URI forms (%s: as written) and conninfo forms. */
static const char *const forms[] = {
	"postgresql://u:%s@h/db",
	"postgres://u:%s@h:5432/db?sslmode=disable",
	"postgresql:///db?password=%s",
	"postgresql://u@h/db?host=/tmp&password=%s&application_name=x",
	"postgresql://u:%s@h/db?password=%s",
	"host=h password=%s dbname=d",
	"password=%s",
	"host=h password='%s' dbname=d",
	"dbname='host=h password=%s' user=u",
	"dbname=postgresql://u:%s@h/db",
};

START_TEST(test_redact_against_libpq)
{
	char *arg;
	size_t f, p;
	int checked = 0;

	for (f = 0; f < sizeof forms / sizeof *forms; f++) {
		for (p = 0; p < sizeof passwords / sizeof *passwords; p++) {
			arg = xasprintf(forms[f], passwords[p], passwords[p]);
			checked += hidden_from_libpq(arg, arg);
			free(arg);
		}
	}
	/* Most combinations parse; a vacuous run must not pass. */
	ck_assert_msg(checked >= 100, "only %d checked", checked);
}
END_TEST

/* SQLite's SQL, PostgreSQL's (NULL: refused) and the parameter count. */
static const struct sql_case {
	const char	*sqlite;
	const char	*pg;
	int		 n;
} sql_cases[] = {
	{ "SELECT 1", "SELECT 1", 0 },
	{ "SELECT ?", "SELECT $1", 1 },
	{ "VALUES (?1, ?2, ?1)", "VALUES ($1, $2, $1)", 2 },
	{ "? ? ?5 ?", "$1 $2 $5 $6", 6 },
	{ "?2 ?", "$2 $3", 3 },
	{ "?10,?9", "$10,$9", 10 },
	{ "SELECT '?', \"a?\", ? -- ?\n/* ? */ ?",
	    "SELECT '?', \"a?\", $1 -- ?\n/* ? */ $2", 2 },
	{ "SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1 },
	{ "SELECT \"x\"\"?\" FROM t WHERE a = ?",
	    "SELECT \"x\"\"?\" FROM t WHERE a = $1", 1 },
	{ "SELECT x::int, ? -- no newline ?", "SELECT x::int, $1 -- no "
	    "newline ?", 1 },
	{ "SELECT '/* ?', ?", "SELECT '/* ?', $1", 1 },
	{ "SELECT ? /* unterminated ?", "SELECT $1 /* unterminated ?", 1 },
	{ "SELECT 'unterminated ?", "SELECT 'unterminated ?", 0 },
	{ "SELECT :name", "SELECT $1", 1 },
	{ "SELECT @p, $v, :name, @p", "SELECT $1, $2, $3, $1", 3 },
	{ "a = ?1 AND m = :model AND b = ?1 OR n = :model",
	    "a = $1 AND m = $2 AND b = $1 OR n = $2", 2 },
	/* SQLite's rule: a name after ?1 takes 2, so does a later ?2. */
	{ "?1 :model ?2", "$1 $2 $2", 2 },
	{ "?3 :x ?", "$3 $4 $5", 5 },
	{ "SELECT ':not' -- :not\n, :yes", "SELECT ':not' -- :not\n, $1",
	    1 },
	{ "SELECT ?0", NULL, 0 },
	{ "SELECT ?65536", NULL, 0 },
};

START_TEST(test_sql_to_pg)
{
	const struct sql_case *c;
	char *out, *cause = NULL, **names;
	size_t i;
	int n;

	for (i = 0; i < sizeof sql_cases / sizeof *sql_cases; i++) {
		c = &sql_cases[i];
		n = -1;
		names = NULL;
		out = db_sql_to_pg(c->sqlite, &n, &names, &cause);
		if (c->pg == NULL) {
			ck_assert_msg(out == NULL, "%s: accepted as %s",
			    c->sqlite, out);
			ck_assert_ptr_nonnull(cause);
			free(cause);
			cause = NULL;
			continue;
		}
		ck_assert_msg(out != NULL, "%s: refused: %s", c->sqlite,
		    cause);
		ck_assert_msg(strcmp(out, c->pg) == 0, "%s: gave %s, want %s",
		    c->sqlite, out, c->pg);
		ck_assert_int_eq(n, c->n);
		db_sql_names_free(names, n);
		free(out);
	}
}
END_TEST

/* The names kept for db_bind_parameter_index, by number. */
START_TEST(test_sql_names)
{
	char *out, *cause = NULL, **names = NULL;
	int n;

	out = db_sql_to_pg("?2 = :model OR @x = :model OR ?", &n, &names,
	    &cause);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(n, 5);
	ck_assert_ptr_nonnull(names);
	ck_assert_ptr_null(names[0]);
	ck_assert_ptr_null(names[1]);
	ck_assert_str_eq(names[2], ":model");
	ck_assert_str_eq(names[3], "@x");
	ck_assert_ptr_null(names[4]);
	db_sql_names_free(names, n);
	free(out);
	out = db_sql_to_pg("?1, ?2", &n, &names, &cause);
	ck_assert_ptr_null(names);
	free(out);
}
END_TEST

static Suite *
target_suite(void)
{
	Suite *s = suite_create("db-target");
	TCase *tc = tcase_create("target");

	tcase_add_test(tc, test_kind);
	tcase_add_test(tc, test_redact);
	tcase_add_test(tc, test_scrub);
	tcase_add_test(tc, test_redact_against_libpq);
	tcase_add_test(tc, test_sql_to_pg);
	tcase_add_test(tc, test_sql_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(target_suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
