/*
 * store_prediction_add throughput: N predictions (5 features, 3 classes,
 * 200-row batches) into a fresh SQLite file, flushed every F rows (default:
 * one transaction for everything). Prints rows/s for the insert loop and
 * for the loop plus the final commit.
 *
 *	bench/store-insert [-n rows] [-f flush_every] [-d dir]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "db/store.h"

#define POOL	1024

static double
clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this process: steadier than wall time on a shared box. */
static double
cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

int
main(int argc, char **argv)
{
	struct store_prediction p;
	struct store *s;
	char *feat[POOL], *scores[POOL], *cause = NULL, tmpl[] =
	    "/tmp/mlmon-bench-XXXXXX", *dir = NULL, *path;
	int own_dir = 0;
	long n = 1000000, flush = 0, i;
	double t0, t1, t2, c0, c1, sc[3], sum;
	int c, k, j;

	while ((c = getopt(argc, argv, "n:f:d:")) != -1) {
		switch (c) {
		case 'n':
			n = atol(optarg);
			break;
		case 'f':
			flush = atol(optarg);
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: store-insert [-n rows] "
			    "[-f flush_every] [-d dir]\n");
			return 2;
		}
	}
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		own_dir = 1;
	}
	path = xasprintf("%s/bench.db", dir);
	unlink(path);

	/* Realistic texts: 17 significant digits, as ingest writes them. */
	srand(42);
	for (k = 0; k < POOL; k++) {
		feat[k] = xasprintf("[%.17g,%.17g,%.17g,%.17g,%.17g]",
		    rand() / (double)RAND_MAX, rand() / (double)RAND_MAX * 10,
		    -rand() / (double)RAND_MAX, rand() / 3.0,
		    rand() / (double)RAND_MAX * 1e-3);
		for (sum = 0, j = 0; j < 3; j++)
			sum += sc[j] = 0.1 + rand() / (double)RAND_MAX;
		scores[k] = xasprintf("[%.17g,%.17g,%.17g]", sc[0] / sum,
		    sc[1] / sum, sc[2] / sum);
	}

	s = store_open(path, STORE_READ_WRITE, &cause);
	if (s == NULL) {
		fprintf(stderr, "store-insert: %s\n", cause);
		return 1;
	}
	memset(&p, 0, sizeof p);
	t0 = now();
	c0 = cpu();
	for (i = 0; i < n; i++) {
		p.batch_id = i / 200;
		p.row_in_batch = i % 200;
		p.features_json = feat[i % POOL];
		p.scores_json = scores[i % POOL];
		p.predicted_class = (int)(i % 3);
		p.confidence = 0.5;
		p.true_class = -1;
		p.logged_at = 1.7e9 + (double)i / 1000;
		if (store_prediction_add(s, &p, &cause) != 1) {
			fprintf(stderr, "store-insert: row %ld: %s\n", i,
			    cause == NULL ? "not inserted" : cause);
			return 1;
		}
		if (p.row_in_batch == 199 &&
		    store_batch_close(s, p.batch_id, &cause) == -1) {
			fprintf(stderr, "store-insert: %s\n", cause);
			return 1;
		}
		if (flush > 0 && (i + 1) % flush == 0 &&
		    store_flush(s, &cause) == -1) {
			fprintf(stderr, "store-insert: %s\n", cause);
			return 1;
		}
	}
	t1 = now();
	c1 = cpu();
	if (store_flush(s, &cause) == -1) {
		fprintf(stderr, "store-insert: %s\n", cause);
		return 1;
	}
	t2 = now();
	printf("%ld rows, flush every %s: insert %.0f rows/s, "
	    "with commit %.0f rows/s (%.3f s)\n", n,
	    flush > 0 ? "N" : "(one transaction)", n / (t1 - t0),
	    n / (t2 - t0), t2 - t0);
	if (flush > 0)
		printf("  (N = %ld)\n", flush);
	printf("  insert loop CPU time: %.0f rows/s of CPU\n",
	    n / (c1 - c0));
	store_close(s);
	unlink(path);
	free(path);
	if (own_dir)
		rmdir(dir);
	for (k = 0; k < POOL; k++) {
		free(feat[k]);
		free(scores[k]);
	}
	return 0;
}
