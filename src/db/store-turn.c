/*
 * Turn-taking between writer processes.
 *
 * SQLite's write lock is not fair. An ingest at full speed commits and,
 * a fraction of a millisecond later, begins its next transaction; another
 * process that found the lock taken (a labeler) sleeps in its busy handler
 * and almost never wakes inside that gap, so it can wait for as long as
 * the stream lasts. The writers therefore queue politely through a side
 * file, "<db>-wait":
 *
 *  - a writer whose BEGIN IMMEDIATE finds the lock taken announces itself
 *    by holding a shared fcntl lock on byte 0 of the side file until it
 *    gets the write lock (or gives up), and polls every millisecond;
 *  - a writer that has just committed asks (F_GETLK) whether another
 *    process is announced and, if so, waits for it to take the lock
 *    before beginning again, for at most STORE_TURN_MAX_MS.
 *
 * Without contention this costs one fcntl() per commit. Locks of the same
 * process never conflict, so a process does not wait for itself. When the
 * side file cannot be opened (read-only directory) turn-taking is off and
 * SQLite's plain busy waiting remains.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/clock.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "db/store-internal.h"

/* Waiting belongs here: store.c's lock retries ask it too. */
bool
store_stop_due(void)
{
	return stop_requested() && stop_elapsed_ms() >= STORE_STOP_WAIT_MS;
}

/* Longest a committed writer waits for an announced one to take over. */
#define STORE_TURN_MAX_MS	100

/* The busy handler polls this often for the first second, then slower. */
#define STORE_POLL_FAST_MS	1
#define STORE_POLL_SLOW_MS	5

static void
turn_sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
turn_lock(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 1 };

	return fcntl(fd, F_SETLK, &fl);
}

/* True if another process is announced as waiting for the write lock. */
static bool
turn_someone_waits(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 1 };

	if (fcntl(fd, F_GETLK, &fl) == -1)
		return false;
	return fl.l_type != F_UNLCK;
}

/*
 * The busy handler: poll for the lock every millisecond (the writer that
 * holds it hands over within one poll of its commit) until busy_ms have
 * passed since this wait began. Announces the wait while a write
 * transaction is wanted.
 */
static int
store_busy_wait(void *arg, int count)
{
	struct store *s = arg;
	double waited;

	if (count == 0)
		s->busy_since = clock_mono();
	if (s->turn_wanted && !s->turn_announced && s->turn_fd != -1)
		s->turn_announced = turn_lock(s->turn_fd, F_RDLCK) == 0;
	waited = clock_mono() - s->busy_since;
	if (waited * 1000.0 >= (double)s->busy_ms || store_stop_due())
		return 0;
	turn_sleep_ms(waited < 1.0 ? STORE_POLL_FAST_MS : STORE_POLL_SLOW_MS);
	return 1;
}

void
store_turn_open(struct store *s)
{
	char *path;

	s->turn_fd = -1;
	sqlite3_busy_handler(s->db, store_busy_wait, s);
	if (s->readonly)
		return;
	path = xasprintf("%s-wait", s->path);
	s->turn_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	free(path);
}

void
store_turn_close(struct store *s)
{
	if (s->turn_fd != -1)
		close(s->turn_fd);
	s->turn_fd = -1;
}

void
store_turn_want(struct store *s)
{
	s->turn_wanted = true;
}

void
store_turn_got(struct store *s)
{
	if (s->turn_announced)
		turn_lock(s->turn_fd, F_UNLCK);
	s->turn_announced = false;
	s->turn_wanted = false;
}

void
store_turn_yield(struct store *s)
{
	double until;

	if (s->turn_fd == -1 || !turn_someone_waits(s->turn_fd))
		return;
	until = clock_mono() + STORE_TURN_MAX_MS / 1000.0;
	do
		turn_sleep_ms(STORE_POLL_FAST_MS);
	while (turn_someone_waits(s->turn_fd) && clock_mono() < until);
}
