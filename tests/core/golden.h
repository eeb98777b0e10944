/*
 * Reader for the plain-text golden vectors under tests/golden/ written by
 * tests/golden/make-golden-stats.py: one record per line, the first token
 * a tag, the rest numbers; '#' lines are comments. Files are found through
 * $MLMON_SOURCE_ROOT/tests/golden (set by tests/meson.build) or, failing
 * that, the directory given as the test's first argument.
 */
#ifndef MLMON_TESTS_GOLDEN_H
#define MLMON_TESTS_GOLDEN_H

#include <check.h>
#include <stdio.h>
#include <stddef.h>

struct golden {
	FILE	*f;
	char	*path;
	char	*line;		/* current line, tokenised in place */
	size_t	 cap;
	char	*rest;		/* unread part of the current line */
	long	 lineno;
};

/* Remember argv[1] as a fallback vector directory (may be NULL). */
void	 golden_set_dir(const char *dir);
/* Open name under the golden directory; aborts the test on failure. */
void	 golden_open(struct golden *g, const char *name);
void	 golden_close(struct golden *g);
/* Next non-comment line; returns its tag, or NULL at end of file. */
const char *golden_next(struct golden *g);
/* Next number on the current line; aborts if there is none. */
double	 golden_double(struct golden *g);
long	 golden_long(struct golden *g);
/*
 * Read the next line, check its tag, return its numbers. Caller frees.
 * *n receives the count.
 */
double	*golden_doubles(struct golden *g, const char *tag, size_t *n);
long	*golden_longs(struct golden *g, const char *tag, size_t *n);
/* The same as int (class labels); aborts on a value outside int. */
int	*golden_ints(struct golden *g, const char *tag, size_t *n);

/*
 * A golden test's main: the vectors' directory from argv[1] (default
 * $MLMON_SOURCE_ROOT/tests/golden), then the suite; the exit status.
 */
int	 golden_main(Suite *s, int argc, char **argv);

/* |got - want| / |want|; |got| when want is 0. */
double	 golden_relerr(double got, double want);

#endif
