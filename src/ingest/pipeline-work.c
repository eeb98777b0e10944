/*
 * The work of the open write transaction: which input lines and batches
 * it holds and what it counts (accepted, rows, batches, labelled), the
 * lines printed about it (held in a memstream until the commit), the
 * rejected lines it records, and what happens to it: committed (counted),
 * lost (a failed commit or a rollback: dropped, the cause names the lines
 * to send again) or written to a file that is gone (store_file_check).
 * The lowest piece of the pipeline: every other pipeline file calls down
 * into it, it calls none of them but the detector cache.
 */
#include "ingest/pipeline-internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/pipeline-detectors.h"
#include "ingest/proto.h"

static void
say_clear(struct pipeline *p, FILE *f)
{
	if (p->progress_shown) {
		fputs("\r\033[K", f);
		p->progress_shown = false;
	}
}

void
pl_warn(struct pipeline *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*m;

	say_clear(p, p->err);
	va_start(ap, fmt);
	m = sanitize_vformat(fmt, ap);
	va_end(ap);
	fprintf(p->err, "mlmon-ingest: %s%s\n", p->named ? p->tag : "", m);
	free(m);
}

void
pl_mark_dirty(struct pipeline *p)
{
	if (!p->dirty) {
		p->dirty = true;
		p->dirty_since = p->now;
	}
}

/* One more record accepted (counted once committed). */
void
pl_accepted(struct pipeline *p)
{
	p->pend.accepted++;
}

/* Labels were applied to batch. */
void
pl_labels_applied(struct pipeline *p, int64_t batch)
{
	p->pend.labelled++;
	pl_touch(p, batch);
}

/* Batch was judged (closed) in the open transaction. */
void
pl_batch_judged(struct pipeline *p, int64_t batch)
{
	pl_mark_dirty(p);
	pl_touch(p, batch);
	p->pend.batches++;
}

/* Batch `batch` has work in the open transaction. */
void
pl_touch(struct pipeline *p, int64_t batch)
{
	if (p->batch_lo < 0 || batch < p->batch_lo)
		p->batch_lo = batch;
	if (batch > p->batch_hi)
		p->batch_hi = batch;
}

/*
 * The held lines, each cleaned (they quote feature names), after tag
 * ("NAME: " when lines name the model, else "").
 */
static void
held_print(const char *buf, size_t len, const char *tag, FILE *out)
{
	const char *end;
	char *line, *clean;

	while (len > 0) {
		end = memchr(buf, '\n', len);
		if (end == NULL)
			end = buf + len;
		line = xstrndup(buf, (size_t)(end - buf));
		clean = sanitize_dup(line, SIZE_MAX);
		fprintf(out, "%s%s\n", tag, clean);
		free(clean);
		free(line);
		len -= (size_t)(end - buf) + (end < buf + len);
		buf = end + 1;
	}
}

/* Print the held lines (committed work) to out, or drop them. */
void
pl_held_release(struct pipeline *p, bool print)
{
	if (p->log == NULL)
		return;
	fflush(p->log);
	if (print && p->log_len > 0) {
		say_clear(p, p->out);
		held_print(p->log_buf, p->log_len, p->named ? p->tag : "",
		    p->out);
		fflush(p->out);
	}
	/* The next lines overwrite these (the length follows the position). */
	rewind(p->log);
}

enum pipeline_result
pl_fatal(char **cause, char *why, const char *what)
{
	*cause = xasprintf("%s: %s", what, why != NULL ? why : "failed");
	free(why);
	return PIPELINE_FATAL;
}

enum pipeline_result
pl_reject(struct pipeline *p, uint64_t lineno, const char *reason,
    const char *text, size_t len, char **cause)
{
	char	*why = NULL, *src, *why_shown;

	say_clear(p, p->err);
	/* The source is a file name from the command line: untrusted. */
	src = sanitize_dup(p->source, SIZE_MAX);
	why_shown = sanitize_dup(reason, SIZE_MAX);
	fprintf(p->err, "%s:%llu: %s\n", src, (unsigned long long)lineno,
	    why_shown);
	free(why_shown);
	free(src);
	p->st.rejected++;
	if (store_reject_add(p->s, p->source, lineno, reason, text, len,
	    &why) != 0)
		return pl_fatal(cause, why, "recording a rejected line");
	pl_mark_dirty(p);
	return PIPELINE_REJECT;
}

/*
 * What store_prediction_add answered for line lineno: a new or late row
 * counts (once committed), a replay is skipped, a conflict is rejected
 * with the store's reason, an error is fatal.
 */
enum pipeline_result
pl_row_added(struct pipeline *p, enum store_add_result rc, int64_t batch,
    uint64_t lineno, const char *line, size_t len, char *why, char **cause)
{
	char	reason[PROTO_REASON_MAX];

	switch (rc) {
	case STORE_ADD_NEW:
	case STORE_ADD_LATE:
		p->pend.rows++;
		p->pend.accepted++;
		if (rc == STORE_ADD_LATE)
			p->pend.late++;
		pl_touch(p, batch);
		return PIPELINE_OK;
	case STORE_ADD_REPLAY:
		p->st.skipped++;
		return PIPELINE_SKIP;
	case STORE_ADD_CONFLICT:
		snprintf(reason, sizeof reason, "%s", why != NULL ? why :
		    "row exists with different content");
		free(why);
		return pl_reject(p, lineno, reason, line, len, cause);
	case STORE_ADD_ERROR:
	default:
		break;
	}
	return pl_fatal(cause, why, "logging a prediction");
}

/* Line lineno belongs to the open transaction's work. */
void
pl_note_line(struct pipeline *p, uint64_t lineno)
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
void
pl_work_lost(struct pipeline *p, char *why, char **cause)
{
	char	batches[64];

	store_discard(p->s);	/* store_close would commit it */
	pl_detectors_forget(&p->det);
	pl_held_release(p, false);
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
void
pl_file_lost(struct pipeline *p, char *why, char **cause)
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
	pl_detectors_forget(&p->det);
	pl_held_release(p, false);
	work_reset(p);
	p->dirty = false;
	p->dead = true;
}

/* The transaction's work is committed: count it. */
void
pl_work_committed(struct pipeline *p)
{
	p->st.accepted += p->pend.accepted;
	p->st.rows += p->pend.rows;
	p->st.late += p->pend.late;
	p->st.batches += p->pend.batches;
	p->st.labelled += p->pend.labelled;
	p->done = p->st;
	work_reset(p);
}

/* Everything counted so far is in the file at the path. */
void
pl_file_sure(struct pipeline *p)
{
	p->sure = p->st;
	p->sure_line = p->line_lo > 0 ? p->line_lo : p->last_line + 1;
}
