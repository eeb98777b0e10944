/*
 * batch-load: average latency to load one logged batch from a store, the
 * read the monitors (and the seed's dashboard) do per batch.
 *
 *	batch-load DB [max_batches]
 *
 * Two reads per batch, both on one read-only connection opened once:
 *	store	store_batch_get(): rows in row_in_batch order, features
 *		decoded to doubles (what ingest's monitors use)
 *	seed	the seed's SELECT * FROM predictions WHERE batch_id = ?
 *		ORDER BY row_in_batch, every column of every row fetched
 * Up to max_batches (default 500) batch ids, spread evenly over the table,
 * each loaded once per read, in a shuffled order. Prints
 * "batches=N rows=R store_ms=X seed_ms=Y".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store-internal.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "batch-load: %s: %s\n", what, why);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct store *s;
	struct store_batch b;
	sqlite3_stmt *st;
	char *cause = NULL;
	int64_t *ids = NULL, *pick, tmp;
	size_t n = 0, cap = 0, max = 500, m, i, j, rows = 0;
	double t0, t_store = 0, t_seed = 0, sink = 0;
	int rc, col;

	if (argc < 2) {
		fprintf(stderr, "usage: batch-load DB [max_batches]\n");
		return 2;
	}
	if (argc > 2)
		max = (size_t)atol(argv[2]);
	if ((s = store_open(argv[1], STORE_READ_ONLY, &cause)) == NULL)
		die("open", cause);	/* the cause names the path */
	if (sqlite3_prepare_v2(s->db, "SELECT DISTINCT batch_id FROM "
	    "predictions ORDER BY batch_id", -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(s->db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			ids = xreallocarray(ids, cap, sizeof *ids);
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (n == 0)
		die(argv[1], "no batches");
	m = n < max ? n : max;
	pick = xcalloc(m, sizeof *pick);
	for (i = 0; i < m; i++)
		pick[i] = ids[i * n / m];
	srand(7);
	for (i = m - 1; i > 0; i--) {
		j = (size_t)rand() % (i + 1);
		tmp = pick[i];
		pick[i] = pick[j];
		pick[j] = tmp;
	}

	for (i = 0; i < m; i++) {
		t0 = now_ms();
		rc = store_batch_get(s, pick[i], &b, &cause);
		t_store += now_ms() - t0;
		if (rc != 0)
			die("store_batch_get", rc == 1 ? "no such batch" :
			    cause);
		rows += b.n_rows;
		store_batch_finish(&b);
	}

	if (sqlite3_prepare_v2(s->db, "SELECT * FROM predictions WHERE "
	    "batch_id = ? ORDER BY row_in_batch", -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(s->db));
	for (i = 0; i < m; i++) {
		t0 = now_ms();
		sqlite3_bind_int64(st, 1, pick[i]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (col = 0; col < sqlite3_column_count(st); col++) {
				if (sqlite3_column_type(st, col) == SQLITE_TEXT)
					sink += sqlite3_column_bytes(st, col);
				else
					sink += sqlite3_column_double(st, col);
			}
		}
		if (rc != SQLITE_DONE)
			die("select", sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		t_seed += now_ms() - t0;
	}
	sqlite3_finalize(st);
	printf("batches=%zu rows=%zu store_ms=%.4f seed_ms=%.4f\n", m, rows,
	    t_store / (double)m, t_seed / (double)m);
	if (sink == 42.4242)
		printf("\n");
	free(pick);
	free(ids);
	store_close(s);
	return 0;
}
