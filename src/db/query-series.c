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

/*
 * The series' columns of doubles, as offsets into struct query_series:
 * per feature (n * n_features each, [i * nf + f]) and per batch (n
 * each). Allocating, clearing, copying and freeing a slot go over these
 * lists, so a new column of doubles is one entry here.
 */
#define SERIES_COL(m)	offsetof(struct query_series, m)
#define SERIES_NCOLS(a)	(sizeof (a) / sizeof (a)[0])

static const size_t series_feature_cols[] = {
	SERIES_COL(psi), SERIES_COL(ks_p), SERIES_COL(missing),
	SERIES_COL(chisq_p), SERIES_COL(new_share), SERIES_COL(psi_warning),
	SERIES_COL(psi_critical), SERIES_COL(ks_alpha),
};

static const size_t series_batch_cols[] = {
	SERIES_COL(ls_p), SERIES_COL(mean_conf), SERIES_COL(ref_conf),
	SERIES_COL(acc), SERIES_COL(acc_cov), SERIES_COL(f1), SERIES_COL(ece),
	SERIES_COL(ref_acc), SERIES_COL(ref_f1), SERIES_COL(est_acc),
	SERIES_COL(est_acc_lo), SERIES_COL(est_acc_hi), SERIES_COL(est_f1),
};

/* The column of doubles at offset off of s. */
static double *
series_col(const struct query_series *s, size_t off)
{
	return *(double *const *)(const void *)((const char *)s + off);
}

static void
series_col_set(struct query_series *s, size_t off, double *col)
{
	*(double **)(void *)((char *)s + off) = col;
}

static void
series_slot_clear(struct query_series *s, size_t i)
{
	size_t f, k, nf = s->cap_features;
	double *col;
	int t;

	for (k = 0; k < SERIES_NCOLS(series_feature_cols); k++) {
		col = series_col(s, series_feature_cols[k]) + i * nf;
		for (f = 0; f < nf; f++)
			col[f] = NAN;
	}
	memset(s->fverdict + i * nf, 0, nf);
	for (k = 0; k < SERIES_NCOLS(series_batch_cols); k++)
		series_col(s, series_batch_cols[k])[i] = NAN;
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
	size_t k, off, nf = dst->cap_features;

	for (k = 0; k < SERIES_NCOLS(series_feature_cols); k++) {
		off = series_feature_cols[k];
		memcpy(series_col(dst, off) + i * nf,
		    series_col(src, off) + j * nf, nf * sizeof (double));
	}
	memcpy(dst->fverdict + i * nf, src->fverdict + j * nf, nf);
	for (k = 0; k < SERIES_NCOLS(series_batch_cols); k++) {
		off = series_batch_cols[k];
		series_col(dst, off)[i] = series_col(src, off)[j];
	}
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
	size_t nfa = nf > 0 ? nf : 1, cap = n > 0 ? n : 1, i, k;

	memset(s, 0, sizeof *s);
	s->cap = cap;
	s->cap_features = nfa;
	for (k = 0; k < SERIES_NCOLS(series_feature_cols); k++)
		series_col_set(s, series_feature_cols[k],
		    xcalloc(cap * nfa, sizeof (double)));
	for (k = 0; k < SERIES_NCOLS(series_batch_cols); k++)
		series_col_set(s, series_batch_cols[k],
		    xcalloc(cap, sizeof (double)));
	s->cat = xcalloc(nfa, sizeof *s->cat);
	s->cat_batch = xcalloc(nfa, sizeof *s->cat_batch);
	for (i = 0; i < nfa; i++)
		s->cat_batch[i] = -1;
	s->fverdict = xcalloc(cap * nfa, 1);
	s->eflags = xcalloc(cap, 1);
	s->flags = xcalloc(cap, 1);
	s->report_id = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->report_id);
	s->created = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->created);
}

void
query_series_finish(struct query_series *s)
{
	size_t i, k;

	for (k = 0; k < SERIES_NCOLS(series_feature_cols); k++)
		free(series_col(s, series_feature_cols[k]));
	for (k = 0; k < SERIES_NCOLS(series_batch_cols); k++)
		free(series_col(s, series_batch_cols[k]));
	for (i = 0; s->cat != NULL && i < s->cap_features; i++)
		cat_feature_finish(&s->cat[i]);
	free(s->cat);
	free(s->cat_batch);
	free(s->fverdict);
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
