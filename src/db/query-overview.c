/*
 * query-overview: the overview of the model shown, re-read when the store
 * changed, inside query_refresh's read transaction: meta (feature and
 * class names), the ledger's counts and times, its summary columns (drift
 * counts, the first batch each detector fired), the newest report of each
 * type decoded with the one decoder, and whether every batch was judged
 * with the same PSI thresholds.
 *
 * Cost model. A handful of indexed single-row reads (meta, the newest
 * report of two types, the newest rows) and one aggregate pass over the
 * batches ledger: a few dozen bytes a batch, never the predictions and
 * never a report's JSON. The drift counts and the first batch each
 * detector fired come from the ledger's stored verdicts (schema version
 * 3, written with each report; docs/SCHEMA.md). On an older SQLite file,
 * not yet opened by a newer mlmon-ingest, the same pass computes them
 * from the reports with SQLite's JSON functions: correct, but O(reports)
 * until ingest upgrades the file (a PostgreSQL store is never older).
 */
#include "db/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store-internal.h"

void
query_names_free(struct query_overview *ov)
{
	size_t i;

	for (i = 0; i < ov->n_features; i++)
		free(ov->feature_names[i]);
	free(ov->feature_names);
	for (i = 0; i < (size_t)(ov->n_classes > 0 ? ov->n_classes : 0); i++)
		free(ov->class_names[i]);
	free(ov->class_names);
	ov->feature_names = NULL;
	ov->class_names = NULL;
	ov->n_features = 0;
	ov->n_classes = 0;
}


static char **
names_decode(const char *text, size_t n)
{
	cJSON *root, *e;
	char **out;
	size_t i = 0;

	if (n == 0)
		return NULL;
	out = xcalloc(n, sizeof *out);
	root = text != NULL ? cJSON_Parse(text) : NULL;
	if (root != NULL && cJSON_IsArray(root)) {
		cJSON_ArrayForEach(e, root) {
			if (i >= n)
				break;
			if (cJSON_IsString(e))
				out[i] = xstrdup(e->valuestring);
			i++;
		}
	}
	cJSON_Delete(root);
	for (i = 0; i < n; i++) {
		if (out[i] == NULL)
			out[i] = xasprintf("#%zu", i);
	}
	return out;
}

/* Model's meta: the counts (clamped) and the names' JSON (caller frees). */
static int
query_meta_get(struct query *q, int64_t model, long *nf, long *nc,
    char **fnames, char **cnames)
{
	struct db_stmt *st;
	const char *k, *v;
	int rc, err = 0;

	*nf = *nc = 0;
	*fnames = *cnames = NULL;
	st = query_prepare_model(q, "SELECT key, value FROM meta WHERE key IN"
	    " ('n_features', 'n_classes', 'feature_names', 'class_names')"
	    " AND model_id = :model", model);
	if (st == NULL)
		return query_err(q);
	while ((rc = db_step(st)) == DB_ROW) {
		k = db_column_text(st, 0);
		v = db_column_text(st, 1);
		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "n_features") == 0)
			*nf = strtol(v, NULL, 10);
		else if (strcmp(k, "n_classes") == 0)
			*nc = strtol(v, NULL, 10);
		else if (strcmp(k, "feature_names") == 0) {
			free(*fnames);
			*fnames = xstrdup(v);
		} else {
			free(*cnames);
			*cnames = xstrdup(v);
		}
	}
	if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	if (err != 0) {
		free(*fnames);
		free(*cnames);
		*fnames = *cnames = NULL;
		return err;
	}
	if (*nf < 0 || *nf > 4096)
		*nf = 0;
	if (*nc < 0 || *nc > 1024)
		*nc = 0;
	return 0;
}

/* meta: n_features, n_classes and the names. */
static int
query_read_meta(struct query *q)
{
	char *fnames, *cnames;
	long nf, nc;
	int err;

	if ((err = query_meta_get(q, q->model_id, &nf, &nc, &fnames,
	    &cnames)) != 0)
		return err;
	if ((size_t)nf != q->ov.n_features || nc != q->ov.n_classes ||
	    q->ov.feature_names == NULL) {
		query_names_free(&q->ov);
		q->ov.n_features = (size_t)nf;
		q->ov.n_classes = (int)nc;
		q->ov.feature_names = names_decode(fnames, (size_t)nf);
		q->ov.class_names = names_decode(cnames, (size_t)nc);
	}
	free(fnames);
	free(cnames);
	return 0;
}

int
query_names_get(struct query *q, int64_t model, struct store_schema *sc)
{
	char *fnames, *cnames;
	long nf, nc;
	int err;

	memset(sc, 0, sizeof *sc);
	if ((err = query_meta_get(q, model, &nf, &nc, &fnames, &cnames)) != 0)
		return err;
	sc->n_features = (size_t)nf;
	sc->n_classes = (int)nc;
	sc->feature_names = names_decode(fnames, (size_t)nf);
	sc->class_names = names_decode(cnames, (size_t)nc);
	free(fnames);
	free(cnames);
	return 0;
}

bool
query_schema(const struct query *q, struct store_schema *sc)
{
	sc->n_features = q->ov.n_features;
	sc->n_classes = q->ov.n_classes;
	sc->feature_names = q->ov.feature_names;
	sc->class_names = q->ov.class_names;
	return sc->n_features > 0 && sc->n_classes > 0 &&
	    sc->feature_names != NULL && sc->class_names != NULL;
}

/* The feature thresholds of the latest feature report, as stored. */
static void
query_feature_thresholds(struct query_thresholds *t,
    const struct feature_report *r)
{
	const struct feature_thresholds *a = &r->thresholds[0], *b;
	size_t f;

	t->known = true;
	t->stored = r->thresholds_stored;
	t->uniform = true;
	t->psi_warning = a->psi_warning;
	t->psi_critical = a->psi_critical;
	t->ks_alpha = a->ks_alpha;
	for (f = 1; f < r->n_features; f++) {
		b = &r->thresholds[f];
		if (memcmp(a, b, sizeof *a) != 0)
			t->uniform = false;
	}
}

/*
 * The newest report of each type, decoded with the one decoder: the
 * numbers of the overview and the thresholds they were judged with.
 */
static int
query_read_latest(struct query *q)
{
	struct query_overview *ov = &q->ov;
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct store_schema sc;
	int64_t batch;
	char *p, *cause = NULL;
	int err = 0;

	ov->has_perf = ov->has_pred = false;
	memset(&ov->thresholds, 0, sizeof ov->thresholds);
	if ((err = query_read_estimate(q)) != 0)
		return err;
	if (!query_schema(q, &sc))
		return 0;
	p = query_latest_report(q, "feature", &batch, &err);
	if (p != NULL && report_json_decode_feature(p, strlen(p), &sc, &fr,
	    &cause) == 0) {
		query_feature_thresholds(&ov->thresholds, &fr);
		feature_report_finish(&fr);
	}
	free(p);
	free(cause);
	cause = NULL;
	p = query_latest_report(q, "performance", &ov->perf_batch, &err);
	if (p != NULL && report_json_decode_performance(p, strlen(p), &sc,
	    &perf, &cause) == 0) {
		ov->has_perf = true;
		ov->perf_coverage = performance_coverage(&perf);
		ov->accuracy = perf.accuracy;
		ov->f1 = perf.f1_macro;
		ov->ece = perf.ece;
		ov->acc_delta = perf.acc_delta;
		ov->f1_delta = perf.f1_delta;
		ov->thresholds.decay_delta = perf.decay_delta;
		performance_report_finish(&perf);
	}
	free(p);
	free(cause);
	cause = NULL;
	p = query_latest_report(q, "prediction", &ov->pred_batch, &err);
	if (p != NULL && report_json_decode_prediction(p, strlen(p), &sc,
	    &pr, &cause) == 0) {
		ov->has_pred = true;
		ov->ls_p = pr.label_shift_p_value;
		ov->ls_drift = pr.label_shift_drift;
		ov->mean_conf = pr.mean_confidence;
		ov->ref_conf = pr.reference_mean_confidence;
		ov->conf_drift = pr.confidence_drift;
		ov->thresholds.chisq_alpha = pr.chisq_alpha;
		ov->thresholds.confidence_delta = pr.confidence_delta;
		prediction_report_finish(&pr);
	}
	free(p);
	free(cause);
	return err;
}

int
query_read_overview(struct query *q, int64_t version)
{
	int rc;

	if ((rc = query_read_meta(q)) == 0 &&
	    (rc = query_read_ledger(q, version)) == 0 &&
	    (rc = query_read_latest(q)) == 0)
		query_read_history(q);
	return rc;
}
