/*
 * query-sqlite: what only a SQLite store asks of the console. The file is
 * opened read-only with a short busy timeout (the console must never wait
 * on ingest); an unreadable file is explained, the one cause that needs it
 * being a WAL file whose -shm is missing in a directory we cannot write;
 * a file older than schema version 4 reads through TEMP views
 * (schema-models.c, schema-fleet.c) until ingest migrates it. A
 * PostgreSQL store is born at the current version and has none of this.
 */
#include "db/query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "db/driver-sqlite.h"
#include "db/query-internal.h"
#include "db/store-internal.h"

#define QUERY_BUSY_MS		100

/* 1 if path starts with an SQLite header saying WAL (bytes 18, 19 = 2). */
static int
query_is_wal(const char *path)
{
	unsigned char h[20];
	int fd;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, h, sizeof h);
	close(fd);
	return n == (ssize_t)sizeof h && memcmp(h, "SQLite format 3", 16) ==
	    0 && h[18] == 2 && h[19] == 2;
}

/*
 * Why a read-only connection cannot open a WAL file: its -shm is missing
 * and the directory is not writable (docs/SCHEMA.md, Concurrency). NULL
 * when that is not the cause. Caller frees.
 */
static char *
query_shm_reason(const char *path, int rc)
{
	char *shm, *copy, *reason = NULL;
	const char *dir;
	int e;

	shm = xasprintf("%s-shm", path);
	copy = xstrdup(path);
	dir = dirname(copy);
	if ((rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) &&
	    access(shm, F_OK) == -1 && query_is_wal(path) &&
	    access(dir, W_OK) == -1) {
		e = errno;
		if (e == EROFS)
			reason = xasprintf("%s is on a read-only file system",
			    dir);
		else
			reason = xasprintf("you cannot write to %s (%s)", dir,
			    strerror(e));
	}
	free(shm);
	free(copy);
	return reason;
}

void
query_sqlite_unreadable(struct query *q, int err)
{
	char *shm, *wal, *copy, *reason;
	const char *base;
	int rc = (err == DB_E_CANTOPEN && q->rc == 0 ? SQLITE_CANTOPEN :
	    q->rc) & 0xff;

	q->state = QUERY_UNREADABLE;
	if ((reason = query_shm_reason(q->path, rc)) == NULL) {
		snprintf(q->message, sizeof q->message, "%s: %s", q->path,
		    sqlite3_errstr(rc));
		return;
	}
	shm = xasprintf("%s-shm", q->path);
	wal = xasprintf("%s-wal", q->path);
	copy = xstrdup(q->path);
	base = basename(copy);
	snprintf(q->message, sizeof q->message, "%s is a WAL database and its "
	    "-shm file is missing: SQLite needs %s to read it and cannot "
	    "create it, because %s. Run mlmon-top while mlmon-ingest has the "
	    "store open (the -shm file exists then), make the directory "
	    "writable, or open a copy: cp %s%s%s /tmp/ && mlmon-top --db "
	    "/tmp/%s", q->path, shm, reason, q->path,
	    access(wal, F_OK) == 0 ? " " : "",
	    access(wal, F_OK) == 0 ? wal : "", base);
	free(reason);
	free(shm);
	free(wal);
	free(copy);
}

int
query_sqlite_open(struct query *q)
{
	char *cause = NULL;

	q->rc = 0;
	q->db = db_open(q->target, DB_OPEN_READ_ONLY, &cause);
	if (q->db == NULL) {
		free(cause);
		query_sqlite_unreadable(q, DB_E_CANTOPEN);
		return -1;
	}
	sqlite3_busy_timeout(db_sqlite_handle(q->db), QUERY_BUSY_MS);
	return 0;
}

/* SQLITE_BUSY or SQLITE_LOCKED, extended codes too. */
static bool
query_sqlite_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

int
query_sqlite_views(struct query *q, int64_t version)
{
	sqlite3 *db = db_sqlite_handle(q->db);
	int rc;

	if (db == NULL)
		return 0;
	if ((rc = schema_models_views(db, version < 4)) == SQLITE_OK)
		rc = schema_fleet_view(db, (int)version);
	if (rc == SQLITE_OK)
		return 0;
	q->rc = rc;
	snprintf(q->errmsg, sizeof q->errmsg, "%s", sqlite3_errstr(rc));
	return query_sqlite_busy(rc) ? DB_E_BUSY : DB_E_OTHER;
}

bool
query_sqlite_no_table(const struct query *q)
{
	return !q->pg && (q->rc & 0xff) == SQLITE_ERROR;
}

const char *
query_sqlite_errstr(const struct query *q)
{
	return sqlite3_errstr(q->rc);
}
