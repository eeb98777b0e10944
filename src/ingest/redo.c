/*
 * The uncommitted input lines (redo.h): a queue, oldest first, trimmed
 * from the head as commits happen. It holds what one transaction read
 * (a flush: --flush-rows rows, or what --flush-ms let in), so it stays
 * small; loop.c keeps it only for a PostgreSQL store.
 */
#include "ingest/redo.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static void
line_free(struct redo_line *l)
{
	free(l->source);
	free(l->text);
}

void
redo_add(struct redo *r, uint64_t seq, enum redo_kind kind,
    const char *source, uint64_t lineno, const char *text, size_t len)
{
	struct redo_line *l;

	if (r->head > 0 && r->head == r->n)
		r->head = r->n = 0;
	if (r->n == r->cap) {
		if (r->head > 0) {
			memmove(r->v, r->v + r->head,
			    (r->n - r->head) * sizeof *r->v);
			r->n -= r->head;
			r->head = 0;
		}
		if (r->n == r->cap) {
			r->cap = r->cap > 0 ? 2 * r->cap : 64;
			r->v = xreallocarray(r->v, r->cap, sizeof *r->v);
		}
	}
	l = &r->v[r->n++];
	l->seq = seq;
	l->kind = kind;
	l->lineno = lineno;
	l->source = source != NULL ? xstrdup(source) : NULL;
	l->text = xmalloc(len + 1);
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->len = len;
}

void
redo_drop_last(struct redo *r)
{
	if (r->n > r->head)
		line_free(&r->v[--r->n]);
}

void
redo_trim(struct redo *r, uint64_t done)
{
	while (r->head < r->n && r->v[r->head].seq <= done)
		line_free(&r->v[r->head++]);
}

size_t
redo_count(const struct redo *r)
{
	return r->n - r->head;
}

void
redo_take(struct redo *r, struct redo *out)
{
	*out = *r;
	memset(r, 0, sizeof *r);
}

void
redo_finish(struct redo *r)
{
	redo_trim(r, UINT64_MAX);
	free(r->v);
	memset(r, 0, sizeof *r);
}
