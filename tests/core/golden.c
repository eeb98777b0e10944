/* Reader for the golden vector files (see golden.h). */
#include "golden.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char *golden_dir_arg;

static void golden_fail(struct golden *, const char *)
    __attribute__((noreturn));

static void
golden_fail(struct golden *g, const char *what)
{
	fprintf(stderr, "%s:%ld: %s\n", g->path, g->lineno, what);
	exit(2);
}

void
golden_set_dir(const char *dir)
{
	golden_dir_arg = dir;
}

int
golden_main(Suite *s, int argc, char **argv)
{
	SRunner *sr = srunner_create(s);
	int failed;

	golden_set_dir(argc > 1 ? argv[1] : NULL);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void
golden_open(struct golden *g, const char *name)
{
	const char *root = getenv("MLMON_SOURCE_ROOT");

	memset(g, 0, sizeof *g);
	if (root != NULL && *root != '\0')
		g->path = xasprintf("%s/tests/golden/%s", root, name);
	else if (golden_dir_arg != NULL)
		g->path = xasprintf("%s/%s", golden_dir_arg, name);
	else
		g->path = xasprintf("tests/golden/%s", name);
	g->f = fopen(g->path, "r");
	if (g->f == NULL) {
		fprintf(stderr, "%s: %s (set MLMON_SOURCE_ROOT or pass the "
		    "golden directory)\n", g->path, strerror(errno));
		exit(2);
	}
}

void
golden_close(struct golden *g)
{
	if (g->f != NULL)
		fclose(g->f);
	free(g->line);
	free(g->path);
	memset(g, 0, sizeof *g);
}

const char *
golden_next(struct golden *g)
{
	ssize_t len;
	char *tag;

	for (;;) {
		len = getline(&g->line, &g->cap, g->f);
		if (len < 0)
			return NULL;
		g->lineno++;
		if (len > 0 && g->line[len - 1] == '\n')
			g->line[len - 1] = '\0';
		tag = g->line + strspn(g->line, " \t");
		if (*tag == '\0' || *tag == '#')
			continue;
		g->rest = tag + strcspn(tag, " \t");
		if (*g->rest != '\0')
			*g->rest++ = '\0';
		return tag;
	}
}

double
golden_double(struct golden *g)
{
	char *end;
	double v;

	if (g->rest == NULL)
		golden_fail(g, "no line");
	v = strtod(g->rest, &end);
	if (end == g->rest)
		golden_fail(g, "expected a number");
	g->rest = end;
	return v;
}

long
golden_long(struct golden *g)
{
	char *end;
	long v;

	if (g->rest == NULL)
		golden_fail(g, "no line");
	v = strtol(g->rest, &end, 10);
	if (end == g->rest)
		golden_fail(g, "expected an integer");
	g->rest = end;
	return v;
}

double *
golden_doubles(struct golden *g, const char *tag, size_t *n)
{
	const char *t = golden_next(g);
	size_t len = 0, cap = 16;
	double *v;
	char *end;

	if (t == NULL || strcmp(t, tag) != 0)
		golden_fail(g, "unexpected tag");
	v = xreallocarray(NULL, cap, sizeof *v);
	for (;;) {
		double x = strtod(g->rest, &end);

		if (end == g->rest)
			break;
		g->rest = end;
		if (len == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[len++] = x;
	}
	*n = len;
	return v;
}

long *
golden_longs(struct golden *g, const char *tag, size_t *n)
{
	const char *t = golden_next(g);
	size_t len = 0, cap = 16;
	long *v;
	char *end;

	if (t == NULL || strcmp(t, tag) != 0)
		golden_fail(g, "unexpected tag");
	v = xreallocarray(NULL, cap, sizeof *v);
	for (;;) {
		long x = strtol(g->rest, &end, 10);

		if (end == g->rest)
			break;
		g->rest = end;
		if (len == cap) {
			cap *= 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[len++] = x;
	}
	*n = len;
	return v;
}

int *
golden_ints(struct golden *g, const char *tag, size_t *n)
{
	long *v = golden_longs(g, tag, n);
	int *o = xreallocarray(NULL, *n ? *n : 1, sizeof *o);
	size_t i;

	for (i = 0; i < *n; i++) {
		if (v[i] < INT_MIN || v[i] > INT_MAX)
			golden_fail(g, "integer out of range");
		o[i] = (int)v[i];
	}
	free(v);
	return o;
}

double
golden_relerr(double got, double want)
{
	if (want == 0.0)
		return fabs(got);
	return fabs(got - want) / fabs(want);
}
