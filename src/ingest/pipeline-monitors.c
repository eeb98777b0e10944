/*
 * Closing a batch and what runs then: the feature and prediction monitors,
 * the performance monitor and the detectors once a batch is labelled,
 * their stored reports, the alert rules and the batch line on the log.
 *
 * Batches: rows of the current batch are logged and kept in memory. When
 * the batch closes (end_batch, another batch_id, labels for it, end of
 * input) this writer claims its judgement in the store (store_batch_claim:
 * the ledger row is closed in the same transaction as the reports, so a
 * batch is judged exactly once, by whichever writer closes it) and the
 * monitors run: on the in-memory rows when they are all of the batch's
 * rows, on the stored rows otherwise (a replay after a crash, another
 * writer's rows in the same batch), not at all when it was judged
 * already (its reports exist; later rows are late, not re-judged).
 * A batch's close, its reports, the detector state and the alert outbox
 * entries are written in one transaction (commits happen only between
 * input lines, every flush_rows rows or flush_ms ms); the outbox is
 * worked right after each commit.
 *
 * Detectors (DDM, ADWIN) see the error stream in the order batches become
 * fully labelled (arrival order, whatever the ids), each batch once. The
 * decoded detectors stay cached here;
 * their stored row is re-read once per write transaction (a labeler may
 * have fed them) and written once, before the commit, by
 * pipeline_commit_prepare: the state still commits together with the
 * reports it produced.
 */
#include "ingest/pipeline-internal.h"

#include <stdbool.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/monitor.h"
#include "core/monitor-judge.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store.h"
#include "ingest/config.h"

#define NAMES_SHOWN		4	/* feature names on a batch line */

/* Append "name,name,+k" for the flagged features to buf. */
static void
list_features(const struct pipeline *p, const bool *a, const bool *b,
    size_t n, char *buf, size_t cap)
{
	size_t	i, shown = 0, more = 0, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!a[i] || (b != NULL && !b[i]))
			continue;
		if (shown == NAMES_SHOWN) {
			more++;
			continue;
		}
		o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s",
		    shown ? "," : "", p->schema.feature_names[i]);
		shown++;
	}
	if (more > 0 && o < cap)
		snprintf(buf + o, cap - o, ",+%zu", more);
	if (shown == 0)
		snprintf(buf, cap, "none");
}

/* "+0.012", or "ref unknown" when the reference has no labels. */
static const char *
delta_text(double delta, char *buf, size_t size)
{
	if (isnan(delta))
		return "ref unknown";
	snprintf(buf, size, "%+.3f", delta);
	return buf;
}

/* ", estimated accuracy 0.812 [0.771, 0.853]" (or why there is none). */
static void
print_estimate(FILE *log, const struct estimate_report *est)
{
	if (!est->available) {
		fprintf(log, ", no estimate: %s", est->reason);
		return;
	}
	fprintf(log, ", estimated accuracy %.3f [%.3f, %.3f]%s",
	    est->cbpe.accuracy, est->cbpe.accuracy_lower, est->cbpe.accuracy_upper,
	    est->decayed ? " (estimated decay)" : "");
}

/* ", estimate off by -0.012" for a graded report; "" otherwise. */
static const char *
grade_text(const struct performance_report *perf, char *buf, size_t size)
{
	if (!perf->graded)
		return "";
	snprintf(buf, size, ", estimate %.3f off by %+.3f",
	    perf->est_accuracy, perf->acc_error);
	return buf;
}

static void
print_batch(struct pipeline *p, int64_t batch, size_t rows,
    const struct feature_report *fr, const struct prediction_report *pr,
    const struct estimate_report *est, const struct performance_report *perf,
    const struct detector_report *dr)
{
	char	ks[256], d[16];
	bool	*test;
	size_t	 i;

	if (p->log == NULL)
		return;
	fprintf(p->log, "batch %lld: %zu rows", (long long)batch, rows);
	if (fr != NULL && p->schema_stored) {
		/* KS, or chi-squared for a categorical feature. */
		test = xcalloc(fr->n_features, sizeof *test);
		for (i = 0; i < fr->n_features; i++)
			test[i] = feature_test_drift(fr, i);
		list_features(p, test, fr->drift_psi, fr->n_features, ks,
		    sizeof ks);
		free(test);
		fprintf(p->log, ", max PSI %.3f (%s), %s: %s",
		    fr->psi[fr->max_psi_feature],
		    p->schema.feature_names[fr->max_psi_feature],
		    fr->any_categorical ? "confirmed" : "KS-confirmed", ks);
		if (fr->mmd_run)
			fprintf(p->log, ", MMD p=%.3g", fr->mmd.p_value);
	}
	if (pr != NULL)
		fprintf(p->log, ", label shift p=%.3g%s",
		    pr->label_shift_p_value,
		    pr->confidence_drift ? ", confidence drift" : "");
	if (est != NULL)
		print_estimate(p->log, est);
	if (perf != NULL)
		fprintf(p->log, ", accuracy %.3f (%s), F1 %.3f",
		    perf->accuracy, delta_text(perf->acc_delta, d, sizeof d),
		    perf->f1_macro);
	if (dr != NULL && (dr->ddm_drift || dr->adwin_drift))
		fprintf(p->log, ",%s%s", dr->ddm_drift ? " DDM drift" : "",
		    dr->adwin_drift ? " ADWIN drift" : "");
	fputc('\n', p->log);
}

/*
 * After a store_report_put_* that returned rc: mark dirty, or say why
 * (*why, read here: after the put has set it).
 */
static int
put_done(struct pipeline *p, int64_t batch, const char *type, int rc,
    char **why, char **cause)
{
	if (rc != 0) {
		*cause = xasprintf("storing the %s report of batch %lld: %s",
		    type, (long long)batch, *why != NULL ? *why : "failed");
		free(*why);
		*why = NULL;
		return -1;
	}
	pl_mark_dirty(p);
	return 0;
}

/*
 * Run the alert rules for one batch's evidence: ab names its reports (NULL
 * for those it has not), the schema is the pipeline's.
 */
static int
alert_batch(struct pipeline *p, struct alert_batch ab, char **cause)
{
	char	*why = NULL;

	if (p->alert == NULL)
		return 0;
	ab.schema = p->schema_stored ? &p->schema : NULL;
	if (alert_engine_batch(p->alert, &ab, &why) != 0) {
		pl_fatal(cause, why, "alert rules");
		return -1;
	}
	pl_mark_dirty(p);
	p->deliver = true;
	return 0;
}

/*
 * Feed one labelled batch to the detectors and store its report, judged
 * with the batch's performance report perf (monitor_judge_detectors).
 */
static int
feed_one(struct pipeline *p, struct detectors *d, int64_t batch,
    const struct monitor_batch *mb, const struct performance_report *perf,
    struct detector_report *out, char **cause)
{
	char	*why = NULL;

	detectors_feed(d, mb, out);
	monitor_judge_detectors(&p->cfg->monitor, perf, out);
	return put_done(p, batch, REPORT_TYPE_DETECTORS,
	    store_report_put_detectors(p->s, batch, out, &why), &why, cause);
}

static void
monitor_batch_from_store(struct monitor_batch *mb, const struct store_batch *b)
{
	memset(mb, 0, sizeof *mb);
	mb->batch_id = b->batch_id;
	mb->n_rows = b->n_rows;
	mb->features = b->features;
	mb->predicted = b->predicted;
	mb->confidence = b->confidence;
	mb->true_class = NULL;	/* the caller's choice */
	mb->scores = b->scores;
	mb->n_scores = b->n_classes;
}

/* Load the detectors; a corrupt stored state loses the work. 0 or -1. */
static int
detectors_load(struct pipeline *p, char **cause)
{
	char	*why = NULL;
	int	 rc;

	rc = pl_detectors_load(&p->det, p->s, &p->cfg->monitor, &why);
	if (rc == -2) {
		pl_work_lost(p, xasprintf("%s; reading stopped at %s line "
		    "%llu", why, p->source, (unsigned long long)p->last_line),
		    cause);
		free(why);
		return -1;
	}
	if (rc != 0)
		*cause = why;
	return rc;
}

/*
 * Batch `batch` (rows in mb) has become fully labelled: feed its errors to
 * the detectors, in the order batches become labelled (docs/ALERTS.md:
 * arrival order, whatever their ids), and once: a batch with a stored
 * detector report was fed already (a relabel does not feed it again).
 * *fed tells whether it was fed now (and *out is its report). The new
 * state is stored by the next commit (pipeline_commit_prepare), in the
 * same transaction as the reports.
 */
static int
detectors_advance(struct pipeline *p, int64_t batch,
    const struct monitor_batch *mb, const struct performance_report *perf,
    struct detector_report *out, bool *fed, char **cause)
{
	char	*payload = NULL, *why = NULL;
	int	 rc;

	*fed = false;
	if (detectors_load(p, cause) != 0)
		return -1;
	rc = store_report_get(p->s, batch, REPORT_TYPE_DETECTORS, &payload,
	    &why);
	free(payload);
	if (rc < 0) {
		pl_fatal(cause, why, "looking up a detector report");
		return -1;
	}
	if (rc == 0)
		return 0;
	if (feed_one(p, &p->det.det, batch, mb, perf, out, cause) != 0) {
		pl_detectors_forget(&p->det);
		return -1;
	}
	*fed = true;
	pl_detectors_fed(&p->det, batch);
	pl_mark_dirty(p);
	return 0;
}

static int	stored_performance(struct pipeline *p, int64_t batch,
		    struct performance_report *prev, char **cause);

/*
 * Count batch's graded report in the running grades of the estimates
 * (detector state ESTIMATE_GRADES_NAME), once per batch: a recompute (more
 * labels landed, a relabel) takes back what the report it replaces
 * added, so the grades follow every batch's latest report as the report
 * does.
 */
static int
grades_count(struct pipeline *p, int64_t batch,
    const struct performance_report *perf, char **cause)
{
	struct performance_report	 prev;
	struct estimate_grades		 g;
	char				*text = NULL, *why = NULL;
	int64_t				 last = batch;
	int				 had, rc;

	if (!perf->graded)
		return 0;
	if ((had = stored_performance(p, batch, &prev, cause)) < 0)
		return -1;
	rc = store_detector_get(p->s, ESTIMATE_GRADES_NAME, &last, &text,
	    &why);
	if (rc < 0) {
		if (had)
			performance_report_finish(&prev);
		pl_fatal(cause, why, "reading the grades of the estimates");
		return -1;
	}
	memset(&g, 0, sizeof g);
	if (rc == 0 && !estimate_grades_decode(text, &g)) {
		free(text);
		if (had)
			performance_report_finish(&prev);
		pl_fatal(cause, xasprintf("%s: detector_state row '%s' is "
		    "corrupt", store_path(p->s), ESTIMATE_GRADES_NAME),
		    "reading the grades of the estimates");
		return -1;
	}
	free(text);
	if (had) {
		estimate_grades_remove(&g, &prev);
		performance_report_finish(&prev);
	}
	estimate_grades_add(&g, perf);
	text = estimate_grades_encode(&g);
	rc = store_detector_put(p->s, ESTIMATE_GRADES_NAME,
	    rc == 0 && last > batch ? last : batch, text, &why);
	free(text);
	if (rc != 0) {
		pl_fatal(cause, why, "storing the grades of the estimates");
		return -1;
	}
	return 0;
}

/*
 * Performance report (graded with est, the batch's estimate: NULL reads
 * the stored one), detectors, alert for a fully labelled batch.
 */
static int
run_performance(struct pipeline *p, int64_t batch,
    const struct monitor_batch *mb, const struct estimate_report *est,
    struct performance_report *perf, struct detector_report *dr, bool *fed,
    char **cause)
{
	struct estimate_report	 stored;
	char			*why = NULL;
	int			 rc;

	if (!p->ref.has_labels && !p->warned_ref_unlabelled) {
		pl_warn(p, "the reference has no true_class: accuracy and F1 "
		    "against it are unknown, and performance decay cannot "
		    "fire");
		p->warned_ref_unlabelled = true;
	}
	if (est == NULL) {
		rc = store_report_get_estimate(p->s, batch, &stored, &why);
		if (rc < 0) {
			pl_fatal(cause, why, "reading the batch's estimate");
			return -1;
		}
		est = rc == 0 ? &stored : NULL;
	}
	monitor_performance(&p->ref, &p->cfg->monitor, mb, perf);
	performance_grade(perf, est);
	monitor_judge_performance(&p->ref, &p->cfg->monitor, perf);
	if (grades_count(p, batch, perf, cause) != 0)
		return -1;
	if (put_done(p, batch, REPORT_TYPE_PERFORMANCE,
	    store_report_put_performance(p->s, batch, &p->schema, perf, &why),
	    &why, cause) != 0)
		return -1;
	return detectors_advance(p, batch, mb, perf, dr, fed, cause);
}

/*
 * Store the reference's PSI nulls and joint nulls when judging fitted a
 * new one, in the batch's judging transaction (undone with it).
 */
static int
store_nulls(struct pipeline *p, char **cause)
{
	char *text, *why = NULL;
	int rc;

	if (!monitor_judge_nulls_take(&p->ref))
		return 0;
	text = monitor_judge_nulls_format(&p->ref);
	rc = store_fitted_put(p->s, STORE_FIT_PSI_NULLS, text, &why);
	free(text);
	if (rc == 0) {
		text = monitor_judge_joint_format(&p->ref);
		rc = store_fitted_put(p->s, STORE_FIT_JOINT_NULLS, text,
		    &why);
		free(text);
	}
	if (rc != 0)
		pl_fatal(cause, why, "storing the PSI and joint nulls");
	return rc;
}

/*
 * The monitors of one closed batch, over the rows in mb: 0, -1 (*cause),
 * or 1 when a stop request cut the MMD test short (nothing is stored).
 */
static int
run_monitors(struct pipeline *p, const struct monitor_batch *mb,
    char **cause)
{
	struct feature_report		fr;
	struct prediction_report	pr;
	struct estimate_report		est;
	struct performance_report	perf;
	struct detector_report		dr;
	bool				labelled = mb->true_class != NULL;
	bool				fed = false;
	char				*why = NULL;
	int				rc = -1;

	if (pl_stored_axes(p, cause) != 0)
		return -1;
	if (!p->have_ref || !p->schema_stored) {
		print_batch(p, mb->batch_id, mb->n_rows, NULL, NULL, NULL,
		    NULL, NULL);
		return 0;
	}
	memset(&perf, 0, sizeof perf);
	monitor_feature(&p->ref, &p->cfg->monitor, mb, &fr);
	if (fr.mmd_run && isnan(fr.mmd.p_value) && stop_requested()) {
		/* MMD was cut short: no judgement (pl_judge undoes it). */
		feature_report_finish(&fr);
		return 1;
	}
	monitor_prediction(&p->ref, &p->cfg->monitor, mb, &pr);
	monitor_estimate(&p->ref, p->calib, &p->cfg->monitor, mb, &est);
	monitor_judge(&p->ref, &p->cfg->monitor, mb->n_rows, &fr, &pr);
	if (store_nulls(p, cause) != 0)
		goto out;
	if (put_done(p, mb->batch_id, REPORT_TYPE_FEATURE,
	    store_report_put_feature(p->s, mb->batch_id, &p->schema, &fr,
	    &why), &why, cause) != 0)
		goto out;
	if (put_done(p, mb->batch_id, REPORT_TYPE_PREDICTION,
	    store_report_put_prediction(p->s, mb->batch_id, &p->schema, &pr,
	    &why), &why, cause) != 0)
		goto out;
	if (put_done(p, mb->batch_id, REPORT_TYPE_ESTIMATE,
	    store_report_put_estimate(p->s, mb->batch_id, &est, &why), &why,
	    cause) != 0)
		goto out;
	if (labelled && run_performance(p, mb->batch_id, mb, &est, &perf, &dr,
	    &fed, cause) != 0)
		goto out;
	if (alert_batch(p, (struct alert_batch){ .batch_id = mb->batch_id,
	    .feature = &fr, .prediction = &pr, .estimate = &est,
	    .performance = labelled ? &perf : NULL,
	    .detectors = fed ? &dr : NULL }, cause) != 0)
		goto out;
	print_batch(p, mb->batch_id, mb->n_rows, &fr, &pr, &est,
	    labelled ? &perf : NULL, fed ? &dr : NULL);
	rc = 0;
out:
	feature_report_finish(&fr);
	prediction_report_finish(&pr);
	if (labelled)
		performance_report_finish(&perf);
	return rc;
}

/*
 * The batch's stored performance report into *prev: 1 there is one, 0
 * none (or one this schema cannot read: nothing to replace), -1 error.
 */
static int
stored_performance(struct pipeline *p, int64_t batch,
    struct performance_report *prev, char **cause)
{
	char	*text = NULL, *why = NULL;
	int	 rc;

	rc = store_report_get(p->s, batch, REPORT_TYPE_PERFORMANCE, &text,
	    &why);
	if (rc < 0) {
		pl_fatal(cause, why, "reading a performance report");
		return -1;
	}
	if (rc == 1)
		return 0;
	rc = report_json_decode_performance(text, strlen(text), &p->schema,
	    prev, &why) == 0 ? 1 : 0;
	free(text);
	free(why);
	return rc;
}

/* "labelled 200 rows", or "labelled 180 of 200 rows (90%)". */
static void
print_labelled(struct pipeline *p, int64_t batch,
    const struct performance_report *perf, const struct detector_report *dr,
    bool fed)
{
	char	d[16], g[48];

	if (p->log == NULL)
		return;
	fprintf(p->log, "batch %lld: labelled %zu ", (long long)batch,
	    perf->n_rows);
	if (perf->n_unlabelled > 0)
		fprintf(p->log, "of %zu ", perf->n_rows + perf->n_unlabelled);
	fprintf(p->log, "rows");
	if (perf->n_unlabelled > 0)
		fprintf(p->log, " (%.0f%%)", floor(100 *
		    performance_coverage(perf)));
	fprintf(p->log, ", accuracy %.3f (%s), F1 %.3f%s%s%s\n",
	    perf->accuracy, delta_text(perf->acc_delta, d, sizeof d),
	    perf->f1_macro, grade_text(perf, g, sizeof g),
	    fed && dr->ddm_drift ? ", DDM drift" : "",
	    fed && dr->adwin_drift ? ", ADWIN drift" : "");
}

/*
 * The performance report of a closed batch (rows in sb) as labels land
 * (PL_RUN_LABELS) or its TTL passes (PL_RUN_TTL): computed over every
 * label so far, replacing the stored one (one evaluation for the alert
 * rules); the detectors fed with its first.
 */
static int
run_labelled(struct pipeline *p, int64_t batch, enum pl_run how,
    const struct store_batch *sb, char **cause)
{
	struct performance_report	 perf, prev;
	struct monitor_batch		 mb;
	struct detector_report		 dr;
	bool				 fed = false;
	int				 had, rc;

	if (pl_stored_axes(p, cause) != 0)
		return -1;
	if (!p->have_ref || !p->schema_stored || sb->true_class == NULL)
		return 0;
	if ((had = stored_performance(p, batch, &prev, cause)) < 0)
		return -1;
	if (had ? how == PL_RUN_TTL : how == PL_RUN_LABELS &&
	    !monitor_coverage_reached(&p->cfg->monitor, sb->n_labelled,
	    sb->n_rows)) {
		if (had)
			performance_report_finish(&prev);
		return 0;
	}
	monitor_batch_from_store(&mb, sb);
	mb.true_class = sb->true_class;
	rc = run_performance(p, batch, &mb, NULL, &perf, &dr, &fed, cause);
	if (rc == 0)
		rc = alert_batch(p, (struct alert_batch){ .batch_id = batch,
		    .performance = &perf, .replaces = had ? &prev : NULL,
		    .detectors = fed ? &dr : NULL }, cause);
	if (rc == 0)
		print_labelled(p, batch, &perf, &dr, fed);
	performance_report_finish(&perf);
	if (had)
		performance_report_finish(&prev);
	return rc;
}

/* Monitors of a batch whose rows are in the store. */
int
pl_run_stored(struct pipeline *p, int64_t batch, enum pl_run how,
    char **cause)
{
	struct store_batch	 sb;
	struct monitor_batch	 mb;
	char			*why = NULL;
	int			 rc;

	rc = store_batch_get(p->s, batch, &sb, &why);
	if (rc < 0) {
		pl_fatal(cause, why, "loading a batch");
		return -1;
	}
	if (rc == 1)
		return 0;
	if (how == PL_RUN_CLOSE) {
		monitor_batch_from_store(&mb, &sb);
		mb.true_class = monitor_coverage_reached(&p->cfg->monitor,
		    sb.n_labelled, sb.n_rows) ? sb.true_class : NULL;
		rc = run_monitors(p, &mb, cause);
	} else
		rc = run_labelled(p, batch, how, &sb, cause);
	store_batch_finish(&sb);
	return rc;
}

static int
cmp_rowid(const void *a, const void *b, void *ctx)
{
	const int64_t	*r = ctx;
	size_t		 i = *(const size_t *)a, j = *(const size_t *)b;

	return (r[i] > r[j]) - (r[i] < r[j]);
}

/* Sort the in-memory batch into row_in_batch order (rarely needed). */
static void
sort_batch(struct pipeline *p)
{
	size_t	*idx, i, nf = p->n_features, k = (size_t)p->n_classes;
	double	*feat, *conf, *scores;
	int	*pred, *truth;

	idx = xcalloc(p->n, sizeof *idx);
	for (i = 0; i < p->n; i++)
		idx[i] = i;
	/* Insertion sort keeps this portable (no qsort_r); n is a batch. */
	for (i = 1; i < p->n; i++) {
		size_t	v = idx[i], j = i;

		while (j > 0 && cmp_rowid(&idx[j - 1], &v, p->rowid) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
	feat = xcalloc(p->n * nf, sizeof *feat);
	conf = xcalloc(p->n, sizeof *conf);
	scores = xcalloc(p->n * k, sizeof *scores);
	pred = xcalloc(p->n, sizeof *pred);
	truth = xcalloc(p->n, sizeof *truth);
	for (i = 0; i < p->n; i++) {
		memcpy(feat + i * nf, p->feat + idx[i] * nf,
		    nf * sizeof *feat);
		memcpy(scores + i * k, p->scores + idx[i] * k,
		    k * sizeof *scores);
		conf[i] = p->conf[idx[i]];
		pred[i] = p->pred[idx[i]];
		truth[i] = p->truth[idx[i]];
	}
	memcpy(p->feat, feat, p->n * nf * sizeof *feat);
	memcpy(p->conf, conf, p->n * sizeof *conf);
	memcpy(p->scores, scores, p->n * k * sizeof *scores);
	memcpy(p->pred, pred, p->n * sizeof *pred);
	memcpy(p->truth, truth, p->n * sizeof *truth);
	free(idx);
	free(feat);
	free(conf);
	free(scores);
	free(pred);
	free(truth);
	p->in_order = true;
}

/* Undo a judgement (the savepoint, the cached detectors, held lines). */
static void
judge_undo(struct pipeline *p, long mark)
{
	char	*why = NULL;

	if (store_judge_end(p->s, false, &why) != 0) {
		pl_warn(p, "undoing a judgement: %s", why);
		free(why);
	}
	pl_detectors_forget(&p->det);
	if (p->log != NULL)
		fseek(p->log, mark, SEEK_SET);
}

/*
 * Claim batch's judgement (the store says whether it was judged already)
 * and judge it: over mem, the rows kept in memory, when they are all of
 * its rows, else over the stored ones (a replay after a crash, another
 * writer's rows in the same batch). All in a savepoint: an error undoes
 * it; so does a stop request, which records the batch as abandoned (the
 * next start judges it) and returns PIPELINE_STOP with *cause.
 */
enum pipeline_result
pl_judge(struct pipeline *p, int64_t batch, const struct monitor_batch *mem,
    char **cause)
{
	char	*why = NULL;
	int64_t	 rows;
	long	 mark = 0;
	int	 rc;

	if (store_judge_begin(p->s, &why) != 0)
		return pl_fatal(cause, why, "closing a batch");
	if (p->log != NULL) {
		fflush(p->log);
		mark = ftell(p->log);
	}
	rc = store_batch_claim(p->s, batch, &rows, &why);
	if (rc < 0) {
		judge_undo(p, mark);
		return pl_fatal(cause, why, "closing a batch");
	}
	if (rc == 1)
		rc = mem != NULL && rows == (int64_t)mem->n_rows ?
		    run_monitors(p, mem, cause) : pl_run_stored(p, batch,
		    PL_RUN_CLOSE, cause);
	else
		rc = 2;	/* judged already, or no row */
	if (rc < 0) {
		judge_undo(p, mark);
		return PIPELINE_FATAL;
	}
	if (rc == 1) {
		judge_undo(p, mark);
		pl_mark_dirty(p);
		if (store_batch_abandon(p->s, batch, &why) != 0)
			return pl_fatal(cause, why, "recording a batch");
		*cause = xasprintf("interrupted while judging batch %lld (its "
		    "rows are kept; it is judged at the next start)",
		    (long long)batch);
		return PIPELINE_STOP;
	}
	if (store_judge_end(p->s, true, &why) != 0)
		return pl_fatal(cause, why, "closing a batch");
	if (rc == 0) {
		pl_batch_judged(p, batch);
	}
	return PIPELINE_OK;
}

/* Close the open batch and judge it (pl_judge). */
enum pipeline_result
pl_close_batch(struct pipeline *p, char **cause)
{
	struct monitor_batch	 mb;

	p->open = false;
	if (pl_hold_close(p, cause) != 0)
		return PIPELINE_FATAL;
	/* Labels are now expected, unless its rows brought them. */
	if (p->was == STORE_BATCH_UNKNOWN && !(p->n > 0 &&
	    p->n_labelled == p->n))
		pl_watch_closed(p, p->batch);
	if (p->was != STORE_BATCH_UNKNOWN || p->n == 0)
		return pl_judge(p, p->batch, NULL, cause);
	if (!p->in_order)
		sort_batch(p);
	memset(&mb, 0, sizeof mb);
	mb.batch_id = p->batch;
	mb.n_rows = p->n;
	mb.features = p->feat;
	mb.predicted = p->pred;
	mb.confidence = p->conf;
	mb.scores = p->scores;
	mb.n_scores = p->n_classes;
	mb.true_class = monitor_coverage_reached(&p->cfg->monitor,
	    p->n_labelled, p->n) ? p->truth : NULL;
	return pl_judge(p, p->batch, &mb, cause);
}
