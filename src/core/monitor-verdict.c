/*
 * The seed policy's verdicts, decided in one place from a report's
 * statistics and the thresholds stored with it (monitor.h): PSI drift and
 * investigate, KS drift, label shift, confidence drift, decay. The
 * monitors call them when they judge a batch, monitor_rejudge
 * (monitor-judge.c) when stored statistics are judged again.
 */
#include "monitor.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drift-psi.h"
#include "monitor-internal.h"

void
feature_thresholds_from_config(struct feature_thresholds *t,
    const struct monitor_config *c)
{
	t->psi_warning = c->psi_warning;
	t->psi_critical = c->psi_critical;
	t->ks_alpha = c->ks_alpha;
	t->cat_alpha = c->cat_alpha;
	t->new_share = c->new_share;
}

enum drift_severity
feature_psi_verdict(double psi, const struct feature_thresholds *t)
{
	return drift_psi_severity(psi, t->psi_warning, t->psi_critical);
}

/*
 * The seed policy's verdicts, each decided here from its statistic and
 * threshold only, so that a report judged again (monitor_seed_verdicts,
 * the backtest) is judged by the same lines as when it was made.
 */
void
monitor_feature_verdict(struct feature_report *out, size_t f)
{
	enum drift_severity sev;

	bool cat = out->categorical != NULL && out->categorical[f];

	out->drift_psi[f] = out->investigate_psi[f] = false;
	out->drift_ks[f] = false;
	if (cat)	/* chi-squared and new categories */
		monitor_cat_verdict(out, f);
	if (isnan(out->psi[f]))		/* no values on one side */
		return;
	sev = feature_psi_verdict(out->psi[f], &out->thresholds[f]);
	out->drift_psi[f] = sev == DRIFT_CRITICAL;
	out->investigate_psi[f] = sev == DRIFT_WARNING;
	if (!cat)
		out->drift_ks[f] = out->ks_p_value[f] <
		    out->thresholds[f].ks_alpha;
}

void
monitor_prediction_verdicts(const struct monitor_config *c,
    struct prediction_report *out)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < out->n_classes; i++)
		total += out->class_counts[i];
	out->chisq_alpha = c->chisq_alpha;
	out->confidence_delta = c->confidence_drift;
	out->label_shift_drift = out->label_shift_p_value < c->chisq_alpha;
	out->label_shift_homog_drift = out->label_shift_homog_p_value <
	    c->chisq_alpha;
	out->confidence_drift = total > 0 &&
	    fabs(out->mean_confidence - out->reference_mean_confidence) >
	    c->confidence_drift;
}

void
monitor_performance_verdict(const struct monitor_config *c,
    struct performance_report *out)
{
	out->decay_delta = c->decay;
	out->any_decay = out->acc_delta < -c->decay ||
	    out->f1_delta < -c->decay;
}

void
monitor_seed_verdicts(const struct monitor_config *c,
    struct feature_report *fr, struct prediction_report *pr,
    struct performance_report *perf)
{
	size_t f;

	fr->any_drift = false;
	fr->thresholds_stored = true;
	for (f = 0; f < fr->n_features; f++) {
		feature_thresholds_from_config(&fr->thresholds[f], c);
		monitor_feature_verdict(fr, f);
		if (fr->drift_psi[f] || feature_test_drift(fr, f))
			fr->any_drift = true;
	}
	if (pr != NULL)
		monitor_prediction_verdicts(c, pr);
	if (perf != NULL && perf->n_rows > 0)
		monitor_performance_verdict(c, perf);
}
