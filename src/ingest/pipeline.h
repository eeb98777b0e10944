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
 * Per line: pipeline_line() returns PIPELINE_OK (accepted), PIPELINE_SKIP
 * (already logged: a replay), PIPELINE_REJECT (reported on the log and in
 * the rejected table) or PIPELINE_FATAL (*cause set; the caller flushes
 * what it can and exits 1).
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
 * Caller destroys. log gets the per-batch lines (NULL: quiet); rejections
 * and warnings always go to err. alert may be NULL (no alerting).
 */
struct pipeline	*pipeline_create(struct store *s,
		    const struct ingest_config *cfg, struct alert_engine *alert,
		    FILE *log, FILE *err, char **cause);
void		 pipeline_destroy(struct pipeline *p);

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

/* One input line (without its newline), numbered from 1. */
enum pipeline_result pipeline_line(struct pipeline *p, const char *line,
		    size_t len, uint64_t lineno, int64_t now_ms, char **cause);
/* Reject a line the reader could not hand over whole (too long). */
enum pipeline_result pipeline_reject(struct pipeline *p, uint64_t lineno,
		    const char *reason, const char *text, size_t len,
		    char **cause);

/*
 * End of input: settle the reference and close the open batch. 0, -1
 * (*cause), or 1 when a stop request interrupted its judgement (*cause).
 */
int		 pipeline_end(struct pipeline *p, char **cause);
/*
 * Stopping early (a signal): record the open batch, if any (*batch, else
 * -1), as left unjudged (the next start judges it) in the work to
 * commit. 0 or -1.
 */
int		 pipeline_interrupt(struct pipeline *p, int64_t *batch,
		    char **cause);
/* The latest input line handed over (0: none). */
uint64_t	 pipeline_last_line(const struct pipeline *p);
/* The first input line whose work is not committed yet. */
uint64_t	 pipeline_first_uncommitted(const struct pipeline *p);
/* Commit now if there is uncommitted work. */
int		 pipeline_flush(struct pipeline *p, char **cause);
/* Commit if the T ms deadline has passed. */
int		 pipeline_tick(struct pipeline *p, int64_t now_ms,
		    char **cause);
/* Milliseconds until the flush deadline; -1 when nothing is pending. */
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
