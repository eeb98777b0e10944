/*
 * The input lines of the open write transaction, kept so that they can be
 * handed over again when the transaction is lost with its connection (a
 * PostgreSQL server restarted inside a flush): loop.c notes each line
 * before a pipeline gets it and drops those whose work is committed.
 * Each line is tagged with its number among the non-blank lines
 * across the models (fleet_lines once it is counted), which keeps counting
 * across files (--follow's rotations restart line numbers).
 */
#ifndef MLMON_INGEST_REDO_H
#define MLMON_INGEST_REDO_H

#include <stddef.h>
#include <stdint.h>

/* How the line goes to the pipeline. */
enum redo_kind {
	REDO_LINE,	/* pipeline_line */
	REDO_TOO_LONG,	/* pipeline_reject: longer than the limit */
	REDO_CUT,	/* pipeline_reject: no newline before a rotation */
};

struct redo_line {
	uint64_t	 seq;		/* its number among non-blank lines */
	enum redo_kind	 kind;
	uint64_t	 lineno;	/* in its source */
	char		*source;	/* --follow's file name, or NULL */
	char		*text;
	size_t		 len;
};

struct redo {
	struct redo_line	*v;
	size_t			 head, n, cap;	/* lines v[head..n) */
};

/* Note a line about to be handed over (text copied). */
void		 redo_add(struct redo *r, uint64_t seq, enum redo_kind kind,
		    const char *source, uint64_t lineno, const char *text,
		    size_t len);
/* The line just added was blank: the pipeline did not count it. */
void		 redo_drop_last(struct redo *r);
/* Forget the lines up to seq done (their work is committed). */
void		 redo_trim(struct redo *r, uint64_t done);
/* Lines kept. */
size_t		 redo_count(const struct redo *r);
/* Move r's lines into *out (r is left empty), to be handed over again. */
void		 redo_take(struct redo *r, struct redo *out);
void		 redo_finish(struct redo *r);

#endif
