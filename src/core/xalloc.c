/* Allocation wrappers: out of memory and zero sizes are fatal. */
#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*fatal_hook)(void);

static void
fatal(const char *what, size_t nmemb, size_t size)
{
	if (fatal_hook != NULL)
		fatal_hook();
	fprintf(stderr, "mlmon: %s: cannot allocate %zu x %zu bytes\n", what,
	    nmemb, size);
	abort();
}

void
xalloc_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		fatal("xmalloc: zero size", 0, 0);
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc", 1, size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		fatal("xcalloc: zero size", nmemb, size);
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("xcalloc", nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		fatal("xreallocarray: zero size", nmemb, size);
	if (SIZE_MAX / nmemb < size)
		fatal("xreallocarray: overflow", nmemb, size);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		fatal("xreallocarray", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
xfree_strings(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	char probe[1], *p;
	int n;

	if (fmt == NULL)	/* also keeps gcc's -Wformat-truncation quiet */
		fatal("xasprintf: no format", 0, 0);
	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(probe, sizeof probe, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf: format", 0, 0);
	p = xmalloc((size_t)n + 1);
	if (vsnprintf(p, (size_t)n + 1, fmt, ap2) != n)
		fatal("xasprintf: format", 0, 0);
	va_end(ap2);
	return p;
}
