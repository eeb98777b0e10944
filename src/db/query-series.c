/*
 * query-series: the reports of a batch range, one slot per batch id, for
 * the console's sparklines (query_series_load). The series is also a
 * cache: each slot keeps the id (monitor_reports.id) and created_at of
 * the report decoded into it, so a reload reads the stamps of the range
 * (index and row headers only) and decodes only the payloads that
 * changed; after one new batch that is one batch's reports.
 */
#include "db/query.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store.h"

#define QUERY_SERIES_MAX	4096

static const char *const series_types[QUERY_REPORT_TYPES] = {
	"feature", "prediction", "performance", "estimated_performance",
};

static void
series_slot_clear(struct query_series *s, size_t i)
{
	size_t f, nf = s->cap_features;
	int t;

	for (f = 0; f < nf; f++) {
		s->psi[i * nf + f] = NAN;
		s->ks_p[i * nf + f] = NAN;
		s->missing[i * nf + f] = NAN;
		s->chisq_p[i * nf + f] = NAN;
		s->new_share[i * nf + f] = NAN;
		s->psi_warning[i * nf + f] = NAN;
		s->psi_critical[i * nf + f] = NAN;
		s->ks_alpha[i * nf + f] = NAN;
		s->fverdict[i * nf + f] = 0;
	}
	s->ls_p[i] = s->mean_conf[i] = s->ref_conf[i] = NAN;
	s->acc[i] = s->f1[i] = s->ece[i] = s->acc_cov[i] = NAN;
	s->ref_acc[i] = s->ref_f1[i] = NAN;
	s->est_acc[i] = s->est_acc_lo[i] = s->est_acc_hi[i] = NAN;
	s->est_f1[i] = NAN;
	s->eflags[i] = 0;
	s->flags[i] = 0;
	for (t = 0; t < QUERY_REPORT_TYPES; t++) {
		s->report_id[i * QUERY_REPORT_TYPES + t] = 0;
		s->created[i * QUERY_REPORT_TYPES + t] = 0;
	}
}

/* Copy slot j of src into slot i of dst (same feature count). */
static void
series_slot_copy(struct query_series *dst, size_t i,
    const struct query_series *src, size_t j)
{
	size_t nf = dst->cap_features;

	memcpy(dst->psi + i * nf, src->psi + j * nf, nf * sizeof *dst->psi);
	memcpy(dst->ks_p + i * nf, src->ks_p + j * nf,
	    nf * sizeof *dst->ks_p);
	memcpy(dst->missing + i * nf, src->missing + j * nf,
	    nf * sizeof *dst->missing);
	memcpy(dst->chisq_p + i * nf, src->chisq_p + j * nf,
	    nf * sizeof *dst->chisq_p);
	memcpy(dst->new_share + i * nf, src->new_share + j * nf,
	    nf * sizeof *dst->new_share);
	memcpy(dst->psi_warning + i * nf, src->psi_warning + j * nf,
	    nf * sizeof *dst->psi_warning);
	memcpy(dst->psi_critical + i * nf, src->psi_critical + j * nf,
	    nf * sizeof *dst->psi_critical);
	memcpy(dst->ks_alpha + i * nf, src->ks_alpha + j * nf,
	    nf * sizeof *dst->ks_alpha);
	memcpy(dst->fverdict + i * nf, src->fverdict + j * nf, nf);
	dst->ls_p[i] = src->ls_p[j];
	dst->mean_conf[i] = src->mean_conf[j];
	dst->ref_conf[i] = src->ref_conf[j];
	dst->acc[i] = src->acc[j];
	dst->acc_cov[i] = src->acc_cov[j];
	dst->f1[i] = src->f1[j];
	dst->ece[i] = src->ece[j];
	dst->ref_acc[i] = src->ref_acc[j];
	dst->ref_f1[i] = src->ref_f1[j];
	dst->est_acc[i] = src->est_acc[j];
	dst->est_acc_lo[i] = src->est_acc_lo[j];
	dst->est_acc_hi[i] = src->est_acc_hi[j];
	dst->est_f1[i] = src->est_f1[j];
	dst->eflags[i] = src->eflags[j];
	dst->flags[i] = src->flags[j];
	memcpy(dst->report_id + i * QUERY_REPORT_TYPES, src->report_id + j *
	    QUERY_REPORT_TYPES, QUERY_REPORT_TYPES * sizeof *dst->report_id);
	memcpy(dst->created + i * QUERY_REPORT_TYPES, src->created + j *
	    QUERY_REPORT_TYPES, QUERY_REPORT_TYPES * sizeof *dst->created);
}

static void
series_alloc(struct query_series *s, size_t n, size_t nf)
{
	size_t nfa = nf > 0 ? nf : 1, cap = n > 0 ? n : 1, i;

	memset(s, 0, sizeof *s);
	s->cap = cap;
	s->cap_features = nfa;
	s->psi = xcalloc(cap * nfa, sizeof *s->psi);
	s->ks_p = xcalloc(cap * nfa, sizeof *s->ks_p);
	s->missing = xcalloc(cap * nfa, sizeof *s->missing);
	s->chisq_p = xcalloc(cap * nfa, sizeof *s->chisq_p);
	s->new_share = xcalloc(cap * nfa, sizeof *s->new_share);
	s->cat = xcalloc(nfa, sizeof *s->cat);
	s->cat_batch = xcalloc(nfa, sizeof *s->cat_batch);
	for (i = 0; i < nfa; i++)
		s->cat_batch[i] = -1;
	s->psi_warning = xcalloc(cap * nfa, sizeof *s->psi_warning);
	s->psi_critical = xcalloc(cap * nfa, sizeof *s->psi_critical);
	s->ks_alpha = xcalloc(cap * nfa, sizeof *s->ks_alpha);
	s->fverdict = xcalloc(cap * nfa, 1);
	s->ls_p = xcalloc(cap, sizeof *s->ls_p);
	s->mean_conf = xcalloc(cap, sizeof *s->mean_conf);
	s->ref_conf = xcalloc(cap, sizeof *s->ref_conf);
	s->acc = xcalloc(cap, sizeof *s->acc);
	s->acc_cov = xcalloc(cap, sizeof *s->acc_cov);
	s->f1 = xcalloc(cap, sizeof *s->f1);
	s->ece = xcalloc(cap, sizeof *s->ece);
	s->ref_acc = xcalloc(cap, sizeof *s->ref_acc);
	s->ref_f1 = xcalloc(cap, sizeof *s->ref_f1);
	s->est_acc = xcalloc(cap, sizeof *s->est_acc);
	s->est_acc_lo = xcalloc(cap, sizeof *s->est_acc_lo);
	s->est_acc_hi = xcalloc(cap, sizeof *s->est_acc_hi);
	s->est_f1 = xcalloc(cap, sizeof *s->est_f1);
	s->eflags = xcalloc(cap, 1);
	s->flags = xcalloc(cap, 1);
	s->report_id = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->report_id);
	s->created = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->created);
}

void
query_series_finish(struct query_series *s)
{
	size_t i;

	free(s->psi);
	free(s->ks_p);
	free(s->missing);
	free(s->chisq_p);
	free(s->new_share);
	for (i = 0; s->cat != NULL && i < s->cap_features; i++)
		cat_feature_finish(&s->cat[i]);
	free(s->cat);
	free(s->cat_batch);
	free(s->psi_warning);
	free(s->psi_critical);
	free(s->ks_alpha);
	free(s->fverdict);
	free(s->ls_p);
	free(s->mean_conf);
	free(s->ref_conf);
	free(s->acc);
	free(s->acc_cov);
	free(s->f1);
	free(s->ece);
	free(s->ref_acc);
	free(s->ref_f1);
	free(s->est_acc);
	free(s->est_acc_lo);
	free(s->est_acc_hi);
	free(s->est_f1);
	free(s->eflags);
	free(s->flags);
	free(s->report_id);
	free(s->created);
	memset(s, 0, sizeof *s);
}

/*
 * Categorical feature f of r into slot i: its test, new share and
 * verdicts; its bins, taken from r, when no newer batch's are kept.
 */
static void
series_put_cat(struct query_series *s, size_t i, size_t f,
    struct feature_report *r)
{
	size_t at = i * s->cap_features + f;
	struct cat_feature *c = &r->cat[f], old;
	int64_t b = s->lo + (int64_t)i;

	s->chisq_p[at] = c->d.p_value;
	s->new_share[at] = c->d.new_share;
	s->fverdict[at] |= QUERY_F_CATEGORICAL |
	    (c->drift_chisq ? QUERY_F_CHISQ_DRIFT : 0) |
	    (c->drift_new ? QUERY_F_NEW_CATEGORIES : 0);
	if (b < s->cat_batch[f])
		return;
	old = s->cat[f];
	s->cat[f] = *c;
	*c = old;	/* r frees the bins replaced */
	s->cat_batch[f] = b;
}

/* A feature report into slot i: values, stored verdicts, thresholds. */
static void
series_put_feature(struct query_series *s, size_t i,
    struct feature_report *r)
{
	size_t f, at, nf = s->n_features;

	s->flags[i] &= ~(QUERY_DRIFT_PSI | QUERY_DRIFT_KS);
	s->flags[i] |= QUERY_HAS_FEATURE;
	for (f = 0; f < nf && f < r->n_features; f++) {
		at = i * s->cap_features + f;
		s->psi[at] = r->psi[f];
		s->ks_p[at] = r->ks_p_value[f];
		s->psi_warning[at] = r->thresholds[f].psi_warning;
		s->psi_critical[at] = r->thresholds[f].psi_critical;
		s->ks_alpha[at] = r->thresholds[f].ks_alpha;
		s->missing[at] = r->missing_seen ? r->missing_share[f] : 0;
		s->fverdict[at] = (r->drift_psi[f] ? QUERY_F_PSI_DRIFT : 0) |
		    (r->investigate_psi[f] ? QUERY_F_PSI_INVESTIGATE : 0) |
		    (r->drift_ks[f] ? QUERY_F_KS_DRIFT : 0) |
		    (r->drift_missing[f] ? QUERY_F_MISSING : 0) |
		    (r->no_values[f] ? QUERY_F_NO_VALUES : 0);
		if (r->categorical != NULL && r->categorical[f])
			series_put_cat(s, i, f, r);
		if (r->drift_psi[f])
			s->flags[i] |= QUERY_DRIFT_PSI;
		if (r->drift_ks[f])
			s->flags[i] |= QUERY_DRIFT_KS;
	}
}

/*
 * Decode one payload of type t with the one decoder (db/report-json.h)
 * into slot i, replacing what that type put there. false: undecodable
 * (the slot keeps what it had).
 */
static bool
series_put(struct query_series *s, size_t i, int t, const char *text,
    size_t len, const struct store_schema *sc)
{
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct estimate_report est;
	char *cause = NULL;

	if (t == 0 && report_json_decode_feature(text, len, sc, &fr,
	    &cause) == 0) {
		series_put_feature(s, i, &fr);
		feature_report_finish(&fr);
	} else if (t == 1 && report_json_decode_prediction(text, len, sc, &pr,
	    &cause) == 0) {
		s->flags[i] &= ~(QUERY_LABEL_SHIFT | QUERY_CONF_DRIFT);
		s->flags[i] |= QUERY_HAS_PREDICTION |
		    (pr.label_shift_drift ? QUERY_LABEL_SHIFT : 0) |
		    (pr.confidence_drift ? QUERY_CONF_DRIFT : 0);
		s->ls_p[i] = pr.label_shift_p_value;
		s->mean_conf[i] = pr.mean_confidence;
		s->ref_conf[i] = pr.reference_mean_confidence;
		prediction_report_finish(&pr);
	} else if (t == 2 && report_json_decode_performance(text, len, sc,
	    &perf, &cause) == 0) {
		s->flags[i] &= ~QUERY_DECAY;
		s->flags[i] |= QUERY_HAS_PERFORMANCE |
		    (perf.any_decay ? QUERY_DECAY : 0);
		s->acc[i] = perf.accuracy;
		s->acc_cov[i] = performance_coverage(&perf);
		s->f1[i] = perf.f1_macro;
		s->ece[i] = perf.ece;
		s->ref_acc[i] = perf.accuracy - perf.acc_delta;
		s->ref_f1[i] = perf.f1_macro - perf.f1_delta;
		performance_report_finish(&perf);
	} else if (t == 3 && report_json_decode_estimate(text, len, &est,
	    &cause) == 0) {
		s->eflags[i] = QUERY_E_HAS |
		    (est.available ? QUERY_E_AVAILABLE : 0) |
		    (est.decayed ? QUERY_E_DECAY : 0) |
		    (est.cbpe.calibrated ? QUERY_E_CALIBRATED : 0);
		s->est_acc[i] = est.cbpe.accuracy;
		s->est_acc_lo[i] = est.cbpe.accuracy_lower;
		s->est_acc_hi[i] = est.cbpe.accuracy_upper;
		s->est_f1[i] = est.cbpe.f1_macro;
	} else {
		free(cause);
		return false;
	}
	return true;
}

static int
series_type(const char *t)
{
	int i;

	for (i = 0; i < QUERY_REPORT_TYPES; i++) {
		if (strcmp(t, series_types[i]) == 0)
			return i;
	}
	return -1;
}

/*
 * The decoded slots of out still in the window lo..lo+n-1 into next,
 * with the kept categorical bins (taken from out).
 */
static void
series_carry(struct query_series *next, struct query_series *out,
    int64_t lo, size_t n)
{
	size_t i;
	int64_t b;

	if (out->n_features != next->n_features ||
	    out->cap_features != next->cap_features)
		return;
	for (i = 0; i < n; i++) {
		b = lo + (int64_t)i;
		if (b >= out->lo && b <= out->hi)
			series_slot_copy(next, i, out, (size_t)(b - out->lo));
	}
	for (i = 0; i < next->cap_features; i++) {
		next->cat[i] = out->cat[i];
		next->cat_batch[i] = out->cat_batch[i];
		memset(&out->cat[i], 0, sizeof out->cat[i]);
	}
}

/*
 * The stamps of the reports of lo..hi of the types asked (index and row
 * headers only), then the payload of each that changed since it was
 * decoded into out. 0, or -1 when the store is busy.
 */
static int
series_read(struct query *q, struct query_series *out, unsigned types,
    const struct store_schema *sc)
{
	struct db_stmt *st, *pst = NULL;
	const char *tname, *payload;
	size_t i, k;
	int64_t report_id;
	double created;
	int rc, t, err = 0;

	st = query_prepare(q, "SELECT batch_id, report_type, id, created_at"
	    " FROM monitor_reports WHERE batch_id BETWEEN ? AND ?"
	    " AND model_id = :model");
	if (st == NULL)
		return query_busy(query_err(q)) ? -1 : 0;
	db_bind_int64(st, 1, out->lo);
	db_bind_int64(st, 2, out->hi);
	while ((rc = db_step(st)) == DB_ROW) {
		tname = db_column_text(st, 1);
		if (tname == NULL || (t = series_type(tname)) == -1 ||
		    !(types & (1u << t)))
			continue;
		i = (size_t)(db_column_int64(st, 0) - out->lo);
		k = i * QUERY_REPORT_TYPES + (size_t)t;
		report_id = db_column_int64(st, 2);
		created = db_column_double(st, 3);
		if (out->report_id[k] == report_id && out->created[k] == created)
			continue;
		if (pst == NULL && (pst = query_prepare(q, "SELECT payload"
		    " FROM monitor_reports WHERE id = ?")) == NULL) {
			err = query_err(q);
			break;
		}
		db_bind_int64(pst, 1, report_id);
		if (db_step(pst) == DB_ROW &&
		    (payload = db_column_text(pst, 0)) != NULL &&
		    series_put(out, i, t, payload, db_column_bytes(pst, 0),
		    sc)) {
			out->report_id[k] = report_id;
			out->created[k] = created;
		}
		db_reset(pst);
	}
	if (rc == DB_ERROR)
		err = query_err(q);
	query_release(q, st);
	if (pst != NULL)
		query_release(q, pst);
	return query_busy(err) ? -1 : 0;
}

int
query_series_load(struct query *q, int64_t lo, int64_t hi, unsigned types,
    struct query_series *out)
{
	struct query_series next;
	struct store_schema sc;
	size_t nf, n, i;

	if (hi - lo >= QUERY_SERIES_MAX)
		lo = hi - QUERY_SERIES_MAX + 1;
	n = hi >= lo ? (size_t)(hi - lo + 1) : 0;
	/* Without stored names no payload decodes: the slots stay empty. */
	nf = query_schema(q, &sc) ? sc.n_features : 0;
	/* Keep the decoded slots still in the window; start the rest empty. */
	if (out->gen != q->gen) {
		query_series_finish(out);	/* another file: drop it all */
		out->gen = q->gen;
	}
	if (out->cap >= n && out->cap > 0 && out->cap_features >= nf &&
	    out->n_features == nf && out->lo == lo && out->hi == hi) {
		next = *out;
	} else {
		series_alloc(&next, n, nf);
		next.gen = q->gen;
		next.n_features = nf;
		for (i = 0; i < next.cap; i++)
			series_slot_clear(&next, i);
		series_carry(&next, out, lo, n);
		query_series_finish(out);
	}
	next.lo = lo;
	next.hi = hi;
	next.n = n;
	next.n_features = nf;
	*out = next;
	if (q->db == NULL || n == 0 || nf == 0)
		return 0;
	/* Stamps first (index and row headers only), payloads if changed. */
	return series_read(q, out, types, &sc);
}
