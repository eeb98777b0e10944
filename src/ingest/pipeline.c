/*
 * The ingest pipeline's records and commits: each input line is parsed
 * and dispatched (prediction, end_batch, labels, schema; reference rows
 * are collected by pipeline-axes.c), predictions are logged and the open
 * batch's rows kept in memory, and here are the pipeline's lifecycle and
 * the flush. The axes and the reference window are in pipeline-axes.c;
 * closing a batch and what runs then (monitors, detectors, alerts) in
 * pipeline-monitors.c; the accounting of the open transaction's work in
 * pipeline-work.c.
 *
 * Accounting: records count as accepted, and their batch lines (and the
 * alert engine's lines, through pipeline_log) are printed, only once the
 * transaction holding them has committed. When a commit fails or SQLite
 * rolls the transaction back, that work is dropped from the counts and
 * the cause names the input lines to send again. Each flush also checks
 * that the DB file is still the one opened (store_file_check): rows
 * written to a deleted or replaced file are reported as not stored.
 */
#include "ingest/pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/pipeline-internal.h"
#include "ingest/proto.h"

static int
open_batch(struct pipeline *p, int64_t batch, char **cause)
{
	p->open = true;
	p->batch = batch;
	p->was = store_batch_state(p->s, batch);
	p->arrivals = 0;
	p->n = 0;
	p->n_labelled = 0;
	p->in_order = true;
	return pl_hold_open(p, cause);
}

static void
keep_row(struct pipeline *p, const struct proto_record *r, int64_t row,
    int truth)
{
	size_t	nf = p->n_features, k = (size_t)p->n_classes;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->feat = xreallocarray(p->feat, p->cap * nf, sizeof *p->feat);
		p->scores = xreallocarray(p->scores, p->cap * k,
		    sizeof *p->scores);
		p->pred = xreallocarray(p->pred, p->cap, sizeof *p->pred);
		p->conf = xreallocarray(p->conf, p->cap, sizeof *p->conf);
		p->truth = xreallocarray(p->truth, p->cap, sizeof *p->truth);
		p->rowid = xreallocarray(p->rowid, p->cap, sizeof *p->rowid);
	}
	memcpy(p->feat + p->n * nf, r->features, nf * sizeof(double));
	memcpy(p->scores + p->n * k, r->scores, k * sizeof(double));
	p->pred[p->n] = r->predicted_class;
	p->conf[p->n] = r->confidence;
	p->truth[p->n] = truth;
	p->rowid[p->n] = row;
	if (truth >= 0)
		p->n_labelled++;
	if (p->n > 0 && row <= p->rowid[p->n - 1])
		p->in_order = false;
	p->n++;
}

/*
 * A row for an already judged batch while another batch is being filled:
 * it must not close that batch. Logged as late, skipped as a replay or
 * rejected as a conflict; without row_in_batch it cannot be told from a
 * replay, so it is rejected.
 */
static enum pipeline_result
stray_row(struct pipeline *p, const struct proto_record *r, uint64_t lineno,
    const char *line, size_t len, char **cause)
{
	struct store_prediction	 sp;
	enum store_add_result	 rc;
	struct store_event_id	 id;
	char			 reason[PROTO_REASON_MAX], *why = NULL;

	if (!r->has_row && r->id_kind == PROTO_ID_NONE) {
		snprintf(reason, sizeof reason, "late row for batch %lld, "
		    "which is judged already, without row_in_batch (needed "
		    "to tell it from a replay)", (long long)r->batch_id);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	if (pl_event_row(p, r, lineno, r->batch_id, r->row_in_batch, &id, &sp,
	    cause) != 0)
		return PIPELINE_FATAL;
	rc = store_prediction_add(p->s, &sp, &why);
	pl_mark_dirty(p);
	return pl_row_added(p, rc, r->batch_id, lineno, line, len, why, cause);
}

static enum pipeline_result
do_prediction(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	struct store_prediction	 sp;
	enum store_add_result	 rc;
	enum pipeline_result	 res;
	char			*why = NULL;
	struct store_event_id	 id;
	int64_t			 row;

	if (p->win.spec.kind != WINDOW_NONE || !r->has_batch)
		return pl_event_windowed(p, r, lineno, line, len, cause);
	if (p->open && p->batch != r->batch_id &&
	    p->was != STORE_BATCH_CLOSED &&
	    store_batch_state(p->s, r->batch_id) == STORE_BATCH_CLOSED)
		return stray_row(p, r, lineno, line, len, cause);
	if (p->open && p->batch != r->batch_id &&
	    (res = pl_close_batch(p, cause)) != PIPELINE_OK)
		return res;
	if (!p->open && open_batch(p, r->batch_id, cause) != 0)
		return PIPELINE_FATAL;
	row = r->has_row ? r->row_in_batch : (int64_t)p->arrivals;
	if (pl_event_row(p, r, lineno, r->batch_id, row, &id, &sp,
	    cause) != 0)
		return PIPELINE_FATAL;
	rc = store_prediction_add(p->s, &sp, &why);
	pl_mark_dirty(p);
	if (rc != STORE_ADD_ERROR)
		p->arrivals++;
	res = pl_row_added(p, rc, r->batch_id, lineno, line, len, why, cause);
	if (rc == STORE_ADD_NEW && p->was == STORE_BATCH_UNKNOWN)
		keep_row(p, r, row, sp.true_class);
	return res;
}

static enum pipeline_result
do_end_batch(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	enum store_batch_state	st;
	enum pipeline_result	res;
	char			reason[PROTO_REASON_MAX];

	if (p->open && p->batch == r->batch_id) {
		if ((res = pl_close_batch(p, cause)) != PIPELINE_OK)
			return res;
		pl_accepted(p);
		return PIPELINE_OK;
	}
	st = store_batch_state(p->s, r->batch_id);
	if (st == STORE_BATCH_UNKNOWN) {
		snprintf(reason, sizeof reason, "end_batch for batch %lld, "
		    "which has no logged predictions", (long long)r->batch_id);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	/* Another writer's batch: judged here over its stored rows. */
	if (st == STORE_BATCH_OPEN &&
	    (res = pl_judge(p, r->batch_id, NULL, cause)) != PIPELINE_OK)
		return res;
	pl_accepted(p);
	return PIPELINE_OK;
}

static enum pipeline_result
do_labels(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	enum store_label_result	 res;
	enum pipeline_result	 pres;
	char			 reason[PROTO_REASON_MAX], *why = NULL;

	if (p->open && p->batch == r->batch_id &&
	    (pres = pl_close_batch(p, cause)) != PIPELINE_OK)
		return pres;
	res = store_label_batch(p->s, r->batch_id, r->labels, r->n_labels,
	    p->cfg->allow_relabel, &why);
	pl_mark_dirty(p);
	switch (res) {
	case STORE_LABEL_APPLIED:
		free(why);
		pl_labels_applied(p, r->batch_id);
		pl_accepted(p);
		if (pl_run_stored(p, r->batch_id, PL_RUN_LABELS, cause) != 0)
			return PIPELINE_FATAL;
		return PIPELINE_OK;
	case STORE_LABEL_SAME:
		free(why);
		pl_accepted(p);
		return PIPELINE_OK;
	case STORE_LABEL_CONFLICT:
	case STORE_LABEL_MISMATCH:
	case STORE_LABEL_NOT_CLOSED:
	case STORE_LABEL_PENDING:
		if (why != NULL)
			snprintf(reason, sizeof reason, "%s", why);
		else if (res == STORE_LABEL_CONFLICT)
			snprintf(reason, sizeof reason, "labels for batch "
			    "%lld differ from the stored ones",
			    (long long)r->batch_id);
		else if (res == STORE_LABEL_MISMATCH)
			snprintf(reason, sizeof reason, "labels length does "
			    "not match batch %lld", (long long)r->batch_id);
		else
			snprintf(reason, sizeof reason, "batch %lld is unknown "
			    "or still open", (long long)r->batch_id);
		free(why);
		return pl_reject(p, lineno, reason, line, len, cause);
	case STORE_LABEL_ERROR:
		break;
	}
	return pl_fatal(cause, why, "applying labels");
}

static enum pipeline_result
do_schema(struct pipeline *p, const struct proto_record *r, uint64_t lineno,
    const char *line, size_t len, char **cause)
{
	struct store_schema	 sc;
	char			 reason[PROTO_REASON_MAX], *why = NULL;

	if ((r->n_feature_names > 0 && p->n_features != 0 &&
	    r->n_feature_names != p->n_features) ||
	    (r->n_class_names > 0 && p->n_classes != 0 &&
	    r->n_class_names != (size_t)p->n_classes)) {
		snprintf(reason, sizeof reason, "schema has %zu feature and "
		    "%zu class names, the stream %zu features and %d classes",
		    r->n_feature_names, r->n_class_names, p->n_features,
		    p->n_classes);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	if (!pl_types_schema(p, r, reason))
		return pl_reject(p, lineno, reason, line, len, cause);
	if (!p->schema_stored) {
		if (pl_schema_names(p, r, cause) != 0)
			return PIPELINE_FATAL;
		pl_accepted(p);
		return PIPELINE_OK;
	}
	/* A schema is stored: this one must match it (the store decides). */
	sc.n_features = p->schema.n_features;
	sc.n_classes = p->schema.n_classes;
	sc.feature_names = p->schema.feature_names;
	sc.class_names = p->schema.class_names;
	sc.categorical = r->n_feature_types > 0 ?
	    (bool *)(uintptr_t)r->categorical : p->schema.categorical;
	if (r->n_feature_names > 0)
		sc.feature_names = (char **)(uintptr_t)r->feature_names;
	if (r->n_class_names > 0)
		sc.class_names = (char **)(uintptr_t)r->class_names;
	if (store_schema_put(p->s, &sc, &why) != 0) {
		snprintf(reason, sizeof reason, "%s", why != NULL ? why :
		    "schema differs from the stored one");
		free(why);
		return pl_reject(p, lineno, reason, line, len, cause);
	}
	pl_accepted(p);
	return PIPELINE_OK;
}

struct pipeline *
pipeline_create(struct store *s, const struct ingest_config *cfg,
    struct alert_engine *alert, FILE *log, FILE *err, char **cause)
{
	struct pipeline	*p = xcalloc(1, sizeof *p);
	struct window_spec spec;
	char		*why = NULL;

	p->s = s;
	p->cfg = cfg;
	p->alert = alert;
	p->out = log;
	p->err = err;
	p->batch_lo = p->batch_hi = -1;
	p->sure_line = 1;
	p->model = xstrdup(store_model(s));
	p->tag = xasprintf("%s: ", p->model);
	snprintf(p->source, sizeof p->source, "stdin");
	pl_watch_init(p);
	pl_types_init(p);
	spec = cfg->window;
	spec.lateness = cfg->lateness;
	spec.idle = cfg->idle_close >= 0 ? cfg->idle_close : spec.length;
	window_init(&p->win, &spec);
	p->row_batch = -1;
	if (log != NULL) {
		p->log = open_memstream(&p->log_buf, &p->log_len);
		if (p->log == NULL) {
			*cause = xasprintf("open_memstream: %s",
			    strerror(errno));
			pipeline_destroy(p);
			return NULL;
		}
	}
	p->rollbacks = store_rollbacks(s);
	/* Note the file's identity now (store_file_check at each flush). */
	if (store_file_check(s, &why) != 0) {
		*cause = why;
		pipeline_destroy(p);
		return NULL;
	}
	return p;
}

void
pipeline_destroy(struct pipeline *p)
{
	if (p == NULL)
		return;
	pl_types_finish(p);
	window_finish(&p->win);
	free(p->pos_key);
	pl_labels_finish(p);
	pl_axes_finish(p);
	pl_detectors_forget(&p->det);
	free(p->feat);
	free(p->pred);
	free(p->conf);
	free(p->scores);
	free(p->truth);
	free(p->rowid);
	if (p->log != NULL)
		fclose(p->log);
	free(p->log_buf);
	free(p->model);
	free(p->tag);
	free(p);
}

int
pipeline_select(struct pipeline *p, char **cause)
{
	store_set_dict(p->s, p->dict);
	return store_model_set(p->s, p->model, cause);
}

const char *
pipeline_model(const struct pipeline *p)
{
	return p->model;
}

void
pipeline_name_model(struct pipeline *p, bool on)
{
	p->named = on;
}

void
pipeline_set_alert(struct pipeline *p, struct alert_engine *alert)
{
	p->alert = alert;
}

FILE *
pipeline_log(struct pipeline *p)
{
	return p->log;
}

void
pipeline_set_source(struct pipeline *p, const char *source)
{
	snprintf(p->source, sizeof p->source, "%s", source);
}

enum pipeline_result
pipeline_reject(struct pipeline *p, uint64_t lineno, const char *reason,
    const char *text, size_t len, char **cause)
{
	p->st.lines++;
	p->last_line = lineno;
	pl_note_line(p, lineno);
	return pl_reject(p, lineno, reason, text, len, cause);
}

/*
 * Once the reference is settled (the first data record, or the end of
 * input), judge the batches an interrupted run left unjudged.
 */
static enum pipeline_result
judge_abandoned(struct pipeline *p, char **cause)
{
	enum pipeline_result	 res = PIPELINE_OK;
	int64_t			*ids;
	size_t			 n, i;
	char			*why = NULL;

	if (p->abandoned_done)
		return PIPELINE_OK;
	if (store_batch_abandoned(p->s, &ids, &n, &why) != 0)
		return pl_fatal(cause, why, "looking for abandoned batches");
	for (i = 0; i < n && res == PIPELINE_OK; i++) {
		pl_warn(p, "judging batch %lld, left unjudged by an "
		    "interrupted run", (long long)ids[i]);
		res = pl_judge(p, ids[i], NULL, cause);
	}
	free(ids);
	if (res == PIPELINE_OK)
		p->abandoned_done = true;
	return res;
}

/*
 * Count a record's missing feature values; the first bare NaN/Infinity
 * of the stream gets one warning (strict JSON has null for them).
 */
static void
count_missing(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno)
{
	if (r->n_bare_missing > 0 && p->st.bare_missing == 0)
		pl_warn(p, "%s:%llu: NaN/Infinity read as a missing value "
		    "(not JSON: send null); counted, no further warning",
		    p->source, (unsigned long long)lineno);
	p->st.missing += r->n_missing;
	p->st.bare_missing += r->n_bare_missing;
}

/* A checked record to its handler. */
static enum pipeline_result
dispatch(struct pipeline *p, struct proto_record *r, uint64_t lineno,
    const char *line, size_t len, char **cause)
{
	enum pipeline_result	res;

	switch (r->kind) {
	case PROTO_REFERENCE:
		pl_collect_reference(p, r);
		pl_accepted(p);
		res = PIPELINE_OK;
		break;
	case PROTO_PREDICTION:
		res = do_prediction(p, r, lineno, line, len, cause);
		if (res != PIPELINE_FATAL && res != PIPELINE_STOP &&
		    pl_watch_prediction(p, r->batch_id, cause) != 0)
			res = PIPELINE_FATAL;
		break;
	case PROTO_END_BATCH:
		res = do_end_batch(p, r, lineno, line, len, cause);
		break;
	case PROTO_LABELS:
		res = do_labels(p, r, lineno, line, len, cause);
		if (res == PIPELINE_OK &&
		    pl_watch_labels(p, r->batch_id, cause) != 0)
			res = PIPELINE_FATAL;
		break;
	case PROTO_LABEL:
		res = pl_event_label(p, r, lineno, line, len, cause);
		break;
	case PROTO_SCHEMA:
	default:
		res = do_schema(p, r, lineno, line, len, cause);
		break;
	}
	return res;
}

enum pipeline_result
pipeline_record(struct pipeline *p, struct proto_record *r, const char *line,
    size_t len, uint64_t lineno, int64_t now_ms, char **cause)
{
	enum pipeline_result	 res;
	char			 reason[PROTO_REASON_MAX];
	bool			 failed;

	p->now = now_ms;
	p->last_line = lineno;
	p->st.lines++;
	pl_note_line(p, lineno);
	if (r->kind == PROTO_REFERENCE && p->settled) {
		return pl_reject(p, lineno, "reference record after the first "
		    "prediction", line, len, cause);
	}
	/* Another process may have stored a schema since the last look. */
	if (pl_schema_refresh(p, cause) != 0)
		return PIPELINE_FATAL;
	if (r->kind != PROTO_REFERENCE && r->kind != PROTO_SCHEMA &&
	    pl_reference_settle(p, cause) != 0)
		return PIPELINE_FATAL;
	if (p->settled && (res = judge_abandoned(p, cause)) != PIPELINE_OK)
		return res;
	if (r->kind != PROTO_SCHEMA) {
		if (!pl_check_axes(p, r, reason, cause, &failed))
			return pl_reject(p, lineno, reason, line, len, cause);
		if (failed)
			return PIPELINE_FATAL;
		if ((r->kind == PROTO_PREDICTION ||
		    r->kind == PROTO_REFERENCE) && !pl_types_row(p, r, reason))
			return pl_reject(p, lineno, reason, line, len, cause);
	}
	res = dispatch(p, r, lineno, line, len, cause);
	if (res == PIPELINE_OK && r->n_missing > 0)
		count_missing(p, r, lineno);
	/* A store error SQLite answered by rolling everything back. */
	if (res != PIPELINE_FATAL && store_rollbacks(p->s) != p->rollbacks) {
		pl_work_lost(p,
		    xstrdup("the write transaction was rolled back"), cause);
		return PIPELINE_FATAL;
	}
	return res;
}

int
pipeline_end(struct pipeline *p, char **cause)
{
	enum pipeline_result	res;

	if (p->dead)
		return 0;
	/* A schema record without rows: its types, or all numeric. */
	if (!p->types_fixed && !p->schema_stored) {
		pl_types_default(p);
		if (pl_schema_settle(p, cause) != 0)
			return -1;
	}
	if (pl_reference_settle(p, cause) != 0)
		return -1;
	if ((res = judge_abandoned(p, cause)) == PIPELINE_OK && p->open)
		res = pl_close_batch(p, cause);
	if (res == PIPELINE_STOP)
		return 1;
	if (res == PIPELINE_FATAL)
		return -1;
	if ((res = pl_event_end(p, cause)) == PIPELINE_STOP)
		return 1;
	return res == PIPELINE_FATAL ? -1 : 0;
}

/* Work the alert outbox, then commit its state; warnings on failure. */
static int
deliver(struct pipeline *p, char **cause)
{
	char	*why = NULL;

	if (alert_engine_deliver(p->alert, &why) < 0) {
		pl_warn(p, "alert delivery: %s", why != NULL ? why : "failed");
		free(why);
		why = NULL;
	}
	if (store_flush(p->s, &why) != 0) {
		pl_fatal(cause, why, "committing alert delivery state");
		return -1;
	}
	p->rollbacks = store_rollbacks(p->s);
	return 0;
}

int
pipeline_start(struct pipeline *p, char **cause)
{
	int	rc = 0;

	if (p->alert != NULL)
		rc = deliver(p, cause);
	/* Retention's first step, input or not (later ones follow flushes). */
	if (rc == 0)
		rc = pl_retain(p, cause);
	pl_held_release(p, true);
	return rc;
}

int
pipeline_interrupt(struct pipeline *p, int64_t *batch, char **cause)
{
	char	*why = NULL;

	*batch = -1;
	if (p->dead || !p->open || p->was == STORE_BATCH_CLOSED)
		return 0;
	if (store_batch_abandon(p->s, p->batch, &why) != 0) {
		pl_fatal(cause, why, "recording an unjudged batch");
		return -1;
	}
	pl_mark_dirty(p);
	*batch = p->batch;
	return 0;
}

uint64_t
pipeline_uncommitted_line(const struct pipeline *p)
{
	return p->line_lo;
}

bool
pipeline_dirty(const struct pipeline *p)
{
	return p->dirty && !p->dead;
}

void
pipeline_mark_dirty(struct pipeline *p)
{
	if (!p->dead)
		pl_mark_dirty(p);
}

/*
 * A commit is in three steps, so that several pipelines on one store
 * connection commit their work in one transaction (ingest/fleet.c): what
 * goes into it before (the file is still the one opened, labels'
 * recomputes, the input position, detector state), what is counted after
 * (committed work, or lost work when it failed) and what follows it
 * (retention, the alert outbox: pages are durable before they are sent,
 * and sending never holds the write lock; held lines printed).
 */
int
pipeline_commit_prepare(struct pipeline *p, char **cause)
{
	char	*why = NULL;

	if (p->dead)
		return 0;
	if (store_rollbacks(p->s) != p->rollbacks) {
		pl_work_lost(p,
		    xstrdup("the write transaction was rolled back"), cause);
		return -1;
	}
	if (!p->dirty)
		return 0;
	if (store_file_check(p->s, &why) != 0) {
		pl_file_lost(p, why, cause);
		return -1;
	}
	pl_file_sure(p);
	if (pl_labels_commit(p, cause) != 0 ||
	    pl_event_commit(p, cause) != 0 ||
	    pl_detectors_store(&p->det, p->s, cause) != 0)
		return -1;
	/* The next transaction reads the stored detector state again. */
	pl_detectors_recheck(&p->det);
	return 1;
}

void
pipeline_commit_done(struct pipeline *p, bool had_work)
{
	if (p->dead)
		return;
	if (had_work) {
		p->rollbacks = store_rollbacks(p->s);
		p->dirty = false;
		p->st.flushes++;
	}
}

void
pipeline_commit_counted(struct pipeline *p, bool had_work)
{
	if (p->dead)
		return;
	/* Without work: records that needed no write (replays, no-ops). */
	pl_work_committed(p);
	if (had_work)
		pl_file_sure(p);
}

int
pipeline_commit_lost(struct pipeline *p, char *why, bool file,
    char **cause)
{
	if (p->dead) {
		*cause = why;
		return 0;
	}
	if (file)
		pl_file_lost(p, why, cause);
	else
		pl_work_lost(p, why, cause);
	return -1;
}

int
pipeline_commit_after(struct pipeline *p, bool had_work, char **cause)
{
	int	rc = 0;

	if (p->dead || !had_work) {
		pl_held_release(p, true);
		return 0;
	}
	/* Between two flushes: one small transaction of retention. */
	if (!stop_requested() && pl_retain(p, cause) != 0)
		return -1;
	/* Stopping: pages stay pending, sent by the next start. */
	if (p->deliver && p->alert != NULL && !stop_requested()) {
		p->deliver = false;
		rc = deliver(p, cause);
	}
	pl_held_release(p, true);
	return rc;
}

int
pipeline_tick_watch(struct pipeline *p, int64_t now_ms, char **cause)
{
	p->now = now_ms;
	return pl_watch_tick(p, cause);
}

int
pipeline_tick_windows(struct pipeline *p, char **cause)
{
	/* A stop cutting an idle close short leaves that batch abandoned
	 * (judged at the next start); the caller sees the stop request. */
	if (!p->dead && pl_event_tick(p, cause) == PIPELINE_FATAL)
		return -1;
	/* Held labels expire and batches meet the TTL on a quiet input. */
	if (!p->dead && pl_labels_tick(p, cause) != 0)
		return -1;
	return pl_orphans_tick(p, cause);
}

bool
pipeline_flush_due(const struct pipeline *p, int64_t now_ms)
{
	return p->dirty && !p->dead &&
	    now_ms - p->dirty_since >= p->cfg->flush_ms;
}

void
pipeline_tick_refresh(struct pipeline *p)
{
	pl_watch_refresh(p);
}

int
pipeline_timeout(const struct pipeline *p, int64_t now_ms)
{
	int64_t	left = -1, watch = pl_watch_timeout(p, now_ms);
	int	w = pl_event_timeout(p, now_ms);
	int64_t	am = pl_watch_refresh_timeout(p);
	int64_t	ttl = pl_labels_timeout(p, now_ms);
	int64_t	orphans = pl_orphans_timeout(p, now_ms);

	if (p->dirty) {
		left = p->dirty_since + p->cfg->flush_ms - now_ms;
		if (left < 0)
			left = 0;
	}
	if (watch >= 0 && (left < 0 || watch < left))
		left = watch;
	if (w >= 0 && (left < 0 || w < left))
		left = w;
	if (am >= 0 && (left < 0 || am < left))
		left = am;
	if (left < 0 || ttl < left)
		left = ttl;
	if (orphans >= 0 && orphans < left)
		left = orphans;
	if (left < 0)
		return -1;
	return left > 60000 ? 60000 : (int)left;
}

const struct pipeline_stats *
pipeline_committed(const struct pipeline *p)
{
	return &p->done;
}

void
pipeline_take_over(struct pipeline *p, const struct pipeline *old)
{
	p->st = old->done;
	/* Retention commits its own transactions after the input's. */
	p->st.pruned_rows = old->st.pruned_rows;
	p->st.pruned_batches = old->st.pruned_batches;
	p->st.pruned_reports = old->st.pruned_reports;
	p->st.pruned_alerts = old->st.pruned_alerts;
	p->done = p->sure = p->st;
	p->sure_line = old->sure_line;
	p->last_line = old->last_line;
}

const struct pipeline_stats *
pipeline_stats(const struct pipeline *p)
{
	return &p->st;
}

void
pipeline_set_progress_shown(struct pipeline *p, bool shown)
{
	p->progress_shown = shown;
}
