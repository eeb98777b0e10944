/*
 * The console's first refresh, alone: open a fresh read-only connection
 * to the store and read the whole overview (query_create +
 * query_refresh), N times, each on a new connection. Prints the median
 * and the spread of the wall time and of the process's CPU time per
 * refresh (CPU time is what the machine's other load changes least).
 * Under callgrind, collect only query_refresh to count its instructions:
 *
 *   first-refresh DB [N]
 *   valgrind --tool=callgrind --toggle-collect=query_refresh \
 *       first-refresh DB 10
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db/query.h"

static double
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	printf("%s: median %.3f ms  min %.3f ms  p90 %.3f ms\n", what,
	    v[n / 2], v[0], v[n * 9 / 10]);
}

int
main(int argc, char **argv)
{
	struct query *q;
	double *wall, *cpu, w0, c0;
	int i, n;

	if (argc < 2) {
		fprintf(stderr, "usage: first-refresh DB [N]\n");
		return 2;
	}
	n = argc > 2 ? atoi(argv[2]) : 100;
	if (n < 1)
		n = 1;
	wall = calloc((size_t)n, sizeof *wall);
	cpu = calloc((size_t)n, sizeof *cpu);
	if (wall == NULL || cpu == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		q = query_create(argv[1]);
		w0 = clock_ms(CLOCK_MONOTONIC);
		c0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		query_refresh(q);
		cpu[i] = clock_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		wall[i] = clock_ms(CLOCK_MONOTONIC) - w0;
		if (query_state(q) != QUERY_OK) {
			fprintf(stderr, "first-refresh: %s\n",
			    query_message(q));
			return 1;
		}
		query_destroy(q);
	}
	printf("%d first refreshes of %s\n", n, argv[1]);
	report("CPU ", cpu, n);
	report("wall", wall, n);
	free(wall);
	free(cpu);
	return 0;
}
