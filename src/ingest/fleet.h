/*
 * One mlmon-ingest process carrying several models (docs/PROTOCOL.md,
 * "model"): a pipeline per model over one store connection. A record's
 * "model" (else --model's, else "default") picks its pipeline, created
 * with the model's own settings (its [model "NAME"] section) and alert
 * engine when its first record arrives; the store handle is switched to
 * the pipeline's model before each call into it. Every model's work goes
 * into the one write transaction of each flush (every N rows or T ms of
 * the whole input), and the input position stored with a commit is
 * stored for every model the input carries, so a restart resumes each of
 * them where the last commit stopped.
 *
 * --model's pipeline (the primary) exists from the start, as it did when
 * an ingest carried one model: it delivers pages an earlier run left
 * pending (every other model's go out then too, pages.h) and takes
 * rejected lines that name no model. When another
 * model's record comes first, the primary stays out of the way (no
 * ticks, no commits, nothing stored for it) until a record of its own.
 */
#ifndef MLMON_INGEST_FLEET_H
#define MLMON_INGEST_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ingest/pipeline.h"

struct fleet;
struct follow;
struct follow_pos;
struct ingest_config;
struct store;

/*
 * A model's settings (the primary's file, environment and flags with its
 * [model "NAME"] section); the fleet owns the result (config_finish, free).
 * NULL with *cause.
 */
typedef struct ingest_config *(*fleet_config_fn)(void *arg,
    const char *model, char **cause);

struct fleet_opts {
	struct store			*s;	/* its model: the primary's */
	const struct ingest_config	*cfg;	/* the primary's, borrowed */
	fleet_config_fn			 config_for;
	void				*config_arg;
	FILE				*log;	/* batch lines; NULL quiet */
	FILE				*err;
	const char			*source;	/* "stdin", FILE */
};

/* Caller destroys. The primary's pipeline and alert engine. */
struct fleet	*fleet_create(const struct fleet_opts *o, char **cause);
void		 fleet_destroy(struct fleet *f);
/*
 * Before the first line: the primary's pages left pending by an earlier
 * run and retention's first step (pipeline_start), then every other
 * model's pending pages (pages.h). 0 or -1.
 */
int		 fleet_start(struct fleet *f, char **cause);
/* The name used in "<source>:<line>: <reason>", for every model. */
void		 fleet_set_source(struct fleet *f, const char *source);
/* One input line (without its newline), numbered from 1: as pipeline.h. */
enum pipeline_result fleet_line(struct fleet *f, const char *line,
		    size_t len, uint64_t lineno, int64_t now_ms, char **cause);
/* A line that could not be handed over whole: rejected (the primary's). */
enum pipeline_result fleet_reject(struct fleet *f, uint64_t lineno,
		    const char *reason, const char *text, size_t len,
		    char **cause);
/* End of input for every model, then the commit: as pipeline_end. */
int		 fleet_end(struct fleet *f, char **cause);
/*
 * Stopping early: each model's open batch left for the next start. What
 * was left into left ("; batch 7 is left unjudged ..."). 0 or -1.
 */
int		 fleet_interrupt(struct fleet *f, char *left, size_t size,
		    char **cause);
/* Commit every model's work in one transaction, if there is any. */
int		 fleet_flush(struct fleet *f, char **cause);
/* What is due between lines (pipeline_tick_*), committing as needed. */
int		 fleet_tick(struct fleet *f, int64_t now_ms, char **cause);
/* Milliseconds until the nearest deadline of any model; -1 none. */
int		 fleet_timeout(const struct fleet *f, int64_t now_ms);
/*
 * Name the input whose position each commit stores; read it back (*found,
 * *pos). With --follow (eager) every stored model the input carried is
 * resumed now, so that their idle windows close and their positions move
 * with every commit; without it a model resumes its windows when its
 * first record arrives. 0 or -1.
 */
int		 fleet_resume(struct fleet *f, const char *key, bool eager,
		    int64_t now_ms, struct follow_pos *pos, bool *found,
		    char **cause);
/* The reader whose position each commit stores. */
void		 fleet_set_follow(struct fleet *f, struct follow *r);
/*
 * f, just made (its primary on the store handle), takes over from old,
 * whose open transaction was lost with its connection and the store
 * reconnected: a member for each of old's models, in old's order, with
 * old's committed counts (pipeline_take_over), active and started as in
 * old (pipeline_start again, as a restart would); old's input position
 * key, reader and last line. The lines handed to old since its last
 * commit are to be handed to f again. 0 or -1 (old is left as it was).
 */
int		 fleet_take_over(struct fleet *f, const struct fleet *old,
		    int64_t now_ms, char **cause);
/*
 * Others switch the store handle from now on (a fleet taking over): f
 * points it at a member's model again before its next call into one.
 */
void		 fleet_unselect(struct fleet *f);
/* The latest input line handed over, and the first not committed. */
uint64_t	 fleet_last_line(const struct fleet *f);
uint64_t	 fleet_first_uncommitted(const struct fleet *f);
/*
 * The non-blank lines handed over, across every model (committed: those
 * whose work is committed, pipeline_committed's).
 */
uint64_t	 fleet_lines(const struct fleet *f, bool committed);
/* The sum of every model's counts. */
void		 fleet_stats(const struct fleet *f, struct pipeline_stats *st);
/*
 * The models that took part (the primary only while it did, or alone):
 * their number, and each one's name and counts, in order of arrival.
 */
size_t		 fleet_models(const struct fleet *f);
const char	*fleet_model(const struct fleet *f, size_t i);
const struct pipeline_stats *fleet_model_stats(const struct fleet *f,
		    size_t i);
/* The live progress line is on screen: clear it before printing. */
void		 fleet_set_progress_shown(struct fleet *f, bool shown);

#endif
