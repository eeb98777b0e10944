/*
 * --once --format json: one object for the current tab, every number from
 * the loaded data the views draw (NAN and absent values as null), every
 * verdict as stored (README.md, "--once").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/monitor.h"
#include "db/alert-mute.h"
#include "tui/export-internal.h"
#include "tui/render.h"

static cJSON	*json_num_item(double v);

static const char *const export_tabs[TAB_COUNT] = {
	"overview", "drift", "calibration", "alerts", "fleet",
};

static const char *const export_detectors[QUERY_DET_COUNT] = {
	"psi", "ks", "label_shift", "confidence", "decay", "ddm", "adwin",
};

static const char *
export_ece_band(double ece)
{
	if (isnan(ece))
		return NULL;
	if (ece <= 0.05)
		return "good";
	return ece <= 0.10 ? "watch" : "bad";
}

/*
 * "categories" of a categorical feature: the newest bins read (batch),
 * the reference's top categories with "other" and "new", their shares in
 * the reference and in that batch.
 */
static cJSON *
json_categories(const struct query_series *s, size_t f)
{
	const struct cat_feature *c = &s->cat[f];
	cJSON *o = cJSON_CreateObject(), *names, *rs, *bs;
	uint64_t rt = 0, bt = 0;
	size_t i, bins = (size_t)c->n_top + 2;

	if (s->cat_batch[f] < 0 || c->ref_counts == NULL)
		return o;
	cJSON_AddNumberToObject(o, "batch", (double)s->cat_batch[f]);
	cJSON_AddBoolToObject(o, "pooled", c->pooled);
	cJSON_AddNumberToObject(o, "distinct", (double)c->n_distinct);
	names = cJSON_AddArrayToObject(o, "names");
	rs = cJSON_AddArrayToObject(o, "reference_shares");
	bs = cJSON_AddArrayToObject(o, "shares");
	for (i = 0; i < bins; i++) {
		rt += c->ref_counts[i];
		bt += c->counts[i];
	}
	for (i = 0; i < bins; i++) {
		cJSON_AddItemToArray(names, cJSON_CreateString(
		    i < (size_t)c->n_top ? c->names[i] : i == bins - 2 ?
		    "(other)" : "(new)"));
		cJSON_AddItemToArray(rs, json_num_item(rt > 0 ?
		    (double)c->ref_counts[i] / (double)rt : NAN));
		cJSON_AddItemToArray(bs, json_num_item(bt > 0 ?
		    (double)c->counts[i] / (double)bt : NAN));
	}
	return o;
}

static void
json_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *
json_num_item(double v)
{
	return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* The thresholds the latest feature report was judged with, or nulls. */
static void
json_thresholds(cJSON *o, const struct query_thresholds *t)
{
	json_num(o, "psi_warning", t->known ? t->psi_warning : NAN);
	json_num(o, "psi_critical", t->known ? t->psi_critical : NAN);
	json_num(o, "ks_alpha", t->known ? t->ks_alpha : NAN);
	cJSON_AddBoolToObject(o, "thresholds_stored", t->known && t->stored);
	cJSON_AddBoolToObject(o, "thresholds_uniform", !t->known ||
	    t->uniform);
	cJSON_AddBoolToObject(o, "thresholds_same_in_every_batch",
	    !t->known || t->history_uniform);
}

/* A batch id, or null for -1 (never / none). */
static void
json_batch(cJSON *o, const char *k, int64_t b)
{
	if (b < 0)
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, (double)b);
}

static void
json_str(cJSON *o, const char *k, const char *s)
{
	char *clean = export_clean(s);

	cJSON_AddStringToObject(o, k, clean);
	free(clean);
}

static void
json_str_or_null(cJSON *o, const char *k, const char *s)
{
	if (s == NULL)
		cJSON_AddNullToObject(o, k);
	else
		json_str(o, k, s);
}

static void
json_bool_if(cJSON *o, const char *k, bool known, bool v)
{
	if (known)
		cJSON_AddBoolToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *
json_first_fired(const struct query_overview *ov)
{
	cJSON *o = cJSON_CreateObject();
	int i;

	for (i = 0; i < QUERY_DET_COUNT; i++)
		json_batch(o, export_detectors[i], ov->first_fired[i]);
	return o;
}

static cJSON *
json_alert(const struct query_alert *al)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)al->id);
	cJSON_AddNumberToObject(o, "batch", (double)al->batch_id);
	json_num(o, "sent_at", al->sent_at);
	json_str(o, "severity", al->severity);
	json_str(o, "kind", al->kind);
	json_str(o, "status", al->status);
	json_str(o, "channel", al->channel);
	cJSON_AddNumberToObject(o, "attempts", al->attempts);
	json_str(o, "message", al->message);
	json_str(o, "model", al->model);
	return o;
}

static cJSON *
json_alerts(const struct query_alert_page *p)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < p->n; i++)
		cJSON_AddItemToArray(arr, json_alert(&p->rows[i]));
	return arr;
}

/* The acks and silences in force: who, when, on what, until when. */
static cJSON *
json_mutes(const struct app *a)
{
	const struct alert_mute *m;
	cJSON *arr = cJSON_CreateArray(), *o;
	size_t i;

	for (i = 0; i < a->n_mutes; i++) {
		m = &a->mutes[i];
		o = cJSON_CreateObject();
		json_str(o, "kind", alert_mute_kind_name(m->kind));
		json_str(o, "scope", alert_mute_scope_name(m->scope));
		json_str(o, "model", m->model);
		json_str(o, "target", m->target);
		json_str(o, "by", m->by);
		json_num(o, "at", m->at);
		json_num(o, "until", m->kind == ALERT_MUTE_SILENCE ? m->until :
		    NAN);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The batch ids of a series, lo..hi. */
static cJSON *
json_batches(const struct query_series *s)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < s->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)(s->lo +
		    (int64_t)i)));
	return arr;
}

static cJSON *
json_column(const double *v, size_t n, size_t stride, size_t f)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, json_num_item(v[i * stride + f]));
	return arr;
}

/*
 * "estimate": the newest stored estimate before labels (or why there is
 * none) and the grades of the estimates; "estimates": the chart's
 * batches, each with its stored estimate and the realized accuracy.
 */
static void
json_estimate(const struct app *a, cJSON *o)
{
	const struct query_overview *ov = query_overview(a->q);
	const struct query_series *s = &a->series;
	const struct cbpe_estimate *e = &ov->est.cbpe;
	bool av = ov->has_est && ov->est.available;
	cJSON *est, *arr, *b;
	size_t i;

	est = cJSON_AddObjectToObject(o, "estimate");
	json_batch(est, "batch", ov->has_est ? ov->est_batch : -1);
	json_bool_if(est, "available", ov->has_est, ov->est.available);
	json_str_or_null(est, "reason", ov->has_est && !av ? ov->est.reason :
	    NULL);
	json_str_or_null(est, "method", ov->has_est ? ESTIMATE_METHOD : NULL);
	json_bool_if(est, "calibrated", av, e->calibrated);
	json_num(est, "accuracy", av ? e->accuracy : NAN);
	json_num(est, "accuracy_lower", av ? e->accuracy_lower : NAN);
	json_num(est, "accuracy_upper", av ? e->accuracy_upper : NAN);
	json_num(est, "f1", av ? e->f1_macro : NAN);
	json_num(est, "f1_lower", av ? e->f1_lower : NAN);
	json_num(est, "f1_upper", av ? e->f1_upper : NAN);
	json_bool_if(est, "estimated_decay", av, ov->est.decayed);
	cJSON_AddNumberToObject(est, "graded_batches", (double)ov->n_graded);
	json_num(est, "mae_accuracy", ov->mae_acc);
	json_num(est, "mae_f1", ov->mae_f1);
	arr = cJSON_AddArrayToObject(o, "estimates");
	for (i = 0; i < s->n; i++) {
		if (!(s->eflags[i] & QUERY_E_HAS))
			continue;
		b = cJSON_CreateObject();
		cJSON_AddNumberToObject(b, "batch", (double)(s->lo +
		    (int64_t)i));
		json_num(b, "estimated_accuracy", s->est_acc[i]);
		json_num(b, "lower", s->est_acc_lo[i]);
		json_num(b, "upper", s->est_acc_hi[i]);
		json_num(b, "estimated_f1", s->est_f1[i]);
		json_bool_if(b, "estimated_decay", s->eflags[i] &
		    QUERY_E_AVAILABLE, s->eflags[i] & QUERY_E_DECAY);
		json_num(b, "accuracy", s->acc[i]);
		cJSON_AddItemToArray(arr, b);
	}
}

static void
json_overview(const struct app *a, cJSON *o)
{
	const struct query_overview *ov = query_overview(a->q);
	bool perf = ov->has_perf, pred = ov->has_pred;
	double age = ov->last_write > 0 ? a->now - ov->last_write : NAN;

	cJSON_AddNumberToObject(o, "latest_batch", (double)ov->latest_batch);
	cJSON_AddNumberToObject(o, "first_batch", (double)ov->first_batch);
	cJSON_AddNumberToObject(o, "batches", (double)ov->n_batches);
	cJSON_AddNumberToObject(o, "rows", (double)ov->rows);
	cJSON_AddNumberToObject(o, "labelled_rows", (double)ov->labelled);
	json_num(o, "labelled_share", ov->rows > 0 ? (double)ov->labelled /
	    (double)ov->rows : NAN);
	json_num(o, "last_write", ov->last_write > 0 ? ov->last_write : NAN);
	json_num(o, "last_write_age_s", age);
	json_bool_if(o, "stale", !isnan(age), ov->n_batches > 0 &&
	    age > app_stale_after(a));

	json_batch(o, "performance_batch", perf ? ov->perf_batch : -1);
	json_num(o, "accuracy", perf ? ov->accuracy : NAN);
	json_num(o, "accuracy_delta", perf ? ov->acc_delta : NAN);
	json_num(o, "accuracy_ref", perf ? ov->accuracy - ov->acc_delta :
	    NAN);
	json_num(o, "f1", perf ? ov->f1 : NAN);
	json_num(o, "f1_delta", perf ? ov->f1_delta : NAN);
	json_num(o, "f1_ref", perf ? ov->f1 - ov->f1_delta : NAN);
	json_num(o, "ece", perf ? ov->ece : NAN);
	json_str_or_null(o, "ece_band", export_ece_band(perf ? ov->ece :
	    NAN));

	cJSON_AddNumberToObject(o, "feature_reports",
	    (double)ov->n_feature_reports);
	cJSON_AddNumberToObject(o, "drifted_batches_psi_0_20",
	    (double)ov->drift_psi_critical);
	cJSON_AddNumberToObject(o, "drifted_batches_psi_0_10",
	    (double)ov->drift_psi_warning);
	/*
	 * The two keys above are the previous release's names: they count
	 * the stored verdicts (drift; investigate or drift), whatever the
	 * thresholds were. The same under names that say so, and the
	 * thresholds of the latest reports.
	 */
	cJSON_AddNumberToObject(o, "drifted_batches_psi_critical",
	    (double)ov->drift_psi_critical);
	cJSON_AddNumberToObject(o, "drifted_batches_psi_investigate",
	    (double)ov->drift_psi_warning);
	json_thresholds(o, &ov->thresholds);
	json_num(o, "chisq_alpha", pred ? ov->thresholds.chisq_alpha : NAN);
	json_num(o, "confidence_delta", pred ?
	    ov->thresholds.confidence_delta : NAN);
	json_num(o, "decay_delta", perf ? ov->thresholds.decay_delta : NAN);

	json_batch(o, "prediction_batch", pred ? ov->pred_batch : -1);
	json_num(o, "label_shift_p", pred ? ov->ls_p : NAN);
	json_bool_if(o, "label_shift", pred, ov->ls_drift);
	json_num(o, "mean_confidence", pred ? ov->mean_conf : NAN);
	json_num(o, "mean_confidence_ref", pred ? ov->ref_conf : NAN);
	json_bool_if(o, "confidence_drift", pred && !isnan(ov->mean_conf),
	    ov->conf_drift);
	cJSON_AddItemToObject(o, "first_fired", json_first_fired(ov));
	json_estimate(a, o);

	cJSON_AddNumberToObject(o, "alerts_total", (double)ov->n_alerts);
	cJSON_AddItemToObject(o, "latest_alerts", json_alerts(&a->recent));
	cJSON_AddNumberToObject(o, "late_rows", (double)ov->late);
}

static void
json_drift(const struct app *a, cJSON *o)
{
	const struct query_series *s = &a->series;
	const struct query_overview *ov = query_overview(a->q);
	const char *flags[EXPORT_FLAGS_MAX];
	cJSON *arr, *f, *fl;
	size_t k, nf = s->n_features, last = app_feature_last(s), at;
	bool has, cat;
	int i, n;

	json_thresholds(o, &ov->thresholds);
	cJSON_AddItemToObject(o, "batches", json_batches(s));
	arr = cJSON_AddArrayToObject(o, "features");
	for (k = 0; k < ov->n_features; k++) {
		f = cJSON_CreateObject();
		json_str(f, "name", ov->feature_names[k]);
		at = last * nf + k;
		has = k < nf && last < s->n;
		cat = has && (s->fverdict[at] & QUERY_F_CATEGORICAL);
		json_str(f, "kind", cat ? "categorical" : "numeric");
		json_num(f, "psi", has ? s->psi[at] : NAN);
		json_num(f, "ks_p", has ? s->ks_p[at] : NAN);
		json_num(f, "missing_share", has ? s->missing[at] : NAN);
		cJSON_AddBoolToObject(f, "no_values", has &&
		    (s->fverdict[at] & QUERY_F_NO_VALUES));
		if (cat) {
			json_num(f, "chisq_p", s->chisq_p[at]);
			json_num(f, "new_share", s->new_share[at]);
			cJSON_AddItemToObject(f, "categories",
			    json_categories(s, k));
			cJSON_AddItemToObject(f, "chisq_p_series",
			    json_column(s->chisq_p, s->n, nf, k));
			cJSON_AddItemToObject(f, "new_share_series",
			    json_column(s->new_share, s->n, nf, k));
		}
		cJSON_AddItemToObject(f, "missing_share_series", k < nf ?
		    json_column(s->missing, s->n, nf, k) :
		    cJSON_CreateArray());
		fl = cJSON_AddArrayToObject(f, "flags");
		n = export_flags(has ? s->fverdict[at] : 0, flags);
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(fl, cJSON_CreateString(flags[i]));
		cJSON_AddItemToObject(f, "psi_series", k < nf ?
		    json_column(s->psi, s->n, nf, k) : cJSON_CreateArray());
		cJSON_AddItemToObject(f, "ks_p_series", k < nf ?
		    json_column(s->ks_p, s->n, nf, k) : cJSON_CreateArray());
		cJSON_AddItemToObject(f, "psi_warning_series", k < nf ?
		    json_column(s->psi_warning, s->n, nf, k) :
		    cJSON_CreateArray());
		cJSON_AddItemToObject(f, "psi_critical_series", k < nf ?
		    json_column(s->psi_critical, s->n, nf, k) :
		    cJSON_CreateArray());
		cJSON_AddItemToObject(f, "ks_alpha_series", k < nf ?
		    json_column(s->ks_alpha, s->n, nf, k) :
		    cJSON_CreateArray());
		cJSON_AddItemToArray(arr, f);
	}
	cJSON_AddItemToObject(o, "label_shift_p", json_column(s->ls_p, s->n,
	    1, 0));
	cJSON_AddItemToObject(o, "mean_confidence", json_column(s->mean_conf,
	    s->n, 1, 0));
	cJSON_AddItemToObject(o, "first_fired", json_first_fired(ov));
}

static void
json_calibration(const struct app *a, cJSON *o)
{
	const struct query_calib *q = &a->calib;
	const struct query_overview *ov = query_overview(a->q);
	const struct reliability_bin *b;
	cJSON *arr, *row, *bin;
	char *clean;
	int t, p, i;

	json_batch(o, "batch", q->batch_id);
	cJSON_AddBoolToObject(o, "exists", q->exists);
	cJSON_AddBoolToObject(o, "labelled", q->exists && q->labelled);
	if (!q->exists) {
		/* Retention retired its rows; the reports are kept. */
		cJSON_AddBoolToObject(o, "rows_pruned", q->pruned);
		return;
	}
	cJSON_AddNumberToObject(o, "rows", (double)q->n_rows);
	cJSON_AddNumberToObject(o, "labelled_rows", (double)q->n_labelled);
	if (!q->labelled)
		return;
	json_num(o, "accuracy", q->accuracy);
	json_num(o, "ece", q->ece);
	json_str_or_null(o, "ece_band", export_ece_band(q->ece));
	arr = cJSON_AddArrayToObject(o, "classes");	/* null: no name */
	for (t = 0; t < q->n_classes; t++) {
		if (t < ov->n_classes && ov->class_names != NULL) {
			clean = export_clean(ov->class_names[t]);
			cJSON_AddItemToArray(arr, cJSON_CreateString(clean));
			free(clean);
		} else
			cJSON_AddItemToArray(arr, cJSON_CreateNull());
	}
	arr = cJSON_AddArrayToObject(o, "confusion");	/* rows true */
	for (t = 0; t < q->n_classes && q->confusion != NULL; t++) {
		row = cJSON_CreateArray();
		for (p = 0; p < q->n_classes; p++)
			cJSON_AddItemToArray(row, cJSON_CreateNumber((double)
			    q->confusion[(size_t)t * (size_t)q->n_classes +
			    (size_t)p]));
		cJSON_AddItemToArray(arr, row);
	}
	arr = cJSON_AddArrayToObject(o, "reliability");
	for (i = 0; i < CALIB_BINS; i++) {
		b = &q->bins[i];
		bin = cJSON_CreateObject();
		cJSON_AddNumberToObject(bin, "lo", i / (double)CALIB_BINS);
		cJSON_AddNumberToObject(bin, "hi", (i + 1) /
		    (double)CALIB_BINS);
		cJSON_AddNumberToObject(bin, "count", (double)b->count);
		json_num(bin, "mean_confidence", b->count > 0 ?
		    b->mean_confidence : NAN);
		json_num(bin, "accuracy", b->count > 0 ? b->accuracy : NAN);
		cJSON_AddItemToArray(arr, bin);
	}
}

/* Every model shown, worst first, with the numbers of its row. */
static void
json_fleet(const struct app *a, cJSON *o)
{
	const struct query_fleet_row *r;
	enum role role;
	cJSON *arr, *m;
	size_t *idx, n, i;

	n = fleet_order(a, &idx);
	arr = cJSON_AddArrayToObject(o, "models");
	for (i = 0; i < n; i++) {
		r = &a->fleet.rows[idx[i]];
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "model", r->model);
		cJSON_AddStringToObject(m, "state", fleet_state(a, r, &role));
		json_num(m, "latest_batch", r->latest_batch >= 0 ?
		    (double)r->latest_batch : NAN);
		json_num(m, "last_write", r->last_write > 0 ? r->last_write :
		    NAN);
		json_num(m, "last_write_age_s", r->last_write > 0 ?
		    a->now - r->last_write : NAN);
		cJSON_AddBoolToObject(m, "stale", fleet_stale(a, r));
		json_num(m, "rows_per_min", r->rows_per_min);
		cJSON_AddNumberToObject(m, "rows", (double)r->rows);
		json_num(m, "labelled_share", r->rows > 0 ?
		    (double)r->labelled / (double)r->rows : NAN);
		json_num(m, "accuracy", r->has_perf ? r->accuracy : NAN);
		json_num(m, "accuracy_delta", r->has_perf ? r->acc_delta :
		    NAN);
		cJSON_AddStringToObject(m, "drift", fleet_drift_name(r->drift));
		cJSON_AddNumberToObject(m, "open_critical",
		    (double)r->open_critical);
		cJSON_AddNumberToObject(m, "open_warning",
		    (double)r->open_warning);
		json_num(m, "last_page", r->last_page > 0 ? r->last_page :
		    NAN);
		cJSON_AddItemToArray(arr, m);
	}
	free(idx);
}

int
export_json(const struct app *a, FILE *out)
{
	cJSON *o = cJSON_CreateObject();
	enum query_state st = query_state(a->q);
	static const char *const states[] = {
		[QUERY_MISSING] = "missing", [QUERY_EMPTY] = "empty",
		[QUERY_DELETED] = "deleted", [QUERY_UNREADABLE] = "unreadable",
		[QUERY_OK] = "ok",
	};
	char *text;
	int rc = 0;

	cJSON_AddStringToObject(o, "tab", export_tabs[a->tab]);
	json_str(o, "store", query_path(a->q));
	/* Every model's alerts ('M', --model '*'): each row names its own. */
	cJSON_AddStringToObject(o, "model", a->tab == TAB_ALERTS &&
	    a->alerts_all ? "*" : query_model(a->q));
	cJSON_AddStringToObject(o, "state", states[st]);
	json_num(o, "now", a->now);
	if (st != QUERY_OK)
		json_str(o, "message", query_message(a->q));
	else {
		switch (a->tab) {
		case TAB_OVERVIEW:
			json_overview(a, o);
			break;
		case TAB_DRIFT:
			json_drift(a, o);
			break;
		case TAB_CALIBRATION:
			json_calibration(a, o);
			break;
		case TAB_FLEET:
			json_fleet(a, o);
			break;
		default:
			cJSON_AddNumberToObject(o, "total",
			    (double)a->alerts.total);
			cJSON_AddItemToObject(o, "alerts",
			    json_alerts(&a->alerts));
			cJSON_AddItemToObject(o, "mutes", json_mutes(a));
			break;
		}
	}
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return -1;
	if (fputs(text, out) == EOF || fputc('\n', out) == EOF)
		rc = -1;
	cJSON_free(text);
	return rc;
}

