/*
 * A growing NUL-terminated string built with printf-style appends. The
 * buffer is owned by the struct until strbuf_take() hands it over.
 */
#ifndef MLMON_CORE_STRBUF_H
#define MLMON_CORE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char	*s;	/* NULL until the first append */
	size_t	 len;	/* bytes before the NUL */
	size_t	 cap;	/* bytes allocated */
};

#define STRBUF_INIT	{ NULL, 0, 0 }

void	strbuf_addf(struct strbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	strbuf_add(struct strbuf *b, const char *s, size_t n);
/*
 * Room for n more bytes and the NUL in one allocation: a writer that
 * knows its text's usual size saves the doublings from empty.
 */
void	strbuf_reserve(struct strbuf *b, size_t n);
/* Caller frees. The text ("" when nothing was added); b is reset. */
char	*strbuf_take(struct strbuf *b);
void	strbuf_finish(struct strbuf *b);

#endif
