/*
 * The read loops of mlmon-ingest (loop.h): one poll() loop reads the
 * input into a fixed buffer (lines are bounded by PIPELINE_LINE_MAX; a
 * longer one is rejected and skipped without being buffered), or takes
 * the --follow reader's lines, and watches the pipe the SIGINT/SIGTERM
 * handler writes to (signals.c). Its timeout is the pipelines' nearest
 * deadline: its flush (so uncommitted rows are committed within flush_ms
 * even while the input is idle) or the silence alarm's (--expect-every).
 * A signal ends the loop between two lines (long work inside a line
 * polls the stop flag).
 */
#include "ingest/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "ingest/follow.h"
#include "ingest/fleet.h"
#include "ingest/redo.h"
#include "ingest/signals.h"
#include "prom/prom.h"

#define PROGRESS_MS	250

static const char too_long[] = "line longer than 1048576 bytes";
static const char cut[] = "incomplete line (no newline before the file was "
    "rotated or truncated)";

/*
 * Rewrite the metrics file when a commit closed or labelled a batch since
 * the last rewrite (the counts cover committed work only), or now.
 */
void
loop_metrics(const struct loop *l, bool force)
{
	struct pipeline_stats	 st;
	char			*cause, *shown;

	if (l->metrics == NULL)
		return;
	fleet_stats(l->f, &st);
	if (prom_file_update(l->metrics, st.batches + st.labelled, force,
	    &cause) != 0) {
		shown = sanitize_dup(cause, SIZE_MAX);
		fprintf(stderr, "mlmon-ingest: metrics file: %s\n", shown);
		free(shown);
		free(cause);
	}
}

int
loop_interrupted(struct loop *l, const char *source, const char *why,
    char **cause)
{
	struct pipeline_stats	 st;
	uint64_t		 last;
	char			 left[1024], *msg, *shown;

	fleet_stats(l->f, &st);
	last = st.lines > 0 ? fleet_last_line(l->f) : 0;
	if (fleet_interrupt(l->f, left, sizeof left, cause) != 0)
		return -1;
	/* Cleaned: it names the input file (untrusted text). */
	if (why != NULL)
		msg = xasprintf("%s; %s lines from %llu on were not processed",
		    why, source, (unsigned long long)last);
	else
		msg = xasprintf("interrupted: %s lines after %llu were not "
		    "read%s", source, (unsigned long long)last, left);
	shown = sanitize_dup(msg, SIZE_MAX);
	fprintf(stderr, "mlmon-ingest: %s\n", shown);
	free(shown);
	free(msg);
	return 0;
}

int64_t
loop_now_ms(void)
{
	return (int64_t)(clock_mono() * 1000.0);
}

static void
progress(struct fleet *f, int64_t start, int64_t now)
{
	struct pipeline_stats	st;
	double			secs;

	fleet_stats(f, &st);
	secs = (double)(now - start) / 1000;
	fprintf(stderr, "\r\033[K%llu rows, %llu skipped, %llu rejected, "
	    "%llu batches, %.0f rows/s", (unsigned long long)st.rows,
	    (unsigned long long)st.skipped,
	    (unsigned long long)st.rejected,
	    (unsigned long long)st.batches,
	    secs > 0 ? (double)st.rows / secs : 0.0);
	fleet_set_progress_shown(f, true);
}

/*
 * A line to the pipelines as kind says (source: --follow's file, else
 * NULL), noted first in l->redo when it is kept: a blank line is not (no
 * pipeline counts it), a line that failed before any pipeline counted it
 * is (switching the store handle to its model can meet a lost
 * connection: the line is still to do).
 */
static enum pipeline_result
hand(struct loop *l, enum redo_kind kind, const char *source,
    uint64_t lineno, const char *text, size_t len, int64_t now,
    char **cause)
{
	struct fleet		*f = l->f;
	uint64_t		 n = fleet_lines(f, false);
	enum pipeline_result	 res;

	if (l->redo != NULL)
		redo_add(l->redo, n + 1, kind, source, lineno, text, len);
	if (source != NULL)
		fleet_set_source(f, source);
	if (kind == REDO_LINE)
		res = fleet_line(f, text, len, lineno, now, cause);
	else
		res = fleet_reject(f, lineno, kind == REDO_CUT ? cut :
		    too_long, text, len, cause);
	if (l->redo != NULL && res != PIPELINE_FATAL &&
	    fleet_lines(f, false) == n)
		redo_drop_last(l->redo);
	return res;
}

/* After a line or a tick: where a signal would stop, what is committed. */
static void
settle(struct loop *l)
{
	signals_note(fleet_first_uncommitted(l->f));
	if (l->redo != NULL)
		redo_trim(l->redo, fleet_lines(l->f, true));
}

/*
 * One input line without its terminator to the pipelines: a CR before the
 * LF belongs to the terminator (so the length limit is the same for CRLF
 * and LF), and a UTF-8 byte order mark opening the input is not content.
 */
static enum pipeline_result
line_in(struct loop *l, const char *line, size_t len, uint64_t lineno,
    int64_t now, char **cause)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	return hand(l, REDO_LINE, NULL, lineno, line, len, now, cause);
}

/* The input buffer of read_loop: a longest line, its CR and its LF. */
struct reader {
	char		 buf[PIPELINE_LINE_MAX + 2];
	size_t		 end;		/* bytes in buf */
	uint64_t	 lineno;	/* lines handed over */
	bool		 discarding;	/* the rest of a too long line */
};

/*
 * The whole lines in rd's buffer to the pipelines; a full buffer without a
 * newline is a too long line, rejected and skipped. LOOP_EOF: go on.
 */
static enum loop_stop
reader_lines(struct reader *rd, struct loop *l, int64_t now, char **cause)
{
	enum pipeline_result	 res = PIPELINE_OK;
	enum loop_stop		 stop = LOOP_EOF;
	size_t			 pos = 0, len;
	char			*line, *nl;
	bool			 skip;

	while ((nl = memchr(rd->buf + pos, '\n', rd->end - pos)) != NULL) {
		if (stop_requested()) {
			stop = LOOP_SIGNAL;
			break;
		}
		/* Handed over, done or not: a next call goes on after it. */
		line = rd->buf + pos;
		len = (size_t)(nl - line);
		pos += len + 1;
		rd->lineno++;
		skip = rd->discarding;
		rd->discarding = false;
		if (!skip && (res = line_in(l, line, len, rd->lineno, now,
		    cause)) == PIPELINE_FATAL)
			stop = LOOP_FATAL;
		else if (res == PIPELINE_STOP)
			stop = LOOP_JUDGING;
		if (stop != LOOP_EOF)
			break;
		settle(l);
	}
	if (pos > 0) {
		memmove(rd->buf, rd->buf + pos, rd->end - pos);
		rd->end -= pos;
	}
	if (stop == LOOP_EOF && rd->end == sizeof rd->buf) {
		/* No newline in a full buffer: too long. */
		skip = rd->discarding;
		rd->discarding = true;
		rd->end = 0;
		if (!skip && hand(l, REDO_TOO_LONG, NULL, rd->lineno + 1,
		    rd->buf, sizeof rd->buf, now, cause) == PIPELINE_FATAL)
			return LOOP_FATAL;
	}
	return stop;
}

/*
 * Read lines from fd into the pipelines until end of input, a signal or a
 * fatal error (*cause).
 */
static enum loop_stop
read_loop(struct loop *l, char **cause)
{
	struct fleet		*f = l->f;
	static struct reader	 rd;
	struct pollfd		 pfd[2];
	int64_t			 now, last_progress = 0;
	int			 timeout, n;
	enum pipeline_result	 res;
	enum loop_stop		 stop;
	ssize_t			 got;
	size_t			 len;

	for (;;) {
		now = loop_now_ms();
		timeout = fleet_timeout(f, now);
		if (l->show_progress &&
		    (timeout < 0 || timeout > PROGRESS_MS))
			timeout = PROGRESS_MS;
		pfd[0].fd = l->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = l->sfd;
		pfd[1].events = POLLIN;
		n = poll(pfd, l->sfd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR) {
			*cause = xasprintf("poll: %s", strerror(errno));
			return LOOP_FATAL;
		}
		now = loop_now_ms();
		if (stop_requested())
			return LOOP_SIGNAL;
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			got = read(l->fd, rd.buf + rd.end,
			    sizeof rd.buf - rd.end);
			if (got < 0 && errno != EINTR && errno != EAGAIN) {
				*cause = xasprintf("read: %s", strerror(errno));
				return LOOP_FATAL;
			}
			if (got == 0)
				break;
			if (got > 0)
				rd.end += (size_t)got;
			if ((stop = reader_lines(&rd, l, now, cause)) !=
			    LOOP_EOF)
				return stop;
		}
		if (fleet_tick(f, now, cause) != 0)
			return LOOP_FATAL;
		settle(l);
		loop_metrics(l, false);
		if (l->show_progress && now - last_progress >= PROGRESS_MS) {
			progress(f, l->start, now);
			last_progress = now;
		}
	}
	/* A last line without its newline (handed over once). */
	if (rd.end > 0 && !rd.discarding) {
		len = rd.end;
		rd.end = 0;
		rd.lineno++;
		res = line_in(l, rd.buf, len, rd.lineno, loop_now_ms(),
		    cause);
		if (res == PIPELINE_FATAL)
			return LOOP_FATAL;
		if (res == PIPELINE_STOP)
			return LOOP_JUDGING;
	}
	return LOOP_EOF;
}

/* One line from the follow reader into the pipelines. */
static enum pipeline_result
follow_line(struct loop *lp, const struct follow_line *l, int64_t now,
    char **cause)
{
	return hand(lp, l->kind == FOLLOW_COMPLETE ? REDO_LINE :
	    l->kind == FOLLOW_CUT ? REDO_CUT : REDO_TOO_LONG, l->name,
	    (uint64_t)l->lineno, l->text, l->len, now, cause);
}

/* --follow: lines as they are appended, until a signal or a fatal error. */
static enum loop_stop
follow_loop(struct loop *lp, char **cause)
{
	struct fleet		*fl = lp->f;
	struct follow		*f = lp->follow;
	struct follow_line	 l;
	enum follow_status	 st = FOLLOW_WAIT;
	enum pipeline_result	 res;
	struct pollfd		 pfd[2];
	int64_t			 now;
	int			 timeout, wait, k;

	for (;;) {
		now = loop_now_ms();
		for (k = 0; k < 1024; k++) {
			if (stop_requested())
				return LOOP_SIGNAL;
			st = follow_next(f, now, &l, cause);
			if (st != FOLLOW_LINE)
				break;
			res = follow_line(lp, &l, now, cause);
			if (res == PIPELINE_FATAL)
				return LOOP_FATAL;
			if (res == PIPELINE_STOP)
				return LOOP_JUDGING;
			settle(lp);
		}
		if (st == FOLLOW_ERROR)
			return LOOP_FATAL;
		if (fleet_tick(fl, now, cause) != 0)
			return LOOP_FATAL;
		settle(lp);
		loop_metrics(lp, false);
		timeout = fleet_timeout(fl, now);
		wait = follow_wait_ms(f, now);
		if (st == FOLLOW_LINE)
			timeout = 0;	/* more to read: only look at signals */
		else if (timeout < 0 || wait < timeout)
			timeout = wait;
		pfd[0].fd = lp->sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = follow_fd(f);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			*cause = xasprintf("poll: %s", strerror(errno));
			return LOOP_FATAL;
		}
		if (stop_requested())
			return LOOP_SIGNAL;
	}
}

enum loop_stop
loop_redo(struct loop *l, char **cause)
{
	struct redo		 old;
	const struct redo_line	*r;
	enum pipeline_result	 res = PIPELINE_OK;
	uint64_t		 seq;
	size_t			 i;

	redo_take(l->redo, &old);
	for (i = old.head; i < old.n; i++) {
		r = &old.v[i];
		if (res == PIPELINE_FATAL || res == PIPELINE_STOP ||
		    stop_requested()) {
			/* Not handed over: still to do. */
			seq = fleet_lines(l->f, false) + 1 +
			    redo_count(l->redo);
			redo_add(l->redo, seq, r->kind, r->source, r->lineno,
			    r->text, r->len);
			continue;
		}
		res = hand(l, r->kind, r->source, r->lineno, r->text, r->len,
		    loop_now_ms(), cause);
		settle(l);
	}
	redo_finish(&old);
	if (res == PIPELINE_FATAL)
		return LOOP_FATAL;
	if (res == PIPELINE_STOP)
		return LOOP_JUDGING;
	return stop_requested() ? LOOP_SIGNAL : LOOP_EOF;
}

enum loop_stop
loop_run(struct loop *l, char **cause)
{
	if (l->start == 0)
		l->start = loop_now_ms();
	if (l->follow != NULL)
		return follow_loop(l, cause);
	return read_loop(l, cause);
}
