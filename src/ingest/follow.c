/*
 * The --follow reader of follow.h.
 *
 * Data model: one open file at a time (fd, its device and inode) and a
 * buffer of its bytes. buf[start, end) are read but not handed out;
 * buf[0, start) are the bytes just before `off` (the offset of
 * buf[start]), kept across compactions up to FOLLOW_TAIL of them, so the
 * position's hash and the "did this file change under us" check need no
 * extra read. Reads use pread at off + (end - start), so the descriptor's
 * own offset never matters.
 *
 * States: LIVE reads the file PATH names; ROTATED finishes a file that
 * PATH no longer names until it has been quiet for grace_ms; COPY reads
 * the rest of a truncated file from the copy a rotated name holds. Bytes
 * left without a newline when a file is left come out once as a CUT line.
 */
#include "ingest/follow.h"

#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/xalloc.h"

#define READ_CHUNK	65536
#define WAIT_WATCHED_MS	1000	/* inotify wakes us; this is a safety net */
#define WAIT_BLIND_MS	50	/* no inotify: poll the file */

enum state {
	ST_LIVE,
	ST_ROTATED,
	ST_COPY,
};

/* What read_more() found. */
enum got {
	GOT_BYTES,
	GOT_EOF,
	GOT_CHANGED,	/* the bytes before the read offset are not ours */
	GOT_ERROR,
};

struct follow {
	char		*path;
	char		*rotated;	/* glob, or NULL for PATH.1 */
	size_t		 line_max;
	int64_t		 grace_ms;
	int		 ifd;		/* inotify, or -1 */

	int		 fd;		/* -1: waiting for PATH */
	char		*name;		/* as opened */
	uint64_t	 dev;
	uint64_t	 ino;
	enum state	 state;
	int64_t		 quiet_since;	/* ROTATED: last growth or switch */
	int64_t		 now;		/* the caller's clock, ms */
	int64_t		 mtime_ns;	/* of the file when opened */
	bool		 at_eof;

	char		*buf;
	size_t		 cap;
	size_t		 start;
	size_t		 end;
	int64_t		 off;		/* file offset of buf[start] */
	int64_t		 lineno;	/* lines handed out in this file */
	bool		 discarding;	/* inside a too-long line */
	struct follow_pos held;		/* position before that line */

	char		*cut;		/* a CUT line's bytes and name */
	size_t		 cut_size;
	char		*cut_name;
};

static uint64_t
tail_hash(const char *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

/* How long ago the file was last written, ms (0 if in the future). */
static int64_t
quiet_ms(const struct stat *sb)
{
	double	age;

	age = (clock_wall() - (double)sb->st_mtim.tv_sec -
	    (double)sb->st_mtim.tv_nsec / 1e9) * 1000;
	return age > 0 ? (int64_t)age : 0;
}

static void
close_file(struct follow *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->start = f->end = 0;
	f->off = 0;
	f->lineno = 0;
	f->at_eof = false;
	f->discarding = false;
}

/*
 * Open path at offset with the k bytes before it prefilled. False if it
 * cannot be opened (errno set) or those bytes cannot be read.
 */
static bool
open_file(struct follow *f, const char *path, int64_t offset,
    enum state state)
{
	struct stat	 sb;
	size_t		 k;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	k = offset < FOLLOW_TAIL ? (size_t)offset : FOLLOW_TAIL;
	if (fstat(fd, &sb) != 0 || (k > 0 && pread(fd, f->buf, k,
	    offset - (int64_t)k) != (ssize_t)k)) {
		close(fd);
		return false;
	}
	close_file(f);
	f->fd = fd;
	free(f->name);
	f->name = xstrdup(path);
	f->dev = (uint64_t)sb.st_dev;
	f->ino = (uint64_t)sb.st_ino;
	f->state = state;
	f->start = f->end = k;
	f->off = offset;
	f->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
	    sb.st_mtim.tv_nsec;
	f->quiet_since = f->now - quiet_ms(&sb);
	return true;
}

/* Read more of the current file into the buffer. */
static enum got
read_more(struct follow *f, int64_t now)
{
	char		 tmp[FOLLOW_TAIL];
	size_t		 keep, k;
	int64_t		 at = f->off + (int64_t)(f->end - f->start);
	ssize_t		 got;

	if (f->cap - f->end < READ_CHUNK / 2) {
		keep = f->start < FOLLOW_TAIL ? f->start : FOLLOW_TAIL;
		memmove(f->buf, f->buf + f->start - keep,
		    f->end - f->start + keep);
		f->end -= f->start - keep;
		f->start = keep;
	}
	/* After an idle spell, check the file still holds our bytes. */
	k = f->end < FOLLOW_TAIL ? f->end : FOLLOW_TAIL;
	if (f->at_eof && k > 0 && (pread(f->fd, tmp, k, at - (int64_t)k) !=
	    (ssize_t)k || memcmp(tmp, f->buf + f->end - k, k) != 0))
		return GOT_CHANGED;
	do
		got = pread(f->fd, f->buf + f->end, f->cap - f->end, at);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return GOT_ERROR;
	f->at_eof = got == 0;
	if (got == 0)
		return GOT_EOF;
	f->end += (size_t)got;
	if (f->state == ST_ROTATED)
		f->quiet_since = now;
	return GOT_BYTES;
}

/* Hand out the next line in the buffer, if there is one. */
static bool
take_line(struct follow *f, struct follow_line *out)
{
	char	*nl;
	size_t	 len;

	if (f->discarding) {
		nl = memchr(f->buf + f->start, '\n', f->end - f->start);
		len = nl != NULL ? (size_t)(nl - (f->buf + f->start)) + 1 :
		    f->end - f->start;
		f->start += len;
		f->off += (int64_t)len;
		if (nl == NULL)
			return false;
		f->discarding = false;
	}
	out->text = f->buf + f->start;
	out->name = f->name;
	nl = memchr(f->buf + f->start, '\n', f->end - f->start);
	if (nl != NULL) {
		out->kind = FOLLOW_COMPLETE;
		out->len = (size_t)(nl - (f->buf + f->start));
		out->lineno = ++f->lineno;
		f->start += out->len + 1;
		f->off += (int64_t)out->len + 1;
		return true;
	}
	if (f->end - f->start < f->line_max)
		return false;
	follow_position(f, &f->held);
	out->kind = FOLLOW_TOO_LONG;
	out->len = f->line_max;
	out->lineno = ++f->lineno;
	f->off += (int64_t)(f->end - f->start);
	f->start = f->end;
	f->discarding = true;
	return true;
}

/*
 * Leave the current file for path at offset 0 (or keep waiting for it).
 * Bytes left without a newline come out as a CUT line: true and *out.
 */
static bool
leave_file(struct follow *f, const char *path, struct follow_line *out)
{
	size_t	 n = f->discarding ? 0 : f->end - f->start;
	bool	 cut = n > 0;

	if (cut) {
		if (n > f->line_max)
			n = f->line_max;
		if (f->cut_size < n) {
			free(f->cut);
			f->cut = xmalloc(n);
			f->cut_size = n;
		}
		memcpy(f->cut, f->buf + f->start, n);
		free(f->cut_name);
		f->cut_name = xstrdup(f->name);
		out->kind = FOLLOW_CUT;
		out->text = f->cut;
		out->len = n;
		out->name = f->cut_name;
		out->lineno = f->lineno + 1;
	}
	close_file(f);
	if (!open_file(f, path, 0, strcmp(path, f->path) == 0 ? ST_LIVE :
	    ST_ROTATED))
		f->fd = -1;
	return cut;
}

/* The rotated names that exist, as a glob result (caller globfree()s). */
static void
rotated_names(const struct follow *f, glob_t *g)
{
	char	*one;

	memset(g, 0, sizeof *g);
	if (f->rotated != NULL) {
		if (glob(f->rotated, 0, NULL, g) != 0)
			globfree(g);
		return;
	}
	one = xasprintf("%s.1", f->path);
	g->gl_pathv = xcalloc(2, sizeof *g->gl_pathv);
	if (access(one, F_OK) == 0) {
		g->gl_pathv[0] = one;
		g->gl_pathc = 1;
	} else
		free(one);
}

static void
rotated_free(const struct follow *f, glob_t *g)
{
	if (f->rotated != NULL) {
		globfree(g);
		return;
	}
	free(g->gl_pathv[0]);
	free(g->gl_pathv);
}

/* Whether name holds, just before offset, the n bytes at want. */
static bool
same_bytes_at(const char *name, int64_t offset, const char *want, size_t n)
{
	char	 tmp[FOLLOW_TAIL];
	bool	 same;
	int	 fd;

	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	same = pread(fd, tmp, n, offset - (int64_t)n) == (ssize_t)n &&
	    memcmp(tmp, want, n) == 0;
	close(fd);
	return same;
}

/*
 * The file to read after a rotated file or a copy: the oldest rotated
 * name written after it (a second rotation, or the copy a copytruncate
 * made of PATH while we finished this one), else PATH. Caller frees.
 */
static char *
successor(struct follow *f)
{
	glob_t		 g;
	struct stat	 sb;
	char		*best = NULL;
	int64_t		 m, best_m = INT64_MAX;
	size_t		 i;

	rotated_names(f, &g);
	for (i = 0; i < g.gl_pathc; i++) {
		if (stat(g.gl_pathv[i], &sb) != 0 ||
		    (uint64_t)sb.st_ino == f->ino)
			continue;
		m = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
		    sb.st_mtim.tv_nsec;
		if (m > f->mtime_ns && m < best_m) {
			best_m = m;
			free(best);
			best = xstrdup(g.gl_pathv[i]);
		}
	}
	rotated_free(f, &g);
	return best != NULL ? best : xstrdup(f->path);
}

/*
 * The current file was truncated or rewritten: read what we had not yet
 * read from a rotated copy holding the same bytes, else restart PATH.
 */
static bool
truncated(struct follow *f, struct follow_line *out)
{
	glob_t	 g;
	size_t	 i, k = f->end < FOLLOW_TAIL ? f->end : FOLLOW_TAIL;
	int64_t	 at = f->off + (int64_t)(f->end - f->start);
	struct stat sb;
	int	 fd;

	rotated_names(f, &g);
	for (i = 0; k > 0 && i < g.gl_pathc; i++) {
		if (stat(g.gl_pathv[i], &sb) != 0 ||
		    (uint64_t)sb.st_ino == f->ino || sb.st_size < at ||
		    !same_bytes_at(g.gl_pathv[i], at, f->buf + f->end - k, k))
			continue;
		fd = open(g.gl_pathv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* Same bytes, same offsets: keep the buffer, swap files. */
		close(f->fd);
		f->fd = fd;
		f->dev = (uint64_t)sb.st_dev;
		f->ino = (uint64_t)sb.st_ino;
		free(f->name);
		f->name = xstrdup(g.gl_pathv[i]);
		f->state = ST_COPY;
		f->at_eof = false;
		f->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 +
		    sb.st_mtim.tv_nsec;
		rotated_free(f, &g);
		return false;
	}
	rotated_free(f, &g);
	return leave_file(f, f->path, out);
}

/*
 * At the end of what the current file holds: wait, or move on (rotation,
 * truncation, a finished copy). LINE with *out for a CUT line.
 */
static enum follow_status
at_end(struct follow *f, int64_t now, struct follow_line *out, bool *moved)
{
	struct stat	sb;

	*moved = false;
	if (f->state == ST_COPY ||
	    (f->state == ST_ROTATED && now - f->quiet_since >= f->grace_ms)) {
		char	*next = successor(f);
		bool	 cut;

		*moved = true;
		cut = leave_file(f, next, out);
		free(next);
		return cut ? FOLLOW_LINE : FOLLOW_WAIT;
	}
	if (f->state == ST_ROTATED)
		return FOLLOW_WAIT;
	if (fstat(f->fd, &sb) == 0 &&
	    sb.st_size < f->off + (int64_t)(f->end - f->start)) {
		*moved = true;
		return truncated(f, out) ? FOLLOW_LINE : FOLLOW_WAIT;
	}
	if (stat(f->path, &sb) != 0 || ((uint64_t)sb.st_dev == f->dev &&
	    (uint64_t)sb.st_ino == f->ino))
		return FOLLOW_WAIT;
	f->state = ST_ROTATED;
	f->quiet_since = now;
	*moved = true;
	return FOLLOW_WAIT;
}

static void
drain_inotify(struct follow *f)
{
	char	 ev[4096] __attribute__((aligned(8)));

	if (f->ifd >= 0)
		while (read(f->ifd, ev, sizeof ev) > 0)
			;
}

/*
 * Whether name holds pos: the same inode (any file when by_content), at
 * least offset bytes, and the stored hash of the bytes before it.
 */
static bool
holds(const char *name, const struct follow_pos *pos, bool by_content)
{
	char		 tmp[FOLLOW_TAIL];
	struct stat	 sb;
	size_t		 k;
	bool		 ok;
	int		 fd;

	k = pos->offset < FOLLOW_TAIL ? (size_t)pos->offset : FOLLOW_TAIL;
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = fstat(fd, &sb) == 0 && (by_content ||
	    ((uint64_t)sb.st_dev == pos->dev &&
	    (uint64_t)sb.st_ino == pos->ino)) && sb.st_size >= pos->offset &&
	    pread(fd, tmp, k, pos->offset - (int64_t)k) == (ssize_t)k &&
	    tail_hash(tmp, k) == pos->hash;
	close(fd);
	return ok;
}

/* Open the file holding pos: PATH, a rotated name, or a rotated copy. */
static bool
resume_at(struct follow *f, const struct follow_pos *pos)
{
	glob_t	 g;
	size_t	 i;
	bool	 found = false;

	if (holds(f->path, pos, false))
		found = open_file(f, f->path, pos->offset, ST_LIVE);
	rotated_names(f, &g);
	for (i = 0; !found && i < g.gl_pathc; i++)
		if (holds(g.gl_pathv[i], pos, false))
			found = open_file(f, g.gl_pathv[i], pos->offset,
			    ST_ROTATED);
	for (i = 0; !found && pos->offset > 0 && i < g.gl_pathc; i++)
		if (holds(g.gl_pathv[i], pos, true))
			found = open_file(f, g.gl_pathv[i], pos->offset,
			    ST_COPY);
	rotated_free(f, &g);
	if (found)
		f->lineno = pos->line;
	return found;
}

/* Watch PATH's directory; -1 without inotify. False if it is missing. */
static bool
watch_dir(struct follow *f, char **cause)
{
	const char	*slash = strrchr(f->path, '/');
	char		*dir;
	bool		 ok = true;

	dir = slash == NULL ? xstrdup(".") : slash == f->path ? xstrdup("/") :
	    xstrndup(f->path, (size_t)(slash - f->path));
	f->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->ifd >= 0 && inotify_add_watch(f->ifd, dir, IN_MODIFY |
	    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
	    IN_CLOSE_WRITE | IN_ATTRIB) < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES) {
			*cause = xasprintf("%s: %s", dir, strerror(errno));
			ok = false;
		}
		close(f->ifd);
		f->ifd = -1;	/* out of watches: poll instead */
	}
	free(dir);
	return ok;
}

enum follow_status
follow_next(struct follow *f, int64_t now, struct follow_line *out,
    char **cause)
{
	enum follow_status	st;
	bool			moved;

	f->now = now;
	drain_inotify(f);
	for (;;) {
		if (f->fd < 0 && !open_file(f, f->path, 0, ST_LIVE))
			return FOLLOW_WAIT;
		if (take_line(f, out))
			return FOLLOW_LINE;
		switch (read_more(f, now)) {
		case GOT_BYTES:
			continue;
		case GOT_ERROR:
			*cause = xasprintf("%s: %s", f->name, strerror(errno));
			return FOLLOW_ERROR;
		case GOT_CHANGED:
			if (truncated(f, out))
				return FOLLOW_LINE;
			continue;
		case GOT_EOF:
			break;
		}
		st = at_end(f, now, out, &moved);
		if (st == FOLLOW_LINE || !moved)
			return st;
	}
}

void
follow_position(const struct follow *f, struct follow_pos *out)
{
	size_t	k = f->start < FOLLOW_TAIL ? f->start : FOLLOW_TAIL;

	if (f->discarding) {
		*out = f->held;
		return;
	}
	out->dev = f->fd >= 0 ? f->dev : 0;
	out->ino = f->fd >= 0 ? f->ino : 0;
	out->offset = f->off;
	out->line = f->lineno;
	out->hash = tail_hash(f->buf + f->start - k, k);
}

bool
follow_switching(const struct follow *f)
{
	return f->state != ST_LIVE;
}

int
follow_fd(const struct follow *f)
{
	return f->ifd;
}

int
follow_wait_ms(const struct follow *f, int64_t now)
{
	int64_t	wait = f->ifd >= 0 ? WAIT_WATCHED_MS : WAIT_BLIND_MS;
	int64_t	left;

	if (f->state == ST_ROTATED) {
		left = f->quiet_since + f->grace_ms - now;
		if (left < wait)
			wait = left > 0 ? left : 0;
	}
	return (int)wait;
}

struct follow *
follow_create(const struct follow_opts *o, const struct follow_pos *resume,
    int64_t now, char **note, char **cause)
{
	struct follow	*f;

	f = xcalloc(1, sizeof *f);
	f->path = xstrdup(o->path);
	f->rotated = o->rotated != NULL ? xstrdup(o->rotated) : NULL;
	f->line_max = o->line_max;
	f->grace_ms = o->grace_ms;
	f->fd = -1;
	f->now = now;
	f->cap = o->line_max + FOLLOW_TAIL + READ_CHUNK;
	f->buf = xmalloc(f->cap);
	if (!watch_dir(f, cause)) {
		follow_destroy(f);
		return NULL;
	}
	if (resume != NULL && (resume->ino != 0 || resume->offset != 0) &&
	    !resume_at(f, resume))
		*note = xasprintf("%s: the stored position (inode %llu, "
		    "offset %lld, line %lld) is in no file under this name "
		    "or a rotated name: reading it from its start", f->path,
		    (unsigned long long)resume->ino,
		    (long long)resume->offset, (long long)resume->line);
	if (f->fd < 0 && !open_file(f, f->path, 0, ST_LIVE) &&
	    errno != ENOENT) {
		*cause = xasprintf("%s: %s", f->path, strerror(errno));
		follow_destroy(f);
		return NULL;
	}
	return f;
}

void
follow_destroy(struct follow *f)
{
	if (f == NULL)
		return;
	close_file(f);
	if (f->ifd >= 0)
		close(f->ifd);
	free(f->path);
	free(f->rotated);
	free(f->name);
	free(f->buf);
	free(f->cut);
	free(f->cut_name);
	free(f);
}
