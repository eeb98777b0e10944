/*
 * The read loops of mlmon-ingest: the input (stdin, a FILE, or a --follow
 * reader) into the models' pipelines (fleet.h) line by line, with what is
 * due between lines: the pipelines' ticks (flush deadline, silence alarm,
 * idle windows), the metrics file and the progress line.
 */
#ifndef MLMON_INGEST_LOOP_H
#define MLMON_INGEST_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct fleet;
struct follow;
struct prom_file;
struct redo;

/* What ended the loop. */
enum loop_stop {
	LOOP_EOF,
	LOOP_SIGNAL,
	LOOP_JUDGING,	/* a signal interrupted a judgement; *cause */
	LOOP_FATAL,
};

struct loop {
	struct fleet		*f;	/* the models' pipelines */
	int			 fd;		/* input when follow is NULL */
	int			 sfd;		/* signals.c's pipe; -1 none */
	struct follow		*follow;	/* --follow's reader, or NULL */
	struct prom_file	*metrics;	/* --metrics-file, or NULL */
	bool			 show_progress;	/* a progress line on stderr */
	int64_t			 start;		/* ms (loop_now_ms) */
	/*
	 * The lines of the open transaction, kept to be handed over again
	 * if it is lost with its connection (PostgreSQL); NULL: not kept.
	 */
	struct redo		*redo;
};

/*
 * Read until end of input, a signal or a fatal error (*cause); called
 * again (after loop_redo), it goes on where it stopped.
 */
enum loop_stop	loop_run(struct loop *l, char **cause);
/*
 * Hand the lines of the lost transaction (l->redo) to l->f, a fleet that
 * took over (fleet_take_over): LOOP_EOF when all went (reading
 * goes on with loop_run), else what stopped it (lines not handed over
 * stay in l->redo).
 */
enum loop_stop	loop_redo(struct loop *l, char **cause);
/*
 * Rewrite the metrics file when a commit closed or labelled a batch since
 * the last rewrite (the counts cover committed work only), or now (force).
 */
void		loop_metrics(const struct loop *l, bool force);
/*
 * A signal stopped the run: record each model's open batch as left for
 * the next start, and say on stderr where the input (named source)
 * stopped being read: after the last line handed over, or at it when the
 * signal interrupted the judgement it started (why). 0 or -1 (*cause).
 */
int		loop_interrupted(struct loop *l, const char *source,
		    const char *why, char **cause);
/* The monotonic clock in ms, the pipeline's. */
int64_t		loop_now_ms(void);

#endif
