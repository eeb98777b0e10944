/*
 * Following a log file like `tail -F` (docs/PROTOCOL.md, "--follow"):
 * complete lines out, in file order, from a file that writers append to
 * and an operator rotates.
 *
 * - A line is handed out only once its newline is in the file; a writer
 *   mid-write is never seen.
 * - Rotation by rename: when PATH names another file, the old one is read
 *   to its end and until it has been quiet for the grace time (a writer
 *   that opened it before the rename may still append), then PATH is
 *   read from its start.
 * - Truncation (copytruncate): when the file is shorter than what was
 *   read, or the bytes just before the read offset changed, the bytes not
 *   yet read are taken from the copy if a rotated name holds it (same
 *   bytes before the offset), then PATH is read from its start.
 * - A position is (device, inode, offset, line number, hash of the up to
 *   FOLLOW_TAIL bytes before the offset). Resuming from a stored one
 *   looks for the inode under PATH and the rotated names and checks the
 *   hash, so a truncated file that grew back is not mistaken for the old
 *   one; a rotated copy with the same bytes is found by its content.
 *
 * It never stops at end of file. The caller waits on follow_fd() (an
 * inotify descriptor on PATH's directory, or -1) for at most
 * follow_wait_ms() and calls follow_next() again.
 */
#ifndef MLMON_INGEST_FOLLOW_H
#define MLMON_INGEST_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/follow-pos.h"

#define FOLLOW_TAIL	256	/* bytes hashed before an offset */

struct follow;

struct follow_opts {
	const char	*path;
	const char	*rotated;	/* glob of rotated names; NULL: PATH.1 */
	size_t		 line_max;	/* longer lines come out cut */
	int64_t		 grace_ms;	/* quiet time of a rotated file */
};

enum follow_kind {
	FOLLOW_COMPLETE,	/* a line without its newline */
	FOLLOW_TOO_LONG,	/* its first line_max bytes; the rest skipped */
	FOLLOW_CUT,		/* bytes left without a newline at rotation */
};

struct follow_line {
	enum follow_kind  kind;
	const char	 *text;		/* valid until the next call */
	size_t		  len;
	const char	 *name;		/* the file's name when opened */
	int64_t		  lineno;	/* 1-based, in that file */
};

enum follow_status {
	FOLLOW_LINE,
	FOLLOW_WAIT,		/* nothing complete now */
	FOLLOW_ERROR,
};

/*
 * Start following o->path, at resume if given (else at its start). A
 * missing PATH is waited for. *note (caller frees, may stay NULL) says
 * when resume could not be found and PATH is read from its start. NULL
 * with *cause on an error (a directory that cannot be watched or read).
 */
struct follow	*follow_create(const struct follow_opts *o,
		    const struct follow_pos *resume, int64_t now_ms,
		    char **note, char **cause);
void		 follow_destroy(struct follow *f);

/* The next line, or WAIT, or ERROR with *cause (caller frees). */
enum follow_status follow_next(struct follow *f, int64_t now_ms,
		    struct follow_line *out, char **cause);
/* The position just after the last line handed out. */
void		 follow_position(const struct follow *f,
		    struct follow_pos *out);
/* Finishing a rotated file or a copy: lines may be waiting elsewhere. */
bool		 follow_switching(const struct follow *f);
/* A descriptor that becomes readable when the directory changes, or -1. */
int		 follow_fd(const struct follow *f);
/* How long the caller may wait before calling follow_next() again. */
int		 follow_wait_ms(const struct follow *f, int64_t now_ms);

#endif
