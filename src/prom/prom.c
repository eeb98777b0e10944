/*
 * The text exposition of one store. A family is printed (HELP, TYPE,
 * samples) only when it has a sample: a value the store does not hold
 * yet (no labelled batch, no feature report) is an absent series, never
 * a NaN sample. Every sample carries model="..."; per-feature families
 * add feature="name", the name as the schema stores it, escaped. No
 * sample has a timestamp (the textfile collector refuses them).
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
 * One sample of family fam: {model="..."} plus one more label when key
 * is not NULL (value already escaped).
 */
static void
prom_sample(FILE *out, int fam, const char *model, const char *key,
    const char *value, double v)
{
	char num[32];

	prom_format_value(v, num);
	if (key != NULL)
		fprintf(out, "%s{model=\"%s\",%s=\"%s\"} %s\n",
		    prom_families[fam].name, model, key, value, num);
	else
		fprintf(out, "%s{model=\"%s\"} %s\n", prom_families[fam].name,
		    model, num);
}

/* A family with one sample, printed when v is known. */
static void
prom_single(FILE *out, int fam, const char *model, double v)
{
	if (isnan(v))
		return;
	prom_header(out, fam);
	prom_sample(out, fam, model, NULL, NULL, v);
}

/* A per-feature family from v[0..nf), when any value is known. */
static void
prom_features(FILE *out, int fam, const char *model, char **names,
    const double *v, size_t nf)
{
	size_t i;
	bool any = false;
	char *name;

	for (i = 0; i < nf; i++)
		any = any || !isnan(v[i]);
	if (!any)
		return;
	prom_header(out, fam);
	for (i = 0; i < nf; i++) {
		if (isnan(v[i]) || names == NULL || names[i] == NULL)
			continue;
		name = prom_label_escape(names[i]);
		prom_sample(out, fam, model, "feature", name, v[i]);
		free(name);
	}
}

/* The store-wide families: counts, the newest batch, open conditions. */
static void
prom_store(FILE *out, const struct query_overview *ov,
    const struct query_metrics *m, const char *model)
{
	prom_header(out, FAM_ROWS);
	prom_sample(out, FAM_ROWS, model, NULL, NULL, (double)ov->rows);
	prom_header(out, FAM_LABELLED);
	prom_sample(out, FAM_LABELLED, model, NULL, NULL,
	    (double)ov->labelled);
	if (m->last_batch >= 0)
		prom_single(out, FAM_LAST_BATCH, model,
		    (double)m->last_batch);
	prom_single(out, FAM_LAST_BATCH_TIME, model, m->last_batch_time);
	prom_header(out, FAM_OPEN);
	prom_sample(out, FAM_OPEN, model, "severity", "warning",
	    (double)m->open_warning);
	prom_sample(out, FAM_OPEN, model, "severity", "critical",
	    (double)m->open_critical);
	if (m->feature_batch >= 0 || ov->has_pred || ov->has_perf ||
	    (ov->has_est && ov->est.available))
		prom_header(out, FAM_REPORT_BATCH);
	if (m->feature_batch >= 0)
		prom_sample(out, FAM_REPORT_BATCH, model, "report", "feature",
		    (double)m->feature_batch);
	if (ov->has_pred)
		prom_sample(out, FAM_REPORT_BATCH, model, "report",
		    "prediction", (double)ov->pred_batch);
	if (ov->has_perf)
		prom_sample(out, FAM_REPORT_BATCH, model, "report",
		    "performance", (double)ov->perf_batch);
	if (ov->has_est && ov->est.available)
		prom_sample(out, FAM_REPORT_BATCH, model, "report",
		    "estimated_performance", (double)ov->est_batch);
}

/* A value with its bounds: {bound="estimate"|"lower"|"upper"}. */
static void
prom_bounded(FILE *out, int fam, const char *model, double v, double lo,
    double hi)
{
	prom_header(out, fam);
	prom_sample(out, fam, model, "bound", "estimate", v);
	prom_sample(out, fam, model, "bound", "lower", lo);
	prom_sample(out, fam, model, "bound", "upper", hi);
}

/*
 * The estimate before labels, when the newest report holds one (a
 * reference without labels: no series), and the grades of the estimates.
 */
static void
prom_estimate(FILE *out, const struct query_overview *ov, const char *model)
{
	const struct cbpe_estimate *e = &ov->est.cbpe;

	if (ov->has_est && ov->est.available) {
		prom_bounded(out, FAM_EST_ACC, model, e->accuracy,
		    e->accuracy_lower, e->accuracy_upper);
		prom_bounded(out, FAM_EST_F1, model, e->f1_macro, e->f1_lower,
		    e->f1_upper);
		prom_single(out, FAM_EST_DECAY, model, ov->est.decayed);
	}
	if (ov->n_graded > 0) {
		prom_header(out, FAM_EST_MAE);
		prom_sample(out, FAM_EST_MAE, model, "metric", "accuracy",
		    ov->mae_acc);
		prom_sample(out, FAM_EST_MAE, model, "metric", "macro_f1",
		    ov->mae_f1);
		prom_single(out, FAM_EST_GRADED, model,
		    (double)ov->n_graded);
	}
}

int
prom_write(struct query *q, const char *model, FILE *out, char **cause)
{
	const struct query_overview *ov;
	struct query_metrics m;
	char *mod;

	if (query_state(q) == QUERY_EMPTY)
		return 0;
	if (query_state(q) != QUERY_OK) {
		*cause = xasprintf("%s: %s", query_path(q), query_message(q));
		return -1;
	}
	memset(&m, 0, sizeof m);
	if (query_metrics_load(q, &m, cause) != 0) {
		query_metrics_finish(&m);
		return -1;
	}
	ov = query_overview(q);
	mod = prom_label_escape(model);
	prom_store(out, ov, &m, mod);
	prom_features(out, FAM_PSI, mod, ov->feature_names, m.psi,
	    m.n_features);
	prom_features(out, FAM_KS_STAT, mod, ov->feature_names, m.ks_stat,
	    m.n_features);
	prom_features(out, FAM_KS_P, mod, ov->feature_names, m.ks_p,
	    m.n_features);
	if (ov->has_pred) {
		prom_single(out, FAM_LS_P, mod, ov->ls_p);
		prom_single(out, FAM_MEAN_CONF, mod, ov->mean_conf);
	}
	if (ov->has_perf) {
		prom_single(out, FAM_ACC, mod, ov->accuracy);
		prom_single(out, FAM_F1, mod, ov->f1);
		prom_single(out, FAM_ECE, mod, ov->ece);
	}
	prom_estimate(out, ov, mod);
	free(mod);
	query_metrics_finish(&m);
	return 0;
}
