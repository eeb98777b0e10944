/*
 * The rules: one table, one evaluation function per rule. A finding
 * carries the condition key (rule name, then ":" and the sorted names of
 * the affected features when the rule is about features) and a message
 * that names the batch, the features and the numbers that fired.
 */
#include "alert/rules.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert/alert.h"
#include "core/monitor.h"
#include "core/sanitize.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "db/store.h"

enum {
	RULE_CONFIRMED_DRIFT,
	RULE_PSI_UNCONFIRMED,
	RULE_MISSINGNESS,
	RULE_NEW_CATEGORIES,
	RULE_PERFORMANCE_DECAY,
	RULE_LABEL_SHIFT,
	RULE_CONFIDENCE_DRIFT,
	RULE_DDM_DRIFT,
	RULE_ADWIN_DRIFT,
	RULE_STREAM_SILENT,
	RULE_LABELS_LATE,
	RULE_ESTIMATED_DECAY,
	RULE_COUNT,
};

static const struct rule rule_table[RULE_COUNT] = {
	[RULE_CONFIRMED_DRIFT] = { "confirmed_drift", RULE_FAMILY_FEATURE,
	    ALERT_SEVERITY_CRITICAL, "confirmed drift",
	    "PSI and KS (chi-squared for a categorical feature) agree that at "
	    "least one feature's distribution moved from the reference" },
	[RULE_PSI_UNCONFIRMED] = { "psi_unconfirmed", RULE_FAMILY_FEATURE,
	    ALERT_SEVERITY_WARNING, "PSI drift without KS confirmation",
	    "PSI is critical on some feature but the KS test confirms none of"
	    " them" },
	[RULE_MISSINGNESS] = { "missingness", RULE_FAMILY_FEATURE,
	    ALERT_SEVERITY_WARNING, "missing values",
	    "a feature's share of missing values moved (chi-squared p < 0.001"
	    " and Cohen's h >= 0.2)" },
	[RULE_NEW_CATEGORIES] = { "new_categories", RULE_FAMILY_FEATURE,
	    ALERT_SEVERITY_WARNING, "new categories",
	    "more than the new-share threshold of a categorical feature's "
	    "values are categories the reference never saw" },
	[RULE_PERFORMANCE_DECAY] = { "performance_decay",
	    RULE_FAMILY_PERFORMANCE, ALERT_SEVERITY_CRITICAL,
	    "performance decay",
	    "accuracy or macro F1 on labelled rows fell below the reference "
	    "by more than the decay threshold" },
	[RULE_LABEL_SHIFT] = { "label_shift", RULE_FAMILY_PREDICTION,
	    ALERT_SEVERITY_WARNING, "label shift",
	    "the chi-squared test says the mix of predicted classes moved "
	    "from the reference" },
	[RULE_CONFIDENCE_DRIFT] = { "confidence_drift", RULE_FAMILY_PREDICTION,
	    ALERT_SEVERITY_WARNING, "confidence drift",
	    "the mean confidence of the predictions moved from the reference" },
	[RULE_DDM_DRIFT] = { "ddm_drift", RULE_FAMILY_DETECTOR,
	    ALERT_SEVERITY_WARNING, "DDM drift",
	    "DDM detected drift on the stream of prediction errors" },
	[RULE_ADWIN_DRIFT] = { "adwin_drift", RULE_FAMILY_DETECTOR,
	    ALERT_SEVERITY_WARNING, "ADWIN drift",
	    "ADWIN cut the stream of prediction errors: its error rate "
	    "changed" },
	[RULE_STREAM_SILENT] = { "stream_silent", RULE_FAMILY_STREAM,
	    ALERT_SEVERITY_CRITICAL, "stream silent",
	    "no prediction arrived for --expect-every while ingest's input "
	    "stayed open" },
	[RULE_LABELS_LATE] = { "labels_late", RULE_FAMILY_STREAM,
	    ALERT_SEVERITY_WARNING, "labels late",
	    "a batch closed --expect-labels-within ago and no labels arrived "
	    "since" },
	[RULE_ESTIMATED_DECAY] = { "estimated_decay", RULE_FAMILY_ESTIMATE,
	    ALERT_SEVERITY_WARNING, "estimated performance decay",
	    "the performance estimated before the labels (CBPE) has an upper "
	    "bound below the reference by more than the decay threshold" },
};

static const char *const family_names[RULE_FAMILY_COUNT] = {
	[RULE_FAMILY_FEATURE] = "feature",
	[RULE_FAMILY_PREDICTION] = "prediction",
	[RULE_FAMILY_PERFORMANCE] = "performance",
	[RULE_FAMILY_DETECTOR] = "detector",
	[RULE_FAMILY_STREAM] = "stream",
	[RULE_FAMILY_ESTIMATE] = "estimate",
};

/* Caller frees: the feature's name from the schema, cleaned. */
static char *
rule_feature_name(const struct store_schema *sc, size_t i)
{
	if (sc != NULL && i < sc->n_features && sc->feature_names != NULL &&
	    sc->feature_names[i] != NULL && sc->feature_names[i][0] != '\0')
		return sanitize_dup(sc->feature_names[i], RULE_NAME_MAX);
	return xasprintf("feature_%zu", i);
}

static int
rule_cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct rule_finding *
rule_add(struct rule_result *r, int rule)
{
	struct rule_finding *f;

	r->findings = xreallocarray(r->findings, r->n + 1, sizeof *f);
	f = &r->findings[r->n++];
	memset(f, 0, sizeof *f);
	f->rule = &rule_table[rule];
	f->severity = f->rule->severity;
	return f;
}

/*
 * A finding on the batch as a whole: one per rule, keyed by its name. Its
 * message names the batch, then says fmt.
 */
static struct rule_finding *
rule_add_batch(struct rule_result *r, int rule, const struct alert_batch *b,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct rule_finding *
rule_add_batch(struct rule_result *r, int rule, const struct alert_batch *b,
    const char *fmt, ...)
{
	struct rule_finding *f = rule_add(r, rule);
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();	/* only a bad format fails */
	text = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	f->key = xstrdup(f->rule->name);
	f->message = xasprintf("batch %lld: %s", (long long)b->batch_id, text);
	free(text);
	return f;
}

/* The numbers behind a drift finding on feature i. */
static void
detail_drift(struct strbuf *msg, const struct feature_report *fr, size_t i)
{
	if (fr->categorical != NULL && fr->categorical[i] && fr->calibrated)
		strbuf_addf(msg, " (PSI %.3f p %.2g q %.2g, chi-squared %.3g p "
		    "%.2g q %.2g, TVD %.3f)", fr->psi[i], fr->psi_p_value[i],
		    fr->psi_q[i], fr->cat[i].d.statistic, fr->cat[i].d.p_value,
		    fr->ks_q[i], fr->cat[i].d.tvd);
	else if (fr->categorical != NULL && fr->categorical[i])
		strbuf_addf(msg, " (PSI %.3f, chi-squared %.3g p %.2g, TVD "
		    "%.3f)", fr->psi[i], fr->cat[i].d.statistic,
		    fr->cat[i].d.p_value, fr->cat[i].d.tvd);
	else if (fr->calibrated)
		strbuf_addf(msg, " (PSI %.3f p %.2g q %.2g, KS D %.3f p %.2g"
		    " q %.2g)", fr->psi[i], fr->psi_p_value[i], fr->psi_q[i],
		    fr->ks_statistic[i], fr->ks_p_value[i], fr->ks_q[i]);
	else
		strbuf_addf(msg, " (PSI %.3f, KS D %.3f p %.2g)", fr->psi[i],
		    fr->ks_statistic[i], fr->ks_p_value[i]);
}

/* The numbers behind a new-categories finding on feature i. */
static void
detail_new(struct strbuf *msg, const struct feature_report *fr, size_t i)
{
	strbuf_addf(msg, " (%.1f%% of %llu values never in the reference)",
	    100 * fr->cat[i].d.new_share,
	    (unsigned long long)fr->cat[i].d.n_used);
}

/* The numbers behind a missingness finding on feature i. */
static void
detail_missing(struct strbuf *msg, const struct feature_report *fr, size_t i)
{
	strbuf_addf(msg, " (missing %.1f%%, reference %.1f%%, h %.2f, p %.2g)",
	    100 * fr->missing_share[i], 100 * fr->ref_missing_share[i],
	    fr->missing_effect[i], fr->missing_p_value[i]);
}

/* A feature rule over the features with sel[i] set. */
static void
rule_features(struct rule_result *r, int rule, const struct alert_batch *b,
    const bool *sel, size_t n_sel, const char *what,
    void (*detail)(struct strbuf *, const struct feature_report *, size_t))
{
	const struct feature_report *fr = b->feature;
	struct rule_finding *f;
	struct strbuf key = STRBUF_INIT, msg = STRBUF_INIT;
	char **names;
	cJSON *arr;
	size_t i, k;

	names = xcalloc(n_sel, sizeof *names);
	for (i = 0, k = 0; i < fr->n_features; i++) {
		if (sel[i])
			names[k++] = rule_feature_name(b->schema, i);
	}

	strbuf_addf(&msg, "batch %lld: %s on %zu feature%s: ",
	    (long long)b->batch_id, what, n_sel, n_sel == 1 ? "" : "s");
	for (i = 0, k = 0; i < fr->n_features; i++) {
		if (!sel[i])
			continue;
		if (k == RULE_MESSAGE_FEATURES) {
			strbuf_addf(&msg, ", and %zu more", n_sel - k);
			break;
		}
		strbuf_addf(&msg, "%s%s", k == 0 ? "" : ", ", names[k]);
		detail(&msg, fr, i);
		k++;
	}

	qsort(names, n_sel, sizeof *names, rule_cmp_names);
	if ((arr = cJSON_CreateArray()) == NULL)
		abort();	/* cJSON only fails on allocation */
	for (k = 0; k < n_sel; k++) {
		strbuf_addf(&key, "%s%s", k == 0 ? "" : ",", names[k]);
		if (!cJSON_AddItemToArray(arr, cJSON_CreateString(names[k])))
			abort();
		free(names[k]);
	}
	free(names);

	f = rule_add(r, rule);
	if ((f->features = cJSON_PrintUnformatted(arr)) == NULL)
		abort();
	cJSON_Delete(arr);
	f->key = xasprintf("%s:%s", f->rule->name, key.s);
	strbuf_finish(&key);
	f->message = strbuf_take(&msg);
}

/* new_categories: the categorical features whose new share is high. */
static void
rules_new(const struct alert_batch *b, struct rule_result *r)
{
	const struct feature_report *fr = b->feature;
	bool *sel;
	size_t i, n = 0;

	if (!fr->any_categorical)
		return;
	sel = xcalloc(fr->n_features, sizeof *sel);
	for (i = 0; i < fr->n_features; i++)
		if (fr->categorical[i] && fr->cat[i].drift_new) {
			sel[i] = true;
			n++;
		}
	if (n > 0)
		rule_features(r, RULE_NEW_CATEGORIES, b, sel, n,
		    "values the reference never saw", detail_new);
	free(sel);
}

/* missingness: the features whose missing share moved (stored verdict). */
static void
rules_missing(const struct alert_batch *b, struct rule_result *r)
{
	const struct feature_report *fr = b->feature;
	size_t i, n = 0;

	if (fr->drift_missing == NULL || !fr->any_missing_drift)
		return;
	for (i = 0; i < fr->n_features; i++)
		if (fr->drift_missing[i])
			n++;
	if (n > 0)
		rule_features(r, RULE_MISSINGNESS, b, fr->drift_missing, n,
		    "missing share moved", detail_missing);
}

static void
rules_feature(const struct alert_batch *b, struct rule_result *r)
{
	const struct feature_report *fr = b->feature;
	bool *confirmed, *unconfirmed;
	size_t i, n_c = 0, n_u = 0;

	if (fr->n_features == 0)
		return;
	confirmed = xcalloc(fr->n_features, sizeof *confirmed);
	unconfirmed = xcalloc(fr->n_features, sizeof *unconfirmed);
	for (i = 0; i < fr->n_features; i++) {
		if (!fr->drift_psi[i])
			continue;
		if (feature_test_drift(fr, i)) {
			confirmed[i] = true;
			n_c++;
		} else {
			unconfirmed[i] = true;
			n_u++;
		}
	}
	/* The seed's dispatcher: PSI alone only matters if nothing agrees. */
	if (n_c > 0)
		rule_features(r, RULE_CONFIRMED_DRIFT, b, confirmed, n_c,
		    fr->any_categorical ? "confirmed drift (PSI and KS, or "
		    "chi-squared for a categorical feature, agree)" :
		    "confirmed drift (PSI and KS agree)", detail_drift);
	else if (n_u > 0)
		rule_features(r, RULE_PSI_UNCONFIRMED, b, unconfirmed, n_u,
		    "PSI critical without KS confirmation, investigate "
		    "before acting", detail_drift);
	free(confirmed);
	free(unconfirmed);
	rules_missing(b, r);
	rules_new(b, r);
}

static void
rules_prediction(const struct alert_batch *b, struct rule_result *r)
{
	const struct prediction_report *pr = b->prediction;

	if (pr->label_shift_drift && pr->calibrated)
		rule_add_batch(r, RULE_LABEL_SHIFT, b, "label shift in the "
		    "predicted classes (TVD %.3f; homogeneity chi-squared "
		    "%.3f, p %.2g, q %.2g)", pr->class_tvd,
		    pr->label_shift_homog_statistic,
		    pr->label_shift_homog_p_value, pr->label_shift_q);
	else if (pr->label_shift_drift)
		rule_add_batch(r, RULE_LABEL_SHIFT, b, "label shift in the "
		    "predicted classes (chi-squared %.3f, p %.2g)",
		    pr->label_shift_statistic, pr->label_shift_p_value);
	if (pr->confidence_drift)
		rule_add_batch(r, RULE_CONFIDENCE_DRIFT, b, "confidence drift "
		    "(mean confidence %.3f vs reference %.3f, delta %+.3f)",
		    pr->mean_confidence, pr->reference_mean_confidence,
		    pr->mean_confidence - pr->reference_mean_confidence);
}

static void
rules_performance(const struct alert_batch *b, struct rule_result *r)
{
	const struct performance_report *p = b->performance;

	if (!p->any_decay)
		return;
	if (p->calibrated)
		rule_add_batch(r, RULE_PERFORMANCE_DECAY, b, "performance "
		    "decay (accuracy %.3f, delta %+.3f SE %.3f, errors rose "
		    "p %.2g; F1 macro %.3f, delta %+.3f; %zu labelled rows)",
		    p->accuracy, p->acc_delta, p->acc_se, p->acc_p_value,
		    p->f1_macro, p->f1_delta, p->n_rows);
	else
		rule_add_batch(r, RULE_PERFORMANCE_DECAY, b, "performance "
		    "decay (accuracy %.3f, delta %+.3f; F1 macro %.3f, delta "
		    "%+.3f; %zu labelled rows)", p->accuracy, p->acc_delta,
		    p->f1_macro, p->f1_delta, p->n_rows);
}

/* Calibrated: the accuracy test that corroborated a detector's signal. */
static void
detail_corroborated(char **message, const struct detector_report *d)
{
	char *m;

	if (!d->calibrated)
		return;
	m = xasprintf("%s; errors rose p %.2g", *message, d->acc_p_value);
	free(*message);
	*message = m;
}

/* estimated_decay: the stored verdict of the estimate (monitor-estimate.c). */
static void
rules_estimate(const struct alert_batch *b, const struct alert_config *c,
    struct rule_result *r)
{
	const struct estimate_report *e = b->estimate;
	struct rule_finding *f;

	if (!e->decayed || c->estimated_decay_severity == ALERT_SEVERITY_OFF)
		return;
	f = rule_add_batch(r, RULE_ESTIMATED_DECAY, b, "estimated "
	    "performance decay before labels (CBPE: accuracy %.3f, upper "
	    "bound %.3f vs reference %.3f; F1 macro %.3f, upper bound %.3f vs "
	    "reference %.3f; decay threshold %.3f; %zu rows)",
	    e->cbpe.accuracy, e->cbpe.accuracy_upper, e->ref_accuracy,
	    e->cbpe.f1_macro, e->cbpe.f1_upper, e->ref_f1_macro, e->decay_delta,
	    e->cbpe.n_rows);
	f->severity = c->estimated_decay_severity;
}

static void
rules_detector(const struct alert_batch *b, struct rule_result *r)
{
	const struct detector_report *d = b->detectors;
	struct rule_finding *f;

	if (d->ddm_drift) {
		f = rule_add_batch(r, RULE_DDM_DRIFT, b, "DDM detected drift "
		    "in the error stream (%llu labelled rows fed, %llu DDM "
		    "drifts so far)", (unsigned long long)d->n_fed,
		    (unsigned long long)d->ddm_drifts);
		detail_corroborated(&f->message, d);
	}
	if (d->adwin_drift) {
		f = rule_add_batch(r, RULE_ADWIN_DRIFT, b, "ADWIN detected a "
		    "change in the error rate (window %llu rows, error rate "
		    "%.3f, %llu detections so far)",
		    (unsigned long long)d->adwin_width, d->adwin_mean,
		    (unsigned long long)d->adwin_detections);
		detail_corroborated(&f->message, d);
	}
}

void
rules_evaluate(const struct alert_batch *b, const struct alert_config *c,
    struct rule_result *out)
{
	memset(out, 0, sizeof *out);
	if (b->feature != NULL && b->feature->n_features > 0) {
		out->families |= 1u << RULE_FAMILY_FEATURE;
		rules_feature(b, out);
	}
	if (b->prediction != NULL) {
		out->families |= 1u << RULE_FAMILY_PREDICTION;
		rules_prediction(b, out);
	}
	/* No labelled row used: no evidence about performance either way. */
	if (b->performance != NULL && b->performance->n_rows > 0) {
		out->families |= 1u << RULE_FAMILY_PERFORMANCE;
		rules_performance(b, out);
	}
	/* No estimate made (reference unlabelled): no evidence either way. */
	if (b->estimate != NULL && b->estimate->available &&
	    b->estimate->cbpe.n_rows > 0) {
		out->families |= 1u << RULE_FAMILY_ESTIMATE;
		rules_estimate(b, c, out);
	}
	if (b->detectors != NULL && b->detectors->n_fed > 0) {
		out->families |= 1u << RULE_FAMILY_DETECTOR;
		rules_detector(b, out);
	}
}

void
rule_result_finish(struct rule_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->findings[i].key);
		free(r->findings[i].features);
		free(r->findings[i].message);
	}
	free(r->findings);
	memset(r, 0, sizeof *r);
}

const struct rule *
rules_nth(size_t i)
{
	return i < RULE_COUNT ? &rule_table[i] : NULL;
}

const struct rule *
rules_find(const char *name)
{
	size_t i;

	for (i = 0; i < RULE_COUNT; i++) {
		if (strcmp(rule_table[i].name, name) == 0)
			return &rule_table[i];
	}
	return NULL;
}

const char *
rule_family_name(enum rule_family f)
{
	if ((unsigned)f >= RULE_FAMILY_COUNT)
		return "?";
	return family_names[f];
}
