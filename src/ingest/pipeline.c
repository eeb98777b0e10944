/*
 * Batch assembly and the monitors.
 *
 * Axes: the feature and class counts are fixed by the first of the stored
 * schema, a schema record, the reference, or the first row; a schema is
 * stored as soon as both are known from this stream's own schema,
 * reference or prediction records (names from a schema record, default
 * names otherwise). A stream without any (a labeler) never stores or pins
 * a schema: it reads the stored schema and reference when a record needs
 * them, again whenever another process has committed since it last found
 * none (PRAGMA data_version), so a labeler started before the predictions
 * writer picks up that writer's schema.
 *
 * Reference: reference records are collected in memory; at the first
 * record of any other kind (or at end of input) the reference "settles":
 * collected rows are stored (identical: accepted; different: refused
 * unless replace_reference), or the stored one is loaded. A reference
 * record after that is rejected.
 *
 * Batches: rows of the current batch are logged and kept in memory. When
 * the batch closes (end_batch, another batch_id, labels for it, end of
 * input) the store marks it closed and the monitors run: on the in-memory
 * rows when the batch was new in this run, on the stored rows when it
 * already had rows before (a replay after a crash: the in-memory copy may
 * be partial), not at all when it was already closed (its reports exist).
 * A batch's close, its reports, the detector state and the alert outbox
 * entries are written in one transaction (commits happen only between
 * input lines, every flush_rows rows or flush_ms ms); the outbox is
 * worked right after each commit.
 *
 * Accounting: records count as accepted, and their batch lines (and the
 * alert engine's lines, through pipeline_log) are printed, only once the
 * transaction holding them has committed. When a commit fails or SQLite
 * rolls the transaction back, that work is dropped from the counts and
 * the cause names the input lines to send again. Each flush also checks
 * that the DB file is still the one opened (store_file_check): rows
 * written to a deleted or replaced file are reported as not stored.
 *
 * Detectors (DDM, ADWIN) see the error stream in batch order only: when a
 * batch becomes fully labelled, every consecutive fully labelled batch
 * after the last one fed is fed. The decoded detectors stay cached here;
 * their stored row is re-read once per write transaction (a labeler may
 * have fed them) and written once, before the commit, by pipeline_flush:
 * the state still commits together with the reports it produced.
 */
#include "ingest/pipeline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/proto.h"

#define DETECTORS_NAME		"detectors"
#define DETECT_GAP_MAX		10000	/* unknown batch ids probed in a row */
#define NAMES_SHOWN		4	/* feature names on a batch line */

struct pipeline {
	struct store		*s;
	const struct ingest_config	*cfg;
	struct alert_engine	*alert;
	FILE			*out;	/* held lines go here; NULL quiet */
	FILE			*log;	/* held lines (memstream); NULL quiet */
	char			*log_buf;	/* log's buffer, owned */
	size_t			 log_len;
	FILE			*err;
	char			 source[256];
	struct proto_parser	 parser;
	struct pipeline_stats	 st;
	bool			 progress_shown;
	int64_t			 now;	/* ms, of the current line */

	/* Axes and names. */
	size_t			 n_features;	/* 0: unknown */
	int			 n_classes;	/* 0: unknown */
	bool			 schema_stored;
	struct store_schema	 schema;	/* when stored */
	/* None was stored at data_version schema_version. */
	bool			 schema_looked;
	int64_t			 schema_version;
	char			**pend_features;	/* schema record */
	size_t			 n_pend_features;
	char			**pend_classes;
	size_t			 n_pend_classes;

	/* Reference. */
	bool			 settled;
	bool			 have_ref;
	bool			 warned_no_ref;
	bool			 warned_no_schema;
	bool			 ref_looked;	/* as schema_looked */
	int64_t			 ref_version;
	struct monitor_reference	 ref;
	struct store_reference	 col;	/* collected rows */
	size_t			 col_cap;

	/* The open batch. */
	bool			 open;
	int64_t			 batch;
	enum store_batch_state	 was;	/* its state when opened */
	uint64_t		 arrivals;
	size_t			 n, cap;
	double			*feat;
	int			*pred;
	double			*conf;
	int			*truth;
	int64_t			*rowid;
	bool			 all_labelled;
	bool			 in_order;

	/*
	 * Detectors, kept decoded between batches. The stored state is read
	 * again once per write transaction (another process may have fed
	 * them) and written once, by pipeline_flush, before the commit.
	 */
	bool			 det_loaded;	/* det, det_last, det_text valid */
	bool			 det_checked;	/* revalidated in this transaction */
	bool			 det_dirty;	/* fed since last stored */
	struct detectors	 det;
	int64_t			 det_last;	/* last batch fed; -1 none */
	char			*det_text;	/* as stored; NULL none stored */

	/* Uncommitted work; alert decisions not yet delivered. */
	bool			 deliver;
	bool			 dirty;
	int64_t			 dirty_since;
	/*
	 * Its counts (waiting for the commit), input lines (0: none) and
	 * batches (-1: none).
	 */
	struct pipeline_stats	 pend;
	uint64_t		 line_lo, line_hi;
	int64_t			 batch_lo, batch_hi;
	uint64_t		 rollbacks;	/* store_rollbacks() seen */
	bool			 dead;	/* work lost: store no more */
	uint64_t		 last_line;	/* latest input line seen */

	/* What is known to be in the file at the path (store_file_check). */
	struct pipeline_stats	 sure;	/* st at the last check */
	uint64_t		 sure_line;	/* first line after that work */
};

static void
say_clear(struct pipeline *p, FILE *f)
{
	if (p->progress_shown) {
		fputs("\r\033[K", f);
		p->progress_shown = false;
	}
}

static void __attribute__((format(printf, 2, 3)))
warn(struct pipeline *p, const char *fmt, ...)
{
	va_list	ap;

	say_clear(p, p->err);
	fputs("mlmon-ingest: ", p->err);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

static void
mark_dirty(struct pipeline *p)
{
	if (!p->dirty) {
		p->dirty = true;
		p->dirty_since = p->now;
	}
}

/* Batch `batch` has work in the open transaction. */
static void
touch(struct pipeline *p, int64_t batch)
{
	if (p->batch_lo < 0 || batch < p->batch_lo)
		p->batch_lo = batch;
	if (batch > p->batch_hi)
		p->batch_hi = batch;
}

/* Print the held lines (committed work) to out, or drop them. */
static void
held_release(struct pipeline *p, bool print)
{
	if (p->log == NULL)
		return;
	fflush(p->log);
	if (print && p->log_len > 0) {
		say_clear(p, p->out);
		fwrite(p->log_buf, 1, p->log_len, p->out);
		fflush(p->out);
	}
	/* The next lines overwrite these (the length follows the position). */
	rewind(p->log);
}

static enum pipeline_result
fatal(char **cause, char *why, const char *what)
{
	*cause = xasprintf("%s: %s", what, why != NULL ? why : "failed");
	free(why);
	return PIPELINE_FATAL;
}

static enum pipeline_result
reject(struct pipeline *p, uint64_t lineno, const char *reason,
    const char *text, size_t len, char **cause)
{
	char	*why = NULL;

	say_clear(p, p->err);
	fprintf(p->err, "%s:%llu: %s\n", p->source, (unsigned long long)lineno,
	    reason);
	p->st.rejected++;
	if (store_reject_add(p->s, p->source, lineno, reason, text, len,
	    &why) != 0)
		return fatal(cause, why, "recording a rejected line");
	mark_dirty(p);
	return PIPELINE_REJECT;
}

static void
free_names(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char **
copy_names(const char *const *v, size_t n)
{
	char	**out = xcalloc(n, sizeof *out);
	size_t	  i;

	for (i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

/* Do the names of this stream's schema record agree with sc? */
static bool
pending_names_match(const struct pipeline *p, const struct store_schema *sc)
{
	size_t	i;

	if ((p->n_pend_features > 0 && p->n_pend_features != sc->n_features) ||
	    (p->n_pend_classes > 0 &&
	    p->n_pend_classes != (size_t)sc->n_classes))
		return false;
	for (i = 0; i < p->n_pend_features; i++)
		if (strcmp(p->pend_features[i], sc->feature_names[i]) != 0)
			return false;
	for (i = 0; i < p->n_pend_classes; i++)
		if (strcmp(p->pend_classes[i], sc->class_names[i]) != 0)
			return false;
	return true;
}

/*
 * Read the stored schema while this process has none: at the first need,
 * then only after another process has committed (the data_version moved).
 * Found, it fixes the axes; it must agree with what this stream has set.
 */
static int
schema_refresh(struct pipeline *p, char **cause)
{
	struct store_schema	 sc;
	char			*why = NULL;
	int64_t			 v;
	int			 rc;

	if (p->schema_stored)
		return 0;
	v = store_version(p->s);
	if (p->schema_looked && v >= 0 && v == p->schema_version)
		return 0;
	rc = store_schema_get(p->s, &sc, &why);
	if (rc < 0) {
		fatal(cause, why, "loading the schema");
		return -1;
	}
	p->schema_looked = true;
	p->schema_version = v;
	if (rc == 1)
		return 0;
	if ((p->n_features != 0 && p->n_features != sc.n_features) ||
	    (p->n_classes != 0 && p->n_classes != sc.n_classes) ||
	    !pending_names_match(p, &sc)) {
		*cause = xasprintf("another process stored a different schema "
		    "(%zu features, %d classes) than this stream's (%zu "
		    "features, %d classes, or other names)", sc.n_features,
		    sc.n_classes, p->n_features, p->n_classes);
		store_schema_finish(&sc);
		return -1;
	}
	p->schema = sc;
	p->schema_stored = true;
	p->n_features = sc.n_features;
	p->n_classes = sc.n_classes;
	return 0;
}

/*
 * Store the schema once both axes are known from this stream's records
 * (never for a stream of labels alone), unless one is stored already.
 */
static int
schema_settle(struct pipeline *p, char **cause)
{
	struct store_schema	 sc;
	char			*why = NULL;
	size_t			 i;

	if (p->schema_stored || p->n_features == 0 || p->n_classes == 0)
		return 0;
	if (schema_refresh(p, cause) != 0)
		return -1;
	if (p->schema_stored)
		return 0;
	store_schema_default(&sc, p->n_features, p->n_classes);
	for (i = 0; i < p->n_pend_features; i++) {
		free(sc.feature_names[i]);
		sc.feature_names[i] = xstrdup(p->pend_features[i]);
	}
	for (i = 0; i < p->n_pend_classes; i++) {
		free(sc.class_names[i]);
		sc.class_names[i] = xstrdup(p->pend_classes[i]);
	}
	if (store_schema_put(p->s, &sc, &why) != 0) {
		store_schema_finish(&sc);
		fatal(cause, why, "storing the schema");
		return -1;
	}
	mark_dirty(p);
	p->schema = sc;
	p->schema_stored = true;
	return 0;
}

/* Check a row's axes (setting them when unknown); reason on mismatch. */
static bool
check_axes(struct pipeline *p, const struct proto_record *r, char *reason,
    char **cause, bool *failed)
{
	size_t	i;

	*failed = false;
	if (r->kind != PROTO_PREDICTION && r->kind != PROTO_REFERENCE)
		goto labels;
	if (p->n_features != 0 && r->n_features != p->n_features) {
		snprintf(reason, PROTO_REASON_MAX, "features has %zu values, "
		    "expected %zu", r->n_features, p->n_features);
		return false;
	}
	if (p->n_classes != 0 && r->n_scores != (size_t)p->n_classes) {
		snprintf(reason, PROTO_REASON_MAX, "scores has %zu values, "
		    "expected %d classes", r->n_scores, p->n_classes);
		return false;
	}
labels:
	for (i = 0; i < r->n_labels; i++) {
		if (p->n_classes != 0 && r->labels[i] >= p->n_classes) {
			snprintf(reason, PROTO_REASON_MAX, "true_class[%zu] "
			    "is %d, out of range for %d classes", i,
			    r->labels[i], p->n_classes);
			return false;
		}
	}
	if (r->kind == PROTO_PREDICTION || r->kind == PROTO_REFERENCE) {
		p->n_features = r->n_features;
		p->n_classes = (int)r->n_scores;
		if (schema_settle(p, cause) != 0)
			*failed = true;
	}
	return true;
}

/* Append one reference row to the collected window. */
static void
collect_reference(struct pipeline *p, const struct proto_record *r)
{
	struct store_reference	*c = &p->col;
	size_t			 nf = r->n_features, nc = r->n_scores;

	if (c->n_rows == p->col_cap) {
		p->col_cap = p->col_cap ? p->col_cap * 2 : 256;
		c->features = xreallocarray(c->features, p->col_cap * nf,
		    sizeof *c->features);
		c->scores = xreallocarray(c->scores, p->col_cap * nc,
		    sizeof *c->scores);
		c->predicted = xreallocarray(c->predicted, p->col_cap,
		    sizeof *c->predicted);
		c->confidence = xreallocarray(c->confidence, p->col_cap,
		    sizeof *c->confidence);
		c->true_class = xreallocarray(c->true_class, p->col_cap,
		    sizeof *c->true_class);
	}
	memcpy(c->features + c->n_rows * nf, r->features, nf * sizeof(double));
	memcpy(c->scores + c->n_rows * nc, r->scores, nc * sizeof(double));
	c->predicted[c->n_rows] = r->predicted_class;
	c->confidence[c->n_rows] = r->confidence;
	c->true_class[c->n_rows] = r->true_class;
	c->n_features = nf;
	c->n_classes = (int)nc;
	c->n_rows++;
}

/*
 * Load the stored reference while this process has none (after the
 * stream's own reference records, if any, are settled): at the first
 * need, then only after another process has committed. It never stores
 * a schema: the axes it sets stay in memory.
 */
static int
reference_load(struct pipeline *p, char **cause)
{
	struct store_reference	 sr;
	char			*why = NULL;
	int64_t			 v;
	int			 rc;

	if (p->have_ref || !p->settled)
		return 0;
	v = store_version(p->s);
	if (p->ref_looked && v >= 0 && v == p->ref_version)
		return 0;
	rc = store_reference_get(p->s, &sr, &why);
	if (rc < 0) {
		fatal(cause, why, "loading the reference");
		return -1;
	}
	p->ref_looked = true;
	p->ref_version = v;
	if (rc == 1)
		return 0;
	if ((p->n_features != 0 && sr.n_features != p->n_features) ||
	    (p->n_classes != 0 && sr.n_classes != p->n_classes)) {
		*cause = xasprintf("the stored reference has %zu features and "
		    "%d classes, the schema %zu and %d", sr.n_features,
		    sr.n_classes, p->n_features, p->n_classes);
		store_reference_finish(&sr);
		return -1;
	}
	p->n_features = sr.n_features;
	p->n_classes = sr.n_classes;
	monitor_reference_init(&p->ref, sr.features, sr.n_rows,
	    sr.n_features, sr.n_classes, sr.predicted, sr.confidence,
	    sr.true_class);
	p->have_ref = true;
	store_reference_finish(&sr);
	return 0;
}

/* The first non-reference record (or end of input): fix the reference. */
static int
reference_settle(struct pipeline *p, char **cause)
{
	char			*why = NULL;

	if (p->settled)
		return 0;
	p->settled = true;
	if (p->col.n_rows > 0) {
		if (store_reference_put(p->s, &p->col,
		    p->cfg->replace_reference, &why) != 0) {
			*cause = xasprintf("reference refused: %s%s",
			    why != NULL ? why : "store error",
			    p->cfg->replace_reference ? "" :
			    " (--replace-reference replaces it)");
			free(why);
			return -1;
		}
		mark_dirty(p);
		monitor_reference_init(&p->ref, p->col.features,
		    p->col.n_rows, p->col.n_features, p->col.n_classes,
		    p->col.predicted, p->col.confidence, p->col.true_class);
		p->have_ref = true;
		store_reference_finish(&p->col);
		p->col_cap = 0;
		return 0;
	}
	return reference_load(p, cause);
}

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

static void
print_batch(struct pipeline *p, int64_t batch, size_t rows,
    const struct feature_report *fr, const struct prediction_report *pr,
    const struct performance_report *perf, const struct detector_report *dr)
{
	char	ks[256];

	if (p->log == NULL)
		return;
	fprintf(p->log, "batch %lld: %zu rows", (long long)batch, rows);
	if (fr != NULL && p->schema_stored) {
		list_features(p, fr->drift_ks, fr->drift_psi, fr->n_features,
		    ks, sizeof ks);
		fprintf(p->log, ", max PSI %.3f (%s), KS-confirmed: %s",
		    fr->psi[fr->max_psi_feature],
		    p->schema.feature_names[fr->max_psi_feature], ks);
		if (fr->mmd_run)
			fprintf(p->log, ", MMD p=%.3g", fr->mmd.p_value);
	}
	if (pr != NULL)
		fprintf(p->log, ", label shift p=%.3g%s",
		    pr->label_shift_p_value,
		    pr->confidence_drift ? ", confidence drift" : "");
	if (perf != NULL)
		fprintf(p->log, ", accuracy %.3f (%+.3f), F1 %.3f",
		    perf->accuracy, perf->acc_delta, perf->f1_macro);
	if (dr != NULL && (dr->ddm_drift || dr->adwin_drift))
		fprintf(p->log, ",%s%s", dr->ddm_drift ? " DDM drift" : "",
		    dr->adwin_drift ? " ADWIN drift" : "");
	fputc('\n', p->log);
}

static int
put_report(struct pipeline *p, int64_t batch, const char *type, char *json,
    char *why, char **cause)
{
	if (json == NULL) {
		*cause = xasprintf("encoding the %s report of batch %lld: %s",
		    type, (long long)batch, why != NULL ? why : "failed");
		free(why);
		return -1;
	}
	if (store_report_put(p->s, batch, type, json, &why) != 0) {
		free(json);
		*cause = xasprintf("storing the %s report of batch %lld: %s",
		    type, (long long)batch, why != NULL ? why : "failed");
		free(why);
		return -1;
	}
	free(json);
	mark_dirty(p);
	return 0;
}

/* Run the alert rules for one batch's evidence. */
static int
alert_batch(struct pipeline *p, int64_t batch,
    const struct feature_report *fr, const struct prediction_report *pr,
    const struct performance_report *perf, const struct detector_report *dr,
    char **cause)
{
	struct alert_batch	 ab;
	char			*why = NULL;

	if (p->alert == NULL)
		return 0;
	memset(&ab, 0, sizeof ab);
	ab.batch_id = batch;
	ab.schema = p->schema_stored ? &p->schema : NULL;
	ab.feature = fr;
	ab.prediction = pr;
	ab.performance = perf;
	ab.detectors = dr;
	if (alert_engine_batch(p->alert, &ab, &why) != 0) {
		fatal(cause, why, "alert rules");
		return -1;
	}
	mark_dirty(p);
	p->deliver = true;
	return 0;
}

/* Feed one labelled batch to the detectors and store its report. */
static int
feed_one(struct pipeline *p, struct detectors *d, int64_t batch,
    const struct monitor_batch *mb, struct detector_report *out,
    char **cause)
{
	char	*why = NULL, *json;

	detectors_feed(d, mb, out);
	json = report_json_encode_detectors(out, &why);
	return put_report(p, batch, REPORT_TYPE_DETECTORS, json, why, cause);
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
	mb->true_class = b->true_class;
}

/* Forget the cached detectors; the next use reads the stored state. */
static void
detectors_forget(struct pipeline *p)
{
	if (p->det_loaded)
		detectors_finish(&p->det);
	free(p->det_text);
	p->det_text = NULL;
	p->det_loaded = false;
	p->det_checked = false;
	p->det_dirty = false;
}

/*
 * Make p->det the current detector state. Once per write transaction the
 * stored row is read and compared with what this process last read or
 * wrote: equal keeps the cache, different (another process fed them, or
 * our last write was lost) decodes the stored one.
 */
static int
detectors_load(struct pipeline *p, char **cause)
{
	int64_t	 last = -1;
	char	*text = NULL, *why = NULL;
	int	 rc;

	if (p->det_loaded && p->det_checked)
		return 0;
	rc = store_detector_get(p->s, DETECTORS_NAME, &last, &text, &why);
	if (rc < 0) {
		fatal(cause, why, "loading detector state");
		return -1;
	}
	if (p->det_loaded && !p->det_dirty && (rc == 1 ?
	    p->det_text == NULL : p->det_text != NULL &&
	    last == p->det_last && strcmp(text, p->det_text) == 0)) {
		free(text);
		p->det_checked = true;
		return 0;
	}
	detectors_forget(p);
	if (rc == 0) {
		if (!detectors_decode(text, &p->det)) {
			free(text);
			*cause = xstrdup("stored detector state is corrupt");
			return -1;
		}
		p->det_text = text;	/* p owns it */
	} else {
		detectors_init(&p->det, &p->cfg->monitor);
		last = -1;
	}
	p->det_last = last;
	p->det_loaded = true;
	p->det_checked = true;
	return 0;
}

/* Write the cached detector state if it was fed; called before commit. */
static int
detectors_store(struct pipeline *p, char **cause)
{
	char	*text, *why = NULL;

	if (!p->det_loaded || !p->det_dirty)
		return 0;
	text = detectors_encode(&p->det);
	if (store_detector_put(p->s, DETECTORS_NAME, p->det_last, text,
	    &why) != 0) {
		free(text);
		detectors_forget(p);
		fatal(cause, why, "storing detector state");
		return -1;
	}
	free(p->det_text);
	p->det_text = text;	/* p owns it */
	p->det_dirty = false;
	return 0;
}

/*
 * Batch `batch` (rows in mb) has become fully labelled: feed the detectors
 * every consecutive labelled batch from the one after the last fed, up to
 * and past this one. *fed tells whether this batch was fed (and *out is
 * its report). The new state is stored by the next pipeline_flush, in the
 * same transaction as the reports.
 */
static int
detectors_catch_up(struct pipeline *p, int64_t batch,
    const struct monitor_batch *mb, struct detector_report *out, bool *fed,
    char **cause)
{
	struct detectors	*d;
	struct store_batch	 sb;
	struct monitor_batch	 other;
	struct detector_report	 dr;
	enum store_batch_state	 state;
	int64_t			 last, b;
	char			*why = NULL;
	unsigned		 gap = 0;
	int			 rc;

	*fed = false;
	if (detectors_load(p, cause) != 0)
		return -1;
	d = &p->det;
	last = p->det_last;
	if (batch <= last)
		return 0;
	rc = 0;
	for (b = last + 1; rc == 0; b++) {
		if (b == batch) {
			rc = feed_one(p, d, b, mb, out, cause);
			*fed = rc == 0;
			last = b;
			gap = 0;
			continue;
		}
		state = store_batch_state(p->s, b);
		if (state == STORE_BATCH_UNKNOWN) {
			if (b > batch)
				break;
			if (++gap > DETECT_GAP_MAX)
				b = batch - 1;	/* sparse ids: jump */
			continue;
		}
		gap = 0;
		if (state != STORE_BATCH_CLOSED)
			break;
		rc = store_batch_get(p->s, b, &sb, &why);
		if (rc < 0) {
			fatal(cause, why, "loading a batch for the detectors");
			break;
		}
		if (rc == 1 || sb.true_class == NULL) {
			if (rc == 0)
				store_batch_finish(&sb);
			rc = 0;
			break;
		}
		monitor_batch_from_store(&other, &sb);
		rc = feed_one(p, d, b, &other, &dr, cause);
		store_batch_finish(&sb);
		if (rc == 0) {
			last = b;
			rc = alert_batch(p, b, NULL, NULL, NULL, &dr, cause);
		}
	}
	if (rc != 0) {
		detectors_forget(p);
		return rc;
	}
	if (last != p->det_last) {
		p->det_last = last;
		p->det_dirty = true;
		mark_dirty(p);
	}
	return 0;
}

/* Performance report, detectors, alert for a fully labelled batch. */
static int
run_performance(struct pipeline *p, int64_t batch,
    const struct monitor_batch *mb, struct performance_report *perf,
    struct detector_report *dr, bool *fed, char **cause)
{
	char	*why = NULL, *json;

	monitor_performance(&p->ref, &p->cfg->monitor, mb, perf);
	json = report_json_encode_performance(perf, &p->schema, &why);
	if (put_report(p, batch, REPORT_TYPE_PERFORMANCE, json, why,
	    cause) != 0)
		return -1;
	return detectors_catch_up(p, batch, mb, dr, fed, cause);
}

/*
 * The reference and schema the monitors need, read from the store when
 * this stream did not bring them (another process may have stored them
 * since the last look). 0 also when they are still missing: that is
 * warned about once.
 */
static int
stored_axes(struct pipeline *p, char **cause)
{
	if (reference_load(p, cause) != 0 || schema_refresh(p, cause) != 0)
		return -1;
	if (!p->have_ref) {
		if (!p->warned_no_ref)
			warn(p, "no reference window (send reference records "
			    "first): batches are logged, monitors do not run");
		p->warned_no_ref = true;
	} else if (!p->schema_stored) {
		if (!p->warned_no_schema)
			warn(p, "no schema is stored yet: monitors do not "
			    "run until one is");
		p->warned_no_schema = true;
	}
	return 0;
}

/* The monitors of one closed batch, over the rows in mb. */
static int
run_monitors(struct pipeline *p, const struct monitor_batch *mb,
    char **cause)
{
	struct feature_report		fr;
	struct prediction_report	pr;
	struct performance_report	perf;
	struct detector_report		dr;
	bool				labelled = mb->true_class != NULL;
	bool				fed = false;
	char				*why = NULL, *json;
	int				rc = -1;

	if (stored_axes(p, cause) != 0)
		return -1;
	if (!p->have_ref || !p->schema_stored) {
		print_batch(p, mb->batch_id, mb->n_rows, NULL, NULL, NULL,
		    NULL);
		return 0;
	}
	memset(&perf, 0, sizeof perf);
	monitor_feature(&p->ref, &p->cfg->monitor, mb, &fr);
	monitor_prediction(&p->ref, &p->cfg->monitor, mb, &pr);
	json = report_json_encode_feature(&fr, &p->schema, &why);
	if (put_report(p, mb->batch_id, REPORT_TYPE_FEATURE, json, why,
	    cause) != 0)
		goto out;
	json = report_json_encode_prediction(&pr, &p->schema, &why);
	if (put_report(p, mb->batch_id, REPORT_TYPE_PREDICTION, json, why,
	    cause) != 0)
		goto out;
	if (labelled && run_performance(p, mb->batch_id, mb, &perf, &dr,
	    &fed, cause) != 0)
		goto out;
	if (alert_batch(p, mb->batch_id, &fr, &pr, labelled ? &perf : NULL,
	    fed ? &dr : NULL, cause) != 0)
		goto out;
	print_batch(p, mb->batch_id, mb->n_rows, &fr, &pr,
	    labelled ? &perf : NULL, fed ? &dr : NULL);
	rc = 0;
out:
	feature_report_finish(&fr);
	prediction_report_finish(&pr);
	if (labelled)
		performance_report_finish(&perf);
	return rc;
}

/* Monitors of a batch whose rows are in the store. */
static int
run_stored(struct pipeline *p, int64_t batch, bool labels_only,
    char **cause)
{
	struct store_batch		 sb;
	struct monitor_batch		 mb;
	struct performance_report	 perf;
	struct detector_report		 dr;
	bool				 fed = false;
	char				*why = NULL;
	int				 rc;

	rc = store_batch_get(p->s, batch, &sb, &why);
	if (rc < 0) {
		fatal(cause, why, "loading a batch");
		return -1;
	}
	if (rc == 1)
		return 0;
	monitor_batch_from_store(&mb, &sb);
	if (!labels_only)
		rc = run_monitors(p, &mb, cause);
	else if (stored_axes(p, cause) != 0)
		rc = -1;
	else if (!p->have_ref || !p->schema_stored || sb.true_class == NULL)
		rc = 0;
	else {
		rc = run_performance(p, batch, &mb, &perf, &dr, &fed, cause);
		if (rc == 0)
			rc = alert_batch(p, batch, NULL, NULL, &perf,
			    fed ? &dr : NULL, cause);
		if (rc == 0 && p->log != NULL) {
			fprintf(p->log, "batch %lld: labelled %zu rows, "
			    "accuracy %.3f (%+.3f), F1 %.3f%s%s\n",
			    (long long)batch, sb.n_rows, perf.accuracy,
			    perf.acc_delta, perf.f1_macro,
			    fed && dr.ddm_drift ? ", DDM drift" : "",
			    fed && dr.adwin_drift ? ", ADWIN drift" : "");
		}
		performance_report_finish(&perf);
	}
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
	size_t	*idx, i, nf = p->n_features;
	double	*feat, *conf;
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
	pred = xcalloc(p->n, sizeof *pred);
	truth = xcalloc(p->n, sizeof *truth);
	for (i = 0; i < p->n; i++) {
		memcpy(feat + i * nf, p->feat + idx[i] * nf,
		    nf * sizeof *feat);
		conf[i] = p->conf[idx[i]];
		pred[i] = p->pred[idx[i]];
		truth[i] = p->truth[idx[i]];
	}
	memcpy(p->feat, feat, p->n * nf * sizeof *feat);
	memcpy(p->conf, conf, p->n * sizeof *conf);
	memcpy(p->pred, pred, p->n * sizeof *pred);
	memcpy(p->truth, truth, p->n * sizeof *truth);
	free(idx);
	free(feat);
	free(conf);
	free(pred);
	free(truth);
	p->in_order = true;
}

/* Close the open batch and run what its state calls for. */
static int
close_batch(struct pipeline *p, char **cause)
{
	struct monitor_batch	 mb;
	char			*why = NULL;

	p->open = false;
	if (store_batch_close(p->s, p->batch, &why) != 0) {
		fatal(cause, why, "closing a batch");
		return -1;
	}
	mark_dirty(p);
	touch(p, p->batch);
	p->pend.batches++;
	if (p->was == STORE_BATCH_CLOSED)
		return 0;
	if (p->was == STORE_BATCH_OPEN)
		return run_stored(p, p->batch, false, cause);
	if (p->n == 0)
		return 0;
	if (!p->in_order)
		sort_batch(p);
	memset(&mb, 0, sizeof mb);
	mb.batch_id = p->batch;
	mb.n_rows = p->n;
	mb.features = p->feat;
	mb.predicted = p->pred;
	mb.confidence = p->conf;
	mb.true_class = p->all_labelled ? p->truth : NULL;
	return run_monitors(p, &mb, cause);
}

static void
open_batch(struct pipeline *p, int64_t batch)
{
	p->open = true;
	p->batch = batch;
	p->was = store_batch_state(p->s, batch);
	p->arrivals = 0;
	p->n = 0;
	p->all_labelled = true;
	p->in_order = true;
}

static void
keep_row(struct pipeline *p, const struct proto_record *r, int64_t row)
{
	size_t	nf = p->n_features;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->feat = xreallocarray(p->feat, p->cap * nf, sizeof *p->feat);
		p->pred = xreallocarray(p->pred, p->cap, sizeof *p->pred);
		p->conf = xreallocarray(p->conf, p->cap, sizeof *p->conf);
		p->truth = xreallocarray(p->truth, p->cap, sizeof *p->truth);
		p->rowid = xreallocarray(p->rowid, p->cap, sizeof *p->rowid);
	}
	memcpy(p->feat + p->n * nf, r->features, nf * sizeof(double));
	p->pred[p->n] = r->predicted_class;
	p->conf[p->n] = r->confidence;
	p->truth[p->n] = r->true_class;
	p->rowid[p->n] = row;
	if (r->true_class < 0)
		p->all_labelled = false;
	if (p->n > 0 && row <= p->rowid[p->n - 1])
		p->in_order = false;
	p->n++;
}

/*
 * A row for an already closed batch while another batch is being filled:
 * it must not close that batch. Skipped when that row is logged (a
 * replay), rejected otherwise.
 */
static enum pipeline_result
stray_row(struct pipeline *p, const struct proto_record *r, uint64_t lineno,
    const char *line, size_t len, char **cause)
{
	struct store_prediction	 sp;
	char			 reason[PROTO_REASON_MAX], *why = NULL;
	int			 rc;

	if (!r->has_row) {
		snprintf(reason, sizeof reason, "batch %lld is closed",
		    (long long)r->batch_id);
		return reject(p, lineno, reason, line, len, cause);
	}
	memset(&sp, 0, sizeof sp);
	sp.batch_id = r->batch_id;
	sp.row_in_batch = r->row_in_batch;
	sp.features_json = r->features_json;
	sp.scores_json = r->scores_json;
	sp.predicted_class = r->predicted_class;
	sp.confidence = r->confidence;
	sp.true_class = r->true_class;
	rc = store_prediction_add(p->s, &sp, &why);
	mark_dirty(p);
	if (rc == 0) {
		p->st.skipped++;
		return PIPELINE_SKIP;
	}
	snprintf(reason, sizeof reason, "%s", why != NULL ? why :
	    "batch is closed");
	free(why);
	return reject(p, lineno, reason, line, len, cause);
}

static enum pipeline_result
do_prediction(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	struct store_prediction	 sp;
	char			 reason[PROTO_REASON_MAX], *why = NULL;
	int64_t			 row;
	int			 rc;

	if (p->open && p->batch != r->batch_id &&
	    p->was != STORE_BATCH_CLOSED &&
	    store_batch_state(p->s, r->batch_id) == STORE_BATCH_CLOSED)
		return stray_row(p, r, lineno, line, len, cause);
	if (p->open && p->batch != r->batch_id && close_batch(p, cause) != 0)
		return PIPELINE_FATAL;
	if (!p->open)
		open_batch(p, r->batch_id);
	row = r->has_row ? r->row_in_batch : (int64_t)p->arrivals;
	sp.batch_id = r->batch_id;
	sp.row_in_batch = row;
	sp.features_json = r->features_json;
	sp.scores_json = r->scores_json;
	sp.predicted_class = r->predicted_class;
	sp.confidence = r->confidence;
	sp.true_class = r->true_class;
	sp.logged_at = 0;
	rc = store_prediction_add(p->s, &sp, &why);
	mark_dirty(p);
	if (rc == 1) {
		p->arrivals++;
		p->pend.rows++;
		p->pend.accepted++;
		touch(p, r->batch_id);
		if (p->was == STORE_BATCH_UNKNOWN)
			keep_row(p, r, row);
		return PIPELINE_OK;
	}
	if (rc == 0) {
		p->arrivals++;
		if (p->was == STORE_BATCH_UNKNOWN) {
			snprintf(reason, sizeof reason, "duplicate "
			    "row_in_batch %lld in batch %lld", (long long)row,
			    (long long)r->batch_id);
			return reject(p, lineno, reason, line, len, cause);
		}
		p->st.skipped++;
		return PIPELINE_SKIP;
	}
	if (p->was == STORE_BATCH_CLOSED) {
		snprintf(reason, sizeof reason, "%s", why != NULL ? why :
		    "batch is closed");
		free(why);
		return reject(p, lineno, reason, line, len, cause);
	}
	return fatal(cause, why, "logging a prediction");
}

static enum pipeline_result
do_end_batch(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	enum store_batch_state	st;
	char			reason[PROTO_REASON_MAX];

	if (p->open && p->batch == r->batch_id) {
		if (close_batch(p, cause) != 0)
			return PIPELINE_FATAL;
		p->pend.accepted++;
		return PIPELINE_OK;
	}
	st = store_batch_state(p->s, r->batch_id);
	if (st == STORE_BATCH_UNKNOWN) {
		snprintf(reason, sizeof reason, "end_batch for batch %lld, "
		    "which has no logged predictions", (long long)r->batch_id);
		return reject(p, lineno, reason, line, len, cause);
	}
	if (st == STORE_BATCH_OPEN) {
		char	*why = NULL;

		if (store_batch_close(p->s, r->batch_id, &why) != 0)
			return fatal(cause, why, "closing a batch");
		mark_dirty(p);
		touch(p, r->batch_id);
		p->pend.batches++;
		if (run_stored(p, r->batch_id, false, cause) != 0)
			return PIPELINE_FATAL;
	}
	p->pend.accepted++;
	return PIPELINE_OK;
}

static enum pipeline_result
do_labels(struct pipeline *p, const struct proto_record *r,
    uint64_t lineno, const char *line, size_t len, char **cause)
{
	enum store_label_result	 res;
	char			 reason[PROTO_REASON_MAX], *why = NULL;

	if (p->open && p->batch == r->batch_id && close_batch(p, cause) != 0)
		return PIPELINE_FATAL;
	res = store_label_batch(p->s, r->batch_id, r->labels, r->n_labels,
	    p->cfg->allow_relabel, &why);
	mark_dirty(p);
	switch (res) {
	case STORE_LABEL_APPLIED:
		free(why);
		p->pend.labelled++;
		p->pend.accepted++;
		touch(p, r->batch_id);
		if (run_stored(p, r->batch_id, true, cause) != 0)
			return PIPELINE_FATAL;
		return PIPELINE_OK;
	case STORE_LABEL_SAME:
		free(why);
		p->pend.accepted++;
		return PIPELINE_OK;
	case STORE_LABEL_CONFLICT:
	case STORE_LABEL_MISMATCH:
	case STORE_LABEL_NOT_CLOSED:
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
		return reject(p, lineno, reason, line, len, cause);
	case STORE_LABEL_ERROR:
		break;
	}
	return fatal(cause, why, "applying labels");
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
		return reject(p, lineno, reason, line, len, cause);
	}
	if (!p->schema_stored) {
		if (r->n_feature_names > 0) {
			free_names(p->pend_features, p->n_pend_features);
			p->pend_features = copy_names(r->feature_names,
			    r->n_feature_names);
			p->n_pend_features = r->n_feature_names;
			p->n_features = r->n_feature_names;
		}
		if (r->n_class_names > 0) {
			free_names(p->pend_classes, p->n_pend_classes);
			p->pend_classes = copy_names(r->class_names,
			    r->n_class_names);
			p->n_pend_classes = r->n_class_names;
			p->n_classes = (int)r->n_class_names;
		}
		if (schema_settle(p, cause) != 0)
			return PIPELINE_FATAL;
		p->pend.accepted++;
		return PIPELINE_OK;
	}
	/* A schema is stored: this one must match it (the store decides). */
	sc.n_features = p->schema.n_features;
	sc.n_classes = p->schema.n_classes;
	sc.feature_names = p->schema.feature_names;
	sc.class_names = p->schema.class_names;
	if (r->n_feature_names > 0)
		sc.feature_names = (char **)(uintptr_t)r->feature_names;
	if (r->n_class_names > 0)
		sc.class_names = (char **)(uintptr_t)r->class_names;
	if (store_schema_put(p->s, &sc, &why) != 0) {
		snprintf(reason, sizeof reason, "%s", why != NULL ? why :
		    "schema differs from the stored one");
		free(why);
		return reject(p, lineno, reason, line, len, cause);
	}
	p->pend.accepted++;
	return PIPELINE_OK;
}

struct pipeline *
pipeline_create(struct store *s, const struct ingest_config *cfg,
    struct alert_engine *alert, FILE *log, FILE *err, char **cause)
{
	struct pipeline	*p = xcalloc(1, sizeof *p);
	char		*why = NULL;

	p->s = s;
	p->cfg = cfg;
	p->alert = alert;
	p->out = log;
	p->err = err;
	p->batch_lo = p->batch_hi = -1;
	p->sure_line = 1;
	snprintf(p->source, sizeof p->source, "stdin");
	proto_parser_init(&p->parser);
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
	proto_parser_finish(&p->parser);
	if (p->schema_stored)
		store_schema_finish(&p->schema);
	free_names(p->pend_features, p->n_pend_features);
	free_names(p->pend_classes, p->n_pend_classes);
	if (p->have_ref)
		monitor_reference_finish(&p->ref);
	store_reference_finish(&p->col);
	detectors_forget(p);
	free(p->feat);
	free(p->pred);
	free(p->conf);
	free(p->truth);
	free(p->rowid);
	if (p->log != NULL)
		fclose(p->log);
	free(p->log_buf);
	free(p);
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

/* Line lineno belongs to the open transaction's work. */
static void
note_line(struct pipeline *p, uint64_t lineno)
{
	if (p->line_lo == 0)
		p->line_lo = lineno;
	p->line_hi = lineno;
}

/* Forget the (committed or lost) work of the transaction. */
static void
work_reset(struct pipeline *p)
{
	memset(&p->pend, 0, sizeof p->pend);
	p->line_lo = p->line_hi = 0;
	p->batch_lo = p->batch_hi = -1;
}

/* ", batches 20-29" (or ", batch 20", or "") into buf. */
static void
batch_range(const struct pipeline *p, char *buf, size_t size)
{
	buf[0] = '\0';
	if (p->batch_lo < 0)
		return;
	if (p->batch_lo == p->batch_hi)
		snprintf(buf, size, " of batch %lld", (long long)p->batch_lo);
	else
		snprintf(buf, size, " of batches %lld-%lld",
		    (long long)p->batch_lo, (long long)p->batch_hi);
}

/*
 * The open transaction's work is gone (a failed commit, or SQLite rolled
 * the transaction back): none of it counts as accepted, its held lines
 * are dropped and nothing more is stored. *cause is why (taken) and the
 * input lines to send again.
 */
static void
work_lost(struct pipeline *p, char *why, char **cause)
{
	char	batches[64];

	detectors_forget(p);
	held_release(p, false);
	batch_range(p, batches, sizeof batches);
	if (p->line_lo > 0)
		*cause = xasprintf("%s; not stored: %s lines %llu-%llu (%llu "
		    "rows%s), send them again", why, p->source,
		    (unsigned long long)p->line_lo,
		    (unsigned long long)p->line_hi,
		    (unsigned long long)p->pend.rows, batches);
	else
		*cause = xstrdup(why);
	free(why);
	work_reset(p);
	p->dirty = false;
	p->dead = true;
}

/*
 * The DB file was deleted or replaced: everything written since the last
 * check that found it in place went to a file nobody sees. Those rows no
 * longer count; nothing more is stored.
 */
static void
file_lost(struct pipeline *p, char *why, char **cause)
{
	uint64_t	rows;

	rows = p->st.rows + p->pend.rows - p->sure.rows;
	*cause = xasprintf("%s; ingest stopped: %llu rows since line %llu of "
	    "%s are not stored", why, (unsigned long long)rows,
	    (unsigned long long)p->sure_line, p->source);
	free(why);
	p->st.accepted = p->sure.accepted;
	p->st.rows = p->sure.rows;
	p->st.batches = p->sure.batches;
	p->st.labelled = p->sure.labelled;
	detectors_forget(p);
	held_release(p, false);
	work_reset(p);
	p->dirty = false;
	p->dead = true;
}

/* The transaction's work is committed: count it. */
static void
work_committed(struct pipeline *p)
{
	p->st.accepted += p->pend.accepted;
	p->st.rows += p->pend.rows;
	p->st.batches += p->pend.batches;
	p->st.labelled += p->pend.labelled;
	work_reset(p);
}

/* Everything counted so far is in the file at the path. */
static void
file_sure(struct pipeline *p)
{
	p->sure = p->st;
	p->sure_line = p->line_lo > 0 ? p->line_lo : p->last_line + 1;
}

enum pipeline_result
pipeline_reject(struct pipeline *p, uint64_t lineno, const char *reason,
    const char *text, size_t len, char **cause)
{
	p->st.lines++;
	p->last_line = lineno;
	note_line(p, lineno);
	return reject(p, lineno, reason, text, len, cause);
}

static bool
blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

enum pipeline_result
pipeline_line(struct pipeline *p, const char *line, size_t len,
    uint64_t lineno, int64_t now_ms, char **cause)
{
	struct proto_record	 r;
	enum pipeline_result	 res;
	char			 reason[PROTO_REASON_MAX];
	bool			 failed;

	p->now = now_ms;
	p->last_line = lineno;
	if (blank(line, len))
		return PIPELINE_OK;
	p->st.lines++;
	note_line(p, lineno);
	if (len > PIPELINE_LINE_MAX) {
		snprintf(reason, sizeof reason, "line longer than %d bytes",
		    PIPELINE_LINE_MAX);
		return reject(p, lineno, reason, line, len, cause);
	}
	if (!proto_parse_line(&p->parser, line, len, &r, reason))
		return reject(p, lineno, reason, line, len, cause);
	if (r.kind == PROTO_REFERENCE && p->settled) {
		return reject(p, lineno, "reference record after the first "
		    "prediction", line, len, cause);
	}
	/* Another process may have stored a schema since the last look. */
	if (schema_refresh(p, cause) != 0)
		return PIPELINE_FATAL;
	if (r.kind != PROTO_REFERENCE && r.kind != PROTO_SCHEMA &&
	    reference_settle(p, cause) != 0)
		return PIPELINE_FATAL;
	if (r.kind != PROTO_SCHEMA) {
		if (!check_axes(p, &r, reason, cause, &failed))
			return reject(p, lineno, reason, line, len, cause);
		if (failed)
			return PIPELINE_FATAL;
	}
	switch (r.kind) {
	case PROTO_REFERENCE:
		collect_reference(p, &r);
		p->pend.accepted++;
		res = PIPELINE_OK;
		break;
	case PROTO_PREDICTION:
		res = do_prediction(p, &r, lineno, line, len, cause);
		break;
	case PROTO_END_BATCH:
		res = do_end_batch(p, &r, lineno, line, len, cause);
		break;
	case PROTO_LABELS:
		res = do_labels(p, &r, lineno, line, len, cause);
		break;
	case PROTO_SCHEMA:
	default:
		res = do_schema(p, &r, lineno, line, len, cause);
		break;
	}
	/* A store error SQLite answered by rolling everything back. */
	if (res != PIPELINE_FATAL && store_rollbacks(p->s) != p->rollbacks) {
		work_lost(p, xstrdup("the write transaction was rolled back"),
		    cause);
		return PIPELINE_FATAL;
	}
	if (res != PIPELINE_FATAL && p->dirty &&
	    store_pending(p->s) >= p->cfg->flush_rows &&
	    pipeline_flush(p, cause) != 0)
		return PIPELINE_FATAL;
	return res;
}

int
pipeline_end(struct pipeline *p, char **cause)
{
	if (p->dead)
		return 0;
	if (reference_settle(p, cause) != 0)
		return -1;
	if (p->open && close_batch(p, cause) != 0)
		return -1;
	return pipeline_flush(p, cause);
}

/* Work the alert outbox, then commit its state; warnings on failure. */
static int
deliver(struct pipeline *p, char **cause)
{
	char	*why = NULL;

	if (alert_engine_deliver(p->alert, &why) < 0) {
		warn(p, "alert delivery: %s", why != NULL ? why : "failed");
		free(why);
		why = NULL;
	}
	if (store_flush(p->s, &why) != 0) {
		fatal(cause, why, "committing alert delivery state");
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
	held_release(p, true);
	return rc;
}

/*
 * Commit, then work the alert outbox if rules ran since the last delivery:
 * pages are durable before they are sent, and sending never holds the
 * write lock. The file is checked before the commit (no commit into a
 * deleted file) and after it (the rows are where readers look).
 */
int
pipeline_flush(struct pipeline *p, char **cause)
{
	char	*why = NULL, *lost;
	int	 rc = 0;

	if (p->dead)
		return 0;
	if (store_rollbacks(p->s) != p->rollbacks) {
		work_lost(p, xstrdup("the write transaction was rolled back"),
		    cause);
		return -1;
	}
	if (!p->dirty) {
		/* Records that needed no write (replays, no-ops). */
		work_committed(p);
		held_release(p, true);
		return 0;
	}
	if (store_file_check(p->s, &why) != 0) {
		file_lost(p, why, cause);
		return -1;
	}
	file_sure(p);
	if (detectors_store(p, cause) != 0)
		return -1;
	/* The next transaction reads the stored detector state again. */
	p->det_checked = false;
	if (store_flush(p->s, &why) != 0) {
		lost = xasprintf("committing: %s", why != NULL ? why :
		    "failed");
		free(why);
		work_lost(p, lost, cause);
		return -1;
	}
	p->rollbacks = store_rollbacks(p->s);
	p->dirty = false;
	p->st.flushes++;
	if (store_file_check(p->s, &why) != 0) {
		file_lost(p, why, cause);
		return -1;
	}
	work_committed(p);
	file_sure(p);
	if (p->deliver && p->alert != NULL) {
		p->deliver = false;
		rc = deliver(p, cause);
	}
	held_release(p, true);
	return rc;
}

int
pipeline_tick(struct pipeline *p, int64_t now_ms, char **cause)
{
	p->now = now_ms;
	if (p->dirty && now_ms - p->dirty_since >= p->cfg->flush_ms)
		return pipeline_flush(p, cause);
	return 0;
}

int
pipeline_timeout(const struct pipeline *p, int64_t now_ms)
{
	int64_t	left;

	if (!p->dirty)
		return -1;
	left = p->dirty_since + p->cfg->flush_ms - now_ms;
	if (left < 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
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
