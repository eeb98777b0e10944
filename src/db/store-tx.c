/*
 * The store's write transaction and its meta table. At most one write
 * transaction is open per store: the first write after a flush opens it
 * (store_write_begin: SQLite's BEGIN IMMEDIATE, PostgreSQL's BEGIN), and
 * store_flush commits it. Both retry while the driver says busy (another
 * SQLite writer holds the lock beyond the busy handler's wait), with the
 * fair turns of store-turn.c on SQLite. The first write transaction of a
 * model not stored yet stores it (models).
 */
#include "db/store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/driver-pg.h"
#include "db/store-internal.h"

/* Retries on busy for BEGIN and COMMIT go on this many timeouts. */
#define STORE_BUSY_RETRY_FACTOR	6

static const char sql_model_create[] =
    "INSERT INTO models (name, created_at) VALUES (?1, ?2)"
    " ON CONFLICT (name) DO NOTHING";
/*
 * PostgreSQL: the model's turn, taken first in each write transaction.
 * Every write of a model updates its one row of model_status (the fleet
 * triggers), so two writers of a model would otherwise hold rows each
 * other waits for (a deadlock the server breaks by aborting one); taken
 * first, the lock orders them: writers of one model take turns by
 * transaction, as SQLite's writers do by store, and writers of different
 * models run at once. The key is "mlmn" and the name's hash. The same
 * statement tells the consoles listening on channel mlmon (the model's
 * name as payload; mlmon-top, query.c): the server delivers it when the
 * transaction commits, and not at all if it rolls back.
 */
static const char sql_model_turn[] =
    "SELECT pg_advisory_xact_lock(1835822446, hashtext(?1)),"
    " pg_notify('mlmon', ?1)";
static const char sql_meta_get[] =
    "SELECT value FROM meta WHERE key = ?1 AND model_id = :model";
static const char sql_meta_set[] =
    "INSERT INTO meta (key, value, model_id) VALUES (?1, ?2, :model)"
    " ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value";

void
store_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * The connection was lost outside a transaction (PostgreSQL: the server
 * restarted or dropped it): connect again, waiting 100 ms, then twice as
 * long each time up to 5 s, for STORE_RECONNECT_MS at most or until a stop
 * is asked, saying so in s->log; the batches held open are held again on
 * the new session. 0, or -1 and *cause.
 */
static int
store_reconnect_wait(struct store *s, const char *what, char **cause)
{
	double start = clock_mono();
	int delay = 100, tries = 0;
	char *msg;

	if (s->log != NULL) {
		/* libpq's message spans lines: one line here. */
		msg = sanitize_dup(db_errmsg(s->conn), SIZE_MAX);
		fprintf(s->log, "mlmon-ingest: %s: %s while %s: reconnecting\n",
		    s->path, msg, what);
		free(msg);
	}
	while (db_reconnect(s->conn) == -1) {
		tries++;
		if (store_stop_due() ||
		    (clock_mono() - start) * 1000.0 >= STORE_RECONNECT_MS) {
			*cause = xasprintf("%s: %s (gave up reconnecting after "
			    "%d tries in %.0f s)", s->path,
			    db_errmsg(s->conn), tries, clock_mono() - start);
			return -1;
		}
		store_sleep_ms(delay);
		if (delay < 5000)
			delay *= 2;
	}
	if (s->log != NULL)
		fprintf(s->log, "mlmon-ingest: %s: reconnected after %.1f s\n",
		    s->path, clock_mono() - start);
	/* The old session's batch locks went with it (store-hold.c). */
	return store_holds_again(s, cause);
}

bool
store_lost(struct store *s)
{
	return s->conn != NULL && db_pg_lost(s->conn);
}

/*
 * What the store knew of its lost transaction goes with it: the batch it
 * had open, an open COPY, the model it may have stored in it, the pruning
 * head it read.
 */
int
store_reconnect(struct store *s, const char *what, char **cause)
{
	if (s->in_tx)
		store_tx_reset(s, true);
	s->bulk_copying = false;	/* the COPY went with the session */
	s->bulk_batch = -1;
	s->model_known = false;
	s->prune_head_known = false;
	return store_reconnect_wait(s, what, cause);
}

/*
 * BEGIN (write) or COMMIT, retrying while busy (on top of the busy
 * handler's own wait) until STORE_BUSY_RETRY_FACTOR busy timeouts have
 * passed. Both leave the transaction state unchanged when they fail busy,
 * so retrying is safe.
 */
static int
store_tx_retry(struct store *s, bool begin, const char *what, char **cause)
{
	double start, limit;
	int rc, delay = 1;

	start = clock_mono();
	limit = (double)s->busy_ms * STORE_BUSY_RETRY_FACTOR / 1000.0;
	for (;;) {
		rc = begin ? db_begin(s->conn, true) : db_commit(s->conn);
		if (rc == 0)
			return 0;
		/* Lost between transactions: nothing of ours is lost. */
		if (begin && db_error(s->conn) == DB_E_CONNECTION) {
			if (store_reconnect_wait(s, what, cause) == -1)
				return -1;
			continue;
		}
		/*
		 * A write sent before the COMMIT (store_stmt_send) that
		 * failed busy aborted the transaction: a second COMMIT
		 * would only roll it back. Not retried.
		 */
		if (db_error(s->conn) != DB_E_BUSY ||
		    db_failed_what(s->conn) != NULL)
			break;
		if (store_stop_due()) {
			*cause = xasprintf("%s: interrupted while waiting for "
			    "the lock held by another process (%s)", s->path,
			    what);
			return -1;
		}
		if (clock_mono() - start >= limit) {
			*cause = xasprintf("%s: the database stayed locked by "
			    "another process for %.0f s while %s", s->path,
			    clock_mono() - start, what);
			return -1;
		}
		store_sleep_ms(delay);
		if (delay < 64)
			delay *= 2;
	}
	*cause = store_db_error(s, what);
	return -1;
}

/* Store the model if it is not (inside the write transaction). 0 or -1. */
static int
store_model_create(struct store *s, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_model_create, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, s->model, -1, DB_STATIC);
	db_bind_double(st, 2, clock_wall());
	if (store_stmt_done(s, st, "storing the model", cause) == -1)
		return -1;
	store_model_lookup(s);
	if (!s->model_known) {
		*cause = xasprintf("%s: model \"%s\" was stored but cannot be "
		    "read back", s->path, s->model);
		return -1;
	}
	return 0;
}

/* PostgreSQL: wait for the model's turn (sql_model_turn). 0 or -1. */
static int
store_model_turn(struct store *s, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_model_turn, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, s->model, -1, DB_STATIC);
	return store_stmt_done(s, st, "waiting for the model's turn", cause);
}

int
store_write_begin(struct store *s, char **cause)
{
	int rc;

	if (s->in_tx)
		return 0;
	if (s->readonly) {
		*cause = xasprintf("%s: opened read-only, cannot write",
		    s->path);
		return -1;
	}
	store_turn_want(s);
	rc = store_tx_retry(s, true, "starting a write transaction", cause);
	store_turn_got(s);
	if (rc == -1)
		return -1;
	s->in_tx = true;
	s->pending = 0;
	s->tx_writes = 0;
	s->tx_seq++;	/* store-pred.c checks its cached batch once in it */
	return store_write_model(s, cause);
}

int
store_write_model(struct store *s, char **cause)
{
	if (!s->schema_ready)
		return 0;
	if (s->pg && store_model_turn(s, cause) == -1)
		return -1;
	if (!s->model_known)
		store_model_lookup(s);
	if (!s->model_known)
		return store_model_create(s, cause);
	return 0;
}

int
store_flush(struct store *s, char **cause)
{
	char what[96];

	if (!s->in_tx)
		return 0;
	if (s->pending > 0)
		snprintf(what, sizeof what, "committing %zu rows", s->pending);
	else
		snprintf(what, sizeof what, "committing");
	if (store_summary_write(s, cause) == -1 ||
	    store_status_flush(s, cause) == -1 ||
	    store_bulk_end(s, cause) == -1 ||
	    store_tx_retry(s, false, what, cause) == -1) {
		/*
		 * A failed COMMIT (disk full, I/O error) may leave the
		 * transaction open: roll it back so the store is usable and
		 * say what was lost.
		 */
		if (s->in_tx && db_tx_state(s->conn) != DB_TX_IDLE) {
			db_rollback(s->conn);
			store_tx_reset(s, true);
		}
		return -1;
	}
	store_tx_reset(s, false);
	store_turn_yield(s);
	return 0;
}

size_t
store_pending(const struct store *s)
{
	return s->pending;
}

void
store_set_log(struct store *s, FILE *log)
{
	s->log = log;
}

void
store_set_busy_timeout(struct store *s, int ms)
{
	if (ms < 0)
		ms = 0;
	s->busy_ms = ms;
}

void
store_discard(struct store *s)
{
	char *cause = NULL;

	if (s->in_tx && s->conn != NULL) {
		/* The COPY's or held rows go into the transaction rolled
		 * back. */
		if (store_bulk_end(s, &cause) == -1)
			free(cause);
		db_rollback(s->conn);
		store_tx_reset(s, true);
	}
}

/* ---- meta ------------------------------------------------------------ */

int
store_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	struct db_stmt *st;

	if ((st = store_stmt(s, sql_meta_get, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_STATIC);
	return store_stmt_text(s, st, value, "reading meta", cause);
}

int
store_meta_set(struct store *s, const char *key, const char *value,
    char **cause)
{
	struct db_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	if ((st = store_stmt(s, sql_meta_set, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_STATIC);
	db_bind_text(st, 2, value, -1, DB_STATIC);
	s->tx_writes++;
	return store_stmt_send(s, st, "writing meta", cause);
}
