/*
 * The store's bulk path on PostgreSQL (src/db/store-bulk.c), through the
 * store API on a throwaway server (tests/pg/with-pg; MLMON_TEST_PG, or
 * the run fails): a fresh batch's rows go by COPY and still answer NEW,
 * REPLAY and CONFLICT as the per-row path does; a discarded transaction
 * drops its COPY'd rows; a row another writer stored in the batch between
 * two transactions makes the batch not fresh, so nothing is taken for new
 * that is not. One table of cases, each a list of steps on two writers
 * of its own model. And the COPY's count (bulk_count): rows the server
 * skips (a trigger) fail the flush, which rolls the transaction back.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/driver.h"
#include "db/store.h"

static const char *target;

static struct store *
open_model(const char *model)
{
	struct store *s;
	char *cause = NULL;

	s = store_open(target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause != NULL ? cause : "?");
	ck_assert_int_eq(store_model_set(s, model, &cause), 0);
	return s;
}

/* Row r of batch b; conf is its confidence (its content). */
static enum store_add_result
add(struct store *s, int64_t b, int64_t r, double conf)
{
	struct store_prediction p;
	enum store_add_result rc;
	char *cause = NULL;

	memset(&p, 0, sizeof p);
	p.batch_id = b;
	p.row_in_batch = r;
	p.features_json = "[1.5,-2]";
	p.scores_json = "[0.25,0.75]";
	p.predicted_class = 1;
	p.confidence = conf;
	p.true_class = -1;
	p.logged_at = 1796541000.0 + (double)r;
	p.line = r + 1;
	rc = store_prediction_add(s, &p, &cause);
	ck_assert_msg(rc != STORE_ADD_ERROR, "%s", cause != NULL ? cause :
	    "?");
	free(cause);
	return rc;
}

/* What a step does, on writer a or b of the case's model. */
enum step_op {
	ADD,		/* rows row..row+n-1 (n 0: one) answer want */
	FLUSH,		/* commit */
	DISCARD,	/* drop the open transaction */
	ROWS,		/* the batch holds want rows */
	END
};

struct step {
	char		 w;		/* 'a' or 'b' */
	enum step_op	 op;
	int64_t		 row;
	int		 n;
	double		 conf;		/* the rows' content */
	int		 want;		/* an enum store_add_result, or rows */
};

#define A_ADD(r, n, c, want)	{ 'a', ADD, r, n, c, want }
#define B_ADD(r, n, c, want)	{ 'b', ADD, r, n, c, want }
#define A_FLUSH			{ 'a', FLUSH, 0, 0, 0, 0 }
#define B_FLUSH			{ 'b', FLUSH, 0, 0, 0, 0 }
#define A_ROWS(want)		{ 'a', ROWS, 0, 0, 0, want }

static const struct bulk_case {
	const char	*name;		/* also the model's */
	int64_t		 batch;
	struct step	 steps[12];
} cases[] = {
	/* A discard drops the rows COPY'd in its transaction. */
	{ "bulk-discard", 1, {
	    A_ADD(0, 10, 0.75, STORE_ADD_NEW), { 'a', DISCARD, 0, 0, 0, 0 },
	    A_ROWS(0), A_ADD(0, 10, 0.75, STORE_ADD_NEW), A_FLUSH,
	    A_ROWS(10), { 0, END, 0, 0, 0, 0 } } },
	/*
	 * Replay and conflict in the same transaction, the COPY still open;
	 * in the next one the batch is still only ours.
	 */
	{ "bulk-replay", 2, {
	    A_ADD(0, 5, 0.75, STORE_ADD_NEW), A_ADD(4, 0, 0.75,
	    STORE_ADD_REPLAY), A_ADD(3, 0, 0.5, STORE_ADD_CONFLICT), A_FLUSH,
	    A_ADD(2, 0, 0.75, STORE_ADD_REPLAY), A_ADD(5, 0, 0.75,
	    STORE_ADD_NEW), A_ADD(1, 0, 0.5, STORE_ADD_CONFLICT), A_ADD(6, 0,
	    0.75, STORE_ADD_NEW), A_FLUSH, A_ROWS(7), { 0, END, 0, 0, 0, 0 }
	    } },
	/* Rows out of order, and again. */
	{ "bulk-order", 3, {
	    A_ADD(5, 0, 0.75, STORE_ADD_NEW), A_ADD(3, 0, 0.75, STORE_ADD_NEW),
	    A_ADD(3, 0, 0.75, STORE_ADD_REPLAY), A_ADD(6, 0, 0.75,
	    STORE_ADD_NEW), A_ADD(5, 0, 0.75, STORE_ADD_REPLAY), A_FLUSH,
	    A_ROWS(3), { 0, END, 0, 0, 0, 0 } } },
	/*
	 * b stores rows above a's largest between a's transactions: the
	 * batch is not fresh for a any more, each answer comes from the
	 * server.
	 */
	{ "bulk-shared", 4, {
	    A_ADD(0, 3, 0.75, STORE_ADD_NEW), A_FLUSH,
	    B_ADD(10, 2, 0.25, STORE_ADD_NEW), B_FLUSH,
	    A_ADD(10, 0, 0.25, STORE_ADD_REPLAY), A_ADD(11, 0, 0.75,
	    STORE_ADD_CONFLICT), A_ADD(12, 0, 0.75, STORE_ADD_NEW), A_FLUSH,
	    A_ROWS(6), { 0, END, 0, 0, 0, 0 } } },
};

/* Step i of case c, on writer s. */
static void
step_run(const struct bulk_case *c, size_t i, struct store *s)
{
	const struct step *st = &c->steps[i];
	char *cause = NULL;
	int64_t r;

	switch (st->op) {
	case ADD:
		for (r = st->row; r < st->row + (st->n > 0 ? st->n : 1); r++)
			ck_assert_msg((int)add(s, c->batch, r, st->conf) ==
			    st->want, "%s step %zu: row %lld", c->name, i,
			    (long long)r);
		break;
	case FLUSH:
		ck_assert_msg(store_flush(s, &cause) == 0, "%s step %zu: %s",
		    c->name, i, cause != NULL ? cause : "?");
		break;
	case DISCARD:
		store_discard(s);
		break;
	case ROWS:
		ck_assert_msg(store_batch_rows(s, c->batch) == st->want,
		    "%s step %zu: %lld rows", c->name, i,
		    (long long)store_batch_rows(s, c->batch));
		break;
	case END:
		break;
	}
}

START_TEST(bulk_case)
{
	const struct bulk_case *c = &cases[_i];
	struct store *a = open_model(c->name), *b = open_model(c->name);
	size_t i;

	for (i = 0; c->steps[i].op != END; i++)
		step_run(c, i, c->steps[i].w == 'a' ? a : b);
	store_close(a);
	store_close(b);
}
END_TEST

/*
 * A trigger skips one row of a batch that goes by COPY: the flush fails,
 * naming the server's count against the rows sent, and rolls back: none
 * of the batch's rows is stored (without the check the flush commits 9
 * of the 10 rows, no error). The same rows again without the trigger
 * are all stored.
 */
START_TEST(bulk_count)
{
	struct store *s = open_model("bulk-count");
	struct db_conn *c;
	char *cause = NULL;
	int64_t r;

	c = db_open(target, DB_OPEN_READ_WRITE, &cause);
	ck_assert_msg(c != NULL, "%s", cause != NULL ? cause : "?");
	ck_assert_msg(db_exec(c, "CREATE FUNCTION skip_row_7()"
	    " RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	    " IF NEW.batch_id = 5 AND NEW.row_in_batch = 7 THEN"
	    " RETURN NULL; END IF; RETURN NEW; END $$") == 0, "%s",
	    db_errmsg(c));
	ck_assert_int_eq(db_exec(c, "CREATE TRIGGER predictions_skip"
	    " BEFORE INSERT ON predictions FOR EACH ROW"
	    " EXECUTE FUNCTION skip_row_7()"), 0);
	for (r = 0; r < 10; r++)
		ck_assert_int_eq(add(s, 5, r, 0.5), STORE_ADD_NEW);
	ck_assert_int_eq(store_flush(s, &cause), -1);
	ck_assert_msg(strstr(cause, "the server's COPY stored 9 of the 10 "
	    "rows sent") != NULL && strstr(cause, "rolled back") != NULL,
	    "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(store_batch_rows(s, 5), 0);
	ck_assert_int_eq(db_exec(c, "DROP TRIGGER predictions_skip"
	    " ON predictions"), 0);
	for (r = 0; r < 10; r++)
		ck_assert_int_eq(add(s, 5, r, 0.5), STORE_ADD_NEW);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_batch_rows(s, 5), 10);
	db_close(c);
	store_close(s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("pg-bulk");
	TCase *tc = tcase_create("bulk");
	SRunner *sr;
	int failed;

	if ((target = getenv("MLMON_TEST_PG")) == NULL) {
		fprintf(stderr, "test-bulk: MLMON_TEST_PG is not set: run under "
		    "tests/pg/with-pg\n");
		return 1;
	}
	tcase_add_loop_test(tc, bulk_case, 0, sizeof cases / sizeof cases[0]);
	tcase_add_test(tc, bulk_count);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
