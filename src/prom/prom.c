/*
 * The text exposition of one store: every model of it (or the one
 * asked for), each model's values read while the query shows that model
 * and kept as a snapshot (struct prom_model), then printed family by
 * family, each family's samples of every model together under one HELP
 * and TYPE (the format allows no second). A family is printed only when
 * it has a sample: a value the store does not hold yet (no labelled
 * batch, no feature report) is an absent series, never a NaN sample.
 * Every sample carries model="..."; per-feature families add
 * feature="name", the name as the schema stores it, escaped. No sample
 * has a timestamp (the textfile collector refuses them).
 *
 * Which batch a value comes from is itself exported
 * (mlmon_report_batch_id{report=...}): the newest stored report of each
 * type, which differ while labels lag behind predictions.
 */
#include "prom/prom.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/severity.h"
#include "core/xalloc.h"
#include "db/query.h"
#include "db/store.h"

/* One metric family. */
struct prom_family {
	const char	*name;
	const char	*type;		/* "gauge" or "counter" */
	const char	*help;
};

enum {
	FAM_ROWS,
	FAM_LABELLED,
	FAM_LAST_BATCH,
	FAM_LAST_BATCH_TIME,
	FAM_OPEN,
	FAM_REPORT_BATCH,
	FAM_PSI,
	FAM_KS_STAT,
	FAM_KS_P,
	FAM_LS_P,
	FAM_MEAN_CONF,
	FAM_ACC,
	FAM_F1,
	FAM_ECE,
	FAM_EST_ACC,
	FAM_EST_F1,
	FAM_EST_DECAY,
	FAM_EST_MAE,
	FAM_EST_GRADED,
	FAM_COUNT,
};

static const struct prom_family prom_families[FAM_COUNT] = {
	[FAM_ROWS] = { "mlmon_rows_total", "counter",
	    "Predictions logged to the store." },
	[FAM_LABELLED] = { "mlmon_labelled_rows_total", "counter",
	    "Logged predictions whose true class has arrived." },
	[FAM_LAST_BATCH] = { "mlmon_last_batch_id", "gauge",
	    "Id of the newest batch in the store." },
	[FAM_LAST_BATCH_TIME] = { "mlmon_last_batch_timestamp_seconds",
	    "gauge", "When the newest batch closed (opened, while it is "
	    "open), in Unix time." },
	[FAM_OPEN] = { "mlmon_open_conditions", "gauge",
	    "Alert conditions open now, by severity." },
	[FAM_REPORT_BATCH] = { "mlmon_report_batch_id", "gauge",
	    "Batch of the newest stored report of each type, which the "
	    "report's metrics come from." },
	[FAM_PSI] = { "mlmon_feature_psi", "gauge",
	    "Population stability index of the feature against the "
	    "reference (newest feature report)." },
	[FAM_KS_STAT] = { "mlmon_feature_ks_statistic", "gauge",
	    "Two-sample Kolmogorov-Smirnov statistic D of the feature "
	    "against the reference (newest feature report)." },
	[FAM_KS_P] = { "mlmon_feature_ks_pvalue", "gauge",
	    "Kolmogorov-Smirnov p-value of the feature (newest feature "
	    "report)." },
	[FAM_LS_P] = { "mlmon_label_shift_pvalue", "gauge",
	    "Chi-squared label-shift p-value of the predicted classes "
	    "(newest prediction report)." },
	[FAM_MEAN_CONF] = { "mlmon_mean_confidence_ratio", "gauge",
	    "Mean confidence of the predictions (newest prediction "
	    "report)." },
	[FAM_ACC] = { "mlmon_accuracy_ratio", "gauge",
	    "Accuracy on the labelled rows (newest performance report)." },
	[FAM_F1] = { "mlmon_macro_f1_ratio", "gauge",
	    "Macro-averaged F1 score (newest performance report)." },
	[FAM_ECE] = { "mlmon_expected_calibration_error_ratio", "gauge",
	    "Expected calibration error (newest performance report)." },
	[FAM_EST_ACC] = { "mlmon_estimated_accuracy_ratio", "gauge",
	    "Accuracy estimated before the labels by CBPE, with its lower "
	    "and upper bound (newest estimated_performance report)." },
	[FAM_EST_F1] = { "mlmon_estimated_macro_f1_ratio", "gauge",
	    "Macro F1 estimated before the labels by CBPE, with its bounds "
	    "(newest estimated_performance report)." },
	[FAM_EST_DECAY] = { "mlmon_estimated_decay", "gauge",
	    "1 when the newest estimate's upper bound is below the "
	    "reference minus the decay threshold (the stored verdict)." },
	[FAM_EST_MAE] = { "mlmon_estimate_mean_absolute_error_ratio",
	    "gauge", "Mean absolute error of the estimates graded when "
	    "their labels landed (realized minus estimated)." },
	[FAM_EST_GRADED] = { "mlmon_estimates_graded_total", "counter",
	    "Batches whose estimate was graded against their labels." },
};

char *
prom_label_escape(const char *s)
{
	char *out, *o;

	out = o = xmalloc(strlen(s) * 2 + 1);
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"') {
			*o++ = '\\';
			*o++ = *s;
		} else if (*s == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

void
prom_format_value(double v, char buf[32])
{
	if (isnan(v))
		snprintf(buf, 32, "NaN");
	else if (isinf(v))
		snprintf(buf, 32, "%s", v > 0 ? "+Inf" : "-Inf");
	else
		store_format_double(buf, 32, v);
}

/* The HELP and TYPE lines of a family. */
static void
prom_header(FILE *out, int fam)
{
	const struct prom_family *f = &prom_families[fam];

	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
	    f->name, f->type);
}

/*
 * What one model's families print, from a snapshot of its overview and
 * metrics taken while the query showed it.
 */
struct prom_model {
	char			*label;		/* model name, escaped */
	struct query_overview	 ov;		/* a copy: names owned here */
	struct query_metrics	 m;
};

/*
 * One sample of family fam for pm: {model="..."} plus one more label
 * when key is not NULL (value already escaped). Printed when out is not
 * NULL; counted (1) either way.
 */
static int
prom_sample(FILE *out, int fam, const struct prom_model *pm,
    const char *key, const char *value, double v)
{
	char num[32];

	if (out == NULL)
		return 1;
	prom_format_value(v, num);
	if (key != NULL)
		fprintf(out, "%s{model=\"%s\",%s=\"%s\"} %s\n",
		    prom_families[fam].name, pm->label, key, value, num);
	else
		fprintf(out, "%s{model=\"%s\"} %s\n", prom_families[fam].name,
		    pm->label, num);
	return 1;
}

/* A sample with no more label, when v is known. */
static int
prom_known(FILE *out, int fam, const struct prom_model *pm, double v)
{
	return isnan(v) ? 0 : prom_sample(out, fam, pm, NULL, NULL, v);
}

/* A per-feature family from v[0..nf), the known values. */
static int
prom_features(FILE *out, int fam, const struct prom_model *pm,
    const double *v)
{
	char **names = pm->ov.feature_names, *name;
	size_t i;
	int n = 0;

	for (i = 0; i < pm->m.n_features && i < pm->ov.n_features; i++) {
		if (isnan(v[i]) || names == NULL || names[i] == NULL)
			continue;
		name = out != NULL ? prom_label_escape(names[i]) : NULL;
		n += prom_sample(out, fam, pm, "feature", name, v[i]);
		free(name);
	}
	return n;
}

/* A value with its bounds: {bound="estimate"|"lower"|"upper"}. */
static int
prom_bounded(FILE *out, int fam, const struct prom_model *pm, double v,
    double lo, double hi)
{
	return prom_sample(out, fam, pm, "bound", "estimate", v) +
	    prom_sample(out, fam, pm, "bound", "lower", lo) +
	    prom_sample(out, fam, pm, "bound", "upper", hi);
}

/* The samples of family fam for one model (none: the store lacks it). */
static int
prom_family(FILE *out, int fam, const struct prom_model *pm)
{
	const struct query_overview *ov = &pm->ov;
	const struct query_metrics *m = &pm->m;
	const struct cbpe_estimate *e = &ov->est.cbpe;
	bool est = ov->has_est && ov->est.available;
	int n = 0;

	switch (fam) {
	case FAM_ROWS:
		return prom_sample(out, fam, pm, NULL, NULL, (double)ov->rows);
	case FAM_LABELLED:
		return prom_sample(out, fam, pm, NULL, NULL,
		    (double)ov->labelled);
	case FAM_LAST_BATCH:
		return m->last_batch < 0 ? 0 : prom_sample(out, fam, pm, NULL,
		    NULL, (double)m->last_batch);
	case FAM_LAST_BATCH_TIME:
		return prom_known(out, fam, pm, m->last_batch_time);
	case FAM_OPEN:
		return prom_sample(out, fam, pm, "severity",
		    severity_name(SEVERITY_WARNING), (double)m->open_warning) +
		    prom_sample(out, fam, pm, "severity",
		    severity_name(SEVERITY_CRITICAL), (double)m->open_critical);
	case FAM_REPORT_BATCH:
		if (m->feature_batch >= 0)
			n += prom_sample(out, fam, pm, "report", "feature",
			    (double)m->feature_batch);
		if (ov->has_pred)
			n += prom_sample(out, fam, pm, "report", "prediction",
			    (double)ov->pred_batch);
		if (ov->has_perf)
			n += prom_sample(out, fam, pm, "report", "performance",
			    (double)ov->perf_batch);
		if (est)
			n += prom_sample(out, fam, pm, "report",
			    "estimated_performance", (double)ov->est_batch);
		return n;
	case FAM_PSI:
		return prom_features(out, fam, pm, m->psi);
	case FAM_KS_STAT:
		return prom_features(out, fam, pm, m->ks_stat);
	case FAM_KS_P:
		return prom_features(out, fam, pm, m->ks_p);
	case FAM_LS_P:
		return ov->has_pred ? prom_known(out, fam, pm, ov->ls_p) : 0;
	case FAM_MEAN_CONF:
		return ov->has_pred ? prom_known(out, fam, pm, ov->mean_conf) :
		    0;
	case FAM_ACC:
		return ov->has_perf ? prom_known(out, fam, pm, ov->accuracy) :
		    0;
	case FAM_F1:
		return ov->has_perf ? prom_known(out, fam, pm, ov->f1) : 0;
	case FAM_ECE:
		return ov->has_perf ? prom_known(out, fam, pm, ov->ece) : 0;
	case FAM_EST_ACC:
		return est ? prom_bounded(out, fam, pm, e->accuracy,
		    e->accuracy_lower, e->accuracy_upper) : 0;
	case FAM_EST_F1:
		return est ? prom_bounded(out, fam, pm, e->f1_macro,
		    e->f1_lower, e->f1_upper) : 0;
	case FAM_EST_DECAY:
		return est ? prom_known(out, fam, pm, ov->est.decayed) : 0;
	case FAM_EST_MAE:
		return ov->n_graded == 0 ? 0 : prom_sample(out, fam, pm,
		    "metric", "accuracy", ov->mae_acc) + prom_sample(out, fam,
		    pm, "metric", "macro_f1", ov->mae_f1);
	case FAM_EST_GRADED:
		return ov->n_graded == 0 ? 0 : prom_known(out, fam, pm,
		    (double)ov->n_graded);
	default:
		return 0;
	}
}

/*
 * Take the model q shows: its overview (the feature names copied, the
 * class names left out) and its metrics. 0, or -1 and *cause.
 */
static int
prom_model_take(struct query *q, struct prom_model *pm, char **cause)
{
	const struct query_overview *ov = query_overview(q);
	size_t i;

	memset(pm, 0, sizeof *pm);
	if (query_metrics_load(q, &pm->m, cause) != 0) {
		query_metrics_finish(&pm->m);
		return -1;
	}
	pm->label = prom_label_escape(query_model(q));
	pm->ov = *ov;
	pm->ov.class_names = NULL;
	pm->ov.n_classes = 0;
	pm->ov.feature_names = NULL;
	if (ov->n_features > 0 && ov->feature_names != NULL) {
		pm->ov.feature_names = xcalloc(ov->n_features,
		    sizeof *pm->ov.feature_names);
		for (i = 0; i < ov->n_features; i++)
			if (ov->feature_names[i] != NULL)
				pm->ov.feature_names[i] =
				    xstrdup(ov->feature_names[i]);
	}
	return 0;
}

static void
prom_model_finish(struct prom_model *pm)
{
	size_t i;

	for (i = 0; pm->ov.feature_names != NULL && i < pm->ov.n_features;
	    i++)
		free(pm->ov.feature_names[i]);
	free(pm->ov.feature_names);
	free(pm->label);
	query_metrics_finish(&pm->m);
	memset(pm, 0, sizeof *pm);
}

/*
 * Snapshot the models named into pms[i] (label NULL: left out, no batch
 * yet): the one q shows as it is, every other by showing it, and then q
 * shows its own model again. 0, or -1 and *cause.
 */
static int
prom_take_all(struct query *q, const char *const *names, size_t n,
    struct prom_model *pms, char **cause)
{
	char *shown = xstrdup(query_model(q));
	bool moved = false;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		if (strcmp(names[i], shown) == 0)
			rc = prom_model_take(q, &pms[i], cause);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcmp(names[i], shown) == 0)
			continue;
		query_set_model(q, names[i]);
		moved = true;
		if (query_refresh(q) == -1) {
			*cause = xasprintf("%s: busy (a writer holds the "
			    "lock: try again)", query_path(q));
			rc = -1;
		} else if (query_state(q) == QUERY_OK)
			rc = prom_model_take(q, &pms[i], cause);
	}
	if (moved) {
		query_set_model(q, shown);
		query_refresh(q);
	}
	free(shown);
	return rc;
}

int
prom_write(struct query *q, const char *only, FILE *out, char **cause)
{
	struct query_fleet fleet;
	struct prom_model *pms;
	const char **names;
	size_t i, n;
	int fam, k, rc;

	if (query_state(q) == QUERY_EMPTY)
		return 0;
	if (query_state(q) != QUERY_OK) {
		*cause = xasprintf("%s: %s", query_path(q), query_message(q));
		return -1;
	}
	memset(&fleet, 0, sizeof fleet);
	if (only == NULL && query_fleet_load(q, &fleet) != 0) {
		*cause = xasprintf("%s: busy (a writer holds the lock: try "
		    "again)", query_path(q));
		return -1;
	}
	n = only != NULL ? 1 : fleet.n;
	names = xcalloc(n > 0 ? n : 1, sizeof *names);
	pms = xcalloc(n > 0 ? n : 1, sizeof *pms);
	for (i = 0; i < n; i++)
		names[i] = only != NULL ? only : fleet.rows[i].model;
	rc = prom_take_all(q, names, n, pms, cause);
	/* A family's samples together, under one HELP and TYPE. */
	for (fam = 0; rc == 0 && fam < FAM_COUNT; fam++) {
		for (k = 0, i = 0; i < n; i++)
			if (pms[i].label != NULL)
				k += prom_family(NULL, fam, &pms[i]);
		if (k == 0)
			continue;
		prom_header(out, fam);
		for (i = 0; i < n; i++)
			if (pms[i].label != NULL)
				prom_family(out, fam, &pms[i]);
	}
	for (i = 0; i < n; i++)
		prom_model_finish(&pms[i]);
	free(pms);
	free(names);
	query_fleet_finish(&fleet);
	return rc;
}
