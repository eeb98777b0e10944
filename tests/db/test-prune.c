/*
 * Retention (src/db/store-prune.c), on both backends: which batches lose
 * their rows (judged, labels final, newest row before the cutoff by event
 * time, else log time), whole and at least max_rows per call; a pruned
 * batch's rows sent again are replays; a label for a pruned row is held
 * and expires with the TTL; reports and alerts by age, keeping pending
 * pages and open conditions'; the remembered head of the run forgotten
 * with a transaction rolled back (store_discard, or an error).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "fixture.h"

/* One row of a batch for add_rows: its label, id, event and log time. */
struct row {
	int	 label;		/* -1 none */
	int64_t	 id;		/* event id; 0 none */
	double	 ts;		/* event time, Unix s; 0 none */
	double	 logged;	/* log time, Unix s; 0 now */
};

/*
 * Add rows first..first + n - 1 like r (ids r->id + row, event times
 * r->ts + row us) to batch, in the open write transaction (begun if
 * none); each must be want (new, late).
 */
static void
add_want(struct store *s, int64_t batch, int first, int n,
    const struct row *r, enum store_add_result want)
{
	struct store_prediction p;
	struct store_event_id id;
	char *cause = NULL;
	int i;

	for (i = first; i < first + n; i++) {
		memset(&p, 0, sizeof p);
		memset(&id, 0, sizeof id);
		p.batch_id = batch;
		p.row_in_batch = i;
		p.features_json = "[0.5, 1, 2]";
		p.scores_json = "[0.25,0.5,0.25]";
		p.predicted_class = i % 3;
		p.confidence = 0.5;
		p.true_class = r->label >= 0 ? (r->label + i) % 3 : -1;
		p.logged_at = r->logged;
		if (r->id > 0) {
			id.num = r->id + i;
			p.event_id = &id;
		}
		p.has_event_ts = r->ts > 0;
		p.event_ts = (int64_t)(r->ts * 1e6) + i;
		ck_assert_msg(store_prediction_add(s, &p, &cause) == want,
		    "add: %s", cause);
	}
}

/* add_want of new rows. */
static void
add_open(struct store *s, int64_t batch, int first, int n,
    const struct row *r)
{
	add_want(s, batch, first, n, r, STORE_ADD_NEW);
}

/* Add n rows like r (ids r->id, r->id + 1, ...) to batch, then flush. */
static void
add_rows(struct store *s, int64_t batch, int n, const struct row *r)
{
	char *cause = NULL;

	add_open(s, batch, 0, n, r);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
}

/* Row row of closed batch, like r: late; then flush. */
static void
add_late(struct store *s, int64_t batch, int row, const struct row *r)
{
	char *cause = NULL;

	add_want(s, batch, row, 1, r, STORE_ADD_LATE);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
}

/* Close batches first..last (judged), then flush. */
static void
close_batches(struct store *s, int64_t first, int64_t last)
{
	char *cause = NULL;
	int64_t b;

	for (b = first; b <= last; b++)
		ck_assert_msg(store_batch_close(s, b, &cause) == 0, "%s",
		    cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
}

/* store_prune_rows in the open transaction; its rows and batches. */
static void
prune_open(struct store *s, double cutoff, double final_before, size_t max,
    size_t want_rows, size_t want_batches)
{
	size_t rows, batches;
	char *cause = NULL;

	ck_assert_msg(store_prune_rows(s, cutoff, final_before, max, &rows,
	    &batches, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(rows, want_rows);
	ck_assert_uint_eq(batches, want_batches);
}

/* store_prune_rows, committed; its rows and batches. */
static void
prune(struct store *s, double cutoff, double final_before, size_t max,
    size_t want_rows, size_t want_batches)
{
	char *cause = NULL;

	prune_open(s, cutoff, final_before, max, want_rows, want_batches);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
}

/*
 * Without event times: only a judged, fully labelled batch whose rows
 * were logged before the cutoff loses its rows, whole, with pruned_at;
 * at least max_rows rows go per call; its rows sent again are replays.
 */
START_TEST(test_prune_rows)
{
	const struct row lab = { 0, 0, 0, 0 }, none = { -1, 0, 0, 0 };
	struct store_prediction p;
	struct store *s = open_rw();
	char *cause = NULL;
	int64_t b;

	add_rows(s, 1, 30, &lab);	/* judged, labelled: due */
	add_rows(s, 2, 30, &lab);	/* judged, labelled: due */
	add_rows(s, 3, 30, &none);	/* judged, unlabelled: kept */
	add_rows(s, 4, 30, &lab);	/* open: kept */
	close_batches(s, 1, 3);
	/* A cutoff before they were logged: nothing due. */
	prune(s, 1e9, 0, 10, 0, 0);
	/* 10 rows asked: batch 1 goes whole (30 rows), batch 2 stays. */
	prune(s, 4e9, 0, 10, 30, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE"
	    " batch_id = 1"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE"
	    " batch_id = 2"), 30);
	prune(s, 4e9, 0, 1000, 30, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches WHERE"
	    " pruned_at IS NOT NULL"), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 60);
	/* The ledger keeps its counts. */
	ck_assert_int_eq(q_int("SELECT n_rows + n_labelled FROM batches"
	    " WHERE batch_id = 1"), 60);
	/* Sent again: replays, nothing stored, nothing late. */
	for (b = 1; b <= 2; b++) {
		memset(&p, 0, sizeof p);
		p.batch_id = b;
		p.row_in_batch = 29;
		p.features_json = "[0.5, 1, 2]";
		p.scores_json = "[0.25,0.5,0.25]";
		p.true_class = 2;
		ck_assert_int_eq(store_prediction_add(s, &p, &cause),
		    STORE_ADD_REPLAY);
	}
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 60);
	ck_assert_int_eq(q_int("SELECT count(*) FROM meta WHERE"
	    " key = 'late_rows'"), 0);
	store_close(s);
}
END_TEST

/*
 * A row's time is its event time where it has one, else its log time;
 * a batch's is its newest row's. Batches are taken in closing order and
 * the first not due stops the run until it is due.
 */
START_TEST(test_prune_event_time)
{
	struct store *s = open_rw();
	double now = clock_wall();
	/* Events a day old, logged now. */
	const struct row old_ev = { 0, 0, now - 86400, 0 };
	/* Events now, logged (said to be) a day ago. */
	const struct row new_ev = { 0, 0, now, now - 86400 };
	/* No event time, logged a day ago. */
	const struct row old_log = { 0, 0, 0, now - 86400 };

	add_rows(s, 1, 20, &old_ev);
	add_rows(s, 2, 20, &old_log);
	add_rows(s, 3, 20, &new_ev);
	add_rows(s, 4, 20, &old_ev);
	close_batches(s, 1, 4);
	/* Cutoff an hour ago: 1 (events) and 2 (log time) go; 3 is newer
	 * by its events, and 4, though old, waits behind it. */
	prune(s, now - 3600, 0, 1000, 40, 2);
	ck_assert_str_eq(q_text("SELECT batch_id FROM batches WHERE"
	    " pruned_at IS NULL ORDER BY batch_id"), "3,4");
	/* An hour after batch 3's events, it and 4 are due. */
	prune(s, now + 3600, 0, 1000, 40, 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
	store_close(s);
}
END_TEST

/*
 * Labels final: a batch never fully labelled is kept until it closed
 * longer ago than the label TTL (final_before). A label for a pruned
 * row is held (no prediction with that id is stored), changes nothing
 * of the pruned batch, and expires with the TTL.
 */
START_TEST(test_prune_label_ttl)
{
	struct store *s = open_rw();
	const struct row part = { -1, 100, 1e9, 0 };
	const struct row lab = { 0, 200, 1e9, 0 };
	struct store_event_id id = { NULL, 0, 100 };
	double now = clock_wall();
	int64_t batch = -1, n = 0;
	char *cause = NULL;

	add_rows(s, 1, 10, &part);	/* unlabelled, ids 100..109 */
	add_rows(s, 2, 10, &lab);	/* labelled, ids 200..209 */
	close_batches(s, 1, 2);
	ck_assert_int_eq(store_label_id(s, &id, 1, false, &batch, &cause),
	    STORE_LABEL_APPLIED);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	/* Within the TTL: batch 1 (1 of 10 labelled) is kept (its labels
	 * may still come), batch 2 behind it goes. */
	prune(s, now + 60, now - 3600, 1000, 10, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE"
	    " batch_id = 1"), 10);
	/* Past the TTL (it closed before final_before): it goes. */
	prune(s, now + 60, now + 30, 1000, 10, 1);
	/* A label for a pruned row: held, the ledger unchanged. */
	id.num = 105;
	ck_assert_int_eq(store_label_id(s, &id, 2, false, &batch, &cause),
	    STORE_LABEL_PENDING);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_int_eq(q_int("SELECT count(*) FROM pending_labels"), 1);
	ck_assert_int_eq(q_int("SELECT n_labelled FROM batches WHERE"
	    " batch_id = 1"), 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
	/* It expires with the TTL like any held label. */
	ck_assert_msg(store_pending_expire(s, -1.0, &n, &cause) == 0, "%s",
	    cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM pending_labels"), 0);
	store_close(s);
}
END_TEST

/*
 * Reports written and alerts decided before the cutoff go, at most max
 * of each per call, oldest first; a pending page and an open
 * condition's alerts stay; the ledger stays.
 */
START_TEST(test_prune_reports)
{
	struct store *s = open_rw();
	const struct row lab = { 0, 0, 0, 0 };
	size_t reports, alerts;
	char *cause = NULL, *sql;
	int i;

	add_rows(s, 1, 5, &lab);
	close_batches(s, 1, 1);
	for (i = 1; i <= 6; i++) {
		sql = xasprintf("INSERT INTO monitor_reports (batch_id,"
		    " report_type, payload, created_at, model_id) VALUES"
		    " (%d, 'feature', '{}', %d, 1);"
		    "INSERT INTO alerts (batch_id, severity, channel, message,"
		    " sent_at, condition_key, status, model_id) VALUES (%d,"
		    " 'critical', 'slack', 'm', %d, 'k%d', '%s', 1)",
		    i, 1000 * i, i, 1000 * i, i % 3,
		    i == 2 ? "pending" : "delivered");
		q_exec(sql);
		free(sql);
	}
	/* Condition k1 (alerts 1 and 4) is open, k0 (3, 6) closed. */
	q_exec("INSERT INTO alert_conditions (model_id, condition_key,"
	    " open) VALUES (1, 'k1', 1), (1, 'k0', 0)");
	/* Before 4500: reports 1..4 (at most 3 per call), alerts 3 only. */
	ck_assert_msg(store_prune_reports(s, 4500, 3, &reports, &alerts,
	    &cause) == 0, "%s", cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(reports, 3);
	ck_assert_uint_eq(alerts, 1);
	ck_assert_int_eq(q_int("SELECT min(batch_id) FROM monitor_reports"),
	    4);
	ck_assert_msg(store_prune_reports(s, 4500, 3, &reports, &alerts,
	    &cause) == 0, "%s", cause);
	ck_assert_msg(store_flush(s, &cause) == 0, "%s", cause);
	ck_assert_uint_eq(reports, 1);
	ck_assert_uint_eq(alerts, 0);
	ck_assert_str_eq(q_text("SELECT batch_id FROM alerts ORDER BY"
	    " id"), "1,2,4,5,6");
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches"), 1);
	store_close(s);
}
END_TEST

/*
 * Batch 1 of the model: 20 day-old rows committed, then in the open
 * transaction 10 rows of now, its close, and a prune an hour back that
 * finds it not due (its newest row is now) and remembers it as the head.
 */
static void
head_of_now(struct store *s, double now)
{
	const struct row old_ev = { 0, 0, now - 86400, 0 };
	const struct row new_ev = { 0, 0, now, 0 };
	char *cause = NULL;

	add_rows(s, 1, 20, &old_ev);
	add_open(s, 1, 20, 10, &new_ev);
	ck_assert_msg(store_batch_close(s, 1, &cause) == 0, "%s", cause);
	prune_open(s, now - 3600, 0, 1000, 0, 0);
}

/*
 * After head_of_now's transaction was rolled back: batch 1, closed again
 * on its 20 day-old rows alone, is due whole an hour back.
 */
static void
due_whole(struct store *s, double now)
{
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 20);
	close_batches(s, 1, 1);
	prune(s, now - 3600, 0, 1000, 20, 1);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 0);
}

/*
 * Retention's head (the oldest kept batch and the time of its newest
 * row, remembered between calls while it is not due) goes with a
 * transaction rolled back, here by store_discard. The transaction added
 * rows of now to a batch of day-old rows, closed it, and its prune found
 * the batch not due; after the rollback the batch holds its day-old rows
 * only, and once it is closed again a prune must take it whole (a head
 * kept from the rolled-back rows would say "not due" for another day).
 */
START_TEST(test_prune_rollback_skip)
{
	struct store *s = open_rw();
	double now = clock_wall();

	head_of_now(s, now);
	store_discard(s);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches WHERE"
	    " closed_at IS NULL"), 1);
	due_whole(s, now);
	store_close(s);
}
END_TEST

/*
 * The other way: the rolled-back transaction pruned a batch of day-old
 * rows and remembered it; the same batch id then comes again with rows
 * of now. A prune an hour back must keep it (a head kept from the
 * rolled-back rows would delete rows newer than the cutoff), and one an
 * hour ahead takes it.
 */
START_TEST(test_prune_rollback_range)
{
	struct store *s = open_rw();
	double now = clock_wall();
	const struct row old_ev = { 0, 0, now - 86400, 0 };
	const struct row new_ev = { 0, 0, now, 0 };
	char *cause = NULL;

	add_open(s, 1, 0, 20, &old_ev);
	ck_assert_msg(store_batch_close(s, 1, &cause) == 0, "%s", cause);
	prune_open(s, now - 3600, 0, 1000, 20, 1);
	store_discard(s);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches"), 0);
	add_rows(s, 1, 20, &new_ev);
	close_batches(s, 1, 1);
	prune(s, now - 3600, 0, 1000, 0, 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 20);
	prune(s, now + 3600, 0, 1000, 20, 1);
	store_close(s);
}
END_TEST

/*
 * A model the handle switched away from inside the transaction keeps its
 * head in a slot (store_model_set); the rollback forgets that one too.
 */
START_TEST(test_prune_rollback_models)
{
	struct store *s = open_rw();
	double now = clock_wall();
	const struct row old_ev = { 0, 0, now - 86400, 0 };
	char *cause = NULL;

	ck_assert_msg(store_model_set(s, "a", &cause) == 0, "%s", cause);
	head_of_now(s, now);
	ck_assert_msg(store_model_set(s, "b", &cause) == 0, "%s", cause);
	add_open(s, 1, 0, 5, &old_ev);
	store_discard(s);
	ck_assert_msg(store_model_set(s, "a", &cause) == 0, "%s", cause);
	due_whole(s, now);
	store_close(s);
}
END_TEST

/*
 * The same when the database ends the transaction on an error: a
 * trigger refuses a write after the prune (SQLite rolls the whole
 * transaction back, RAISE(ROLLBACK); PostgreSQL's failed transaction is
 * rolled back by the store), and the cause says the work was rolled back.
 * (The write refused is the input's position, ingest's last of a flush.)
 */
START_TEST(test_prune_rollback_error)
{
	struct store *s = open_rw();
	double now = clock_wall();
	struct store_position pos;
	char *cause = NULL;
	int rc;

	if (fixture_pg)
		q_exec("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE"
		    " plpgsql AS $$BEGIN RAISE EXCEPTION 'refused by the"
		    " test'; END$$; CREATE TRIGGER refuse BEFORE INSERT ON"
		    " input_positions FOR EACH ROW WHEN (NEW.source ="
		    " 'refused') EXECUTE FUNCTION refuse()");
	else
		q_exec("CREATE TRIGGER refuse BEFORE INSERT ON"
		    " input_positions WHEN NEW.source = 'refused' BEGIN"
		    " SELECT RAISE(ROLLBACK,"
		    " 'refused by the test'); END");
	head_of_now(s, now);
	/* Sent in the pipeline on PostgreSQL: the COMMIT reports it. */
	memset(&pos, 0, sizeof pos);
	if ((rc = store_position_put(s, "refused", &pos, &cause)) == 0)
		rc = store_flush(s, &cause);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(cause, "refused by the test") != NULL &&
	    strstr(cause, "rolled back") != NULL, "%s", cause);
	free(cause);
	due_whole(s, now);
	store_close(s);
}
END_TEST

/*
 * A late row (one for a batch already judged) is a row of its batch: a
 * batch remembered as the head, not due, whose late row of now arrives
 * (here from another writer's connection) is not due an hour back, and
 * is an hour ahead.
 */
START_TEST(test_prune_late_row)
{
	struct store *s = open_rw(), *w = open_rw();
	double now = clock_wall();
	const struct row old_ev = { 0, 0, now - 86400, 0 };
	const struct row new_ev = { 0, 0, now, 0 };

	add_rows(s, 1, 20, &old_ev);
	close_batches(s, 1, 1);
	prune(s, now - 2 * 86400, 0, 1000, 0, 0);	/* head: a day ago */
	add_late(w, 1, 20, &new_ev);
	store_close(w);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 21);
	prune(s, now - 3600, 0, 1000, 0, 0);
	add_late(s, 1, 21, &old_ev);	/* this connection's own, older */
	prune(s, now - 3600, 0, 1000, 0, 0);
	prune(s, now + 3600, 0, 1000, 22, 1);
	store_close(s);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_prune_rows, NULL },
		{ test_prune_event_time, NULL },
		{ test_prune_label_ttl, NULL },
		{ test_prune_reports, NULL },
		{ test_prune_rollback_skip, NULL },
		{ test_prune_rollback_range, NULL },
		{ test_prune_rollback_models, NULL },
		{ test_prune_rollback_error, NULL },
		{ test_prune_late_row, NULL },
	};

	return fixture_main(argc, argv, "prune", cases,
	    sizeof cases / sizeof cases[0], 60);
}
