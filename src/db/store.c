/*
 * The SQLite store. One connection per struct store. A read-write store
 * opens the file in WAL mode with synchronous=NORMAL, creates or migrates
 * the schema (schema.c) and then keeps at most one write transaction open:
 * BEGIN IMMEDIATE on the first write after a flush, COMMIT in store_flush.
 * Hot statements are prepared once and reused; everything else goes
 * through the store_prepare() cache.
 *
 * The batch ledger (batches) gets its row in the transaction that inserts
 * the batch's first prediction; the store remembers the current batch so
 * the ledger costs nothing per row. n_rows and n_labelled are recounted
 * over the UNIQUE(batch_id, row_in_batch) range at close and on labelling.
 */
#include "db/store.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/model.h"
#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-sqlite.h"
#include "db/store-internal.h"

static void	store_model_lookup(struct store *);
static void	store_bind_model(struct store *, sqlite3_stmt *);

/* Retries on SQLITE_BUSY for BEGIN and COMMIT go on this many timeouts. */
#define STORE_BUSY_RETRY_FACTOR	6

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";

static const char sql_pred_insert[] =
    "INSERT OR IGNORE INTO predictions (batch_id, row_in_batch, features,"
    " predicted_class, confidence, scores, true_class, logged_at,"
    " labeled_at, event_id, event_ts, src_line, model_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, :model)";
static const char sql_pred_exists[] =
    "SELECT features, scores, predicted_class, confidence, true_class"
    " FROM predictions WHERE batch_id = ?1 AND row_in_batch = ?2"
    " AND model_id = :model";
static const char sql_batch_open[] =
    "INSERT INTO batches (batch_id, n_rows, n_labelled, opened_at,"
    " model_id) VALUES (?1, 0, 0, ?2, :model)"
    " ON CONFLICT (model_id, batch_id) DO NOTHING";
static const char sql_data_version[] = "PRAGMA data_version";
static const char sql_batch_closed[] =
    "SELECT closed_at IS NOT NULL, pruned_at IS NOT NULL FROM batches"
    " WHERE batch_id = ?1 AND model_id = :model";
static const char sql_batch_get[] =
    "SELECT features, predicted_class, confidence, true_class, scores"
    " FROM predictions WHERE batch_id = ?1 AND model_id = :model"
    " ORDER BY row_in_batch";
static const char sql_batch_count[] =
    "SELECT count(*), count(true_class), max(labeled_at)"
    " FROM predictions WHERE batch_id = ?1 AND model_id = :model";
/* The store's count of late rows, for the console (meta late_rows). */
static const char sql_late_count[] =
    "INSERT INTO meta (key, value, model_id) VALUES ('late_rows', '1',"
    " :model) ON CONFLICT (model_id, key) DO UPDATE SET value ="
    " CAST(CAST(value AS INTEGER) + 1 AS TEXT)";
static const char sql_label_rows[] =
    "SELECT id, true_class FROM predictions WHERE batch_id = ?1"
    " AND model_id = :model ORDER BY row_in_batch";
static const char sql_label_set[] =
    "UPDATE predictions SET true_class = ?2, labeled_at = ?3 WHERE id = ?1";
static const char sql_label_ledger[] =
    "UPDATE batches SET n_labelled = ?2, labelled_at = ?3"
    " WHERE batch_id = ?1 AND model_id = :model";
static const char sql_meta_get[] =
    "SELECT value FROM meta WHERE key = ?1 AND model_id = :model";
static const char sql_meta_set[] =
    "INSERT INTO meta (key, value, model_id) VALUES (?1, ?2, :model)"
    " ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value";
static const char sql_report_get[] =
    "SELECT payload FROM monitor_reports"
    " WHERE batch_id = ?1 AND report_type = ?2 AND model_id = :model";
static const char sql_reject_add[] =
    "INSERT INTO rejected (source, line, reason, text, truncated, at,"
    " model_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, :model)";
static const char sql_detector_get[] =
    "SELECT last_batch, state FROM detector_state"
    " WHERE name = ?1 AND model_id = :model";
static const char sql_detector_put[] =
    "INSERT INTO detector_state (name, last_batch, state, updated_at,"
    " model_id) VALUES (?1, ?2, ?3, ?4, :model)"
    " ON CONFLICT (model_id, name) DO UPDATE SET"
    " last_batch = excluded.last_batch, state = excluded.state,"
    " updated_at = excluded.updated_at";

/* ---- Errors, statements, transactions ------------------------------ */

/* Forget the transaction (it was committed or rolled back). */
static void
store_tx_reset(struct store *s, bool rolled_back)
{
	s->in_tx = false;
	s->pending = 0;
	s->tx_writes = 0;
	if (rolled_back) {
		s->cur_batch = -1;
		s->cur_counted = false;
	}
}

char *
store_error_msg(struct store *s, const char *msg, const char *what)
{
	enum db_tx tx = db_tx_state(s->conn);
	size_t lost;

	if (s->in_tx && tx != DB_TX_OPEN) {
		/* PostgreSQL keeps a failed transaction until ROLLBACK. */
		if (tx == DB_TX_FAILED)
			db_rollback(s->conn);
		lost = s->pending;
		store_tx_reset(s, true);
		return xasprintf("%s: %s while %s (the transaction was rolled "
		    "back: %zu rows since the last flush are not stored)",
		    s->path, msg, what, lost);
	}
	return xasprintf("%s: %s while %s", s->path, msg, what);
}

/* ---- The model ------------------------------------------------------ */

/* Finalize the hot statements (they hold the model_id bound). */
static void
store_forget_hot(struct store *s)
{
	sqlite3_finalize(s->st_pred_insert);
	sqlite3_finalize(s->st_pred_exists);
	sqlite3_finalize(s->st_batch_open);
	sqlite3_finalize(s->st_batch_get);
	sqlite3_finalize(s->st_data_version);
	s->st_pred_insert = s->st_pred_exists = s->st_batch_open = NULL;
	s->st_batch_get = s->st_data_version = NULL;
}

/* Look the model's id up; model_known when it is stored. */
static void
store_model_lookup(struct store *s)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "SELECT model_id FROM models"
	    " WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, s->model, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s->model_id = sqlite3_column_int64(st, 0);
		s->model_known = true;
		store_forget_hot(s);
	}
	sqlite3_finalize(st);
}

/* Store the model if it is not (inside the write transaction). 0 or -1. */
static int
store_model_create(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "INSERT INTO models (name, created_at)"
	    " VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s->model, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, clock_wall());
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "storing the model");
		return -1;
	}
	store_model_lookup(s);
	if (!s->model_known) {
		*cause = xasprintf("%s: model \"%s\" was stored but cannot be "
		    "read back", s->path, s->model);
		return -1;
	}
	return 0;
}

/* Bind :model, if st has it (see struct store). */
static void
store_bind_model(struct store *s, sqlite3_stmt *st)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(st, ":model")) != 0)
		sqlite3_bind_int64(st, i, store_model_param(s));
}

int64_t
store_model_param(struct store *s)
{
	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	if (!s->schema_ready)
		return 0;
	return s->model_known ? s->model_id : -1;
}

int
store_model_set(struct store *s, const char *name, char **cause)
{
	char why[128];

	if (!model_name_check(name, strlen(name), why, sizeof why)) {
		*cause = xasprintf("model \"%s\": %s", name, why);
		return -1;
	}
	if (strcmp(name, s->model) == 0)
		return 0;
	free(s->model);
	s->model = xstrdup(name);
	s->model_known = false;
	s->cur_batch = -1;
	s->cur_counted = false;
	store_forget_hot(s);
	return 0;
}

const char *
store_model(const struct store *s)
{
	return s->model;
}

int
store_models(struct store *s, char ***names, size_t *n, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	*names = NULL;
	*n = 0;
	if ((st = store_prepare(s, "SELECT name FROM models ORDER BY name",
	    cause)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "listing the models");
		store_models_free(*names, *n);
		*names = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void
store_models_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- Statements ------------------------------------------------------ */

char *
store_error(struct store *s, int rc, const char *what)
{
	const char *msg;

	if ((sqlite3_extended_errcode(s->db) & 0xff) == (rc & 0xff))
		msg = sqlite3_errmsg(s->db);
	else
		msg = sqlite3_errstr(rc);
	return store_error_msg(s, msg, what);
}

sqlite3_stmt *
store_prepare(struct store *s, const char *sql, char **cause)
{
	struct store_cached_stmt *c;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	/* By pointer first (literals), then by text. */
	for (i = 0; i < s->n_cache; i++)
		if (s->cache[i].sql == sql)
			break;
	if (i == s->n_cache) {
		for (i = 0; i < s->n_cache; i++)
			if (strcmp(sqlite3_sql(s->cache[i].stmt), sql) == 0)
				break;
	}
	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	if (i < s->n_cache) {
		c = &s->cache[i];
		sqlite3_reset(c->stmt);
		sqlite3_clear_bindings(c->stmt);
		store_bind_model(s, c->stmt);
		return c->stmt;
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, "preparing a statement");
		return NULL;
	}
	if (s->n_cache == s->cap_cache) {
		s->cap_cache = s->cap_cache == 0 ? 32 : 2 * s->cap_cache;
		s->cache = xreallocarray(s->cache, s->cap_cache,
		    sizeof *s->cache);
	}
	s->cache[s->n_cache].sql = sql;
	s->cache[s->n_cache].stmt = st;
	s->n_cache++;
	store_bind_model(s, st);
	return st;
}

/* A hot statement kept in its own field; :model bound once. */
static sqlite3_stmt *
store_prepare_hot(struct store *s, sqlite3_stmt **slot, const char *sql,
    char **cause)
{
	int rc;

	if (!s->model_known && s->schema_ready)
		store_model_lookup(s);
	if (*slot != NULL)
		return *slot;
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    slot, NULL);
	if (rc != SQLITE_OK) {
		*slot = NULL;
		*cause = store_error(s, rc, "preparing a statement");
		return NULL;
	}
	store_bind_model(s, *slot);
	return *slot;
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
    char **cause)
{
	int rc;

	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, what);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
store_exec(struct store *s, const char *sql, const char *what, char **cause)
{
	char *err = NULL;
	int rc;

	rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, what);
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Step BEGIN IMMEDIATE or COMMIT, retrying on SQLITE_BUSY (on top of the
 * busy handler's own wait) until STORE_BUSY_RETRY_FACTOR busy timeouts
 * have passed. Both statements leave the transaction state unchanged when
 * they fail with SQLITE_BUSY, so retrying is safe.
 */
static int
store_step_retry(struct store *s, const char *sql, const char *what,
    char **cause)
{
	sqlite3_stmt *st;
	double start, limit;
	int rc, delay = 1;

	st = store_prepare(s, sql, cause);
	if (st == NULL)
		return -1;
	start = clock_mono();
	limit = (double)s->busy_ms * STORE_BUSY_RETRY_FACTOR / 1000.0;
	for (;;) {
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
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
		sleep_ms(delay);
		if (delay < 64)
			delay *= 2;
	}
	*cause = store_error(s, rc, what);
	return -1;
}

int
store_write_begin(struct store *s, char **cause)
{
	if (s->in_tx)
		return 0;
	if (s->readonly) {
		*cause = xasprintf("%s: opened read-only, cannot write",
		    s->path);
		return -1;
	}
	store_turn_want(s);
	if (store_step_retry(s, sql_begin, "starting a write transaction",
	    cause) == -1) {
		store_turn_got(s);
		return -1;
	}
	store_turn_got(s);
	s->in_tx = true;
	s->pending = 0;
	s->tx_writes = 0;
	if (s->schema_ready && !s->model_known)
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
	if (store_step_retry(s, sql_commit, what, cause) == -1) {
		/*
		 * A failed COMMIT (disk full, I/O error) may leave the
		 * transaction open: roll it back so the store is usable and
		 * say what was lost.
		 */
		if (s->in_tx && !sqlite3_get_autocommit(s->db)) {
			sqlite3_exec(s->db, sql_rollback, NULL, NULL, NULL);
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
store_set_busy_timeout(struct store *s, int ms)
{
	if (ms < 0)
		ms = 0;
	s->busy_ms = ms;
}

/* ---- Open and close ------------------------------------------------ */

/* Settings for a writer; journal_mode must be set outside a transaction. */
static int
store_setup_writer(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	const char *mode;
	int rc;

	/*
	 * 16 KiB pages for new files (a no-op on existing ones): a quarter
	 * of the WAL and checkpoint syscalls of 4 KiB pages, ~10% less CPU
	 * per logged row. Must come before the first write, i.e. before WAL.
	 */
	if (store_exec(s, "PRAGMA page_size = 16384", "setting the page size",
	    cause) == -1)
		return -1;
	rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		*cause = store_error(s, rc, "switching to WAL mode");
		return -1;
	}
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_BUSY)
			break;
		sqlite3_reset(st);
		sleep_ms(10);
	}
	if (rc != SQLITE_ROW) {
		*cause = store_error(s, rc, "switching to WAL mode");
		sqlite3_finalize(st);
		return -1;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		*cause = xasprintf("%s: cannot switch to WAL mode (journal "
		    "mode stays %s)", s->path, mode == NULL ? "?" : mode);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return store_exec(s, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA foreign_keys = OFF;"
	    "PRAGMA cache_size = -16384;"
	    "PRAGMA temp_store = MEMORY;", "configuring the connection", cause);
}

/*
 * A read-only connection to a WAL database needs the -shm file: it uses
 * an existing one or creates it. With no writer around (the last
 * connection removes -wal and -shm) and a directory we cannot write,
 * neither works; replace SQLite's "attempt to write a readonly database"
 * with what is going on.
 */
static void
store_explain_readonly(struct store *s, char **cause)
{
	char *shm;
	int ext;

	ext = sqlite3_extended_errcode(s->db) & 0xff;
	if (ext != SQLITE_READONLY && ext != SQLITE_CANTOPEN)
		return;
	shm = xasprintf("%s-shm", s->path);
	if (access(shm, F_OK) == -1) {
		free(*cause);
		*cause = xasprintf("%s: cannot read this WAL database "
		    "read-only: its -shm file is missing and cannot be "
		    "created (is the directory writable?); open it while "
		    "mlmon-ingest runs, or once read-write", s->path);
	}
	free(shm);
}

/*
 * Process-wide SQLite settings, before the library initialises: no memory
 * statistics (a global mutex taken on every allocation, ~10% of an
 * insert) and store-mem.c's allocator. Harmless (SQLITE_MISUSE, ignored)
 * if SQLite is already running.
 */
static pthread_once_t	 sqlite_once = PTHREAD_ONCE_INIT;

static void
sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	store_mem_install();
}

struct store *
store_open(const char *path, enum store_mode mode, char **cause)
{
	struct store *s;
	struct stat sb;
	char *shown;

	if (db_target_is_pg(path)) {
		shown = db_target_redact(path);
		*cause = xasprintf("%s: a PostgreSQL store, which this build "
		    "cannot open yet (docs/POSTGRES.md)", shown);
		free(shown);
		return NULL;
	}
	pthread_once(&sqlite_once, sqlite_configure);
	s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->readonly = (mode == STORE_READ_ONLY);
	s->busy_ms = STORE_BUSY_TIMEOUT_MS;
	s->cur_batch = -1;
	s->turn_fd = -1;
	s->model = xstrdup(MODEL_DEFAULT);

	/* A FIFO would block SQLite's first read forever. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		goto fail;
	}
	s->conn = db_open(path, s->readonly ? DB_OPEN_READ_ONLY :
	    DB_OPEN_READ_WRITE, cause);
	if (s->conn == NULL) {
		if (s->readonly && access(path, F_OK) == -1) {
			free(*cause);
			*cause = xasprintf("%s: no such database (a read-only "
			    "open never creates one)", path);
		}
		goto fail;
	}
	s->db = db_sqlite_handle(s->conn);
	store_turn_open(s);

	if (s->readonly) {
		if (schema_check(s, cause) == -1) {
			store_explain_readonly(s, cause);
			goto fail;
		}
		s->schema_ready = true;
		return s;
	}
	/* SQLite silently falls back to read-only for an unwritable file. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		*cause = xasprintf("%s: the file is read-only (check its "
		    "permissions and its directory's); cannot open it for "
		    "writing", path);
		goto fail;
	}
	if (store_setup_writer(s, cause) == -1)
		goto fail;
	if (schema_migrate(s, cause) == -1)
		goto fail;
	s->schema_ready = true;
	return s;

fail:
	store_close(s);
	return NULL;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

void
store_discard(struct store *s)
{
	if (s->in_tx && s->db != NULL) {
		sqlite3_exec(s->db, sql_rollback, NULL, NULL, NULL);
		store_tx_reset(s, true);
	}
}

void
store_set_dict(struct store *s, struct cat_dict *dict)
{
	s->dict = dict;
}

void
store_close(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->in_tx && s->db != NULL) {
		/* Best effort: callers flush first to see errors. */
		if (sqlite3_exec(s->db, sql_commit, NULL, NULL, NULL) !=
		    SQLITE_OK)
			sqlite3_exec(s->db, sql_rollback, NULL, NULL, NULL);
	}
	for (i = 0; i < s->n_cache; i++)
		sqlite3_finalize(s->cache[i].stmt);
	free(s->cache);
	store_forget_hot(s);
	store_stmt_finish(s);
	db_close(s->conn);
	store_turn_close(s);
	free(s->model);
	free(s->path);
	free(s);
}

/* ---- meta ------------------------------------------------------------ */

int
store_meta_get(struct store *s, const char *key, char **value, char **cause)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	st = store_prepare(s, sql_meta_get, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "reading meta");
		return -1;
	}
	v = sqlite3_column_text(st, 0);
	*value = xstrdup(v == NULL ? "" : (const char *)v);
	sqlite3_reset(st);
	return 0;
}

int
store_meta_set(struct store *s, const char *key, const char *value,
    char **cause)
{
	sqlite3_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_prepare(s, sql_meta_set, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	s->tx_writes++;
	return store_step_done(s, st, "writing meta", cause);
}

/* ---- Predictions and batches --------------------------------------- */

/* PRAGMA data_version: changes when another connection commits. */
int
store_data_version(struct store *s, int64_t *out)
{
	sqlite3_stmt *st;
	char *cause = NULL;
	int rc;

	st = store_prepare_hot(s, &s->st_data_version, sql_data_version,
	    &cause);
	if (st == NULL) {
		free(cause);
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int
store_schema_version(void)
{
	return STORE_SCHEMA_VERSION;
}

int64_t
store_version(struct store *s)
{
	int64_t v;

	return store_data_version(s, &v) == 0 ? v : -1;
}

static void
store_on_rollback(void *arg)
{
	struct store *s = arg;

	s->rollbacks++;
}

uint64_t
store_rollbacks(struct store *s)
{
	if (!s->rollback_hooked) {
		sqlite3_rollback_hook(s->db, store_on_rollback, s);
		s->rollback_hooked = true;
	}
	return s->rollbacks;
}

int
store_file_check(struct store *s, char **cause)
{
	struct stat sb;
	const char *file;
	int moved = 0;

	/* Its full path; "" for an in-memory or temporary DB. */
	file = sqlite3_db_filename(s->db, "main");
	if (file == NULL || *file == '\0')
		return 0;
	/* SQLite compares the path with the inode it opened. */
	if (sqlite3_file_control(s->db, "main", SQLITE_FCNTL_HAS_MOVED,
	    &moved) != SQLITE_OK)
		moved = 0;
	if (stat(file, &sb) == -1) {
		if (errno != ENOENT && !moved)
			return 0;	/* cannot tell (EACCES, ...) */
		*cause = xasprintf("%s was deleted or replaced while it was "
		    "open (no file there now)", s->path);
		return -1;
	}
	if (!moved && s->file_known && (s->file_dev != (uint64_t)sb.st_dev ||
	    s->file_ino != (uint64_t)sb.st_ino))
		moved = 1;
	if (moved) {
		*cause = xasprintf("%s was deleted or replaced while it was "
		    "open (another file is there now)", s->path);
		return -1;
	}
	s->file_known = true;
	s->file_dev = (uint64_t)sb.st_dev;
	s->file_ino = (uint64_t)sb.st_ino;
	return 0;
}

/* Make sure the ledger row of batch exists; learn whether it is closed. */
static int
store_batch_touch(struct store *s, int64_t batch_id, double now,
    char **cause)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare_hot(s, &s->st_batch_open, sql_batch_open, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_double(st, 2, now);
	if (store_step_done(s, st, "opening a batch", cause) == -1)
		return -1;
	s->cur_counted = sqlite3_changes(s->db) == 1 &&
	    store_data_version(s, &s->cur_data_version) == 0;
	s->cur_rows = 0;
	s->cur_labelled = 0;
	s->cur_last_label = 0.0;
	st = store_prepare(s, sql_batch_closed, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "opening a batch");
		return -1;
	}
	s->cur_batch_closed = sqlite3_column_int(st, 0) != 0;
	s->cur_batch_pruned = sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	s->cur_batch = batch_id;
	return 0;
}

/* Does the stored row st (sql_pred_exists) hold the content of p? */
static bool
store_prediction_same(sqlite3_stmt *st, const struct store_prediction *p)
{
	const char *features, *scores;

	features = (const char *)sqlite3_column_text(st, 0);
	scores = (const char *)sqlite3_column_text(st, 1);
	if (features == NULL || scores == NULL ||
	    strcmp(features, p->features_json) != 0 ||
	    strcmp(scores, p->scores_json) != 0 ||
	    sqlite3_column_int(st, 2) != p->predicted_class ||
	    sqlite3_column_double(st, 3) != p->confidence)
		return false;
	/* A replay without true_class matches labels stored since. */
	return p->true_class < 0 ||
	    (sqlite3_column_type(st, 4) != SQLITE_NULL &&
	    sqlite3_column_int(st, 4) == p->true_class);
}

/*
 * The key of p (its event id, else batch_id and row_in_batch) is taken,
 * or not: REPLAY when the stored row has the same content, CONFLICT (and
 * *cause) when it differs, NEW when there is no such row.
 */
static enum store_add_result
store_prediction_known(struct store *s, const struct store_prediction *p,
    char **cause)
{
	sqlite3_stmt *st;
	bool same;
	int rc;

	/* A repeated event id is a replay or a conflict, wherever it is. */
	if (p->event_id != NULL &&
	    (rc = store_event_find(s, p, cause)) != 2)
		return rc == 1 ? STORE_ADD_REPLAY : rc == 0 ?
		    STORE_ADD_CONFLICT : STORE_ADD_ERROR;
	st = store_prepare_hot(s, &s->st_pred_exists, sql_pred_exists, cause);
	if (st == NULL)
		return STORE_ADD_ERROR;
	sqlite3_bind_int64(st, 1, p->batch_id);
	sqlite3_bind_int64(st, 2, p->row_in_batch);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return STORE_ADD_NEW;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "looking up a prediction");
		return STORE_ADD_ERROR;
	}
	same = store_prediction_same(st, p);
	sqlite3_reset(st);
	if (same)
		return STORE_ADD_REPLAY;
	*cause = xasprintf("batch %lld row_in_batch %lld is logged already "
	    "with different content (writers sharing a batch must send "
	    "distinct row_in_batch values)", (long long)p->batch_id,
	    (long long)p->row_in_batch);
	return STORE_ADD_CONFLICT;
}

/* INSERT OR IGNORE p: 1 inserted, 0 its key is taken, -1 error. */
static int
store_prediction_insert(struct store *s, const struct store_prediction *p,
    double at, char **cause)
{
	sqlite3_stmt *st;
	char what[96];
	int rc, n;

	st = s->st_pred_insert;
	if (st == NULL && (st = store_prepare_hot(s, &s->st_pred_insert,
	    sql_pred_insert, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->batch_id);
	sqlite3_bind_int64(st, 2, p->row_in_batch);
	sqlite3_bind_text(st, 3, p->features_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, p->predicted_class);
	sqlite3_bind_double(st, 5, p->confidence);
	sqlite3_bind_text(st, 6, p->scores_json, -1, SQLITE_STATIC);
	if (p->true_class >= 0) {
		sqlite3_bind_int(st, 7, p->true_class);
		sqlite3_bind_double(st, 9, at);
	} else {
		sqlite3_bind_null(st, 7);
		sqlite3_bind_null(st, 9);
	}
	sqlite3_bind_double(st, 8, at);
	store_event_bind(st, 10, p->event_id);
	if (p->has_event_ts)
		sqlite3_bind_int64(st, 11, p->event_ts);
	else
		sqlite3_bind_null(st, 11);
	if (p->line > 0)
		sqlite3_bind_int64(st, 12, p->line);
	else
		sqlite3_bind_null(st, 12);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		sqlite3_reset(st);
		snprintf(what, sizeof what, "logging batch %lld row %lld",
		    (long long)p->batch_id, (long long)p->row_in_batch);
		*cause = store_error(s, rc, what);
		return -1;
	}
	n = sqlite3_changes(s->db);
	sqlite3_reset(st);
	s->pending += (size_t)n;
	s->tx_writes += (size_t)n;
	return n;
}

enum store_add_result
store_prediction_add(struct store *s, const struct store_prediction *p,
    char **cause)
{
	enum store_add_result known;
	sqlite3_stmt *st;
	double at;
	int n;

	if (p->batch_id < 0 || p->row_in_batch < 0 ||
	    p->features_json == NULL || p->scores_json == NULL ||
	    p->predicted_class < 0) {
		*cause = xasprintf("bad prediction (batch %lld row %lld)",
		    (long long)p->batch_id, (long long)p->row_in_batch);
		return STORE_ADD_ERROR;
	}
	if (!s->in_tx && store_write_begin(s, cause) == -1)
		return STORE_ADD_ERROR;
	at = p->logged_at > 0 ? p->logged_at : clock_wall();
	if (p->batch_id != s->cur_batch &&
	    store_batch_touch(s, p->batch_id, at, cause) == -1)
		return STORE_ADD_ERROR;
	if (s->cur_batch_pruned)
		return STORE_ADD_REPLAY;	/* stored, then retired */
	if (s->cur_batch_closed) {
		/* Judged already: a replay, a conflict or a late row. */
		known = store_prediction_known(s, p, cause);
		if (known != STORE_ADD_NEW)
			return known;
		n = store_prediction_insert(s, p, at, cause);
		if (n != 1 || (st = store_prepare(s, sql_late_count,
		    cause)) == NULL || store_step_done(s, st, "counting a late "
		    "row", cause) == -1)
			return STORE_ADD_ERROR;
		return STORE_ADD_LATE;
	}
	n = store_prediction_insert(s, p, at, cause);
	if (n == -1)
		return STORE_ADD_ERROR;
	if (n == 0)
		return store_prediction_known(s, p, cause);
	if (s->cur_counted) {
		s->cur_rows++;
		if (p->true_class >= 0) {
			s->cur_labelled++;
			if (s->cur_labelled == 1 || at > s->cur_last_label)
				s->cur_last_label = at;
		}
	}
	return STORE_ADD_NEW;
}

enum store_batch_state
store_batch_state(struct store *s, int64_t batch_id)
{
	sqlite3_stmt *st;
	char *cause = NULL;
	int rc, closed;

	st = store_prepare(s, sql_batch_closed, &cause);
	if (st == NULL) {
		free(cause);
		return STORE_BATCH_UNKNOWN;
	}
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	closed = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	if (closed == 1)
		return STORE_BATCH_CLOSED;
	if (closed == 0)
		return STORE_BATCH_OPEN;
	/* No ledger row: rows written by something else still count. */
	return store_batch_rows(s, batch_id) > 0 ? STORE_BATCH_OPEN :
	    STORE_BATCH_UNKNOWN;
}

/* The first column of sql's first row for batch_id (?1); 0 if none. */
int64_t
store_batch_number(struct store *s, const char *sql, int64_t batch_id)
{
	sqlite3_stmt *st;
	char *cause = NULL;
	int64_t n = 0;

	st = store_prepare(s, sql, &cause);
	if (st == NULL) {
		free(cause);
		return 0;
	}
	sqlite3_bind_int64(st, 1, batch_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

int64_t
store_batch_rows(struct store *s, int64_t batch_id)
{
	return store_batch_number(s, sql_batch_count, batch_id);
}

/* Count rows and labels of a batch. */
int
store_batch_count(struct store *s, int64_t batch_id, int64_t *rows,
    int64_t *labelled, double *last_label, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, sql_batch_count, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "counting a batch");
		return -1;
	}
	*rows = sqlite3_column_int64(st, 0);
	*labelled = sqlite3_column_int64(st, 1);
	*last_label = sqlite3_column_double(st, 2);
	sqlite3_reset(st);
	return 0;
}

void
store_rows_grow(size_t *cap, size_t n_features, double **features,
    int **predicted, double **confidence, int **true_class)
{
	*cap = *cap == 0 ? 256 : 2 * *cap;
	*features = xreallocarray(*features, *cap,
	    n_features * sizeof **features);
	*predicted = xreallocarray(*predicted, *cap, sizeof **predicted);
	*confidence = xreallocarray(*confidence, *cap, sizeof **confidence);
	*true_class = xreallocarray(*true_class, *cap, sizeof **true_class);
}

void
store_batch_finish(struct store_batch *b)
{
	free(b->features);
	free(b->predicted);
	free(b->confidence);
	free(b->true_class);
	free(b->scores);
	memset(b, 0, sizeof *b);
}

/*
 * Row i's scores into b->scores (grown with cap rows): false when the
 * text is not an array of numbers or its length differs from the
 * batch's first row.
 */
static bool
batch_scores_add(struct store_batch *b, size_t cap, size_t *scap,
    const char *text, size_t len, double **tmp, size_t *tcap)
{
	long n;

	n = store_json_doubles(text, len, tmp, tcap);
	if (n < 2 || (b->n_rows > 0 && n != b->n_classes))
		return false;
	if (b->n_rows == 0)
		b->n_classes = (int)n;
	if (*scap < cap) {
		*scap = cap;
		b->scores = xreallocarray(b->scores, cap, (size_t)n *
		    sizeof *b->scores);
	}
	memcpy(b->scores + b->n_rows * (size_t)n, *tmp,
	    (size_t)n * sizeof **tmp);
	return true;
}

int
store_batch_get(struct store *s, int64_t batch_id, struct store_batch *out,
    char **cause)
{
	struct store_batch b;
	sqlite3_stmt *st;
	double *tmp = NULL;
	size_t tcap = 0, cap = 0, scap = 0;
	bool all_labelled = true;
	long n;
	int rc;

	memset(&b, 0, sizeof b);
	b.batch_id = batch_id;
	st = store_prepare_hot(s, &s->st_batch_get, sql_batch_get, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		n = store_json_features((const char *)sqlite3_column_text(st,
		    0), (size_t)sqlite3_column_bytes(st, 0), &tmp, &tcap,
		    s->dict);
		if (n <= 0 || (b.n_rows > 0 && (size_t)n != b.n_features)) {
			sqlite3_reset(st);
			*cause = xasprintf("%s: batch %lld row %zu has a "
			    "malformed features array (or a different "
			    "length)", s->path, (long long)batch_id,
			    b.n_rows);
			goto fail;
		}
		if (b.n_rows == cap) {
			b.n_features = (size_t)n;
			store_rows_grow(&cap, b.n_features, &b.features,
			    &b.predicted, &b.confidence, &b.true_class);
		}
		memcpy(b.features + b.n_rows * b.n_features, tmp,
		    b.n_features * sizeof *tmp);
		if (!batch_scores_add(&b, cap, &scap, (const char *)
		    sqlite3_column_text(st, 4), (size_t)sqlite3_column_bytes(st,
		    4), &tmp, &tcap)) {
			sqlite3_reset(st);
			*cause = xasprintf("%s: batch %lld row %zu has a "
			    "malformed scores array (or a different "
			    "length)", s->path, (long long)batch_id,
			    b.n_rows);
			goto fail;
		}
		b.predicted[b.n_rows] = sqlite3_column_int(st, 1);
		b.confidence[b.n_rows] = sqlite3_column_double(st, 2);
		if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
			all_labelled = false;
			b.true_class[b.n_rows] = -1;
		} else
			b.true_class[b.n_rows] = sqlite3_column_int(st, 3);
		b.n_rows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "reading a batch");
		goto fail;
	}
	free(tmp);
	if (b.n_rows == 0) {
		store_batch_finish(&b);
		return 1;
	}
	if (!all_labelled) {
		free(b.true_class);
		b.true_class = NULL;
	}
	*out = b;
	return 0;
fail:
	free(tmp);
	store_batch_finish(&b);
	return -1;
}

/* ---- Labels ----------------------------------------------------------- */

enum store_label_result
store_label_batch(struct store *s, int64_t batch_id, const int *labels,
    size_t n, bool allow_relabel, char **cause)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL;
	int *old = NULL;
	size_t rows = 0, cap = 0, i, differ = 0, first = 0, fill = 0;
	enum store_label_result ret = STORE_LABEL_ERROR;
	enum store_batch_state state;
	double now;
	int rc;

	for (i = 0; i < n; i++) {
		if (labels[i] < 0) {
			*cause = xasprintf("labels for batch %lld: value %zu "
			    "is %d, not a class", (long long)batch_id, i,
			    labels[i]);
			return STORE_LABEL_ERROR;
		}
	}
	if (store_write_begin(s, cause) == -1)
		return STORE_LABEL_ERROR;
	state = store_batch_state(s, batch_id);
	if (state != STORE_BATCH_CLOSED) {
		*cause = xasprintf(state == STORE_BATCH_OPEN ?
		    "labels for batch %lld: the batch is still open" :
		    "labels for batch %lld: no predictions are logged for it",
		    (long long)batch_id);
		return STORE_LABEL_NOT_CLOSED;
	}
	st = store_prepare(s, sql_label_rows, cause);
	if (st == NULL)
		return STORE_LABEL_ERROR;
	sqlite3_bind_int64(st, 1, batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows == cap) {
			cap = cap == 0 ? 256 : 2 * cap;
			ids = xreallocarray(ids, cap, sizeof *ids);
			old = xreallocarray(old, cap, sizeof *old);
		}
		ids[rows] = sqlite3_column_int64(st, 0);
		old[rows] = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 1);
		rows++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*cause = store_error(s, rc, "reading a batch to label");
		goto out;
	}
	if (rows != n) {
		*cause = xasprintf("labels for batch %lld have %zu values but "
		    "%zu predictions are logged", (long long)batch_id, n,
		    rows);
		ret = STORE_LABEL_MISMATCH;
		goto out;
	}
	for (i = 0; i < rows; i++) {
		if (old[i] == -1)
			fill++;
		else if (old[i] != labels[i] && differ++ == 0)
			first = i;
	}
	if (differ == 0 && fill == 0) {
		ret = STORE_LABEL_SAME;
		goto out;
	}
	if (differ > 0 && !allow_relabel) {
		*cause = xasprintf("labels for batch %lld differ from the "
		    "stored ones at %zu of %zu rows (first: row %zu has %d, "
		    "new %d)", (long long)batch_id, differ, rows, first,
		    old[first], labels[first]);
		ret = STORE_LABEL_CONFLICT;
		goto out;
	}
	now = clock_wall();
	st = store_prepare(s, sql_label_set, cause);
	if (st == NULL)
		goto out;
	s->tx_writes++;
	for (i = 0; i < rows; i++) {
		if (old[i] == labels[i])
			continue;
		sqlite3_bind_int64(st, 1, ids[i]);
		sqlite3_bind_int(st, 2, labels[i]);
		sqlite3_bind_double(st, 3, now);
		if (store_step_done(s, st, "storing labels", cause) == -1)
			goto out;
	}
	st = store_prepare(s, sql_label_ledger, cause);
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)rows);
	sqlite3_bind_double(st, 3, now);
	if (store_step_done(s, st, "updating the batch ledger", cause) == -1)
		goto out;
	ret = STORE_LABEL_APPLIED;
out:
	free(ids);
	free(old);
	return ret;
}

/* ---- Reports, rejects, detectors ------------------------------------ */

int
store_report_get(struct store *s, int64_t batch_id, const char *type,
    char **payload, char **cause)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	st = store_prepare(s, sql_report_get, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "reading a report");
		return -1;
	}
	v = sqlite3_column_text(st, 0);
	*payload = xstrdup(v == NULL ? "" : (const char *)v);
	sqlite3_reset(st);
	return 0;
}

/* Cut at most max bytes without splitting a UTF-8 sequence. */
static size_t
utf8_cut(const char *text, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && n > max - 4 &&
	    ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int
store_reject_add(struct store *s, const char *source, uint64_t line,
    const char *reason, const char *text, size_t len, char **cause)
{
	sqlite3_stmt *st;
	size_t keep;

	if (text == NULL)
		len = 0;
	keep = utf8_cut(text == NULL ? "" : text, len, STORE_REJECT_TEXT_MAX);
	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_prepare(s, sql_reject_add, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, source == NULL ? "" : source, -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line > INT64_MAX ? INT64_MAX :
	    (sqlite3_int64)line);
	sqlite3_bind_text(st, 3, reason == NULL ? "" : reason, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text == NULL ? "" : text, (int)keep,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 5, keep < len);
	sqlite3_bind_double(st, 6, clock_wall());
	s->tx_writes++;
	return store_step_done(s, st, "storing a rejected line", cause);
}

int
store_detector_get(struct store *s, const char *name, int64_t *last_batch,
    char **state, char **cause)
{
	sqlite3_stmt *st;
	const unsigned char *v;
	int rc;

	st = store_prepare(s, sql_detector_get, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		*cause = store_error(s, rc, "reading detector state");
		return -1;
	}
	*last_batch = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 0);
	v = sqlite3_column_text(st, 1);
	*state = xstrdup(v == NULL ? "" : (const char *)v);
	sqlite3_reset(st);
	return 0;
}

int
store_detector_put(struct store *s, const char *name, int64_t last_batch,
    const char *state, char **cause)
{
	sqlite3_stmt *st;

	if (store_write_begin(s, cause) == -1)
		return -1;
	st = store_prepare(s, sql_detector_put, cause);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, last_batch);
	sqlite3_bind_text(st, 3, state == NULL ? "" : state, -1,
	    SQLITE_STATIC);
	sqlite3_bind_double(st, 4, clock_wall());
	s->tx_writes++;
	return store_step_done(s, st, "storing detector state", cause);
}
