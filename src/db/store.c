/*
 * The store: open and close, its models, and what only a SQLite file has
 * (WAL setup, the file's identity, the rollback hook). One connection
 * per struct store (driver.h). A read-write SQLite store opens the file
 * in WAL mode with synchronous=NORMAL, secure_delete off (below), and
 * creates or migrates the schema
 * (schema.c); then at most one write transaction is open at a time
 * (store-tx.c). The hot insert is store-pred.c, the reads store-read.c.
 */
#include "db/store.h"

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/model.h"
#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/driver-sqlite.h"
#include "db/store-internal.h"

/* ---- The model ------------------------------------------------------ */

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
	store_model_switch(s, name);
	/* Its writes in the open transaction are its own from the first. */
	return s->in_tx ? store_write_model(s, cause) : 0;
}

const char *
store_model(const struct store *s)
{
	return s->model;
}

int
store_names(struct store *s, const char *sql, const char *what,
    char ***names, size_t *n, char **cause)
{
	struct db_stmt *st;
	int rc;

	*names = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql, cause)) == NULL)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = xstrdup(db_column_text(st, 0));
	}
	db_reset(st);
	if (rc != DB_DONE) {
		*cause = store_db_error(s, what);
		store_models_free(*names, *n);
		*names = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

int
store_models(struct store *s, char ***names, size_t *n, char **cause)
{
	return store_names(s, "SELECT name FROM models ORDER BY name",
	    "listing the models", names, n, cause);
}

void
store_models_free(char **names, size_t n)
{
	xfree_strings(names, n);
}

/* ---- Open and close ------------------------------------------------ */

/* Settings for a writer; journal_mode must be set outside a transaction. */
static int
store_setup_writer(struct store *s, char **cause)
{
	struct db_stmt *st;
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
	if ((st = db_prepare(s->conn, "PRAGMA journal_mode = WAL", 0)) ==
	    NULL) {
		*cause = store_db_error(s, "switching to WAL mode");
		return -1;
	}
	while ((rc = db_step(st)) == DB_ERROR &&
	    db_error(s->conn) == DB_E_BUSY) {
		db_reset(st);
		store_sleep_ms(10);
	}
	if (rc != DB_ROW) {
		*cause = store_db_error(s, "switching to WAL mode");
		db_finalize(st);
		return -1;
	}
	mode = db_column_text(st, 0);
	if (mode == NULL || strcmp(mode, "wal") != 0) {
		*cause = xasprintf("%s: cannot switch to WAL mode (journal "
		    "mode stays %s)", s->path, mode == NULL ? "?" : mode);
		db_finalize(st);
		return -1;
	}
	db_finalize(st);
	/*
	 * secure_delete off: SQLite's own default, which Debian's build
	 * turns on (it zeroes every freed cell and every new B-tree page:
	 * 219 Ir of a logged row's 17,316, docs/BENCHMARKS.md section 5,
	 * and over half of a retention delete's cost). A freed page keeps
	 * its old bytes until a new row reuses it; VACUUM clears them.
	 */
	return store_exec(s, "PRAGMA synchronous = NORMAL;"
	    "PRAGMA secure_delete = OFF;"
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

	ext = db_sqlite_rc(s->conn) & 0xff;
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

/* The SQLite file at s->path: open it, set it up, check or migrate it. */
static int
store_open_sqlite(struct store *s, char **cause)
{
	struct stat sb;

	pthread_once(&sqlite_once, sqlite_configure);
	/* A FIFO would block SQLite's first read forever. */
	if (stat(s->path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("%s: not a regular file", s->path);
		return -1;
	}
	s->conn = db_open(s->path, s->readonly ? DB_OPEN_READ_ONLY :
	    DB_OPEN_READ_WRITE, cause);
	if (s->conn == NULL) {
		if (s->readonly && access(s->path, F_OK) == -1) {
			free(*cause);
			*cause = xasprintf("%s: no such database (a read-only "
			    "open never creates one)", s->path);
		}
		return -1;
	}
	s->db = db_sqlite_handle(s->conn);
	store_turn_open(s);
	if (s->readonly) {
		if (schema_check(s, cause) == -1) {
			store_explain_readonly(s, cause);
			return -1;
		}
		return 0;
	}
	/* SQLite silently falls back to read-only for an unwritable file. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		*cause = xasprintf("%s: the file is read-only (check its "
		    "permissions and its directory's); cannot open it for "
		    "writing", s->path);
		return -1;
	}
	if (store_setup_writer(s, cause) == -1)
		return -1;
	return schema_migrate(s, cause);
}

/*
 * The PostgreSQL database at target (s->path is its name with the
 * password masked): connect, then check or create the schema.
 */
static int
store_open_pg(struct store *s, const char *target, char **cause)
{
	s->pg = true;
	s->conn = db_open(target, s->readonly ? DB_OPEN_READ_ONLY :
	    DB_OPEN_READ_WRITE, cause);
	if (s->conn == NULL)
		return -1;
	if (s->readonly)
		return schema_pg_check(s, cause);
	return schema_pg_migrate(s, cause);
}

struct store *
store_open(const char *path, enum store_mode mode, char **cause)
{
	struct store *s;
	bool pg = db_target_is_pg(path);

	s = xcalloc(1, sizeof *s);
	s->rep_batch = -1;	/* no claimed batch's reports kept */
	s->absent_batch = -1;	/* no batch known absent */
	/* Every message names the store by s->path: no password in it. */
	s->path = pg ? db_target_redact(path) : xstrdup(path);
	s->readonly = (mode == STORE_READ_ONLY);
	s->busy_ms = STORE_BUSY_TIMEOUT_MS;
	s->cur_batch = -1;
	s->turn_fd = -1;
	s->model = xstrdup(MODEL_DEFAULT);
	if ((pg ? store_open_pg(s, path, cause) :
	    store_open_sqlite(s, cause)) == -1) {
		store_close(s);
		return NULL;
	}
	s->schema_ready = true;
	return s;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

void
store_set_dict(struct store *s, struct cat_dict *dict)
{
	s->dict = dict;
}

void
store_close(struct store *s)
{
	char *cause = NULL;

	if (s == NULL)
		return;
	if (s->in_tx && s->conn != NULL) {
		/* Best effort: callers flush first to see errors. */
		if (store_bulk_end(s, &cause) == -1)
			free(cause);
		if (s->in_tx && db_commit(s->conn) == -1)
			db_rollback(s->conn);
	}
	store_stmt_finish(s);
	store_reports_forget(s);
	free(s->det_name);
	free(s->det_state);
	if (s->alert_cache_free != NULL)
		s->alert_cache_free(s);
	store_model_slots_free(s);
	store_holds_free(s);
	db_close(s->conn);
	store_turn_close(s);
	free(s->model);
	free(s->path);
	free(s);
}

/* ---- SQLite's own ------------------------------------------------- */

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
	if (!s->rollback_hooked && s->db != NULL) {
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
	if (s->db == NULL)
		return 0;	/* a server's database: no file */
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

