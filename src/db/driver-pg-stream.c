/*
 * The PostgreSQL driver's stream of notifications; and
 * db_data_version, a reader's "anything committed?" (SQLite's PRAGMA
 * data_version, PostgreSQL's notifications).
 *
 * Notifications: a listener waits on the connection's socket with poll
 * and reads what arrived with PQconsumeInput; the server delivers a
 * NOTIFY only when the notifying transaction commits, so a wake-up means
 * committed data. COPY is driver-pg-copy.c's.
 */
#include "db/driver-pg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/driver-pg-internal.h"

int
db_pg_listen(struct db_conn *c, const char *channel)
{
	char sql[DB_IDENTIFIER_MAX + 16];

	if (db_pg_conn(c) == NULL)
		return -1;
	if (!db_identifier_ok(channel)) {
		db_set_error(c, DB_E_OTHER, "bad channel name");
		return -1;
	}
	snprintf(sql, sizeof sql, "LISTEN %s", channel);
	return db_exec(c, sql);
}

/* Consume every notification received; how many there were. */
static int
pg_drain(PGconn *pq)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(pq)) != NULL) {
		PQfreemem(n);
		got++;
	}
	return got;
}

int
db_pg_wait(struct db_conn *c, int timeout_ms)
{
	PGconn *pq = db_pg_conn(c);
	struct pollfd pfd;
	double end;
	int left, rc;

	if (pq == NULL)
		return -1;
	if (pg_drain(pq) > 0)
		return 1;
	end = clock_mono() + (timeout_ms > 0 ? timeout_ms : 0) / 1000.0;
	for (;;) {
		pfd.fd = PQsocket(pq);
		pfd.events = POLLIN;
		if (pfd.fd < 0) {
			db_pg_fail(c, NULL);
			return -1;
		}
		left = (int)((end - clock_mono()) * 1000.0 + 0.999);
		rc = poll(&pfd, 1, left > 0 ? left : 0);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1) {
			db_set_error(c, DB_E_CONNECTION, strerror(errno));
			return -1;
		}
		if (rc == 1 && PQconsumeInput(pq) == 0) {
			db_pg_fail(c, NULL);
			return -1;
		}
		if (pg_drain(pq) > 0)
			return 1;
		if (left <= 0)
			return 0;
	}
}

/* Here beside db_pg_wait, which it is on PostgreSQL. */
int64_t
db_data_version(struct db_conn *c)
{
	struct db_stmt *st;
	int64_t v = -1;

	if (c->backend == DB_POSTGRES) {
		switch (db_pg_wait(c, 0)) {
		case -1:
			return -1;
		case 1:
			c->notified++;
			break;
		}
		return c->notified;
	}
	if ((st = db_prepare(c, "PRAGMA data_version", 0)) == NULL)
		return -1;
	if (db_step(st) == DB_ROW)
		v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

int
db_pg_socket(struct db_conn *c)
{
	PGconn *pq = db_pg_conn(c);
	int fd;

	if (pq == NULL)
		return -1;
	if ((fd = PQsocket(pq)) < 0)
		db_pg_fail(c, NULL);
	return fd;
}

bool
db_pg_lost(struct db_conn *c)
{
	PGconn *pq;

	if (c->backend != DB_POSTGRES)
		return false;
	pq = db_pg_conn(c);
	/*
	 * A write that found the socket closed ("server closed the
	 * connection unexpectedly") can leave the status OK until libpq
	 * reads the end of the stream: read what is there (a live
	 * connection only queues what it finds).
	 */
	if (PQstatus(pq) == CONNECTION_OK)
		(void)PQconsumeInput(pq);
	return PQstatus(pq) == CONNECTION_BAD;
}
