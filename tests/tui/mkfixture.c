/*
 * mkfixture: write the console's test store (tests/tui/fixture.h).
 *
 *   mkfixture PATH [--first N] [--last N] [--labelled N] [--alerts N]
 *             [--live] [--open] [--sleep-ms MS]
 *
 * --live keeps real timestamps; --sleep-ms writes one batch per call
 * with a pause in between, like a slow ingest (the live-update test).
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
main(int argc, char **argv)
{
	struct fixture_opts o = { 1, 20, 16, 14, true, false };
	struct timespec ts;
	long sleep_ms = 0;
	int64_t b, last;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: mkfixture PATH [--first N] [--last N]"
		    " [--labelled N] [--alerts N] [--live] [--open]"
		    " [--sleep-ms MS]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--live") == 0)
			o.pin_times = false;
		else if (strcmp(argv[i], "--open") == 0)
			o.leave_open = true;
		else if (i + 1 < argc && strcmp(argv[i], "--first") == 0)
			o.first = atoll(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--last") == 0)
			o.last = atoll(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--labelled") == 0)
			o.labelled = atoll(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--alerts") == 0)
			o.n_alerts = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--sleep-ms") == 0)
			sleep_ms = atol(argv[++i]);
		else {
			fprintf(stderr, "mkfixture: bad argument %s\n",
			    argv[i]);
			return 2;
		}
	}
	if (sleep_ms <= 0)
		return fixture_write(argv[1], &o) == 0 ? 0 : 1;
	last = o.last;
	for (b = o.first; b <= last; b++) {
		o.first = o.last = b;
		if (fixture_write(argv[1], &o) != 0)
			return 1;
		ts.tv_sec = sleep_ms / 1000;
		ts.tv_nsec = (sleep_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return 0;
}
