/*
 * The monitors are pure functions of (reference, config, batch). The
 * reference keeps each feature column sorted so a batch costs one sort of
 * its own columns (in a stack buffer for batches up to SCRATCH_ROWS rows)
 * plus a merge for KS and a histogram for PSI per feature; the only heap
 * allocations in monitor_feature are the report's own arrays (and the MMD
 * kernel matrix when MMD is enabled).
 */
#include "monitor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "detect-adwin.h"
#include "drift-chisq.h"
#include "drift-ks.h"
#include "drift-missing.h"
#include "drift-psi.h"
#include "monitor-internal.h"
#include "monitor-ks.h"
#include "strbuf.h"
#include "xalloc.h"

#define SCRATCH_ROWS	1024

/* xmalloc that accepts a zero count (returns a one-element block). */
static void *
alloc_n(size_t n, size_t size)
{
	return xcalloc(n ? n : 1, size);
}

void
monitor_config_defaults(struct monitor_config *c)
{
	/* Whole: a field not named here is zero (off), never left unset. */
	*c = (struct monitor_config){
		.ks_alpha = 0.01,
		.psi_warning = 0.10,
		.psi_critical = 0.20,
		.chisq_alpha = 0.01,
		.confidence_drift = 0.08,
		.decay = 0.05,
		.mmd_alpha = 0.01,
		.adwin_delta = 0.002,
		.missing_alpha = MISSING_ALPHA,
		.missing_effect = MISSING_MIN_EFFECT,
		.policy = POLICY_CALIBRATED,
		.false_page_rate = POLICY_FALSE_PAGE_RATE_DEFAULT,
		.cat_alpha = 0.01,
		.new_share = 0.05,
		.cat_top = CAT_TOP_DEFAULT,
		.min_label_coverage = 1.0,
	};
	drift_mmd_defaults(&c->mmd);
	c->mmd.seed = 42;
}

double
performance_coverage(const struct performance_report *r)
{
	if (r->n_unlabelled == 0)
		return 1.0;
	return (double)r->n_rows / (double)(r->n_rows + r->n_unlabelled);
}

bool
monitor_coverage_reached(const struct monitor_config *c, size_t n_labelled,
    size_t n_rows)
{
	/* The share as people write it: 9 of 10 reaches 0.9 exactly. */
	return n_labelled > 0 && n_rows > 0 &&
	    (double)n_labelled / (double)n_rows >= c->min_label_coverage;
}

/* Whether row i of a row-major table has no missing value. */
static bool
row_complete(const double *rows, size_t i, size_t nf)
{
	size_t f;

	for (f = 0; f < nf; f++)
		if (isnan(rows[i * nf + f]))
			return false;
	return true;
}

/* Copy the complete rows of rows[0..n) to out; returns how many. */
static size_t
rows_complete(const double *rows, size_t n, size_t nf, double *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (row_complete(rows, i, nf))
			memcpy(out + k++ * nf, rows + i * nf, nf * sizeof *out);
	return k;
}

void
monitor_reference_init(struct monitor_reference *ref, const double *features,
    size_t n_rows, size_t n_features, int n_classes, const int *predicted,
    const double *confidence, const int *true_class)
{
	size_t i, f, nl = 0;
	double *col;
	int *yt, *yp;

	memset(ref, 0, sizeof *ref);
	ref->n_rows = n_rows;
	ref->n_features = n_features;
	ref->n_classes = n_classes;
	ref->sorted = alloc_n(n_rows * n_features, sizeof *ref->sorted);
	ref->n_present = alloc_n(n_features, sizeof *ref->n_present);
	ref->col_min = alloc_n(n_features, sizeof *ref->col_min);
	ref->col_max = alloc_n(n_features, sizeof *ref->col_max);
	ref->rows = alloc_n(n_rows * n_features, sizeof *ref->rows);
	ref->class_prop = alloc_n((size_t)(n_classes > 0 ? n_classes : 0),
	    sizeof *ref->class_prop);
	if (n_features > 0)
		ref->n_mmd_rows = rows_complete(features, n_rows, n_features,
		    ref->rows);

	for (f = 0; f < n_features; f++) {
		col = ref->sorted + f * n_rows;
		ref->n_present[f] = drift_present(features + f, n_rows,
		    n_features, col);
		drift_ks_sort(col, ref->n_present[f]);
		ref->col_min[f] = ref->n_present[f] > 0 ? col[0] : NAN;
		ref->col_max[f] = ref->n_present[f] > 0 ?
		    col[ref->n_present[f] - 1] : NAN;
	}

	for (i = 0; i < n_rows; i++)
		if (predicted[i] >= 0 && predicted[i] < n_classes)
			ref->class_prop[predicted[i]] += 1.0;
	for (i = 0; n_rows > 0 && i < (size_t)n_classes; i++)
		ref->class_prop[i] /= (double)n_rows;
	ref->mean_confidence = metrics_mean(confidence, n_rows);

	if (true_class == NULL)
		return;
	yt = alloc_n(n_rows, sizeof *yt);
	yp = alloc_n(n_rows, sizeof *yp);
	for (i = 0; i < n_rows; i++) {
		if (true_class[i] < 0 || true_class[i] >= n_classes ||
		    predicted[i] < 0 || predicted[i] >= n_classes)
			continue;
		yt[nl] = true_class[i];
		yp[nl] = predicted[i];
		nl++;
	}
	if (nl > 0) {
		ref->has_labels = true;
		ref->n_labelled = nl;
		ref->accuracy = metrics_accuracy(yt, yp, nl);
		ref->f1_macro = metrics_f1_macro(yt, yp, nl, n_classes);
	}
	free(yt);
	free(yp);
}

void
monitor_reference_finish(struct monitor_reference *ref)
{
	free(ref->sorted);
	free(ref->n_present);
	free(ref->col_min);
	free(ref->col_max);
	free(ref->rows);
	free(ref->class_prop);
	monitor_ks_memo_free(ref->ks_memo);
	monitor_ks_gaps_destroy(ref->ks_gaps);
	monitor_judge_cache_free(ref->psi_cache);
	monitor_cat_reference_finish(ref);
	memset(ref, 0, sizeof *ref);
}

/* The report's arrays, with the "nothing judged" values. */
static void
feature_report_alloc(struct feature_report *out, size_t nf)
{
	size_t f;

	memset(out, 0, sizeof *out);
	out->n_features = nf;
	out->psi = alloc_n(nf, sizeof *out->psi);
	out->ks_statistic = alloc_n(nf, sizeof *out->ks_statistic);
	out->ks_p_value = alloc_n(nf, sizeof *out->ks_p_value);
	out->drift_psi = alloc_n(nf, sizeof *out->drift_psi);
	out->drift_ks = alloc_n(nf, sizeof *out->drift_ks);
	out->psi_outlier = alloc_n(nf, sizeof *out->psi_outlier);
	out->n_used = alloc_n(nf, sizeof *out->n_used);
	out->no_values = alloc_n(nf, sizeof *out->no_values);
	out->missing_share = alloc_n(nf, sizeof *out->missing_share);
	out->ref_missing_share = alloc_n(nf, sizeof *out->ref_missing_share);
	out->missing_p_value = alloc_n(nf, sizeof *out->missing_p_value);
	out->missing_effect = alloc_n(nf, sizeof *out->missing_effect);
	out->drift_missing = alloc_n(nf, sizeof *out->drift_missing);
	out->investigate_psi = alloc_n(nf, sizeof *out->investigate_psi);
	out->thresholds = alloc_n(nf, sizeof *out->thresholds);
	out->mean = alloc_n(nf, sizeof *out->mean);
	for (f = 0; f < nf; f++) {
		out->mean[f] = NAN;
		out->ks_p_value[f] = 1.0;
		out->missing_p_value[f] = 1.0;
	}
}

/* The mean of n >= 1 values (the joint tests' mean vector). */
static double
monitor_mean(const double *v, size_t n)
{
	double s = 0.0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s / (double)n;
}

/*
 * Feature f of the batch: the missingness test, then PSI and KS on the
 * present values (col is scratch for n values).
 */
static void
monitor_one_feature(const struct monitor_reference *ref,
    const struct monitor_config *c, const struct monitor_batch *b,
    size_t f, double *col, struct monitor_ks_sort *sort,
    struct feature_report *out)
{
	size_t nf = ref->n_features, nr = ref->n_rows, n = b->n_rows, used;
	size_t nref = ref->n_present[f];
	const double *refcol = ref->sorted + f * nr;
	struct missing_drift m;
	struct ks_result ks;
	bool by_ref;

	used = drift_present(b->features + f, n, nf, col);
	drift_missing(nr - nref, nr, n - used, n, &m);
	out->n_used[f] = used;
	out->missing_share[f] = m.cur_share;
	out->ref_missing_share[f] = m.ref_share;
	out->missing_p_value[f] = m.p_value;
	out->missing_effect[f] = m.effect;
	out->drift_missing[f] = drift_missing_verdict(&m, c->missing_alpha,
	    c->missing_effect);
	if (ref->categorical != NULL && ref->categorical[f]) {
		monitor_cat_feature(ref, b, f, out);
		monitor_feature_verdict(out, f);
		return;
	}
	if (used == 0 || nref == 0) {
		out->no_values[f] = true;
		out->psi[f] = out->ks_statistic[f] = out->ks_p_value[f] = NAN;
		return;
	}
	out->mean[f] = monitor_mean(col, used);
	by_ref = monitor_ks_sort(sort, ref->ks_gaps, f, refcol, nref, col,
	    used);
	out->psi[f] = drift_psi_sorted_note(refcol, nref, col, used,
	    &out->psi_outlier[f]);
	/* Logically const: the memo is a cache (see monitor.h). */
	monitor_ks((struct monitor_ks_memo **)&ref->ks_memo, ref->n_rows,
	    refcol, nref, col, used, by_ref ? sort->up : NULL, &ks);
	out->ks_statistic[f] = ks.statistic;
	out->ks_p_value[f] = ks.p_value;
	monitor_feature_verdict(out, f);
}

/* MMD over the complete rows of the batch (numeric features only). */
static void
monitor_mmd(const struct monitor_reference *ref,
    const struct monitor_config *c, const struct monitor_batch *b,
    struct feature_report *out)
{
	size_t nf = ref->n_features, n = b->n_rows, k;
	const double *rows = b->features;
	double *own = NULL;
	struct mmd_params mp;

	if (ref->categorical != NULL) {
		/* The numeric features only (monitor.h). */
		if ((nf = ref->n_mmd_cols) == 0)
			return;
		own = xmalloc(n * nf * sizeof *own);
		k = monitor_numeric_rows(b->features, n, ref->n_features,
		    ref->categorical, own);
		rows = own;
	} else {
		for (k = 0; k < n && row_complete(b->features, k, nf); k++)
			;
	}
	if (k < n && own == NULL) {
		own = xmalloc(n * nf * sizeof *own);
		k = rows_complete(b->features, n, nf, own);
		rows = own;
	}
	if (k > 0 && ref->n_mmd_rows > 0) {
		/* A distinct, reproducible permutation stream per batch. */
		mp = c->mmd;
		mp.seed = c->mmd.seed ^
		    ((uint64_t)b->batch_id * 0x9e3779b97f4a7c15ULL);
		drift_mmd(ref->rows, ref->n_mmd_rows, rows, k, nf, &mp,
		    &out->mmd);
		out->mmd_run = true;
		out->mmd_drift = out->mmd.p_value < c->mmd_alpha;
	}
	free(own);
}

void
monitor_feature(const struct monitor_reference *ref,
    const struct monitor_config *c, const struct monitor_batch *b,
    struct feature_report *out)
{
	double stack[SCRATCH_ROWS], *col;
	size_t nf = ref->n_features, nr = ref->n_rows, n = b->n_rows, f;
	struct monitor_ks_sort sort = { 0 };
	bool have_max = false;

	feature_report_alloc(out, nf);
	out->missing_alpha = c->missing_alpha;
	out->missing_min_effect = c->missing_effect;
	/* The thresholds every verdict below is judged with, kept with it. */
	out->thresholds_stored = true;
	for (f = 0; f < nf; f++)
		feature_thresholds_from_config(&out->thresholds[f], c);
	if (ref->categorical != NULL) {
		feature_report_alloc_cat(out);
		memcpy(out->categorical, ref->categorical,
		    nf * sizeof *out->categorical);
	}
	if (nf == 0 || nr == 0 || n == 0)
		return;

	col = n <= SCRATCH_ROWS ? stack : xmalloc(n * sizeof *col);
	/* Logically const: the cells are a cache (see monitor.h). */
	if (ref->ks_gaps == NULL)
		((struct monitor_reference *)ref)->ks_gaps =
		    monitor_ks_gaps_create(ref->sorted, nr, ref->n_present, nf);
	for (f = 0; f < nf; f++) {
		monitor_one_feature(ref, c, b, f, col, &sort, out);
		if (out->drift_psi[f] || feature_test_drift(out, f))
			out->any_drift = true;
		if (out->drift_missing[f])
			out->any_missing_drift = true;
		if (out->n_used[f] < n || ref->n_present[f] < nr)
			out->missing_seen = true;
		if (!out->no_values[f] && (!have_max ||
		    out->psi[f] > out->psi[out->max_psi_feature])) {
			out->max_psi_feature = f;
			have_max = true;
		}
	}
	if (col != stack)
		free(col);
	monitor_ks_sort_finish(&sort);
	if (c->mmd_enabled)
		monitor_mmd(ref, c, b, out);
}

void
feature_report_finish(struct feature_report *r)
{
	free(r->psi);
	free(r->ks_statistic);
	free(r->ks_p_value);
	free(r->drift_psi);
	free(r->drift_ks);
	free(r->psi_outlier);
	free(r->n_used);
	free(r->no_values);
	free(r->missing_share);
	free(r->ref_missing_share);
	free(r->missing_p_value);
	free(r->missing_effect);
	free(r->drift_missing);
	free(r->investigate_psi);
	free(r->thresholds);
	free(r->mean);
	free(r->missing_q);
	free(r->psi_p_value);
	free(r->ks_q);
	free(r->psi_q);
	monitor_cat_report_finish(r);
	memset(r, 0, sizeof *r);
}

/* The reference's class counts (n_rows * proportion, exact below 2^53)
 * against the batch's, as a 2 x K homogeneity test. */
static void
label_shift_homogeneity(const struct monitor_reference *ref,
    struct prediction_report *out)
{
	struct chisq_result cr;
	uint64_t *rc, nr = 0, nc = 0;
	int i, k = out->n_classes;

	out->label_shift_homog_p_value = 1.0;
	if (k < 2)
		return;
	rc = alloc_n((size_t)k, sizeof *rc);
	for (i = 0; i < k; i++) {
		rc[i] = (uint64_t)llround(ref->class_prop[i] *
		    (double)ref->n_rows);
		nr += rc[i];
		nc += out->class_counts[i];
	}
	if (nr == 0 || nc == 0) {	/* the test needs both rows */
		free(rc);
		return;
	}
	drift_chisq_homogeneity(rc, out->class_counts, k, &cr);
	free(rc);
	out->label_shift_homog_statistic = cr.statistic;
	out->label_shift_homog_p_value = cr.p_value;
	out->label_shift_homog_dof = cr.dof;
}

void
monitor_prediction(const struct monitor_reference *ref,
    const struct monitor_config *c, const struct monitor_batch *b,
    struct prediction_report *out)
{
	int k = ref->n_classes;
	uint64_t total = 0;
	struct chisq_result cr;
	size_t i;

	memset(out, 0, sizeof *out);
	out->n_classes = k;
	out->chisq_alpha = c->chisq_alpha;
	out->confidence_delta = c->confidence_drift;
	out->thresholds_stored = true;
	out->class_counts = alloc_n((size_t)(k > 0 ? k : 0),
	    sizeof *out->class_counts);
	for (i = 0; i < b->n_rows; i++) {
		if (b->predicted[i] >= 0 && b->predicted[i] < k) {
			out->class_counts[b->predicted[i]]++;
			total++;
		}
	}
	out->label_shift_p_value = 1.0;
	if (k >= 2 && total > 0) {
		drift_chisq(out->class_counts, ref->class_prop, k, &cr);
		out->label_shift_statistic = cr.statistic;
		out->label_shift_p_value = cr.p_value;
	}
	label_shift_homogeneity(ref, out);
	out->label_shift_q = NAN;
	for (i = 0; total > 0 && i < (size_t)k; i++)
		out->class_tvd += 0.5 * fabs((double)out->class_counts[i] /
		    (double)total - ref->class_prop[i]);
	out->mean_confidence = metrics_mean(b->confidence, b->n_rows);
	out->reference_mean_confidence = ref->mean_confidence;
	monitor_prediction_verdicts(c, out);
}

void
prediction_report_finish(struct prediction_report *r)
{
	free(r->class_counts);
	memset(r, 0, sizeof *r);
}

void
monitor_performance(const struct monitor_reference *ref,
    const struct monitor_config *c, const struct monitor_batch *b,
    struct performance_report *out)
{
	int k = ref->n_classes, syt[SCRATCH_ROWS], syp[SCRATCH_ROWS];
	unsigned char sok[SCRATCH_ROWS], *ok;
	double sconf[SCRATCH_ROWS], *conf;
	size_t n = b->n_rows, m = 0, i;
	int *yt, *yp;
	bool heap = n > SCRATCH_ROWS;

	memset(out, 0, sizeof *out);
	out->n_classes = k;
	out->decay_delta = c->decay;
	out->thresholds_stored = true;
	performance_grade(out, NULL);
	out->confusion = alloc_n((size_t)(k > 0 ? k : 0) * (size_t)k,
	    sizeof *out->confusion);
	if (b->true_class == NULL)
		return;

	yt = heap ? xmalloc(n * sizeof *yt) : syt;
	yp = heap ? xmalloc(n * sizeof *yp) : syp;
	ok = heap ? xmalloc(n * sizeof *ok) : sok;
	conf = heap ? xmalloc(n * sizeof *conf) : sconf;
	for (i = 0; i < n; i++) {
		if (b->true_class[i] < 0 || b->true_class[i] >= k ||
		    b->predicted[i] < 0 || b->predicted[i] >= k)
			continue;
		yt[m] = b->true_class[i];
		yp[m] = b->predicted[i];
		ok[m] = yt[m] == yp[m];
		conf[m] = b->confidence[i];
		m++;
	}
	out->n_rows = m;
	out->n_unlabelled = n - m;
	if (m > 0) {
		out->accuracy = metrics_accuracy(yt, yp, m);
		out->f1_macro = metrics_f1_macro(yt, yp, m, k);
		out->ece = metrics_ece(conf, ok, m, out->bins);
		metrics_confusion(yt, yp, m, k, out->confusion);
		if (ref->has_labels) {
			out->acc_delta = out->accuracy - ref->accuracy;
			out->f1_delta = out->f1_macro - ref->f1_macro;
			monitor_performance_verdict(c, out);
		} else {
			/* No reference accuracy: unknown, decay cannot fire. */
			out->acc_delta = out->f1_delta = NAN;
		}
	}
	if (heap) {
		free(yt);
		free(yp);
		free(ok);
		free(conf);
	}
}

void
performance_report_finish(struct performance_report *r)
{
	free(r->confusion);
	memset(r, 0, sizeof *r);
}

void
detectors_init(struct detectors *d, const struct monitor_config *c)
{
	ddm_init(&d->ddm);
	d->adwin = adwin_create(c->adwin_delta);
}

void
detectors_finish(struct detectors *d)
{
	adwin_destroy(d->adwin);
	d->adwin = NULL;
}

void
detectors_feed(struct detectors *d, const struct monitor_batch *b,
    struct detector_report *out)
{
	enum ddm_state st;
	bool err;
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; b->true_class != NULL && i < b->n_rows; i++) {
		if (b->true_class[i] < 0)
			continue;
		err = b->predicted[i] != b->true_class[i];
		st = ddm_update(&d->ddm, err);
		if (st == DDM_WARNING)
			out->ddm_warning = true;
		else if (st == DDM_DRIFT)
			out->ddm_drift = true;
		if (adwin_update(d->adwin, err ? 1.0 : 0.0))
			out->adwin_drift = true;
		out->n_fed++;
	}
	out->ddm_state = d->ddm.state;
	out->adwin_width = adwin_width(d->adwin);
	out->adwin_mean = adwin_mean(d->adwin);
	out->ddm_drifts = d->ddm.drifts;
	out->adwin_detections = adwin_detections(d->adwin);
}

char *
detectors_encode(const struct detectors *d)
{
	char *ddm = ddm_encode(&d->ddm), *adwin = adwin_encode(d->adwin);
	struct strbuf b = STRBUF_INIT;
	size_t nd = strlen(ddm), na = strlen(adwin);

	/* "DDM\nADWIN", appended (a printf of it reads every byte twice). */
	strbuf_reserve(&b, nd + 1 + na);
	strbuf_add(&b, ddm, nd);
	strbuf_add(&b, "\n", 1);
	strbuf_add(&b, adwin, na);
	free(ddm);
	free(adwin);
	return strbuf_take(&b);
}

bool
detectors_decode(const char *s, struct detectors *out)
{
	struct ddm ddm;
	struct adwin *adwin;
	const char *nl;
	char *first;
	bool ok;

	if (s == NULL || (nl = strchr(s, '\n')) == NULL)
		return false;
	first = xstrndup(s, (size_t)(nl - s));
	ok = ddm_decode(first, &ddm);
	free(first);
	if (!ok || (adwin = adwin_decode(nl + 1)) == NULL)
		return false;
	out->ddm = ddm;
	out->adwin = adwin;
	return true;
}
