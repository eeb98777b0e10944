/*
 * Stored verdicts and thresholds (schema version 3). The store takes the
 * report structs and fills the batch ledger's summary columns from them
 * (store-report.c): each column is checked here against the struct that
 * was put. A store written by the last schema 2 release
 * (tests/fixtures/store-v2.db, never regenerated) is copied, read by the
 * console before and after its in-place migration (same numbers, and the
 * numbers the previous release showed, computed here from its own
 * columns), and then takes new reports judged with other thresholds.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/query.h"
#include "db/store-internal.h"
#include "db/store.h"
#include "fixture.h"

#define NF	3

static char	*fnames[NF] = { "age", "income", "score" };
static char	*cnames[2] = { "no", "yes" };
static const struct store_schema schema = { NF, 2, fnames, cnames, NULL };

static double
ledger(int64_t batch, const char *column)
{
	char *sql = xasprintf("SELECT %s FROM batches WHERE batch_id = %lld",
	    column, (long long)batch);
	double v = q_double(sql);

	free(sql);
	return v;
}

/* Batch batch of one row, closed. */
static void
add_closed_row(struct store *s, int64_t batch)
{
	struct store_prediction p;
	char *cause = NULL;

	memset(&p, 0, sizeof p);
	p.batch_id = batch;
	p.features_json = "[1,2,3]";
	p.scores_json = "[0.25,0.75]";
	p.predicted_class = 1;
	p.confidence = 0.75;
	p.true_class = -1;
	ck_assert_msg(store_prediction_add(s, &p, &cause) == 1, "%s", cause);
	ck_assert_msg(store_batch_close(s, batch, &cause) == 0, "%s", cause);
}

/* A feature report as a monitor leaves it, judged with t per feature. */
struct feature_case {
	double	psi[NF];
	double	ks_p[NF];
	double	warning[NF];
	double	critical[NF];
	double	alpha;
	/* What the ledger must hold: -1 for NULL. */
	double	max_psi;
	int	psi_verdict;
	int	ks_drift;
	double	psi_warning;
	double	psi_critical;
};

static const struct feature_case fcases[] = {
	/* 1: one feature in the investigate band. */
	{ { 0.05, 0.15, 0.02 }, { 0.5, 0.4, 0.9 }, { 0.1, 0.1, 0.1 },
	  { 0.2, 0.2, 0.2 }, 0.01, 0.15, 1, 0, 0.1, 0.2 },
	/* 2: drift on one, investigate on another, KS on a third. */
	{ { 0.25, 0.15, 0.01 }, { 0.5, 0.4, 1e-4 }, { 0.1, 0.1, 0.1 },
	  { 0.2, 0.2, 0.2 }, 0.01, 0.25, 2, 1, 0.1, 0.2 },
	/* 3: the same PSI judged with 30/50: nothing; KS at 1e-9: none. */
	{ { 0.25, 0.15, 0.01 }, { 0.5, 0.4, 1e-4 }, { 30, 30, 30 },
	  { 50, 50, 50 }, 1e-9, 0.25, 0, 0, 30, 50 },
	/* 4: features with their own thresholds: no one batch threshold. */
	{ { NAN, NAN, NAN }, { NAN, 0.3, NAN }, { 0.1, 0.1, 0.3 },
	  { 0.2, 0.2, 0.4 }, 0.01, -1, 0, 0, -1, -1 },
};

/* n features, feature f taking the case's values of f % NF. */
static void
feature_from_case(const struct feature_case *fc, size_t n,
    struct feature_report *r)
{
	enum drift_severity sev;
	size_t f;

	memset(r, 0, sizeof *r);
	r->n_features = n;
	r->psi = xcalloc(n, sizeof *r->psi);
	r->ks_statistic = xcalloc(n, sizeof *r->ks_statistic);
	r->ks_p_value = xcalloc(n, sizeof *r->ks_p_value);
	r->drift_psi = xcalloc(n, sizeof *r->drift_psi);
	r->drift_ks = xcalloc(n, sizeof *r->drift_ks);
	r->investigate_psi = xcalloc(n, sizeof *r->investigate_psi);
	r->thresholds = xcalloc(n, sizeof *r->thresholds);
	r->thresholds_stored = true;
	for (f = 0; f < n; f++) {
		r->psi[f] = fc->psi[f % NF];
		r->ks_p_value[f] = fc->ks_p[f % NF];
		r->thresholds[f].psi_warning = fc->warning[f % NF];
		r->thresholds[f].psi_critical = fc->critical[f % NF];
		r->thresholds[f].ks_alpha = fc->alpha;
		if (!isnan(r->psi[f]) && r->psi[f] > r->psi[r->max_psi_feature])
			r->max_psi_feature = f;
		/* The monitors' own decision, as monitor_feature makes it. */
		sev = feature_psi_verdict(r->psi[f], &r->thresholds[f]);
		r->drift_psi[f] = sev == DRIFT_CRITICAL;
		r->investigate_psi[f] = sev == DRIFT_WARNING;
		r->drift_ks[f] = r->ks_p_value[f] < fc->alpha;
		r->any_drift |= r->drift_psi[f] || r->drift_ks[f];
	}
}

static void
check_value(double got, double want, int64_t b, const char *col)
{
	if (want == -1)
		ck_assert_msg(isnan(got), "batch %lld %s: %g, not NULL",
		    (long long)b, col, got);
	else
		ck_assert_msg(got == want, "batch %lld %s: %g, not %g",
		    (long long)b, col, got, want);
}

START_TEST(test_columns_from_structs)
{
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct detector_report dr;
	uint64_t counts[2] = { 3, 4 };
	struct store *s;
	char *cause = NULL;
	size_t i;
	int64_t b;

	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_schema_put(s, &schema, &cause), 0);
	for (i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
		b = (int64_t)i + 1;
		add_closed_row(s, b);
		feature_from_case(&fcases[i], NF, &fr);
		ck_assert_msg(store_report_put_feature(s, b, &schema, &fr,
		    &cause) == 0, "%s", cause);
		feature_report_finish(&fr);
	}
	memset(&pr, 0, sizeof pr);
	pr.n_classes = 2;
	pr.class_counts = counts;
	pr.label_shift_drift = true;
	ck_assert_int_eq(store_report_put_prediction(s, 1, &schema, &pr,
	    &cause), 0);
	memset(&perf, 0, sizeof perf);
	perf.n_classes = 2;
	perf.confusion = xcalloc(4, sizeof *perf.confusion);
	perf.any_decay = true;
	ck_assert_int_eq(store_report_put_performance(s, 2, &schema, &perf,
	    &cause), 0);
	free(perf.confusion);
	memset(&dr, 0, sizeof dr);
	dr.adwin_drift = true;
	ck_assert_int_eq(store_report_put_detectors(s, 3, &dr, &cause), 0);
	/* A report of the wrong size is refused before anything is stored. */
	feature_from_case(&fcases[0], NF, &fr);
	fr.n_features = 2;
	ck_assert_int_eq(store_report_put_feature(s, 9, &schema, &fr,
	    &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "encoding the feature report"));
	free(cause);
	fr.n_features = NF;
	feature_report_finish(&fr);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);

	for (i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
		b = (int64_t)i + 1;
		check_value(ledger(b, "max_psi"), fcases[i].max_psi, b,
		    "max_psi");
		check_value(ledger(b, "psi_verdict"), fcases[i].psi_verdict, b,
		    "psi_verdict");
		check_value(ledger(b, "ks_drift"), fcases[i].ks_drift, b,
		    "ks_drift");
		check_value(ledger(b, "psi_warning"), fcases[i].psi_warning, b,
		    "psi_warning");
		check_value(ledger(b, "psi_critical"), fcases[i].psi_critical,
		    b, "psi_critical");
	}
	check_value(ledger(2, "min_ks_p"), 1e-4, 2, "min_ks_p");
	check_value(ledger(4, "min_ks_p"), 0.3, 4, "min_ks_p");
	check_value(ledger(1, "label_shift_drift"), 1, 1, "label_shift");
	check_value(ledger(1, "confidence_drift"), 0, 1, "confidence");
	check_value(ledger(2, "any_decay"), 1, 2, "any_decay");
	check_value(ledger(3, "adwin_drift"), 1, 3, "adwin_drift");
	check_value(ledger(3, "ddm_drift"), 0, 3, "ddm_drift");
	ck_assert(q_double("SELECT count(*) FROM monitor_reports WHERE"
	    " batch_id = 9") == 0);
	/* The payload carries the verdicts and the thresholds. */
	/* The seed's JSON reads, in each backend's JSON functions. */
	ck_assert(q_double(fixture_pg ? "SELECT CAST(payload AS json)"
	    " #>> '{thresholds,score,psi_critical}' FROM monitor_reports"
	    " WHERE batch_id = 3 AND report_type = 'feature'" :
	    "SELECT json_extract(payload,"
	    " '$.thresholds.score.psi_critical') FROM monitor_reports"
	    " WHERE batch_id = 3 AND report_type = 'feature'") == 50);
	ck_assert(q_double(fixture_pg ? "SELECT CASE WHEN CAST(payload AS"
	    " json) #>> '{investigate_features_psi,0}' = 'income' THEN 1"
	    " ELSE 0 END FROM monitor_reports WHERE batch_id = 2 AND"
	    " report_type = 'feature'" :
	    "SELECT json_extract(payload,"
	    " '$.investigate_features_psi[0]') = 'income' FROM"
	    " monitor_reports WHERE batch_id = 2 AND report_type ="
	    " 'feature'") == 1);
}
END_TEST

/* ---- A store of the previous release --------------------------------- */

static void
copy_fixture(const char *name)
{
	char *cmd;

	cmd = xasprintf("cp '%s/tests/fixtures/%s' '%s'",
	    getenv("MLMON_SOURCE_ROOT"), name, db_target);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
	free(cmd);
}

/* What the console shows of a store, for comparing two reads. */
struct shown {
	struct query_overview	ov;	/* plain fields only */
	struct query_series	series;
	bool			history_uniform;
};

static void
shown_read(struct shown *out)
{
	struct query *q;
	const struct query_overview *ov;

	memset(out, 0, sizeof *out);
	q = query_create(db_target);
	ck_assert_int_eq(query_refresh(q), 1);
	ck_assert_int_eq(query_state(q), QUERY_OK);
	ov = query_overview(q);
	out->ov = *ov;
	out->ov.feature_names = NULL;
	out->ov.class_names = NULL;
	ck_assert_int_eq(query_series_load(q, ov->first_batch,
	    ov->latest_batch, QUERY_REPORT_FEATURE | QUERY_REPORT_PREDICTION |
	    QUERY_REPORT_PERFORMANCE, &out->series), 0);
	out->history_uniform = ov->thresholds.history_uniform;
	query_destroy(q);
}

static bool
same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void
shown_compare(const struct shown *a, const struct shown *b)
{
	const struct query_series *x = &a->series, *y = &b->series;
	size_t i, k = x->n * x->n_features;
	int d;

	ck_assert_int_eq(a->ov.n_batches, b->ov.n_batches);
	ck_assert_int_eq(a->ov.rows, b->ov.rows);
	ck_assert_int_eq(a->ov.n_feature_reports, b->ov.n_feature_reports);
	ck_assert_int_eq(a->ov.drift_psi_warning, b->ov.drift_psi_warning);
	ck_assert_int_eq(a->ov.drift_psi_critical, b->ov.drift_psi_critical);
	for (d = 0; d < QUERY_DET_COUNT; d++)
		ck_assert_int_eq(a->ov.first_fired[d], b->ov.first_fired[d]);
	ck_assert(same_double(a->ov.accuracy, b->ov.accuracy));
	ck_assert(same_double(a->ov.ls_p, b->ov.ls_p));
	ck_assert(memcmp(&a->ov.thresholds, &b->ov.thresholds,
	    sizeof a->ov.thresholds) == 0);
	ck_assert_uint_eq(x->n, y->n);
	ck_assert_uint_eq(x->n_features, y->n_features);
	ck_assert(memcmp(x->flags, y->flags, x->n) == 0);
	ck_assert(memcmp(x->fverdict, y->fverdict, k) == 0);
	for (i = 0; i < k; i++) {
		ck_assert(same_double(x->psi[i], y->psi[i]));
		ck_assert(same_double(x->psi_critical[i], y->psi_critical[i]));
	}
	for (i = 0; i < x->n; i++)
		ck_assert(same_double(x->acc[i], y->acc[i]));
}

START_TEST(test_v2_store_migrates)
{
	struct shown before, after, more;
	struct feature_report fr;
	struct feature_case fc = fcases[2];
	struct store_schema sc;
	struct store *s;
	char *cause = NULL;
	int d;

	copy_fixture("store-v2.db");
	ck_assert(q_double("PRAGMA user_version") == 2);
	/* The console reads it as it is (read-only, never migrates). */
	shown_read(&before);
	ck_assert(q_double("PRAGMA user_version") == 2);
	/* The numbers the previous release showed, from its own columns. */
	ck_assert(before.ov.n_feature_reports == q_double("SELECT count(*)"
	    " FROM batches WHERE max_psi IS NOT NULL"));
	ck_assert_int_gt(before.ov.drift_psi_critical, 0);
	ck_assert(before.ov.drift_psi_critical == q_double("SELECT count(*)"
	    " FROM batches WHERE max_psi > 0.20"));
	ck_assert(before.ov.drift_psi_warning == q_double("SELECT count(*)"
	    " FROM batches WHERE max_psi > 0.10"));
	ck_assert(before.ov.first_fired[QUERY_DET_PSI] == q_double("SELECT"
	    " min(batch_id) FROM batches WHERE max_psi > 0.20"));
	ck_assert(before.ov.first_fired[QUERY_DET_KS] == q_double("SELECT"
	    " min(batch_id) FROM batches WHERE min_ks_p < 0.01"));
	/* No thresholds stored: the defaults, and said so. */
	ck_assert(before.ov.thresholds.known && !before.ov.thresholds.stored);
	ck_assert(before.ov.thresholds.psi_critical == 0.20 &&
	    before.ov.thresholds.psi_warning == 0.10);
	ck_assert(before.history_uniform);

	/* The first read-write open migrates in place. */
	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	store_close(s);
	/* 2 -> 3 -> 4 -> 5 -> 6 -> 7: one model, "default". */
	ck_assert(q_double("PRAGMA user_version") == 7);
	ck_assert(q_double("SELECT value FROM meta WHERE key ="
	    " 'schema_version'") == 7);
	ck_assert(q_double("SELECT count(*) FROM models"
	    " WHERE name = 'default' AND model_id = 1") == 1);
	ck_assert(q_double("SELECT count(*) FROM batches b JOIN"
	    " monitor_reports r USING (batch_id) WHERE r.report_type ="
	    " 'feature' AND (b.psi_verdict = 2) <>"
	    " (json_array_length(r.payload, '$.drifted_features_psi') > 0)")
	    == 0);
	ck_assert(q_double("SELECT count(*) FROM batches WHERE psi_critical"
	    " IS NOT 0.2 AND max_psi IS NOT NULL") == 0);
	shown_read(&after);
	shown_compare(&before, &after);

	/* It takes new reports, judged with other thresholds. */
	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	ck_assert_int_eq(store_schema_get(s, &sc, &cause), 0);
	add_closed_row(s, 13);
	fc.psi[0] = 0.5;	/* under 30/50: no verdict */
	feature_from_case(&fc, sc.n_features, &fr);
	ck_assert_msg(store_report_put_feature(s, 13, &sc, &fr, &cause) == 0,
	    "%s", cause);
	feature_report_finish(&fr);
	store_schema_finish(&sc);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	shown_read(&more);
	ck_assert_int_eq(more.ov.latest_batch, 13);
	ck_assert_int_eq(more.ov.n_feature_reports,
	    after.ov.n_feature_reports + 1);
	ck_assert_int_eq(more.ov.drift_psi_critical,
	    after.ov.drift_psi_critical);
	ck_assert_int_eq(more.ov.drift_psi_warning,
	    after.ov.drift_psi_warning);
	for (d = 0; d < QUERY_DET_COUNT; d++)
		ck_assert_int_eq(more.ov.first_fired[d],
		    after.ov.first_fired[d]);
	ck_assert(more.ov.thresholds.stored &&
	    more.ov.thresholds.psi_critical == 50);
	ck_assert(!more.history_uniform);
	/* Each batch keeps its own thresholds in the series. */
	ck_assert(more.series.psi_critical[0] == 0.20);
	ck_assert(more.series.psi_critical[(more.series.n - 1) *
	    more.series.n_features] == 50);
	ck_assert_int_eq(more.series.fverdict[(more.series.n - 1) *
	    more.series.n_features], 0);
	query_series_finish(&before.series);
	query_series_finish(&after.series);
	query_series_finish(&more.series);
}
END_TEST

/*
 * A store of the schema 3 release: the console reads it as it is
 * (read-only, TEMP views give it model 1), shows the same numbers once
 * migrated to one model "default", and it takes new rows.
 */
START_TEST(test_v3_store_migrates)
{
	struct shown before, after, more;
	struct store *s;
	char *cause = NULL;

	copy_fixture("store-v3.db");
	ck_assert(q_double("PRAGMA user_version") == 3);
	shown_read(&before);
	ck_assert(q_double("PRAGMA user_version") == 3);
	ck_assert_int_eq(before.ov.latest_batch, 13);
	ck_assert(before.ov.n_batches == q_double("SELECT count(*)"
	    " FROM batches"));

	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	store_close(s);
	ck_assert(q_double("PRAGMA user_version") == 7);
	ck_assert(q_double("SELECT count(*) FROM models") == 1);
	ck_assert(q_double("SELECT count(*) FROM batches"
	    " WHERE model_id <> 1") == 0);
	ck_assert(q_double("SELECT count(*) FROM pending_labels"
	    " WHERE model_id = 1") == 1);
	shown_read(&after);
	shown_compare(&before, &after);

	s = store_open(db_target, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "%s", cause);
	add_closed_row(s, 14);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	store_close(s);
	shown_read(&more);
	ck_assert_int_eq(more.ov.latest_batch, 14);
	ck_assert_int_eq(more.ov.n_batches, after.ov.n_batches + 1);
	query_series_finish(&before.series);
	query_series_finish(&after.series);
	query_series_finish(&more.series);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_columns_from_structs, NULL },
		{ test_v2_store_migrates, "a SQLite file written by the"
		    " schema 2 release" },
		{ test_v3_store_migrates, "a SQLite file written by the"
		    " schema 3 release" },
	};

	return fixture_main(argc, argv, "verdicts", cases,
	    sizeof cases / sizeof cases[0], 60);
}
