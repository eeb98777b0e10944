/*
 * frame: how long a frame of mlmon-top takes to build, per tab.
 *
 *   frame DB [W H [N]]
 *
 * "Frame" = app_load (the model reads for what is on screen) + app_draw
 * (render into the cell buffer), the work of a tick where the store
 * changed. Also times an unchanged tick (stat + PRAGMA data_version) and
 * the first refresh: open the store and read the whole overview (ledger
 * counts, drift counts and first firings from the ledger's summary
 * columns, latest reports), the start-up cost of mlmon-top. It is taken
 * FIRST_RUNS times, each on a fresh connection, and the median reported
 * (the first run alone pays the cold page cache). Prints the peak RSS.
 * The last line is for bench/run-all:
 * "summary first_ms=F worst_median_ms=M worst_p95_ms=P rss_kb=K", F the
 * first refresh's median, M and P the worst tab's median and p95.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db/query.h"
#include "tui/app.h"
#include "tui/glyphs.h"
#include "tui/options.h"

#define FIRST_RUNS	21

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long
peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atol(line + 6);
	}
	if (f != NULL)
		fclose(f);
	return kb;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct app a;
	struct canvas c;
	char *cause = NULL;
	/* --tab: each tab is measured, never switched to the Fleet. */
	char *args[] = { "bench", "--db", NULL, "--tab", "overview", NULL };
	int w = argc > 2 ? atoi(argv[2]) : 120, h = argc > 3 ? atoi(argv[3]) :
	    40, n = argc > 4 ? atoi(argv[4]) : 200, tab, i;
	double t0, *ms, first, worst_med = 0, worst_p95 = 0;
	double firsts[FIRST_RUNS];
	struct query *fq;

	if (argc < 2) {
		fprintf(stderr, "usage: frame DB [W H [N]]\n");
		return 2;
	}
	setlocale(LC_ALL, "C.UTF-8");
	args[2] = argv[1];
	if (options_parse(5, args, &o, stdout, &cause) != 0)
		return 2;
	glyphs_init(true);
	app_init(&a, &o);
	canvas_init(&c, w, h);
	ms = calloc((size_t)n, sizeof *ms);
	for (i = 0; i < FIRST_RUNS; i++) {
		fq = query_create(argv[1]);
		t0 = now_ms();
		query_refresh(fq);
		firsts[i] = now_ms() - t0;
		query_destroy(fq);
	}
	printf("first refresh (cold cache, run 1): %.3f ms\n", firsts[0]);
	qsort(firsts, FIRST_RUNS, sizeof *firsts, cmp_double);
	first = firsts[FIRST_RUNS / 2];
	printf("first refresh (open + whole overview), %d runs: median "
	    "%.3f ms  min %.3f ms  max %.3f ms\n", FIRST_RUNS, first,
	    firsts[0], firsts[FIRST_RUNS - 1]);
	query_refresh(a.q);
	t0 = now_ms();
	for (i = 0; i < 1000; i++)
		query_refresh(a.q);
	printf("unchanged tick: %.4f ms\n", (now_ms() - t0) / 1000);
	for (tab = 0; tab < TAB_COUNT; tab++) {
		a.tab = tab;
		for (i = 0; i < n; i++) {
			t0 = now_ms();
			app_load(&a, w, h);
			app_draw(&a, &c);
			ms[i] = now_ms() - t0;
		}
		qsort(ms, (size_t)n, sizeof *ms, cmp_double);
		printf("%-12s frame %dx%d: median %.3f ms  p95 %.3f ms  "
		    "max %.3f ms\n", app_view(tab)->name, w, h, ms[n / 2],
		    ms[n * 95 / 100], ms[n - 1]);
		if (ms[n / 2] > worst_med)
			worst_med = ms[n / 2];
		if (ms[n * 95 / 100] > worst_p95)
			worst_p95 = ms[n * 95 / 100];
	}
	printf("peak RSS: %ld kB\n", peak_rss_kb());
	printf("summary first_ms=%.3f worst_median_ms=%.3f worst_p95_ms=%.3f "
	    "rss_kb=%ld\n", first, worst_med, worst_p95, peak_rss_kb());
	free(ms);
	canvas_finish(&c);
	app_finish(&a);
	return 0;
}
