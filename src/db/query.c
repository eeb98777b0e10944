/*
 * query: the console's reads. See query.h for the model. This file holds
 * the connection, its states and query_refresh: whether the store changed
 * and, if so, the model shown and its overview re-read in one read
 * transaction (query-overview.c). The rest is read on demand elsewhere:
 * query-series.c (a batch range's reports), query-alerts.c (a page of
 * alerts), query-batch.c (stepping between batches, one batch's
 * calibration). Payloads are decoded only with report_json_decode_*
 * (db/report-json.h); verdicts and thresholds are shown as stored.
 *
 * Every statement goes through the driver (db/driver.h). A tick with no
 * change costs one stat() and one db_data_version (SQLite's PRAGMA
 * data_version). What only a SQLite file needs is in query-sqlite.c.
 */
#include "db/query.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-pg.h"
#include "db/query-internal.h"
#include "db/store-internal.h"

/* query_read_all's outcomes besides 0 and an error kind. */
#define QUERY_REFUSED	(-1)	/* a version we do not read: state set */
#define QUERY_NO_SCHEMA	(-2)	/* version 0: ingest has not set it up */

/* The writers' notification channel (docs/POSTGRES.md). */
#define QUERY_PG_CHANNEL	"mlmon"
/*
 * A PostgreSQL server that cannot be reached: the first wait before
 * trying again, doubled after each failure up to the cap.
 */
#define QUERY_RETRY_FIRST_MS	500
#define QUERY_RETRY_MAX_MS	8000

/* ---- connection ---- */

void
query_forget(struct query *q)
{
	int i;

	query_names_free(&q->ov);
	memset(&q->ov, 0, sizeof q->ov);
	q->ov.latest_batch = -1;
	q->ov.first_batch = -1;
	for (i = 0; i < QUERY_DET_COUNT; i++)
		q->ov.first_fired[i] = -1;
	q->data_version = -1;
}

static void
query_close_db(struct query *q)
{
	query_stmt_finish(q);
	db_close(q->db);
	q->db = NULL;
	q->views_for = STORE_SCHEMA_VERSION;
	query_forget(q);
}

static void
query_set_state(struct query *q, enum query_state st, const char *fmt,
    const char *arg)
{
	q->state = st;
	snprintf(q->message, sizeof q->message, fmt, arg);
}

/* The store cannot be read (an error of kind err): say why. */
static void
query_unreadable(struct query *q, int err)
{
	if (!q->pg) {
		query_sqlite_unreadable(q, err);
		return;
	}
	q->state = QUERY_UNREADABLE;
	snprintf(q->message, sizeof q->message, "%s: %s", q->path,
	    q->errmsg);
}

/*
 * The schema version: SQLite's user_version; on PostgreSQL meta's
 * schema_version (model 0), 0 while there is no meta table.
 */
static int64_t
query_version(struct query *q, int *err)
{
	int rc;

	if (!q->pg)
		return query_int(q, "PRAGMA user_version", 0, err);
	if ((rc = db_table_exists(q->db, "meta")) != 1) {
		if (rc == -1)
			*err = query_err(q);
		return 0;
	}
	return query_int(q, "SELECT CAST(value AS BIGINT) FROM meta"
	    " WHERE key = 'schema_version' AND model_id = 0", 0, err);
}

/*
 * The console reads the current schema and the two before it: 2 (no
 * stored verdicts: query_read_summary computes them) and 3 (no models:
 * TEMP views, query_read_model; no acks or silences: none shown). 0 is a
 * file ingest has not set up yet. Any other version is refused by name:
 * true, with the state set.
 */
static bool
query_version_refused(struct query *q, int64_t version)
{
	const int newest = STORE_SCHEMA_VERSION, oldest = 2;

	if (version == 0 || (version >= oldest && version <= newest))
		return false;
	if (version > newest)
		snprintf(q->message, sizeof q->message, "%s was made by a "
		    "newer mlmon (schema %lld); this mlmon-top reads schema "
		    "%d to %d", q->path, (long long)version, oldest, newest);
	else if (version > 0)
		snprintf(q->message, sizeof q->message, "%s has schema %lld, "
		    "older than this mlmon-top reads (%d to %d); open it once "
		    "with mlmon-ingest to upgrade it", q->path,
		    (long long)version, oldest, newest);
	else
		snprintf(q->message, sizeof q->message, "%s has schema "
		    "version %lld: not an mlmon store", q->path,
		    (long long)version);
	q->state = QUERY_UNREADABLE;
	return true;
}

/*
 * TEMP views on a file older than version 4 (query-sqlite.c), off once
 * ingest has migrated it; then the model to show and its id.
 */
static int
query_read_model(struct query *q, int64_t version)
{
	struct db_stmt *st;
	const char *name;
	int rc, err = 0;

	if (version != q->views_for) {
		if ((err = query_sqlite_views(q, version)) != 0)
			return err;
		q->views_for = version;
	}
	st = query_prepare(q, "SELECT model_id, name FROM models"
	    " WHERE CAST(?1 AS TEXT) IS NULL OR name = ?1"
	    " ORDER BY name = '" MODEL_DEFAULT "' DESC, name LIMIT 1");
	if (st == NULL)
		return query_err(q);
	db_bind_text(st, 1, q->want_model, -1, DB_STATIC);
	q->model_id = -1;
	q->n_models = 0;
	snprintf(q->model, sizeof q->model, "%s", q->want_model != NULL ?
	    q->want_model : MODEL_DEFAULT);
	rc = db_step(st);
	if (rc == DB_ROW) {
		q->model_id = db_column_int64(st, 0);
		if ((name = db_column_text(st, 1)) != NULL)
			snprintf(q->model, sizeof q->model, "%s", name);
	} else if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	if (err != 0)
		return err;
	q->n_models = query_int(q, "SELECT count(*) FROM models", 0, &err);
	return err;
}

int64_t
query_models(const struct query *q)
{
	return q->n_models;
}

void
query_set_model(struct query *q, const char *name)
{
	if (name == NULL ? q->want_model == NULL : (q->want_model != NULL &&
	    strcmp(name, q->want_model) == 0))
		return;
	free(q->want_model);
	q->want_model = name == NULL ? NULL : xstrdup(name);
	query_forget(q);
	q->gen++;	/* what was decoded for the other model goes */
}

const char *
query_model(const struct query *q)
{
	return q->model;
}

/*
 * Re-read the overview inside one read transaction: 0, an error kind,
 * QUERY_REFUSED or QUERY_NO_SCHEMA.
 */
static int
query_read_all(struct query *q)
{
	int rc, err = 0;
	int64_t version;

	if ((err = query_begin(q)) != 0)
		return err;
	version = query_version(q, &err);
	if (err == 0 && query_version_refused(q, version)) {
		query_end(q, true);
		return QUERY_REFUSED;	/* state and message are set */
	}
	if (err == 0 && version < 1) {
		query_end(q, true);
		return QUERY_NO_SCHEMA;
	}
	rc = err;
	if (rc == 0)
		rc = query_read_model(q, version);
	if (rc == 0)
		rc = query_read_overview(q, version);
	query_end(q, rc == 0);
	return rc;
}

struct query *
query_create(const char *path)
{
	struct query *q;

	q = xcalloc(1, sizeof *q);
	q->model_id = -1;
	q->views_for = STORE_SCHEMA_VERSION;
	snprintf(q->model, sizeof q->model, "%s", MODEL_DEFAULT);
	query_forget(q);
	q->target = xstrdup(path);
	/* Shown in the title and messages: a password masked. */
	q->pg = db_target_is_pg(path);
	q->path = q->pg ? db_target_redact(path) : xstrdup(path);
	query_set_state(q, QUERY_MISSING, "waiting for %s", q->path);
	return q;
}

void
query_destroy(struct query *q)
{
	if (q == NULL)
		return;
	query_close_db(q);
	free(q->want_model);
	free(q->path);
	free(q->target);
	free(q);
}

/*
 * The SQLite file: gone, not a regular file, replaced or opened now.
 * 1 when a connection is open to read, else 0 with the state set.
 */
static int
query_sqlite_file(struct query *q, enum query_state before)
{
	struct stat st;

	if (stat(q->path, &st) == -1) {
		if (q->db != NULL || before == QUERY_DELETED) {
			query_close_db(q);
			query_set_state(q, QUERY_DELETED, "%s was deleted; "
			    "waiting for it to come back", q->path);
		} else {
			query_set_state(q, QUERY_MISSING, "%s", errno ==
			    ENOENT ? "no store yet" : strerror(errno));
		}
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO would block SQLite's first read forever. */
		query_close_db(q);
		query_set_state(q, QUERY_UNREADABLE, "%s: not a regular file",
		    q->path);
		return 0;
	}
	if (q->db != NULL && (st.st_dev != q->dev || st.st_ino != q->ino))
		query_close_db(q);	/* replaced under us: start over */
	if (q->db == NULL) {
		if (query_sqlite_open(q) == -1)
			return 0;
		q->gen++;
		q->dev = st.st_dev;
		q->ino = st.st_ino;
		query_forget(q);
	}
	return 1;
}

/*
 * Waiting for the server: why, and (after the first failure, so that
 * --once says only why) how often it was tried and when it will be again.
 */
static void
query_pg_waiting(struct query *q, double now, bool failed)
{
	int secs = (int)(q->retry_at - now + 0.999);

	q->state = QUERY_MISSING;
	if (failed && q->retries == 1) {
		snprintf(q->message, sizeof q->message, "%s", q->retry_cause);
		return;
	}
	snprintf(q->message, sizeof q->message, "%s (tried %u time%s; next "
	    "try in %d s; waits double up to %d s)", q->retry_cause,
	    q->retries, q->retries == 1 ? "" : "s", secs > 0 ? secs : 0,
	    QUERY_RETRY_MAX_MS / 1000);
}

/* A connection attempt failed for cause (taken): wait longer. */
static void
query_pg_failed(struct query *q, char *cause, double now)
{
	size_t n = strlen(q->path);

	/* The cause names the target, as the state's message does. */
	snprintf(q->retry_cause, sizeof q->retry_cause, "%s",
	    strncmp(cause, q->path, n) == 0 &&
	    strncmp(cause + n, ": ", 2) == 0 ? cause + n + 2 : cause);
	free(cause);
	q->retries++;
	q->retry_ms = q->retry_ms == 0 ? QUERY_RETRY_FIRST_MS :
	    q->retry_ms >= QUERY_RETRY_MAX_MS / 2 ? QUERY_RETRY_MAX_MS :
	    2 * q->retry_ms;
	q->retry_at = now + q->retry_ms / 1000.0;
	query_pg_waiting(q, now, true);
}

/*
 * The PostgreSQL server: connected already, or now (listening for the
 * writers' notifications before the first read, so that no commit after
 * it goes unseen). 1 when a connection is open to read, else 0 with the
 * state set: a server that cannot be reached is waited for, tried again
 * after QUERY_RETRY_FIRST_MS, then twice as long each time up to
 * QUERY_RETRY_MAX_MS (a lost connection is tried again at once).
 */
static int
query_pg_connect(struct query *q)
{
	char *cause = NULL;
	double now;

	if (q->db != NULL)
		return 1;
	now = clock_mono();
	if (q->retries > 0 && now < q->retry_at) {
		query_pg_waiting(q, now, false);
		return 0;
	}
	if ((q->db = db_open(q->target, DB_OPEN_READ_ONLY, &cause)) == NULL) {
		query_pg_failed(q, cause, now);
		return 0;
	}
	q->retries = 0;
	q->retry_ms = 0;
	if (db_pg_listen(q->db, QUERY_PG_CHANNEL) == -1) {
		query_unreadable(q, query_err(q));
		query_close_db(q);
		return 0;
	}
	q->gen++;
	query_forget(q);
	return 1;
}

/* After query_read_all gave rc: the state. 1 (changed) or 0. */
static int
query_settle(struct query *q, int rc, enum query_state before)
{
	if (rc == QUERY_REFUSED) {
		query_close_db(q);	/* re-read from scratch next time */
		return before != q->state;
	}
	if (rc == QUERY_NO_SCHEMA || (rc != 0 && query_sqlite_no_table(q))) {
		/* No schema (or a table missing): ingest has not started. */
		query_set_state(q, QUERY_EMPTY, "%s", "the store has no "
		    "schema yet");
		return before != q->state;
	}
	if (rc != 0) {
		query_unreadable(q, rc);
		query_close_db(q);
		return 1;
	}
	if (q->ov.latest_batch == -1) {
		query_set_state(q, QUERY_EMPTY, "%s", "no batch logged yet");
		return 1;
	}
	q->state = QUERY_OK;
	q->message[0] = '\0';
	return 1;
}

int
query_refresh(struct query *q)
{
	enum query_state before = q->state;
	int64_t dv;
	int rc, err;

	if ((q->pg ? query_pg_connect(q) : query_sqlite_file(q, before)) == 0)
		return before != q->state;
	if ((dv = db_data_version(q->db)) == -1) {
		err = query_err(q);
		if (query_busy(err))
			return -1;
		query_unreadable(q, err);
		query_close_db(q);
		return before != q->state;
	}
	if (dv == q->data_version && q->state == QUERY_OK)
		return 0;
	rc = query_read_all(q);
	if (query_busy(rc))
		return -1;
	q->data_version = dv;
	return query_settle(q, rc, before);
}

int
query_wait_fd(struct query *q)
{
	return q->pg && q->db != NULL ? db_pg_socket(q->db) : -1;
}

bool
query_commit_told(struct query *q)
{
	int64_t dv;

	if (!q->pg || q->db == NULL)
		return false;
	dv = db_data_version(q->db);
	return dv == -1 || dv != q->data_version;
}

enum query_state
query_state(const struct query *q)
{
	return q->state;
}

const char *
query_message(const struct query *q)
{
	return q->message;
}

const struct query_overview *
query_overview(const struct query *q)
{
	return &q->ov;
}

const char *
query_path(const struct query *q)
{
	return q->path;
}
