/*
 * What a write transaction keeps instead of reading it again (the alert
 * conditions, the detectors' state, the rows a batch's claim counts) is
 * what the store holds: read again after another writer's commit, and
 * after a judgement undone. And the writes that replaced a read (the
 * families' last batch raised by the server; a condition whose state
 * stays updated in place) leave the store as before: the same meta
 * values, the same fleet summary (model_status's open counts). The fleet
 * summary the writer gathers through a transaction (schema 7) is, at each
 * commit, what the ledger says.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/alert-store.h"
#include "db/store.h"
#include "fixture.h"

/* A condition of key, open or not, severity sev, seen in batch. */
static struct alert_condition
cond_make(const char *key, bool open, const char *sev, int64_t batch)
{
	struct alert_condition c;

	memset(&c, 0, sizeof c);
	c.key = (char *)key;
	c.rule = (char *)"psi_drift";
	c.severity = (char *)sev;
	c.features = (char *)"[\"age\"]";
	c.open = open;
	c.first_batch = 1;
	c.last_fired_batch = batch;
	c.last_seen_batch = batch;
	c.clear_streak = 0;
	c.last_notified_at = 1000.5;
	c.opened_at = 1000.25;
	return c;
}

static void
put(struct store *s, const struct alert_condition *c)
{
	char *cause = NULL;

	ck_assert_msg(alert_store_condition_put(s, c, &cause) == 0,
	    "put %s: %s", c->key, cause);
}

static void
flush(struct store *s)
{
	char *cause = NULL;

	ck_assert_msg(store_flush(s, &cause) == 0, "flush: %s", cause);
}

/* Key's last_seen_batch through s (-1: none), its severity into sev. */
static int64_t
seen(struct store *s, const char *key, char *sev, size_t size)
{
	struct alert_condition c;
	char *cause = NULL;
	int64_t v;
	int rc;

	rc = alert_store_condition_get(s, key, &c, &cause);
	ck_assert_msg(rc != -1, "get %s: %s", key, cause);
	if (rc == 1)
		return -1;
	snprintf(sev, size, "%s", c.severity);
	v = c.last_seen_batch;
	alert_condition_finish(&c);
	return v;
}

/* The open conditions' keys through s, joined by ",". */
static const char *
open_keys(struct store *s)
{
	static char buf[256];
	struct alert_condition *open;
	char *cause = NULL;
	size_t n, i, o = 0;

	ck_assert_msg(alert_store_conditions_open(s, &open, &n, &cause) == 0,
	    "open: %s", cause);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s",
		    i > 0 ? "," : "", open[i].key);
		alert_condition_finish(&open[i]);
	}
	free(open);
	return buf;
}

START_TEST(test_conditions_read_again)
{
	struct store *a, *b;
	struct alert_condition c;
	char sev[32];

	a = open_rw();
	b = open_rw();
	c = cond_make("psi_drift:b", true, "warning", 3);
	put(a, &c);
	c = cond_make("psi_drift:a", true, "warning", 3);
	put(a, &c);
	/* Kept in the transaction: in key order, as the store orders them. */
	ck_assert_str_eq(open_keys(a), "psi_drift:a,psi_drift:b");
	ck_assert_int_eq(seen(a, "psi_drift:a", sev, sizeof sev), 3);
	ck_assert_int_eq(seen(a, "psi_drift:c", sev, sizeof sev), -1);
	flush(a);
	/* Another writer moves one on, closes the other, adds a third. */
	c = cond_make("psi_drift:a", true, "critical", 9);
	put(b, &c);
	c = cond_make("psi_drift:b", false, "warning", 9);
	put(b, &c);
	c = cond_make("psi_drift:c", true, "warning", 9);
	put(b, &c);
	flush(b);
	/* a's next transaction reads what b committed, not what it kept. */
	c = cond_make("psi_drift:z", false, "warning", 1);
	put(a, &c);	/* a write transaction again */
	ck_assert_int_eq(seen(a, "psi_drift:a", sev, sizeof sev), 9);
	ck_assert_str_eq(sev, "critical");
	ck_assert_int_eq(seen(a, "psi_drift:c", sev, sizeof sev), 9);
	ck_assert_str_eq(open_keys(a), "psi_drift:a,psi_drift:c");
	flush(a);
	store_close(a);
	store_close(b);
}
END_TEST

START_TEST(test_conditions_undone)
{
	struct store *s;
	struct alert_condition c;
	char *cause = NULL, sev[32];

	s = open_rw();
	c = cond_make("psi_drift:a", true, "warning", 2);
	put(s, &c);
	ck_assert_str_eq(open_keys(s), "psi_drift:a");
	ck_assert_msg(store_judge_begin(s, &cause) == 0, "%s", cause);
	c = cond_make("psi_drift:a", false, "warning", 5);
	put(s, &c);
	c = cond_make("psi_drift:b", true, "critical", 5);
	put(s, &c);
	ck_assert_str_eq(open_keys(s), "psi_drift:b");
	ck_assert_msg(store_judge_end(s, false, &cause) == 0, "%s", cause);
	/* The judgement undone: what it wrote is gone from reads too. */
	ck_assert_int_eq(seen(s, "psi_drift:b", sev, sizeof sev), -1);
	ck_assert_int_eq(seen(s, "psi_drift:a", sev, sizeof sev), 2);
	ck_assert_str_eq(open_keys(s), "psi_drift:a");
	flush(s);
	ck_assert_str_eq(q_text("SELECT condition_key || ':' ||"
	    " CAST(open AS TEXT) || ':' || CAST(last_seen_batch AS TEXT)"
	    " FROM alert_conditions ORDER BY condition_key"),
	    "psi_drift:a:1:2");
	store_close(s);
}
END_TEST

/*
 * A condition rewritten with its state unchanged, then with its severity
 * changed, then closed: the stored row and the fleet's open counts
 * follow each time (on PostgreSQL the first is an UPDATE in place that
 * leaves model_status's trigger alone).
 */
START_TEST(test_condition_touched)
{
	struct store *s;
	struct alert_condition c;

	s = open_rw();
	c = cond_make("psi_drift:a", true, "warning", 2);
	put(s, &c);
	flush(s);
	c = cond_make("psi_drift:a", true, "warning", 3);
	put(s, &c);	/* read nothing: not kept, an upsert */
	c = cond_make("psi_drift:a", true, "warning", 4);
	c.clear_streak = 1;
	c.resolved_at = 0;
	put(s, &c);	/* kept, same state: in place */
	flush(s);
	ck_assert_int_eq(q_int("SELECT last_seen_batch FROM alert_conditions"),
	    4);
	ck_assert_int_eq(q_int("SELECT clear_streak FROM alert_conditions"),
	    1);
	ck_assert_int_eq(q_int("SELECT open_warning FROM model_status"), 1);
	ck_assert_int_eq(q_int("SELECT open_critical FROM model_status"), 0);
	c = cond_make("psi_drift:a", true, "warning", 5);
	put(s, &c);
	c = cond_make("psi_drift:a", true, "critical", 6);
	put(s, &c);	/* kept, severity changed */
	flush(s);
	ck_assert_int_eq(q_int("SELECT open_warning FROM model_status"), 0);
	ck_assert_int_eq(q_int("SELECT open_critical FROM model_status"), 1);
	c = cond_make("psi_drift:a", true, "critical", 7);
	put(s, &c);
	c = cond_make("psi_drift:a", false, "critical", 8);
	put(s, &c);	/* kept, closed */
	flush(s);
	ck_assert_int_eq(q_int("SELECT open_critical FROM model_status"), 0);
	ck_assert_int_eq(q_int("SELECT open FROM alert_conditions"), 0);
	ck_assert_int_eq(q_int("SELECT last_seen_batch FROM alert_conditions"),
	    8);
	store_close(s);
}
END_TEST

START_TEST(test_last_batch_raised)
{
	struct store *s;
	char *cause = NULL;

	s = open_rw();
	ck_assert(alert_store_raise_last_batch(s, "feature", 5, &cause) == 0);
	ck_assert(alert_store_raise_last_batch(s, "feature", 3, &cause) == 0);
	ck_assert(alert_store_raise_last_batch(s, "prediction", 2,
	    &cause) == 0);
	flush(s);
	ck_assert_str_eq(q_text("SELECT key || '=' || value FROM meta"
	    " WHERE key LIKE 'alert.last_batch.%' ORDER BY key"),
	    "alert.last_batch.feature=5,alert.last_batch.prediction=2");
	ck_assert(alert_store_raise_last_batch(s, "feature", 12, &cause) == 0);
	flush(s);
	ck_assert_str_eq(q_text("SELECT value FROM meta"
	    " WHERE key = 'alert.last_batch.feature'"), "12");
	/* A stored value that is not a batch id is an error, not lowered. */
	q_exec("UPDATE meta SET value = 'x7' WHERE key ="
	    " 'alert.last_batch.feature'");
	if (alert_store_raise_last_batch(s, "feature", 20, &cause) == 0) {
		/* PostgreSQL: the sent write fails at the commit. */
		ck_assert(fixture_pg);
		ck_assert(store_flush(s, &cause) == -1);
	}
	ck_assert_msg(cause != NULL && strstr(cause, "x7") != NULL,
	    "cause: %s", cause != NULL ? cause : "(none)");
	free(cause);
	ck_assert_str_eq(q_text("SELECT value FROM meta"
	    " WHERE key = 'alert.last_batch.feature'"), "x7");
	store_close(s);
}
END_TEST

START_TEST(test_detector_read_again)
{
	struct store *a, *b;
	char *cause = NULL, *state = NULL;
	int64_t last = 0;

	a = open_rw();
	b = open_rw();
	ck_assert(store_detector_put(a, "d", 5, "five", &cause) == 0);
	ck_assert_int_eq(store_detector_get(a, "d", &last, &state, &cause), 0);
	ck_assert_int_eq(last, 5);
	ck_assert_str_eq(state, "five");
	free(state);
	ck_assert_int_eq(store_detector_get(a, "e", &last, &state, &cause), 1);
	flush(a);
	ck_assert(store_detector_put(b, "d", 9, "nine", &cause) == 0);
	flush(b);
	ck_assert(store_detector_put(a, "e", 1, "one", &cause) == 0);
	ck_assert_int_eq(store_detector_get(a, "d", &last, &state, &cause), 0);
	ck_assert_int_eq(last, 9);
	ck_assert_str_eq(state, "nine");
	free(state);
	/* Put in a judgement undone: the stored one again. */
	ck_assert_msg(store_judge_begin(a, &cause) == 0, "%s", cause);
	ck_assert(store_detector_put(a, "d", 10, "ten", &cause) == 0);
	ck_assert_int_eq(store_detector_get(a, "d", &last, &state, &cause), 0);
	ck_assert_str_eq(state, "ten");
	free(state);
	ck_assert_msg(store_judge_end(a, false, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_detector_get(a, "d", &last, &state, &cause), 0);
	ck_assert_int_eq(last, 9);
	ck_assert_str_eq(state, "nine");
	free(state);
	flush(a);
	store_close(a);
	store_close(b);
}
END_TEST

/*
 * A batch's claim counts its rows: those this writer added in the
 * transaction that made the ledger row, without asking; rows another
 * writer added between two of this writer's transactions, from the store.
 */
START_TEST(test_claim_counts)
{
	struct store *a, *b;
	char *cause = NULL;
	int64_t rows = 0;
	int i;

	a = open_rw();
	b = open_rw();
	add_batch(a, 1, 4, false);
	ck_assert_msg(store_judge_begin(a, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_batch_claim(a, 1, &rows, &cause), 1);
	ck_assert_int_eq(rows, 4);
	ck_assert_msg(store_judge_end(a, true, &cause) == 0, "%s", cause);
	add_batch(a, 2, 3, true);
	flush(a);
	for (i = 3; i < 5; i++)
		ck_assert_msg(add_row(b, 2, i, 1, &cause) == 1, "%s", cause);
	flush(b);
	/* No row of a's own since: its count of the batch is not the truth. */
	ck_assert_msg(store_judge_begin(a, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_batch_claim(a, 2, &rows, &cause), 1);
	ck_assert_int_eq(rows, 5);
	ck_assert_msg(store_judge_end(a, true, &cause) == 0, "%s", cause);
	flush(a);
	ck_assert_str_eq(q_text("SELECT CAST(batch_id AS TEXT) || ':' ||"
	    " CAST(n_rows AS TEXT) || ':' || CAST(n_labelled AS TEXT) || ':'"
	    " || CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END"
	    " FROM batches ORDER BY batch_id"), "1:4:0:closed,2:5:5:closed");
	ck_assert_str_eq(q_text("SELECT CAST(rows AS TEXT) || ':' ||"
	    " CAST(labelled AS TEXT) FROM model_status"), "9:5");
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches"
	    " WHERE labelled_at IS NOT NULL"), 1);
	store_close(a);
	store_close(b);
}
END_TEST

static char	*st_features[1] = { "x" };
static char	*st_classes[2] = { "no", "yes" };
static const struct store_schema st_schema = { 1, 2, st_features,
    st_classes, NULL };

/*
 * Judge batch b of s's model: its claim, a prediction report (label
 * shift or not), a performance report when acc is not NaN; kept or
 * undone.
 */
static void
judge(struct store *s, int64_t b, bool shift, double acc, bool keep)
{
	struct prediction_report pr;
	struct performance_report perf;
	uint64_t counts[2] = { 1, 2 };
	char *cause = NULL;
	int64_t rows;

	ck_assert_msg(store_judge_begin(s, &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_batch_claim(s, b, &rows, &cause), 1);
	memset(&pr, 0, sizeof pr);
	pr.n_classes = 2;
	pr.class_counts = counts;
	pr.label_shift_drift = shift;
	ck_assert_msg(store_report_put_prediction(s, b, &st_schema, &pr,
	    &cause) == 0, "%s", cause);
	if (!isnan(acc)) {
		memset(&perf, 0, sizeof perf);
		perf.n_classes = 2;
		perf.confusion = xcalloc(4, sizeof *perf.confusion);
		perf.accuracy = acc;
		perf.acc_delta = acc - 0.75;
		ck_assert_msg(store_report_put_performance(s, b, &st_schema,
		    &perf, &cause) == 0, "%s", cause);
		free(perf.confusion);
	}
	ck_assert_msg(store_judge_end(s, keep, &cause) == 0, "%s", cause);
}

/* Batch b (judged) graded again: a performance report of accuracy acc. */
static void
judge_more(struct store *s, int64_t b, double acc)
{
	struct performance_report perf;
	char *cause = NULL;

	memset(&perf, 0, sizeof perf);
	perf.n_classes = 2;
	perf.confusion = xcalloc(4, sizeof *perf.confusion);
	perf.accuracy = acc;
	perf.acc_delta = acc - 0.75;
	ck_assert_msg(store_report_put_performance(s, b, &st_schema, &perf,
	    &cause) == 0, "%s", cause);
	free(perf.confusion);
}

/* Every model_status row is what the ledger says (one SQL for both). */
static void
status_is_ledger(int models)
{
	static const char wrong[] = "SELECT count(*) FROM model_status s"
	    " WHERE s.latest_batch IS DISTINCT FROM (SELECT max(batch_id)"
	    " FROM batches b WHERE b.model_id = s.model_id)"
	    " OR s.rows <> (SELECT coalesce(sum(n_rows), 0) FROM batches b"
	    " WHERE b.model_id = s.model_id AND closed_at IS NOT NULL)"
	    " OR s.labelled <> (SELECT coalesce(sum(n_labelled), 0)"
	    " FROM batches b WHERE b.model_id = s.model_id"
	    " AND closed_at IS NOT NULL)"
	    " OR s.last_write IS DISTINCT FROM (SELECT max(CASE"
	    " WHEN coalesce(labelled_at, 0) > coalesce(closed_at, 0) AND"
	    " coalesce(labelled_at, 0) > opened_at THEN labelled_at"
	    " WHEN coalesce(closed_at, 0) > opened_at THEN closed_at"
	    " ELSE opened_at END) FROM batches b"
	    " WHERE b.model_id = s.model_id)"
	    /* Ten batches or fewer a model: the rate is over all. */
	    " OR s.rate_rows IS DISTINCT FROM s.rows"
	    " OR s.rate_span IS DISTINCT FROM (SELECT max(closed_at)"
	    " - min(opened_at) FROM batches b WHERE b.model_id = s.model_id"
	    " AND closed_at IS NOT NULL)"
	    " OR s.drift_batch IS DISTINCT FROM (SELECT max(batch_id)"
	    " FROM batches b WHERE b.model_id = s.model_id"
	    " AND coalesce(psi_verdict, label_shift_drift) IS NOT NULL)"
	    " OR s.drift IS DISTINCT FROM (SELECT CASE WHEN psi_verdict = 2"
	    " OR ks_drift = 1 OR label_shift_drift = 1 THEN 2"
	    " WHEN psi_verdict = 1 OR confidence_drift = 1 THEN 1 ELSE 0 END"
	    " FROM batches b WHERE b.model_id = s.model_id"
	    " AND b.batch_id = s.drift_batch)"
	    " OR s.perf_batch IS DISTINCT FROM (SELECT max(batch_id)"
	    " FROM batches b WHERE b.model_id = s.model_id"
	    " AND accuracy IS NOT NULL)"
	    " OR s.accuracy IS DISTINCT FROM (SELECT accuracy FROM batches b"
	    " WHERE b.model_id = s.model_id AND b.batch_id = s.perf_batch)"
	    " OR s.acc_delta IS DISTINCT FROM (SELECT acc_delta FROM batches b"
	    " WHERE b.model_id = s.model_id AND b.batch_id = s.perf_batch)";

	ck_assert_int_eq(q_int("SELECT count(*) FROM model_status"), models);
	ck_assert_int_eq(q_int(wrong), 0);
}

/*
 * model_status as the writer keeps it (schema 7: gathered through the
 * transaction, written before its commit) is what the ledger says: ten
 * models in one transaction (more than it gathers at once), batches
 * opened, closed and judged, a judgement undone, a newer batch judged
 * before an older one, labels landing on a closed batch (the labels'
 * trigger), a transaction rolled back, a new model's batch labelled in
 * the transaction that opened it.
 */
START_TEST(test_status_kept)
{
	struct store *a;
	char *cause = NULL, name[16];
	int labels[2] = { 1, 0 }, k;

	a = open_rw();
	for (k = 0; k < 10; k++) {
		snprintf(name, sizeof name, "m%d", k);
		ck_assert_msg(store_model_set(a, name, &cause) == 0, "%s",
		    cause);
		ck_assert_int_eq(store_schema_put(a, &st_schema, &cause), 0);
		add_batch(a, 3, 3, true);
		judge(a, 3, k % 2 == 0, 0.5 + k / 100.0, true);
		add_batch(a, 1, 2, false);
	}
	for (k = 0; k < 10; k++) {
		snprintf(name, sizeof name, "m%d", k);
		ck_assert_msg(store_model_set(a, name, &cause) == 0, "%s",
		    cause);
		/* Older than the newest judged: drift and performance stay. */
		judge(a, 1, k % 3 == 0, k == 5 ? NAN : 0.25, k != 3);
	}
	flush(a);
	status_is_ledger(10);
	ck_assert_str_eq(q_text("SELECT CAST(s.rows AS TEXT) || ':' ||"
	    " CAST(s.drift_batch AS TEXT) || ':' || CAST(s.perf_batch AS TEXT)"
	    " FROM model_status s JOIN models m USING (model_id)"
	    " WHERE m.name IN ('m3', 'm4') ORDER BY m.name"), "3:3:3,5:3:3");
	/* Labels on a closed batch; a newer batch judged; then rolled back. */
	ck_assert_msg(store_model_set(a, "m4", &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_label_batch(a, 1, labels, 2, false, &cause),
	    STORE_LABEL_APPLIED);
	add_batch(a, 7, 4, false);
	judge(a, 7, true, 0.125, true);
	flush(a);
	status_is_ledger(10);
	add_batch(a, 8, 4, true);
	judge(a, 8, false, 0.875, true);
	store_discard(a);
	status_is_ledger(10);
	ck_assert_str_eq(q_text("SELECT CAST(s.latest_batch AS TEXT) || ':' ||"
	    " CAST(s.rows AS TEXT) || ':' || CAST(s.labelled AS TEXT) || ':' ||"
	    " CAST(s.drift AS TEXT) FROM model_status s JOIN models m"
	    " USING (model_id) WHERE m.name = 'm4'"), "7:9:5:2");
	/* A new model's batch opened, closed and labelled in one transaction. */
	ck_assert_msg(store_model_set(a, "fresh", &cause) == 0, "%s", cause);
	ck_assert_int_eq(store_schema_put(a, &st_schema, &cause), 0);
	add_batch(a, 1, 2, false);
	judge(a, 1, false, NAN, true);
	ck_assert_int_eq(store_label_batch(a, 1, labels, 2, false, &cause),
	    STORE_LABEL_APPLIED);
	flush(a);
	status_is_ledger(11);
	ck_assert_str_eq(q_text("SELECT CAST(s.rows AS TEXT) || ':' ||"
	    " CAST(s.labelled AS TEXT) FROM model_status s JOIN models m"
	    " USING (model_id) WHERE m.name = 'fresh'"), "2:2");
	store_close(a);
}
END_TEST

/*
 * The families' last batches as a transaction keeps them (read once,
 * then as written): raised and never lowered within one transaction, and
 * read again after a judgement undone (its raise undone with it) and
 * after another writer's commit.
 */
START_TEST(test_last_batch_kept)
{
	static const char value[] = "SELECT value FROM meta"
	    " WHERE key = 'alert.last_batch.feature'";
	struct store *a, *b;
	char *cause = NULL;

	a = open_rw();
	b = open_rw();
	ck_assert(alert_store_raise_last_batch(a, "feature", 5, &cause) == 0);
	ck_assert_msg(store_judge_begin(a, &cause) == 0, "%s", cause);
	ck_assert(alert_store_raise_last_batch(a, "feature", 9, &cause) == 0);
	ck_assert_msg(store_judge_end(a, false, &cause) == 0, "%s", cause);
	/* 9 was undone: 7 is newer than what the store holds. */
	ck_assert(alert_store_raise_last_batch(a, "feature", 7, &cause) == 0);
	ck_assert(alert_store_raise_last_batch(a, "feature", 6, &cause) == 0);
	flush(a);
	ck_assert_str_eq(q_text(value), "7");
	ck_assert(alert_store_raise_last_batch(b, "feature", 11, &cause) == 0);
	flush(b);
	/* a's next transaction reads b's 11: 10 is not newer. */
	ck_assert(alert_store_raise_last_batch(a, "feature", 10, &cause) == 0);
	flush(a);
	ck_assert_str_eq(q_text(value), "11");
	store_close(a);
	store_close(b);
}
END_TEST

/* The payload of batch b's report of type through s; NULL if none. */
static char *
report_of(struct store *s, int64_t b, const char *type)
{
	char *cause = NULL, *payload = NULL;
	int rc;

	rc = store_report_get(s, b, type, &payload, &cause);
	ck_assert_msg(rc != -1, "report %s: %s", type, cause);
	return rc == 0 ? payload : NULL;
}

/* s's read of batch b's report of type is what the store holds. */
static void
report_is_stored(struct store *s, int64_t b, const char *type)
{
	char *got = report_of(s, b, type), *sql;
	size_t i;

	ck_assert_ptr_nonnull(got);
	for (i = 0; got[i] != '\0'; i++)
		ck_assert_msg(got[i] != '\'', "a quote in %s", got);
	sql = xasprintf("SELECT count(*) FROM monitor_reports"
	    " WHERE batch_id = %lld AND report_type = '%s'"
	    " AND payload = '%s'", (long long)b, type, got);
	ck_assert_msg(q_int(sql) == 1, "%s report of batch %lld: %s", type,
	    (long long)b, got);
	free(sql);
	free(got);
}

/*
 * The reports of a batch this transaction's claim closed are read from
 * what it put (struct store's rep_*): none before a put, the
 * latest put of a type, in and after the judgement; the same as the
 * store holds once committed; read again after another writer's commit;
 * none after a judgement undone.
 */
START_TEST(test_reports_kept)
{
	struct store *a, *b;
	char *cause = NULL, *p1, *p2;

	a = open_rw();
	b = open_rw();
	ck_assert_int_eq(store_schema_put(a, &st_schema, &cause), 0);
	add_batch(a, 1, 4, true);
	judge(a, 1, false, 0.5, true);
	ck_assert_ptr_null(report_of(a, 1, "detectors"));
	p1 = report_of(a, 1, "performance");
	ck_assert_ptr_nonnull(p1);
	ck_assert_ptr_nonnull(strstr(p1, "\"accuracy\":0.5,"));
	free(p1);
	judge_more(a, 1, 0.25);
	p2 = report_of(a, 1, "performance");
	ck_assert_ptr_nonnull(p2);
	ck_assert_ptr_nonnull(strstr(p2, "\"accuracy\":0.25,"));
	flush(a);
	report_is_stored(a, 1, "performance");
	report_is_stored(a, 1, "prediction");
	p1 = report_of(a, 1, "performance");
	ck_assert_str_eq(p1, p2);
	/* Another writer's labels re-grade it: a reads the store's. */
	judge_more(b, 1, 0.125);
	flush(b);
	add_batch(a, 2, 2, false);
	report_is_stored(a, 1, "performance");
	/* Put in a judgement undone: none. */
	judge(a, 2, true, 0.75, false);
	ck_assert_ptr_null(report_of(a, 2, "prediction"));
	ck_assert_ptr_null(report_of(a, 2, "performance"));
	flush(a);
	free(p1);
	free(p2);
	store_close(a);
	store_close(b);
}
END_TEST

/*
 * A judgement's reports are kept and written together at its end, on
 * both backends (SQLite too: one statement a batch, not one a report):
 * every type it put is stored once, in the order first put (their ids),
 * each with its last put's payload, which the judgement reads back; a
 * second judgement in the same transaction starts its own.
 */
START_TEST(test_reports_one_write)
{
	static const char order[] = "SELECT report_type FROM monitor_reports"
	    " WHERE batch_id = %d ORDER BY id";
	struct prediction_report pr;
	struct detector_report dr;
	struct estimate_report er;
	uint64_t counts[2] = { 1, 2 };
	struct store *a;
	char *cause = NULL, *p, *sql;
	int64_t rows;
	int b;

	a = open_rw();
	ck_assert_int_eq(store_schema_put(a, &st_schema, &cause), 0);
	add_batch(a, 1, 4, true);
	add_batch(a, 2, 3, true);
	for (b = 1; b <= 2; b++) {
		ck_assert_msg(store_judge_begin(a, &cause) == 0, "%s", cause);
		ck_assert_int_eq(store_batch_claim(a, b, &rows, &cause), 1);
		memset(&er, 0, sizeof er);
		er.reason = ESTIMATE_NO_LABELS;
		ck_assert_msg(store_report_put_estimate(a, b, &er, &cause) ==
		    0, "%s", cause);
		memset(&pr, 0, sizeof pr);
		pr.n_classes = 2;
		pr.class_counts = counts;
		ck_assert_msg(store_report_put_prediction(a, b, &st_schema,
		    &pr, &cause) == 0, "%s", cause);
		judge_more(a, b, 0.5 / b);
		memset(&dr, 0, sizeof dr);
		dr.n_fed = (uint64_t)b;
		ck_assert_msg(store_report_put_detectors(a, b, &dr, &cause) ==
		    0, "%s", cause);
		pr.label_shift_drift = true;	/* the prediction put again */
		ck_assert_msg(store_report_put_prediction(a, b, &st_schema,
		    &pr, &cause) == 0, "%s", cause);
		p = report_of(a, b, "prediction");
		ck_assert_ptr_nonnull(strstr(p, "\"label_shift_drift\":true"));
		free(p);
		ck_assert_msg(store_judge_end(a, true, &cause) == 0, "%s",
		    cause);
	}
	flush(a);
	for (b = 1; b <= 2; b++) {
		sql = xasprintf(order, b);
		ck_assert_str_eq(q_text(sql), "estimated_performance,"
		    "prediction,performance,detectors");
		free(sql);
		report_is_stored(a, b, "estimated_performance");
		report_is_stored(a, b, "prediction");
		report_is_stored(a, b, "performance");
		report_is_stored(a, b, "detectors");
	}
	ck_assert_int_eq(q_int("SELECT count(*) FROM monitor_reports"
	    " WHERE report_type = 'prediction'"
	    " AND payload LIKE '%\"label_shift_drift\":true%'"), 2);
	ck_assert_int_eq(q_int("SELECT count(*) FROM monitor_reports r1"
	    " JOIN monitor_reports r2 ON r2.batch_id > r1.batch_id"
	    " WHERE r2.id < r1.id"), 0);
	store_close(a);
}
END_TEST

/*
 * A batch its state found without a ledger row or rows (in a write
 * transaction, under the model's turn) is opened without asking again
 * (PostgreSQL). Should a ledger row be there after all (written here
 * behind the turn's back, which no writer does), the open fails with the
 * transaction: an error, no row stored, never a batch counted twice.
 */
START_TEST(test_open_absent)
{
	struct store *a;
	char *cause = NULL;
	int rc;

	a = open_rw();
	add_batch(a, 1, 2, false);
	flush(a);
	ck_assert_msg(add_row(a, 1, 2, -1, &cause) == 1, "%s", cause);
	ck_assert_int_eq(store_batch_state(a, 3), STORE_BATCH_UNKNOWN);
	ck_assert_msg(add_row(a, 3, 0, -1, &cause) == 1, "%s", cause);
	ck_assert_msg(add_row(a, 3, 1, -1, &cause) == 1, "%s", cause);
	flush(a);
	ck_assert_str_eq(q_text("SELECT CAST(n_rows AS TEXT) || ':' ||"
	    " CAST(count(*) OVER () AS TEXT) FROM batches WHERE batch_id = 3"),
	    "0:1");
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"
	    " WHERE batch_id = 3"), 2);
	if (!fixture_pg) {	/* one writer holds the file: no behind */
		store_close(a);
		return;
	}
	ck_assert_msg(add_row(a, 1, 3, -1, &cause) == 1, "%s", cause);
	ck_assert_int_eq(store_batch_state(a, 4), STORE_BATCH_UNKNOWN);
	q_exec("INSERT INTO batches (batch_id, n_rows, n_labelled, opened_at,"
	    " model_id) SELECT 4, 0, 0, 1, model_id FROM models");
	rc = add_row(a, 4, 0, -1, &cause);
	if (rc == 1)
		rc = store_flush(a, &cause) == 0 ? 1 : -1;
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(cause, "rolled back") != NULL &&
	    strstr(cause, "opening a batch") != NULL, "%s", cause);
	free(cause);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"
	    " WHERE batch_id IN (1, 4)"), 3);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches"
	    " WHERE batch_id = 4"), 1);
	store_close(a);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_conditions_read_again, NULL },
		{ test_conditions_undone, NULL },
		{ test_condition_touched, NULL },
		{ test_last_batch_raised, NULL },
		{ test_last_batch_kept, NULL },
		{ test_detector_read_again, NULL },
		{ test_claim_counts, NULL },
		{ test_status_kept, NULL },
		{ test_reports_kept, NULL },
		{ test_reports_one_write, NULL },
		{ test_open_absent, NULL },
	};

	return fixture_main(argc, argv, "store-kept", cases,
	    sizeof cases / sizeof cases[0], 60);
}
