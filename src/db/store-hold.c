/*
 * Which batches have a live writer (PostgreSQL): a writer holds, on its
 * session, a shared advisory lock for each batch (or window) it has open
 * (its model and batch id hashed into the key; several writers of one
 * batch each hold it), from the batch's first row to its close. The server drops a
 * session's locks when the session ends, however it ends (kill -9, a
 * lost host): so an open batch whose lock nobody holds has no live
 * writer, and a surviving writer of its model may judge it
 * (store_batches_orphaned; the claim still makes the judgement once).
 *
 * The held keys are listed here too: a session does not conflict with
 * its own locks, so a probe must skip them, and a reconnection (a new
 * session) takes them again. The key space is "mlmo" beside the model
 * turn's "mlmn" (store-tx.c); two batches hashing to one key only make
 * one of them look alive while the other is open (never the reverse).
 * SQLite has one writer process per file at a time to think of (its
 * writers take turns; a dead one's batch waits for its restart): every
 * call here does nothing there.
 */
#include "db/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/store-internal.h"

static const char sql_hold[] =
    "SELECT pg_advisory_lock_shared(1835822447, hashtext(?1))";
static const char sql_release[] =
    "SELECT CAST(pg_advisory_unlock_shared(1835822447, hashtext(?1))"
    " AS INTEGER)";
/* 1: nobody holds it (taken and given back at once). */
static const char sql_probe[] =
    "SELECT CASE WHEN pg_try_advisory_lock(1835822447, hashtext(?1))"
    " THEN CAST(pg_advisory_unlock(1835822447, hashtext(?1)) AS INTEGER)"
    " ELSE 0 END";
/*
 * Open, no row logged since ?1 (unix seconds), oldest first. ?1 comes
 * before :model in the text (a name takes the next free index).
 */
static const char sql_untouched[] =
    "SELECT b.batch_id FROM batches b WHERE coalesce((SELECT"
    " max(p.logged_at) FROM predictions p WHERE p.model_id = b.model_id"
    " AND p.batch_id = b.batch_id), b.opened_at) < ?1"
    " AND b.model_id = :model AND b.closed_at IS NULL"
    " ORDER BY b.batch_id";

/* The lock's text key: the model's name and the batch id. Caller frees. */
static char *
hold_key(const struct store *s, int64_t batch)
{
	return xasprintf("%s/%lld", s->model, (long long)batch);
}

/* Whether this session holds key: its index in *at. */
static bool
hold_find(const struct store *s, const char *key, size_t *at)
{
	size_t	i;

	for (i = 0; i < s->n_holds; i++)
		if (strcmp(s->holds[i], key) == 0) {
			*at = i;
			return true;
		}
	return false;
}

/* The probe (sql_probe) of key: 1 nobody holds it, 0 held, -1 *cause. */
static int
hold_probe(struct store *s, const char *key, char **cause)
{
	struct db_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, sql_probe, cause)) == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_STATIC);
	if ((rc = db_step(st)) == DB_ROW)
		rc = db_column_int(st, 0) != 0;
	else
		rc = -1;
	db_reset(st);
	if (rc == -1)
		*cause = store_db_error(s, "looking for batches without a "
		    "writer");
	return rc;
}

/*
 * A lock or release of key, whose answer nobody reads (the lock's void;
 * whether the lock was held): in a write transaction sent in its
 * pipeline and answered with the next statement that needs an answer,
 * not a round trip of its own; stepped outside one. A lock is owed
 * (store_stmt_owe): sent after the batch's COPY has started, before any
 * other statement or the COMMIT, so that the COPY's start need not wait
 * for it. A lock sent after a write that fails, or owed in a transaction
 * that fails, is skipped with the rest of the failed transaction, and the
 * store then ends (or, the connection lost, reconnects and takes every
 * lock of its list again); store_discard sends what is owed first. 0 or
 * -1.
 */
static int
hold_send(struct store *s, const char *sql, const char *key,
    const char *what, char **cause)
{
	struct db_stmt	*st;

	st = sql == sql_hold ? store_stmt_to_owe(s, sql, cause) :
	    store_stmt(s, sql, cause);
	if (st == NULL)
		return -1;
	db_bind_text(st, 1, key, -1, DB_COPY);
	/* A hold goes after the batch's COPY has started (store-stmt.c). */
	if (sql == sql_hold)
		return store_stmt_owe(s, st, what, cause);
	return store_stmt_send(s, st, what, cause);
}

bool
store_holds_batches(const struct store *s)
{
	return s->pg;
}

int
store_batch_hold(struct store *s, int64_t batch, char **cause)
{
	char	*key;
	size_t	 at;

	if (!s->pg)
		return 0;
	key = hold_key(s, batch);
	if (hold_find(s, key, &at)) {
		free(key);
		return 0;
	}
	if (hold_send(s, sql_hold, key, "holding a batch", cause) == -1) {
		free(key);
		return -1;
	}
	s->holds = xreallocarray(s->holds, s->n_holds + 1, sizeof *s->holds);
	s->holds[s->n_holds++] = key;	/* owned */
	return 0;
}

int
store_batch_release(struct store *s, int64_t batch, char **cause)
{
	size_t	 i;
	char	*key;
	int	 rc = 0;

	if (!s->pg)
		return 0;
	key = hold_key(s, batch);
	if (hold_find(s, key, &i)) {
		rc = hold_send(s, sql_release, key, "releasing a batch",
		    cause);
		free(s->holds[i]);
		s->holds[i] = s->holds[--s->n_holds];
	}
	free(key);
	return rc;
}

int
store_holds_again(struct store *s, char **cause)
{
	size_t	i;

	for (i = 0; i < s->n_holds; i++)
		if (hold_send(s, sql_hold, s->holds[i], "holding a batch "
		    "again", cause) == -1)
			return -1;
	return 0;
}

void
store_holds_free(struct store *s)
{
	size_t	i;

	for (i = 0; i < s->n_holds; i++)
		free(s->holds[i]);
	free(s->holds);
	s->holds = NULL;
	s->n_holds = 0;
}

int
store_batches_orphaned(struct store *s, double before, int64_t **ids,
    size_t *n, char **cause)
{
	struct db_stmt	*st;
	size_t		 i, at, kept = 0;
	char		*key;
	int		 rc = 0;

	*ids = NULL;
	*n = 0;
	if (!s->pg)
		return 0;
	if ((st = store_stmt(s, sql_untouched, cause)) == NULL)
		return -1;
	db_bind_double(st, 1, before);
	if (store_stmt_ids(s, st, ids, n, "looking for batches without a "
	    "writer", cause) != 0)
		return -1;
	for (i = 0; i < *n && rc >= 0; i++) {
		key = hold_key(s, (*ids)[i]);
		/* Ours: this session's own locks never conflict with it. */
		if (!hold_find(s, key, &at) &&
		    (rc = hold_probe(s, key, cause)) == 1)
			(*ids)[kept++] = (*ids)[i];
		free(key);
	}
	*n = kept;
	if (rc >= 0)
		return 0;
	free(*ids);
	*ids = NULL;
	*n = 0;
	return -1;
}
