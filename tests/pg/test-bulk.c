/*
 * The store's bulk path on PostgreSQL (src/db/store-bulk.c), through the
 * store API on a throwaway server (tests/pg/with-pg; MLMON_TEST_PG, or
 * the run fails): a fresh batch's rows go by COPY and still answer NEW,
 * REPLAY and CONFLICT as the per-row path does; a discarded transaction
 * drops its COPY'd rows; a row another writer stored in the batch between
 * two transactions makes the batch not fresh, so nothing is taken for new
 * that is not. Each test writes its own model.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
flush(struct store *s)
{
	char *cause = NULL;

	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause != NULL ?
	    cause : "?");
}

START_TEST(discard_drops_copied_rows)
{
	struct store *s = open_model("bulk-discard");
	int64_t r;

	for (r = 0; r < 10; r++)
		ck_assert_int_eq(add(s, 1, r, 0.75), STORE_ADD_NEW);
	store_discard(s);
	ck_assert_int_eq(store_batch_rows(s, 1), 0);
	for (r = 0; r < 10; r++)
		ck_assert_int_eq(add(s, 1, r, 0.75), STORE_ADD_NEW);
	flush(s);
	ck_assert_int_eq(store_batch_rows(s, 1), 10);
	store_close(s);
}
END_TEST

START_TEST(replay_and_conflict_after_copy)
{
	struct store *s = open_model("bulk-replay");
	int64_t r;

	for (r = 0; r < 5; r++)
		ck_assert_int_eq(add(s, 2, r, 0.75), STORE_ADD_NEW);
	/* In the same transaction, the COPY still open. */
	ck_assert_int_eq(add(s, 2, 4, 0.75), STORE_ADD_REPLAY);
	ck_assert_int_eq(add(s, 2, 3, 0.5), STORE_ADD_CONFLICT);
	flush(s);
	/* In the next one: the batch is still only ours. */
	ck_assert_int_eq(add(s, 2, 2, 0.75), STORE_ADD_REPLAY);
	ck_assert_int_eq(add(s, 2, 5, 0.75), STORE_ADD_NEW);
	ck_assert_int_eq(add(s, 2, 1, 0.5), STORE_ADD_CONFLICT);
	ck_assert_int_eq(add(s, 2, 6, 0.75), STORE_ADD_NEW);
	flush(s);
	ck_assert_int_eq(store_batch_rows(s, 2), 7);
	store_close(s);
}
END_TEST

START_TEST(out_of_order_rows)
{
	struct store *s = open_model("bulk-order");

	ck_assert_int_eq(add(s, 3, 5, 0.75), STORE_ADD_NEW);
	ck_assert_int_eq(add(s, 3, 3, 0.75), STORE_ADD_NEW);
	ck_assert_int_eq(add(s, 3, 3, 0.75), STORE_ADD_REPLAY);
	ck_assert_int_eq(add(s, 3, 6, 0.75), STORE_ADD_NEW);
	ck_assert_int_eq(add(s, 3, 5, 0.75), STORE_ADD_REPLAY);
	flush(s);
	ck_assert_int_eq(store_batch_rows(s, 3), 3);
	store_close(s);
}
END_TEST

START_TEST(another_writer_in_the_batch)
{
	struct store *a = open_model("bulk-shared");
	struct store *b = open_model("bulk-shared");
	int64_t r;

	for (r = 0; r < 3; r++)
		ck_assert_int_eq(add(a, 4, r, 0.75), STORE_ADD_NEW);
	flush(a);
	/* b stores rows above a's largest between a's transactions. */
	ck_assert_int_eq(add(b, 4, 10, 0.25), STORE_ADD_NEW);
	ck_assert_int_eq(add(b, 4, 11, 0.25), STORE_ADD_NEW);
	flush(b);
	/* Not fresh for a any more: each answer comes from the server. */
	ck_assert_int_eq(add(a, 4, 10, 0.25), STORE_ADD_REPLAY);
	ck_assert_int_eq(add(a, 4, 11, 0.75), STORE_ADD_CONFLICT);
	ck_assert_int_eq(add(a, 4, 12, 0.75), STORE_ADD_NEW);
	flush(a);
	ck_assert_int_eq(store_batch_rows(a, 4), 6);
	store_close(a);
	store_close(b);
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
	tcase_add_test(tc, discard_drops_copied_rows);
	tcase_add_test(tc, replay_and_conflict_after_copy);
	tcase_add_test(tc, out_of_order_rows);
	tcase_add_test(tc, another_writer_in_the_batch);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
