/* Growing strings: doubling capacity, allocation failure is fatal. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void
strbuf_grow(struct strbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = (b->len + more + 1) * 2;
	b->s = xreallocarray(b->s, b->cap, 1);
}

void
strbuf_reserve(struct strbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = b->len + more + 1;
	b->s = xreallocarray(b->s, b->cap, 1);
	b->s[b->len] = '\0';
}

void
strbuf_add(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/*
 * Plain text is copied; a format is written straight into the spare
 * room and only formatted a second time when it did not fit.
 */
void
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	if (strchr(fmt, '%') == NULL) {
		strbuf_add(b, fmt, strlen(fmt));
		return;
	}
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->s + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n <= 0) {
		if (room > 0)
			b->s[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		strbuf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

char *
strbuf_take(struct strbuf *b)
{
	char *s = b->s != NULL ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_finish(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
