/*
 * Output buffer and number formatting for mlmon-gen.
 *
 * Numbers never go through printf on the hot path: a double is scaled by
 * 1e6 (one IEEE multiplication), rounded with llround (exact) and printed
 * as an integer with the decimal point inserted. The result is identical
 * on every platform and several times faster than "%.6f". Values too big
 * for that (|x| >= 9e12, never produced by the generator's validated
 * parameters) fall back to "%.6f", correctly rounded by a conforming libc.
 */
#include "emit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"

/* Room reserved before formatting one number. */
#define EMIT_SLACK 64

static void
emit_reserve(struct emit *e, size_t n)
{
	if (e->cap - e->len < n)
		emit_flush(e);
}

/* Digits of v (no sign) into the end of tmp; returns the start. */
static char *
emit_digits(char *end, unsigned long long v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return p;
}

void
emit_init(struct emit *e, int fd, size_t cap)
{
	if (cap < 4 * EMIT_SLACK)
		cap = 4 * EMIT_SLACK;
	e->fd = fd;
	e->buf = xmalloc(cap);
	e->len = 0;
	e->cap = cap;
	e->error = 0;
}

int
emit_finish(struct emit *e)
{
	emit_flush(e);
	free(e->buf);
	e->buf = NULL;
	e->cap = e->len = 0;
	return e->error;
}

int
emit_flush(struct emit *e)
{
	size_t off = 0;
	ssize_t n;

	if (e->error != 0) {
		e->len = 0;
		return -1;
	}
	while (off < e->len) {
		n = write(e->fd, e->buf + off, e->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e->error = errno;
			e->len = 0;
			return -1;
		}
		off += (size_t)n;
	}
	e->len = 0;
	return 0;
}

int
emit_error(const struct emit *e)
{
	return e->error;
}

void
emit_mem(struct emit *e, const char *s, size_t n)
{
	size_t room;

	while (n > 0) {
		if (e->len == e->cap)
			emit_flush(e);
		room = e->cap - e->len;
		if (room > n)
			room = n;
		memcpy(e->buf + e->len, s, room);
		e->len += room;
		s += room;
		n -= room;
	}
}

void
emit_str(struct emit *e, const char *s)
{
	emit_mem(e, s, strlen(s));
}

void
emit_char(struct emit *e, char c)
{
	emit_reserve(e, 1);
	e->buf[e->len++] = c;
}

void
emit_long(struct emit *e, long long v)
{
	char tmp[24], *end = tmp + sizeof tmp, *p;
	unsigned long long u;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	p = emit_digits(end, u);
	if (v < 0)
		*--p = '-';
	emit_reserve(e, EMIT_SLACK);
	memcpy(e->buf + e->len, p, (size_t)(end - p));
	e->len += (size_t)(end - p);
}

size_t
emit_format_fixed6(char *buf, double x)
{
	char tmp[32], *end = tmp + sizeof tmp, *p;
	unsigned long long u, ip, fp;
	long long n;
	size_t len;
	int i;

	if (!(fabs(x) < 9e12)) {
		snprintf(buf, 32, "%.6f", x);
		return strlen(buf);
	}
	n = llround(x * 1e6);
	u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	ip = u / 1000000;
	fp = u % 1000000;
	p = end;
	for (i = 0; i < 6; i++) {
		*--p = (char)('0' + fp % 10);
		fp /= 10;
	}
	*--p = '.';
	p = emit_digits(p, ip);
	if (n < 0)
		*--p = '-';
	len = (size_t)(end - p);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return len;
}

void
emit_fixed6(struct emit *e, double x)
{
	emit_reserve(e, EMIT_SLACK);
	e->len += emit_format_fixed6(e->buf + e->len, x);
}

void
emit_g17(struct emit *e, double x)
{
	int n;

	emit_reserve(e, EMIT_SLACK);
	n = snprintf(e->buf + e->len, EMIT_SLACK, "%.17g", x);
	if (n > 0 && n < EMIT_SLACK)
		e->len += (size_t)n;
}

void
emit_micro(struct emit *e, uint32_t micro)
{
	char *p;
	int i;

	emit_reserve(e, EMIT_SLACK);
	p = e->buf + e->len;
	if (micro >= 1000000) {
		memcpy(p, "1.000000", 8);
		e->len += 8;
		return;
	}
	p[0] = '0';
	p[1] = '.';
	for (i = 7; i >= 2; i--) {
		p[i] = (char)('0' + micro % 10);
		micro /= 10;
	}
	e->len += 8;
}
