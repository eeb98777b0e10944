/*
 * The ingest pipeline: protocol records in, store writes and monitor runs
 * out. It holds the current batch in memory (row-major arrays reused from
 * batch to batch), the reference window until the first data record, and
 * the flush policy (every N rows or T ms of uncommitted work).
 *
 * Counts and batch lines cover committed work only: a failed commit, a
 * transaction SQLite rolled back, or a DB file deleted or replaced under
 * the run is a fatal error that names the input lines not stored.
 *
 * A pipeline is one model's stream (the store handle's model when it was
 * created): ingest/fleet.c keeps one per model on one store connection,
 * selects a pipeline's model on the handle before each call into it, and
 * commits them all in one transaction (the commit steps below).
 *
 * Per record: pipeline_record() returns PIPELINE_OK (accepted),
 * PIPELINE_SKIP (already logged: a replay), PIPELINE_REJECT (reported on
 * the log and in the rejected table) or PIPELINE_FATAL (*cause set; the
 * caller flushes what it can and exits 1).
 */
#ifndef MLMON_INGEST_PIPELINE_H
#define MLMON_INGEST_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct store;
struct alert_engine;
struct ingest_config;
struct pipeline;
struct follow;
struct follow_pos;
struct proto_record;

#define PIPELINE_LINE_MAX	(1024 * 1024)	/* longer lines are refused */

enum pipeline_result {
	PIPELINE_OK,
	PIPELINE_SKIP,
	PIPELINE_REJECT,
	PIPELINE_FATAL,
	PIPELINE_STOP,	/* a stop request undid the line's work; *cause */
};

/* accepted, rows, batches and labelled count committed work only. */
struct pipeline_stats {
	uint64_t	lines;		/* non-blank lines seen */
	uint64_t	accepted;	/* records accepted (rows and others) */
	uint64_t	rows;		/* predictions logged */
	uint64_t	late;		/* of rows: into a judged batch */
	uint64_t	skipped;	/* already logged (replay) */
	uint64_t	rejected;
	uint64_t	batches;	/* closed in this run */
	uint64_t	labelled;	/* label records applied */
	uint64_t	flushes;
	uint64_t	pruned_rows;	/* raw rows deleted (--retain-rows) */
	uint64_t	pruned_batches;	/* batches whose rows all went */
	uint64_t	pruned_reports;	/* reports deleted (--retain-reports) */
	uint64_t	pruned_alerts;	/* alerts deleted (--retain-reports) */
	uint64_t	missing;	/* feature values null, NaN, +-Infinity */
	uint64_t	bare_missing;	/* of which NaN or +-Infinity */
};

/*
 * Caller destroys. The pipeline of s's model (store_model) now. log gets
 * the per-batch lines (NULL: quiet); rejections and warnings always go to
 * err. alert may be NULL (no alerting).
 */
struct pipeline	*pipeline_create(struct store *s,
		    const struct ingest_config *cfg, struct alert_engine *alert,
		    FILE *log, FILE *err, char **cause);
void		 pipeline_destroy(struct pipeline *p);
/*
 * Point the store handle at this pipeline's model (and its categorical
 * dictionary): before every call into it when the handle is shared. Inside
 * a write transaction the model is stored if it is not. 0 or -1.
 */
int		 pipeline_select(struct pipeline *p, char **cause);
const char	*pipeline_model(const struct pipeline *p);
/* Batch lines and warnings start with the model's name ("NAME: "). */
void		 pipeline_name_model(struct pipeline *p, bool on);

/* The alert engine, when it is created after the pipeline (may be NULL). */
void		 pipeline_set_alert(struct pipeline *p,
		    struct alert_engine *alert);
/*
 * Where lines about uncommitted work go (the alert engine's log): they are
 * printed to log after the commit that holds that work, dropped if it
 * fails. NULL when quiet.
 */
FILE		*pipeline_log(struct pipeline *p);
/*
 * Before the first line: deliver alert pages left pending by an earlier
 * run, so a restart retries them whatever its input holds.
 */
int		 pipeline_start(struct pipeline *p, char **cause);

/* Name used in "<source>:<line>: <reason>" (e.g. "stdin", a file path). */
void		 pipeline_set_source(struct pipeline *p, const char *source);

/*
 * One parsed record of this pipeline's model, from input line lineno
 * (line, without its newline; numbered from 1). r's values may be
 * rewritten (categorical codes).
 */
enum pipeline_result pipeline_record(struct pipeline *p,
		    struct proto_record *r, const char *line, size_t len,
		    uint64_t lineno, int64_t now_ms, char **cause);
/* Reject a line that is no record (too long, not parsed). */
enum pipeline_result pipeline_reject(struct pipeline *p, uint64_t lineno,
		    const char *reason, const char *text, size_t len,
		    char **cause);

/*
 * End of input: settle the reference and close the open batch (the
 * caller commits). 0, -1 (*cause), or 1 when a stop request interrupted
 * its judgement (*cause).
 */
int		 pipeline_end(struct pipeline *p, char **cause);
/*
 * Stopping early (a signal): record the open batch, if any (*batch, else
 * -1), as left unjudged (the next start judges it) in the work to
 * commit. 0 or -1.
 */
int		 pipeline_interrupt(struct pipeline *p, int64_t *batch,
		    char **cause);
/* The first input line whose work is not committed yet (0: none). */
uint64_t	 pipeline_uncommitted_line(const struct pipeline *p);
/* Work waits for a commit; mark that it does (its position is stored). */
bool		 pipeline_dirty(const struct pipeline *p);
void		 pipeline_mark_dirty(struct pipeline *p);

/*
 * The counts as of the last commit of input work: its .lines is the
 * number of non-blank lines whose work is committed (pipeline_line
 * counts each non-blank line in .lines before anything else).
 */
const struct pipeline_stats *pipeline_committed(const struct pipeline *p);
/*
 * p takes over from old, whose open transaction was lost (a connection
 * lost inside it, the store reconnected): p's counts are old's committed
 * ones, and the lines handed to old since then are to be handed to p
 * again, in order.
 */
void		 pipeline_take_over(struct pipeline *p,
		    const struct pipeline *old);

/*
 * A commit of the store's write transaction, around store_flush: prepare
 * what goes into it (1: this pipeline has work in it, 0 none, -1 with
 * *cause: its work is lost); once committed, done (the transaction's
 * state) then, after the file was checked, counted; or lost (why taken;
 * file: the DB file was deleted or replaced): nothing more is stored,
 * *cause names the lines to send again (-1; 0 and *cause why when it was
 * lost already). After
 * a commit: retention, the alert outbox, the held lines printed (0 or -1).
 */
int		 pipeline_commit_prepare(struct pipeline *p, char **cause);
void		 pipeline_commit_done(struct pipeline *p, bool had_work);
void		 pipeline_commit_counted(struct pipeline *p, bool had_work);
int		 pipeline_commit_lost(struct pipeline *p, char *why, bool file,
		    char **cause);
int		 pipeline_commit_after(struct pipeline *p, bool had_work,
		    char **cause);
/*
 * Between lines, in this order: the silence alarm (1: pages fired, commit
 * now), the time windows' idle closes and the held labels' TTL, whether
 * the flush deadline (T ms of uncommitted work) has passed,
 * Alertmanager's re-posts. 0 or -1.
 */
int		 pipeline_tick_watch(struct pipeline *p, int64_t now_ms,
		    char **cause);
int		 pipeline_tick_windows(struct pipeline *p, char **cause);
bool		 pipeline_flush_due(const struct pipeline *p, int64_t now_ms);
void		 pipeline_tick_refresh(struct pipeline *p);
/* Milliseconds until the pipeline's next deadline; -1 for none. */
int		 pipeline_timeout(const struct pipeline *p, int64_t now_ms);

/*
 * Name the input (a --follow path, "stdin", a FILE) whose position and
 * windowing state each commit stores; read them back: *found, and *pos
 * for follow_create(). now_ms starts the idle clock of reopened windows.
 * 0 or -1.
 */
int		 pipeline_resume(struct pipeline *p, const char *key,
		    int64_t now_ms, struct follow_pos *pos, bool *found,
		    char **cause);
/* The reader whose position each commit stores (NULL: none). */
void		 pipeline_set_follow(struct pipeline *p, struct follow *f);
const struct pipeline_stats *pipeline_stats(const struct pipeline *p);
/* The live progress line is on screen: clear it before printing. */
void		 pipeline_set_progress_shown(struct pipeline *p, bool shown);

#endif
