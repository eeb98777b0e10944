/*
 * One alert explained (`mlmon-top --once --alert ID`): the rule and its
 * decision, every feature or test behind it with its statistic, the
 * threshold or p-value it was judged at, the adjusted p-value and the
 * null percentile (calibrated policy), an ASCII histogram of the
 * feature with the largest PSI (reference beside batch, text only), and
 * the condition's timeline
 * (opened, repeats sent or suppressed, resolved). Text or JSON; reads
 * through query_explain_load, judges nothing (the stored verdicts are
 * shown as stored). Strings from the store are cleaned before printing.
 */
#include "tui/explain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

/* A double for JSON: null when not finite. */
static cJSON *
jnum(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static void
jadd(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL || !cJSON_AddItemToObject(o, k, v))
		abort();	/* cJSON fails only on allocation */
}

/* Feature f's line of evidence, as JSON. */
static cJSON *
feature_json(const struct feature_report *fr, const char *name, size_t f)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		abort();
	jadd(o, "feature", cJSON_CreateString(name));
	jadd(o, "psi", jnum(fr->psi[f]));
	jadd(o, "psi_critical", jnum(fr->thresholds[f].psi_critical));
	jadd(o, "ks_statistic", jnum(fr->ks_statistic[f]));
	jadd(o, "ks_p_value", jnum(fr->ks_p_value[f]));
	jadd(o, "ks_alpha", jnum(fr->thresholds[f].ks_alpha));
	if (fr->calibrated) {
		jadd(o, "psi_p_value", jnum(fr->psi_p_value[f]));
		jadd(o, "psi_null_percentile",
		    jnum(100.0 * (1.0 - fr->psi_p_value[f])));
		jadd(o, "psi_q_value", jnum(fr->psi_q[f]));
		jadd(o, "ks_q_value", jnum(fr->ks_q[f]));
	}
	jadd(o, "drift_psi", cJSON_CreateBool(fr->drift_psi[f]));
	jadd(o, "drift_ks", cJSON_CreateBool(fr->drift_ks[f]));
	return o;
}

/* The features the explanation lists: those drifting, else all. */
static bool
feature_listed(const struct feature_report *fr, size_t f, bool any)
{
	return !any || fr->drift_psi[f] || fr->drift_ks[f] ||
	    fr->investigate_psi[f];
}

static bool
features_any(const struct feature_report *fr)
{
	size_t f;

	for (f = 0; f < fr->n_features; f++)
		if (fr->drift_psi[f] || fr->drift_ks[f] ||
		    fr->investigate_psi[f])
			return true;
	return false;
}

static void
text_features(const struct query_explain *e, char *const *names, FILE *out)
{
	const struct feature_report *fr = &e->feature;
	bool any = features_any(fr);
	size_t f;

	fprintf(out, "\nfeatures (%s):\n", fr->calibrated ?
	    "calibrated policy: p-value, adjusted q, null percentile" :
	    "seed policy: fixed thresholds");
	fprintf(out, "  %-16s %8s %10s %10s %7s %7s %10s %10s  %s\n",
	    "feature", "PSI", fr->calibrated ? "PSI p" : "PSI >",
	    fr->calibrated ? "PSI q" : "", fr->calibrated ? "null %" : "",
	    "KS D", "KS p", fr->calibrated ? "KS q" : "KS p <", "fired");
	for (f = 0; f < fr->n_features; f++) {
		char *n;

		if (!feature_listed(fr, f, any))
			continue;
		n = sanitize_dup(names[f], 16);
		if (fr->calibrated)
			fprintf(out, "  %-16s %8.4f %10.3g %10.3g %7.2f %7.4f "
			    "%10.3g %10.3g  %s%s\n", n, fr->psi[f],
			    fr->psi_p_value[f], fr->psi_q[f],
			    100.0 * (1.0 - fr->psi_p_value[f]),
			    fr->ks_statistic[f], fr->ks_p_value[f],
			    fr->ks_q[f], fr->drift_psi[f] ? "PSI " : "",
			    fr->drift_ks[f] ? "KS" : "");
		else
			fprintf(out, "  %-16s %8.4f %10.3g %10s %7s %7.4f "
			    "%10.3g %10.3g  %s%s\n", n, fr->psi[f],
			    fr->thresholds[f].psi_critical, "", "",
			    fr->ks_statistic[f], fr->ks_p_value[f],
			    fr->thresholds[f].ks_alpha,
			    fr->drift_psi[f] ? "PSI " : "",
			    fr->drift_ks[f] ? "KS" : "");
		free(n);
	}
}

static void
text_tests(const struct query_explain *e, FILE *out)
{
	const struct prediction_report *p = &e->prediction;
	const struct performance_report *pf = &e->performance;
	const struct detector_report *d = &e->detectors;

	if (e->has_prediction) {
		fprintf(out, "\nprediction mix: homogeneity chi-squared %.3f "
		    "p %.3g", p->label_shift_homog_statistic,
		    p->label_shift_homog_p_value);
		if (p->calibrated)
			fprintf(out, " q %.3g, TVD %.3f", p->label_shift_q,
			    p->class_tvd);
		fprintf(out, "; goodness of fit p %.3g; label shift %s; mean "
		    "confidence %.3f vs %.3f (threshold %.3f)\n",
		    p->label_shift_p_value,
		    p->label_shift_drift ? "fired" : "no",
		    p->mean_confidence, p->reference_mean_confidence,
		    p->confidence_delta);
	}
	if (e->has_performance) {
		fprintf(out, "performance: accuracy %.3f (delta %+.3f",
		    pf->accuracy, pf->acc_delta);
		if (pf->calibrated)
			fprintf(out, " SE %.3f, errors rose p %.3g",
			    pf->acc_se, pf->acc_p_value);
		fprintf(out, "), F1 macro %.3f (delta %+.3f), %zu labelled "
		    "rows; decay %s\n", pf->f1_macro, pf->f1_delta,
		    pf->n_rows, pf->any_decay ? "fired" : "no");
	}
	if (e->has_detectors)
		fprintf(out, "detectors: DDM %s (%llu drifts so far), ADWIN %s "
		    "(window %llu, error rate %.3f)\n", d->ddm_drift ?
		    "fired" : "no", (unsigned long long)d->ddm_drifts,
		    d->adwin_drift ? "fired" : "no",
		    (unsigned long long)d->adwin_width, d->adwin_mean);
}

static void
text_timeline(const struct query_explain *e, FILE *out)
{
	size_t i;

	fprintf(out, "\ntimeline of %s (%s):\n", e->condition_key,
	    e->open ? "open" : "resolved or closed");
	for (i = 0; i < e->n_events; i++) {
		const struct query_explain_event *ev = &e->events[i];
		char *ch = sanitize_dup(ev->channels, 64);
		char *st = sanitize_dup(ev->statuses, 64);

		fprintf(out, "  batch %-8lld %-9s %-20s %s\n",
		    (long long)ev->batch_id, ev->kind, ch, st);
		free(ch);
		free(st);
	}
}

#define HIST_BINS	10	/* over the combined range, as PSI's */
#define HIST_BAR	24	/* characters of a 100% bar */

/* Shares of v[0..n) in HIST_BINS equal bins over lo..hi. */
static void
hist_shares(const double *v, size_t n, double lo, double hi,
    double share[HIST_BINS])
{
	size_t i;
	int b;

	for (b = 0; b < HIST_BINS; b++)
		share[b] = 0.0;
	for (i = 0; i < n; i++) {
		b = hi > lo ? (int)((v[i] - lo) / (hi - lo) * HIST_BINS) : 0;
		share[b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b] += 1.0;
	}
	for (b = 0; b < HIST_BINS; b++)
		share[b] = n > 0 ? share[b] / (double)n : 0.0;
}

static void
hist_bar(FILE *out, char c, double share)
{
	int i, k = (int)lround(share * HIST_BAR);

	for (i = 0; i < HIST_BAR; i++)
		fputc(i < k ? c : ' ', out);
}

/* The top feature, reference (#) beside batch (=), share per bin. */
static void
text_histogram(const struct query_explain *e, char *const *names,
    FILE *out)
{
	double lo = INFINITY, hi = -INFINITY, r[HIST_BINS], c[HIST_BINS];
	double w;
	size_t i;
	char *n;
	int b;

	if (e->n_hist_ref == 0)
		return;
	n = sanitize_dup(names[e->hist_feature], 32);
	if (e->n_hist_cur == 0) {
		fprintf(out, "\nhistogram of %s: the batch's rows were pruned"
		    "\n", n);
		free(n);
		return;
	}
	for (i = 0; i < e->n_hist_ref; i++) {
		lo = fmin(lo, e->hist_ref[i]);
		hi = fmax(hi, e->hist_ref[i]);
	}
	for (i = 0; i < e->n_hist_cur; i++) {
		lo = fmin(lo, e->hist_cur[i]);
		hi = fmax(hi, e->hist_cur[i]);
	}
	hist_shares(e->hist_ref, e->n_hist_ref, lo, hi, r);
	hist_shares(e->hist_cur, e->n_hist_cur, lo, hi, c);
	fprintf(out, "\nhistogram of %s (largest PSI): reference # (%zu "
	    "values) beside batch = (%zu), share per bin\n", n,
	    e->n_hist_ref, e->n_hist_cur);
	free(n);
	w = (hi - lo) / HIST_BINS;
	for (b = 0; b < HIST_BINS; b++) {
		fprintf(out, "  %10.3g..%-10.3g ", lo + b * w, lo + (b + 1) * w);
		hist_bar(out, '#', r[b]);
		fprintf(out, " %5.1f%%  ", 100.0 * r[b]);
		hist_bar(out, '=', c[b]);
		fprintf(out, " %5.1f%%\n", 100.0 * c[b]);
	}
}

static int
explain_text(const struct query_explain *e, char *const *names, FILE *out)
{
	char *msg = sanitize_dup(e->alert.message, QUERY_TEXT_MAX);
	char *key = sanitize_dup(e->condition_key, QUERY_TEXT_MAX);

	fprintf(out, "alert %lld: %s %s, batch %lld, channel %s (%s)\n",
	    (long long)e->alert.id, e->alert.severity, e->alert.kind,
	    (long long)e->alert.batch_id, e->alert.channel, e->alert.status);
	fprintf(out, "model %s, rule %s, condition %s, opened at batch %lld\n",
	    e->alert.model, e->rule[0] ? e->rule : "?", key,
	    (long long)e->first_batch);
	fprintf(out, "message: %s\n", msg);
	free(msg);
	free(key);
	if (e->has_feature && names != NULL) {
		text_features(e, names, out);
		text_histogram(e, names, out);
	}
	text_tests(e, out);
	text_timeline(e, out);
	return 0;
}

static int
explain_json(const struct query_explain *e, char *const *names, FILE *out)
{
	cJSON *o = cJSON_CreateObject(), *arr, *ev;
	char *s;
	size_t i;
	bool any;

	if (o == NULL)
		abort();
	jadd(o, "id", cJSON_CreateNumber((double)e->alert.id));
	jadd(o, "model", cJSON_CreateString(e->alert.model));
	jadd(o, "batch_id", cJSON_CreateNumber((double)e->alert.batch_id));
	jadd(o, "severity", cJSON_CreateString(e->alert.severity));
	jadd(o, "kind", cJSON_CreateString(e->alert.kind));
	jadd(o, "channel", cJSON_CreateString(e->alert.channel));
	jadd(o, "status", cJSON_CreateString(e->alert.status));
	jadd(o, "rule", cJSON_CreateString(e->rule));
	jadd(o, "condition_key", cJSON_CreateString(e->condition_key));
	jadd(o, "message", cJSON_CreateString(e->alert.message));
	jadd(o, "open", cJSON_CreateBool(e->open));
	jadd(o, "first_batch", cJSON_CreateNumber((double)e->first_batch));
	if (e->has_feature && names != NULL) {
		jadd(o, "policy", cJSON_CreateString(e->feature.calibrated ?
		    "calibrated" : "seed"));
		arr = cJSON_CreateArray();
		any = features_any(&e->feature);
		for (i = 0; arr != NULL && i < e->feature.n_features; i++)
			if (feature_listed(&e->feature, i, any) &&
			    !cJSON_AddItemToArray(arr, feature_json(
			    &e->feature, names[i], i)))
				abort();
		jadd(o, "features", arr);
	}
	arr = cJSON_CreateArray();
	for (i = 0; arr != NULL && i < e->n_events; i++) {
		ev = cJSON_CreateObject();
		if (ev == NULL)
			abort();
		jadd(ev, "batch_id", cJSON_CreateNumber(
		    (double)e->events[i].batch_id));
		jadd(ev, "kind", cJSON_CreateString(e->events[i].kind));
		jadd(ev, "channels", cJSON_CreateString(e->events[i].channels));
		jadd(ev, "statuses", cJSON_CreateString(e->events[i].statuses));
		if (!cJSON_AddItemToArray(arr, ev))
			abort();
	}
	jadd(o, "timeline", arr);
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		abort();
	fprintf(out, "%s\n", s);
	free(s);
	cJSON_Delete(o);
	return 0;
}

int
explain_write(struct query *q, int64_t id, enum out_format fmt, FILE *out,
    char **cause)
{
	struct query_explain e;
	char *const *names;
	int rc;

	rc = query_explain_load(q, id, &e);
	if (rc != 0) {
		*cause = rc > 0 ? xasprintf("no alert %lld in the store",
		    (long long)id) : xstrdup("the store is busy or unreadable");
		return -1;
	}
	/* The alert's model's names, which may not be the model shown's. */
	names = e.n_names == e.feature.n_features ? e.feature_names : NULL;
	rc = fmt == FORMAT_JSON ? explain_json(&e, names, out) :
	    explain_text(&e, names, out);
	query_explain_finish(&e);
	return rc;
}
