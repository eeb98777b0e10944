/*
 * The body of struct pipeline and the helpers shared by the files of the
 * ingest pipeline (pipeline.h is its public face). Only the pipeline's
 * own files include this header; a helper one file uses stays static in
 * that file.
 *
 * The files, each calling only those below it (scripts/check-structure
 * keeps it so), each the owner of the fields marked with its name:
 *
 *   pipeline.c           records in, the open batch's rows, lifecycle,
 *                        the flush (the public face, at the top)
 *   pipeline-events.c    ids and event times, windows, labels by id, the
 *                        input position stored with each commit
 *   pipeline-monitors.c  closing a batch and what runs then: monitors,
 *                        reports, detectors, alert rules, the batch line
 *   pipeline-axes.c      feature and class counts, schema names, the
 *                        reference window
 *   pipeline-types.c     feature types, categorical values to codes
 *   pipeline-watch.c     the silence alarm (struct pl_watch)
 *   pipeline-retain.c    pruning raw rows between commits
 *   pipeline-orphans.c   batches whose writer is gone, judged here
 *   pipeline-hold.c      the open batch held in the store while open
 *   pipeline-work.c      the open transaction's work: its lines, batches
 *                        and counts, held log lines, rejects, what is
 *                        committed or lost
 *   pipeline-detectors.c the detectors' cache (struct pl_detectors; it
 *                        does not see struct pipeline)
 */
#ifndef MLMON_INGEST_PIPELINE_INTERNAL_H
#define MLMON_INGEST_PIPELINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/monitor.h"
#include "core/window.h"
#include "db/store.h"
#include "ingest/pipeline-detectors.h"
#include "ingest/pipeline.h"
#include "ingest/proto.h"

struct calib;
struct cat_dict;

/* The silence alarm's clock (pipeline-watch.c); ms are p->now's. */
struct pl_watch {
	bool		 started;	/* last_pred holds the run's start */
	int64_t		 last_pred;	/* ms: last prediction (or start) */
	double		 last_pred_wall;	/* its Unix time; 0: none */
	double		 was_wall;	/* last arrival before the silence */
	bool		 silent;	/* stream_silent fired, not resolved */
	bool		 pred_resumed;	/* an earlier run's condition seen */
	int64_t		 unlabelled_since;	/* ms a batch closed; -1 */
	double		 unlabelled_wall;
	int64_t		 unlabelled_batch;
	bool		 labels_late;	/* labels_late fired, not resolved */
	bool		 labels_resumed;
	int64_t		 batch;		/* newest batch seen (the feed's) */
};

/*
 * Each group of fields names the file that writes it; the others read it.
 * (The per-run parts on top are set by pipeline.c at creation.)
 */
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
	char			*model;	/* the store handle's, owned */
	char			*tag;	/* "<model>: ", owned */
	bool			 named;	/* held lines and warnings: tag */
	struct pipeline_stats	 st;
	bool			 progress_shown;
	int64_t			 now;	/* ms, of the current line */

	/* Axes and names (pipeline-axes.c; the types may fix n_features). */
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

	/* Feature types (pipeline-types.c). */
	struct cat_dict		*dict;	/* the stream's categorical values */
	bool			 types_fixed;
	bool			 any_cat;
	bool			*types;	/* n_features once fixed: categorical */
	bool			*pend_types;	/* schema record's, not stored */
	size_t			 n_pend_types;
	double			*rowbuf;	/* a row with codes, n_features */

	/* Reference (pipeline-axes.c; abandoned_done: pipeline.c). */
	bool			 settled;
	bool			 have_ref;
	bool			 warned_no_ref;
	bool			 warned_no_schema;
	bool			 warned_ref_unlabelled;
	bool			 ref_looked;	/* as schema_looked */
	bool			 abandoned_done;	/* those batches judged */
	int64_t			 ref_version;
	struct monitor_reference	 ref;
	struct calib		*calib;	/* of ref's scores; NULL: no labels */
	struct store_reference	 col;	/* collected rows */
	size_t			 col_cap;

	/* The open batch (pipeline.c; closed by pipeline-monitors.c). */
	bool			 open;
	int64_t			 batch;
	enum store_batch_state	 was;	/* its state when opened */
	uint64_t		 arrivals;
	size_t			 n, cap;
	double			*feat;
	int			*pred;
	double			*conf;
	double			*scores;	/* n * n_classes, raw */
	int			*truth;		/* -1: no label */
	int64_t			*rowid;
	size_t			 n_labelled;	/* rows with a label */
	bool			 in_order;
	/* The batch held (pipeline-hold.c); the next look (-orphans.c). */
	bool			 held;
	int64_t			 orphan_at;
	bool			 win_held;	/* win_batch held (windows) */
	int64_t			 win_batch;

	/*
	 * Labels on closed batches (pipeline-labels.c): batches whose
	 * performance report is recomputed before the next commit, and when
	 * the next sweep for batches past --label-ttl is due (p->now, ms).
	 */
	int64_t			*rejudge;
	size_t			 n_rejudge;
	size_t			 rejudge_cap;
	int64_t			 ttl_sweep_at;
	bool			 window_noted;	/* meta window_us written */

	/* The detectors' cache (pipeline-detectors.c). */
	struct pl_detectors	 det;

	/*
	 * Uncommitted work (pipeline-work.c; the flush in pipeline.c clears
	 * dirty); alert decisions not yet delivered (deliver).
	 */
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

	struct pl_watch		 watch;	/* pipeline-watch.c */

	/* pipeline-events.c: windows, held labels, the input position. */
	struct window		 win;		/* spec kind NONE: off */
	int64_t			 row_batch;	/* row_next's batch; -1 none */
	int64_t			 row_next;	/* its next row_in_batch */
	bool			 held_known;	/* held_any valid in this tx */
	bool			 held_any;	/* labels wait for their rows */
	struct follow		*follow;	/* NULL: not following */
	char			*pos_key;	/* input_positions.source */
	/*
	 * What is known to be in the file at the path (store_file_check;
	 * pipeline-work.c).
	 */
	struct pipeline_stats	 sure;	/* st at the last check */
	/* st when the last work was committed (pipeline_committed). */
	struct pipeline_stats	 done;
	uint64_t		 sure_line;	/* first line after that work */
};

/*
 * pipeline-work.c, the open transaction's work. Warn on err
 * ("mlmon-ingest: ...", clearing the progress line first); mark the
 * transaction dirty (starting the flush_ms clock); note that batch has
 * work in it; that line lineno belongs to it; set *cause to "<what>:
 * <why>" (why is taken; NULL says "failed") and return PIPELINE_FATAL.
 */
void		 pl_warn(struct pipeline *p, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 pl_mark_dirty(struct pipeline *p);
void		 pl_touch(struct pipeline *p, int64_t batch);
/*
 * The transaction's counts: a record accepted; labels applied to batch;
 * batch judged (each also notes the batch's work).
 */
void		 pl_accepted(struct pipeline *p);
void		 pl_labels_applied(struct pipeline *p, int64_t batch);
void		 pl_batch_judged(struct pipeline *p, int64_t batch);
void		 pl_note_line(struct pipeline *p, uint64_t lineno);
enum pipeline_result pl_fatal(char **cause, char *why, const char *what);
/*
 * Report line lineno as rejected for reason (on err, and in the store's
 * rejected table): PIPELINE_REJECT, or PIPELINE_FATAL when it could not
 * be recorded.
 */
enum pipeline_result pl_reject(struct pipeline *p, uint64_t lineno,
		    const char *reason, const char *text, size_t len,
		    char **cause);
/*
 * What store_prediction_add answered for line lineno: a new or late row
 * counts (once committed), a replay is skipped, a conflict is rejected
 * with the store's reason (why, taken), an error is fatal.
 */
enum pipeline_result pl_row_added(struct pipeline *p,
		    enum store_add_result rc, int64_t batch, uint64_t lineno,
		    const char *line, size_t len, char *why, char **cause);
/* Print the held lines (committed work) to out, or drop them. */
void		 pl_held_release(struct pipeline *p, bool print);
/* The transaction committed: count its work. */
void		 pl_work_committed(struct pipeline *p);
/*
 * The open transaction's work is lost (a failed commit, a rollback, state
 * that cannot be read): nothing of it counts, nothing more is stored.
 * *cause is why (taken) and the input lines to send again.
 */
void		 pl_work_lost(struct pipeline *p, char *why, char **cause);
/*
 * The DB file is still the one opened: everything counted is in it. Or
 * it was deleted or replaced: what was written since is lost (as above).
 */
void		 pl_file_sure(struct pipeline *p);
void		 pl_file_lost(struct pipeline *p, char *why, char **cause);

/*
 * pipeline-axes.c. The end of its state (names, schema, reference). Name
 * vectors; a copy the caller frees (xfree_strings).
 */
void		 pl_axes_finish(struct pipeline *p);
char		**pl_copy_names(const char *const *v, size_t n);
/* Read the stored schema while this process has none. 0 or -1. */
int		 pl_schema_refresh(struct pipeline *p, char **cause);
/* Store the schema once both axes are known. 0 or -1. */
int		 pl_schema_settle(struct pipeline *p, char **cause);
/* A schema record's names while none is stored, then settle. 0 or -1. */
int		 pl_schema_names(struct pipeline *p,
		    const struct proto_record *r, char **cause);
/*
 * Check a prediction, reference or labels record's axes (fixing them when
 * unknown): false with reason (PROTO_REASON_MAX) on a mismatch; *failed
 * with *cause when storing the schema failed.
 */
bool		 pl_check_axes(struct pipeline *p, const struct proto_record *r,
		    char *reason, char **cause, bool *failed);
/* Append one reference row to the collected window. */
void		 pl_collect_reference(struct pipeline *p,
		    const struct proto_record *r);
/* Store the collected reference or load the stored one, once. 0 or -1. */
int		 pl_reference_settle(struct pipeline *p, char **cause);
/*
 * Load the reference and schema the monitors need when this stream did
 * not bring them; warns once while they are missing. 0 or -1.
 */
int		 pl_stored_axes(struct pipeline *p, char **cause);

/*
 * pipeline-types.c. The dictionary (given to the store) and its end. A
 * copy of n flags (NULL stays NULL); whether two flag vectors agree (NULL:
 * all false).
 */
void		 pl_types_init(struct pipeline *p);
void		 pl_types_finish(struct pipeline *p);
bool		*pl_types_copy(const bool *v, size_t n);
bool		 pl_types_same(const bool *a, const bool *b, size_t n);
/* Take a stored schema's types; -1 when this stream's record differs. */
int		 pl_types_stored(struct pipeline *p,
		    const struct store_schema *sc, char **cause);
/* Fix the types, if not yet, from the schema record or the row r. */
void		 pl_types_fix(struct pipeline *p, const struct proto_record *r);
/* Fix them as the schema record's or all numeric (no row came). */
void		 pl_types_default(struct pipeline *p);
/*
 * Check a row's values against the types and point r->features at a
 * copy with codes for the categorical values; false with reason.
 */
bool		 pl_types_row(struct pipeline *p, struct proto_record *r,
		    char *reason);
/* A schema record's feature_types (pending or checked); false: reason. */
bool		 pl_types_schema(struct pipeline *p,
		    const struct proto_record *r, char *reason);

/* pipeline-monitors.c. */
/* What pl_run_stored judges of a batch's stored rows. */
enum pl_run {
	PL_RUN_CLOSE,	/* the batch closed: every monitor */
	PL_RUN_LABELS,	/* labels landed: its performance report, the first
			   once its coverage reaches --min-label-coverage,
			   again (replacing it) when it has one */
	PL_RUN_TTL,	/* --label-ttl passed: its first performance report,
			   on the labels it has */
};
/*
 * Run the monitors (as how says) on stored rows. 0, -1, or 1 when a stop
 * request cut them short (nothing stored).
 */
int		 pl_run_stored(struct pipeline *p, int64_t batch,
		    enum pl_run how, char **cause);
/*
 * Claim a batch's judgement and judge it (over mem when those are all
 * its rows, else the stored rows), undone on error or stop (then the
 * batch is recorded abandoned): PIPELINE_OK, _STOP or _FATAL (*cause).
 */
enum pipeline_result pl_judge(struct pipeline *p, int64_t batch,
		    const struct monitor_batch *mem, char **cause);
/* Close the open batch and judge it: as pl_judge. */
enum pipeline_result pl_close_batch(struct pipeline *p, char **cause);

/*
 * pipeline-labels.c: labels landed on closed batch: its first
 * performance report now once its coverage reaches the minimum, a
 * recompute of the one it has before the next commit (0 or -1). Before
 * each commit: those recomputes, and the TTL sweep when it is due (held
 * labels past --label-ttl dropped, batches closed longer than it ago
 * that have labels but no report judged on what they have). tick: the
 * sweep when due, on an idle ingest too; timeout: ms until it is due.
 */
int		 pl_labels_landed(struct pipeline *p, int64_t batch,
		    char **cause);
int		 pl_labels_commit(struct pipeline *p, char **cause);
int		 pl_labels_tick(struct pipeline *p, char **cause);
int64_t		 pl_labels_timeout(const struct pipeline *p, int64_t now_ms);
void		 pl_labels_finish(struct pipeline *p);

/*
 * pipeline-hold.c: whether batches are held here (PostgreSQL); the open
 * batch held in the store while it is open (a lock of the session), a
 * window from its first new row to its close: 0 or -1.
 */
bool		 pl_holding(const struct pipeline *p);
int		 pl_hold_open(struct pipeline *p, char **cause);
int		 pl_hold_close(struct pipeline *p, char **cause);
int		 pl_hold_window(struct pipeline *p, int64_t batch,
		    char **cause);
int		 pl_release_window(struct pipeline *p, int64_t batch,
		    char **cause);
/*
 * pipeline-orphans.c: tick: the model's open batches no live writer
 * holds, quiet for --orphan-grace, judged here when the look is due (0
 * or -1); timeout: ms until it is, -1 never.
 */
int		 pl_orphans_tick(struct pipeline *p, char **cause);
int64_t		 pl_orphans_timeout(const struct pipeline *p, int64_t now_ms);

/*
 * pipeline-watch.c: the silence alarm. Arrivals of predictions and labels
 * and batch closes move its clock; tick fires what is due (0, -1, or 1:
 * pages fired, commit them now), timeout is the ms until the next
 * deadline (-1 none). 0 or -1.
 */
/*
 * pipeline-retain.c: after a commit, prune one small transaction of rows
 * past --retain-rows and commit it. 0 or -1.
 */
int		 pl_retain(struct pipeline *p, char **cause);

void		 pl_watch_init(struct pipeline *p);
int		 pl_watch_prediction(struct pipeline *p, int64_t batch,
		    char **cause);
int		 pl_watch_labels(struct pipeline *p, int64_t batch,
		    char **cause);
void		 pl_watch_closed(struct pipeline *p, int64_t batch);
int		 pl_watch_tick(struct pipeline *p, char **cause);
int64_t		 pl_watch_timeout(const struct pipeline *p, int64_t now);
/* Re-post to Alertmanager when due; ms until then, -1 never. */
void		 pl_watch_refresh(struct pipeline *p);
int64_t		 pl_watch_refresh_timeout(const struct pipeline *p);
/*
 * pipeline-events.c. sp from r at (batch, row), its id in *id, with a
 * label held for the id taken into it: 0 or -1. A prediction for the
 * window machine; a label by id; the window's idle closes (tick) and
 * its last closes (end), as pl_judge; before a commit (0 or -1); ms
 * until the window machine's next idle deadline, -1 for none.
 */
int		 pl_event_row(struct pipeline *p,
		    const struct proto_record *r, uint64_t lineno,
		    int64_t batch, int64_t row, struct store_event_id *id,
		    struct store_prediction *sp, char **cause);
enum pipeline_result pl_event_windowed(struct pipeline *p,
		    const struct proto_record *r, uint64_t lineno,
		    const char *line, size_t len, char **cause);
enum pipeline_result pl_event_label(struct pipeline *p,
		    const struct proto_record *r, uint64_t lineno,
		    const char *line, size_t len, char **cause);
enum pipeline_result pl_event_tick(struct pipeline *p, char **cause);
enum pipeline_result pl_event_end(struct pipeline *p, char **cause);
int		 pl_event_commit(struct pipeline *p, char **cause);
int		 pl_event_timeout(const struct pipeline *p, int64_t now_ms);

/*
 * Milliseconds between two looks at what falls due us microseconds after
 * it was last touched (held labels' TTL, a dead writer's grace): a
 * quarter of it, clamped to [min_ms, max_ms].
 */
static inline int64_t
pl_quarter_ms(int64_t us, int64_t min_ms, int64_t max_ms)
{
	int64_t	ms = us / 4000;

	return ms < min_ms ? min_ms : ms > max_ms ? max_ms : ms;
}

#endif
