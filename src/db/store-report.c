/*
 * Reports into the store, as typed values. The monitors hand over their
 * report structs; here each is encoded once to the seed's JSON payload
 * (report-json.c) and stored, and the batch ledger's summary columns
 * (docs/SCHEMA.md, batches) are filled from the same struct in the same
 * transaction: the verdicts the monitor decided, never re-derived from
 * the text just written. The columns are held (store-summary.c) and
 * written by one UPDATE per batch, whichever reports it got.
 *
 *   feature      max_psi, min_ks_p (NULL when every value is NaN),
 *                psi_verdict (0 none, 1 investigate, 2 drift: the worst
 *                feature's), ks_drift, psi_warning and psi_critical
 *                (the batch's PSI thresholds; NULL when features differ)
 *   prediction   label_shift_drift, confidence_drift
 *   performance  any_decay, accuracy, acc_delta
 *   detectors    ddm_drift, adwin_drift
 *   estimated_performance   none (no ledger column: the payload holds
 *                the estimate, its bounds and the estimated_decay verdict)
 *
 * Stores written before version 3 get the same columns from the SQL in
 * schema.c (the migration, and the console's read of an old file).
 */
#include "db/store-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json.h"

static const char sql_report_put[] =
    "INSERT INTO monitor_reports (batch_id, report_type, payload,"
    " created_at, model_id) VALUES (?1, ?2, ?3, ?4, :model)"
    " ON CONFLICT (model_id, batch_id, report_type) DO UPDATE SET"
    " payload = excluded.payload, created_at = excluded.created_at"
    " WHERE monitor_reports.payload IS DISTINCT FROM excluded.payload";

/* Store the payload (taken: freed here) of batch_id's report of type. */
static int
report_insert(struct store *s, int64_t batch_id, const char *type,
    char *payload, char *why, char **cause)
{
	struct db_stmt *st;
	double at;
	int rc = -1;

	if (payload == NULL) {
		*cause = xasprintf("encoding the %s report of batch %lld: %s",
		    type, (long long)batch_id, why != NULL ? why : "failed");
		free(why);
		return -1;
	}
	if (store_write_begin(s, cause) == -1)
		goto out;
	at = clock_wall();
	s->tx_writes++;
	/* A claimed batch's judgement: written at its end, all in one. */
	if (s->judging && store_report_kept(s, batch_id, type, payload, at,
	    true)) {
		rc = 0;
		goto out;
	}
	if ((st = store_stmt(s, sql_report_put, cause)) == NULL)
		goto out;
	db_bind_int64(st, 1, batch_id);
	db_bind_text(st, 2, type, -1, DB_STATIC);
	db_bind_text(st, 3, payload, -1, DB_STATIC);
	db_bind_double(st, 4, at);
	rc = store_stmt_send(s, st, "storing a report", cause);
	if (rc == 0)	/* read back from here in this transaction */
		store_report_kept(s, batch_id, type, payload, at, false);
out:
	free(payload);
	return rc;
}

int
store_report_put_feature(struct store *s, int64_t batch_id,
    const struct store_schema *sc, const struct feature_report *r,
    char **cause)
{
	double max_psi = NAN, min_ks_p = NAN, warn = NAN, crit = NAN;
	int verdict = 0, ks = 0;
	struct store_summary *m;
	char *why = NULL, *payload;
	size_t f;

	payload = report_json_encode_feature(r, sc, &why);
	if (report_insert(s, batch_id, REPORT_TYPE_FEATURE, payload, why,
	    cause) == -1)
		return -1;
	for (f = 0; f < r->n_features; f++) {
		if (!isnan(r->psi[f]) && !(r->psi[f] <= max_psi))
			max_psi = r->psi[f];
		if (!isnan(r->ks_p_value[f]) && !(r->ks_p_value[f] >= min_ks_p))
			min_ks_p = r->ks_p_value[f];
		if (r->drift_psi[f])
			verdict = 2;
		else if (r->investigate_psi[f] && verdict == 0)
			verdict = 1;
		ks |= r->drift_ks[f];
	}
	for (f = 0; f < r->n_features; f++)
		if (r->thresholds[f].psi_warning != r->thresholds[0].psi_warning ||
		    r->thresholds[f].psi_critical !=
		    r->thresholds[0].psi_critical)
			break;
	if (r->n_features > 0 && f == r->n_features) {
		warn = r->thresholds[0].psi_warning;
		crit = r->thresholds[0].psi_critical;
	}
	if ((m = store_summary_hold(s, batch_id, STORE_SUMMARY_FEATURE,
	    cause)) == NULL)
		return -1;
	m->max_psi = max_psi;
	m->min_ks_p = min_ks_p;
	m->psi_verdict = verdict;
	m->ks_drift = ks;
	m->psi_warning = warn;
	m->psi_critical = crit;
	return 0;
}

int
store_report_put_prediction(struct store *s, int64_t batch_id,
    const struct store_schema *sc, const struct prediction_report *r,
    char **cause)
{
	struct store_summary *m;
	char *why = NULL, *payload;

	payload = report_json_encode_prediction(r, sc, &why);
	if (report_insert(s, batch_id, REPORT_TYPE_PREDICTION, payload, why,
	    cause) == -1)
		return -1;
	if ((m = store_summary_hold(s, batch_id, STORE_SUMMARY_PREDICTION,
	    cause)) == NULL)
		return -1;
	m->label_shift_drift = r->label_shift_drift;
	m->confidence_drift = r->confidence_drift;
	return 0;
}

int
store_report_put_performance(struct store *s, int64_t batch_id,
    const struct store_schema *sc, const struct performance_report *r,
    char **cause)
{
	struct store_summary *m;
	char *why = NULL, *payload;

	payload = report_json_encode_performance(r, sc, &why);
	if (report_insert(s, batch_id, REPORT_TYPE_PERFORMANCE, payload, why,
	    cause) == -1)
		return -1;
	if ((m = store_summary_hold(s, batch_id, STORE_SUMMARY_PERFORMANCE,
	    cause)) == NULL)
		return -1;
	m->any_decay = r->any_decay;
	m->accuracy = r->accuracy;
	m->acc_delta = r->acc_delta;
	return 0;
}

int
store_report_put_detectors(struct store *s, int64_t batch_id,
    const struct detector_report *r, char **cause)
{
	struct store_summary *m;
	char *why = NULL, *payload;

	payload = report_json_encode_detectors(r, &why);
	if (report_insert(s, batch_id, REPORT_TYPE_DETECTORS, payload, why,
	    cause) == -1)
		return -1;
	if ((m = store_summary_hold(s, batch_id, STORE_SUMMARY_DETECTORS,
	    cause)) == NULL)
		return -1;
	m->ddm_drift = r->ddm_drift;
	m->adwin_drift = r->adwin_drift;
	return 0;
}

int
store_report_put_estimate(struct store *s, int64_t batch_id,
    const struct estimate_report *r, char **cause)
{
	char *why = NULL, *payload;

	payload = report_json_encode_estimate(r, &why);
	return report_insert(s, batch_id, REPORT_TYPE_ESTIMATE, payload, why,
	    cause);
}

int
store_report_get_estimate(struct store *s, int64_t batch_id,
    struct estimate_report *out, char **cause)
{
	char *payload = NULL, *why = NULL;
	int rc;

	rc = store_report_get(s, batch_id, REPORT_TYPE_ESTIMATE, &payload,
	    cause);
	if (rc != 0)
		return rc;
	rc = report_json_decode_estimate(payload, strlen(payload), out, &why);
	free(payload);
	if (rc != 0) {
		*cause = xasprintf("%s: batch %lld: %s", store_path(s),
		    (long long)batch_id, why);
		free(why);
		return -1;
	}
	return 0;
}
