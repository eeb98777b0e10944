/*
 * Allocation that cannot fail: running out of memory is fatal in mlmon.
 * A zero size is a bug and aborts too (tmux xmalloc.c).
 */
#ifndef MLMON_CORE_XALLOC_H
#define MLMON_CORE_XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
/* Frees each of v[0..n) and then v itself (v NULL: nothing). */
void	 xfree_strings(char **v, size_t n);
/* Caller frees. Returns a formatted string; aborts on failure. */
char	*xasprintf(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/*
 * Hook run before abort() on allocation failure, so a curses program can
 * restore the terminal first. NULL by default.
 */
void	 xalloc_set_fatal_hook(void (*hook)(void));

#endif
