/*
 * pg-wake: how soon mlmon-top sees a commit on a PostgreSQL store.
 *
 *	pg-wake URI MODEL [N]
 *
 * A child process is the writer: N times, 150 to 250 ms apart, a write
 * transaction of MODEL as the store writes one (its notification,
 * pg_notify('mlmon', MODEL), then a row rewritten as it is) and COMMIT;
 * it sends the CLOCK_MONOTONIC time just before COMMIT through a pipe.
 * The parent does what the console's loop does (src/tui/console.c): it
 * sleeps in poll() on query_wait_fd with the tick far away (10 s), and
 * on a wake calls query_refresh, which re-reads the overview. The
 * latency is from the COMMIT sent to query_refresh returning 1: the
 * server's commit, the notification's delivery and the overview's
 * re-read. Prints each, then "summary n=N median_ms=M p95_ms=P max_ms=X
 * missed=K" (K: commits not seen within the 10 s tick).
 */
#include <sys/wait.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "db/driver.h"
#include "db/query.h"

#define WAKE_TICK_MS	10000

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The writer: n commits, each one's COMMIT time into fd. */
static int
writer(const char *uri, const char *model, int n, int fd)
{
	struct db_conn *c;
	struct db_stmt *st;
	char *cause = NULL;
	double t;
	int i;

	if ((c = db_open(uri, DB_OPEN_READ_WRITE, &cause)) == NULL) {
		fprintf(stderr, "pg-wake: %s\n", cause);
		return 1;
	}
	st = db_prepare(c, "UPDATE models SET created_at = created_at"
	    " WHERE name = ?1", DB_PREPARE_PERSISTENT);
	for (i = 0; st != NULL && i < n; i++) {
		sleep_ms(150 + rand() % 100);
		if (db_begin(c, true) == -1 ||
		    db_exec(c, "SELECT pg_notify('mlmon', 'w')") == -1)
			break;
		db_bind_text(st, 1, model, -1, DB_STATIC);
		if (db_step(st) == DB_ERROR)
			break;
		db_reset(st);
		t = clock_mono();
		if (db_commit(c) == -1 || write(fd, &t, sizeof t) !=
		    (ssize_t)sizeof t)
			break;
	}
	if (i < n)
		fprintf(stderr, "pg-wake: writer: %s\n", db_errmsg(c));
	db_finalize(st);
	db_close(c);
	return i < n;
}

/* The console's wait for one commit; its latency in ms, or -1. */
static double
wait_one(struct query *q, int fd)
{
	struct pollfd p;
	double t0, t1;
	int rc;

	p.fd = query_wait_fd(q);
	p.events = POLLIN;
	for (;;) {
		if (poll(&p, 1, WAKE_TICK_MS) <= 0)
			return -1;
		if ((rc = query_refresh(q)) == 1)
			break;
		if (rc == -1)
			sleep_ms(1);
	}
	t1 = clock_mono();
	if (read(fd, &t0, sizeof t0) != (ssize_t)sizeof t0)
		return -1;
	return (t1 - t0) * 1000;
}

int
main(int argc, char **argv)
{
	struct query *q;
	double *ms;
	int n = argc > 3 ? atoi(argv[3]) : 20, fds[2], i, got = 0, status;
	pid_t pid;

	if (argc < 3 || n < 1) {
		fprintf(stderr, "usage: pg-wake URI MODEL [N]\n");
		return 2;
	}
	q = query_create(argv[1]);
	query_set_model(q, argv[2]);
	for (i = 0; i < 100 && query_refresh(q) != 0; i++)
		;
	if (query_state(q) != QUERY_OK || query_wait_fd(q) == -1) {
		fprintf(stderr, "pg-wake: %s: %s\n", query_path(q),
		    query_message(q));
		return 1;
	}
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		close(fds[0]);
		_exit(writer(argv[1], argv[2], n, fds[1]));
	}
	close(fds[1]);
	ms = calloc((size_t)n, sizeof *ms);
	for (i = 0; i < n; i++) {
		if ((ms[got] = wait_one(q, fds[0])) < 0)
			break;
		printf("commit %d: seen after %.2f ms\n", i + 1, ms[got++]);
	}
	waitpid(pid, &status, 0);
	qsort(ms, (size_t)got, sizeof *ms, cmp_double);
	printf("summary n=%d median_ms=%.2f p95_ms=%.2f max_ms=%.2f "
	    "missed=%d\n", got, got ? ms[got / 2] : -1.0,
	    got ? ms[got * 95 / 100] : -1.0, got ? ms[got - 1] : -1.0,
	    n - got);
	free(ms);
	query_destroy(q);
	return got == n && WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
	    0 : 1;
}
