/*
 * The console's model layer (src/db/query*.c), on both backends, against
 * a real store written through the store API (tests/tui/fixture.c, the
 * console's tests' store): overview numbers, drift counts from
 * the ledger's summaries (and from the reports on a version 1 file),
 * change detection, series, alert pages, calibration, and the
 * states a store can be in (missing, empty, garbage, deleted, back).
 */
#include <check.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/driver.h"
#include "db/query.h"
#include "fixture.h"
#include "tui/fixture.h"

static void
write_fixture(int64_t first, int64_t last)
{
	struct fixture_opts o = { first, last, 16, 14, true, false };

	ck_assert_int_eq(fixture_write(db_target, &o), 0);
}

START_TEST(overview_numbers)
{
	static const struct {
		enum query_detector	d;
		int64_t			first;
	} fired[] = {
		{ QUERY_DET_PSI, 10 }, { QUERY_DET_KS, 11 },
		{ QUERY_DET_LABEL_SHIFT, 12 }, { QUERY_DET_DDM, 13 },
		{ QUERY_DET_ADWIN, 14 }, { QUERY_DET_CONFIDENCE, -1 },
	};
	struct query *q;
	const struct query_overview *ov;
	size_t i;

	write_fixture(1, 20);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_OK);
	ov = query_overview(q);
	ck_assert_int_eq(ov->latest_batch, 20);
	ck_assert_int_eq(ov->first_batch, 1);
	ck_assert_int_eq(ov->n_batches, 20);
	ck_assert_int_eq(ov->rows, 20 * FIXTURE_ROWS);
	ck_assert_int_eq(ov->labelled, 16 * FIXTURE_ROWS);
	ck_assert_int_eq(ov->n_feature_reports, 20);
	/* 10..20 past 0.20; those plus batch 5 past 0.10. */
	ck_assert_int_eq(ov->drift_psi_critical, 11);
	ck_assert_int_eq(ov->drift_psi_warning, 12);
	for (i = 0; i < sizeof fired / sizeof fired[0]; i++)
		ck_assert_int_eq(ov->first_fired[fired[i].d], fired[i].first);
	ck_assert_int_eq(ov->n_features, FIXTURE_FEATURES);
	ck_assert_str_eq(ov->feature_names[1], "income");
	ck_assert_str_eq(ov->class_names[2], "bird");
	ck_assert(ov->has_perf);
	ck_assert_int_eq(ov->perf_batch, 16);
	ck_assert(fabs(ov->accuracy - ov->acc_delta - 0.70) < 1e-9);
	ck_assert(ov->has_pred);
	ck_assert_int_eq(ov->pred_batch, 20);
	ck_assert(ov->ls_drift);
	ck_assert(fabs(ov->ref_conf - 0.70) < 1e-12);
	ck_assert_int_eq(ov->n_alerts, 14);
		/* The newest clock: batch 20's reports (pinned at +42). */
	ck_assert(fabs(ov->last_write - (FIXTURE_T0 + 20 * 60 + 42)) < 1e-6);
	/* Nothing changed: nothing read. */
	ck_assert_int_eq(query_refresh(q), 0);
	ck_assert_int_eq(query_refresh(q), 0);
	query_destroy(q);
}
END_TEST

/*
 * A file of two versions before (2: no models, no stored verdicts or
 * thresholds, no event ids, held labels, input positions or retention
 * column yet, an older mlmon-ingest wrote it) gives the same counts,
 * computed from the reports and read through TEMP views as one model
 * (the console reads the current version and the two before).
 */
START_TEST(previous_version_file_same_numbers)
{
	/* Models out: the keyed tables copied without their key. */
#define UNKEY(t)							\
	"CREATE TABLE " t "_v2 AS SELECT * FROM " t ";"			\
	"ALTER TABLE " t "_v2 DROP COLUMN model_id; DROP TABLE " t ";"	\
	"ALTER TABLE " t "_v2 RENAME TO " t ";"
	static const char downgrade[] =
	    "DROP TRIGGER model_status_labels;"
	    "DROP TRIGGER model_status_condition_new;"
	    "DROP TRIGGER model_status_condition;"
	    "DROP TRIGGER model_status_condition_gone;"
	    "DROP TRIGGER model_status_page; DROP TABLE model_status;"
	    "DROP INDEX predictions_batch_model_row;"
	    "DROP INDEX predictions_event_id_model;"
	    "DROP INDEX monitor_reports_model_batch_type;"
	    "DROP INDEX alerts_model_status_next; DROP INDEX alerts_model_batch;"
	    "DROP INDEX alerts_model; DROP INDEX monitor_reports_model_created;"
	    "ALTER TABLE predictions DROP COLUMN model_id;"
	    "ALTER TABLE monitor_reports DROP COLUMN model_id;"
	    "ALTER TABLE alerts DROP COLUMN model_id;"
	    "ALTER TABLE rejected DROP COLUMN model_id;"
	    UNKEY("batches") UNKEY("reference") UNKEY("detector_state")
	    UNKEY("alert_conditions") UNKEY("meta")
	    "DROP TABLE models;"
	    "ALTER TABLE batches DROP COLUMN accuracy;"
	    "ALTER TABLE batches DROP COLUMN acc_delta;"
	    "ALTER TABLE batches DROP COLUMN psi_verdict;"
	    "ALTER TABLE batches DROP COLUMN ks_drift;"
	    "ALTER TABLE batches DROP COLUMN psi_warning;"
	    "ALTER TABLE batches DROP COLUMN psi_critical;"
	    "ALTER TABLE predictions DROP COLUMN event_id;"
	    "ALTER TABLE predictions DROP COLUMN event_ts;"
	    "ALTER TABLE predictions DROP COLUMN src_line;"
	    "DROP TABLE pending_labels; DROP TABLE input_positions;"
	    "ALTER TABLE batches DROP COLUMN pruned_at;"
	    "PRAGMA user_version = 2;";
#undef UNKEY
	struct query_overview want;
	struct query *q;
	const struct query_overview *ov;
	sqlite3 *db;
	int i;

	write_fixture(1, 20);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	want = *query_overview(q);
	query_destroy(q);
	ck_assert_int_eq(sqlite3_open(db_target, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, downgrade, NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_OK);
	ov = query_overview(q);
	ck_assert_int_eq(ov->n_feature_reports, 20);
	ck_assert_int_eq(ov->n_feature_reports, want.n_feature_reports);
	ck_assert_int_eq(ov->drift_psi_critical, want.drift_psi_critical);
	ck_assert_int_eq(ov->drift_psi_warning, want.drift_psi_warning);
	for (i = 0; i < QUERY_DET_COUNT; i++)
		ck_assert_int_eq(ov->first_fired[i], want.first_fired[i]);
	ck_assert_int_eq(ov->rows, want.rows);
	query_destroy(q);
}
END_TEST

START_TEST(appends_are_folded_incrementally)
{
	struct query *q;
	const struct query_overview *ov;

	write_fixture(1, 12);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ov = query_overview(q);
	ck_assert_int_eq(ov->latest_batch, 12);
	ck_assert_int_eq(ov->drift_psi_critical, 3);
	write_fixture(13, 15);		/* another connection writes */
	ck_assert_int_eq(fixture_refresh(q), 1);
	ck_assert_int_eq(ov->latest_batch, 15);
	ck_assert_int_eq(ov->n_feature_reports, 15);
	ck_assert_int_eq(ov->drift_psi_critical, 6);
	ck_assert_int_eq(ov->drift_psi_warning, 7);
	ck_assert_int_eq(ov->first_fired[QUERY_DET_ADWIN], 14);
	/* A replay of the same batches changes nothing in the counts. */
	write_fixture(13, 15);
	ck_assert_int_eq(fixture_refresh(q), 1);	/* read again */
	ck_assert_int_eq(ov->n_feature_reports, 15);
	ck_assert_int_eq(ov->drift_psi_critical, 6);
	query_destroy(q);
}
END_TEST

/*
 * A commit told of while the reader was reading (PostgreSQL): the
 * notification on the socket, then a read on the reader's connection
 * (as app_load's after a refresh) takes it off with its answer and
 * libpq keeps it, so the socket is quiet: a console that only polled
 * query_wait_fd slept to its next tick. query_commit_told sees it; the
 * refresh reads it and it is told no more. SQLite tells of nothing (the
 * tick looks).
 */
START_TEST(commit_told_while_reading)
{
	struct query_alert_page page = { 0 };
	struct db_conn *w;
	struct pollfd p;
	struct query *q;
	char *cause = NULL;

	write_fixture(1, 12);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert(!query_commit_told(q));
	if (fixture_pg) {
		/* One commit with the store's notification, nothing else. */
		w = db_open(db_target, DB_OPEN_READ_WRITE, &cause);
		ck_assert_msg(w != NULL, "open: %s", cause);
		ck_assert_int_eq(db_exec(w, "SELECT pg_notify('mlmon', 'm')"),
		    0);
		db_close(w);
		p = (struct pollfd){ .fd = query_wait_fd(q), .events = POLLIN };
		ck_assert_int_eq(poll(&p, 1, 10000), 1);
	} else
		write_fixture(13, 13);
	ck_assert_int_eq(query_alerts_load(q, NULL, 0, 3, &page), 0);
	query_alert_page_finish(&page);
	if (fixture_pg) {
		p.revents = 0;
		ck_assert_int_eq(poll(&p, 1, 0), 0);	/* the trap */
	}
	ck_assert(query_commit_told(q) == fixture_pg);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert(!query_commit_told(q));
	query_destroy(q);
}
END_TEST

START_TEST(series_window)
{
	struct query_series s;
	struct query *q;
	size_t nf = FIXTURE_FEATURES;

	memset(&s, 0, sizeof s);
	write_fixture(1, 20);
	q = query_create(db_target);
	query_refresh(q);
	ck_assert_int_eq(query_series_load(q, 15, 22, QUERY_REPORT_FEATURE |
	    QUERY_REPORT_PREDICTION | QUERY_REPORT_PERFORMANCE, &s), 0);
	ck_assert_int_eq(s.n, 8);
	ck_assert_int_eq(s.n_features, nf);
	/* income at batch 20: 0.22 + 0.02 * 10 */
	ck_assert(fabs(s.psi[5 * nf + 1] - 0.42) < 1e-9);
	ck_assert(s.ks_p[5 * nf + 1] < 0.01);
	ck_assert(s.flags[5] & QUERY_DRIFT_PSI);
	ck_assert(s.flags[5] & QUERY_DRIFT_KS);
	ck_assert(s.flags[5] & QUERY_LABEL_SHIFT);
	ck_assert(s.flags[1] & QUERY_HAS_PERFORMANCE);	/* 16 labelled */
	ck_assert(!(s.flags[2] & QUERY_HAS_PERFORMANCE));	/* 17 not */
	ck_assert(isnan(s.acc[2]));
	ck_assert(!isnan(s.acc[1]));
	ck_assert(fabs(s.ref_acc[1] - 0.70) < 1e-9);
	ck_assert_int_eq(s.flags[6], 0);		/* 21: no batch */
	ck_assert(isnan(s.psi[6 * nf]));
	/* The cache: a shifted window keeps what it decoded. */
	ck_assert_int_eq(query_series_load(q, 16, 23, QUERY_REPORT_FEATURE,
	    &s), 0);
	ck_assert(fabs(s.psi[4 * nf + 1] - 0.42) < 1e-9);
	ck_assert(!isnan(s.acc[0]));		/* 16, kept from before */
	/* A new batch is read; the rest comes from the cache. */
	write_fixture(21, 21);
	query_refresh(q);
	ck_assert_int_eq(query_series_load(q, 16, 23, QUERY_REPORT_FEATURE,
	    &s), 0);
	ck_assert(s.flags[5] & QUERY_HAS_FEATURE);
	ck_assert(fabs(s.psi[5 * nf + 1] - 0.44) < 1e-9);
	/* An empty range is empty. */
	ck_assert_int_eq(query_series_load(q, 5, 4, 7, &s), 0);
	ck_assert_int_eq(s.n, 0);
	query_series_finish(&s);
	query_destroy(q);
}
END_TEST

START_TEST(alert_pages)
{
	static const struct {
		const char	*sev;
		const char	*search;
		int64_t		 offset;
		size_t		 limit;
		int64_t		 total;
		size_t		 n;
		int64_t		 first_batch;
	} rows[] = {
		{ NULL, NULL, 0, 5, 14, 5, 16 },
		{ NULL, NULL, 12, 5, 14, 2, 9 },
		{ "critical", NULL, 0, 20, 8, 8, 16 },
		{ "warning", NULL, 0, 20, 5, 5, 16 },
		{ NULL, "INCOME", 0, 20, 6, 6, 16 },
		{ "critical", "decay", 0, 20, 2, 2, 13 },
		{ NULL, "no such text", 0, 20, 0, 0, -1 },
		{ NULL, "", 0, 0, 14, 0, -1 },
		/* LIKE's wildcards and escape are searched as text. */
		{ NULL, "0.01", 0, 20, 2, 2, 16 },
		{ NULL, "0._1", 0, 20, 0, 0, -1 },
		{ NULL, "%", 0, 20, 0, 0, -1 },
		{ NULL, "_", 0, 20, 0, 0, -1 },
		{ NULL, "\\", 0, 20, 0, 0, -1 },
		{ NULL, "\\%", 0, 20, 0, 0, -1 },
	};
	struct query_alert_page p;
	struct query_alert_filter f;
	struct query *q;
	size_t i;

	memset(&p, 0, sizeof p);
	memset(&f, 0, sizeof f);
	write_fixture(1, 20);
	q = query_create(db_target);
	query_refresh(q);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		f.severity = rows[i].sev;
		f.search = rows[i].search;
		ck_assert_int_eq(query_alerts_load(q, &f, rows[i].offset,
		    rows[i].limit, &p), 0);
		ck_assert_msg(p.total == rows[i].total, "row %zu: total %lld",
		    i, (long long)p.total);
		ck_assert_msg(p.n == rows[i].n, "row %zu: n %zu", i, p.n);
		if (p.n > 0)
			ck_assert_int_eq(p.rows[0].batch_id,
			    rows[i].first_batch);
	}
	/* Every model's: here the one, each row naming it. */
	f.severity = NULL;
	f.search = NULL;
	f.all_models = true;
	ck_assert_int_eq(query_alerts_load(q, &f, 0, 5, &p), 0);
	ck_assert_int_eq(p.total, 14);
	ck_assert_str_eq(p.rows[4].model, "default");
	f.search = "DEFAULT";		/* the model's name matches */
	ck_assert_int_eq(query_alerts_load(q, &f, 0, 5, &p), 0);
	ck_assert_int_eq(p.total, 14);
	f.all_models = false;
	/* Newest first; raw text kept (the console sanitises). */
	f.severity = NULL;
	f.search = "pwned";
	query_alerts_load(q, &f, 0, 5, &p);
	ck_assert_int_eq(p.n, 1);
	ck_assert_ptr_nonnull(strchr(p.rows[0].message, '\x1b'));
	ck_assert_str_eq(p.rows[0].status, "pending");
	query_alert_page_finish(&p);
	query_destroy(q);
}
END_TEST

START_TEST(calibration_and_steps)
{
	struct query_calib c;
	struct query *q;
	uint64_t sum = 0;
	int i;

	memset(&c, 0, sizeof c);
	write_fixture(1, 20);
	q = query_create(db_target);
	query_refresh(q);
	ck_assert_int_eq(query_calib_load(q, 5, &c), 0);
	ck_assert(c.exists);
	ck_assert(c.labelled);
	ck_assert_int_eq(c.n_rows, FIXTURE_ROWS);
	ck_assert_int_eq(c.n_classes, FIXTURE_CLASSES);
	for (i = 0; i < FIXTURE_CLASSES * FIXTURE_CLASSES; i++)
		sum += c.confusion[i];
	ck_assert_uint_eq(sum, FIXTURE_ROWS);
	sum = 0;
	for (i = 0; i < CALIB_BINS; i++)
		sum += c.bins[i].count;
	ck_assert_uint_eq(sum, FIXTURE_ROWS);
	ck_assert(c.ece >= 0 && c.ece <= 1);
	ck_assert_int_eq(query_calib_load(q, 18, &c), 0);
	ck_assert(c.exists);
	ck_assert(!c.labelled);
	ck_assert_int_eq(c.n_labelled, 0);
	ck_assert_int_eq(query_calib_load(q, 99, &c), 0);
	ck_assert(!c.exists);
	query_calib_finish(&c);

	ck_assert_int_eq(query_batch_step(q, 5, 1), 6);
	ck_assert_int_eq(query_batch_step(q, 5, -1), 4);
	ck_assert_int_eq(query_batch_step(q, 5, 10), 15);
	ck_assert_int_eq(query_batch_step(q, 5, -10), 1);	/* clamped */
	ck_assert_int_eq(query_batch_step(q, 15, 10), 20);
	ck_assert_int_eq(query_batch_step(q, 7, 0), 7);
	ck_assert_int_eq(query_batch_step(q, 99, 0), 20);
	query_destroy(q);
}
END_TEST

START_TEST(store_states)
{
	struct query *q;
	FILE *f;

	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 0);
	ck_assert_int_eq(query_state(q), QUERY_MISSING);
	/* An empty file: no schema yet. */
	f = fopen(db_target, "w");
	fclose(f);
	query_refresh(q);
	ck_assert_int_eq(query_state(q), QUERY_EMPTY);
	/* Ingest starts: the same console turns into data. */
	unlink(db_target);
	query_refresh(q);
	write_fixture(1, 3);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_OK);
	ck_assert_int_eq(query_overview(q)->latest_batch, 3);
	/* Deleted under us. */
	unlink(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_DELETED);
	ck_assert_ptr_nonnull(strstr(query_message(q), "deleted"));
	ck_assert_int_eq(query_refresh(q), 0);
	ck_assert_int_eq(query_state(q), QUERY_DELETED);
	/* And back, as a new file. */
	write_fixture(1, 5);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_OK);
	ck_assert_int_eq(query_overview(q)->latest_batch, 5);
	query_destroy(q);
	/* Not a database at all. */
	unlink(db_target);
	f = fopen(db_target, "w");
	fputs("this is not sqlite, just text long enough to be a header "
	    "of something else entirely................................",
	    f);
	fclose(f);
	q = query_create(db_target);
	query_refresh(q);
	ck_assert_int_eq(query_state(q), QUERY_UNREADABLE);
	query_destroy(q);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ overview_numbers, NULL },
		{ previous_version_file_same_numbers, "a SQLite file of an"
		    " earlier schema, read through TEMP views: a PostgreSQL"
		    " store is born at the current version" },
		{ appends_are_folded_incrementally, NULL },
		{ commit_told_while_reading, NULL },
		{ series_window, NULL },
		{ alert_pages, NULL },
		{ calibration_and_steps, NULL },
		{ store_states, "a file missing, empty, not SQLite, deleted"
		    " and back (a server that cannot be reached: pg-targets)" },
	};

	return fixture_main(argc, argv, "query", cases,
	    sizeof cases / sizeof cases[0], 60);
}
