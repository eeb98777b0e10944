/*
 * write-patterns: rows/s of the ways a logger can write predictions into
 * SQLite, on mlmon's real schema (created by store_open). The seed article
 * measured connection-per-row at ~400 rows/s and found WAL no help; this
 * program shows what holds for C and for mlmon's store.
 *
 *	write-patterns -p PATTERN [-j delete|wal] [-s full|normal]
 *	    [-n rows] [-b batch_rows] [-f flush_rows] [-o db] [-k]
 *
 * Patterns (all but "store" use plain sqlite3 calls and the store's own
 * INSERT text):
 *	conn-per-row	open a connection, insert one row, close (autocommit)
 *	commit-per-row	one connection, every insert its own transaction
 *	conn-per-batch	the seed's log_predictions(): a connection per batch
 *			of -b rows, one transaction, then close
 *	tx-per-batch	one connection, one transaction per batch of -b rows
 *	buffered	one connection, BEGIN IMMEDIATE, commit every -f rows
 *			(ingest's default flush is 2000 rows)
 *	store		mlmon's store API: store_prediction_add, a
 *			store_batch_close per batch, store_flush every -f rows
 *			(WAL, synchronous=NORMAL: -j/-s do not apply)
 *
 * Prints one line: "rows=N seconds=S rows_per_s=R db_bytes=B". -k keeps
 * the DB (-o names it; default a temp dir that is removed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store.h"

#define POOL	1024

static const char sql_insert[] =
    "INSERT OR IGNORE INTO predictions (batch_id, row_in_batch, features,"
    " predicted_class, confidence, scores, true_class, logged_at,"
    " labeled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

struct opts {
	const char	*pattern;
	const char	*journal;	/* "delete" or "wal" */
	const char	*sync;		/* "full" or "normal" */
	long		 n;
	long		 batch;
	long		 flush;
	const char	*path;
};

static char	*feat[POOL], *scores[POOL];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "write-patterns: %s: %s\n", what, why);
	exit(1);
}

/* Realistic texts: 17 significant digits, 5 features, 3 classes. */
static void
pool_init(void)
{
	double sc[3], sum;
	int k, j;

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
}

static void
pool_finish(void)
{
	int k;

	for (k = 0; k < POOL; k++) {
		free(feat[k]);
		free(scores[k]);
	}
}

static void
exec_sql(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die(sql, err != NULL ? err : sqlite3_errmsg(db));
}

static sqlite3 *
conn_open(const struct opts *o)
{
	sqlite3 *db;
	char *sql;

	if (sqlite3_open_v2(o->path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK)
		die(o->path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 10000);
	sql = xasprintf("PRAGMA journal_mode = %s; PRAGMA synchronous = %s;",
	    o->journal, o->sync);
	exec_sql(db, sql);
	free(sql);
	return db;
}

static sqlite3_stmt *
stmt_prepare(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql_insert, -1, &st, NULL) != SQLITE_OK)
		die("prepare", sqlite3_errmsg(db));
	return st;
}

static void
row_insert(sqlite3 *db, sqlite3_stmt *st, long i, long batch)
{
	double t = 1.7e9 + (double)i / 1000;

	sqlite3_bind_int64(st, 1, i / batch);
	sqlite3_bind_int64(st, 2, i % batch);
	sqlite3_bind_text(st, 3, feat[i % POOL], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)(i % 3));
	sqlite3_bind_double(st, 5, 0.5);
	sqlite3_bind_text(st, 6, scores[i % POOL], -1, SQLITE_STATIC);
	sqlite3_bind_null(st, 7);
	sqlite3_bind_double(st, 8, t);
	sqlite3_bind_null(st, 9);
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert", sqlite3_errmsg(db));
	sqlite3_reset(st);
}

/* Plain sqlite3 patterns. */
static void
run_plain(const struct opts *o)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long i;
	int per_row = strcmp(o->pattern, "conn-per-row") == 0;
	int per_batch = strcmp(o->pattern, "conn-per-batch") == 0;
	int commit_row = strcmp(o->pattern, "commit-per-row") == 0;
	int tx_batch = strcmp(o->pattern, "tx-per-batch") == 0;
	int buffered = strcmp(o->pattern, "buffered") == 0;
	long every = tx_batch || per_batch ? o->batch : o->flush;

	if (!per_row && !per_batch && !commit_row && !tx_batch && !buffered)
		die(o->pattern, "unknown pattern");
	for (i = 0; i < o->n; i++) {
		if (db == NULL) {
			db = conn_open(o);
			st = stmt_prepare(db);
		}
		if (!per_row && !commit_row && i % every == 0)
			exec_sql(db, buffered ? "BEGIN IMMEDIATE" : "BEGIN");
		row_insert(db, st, i, o->batch);
		if (!per_row && !commit_row &&
		    ((i + 1) % every == 0 || i + 1 == o->n))
			exec_sql(db, "COMMIT");
		if (per_row || (per_batch && ((i + 1) % every == 0 ||
		    i + 1 == o->n))) {
			sqlite3_finalize(st);
			sqlite3_close(db);
			db = NULL;
		}
	}
	if (db != NULL) {
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

/* mlmon's store API, as ingest drives it. */
static void
run_store(const struct opts *o)
{
	struct store_prediction p;
	struct store *s;
	char *cause = NULL;
	long i;

	if ((s = store_open(o->path, STORE_READ_WRITE, &cause)) == NULL)
		die(o->path, cause);
	memset(&p, 0, sizeof p);
	for (i = 0; i < o->n; i++) {
		p.batch_id = i / o->batch;
		p.row_in_batch = i % o->batch;
		p.features_json = feat[i % POOL];
		p.scores_json = scores[i % POOL];
		p.predicted_class = (int)(i % 3);
		p.confidence = 0.5;
		p.true_class = -1;
		p.logged_at = 1.7e9 + (double)i / 1000;
		if (store_prediction_add(s, &p, &cause) != 1)
			die("store_prediction_add",
			    cause != NULL ? cause : "not inserted");
		if ((p.row_in_batch == o->batch - 1 || i + 1 == o->n) &&
		    store_batch_close(s, p.batch_id, &cause) == -1)
			die("store_batch_close", cause);
		if ((i + 1) % o->flush == 0 && store_flush(s, &cause) == -1)
			die("store_flush", cause);
	}
	if (store_flush(s, &cause) == -1)
		die("store_flush", cause);
	store_close(s);
}

static long long
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { "buffered", "wal", "normal", 100000, 200, 2000,
	    NULL };
	struct store *s;
	char tmpl[] = "/tmp/mlmon-wp-XXXXXX", *dir = NULL, *path, *cause =
	    NULL, *side;
	int c, keep = 0;
	long long bytes;
	double t0, t1;

	while ((c = getopt(argc, argv, "p:j:s:n:b:f:o:k")) != -1) {
		switch (c) {
		case 'p': o.pattern = optarg; break;
		case 'j': o.journal = optarg; break;
		case 's': o.sync = optarg; break;
		case 'n': o.n = atol(optarg); break;
		case 'b': o.batch = atol(optarg); break;
		case 'f': o.flush = atol(optarg); break;
		case 'o': o.path = optarg; break;
		case 'k': keep = 1; break;
		default:
			fprintf(stderr, "usage: write-patterns -p PATTERN "
			    "[-j delete|wal] [-s full|normal] [-n rows] "
			    "[-b batch] [-f flush] [-o db] [-k]\n");
			return 2;
		}
	}
	if (o.n <= 0 || o.batch <= 0 || o.flush <= 0)
		die("options", "-n, -b and -f must be > 0");
	if (o.path == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL)
			die("mkdtemp", "failed");
		o.path = path = xasprintf("%s/wp.db", dir);
	} else
		path = xstrdup(o.path);
	unlink(path);
	pool_init();

	/* The real schema, then back to a plain connection. */
	if ((s = store_open(path, STORE_READ_WRITE, &cause)) == NULL)
		die(path, cause);
	store_close(s);
	/*
	 * The plain patterns' rows are model 1's (model_id's default): name
	 * it, as ingest's first row does, so that the store reads them back
	 * (bench/batch-load).
	 */
	if (strcmp(o.pattern, "store") != 0) {
		sqlite3 *db = conn_open(&o);

		exec_sql(db, "INSERT INTO models (model_id, name, created_at)"
		    " VALUES (1, 'default', 0)");
		sqlite3_close(db);
	}

	t0 = now();
	if (strcmp(o.pattern, "store") == 0)
		run_store(&o);
	else
		run_plain(&o);
	t1 = now();

	side = xasprintf("%s-wal", path);
	bytes = file_size(path) + file_size(side);
	printf("rows=%ld seconds=%.6f rows_per_s=%.0f db_bytes=%lld\n", o.n,
	    t1 - t0, o.n / (t1 - t0), bytes);
	if (!keep) {
		unlink(side);
		free(side);
		side = xasprintf("%s-shm", path);
		unlink(side);
		free(side);
		side = xasprintf("%s-journal", path);
		unlink(side);
		unlink(path);
		if (dir != NULL)
			rmdir(dir);
	}
	free(side);
	free(path);
	pool_finish();
	return 0;
}
