/*
 * Writers in several processes on one store: a writer and a labeler
 * side by side without an error, a second writer that waits for the
 * first instead of failing, and fair turns between a writer at full
 * speed and another.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "fixture.h"

/*
 * Two processes on one file for a few seconds: a writer logging and
 * closing 50-row batches, a labeler labelling every closed batch. Neither
 * may see a single error.
 */
#define CONC_BATCHES	800
#define CONC_ROWS	50

static int
conc_labeler(void)
{
	int labels[CONC_ROWS], i, done = 0, idle = 0;
	enum store_label_result r;
	struct store *s;
	char *cause = NULL;
	int64_t b = 0;

	for (i = 0; i < CONC_ROWS; i++)
		labels[i] = i % 3;
	s = store_open(db_target, STORE_READ_WRITE, &cause);
	if (s == NULL) {
		fprintf(stderr, "labeler open: %s\n", cause);
		return 1;
	}
	while (b < CONC_BATCHES && idle < 20000) {
		if (store_batch_state(s, b) != STORE_BATCH_CLOSED) {
			if (store_flush(s, &cause) == -1) {
				fprintf(stderr, "labeler: %s\n", cause);
				return 1;
			}
			usleep(500);
			idle++;
			continue;
		}
		idle = 0;
		r = store_label_batch(s, b, labels, CONC_ROWS, false, &cause);
		if (r != STORE_LABEL_APPLIED) {
			fprintf(stderr, "labeler batch %lld: %d %s\n",
			    (long long)b, (int)r, cause);
			return 1;
		}
		if (++done % 3 == 0 && store_flush(s, &cause) == -1) {
			fprintf(stderr, "labeler: %s\n", cause);
			return 1;
		}
		b++;
	}
	if (store_flush(s, &cause) == -1) {
		fprintf(stderr, "labeler: %s\n", cause);
		return 1;
	}
	store_close(s);
	return b == CONC_BATCHES ? 0 : 2;
}

START_TEST(test_two_processes)
{
	struct store *s;
	char *cause = NULL;
	pid_t pid;
	int st, b, i;

	s = open_rw();	/* create the schema before the race */
	store_close(s);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0)
		_exit(conc_labeler());
	s = open_rw();
	for (b = 0; b < CONC_BATCHES; b++) {
		for (i = 0; i < CONC_ROWS; i++)
			ck_assert_msg(add_row(s, b, i, -1, &cause) == 1,
			    "writer: %s", cause);
		ck_assert_msg(store_batch_close(s, b, &cause) == 0,
		    "writer: %s", cause);
		ck_assert_msg(store_flush(s, &cause) == 0, "writer: %s",
		    cause);
		if (b % 40 == 0)
			usleep(20000);
	}
	store_close(s);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "labeler failed (status %d)", st);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions WHERE "
	    "true_class IS NULL"), 0);
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"),
	    CONC_BATCHES * CONC_ROWS);
	ck_assert_int_eq(q_int("SELECT count(*) FROM batches WHERE "
	    "n_labelled = n_rows AND n_rows = 50 AND labelled_at IS NOT "
	    "NULL"), CONC_BATCHES);
}
END_TEST

/*
 * Busy: a second writer process waits for the lock instead of failing.
 * The child forks before the parent opens anything (an SQLite connection
 * must never cross a fork).
 */
START_TEST(test_busy_waits)
{
	struct timespec t0, t1;
	struct store *a, *b;
	char *cause = NULL, c;
	int fd[2], st;
	double waited;
	pid_t pid;

	a = open_rw();
	store_close(a);
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(fd[1]);
		if (read(fd[0], &c, 1) != 1)
			_exit(5);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		b = store_open(db_target, STORE_READ_WRITE, &cause);
		if (b == NULL || add_row(b, 1, 0, -1, &cause) != 1 ||
		    store_flush(b, &cause) == -1) {
			fprintf(stderr, "second writer: %s\n", cause);
			_exit(1);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		store_close(b);
		waited = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		_exit(waited > 0.2 ? 0 : 6);	/* it did wait for us */
	}
	close(fd[0]);
	a = open_rw();
	add_batch(a, 0, 3, false);	/* a holds the write lock */
	ck_assert_int_eq(write(fd[1], "x", 1), 1);
	close(fd[1]);
	usleep(400000);
	ck_assert_int_eq(store_flush(a, &cause), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d",
	    WEXITSTATUS(st));
	ck_assert_int_eq(q_int("SELECT count(*) FROM predictions"), 4);
	store_close(a);
}
END_TEST

/*
 * Turns: a writer that holds the lock for 20 ms, commits and re-locks at
 * once (an ingest at full speed) must not starve a second writer process
 * (a labeler). The looping writer sees the waiter announced in "<db>-wait"
 * after its commit and lets it take the lock first, so the wait is about
 * one hold. Without that, the waiter's polls only rarely fall into the
 * microseconds between COMMIT and BEGIN: it waits dozens of holds. (On
 * PostgreSQL the turn is the model's advisory lock, whose queue hands it
 * to the waiter at the commit.)
 */
START_TEST(test_writer_turns)
{
	struct timespec t0, t1;
	struct store *a, *b;
	char *cause = NULL, c;
	int go[2], stop[2], st;
	long commits = 0;
	double waited;
	pid_t pid;

	a = open_rw();
	store_close(a);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(stop), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(go[0]);
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		a = store_open(db_target, STORE_READ_WRITE, &cause);
		if (a == NULL || write(go[1], "x", 1) != 1)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			if (store_detector_put(a, "ddm", commits++, "x",
			    &cause) == -1 || usleep(20000) == -1 ||
			    store_flush(a, &cause) == -1) {
				fprintf(stderr, "looping writer: %s\n", cause);
				_exit(1);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while (read(stop[0], &c, 1) != 1 && t1.tv_sec - t0.tv_sec < 5);
		store_close(a);
		_exit(commits >= 2 ? 0 : 2);
	}
	close(go[1]);
	close(stop[0]);
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	usleep(100000);		/* the loop is running */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	b = open_rw();
	ck_assert_msg(add_row(b, 7, 0, 1, &cause) == 1 &&
	    store_flush(b, &cause) == 0, "second writer: %s", cause);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* A starved writer finds the loop gone (the pipe broken). */
	signal(SIGPIPE, SIG_IGN);
	if (write(stop[1], "x", 1) != 1)
		ck_abort_msg("second writer waited %.3f s", waited);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d",
	    WEXITSTATUS(st));
	ck_assert_msg(waited < 0.2, "second writer waited %.3f s", waited);
	store_close(b);
}
END_TEST

int
main(int argc, char **argv)
{
	const struct fixture_case cases[] = {
		{ test_two_processes, NULL },
		{ test_busy_waits, NULL },
		{ test_writer_turns, NULL },
	};

	return fixture_main(argc, argv, "store-writers", cases,
	    sizeof cases / sizeof cases[0], 60);
}
