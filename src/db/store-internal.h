/*
 * The body of struct store and the helpers shared by the files of src/db
 * (store*.c, schema*.c, alert-store.c, alert-mute.c). Only src/db includes
 * this header. Every statement goes through the driver (driver.h); what
 * only SQLite has is reached with db_sqlite_handle (driver-sqlite.h).
 *
 * Write model: the first write after a flush opens the write transaction
 * (store_write_begin: SQLite's BEGIN IMMEDIATE, PostgreSQL's BEGIN);
 * store_flush() commits it. Both retry while the driver says busy, on top
 * of SQLite's busy timeout, so another process holding the write lock
 * briefly never surfaces as an error. A failed statement that makes the
 * backend roll the whole transaction back is noticed by store_db_error(),
 * which resets the transaction state and says so in the cause.
 *
 * The files and their one direction of calls: store.c (open, close)
 * calls schema*.c, which call store-tx.c (transactions, meta) and
 * store-stmt.c (statements, errors, the model's id); store-pred.c (the
 * hot insert) and store-read.c (batches, labels, reports) call those two
 * as well; store-pred.c calls store-bulk.c (rows known new: PostgreSQL's
 * COPY, SQLite's held rows), which calls store-stmt.c and store-held.c
 * (SQLite's multi-row INSERTs; it calls only the driver); store-stmt.c
 * calls store-held.c to write them before any statement or COMMIT.
 *
 * :model (the model of struct store) is bound by store_prepare; it must
 * come after every numbered parameter in the text, as a named parameter
 * takes the number after the largest seen so far (":model ... ?1" would
 * make both number 1).
 *
 * Statements: prepare with store_stmt(s, SQL, cause) where SQL is a
 * string literal (or any string that lives as long as the store): the
 * prepared statement is cached by that pointer, prepared once, and handed
 * back reset with its bindings cleared. Reset it (db_reset) when done
 * stepping so no read transaction stays open.
 */
#ifndef MLMON_DB_STORE_INTERNAL_H
#define MLMON_DB_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/driver.h"
#include "db/store-number.h"
#include "db/store.h"

/* The schema version this code writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION	7
#define STORE_BUSY_TIMEOUT_MS	10000
#define STORE_REPORTS_KEPT	5	/* a judged batch's, by type */
#define STORE_OWED_MAX		4	/* writes owed (store_stmt_owe) */

struct sqlite3;
struct rows_reader;
struct store_held;
struct strbuf;

/*
 * The batch ledger's summary columns (store-report.c) from the reports of
 * one batch, held until one UPDATE writes them all (store-summary.c): a
 * judgement's four reports cost one statement, not four. Groups (set,
 * enum store_summary_group): the feature, prediction, performance and
 * detector report's columns, and on PostgreSQL the claim's close of the
 * ledger row (store-batch.c: the row is locked by then, so an UPDATE).
 */
#define STORE_SUMMARY_GROUPS	5
struct store_summary {
	unsigned	 set;		/* bit g: group g held */
	int64_t		 batch_id;
	int64_t		 model_id;
	double		 max_psi, min_ks_p, psi_warning, psi_critical;
	double		 accuracy, acc_delta;	/* NaN: NULL */
	int64_t		 psi_verdict, ks_drift;
	int64_t		 label_shift_drift, confidence_drift;
	int64_t		 any_decay, ddm_drift, adwin_drift;
	int64_t		 n_rows, n_labelled;	/* the close */
	double		 closed_at, labelled_at;	/* NaN: NULL */
	char		*sql[1 << STORE_SUMMARY_GROUPS];	/* by set, owned,
						   the statement cache's keys */
};

/*
 * What one write transaction's ledger writes do to a model's
 * model_status row, gathered until the commit (store-status.c).
 */
#define STORE_STATUS_MODELS	8	/* models gathered at once */
struct store_status {
	int64_t		 model_id;
	int64_t		 lo, hi;	/* batch ids opened or closed; lo > hi:
					   none */
	int64_t		 rows, labelled;	/* of the batches closed */
	bool		 closed;	/* some batch closed */
	int64_t		 drift_batch;	/* newest verdicts written, -1 none */
	int64_t		 perf_batch;	/* newest accuracy written, -1 none */
	double		 accuracy, acc_delta;	/* its numbers */
};

/* A cached statement of the driver (store-stmt.c). */
struct store_cached_dstmt {
	const char	*sql;		/* borrowed, the cache key */
	struct db_stmt	*stmt;		/* owned */
};

struct store {
	/* The connection (driver.h). */
	struct db_conn	*conn;		/* owned */
	bool		 pg;		/* a PostgreSQL store */
	/* SQLite: conn's handle, for what only SQLite has (else NULL). */
	struct sqlite3	*db;
	struct cat_dict	*dict;		/* borrowed; NULL: numbers only */
	char		*path;		/* as given to store_open, owned */
	bool		 readonly;
	int		 busy_ms;	/* lock wait, milliseconds */
	FILE		*log;		/* store_set_log; borrowed, or NULL */
	double		 busy_since;	/* monotonic start of this wait */

	/* Turn-taking between writers (store-turn.c). */
	int		 turn_fd;	/* "<db>-wait", or -1 */
	bool		 turn_wanted;	/* a BEGIN IMMEDIATE is waiting */
	bool		 turn_announced;	/* holding the waiter lock */

	bool		 in_tx;		/* BEGIN IMMEDIATE done, no COMMIT */
	size_t		 pending;	/* predictions inserted in this tx */
	size_t		 tx_writes;	/* write statements in this tx */

	/*
	 * The model every statement binds as :model (schema-models.c):
	 * its name, and its model_id once the models table has it. While
	 * the schema is being created or migrated, :model is 0 (the whole
	 * store's rows of meta); a model not stored yet reads as -1 (no
	 * rows) and is stored by the first write transaction.
	 */
	char		*model;		/* owned */
	int64_t		 model_id;	/* valid when model_known */
	bool		 model_known;
	/*
	 * The other models' state below (id, cached batch, retention's
	 * head) kept while the handle serves another (store_model_set),
	 * so that one writer switching between models keeps each one's;
	 * forgotten when a transaction rolls back. Owned.
	 */
	struct store_model_slot *slots;
	size_t		 n_slots;
	bool		 schema_ready;	/* migrated or checked */

	/*
	 * The batch whose ledger row is known to exist (-1: none), and its
	 * state; forgotten in the first insert of a write transaction
	 * (tx_seq counts them; cur_tx_seq is the one checked) when another
	 * connection has committed since (PRAGMA data_version moved from
	 * tx_data_version): it may have closed the batch meanwhile.
	 */
	int64_t		 cur_batch;
	/*
	 * store-pred.c (PostgreSQL): a batch store_batch_state found
	 * without a ledger row or any row, in the write transaction
	 * absent_tx for model absent_model (under its turn: nobody else
	 * adds either meanwhile), so its open need not ask (-1: none).
	 */
	int64_t		 absent_batch;
	int64_t		 absent_model;
	uint64_t	 absent_tx;
	uint64_t	 tx_seq;
	uint64_t	 cur_tx_seq;
	int64_t		 tx_data_version;
	bool		 cur_batch_closed;
	bool		 cur_batch_pruned;	/* its rows retired */
	/*
	 * Retention (store-prune.c): the oldest closed batch whose rows
	 * are kept, and the time of its newest row, remembered while it
	 * is not due yet (zeroed by the calloc of store_open: none), with
	 * the model's count of late rows (meta late_rows) when it was read:
	 * a late row may be the batch's newest.
	 */
	bool		 prune_head_known;
	int64_t		 prune_head;
	double		 prune_head_time;	/* Unix seconds */
	int64_t		 prune_head_late;
	/*
	 * cur_counted: this connection created cur_batch's ledger row, so
	 * every row of it went through store_prediction_add here; while no
	 * other connection has committed (PRAGMA data_version still
	 * cur_data_version) the counts below are what store_batch_close
	 * would count, and it uses them instead of reading the rows back.
	 */
	bool		 cur_counted;
	int64_t		 cur_data_version;
	int64_t		 cur_rows;	/* inserted */
	int64_t		 cur_labelled;	/* inserted with a true_class */
	double		 cur_last_label;	/* max labeled_at of those */

	/*
	 * The bulk path (store-bulk.c). bulk_batch is a batch whose stored
	 * rows were all inserted here, bulk_rows of them, no row_in_batch
	 * above bulk_max; bulk_fresh: cur_batch is it (its count checked in
	 * this transaction), so a row of it without an event id and above
	 * bulk_max is new without asking the database and goes into the
	 * open COPY (PostgreSQL: bulk_copying, bulk_sent rows so far) or is
	 * held (SQLite: store-held.c's, owned, NULL until the first).
	 */
	struct store_held *held;
	bool		 bulk_copying;
	const char	*bulk_table;	/* the COPY's table (a literal) */
	bool		 bulk_fresh;
	int64_t		 bulk_batch;
	int64_t		 bulk_rows;
	int64_t		 bulk_max;
	size_t		 bulk_sent;
	/* store_stmt_owe's writes, bound, not sent yet (store-stmt.c). */
	struct db_stmt	*owed[STORE_OWED_MAX];
	const char	*owed_what[STORE_OWED_MAX];	/* literals */
	size_t		 n_owed;
	/*
	 * store-read.c: the detectors' state this write transaction (tx_seq
	 * det_tx, model det_model) last stored, read back from here: under
	 * the model's turn nobody else writes it meanwhile. Owned.
	 */
	uint64_t	 det_tx;
	int64_t		 det_model;
	char		*det_name;
	int64_t		 det_last;
	char		*det_state;
	/*
	 * store-read.c: the reports of the batch rep_batch (of model
	 * rep_model) whose claim closed it in the write transaction rep_tx
	 * (either backend): it had none before (a report is written by a
	 * batch's judgement, then, the batch closed, by its labels), so
	 * its reports are those put since, kept here (rep_payload[i] of
	 * type rep_type[i], owned) and read back from here. Those its
	 * judgement puts are written together at its end (rep_unsent[i],
	 * put at rep_at[i]): one statement, not one a report (PostgreSQL:
	 * one round trip; SQLite: one statement's cursors and halt, about
	 * 240 instructions a row of a 200-row batch, docs/BENCHMARKS.md 5).
	 */
	uint64_t	 rep_tx;
	int64_t		 rep_model;
	int64_t		 rep_batch;
	const char	*rep_type[STORE_REPORTS_KEPT];	/* literals */
	char		*rep_payload[STORE_REPORTS_KEPT];
	double		 rep_at[STORE_REPORTS_KEPT];	/* Unix seconds */
	bool		 rep_unsent[STORE_REPORTS_KEPT];
	size_t		 n_rep;
	/* In a judgement's savepoint (store-batch.c). */
	bool		 judging;
	/* alert-condition.c: the transaction's alert conditions (owned). */
	struct alert_cache *alert_cache;
	void		(*alert_cache_free)(struct store *);	/* its free */
	/* Hot-path statements, prepared on first use (:model bound). */
	struct db_stmt	*st_pred_insert;
	struct db_stmt	*st_pred_exists;
	struct db_stmt	*st_batch_open;
	struct db_stmt	*st_batch_get;
	struct db_stmt	*st_data_version;
	/*
	 * st_pred_insert's parameters bound NULL now, bit i for ?i (SQLite
	 * keeps a statement's bindings across resets; store-pred.c). Always
	 * 0 on PostgreSQL.
	 */
	unsigned	 pred_nulls;

	struct store_summary summary;	/* ledger columns not yet written */
	/*
	 * model_status's part gathered in the write transaction tx_seq
	 * status_tx (store-status.c), and a copy kept while a judgement's
	 * savepoint is open.
	 */
	struct store_status status[STORE_STATUS_MODELS];
	size_t		 n_status;
	uint64_t	 status_tx;
	struct store_status status_saved[STORE_STATUS_MODELS];
	size_t		 n_status_saved;

	struct store_cached_dstmt *dcache;	/* other statements, by SQL */
	size_t		 n_dcache;
	size_t		 cap_dcache;

	/* store_file_check: the file's identity at the first check. */
	bool		 file_known;
	uint64_t	 file_dev;
	uint64_t	 file_ino;
	/*
	 * store_rollbacks: counted by a rollback hook once asked for
	 * (SQLite), by store_tx_reset (PostgreSQL).
	 */
	bool		 rollback_hooked;
	uint64_t	 rollbacks;
	/*
	 * PostgreSQL: the batches this session holds open (store-hold.c),
	 * as "model/batch" keys, owned.
	 */
	char		**holds;
	size_t		 n_holds;
};

/*
 * store-turn.c: fair turns between writer processes. open installs the
 * busy handler (every store) and opens "<db>-wait" (writers); want/got
 * bracket a BEGIN IMMEDIATE, announcing the wait while it lasts; yield,
 * after a COMMIT, lets an announced writer take the lock first.
 */
void		 store_turn_open(struct store *s);
void		 store_turn_close(struct store *s);
void		 store_turn_want(struct store *s);
void		 store_turn_got(struct store *s);
void		 store_turn_yield(struct store *s);

/*
 * store-turn.c: a stop was requested (core/stop.h) long enough ago that
 * lock waits must give up now, so that ingest still exits within its
 * second.
 */
#define STORE_STOP_WAIT_MS	500
bool		 store_stop_due(void);

/*
 * store-pred.c, for store-batch.c: PRAGMA data_version (0, or -1 on
 * PostgreSQL, which has none: a claim always counts the batch again);
 * the first column of sql's first row for batch ?1 (0 if none); a
 * batch's row and label counts and last labelled_at (0 or -1 and *cause).
 */
int		 store_data_version(struct store *s, int64_t *out);
int64_t		 store_batch_number(struct store *s, const char *sql,
		    int64_t batch_id);
int		 store_batch_count(struct store *s, int64_t batch_id,
		    int64_t *rows, int64_t *labelled, double *last_label,
		    char **cause);

/*
 * store-read.c. The reports of a batch the write transaction's claim
 * closed (either backend) kept as they are put, and read back from there by
 * store_report_get (struct store, rep_*): store_reports_claimed when the
 * claim closes batch_id; store_report_kept with each payload put at `at`
 * (true: kept; unsent: the caller leaves it to store_reports_write);
 * store_reports_write writes those unsent in one statement (0 or -1);
 * store_reports_forget drops them all (a judgement undone, the store
 * closed).
 */
void		 store_reports_claimed(struct store *s, int64_t batch_id);
bool		 store_report_kept(struct store *s, int64_t batch_id,
		    const char *type, const char *payload, double at,
		    bool unsent);
int		 store_reports_write(struct store *s, char **cause);
void		 store_reports_forget(struct store *s);

/*
 * store-tx.c. Open the write transaction if none is open (retried while
 * busy); the first one of a model not stored yet stores it. -1 with
 * *cause for a read-only store or a failure.
 */
int		 store_write_begin(struct store *s, char **cause);
/*
 * store-tx.c: the model's part of the open write transaction (its turn on
 * PostgreSQL; stored if it is not): at its start, and when the handle
 * switches to another model inside it (store_model_set). 0 or -1.
 */
int		 store_write_model(struct store *s, char **cause);
/* store-tx.c: sleep ms milliseconds (through signals). */
void		 store_sleep_ms(int ms);

/*
 * store-stmt.c: a cached statement for sql (a literal), handed back
 * reset with its bindings cleared and :model bound (NULL and *cause on
 * error); a hot statement kept in its own slot, :model bound once; step
 * one that returns no rows and reset it (0 or -1); SQL text without
 * results (DDL, pragmas; 0 or -1); finalize them all (close) or only the
 * hot ones (they hold the model bound).
 */
struct db_stmt	*store_stmt(struct store *s, const char *sql, char **cause);
struct db_stmt	*store_stmt_hot(struct store *s, struct db_stmt **slot,
		     const char *sql, char **cause);
int		 store_stmt_done(struct store *s, struct db_stmt *st,
		     const char *what, char **cause);
int		 store_exec(struct store *s, const char *sql, const char *what,
		     char **cause);
/*
 * store-stmt.c: as store_stmt_done and store_exec, for a write inside the
 * write transaction whose result nobody reads (no db_changes after it):
 * on PostgreSQL sent without waiting (db_send), its result read with the
 * next statement that needs an answer, a failure then reported as this
 * write's (what). Outside a transaction, store_stmt_done/store_exec.
 */
/*
 * store-summary.c: hold group g of batch_id's ledger columns (writing
 * another batch's or model's held ones first): the caller fills them in
 * the struct returned (NULL and *cause on error). Write what is held
 * (nothing: nothing to do), as store-batch.c does before a judgement's
 * savepoint and its release and store-tx.c before a commit; a rollback
 * forgets it (set = 0).
 */
enum store_summary_group {
	STORE_SUMMARY_FEATURE,
	STORE_SUMMARY_PREDICTION,
	STORE_SUMMARY_PERFORMANCE,
	STORE_SUMMARY_DETECTORS,
	STORE_SUMMARY_CLOSE,
};
struct store_summary *store_summary_hold(struct store *s, int64_t batch_id,
		     enum store_summary_group g, char **cause);
int		 store_summary_write(struct store *s, char **cause);
/*
 * store-status.c: model_status moved by the writer, gathered through the
 * write transaction and written before its commit (schema 7). opened:
 * the current model's batch_id got its ledger row; closed: model_id's
 * batch_id was closed with rows and labelled; judged: its drift verdicts
 * (drift) or its performance numbers (accuracy not NaN) were written.
 * flush writes what is gathered (store-summary.c, before a commit); save
 * and restore bracket a judgement's savepoint. 0, or -1 and *cause.
 */
int		 store_status_opened(struct store *s, int64_t batch_id,
		     char **cause);
int		 store_status_closed(struct store *s, int64_t model_id,
		     int64_t batch_id, int64_t rows, int64_t labelled,
		     char **cause);
int		 store_status_judged(struct store *s, int64_t model_id,
		     int64_t batch_id, bool drift, double accuracy,
		     double acc_delta, char **cause);
int		 store_status_flush(struct store *s, char **cause);
/* store-status.c: bind v as ?i, NULL for NaN (no value; the ledger's). */
void		 store_bind_number(struct db_stmt *st, int i, double v);
void		 store_status_save(struct store *s);
void		 store_status_restore(struct store *s);
int		 store_stmt_send(struct store *s, struct db_stmt *st,
		     const char *what, char **cause);
/*
 * store-stmt.c: st (bound, from store_stmt) sent as store_stmt_send does,
 * but on PostgreSQL in a write transaction only before the next
 * statement, COMMIT, or after the COPY open now or started next: its
 * SQL is not asked for again meanwhile (store_stmt sends it first).
 */
int		 store_stmt_owe(struct store *s, struct db_stmt *st,
		     const char *what, char **cause);
/*
 * store-stmt.c: sql's statement for store_stmt_owe: store_stmt's, but the
 * writes owed already stay owed (unless one of them is sql's).
 */
struct db_stmt	*store_stmt_to_owe(struct store *s, const char *sql,
		     char **cause);
int		 store_exec_send(struct store *s, const char *sql,
		     const char *what, char **cause);
/*
 * store-stmt.c: step st (bound) for its first row, read by read into out,
 * then reset it: 0, 1 no row, -1 and *cause.
 */
int		 store_stmt_row(struct store *s, struct db_stmt *st,
		     void (*read)(struct db_stmt *, void *), void *out,
		     const char *what, char **cause);
/*
 * store-stmt.c: step st (bound) for its first row's first column as text
 * (*text, caller frees; NULL reads as ""), then reset it: 0, 1 no row,
 * -1 and *cause.
 */
int		 store_stmt_text(struct store *s, struct db_stmt *st,
		     char **text, const char *what, char **cause);
/*
 * store-stmt.c: step st (bound) to its end, each row read by r into a new
 * element of *out (caller frees; NULL without rows), *n of them (rows.h),
 * then reset it: 0, or -1 and *cause (nothing read).
 */
int		 store_stmt_rows(struct store *s, struct db_stmt *st,
		     const struct rows_reader *r, void *out, size_t *n,
		     const char *what, char **cause);
/* store-stmt.c: as store_stmt_rows, the first column's integers. */
int		 store_stmt_ids(struct store *s, struct db_stmt *st,
		     int64_t **ids, size_t *n, const char *what, char **cause);
/*
 * store-stmt.c: as store_stmt_ids, of sql (no parameter but :model);
 * *ids NULL and *n 0 after an error, the statement's too.
 */
int		 store_sql_ids(struct store *s, const char *sql,
		     int64_t **ids, size_t *n, const char *what, char **cause);
void		 store_stmt_finish(struct store *s);
/*
 * store-hold.c: the batch locks this store holds, taken again on a new
 * session (after a reconnection: 0 or -1 and *cause), or forgotten.
 */
int		 store_holds_again(struct store *s, char **cause);
void		 store_holds_free(struct store *s);
/*
 * store.c: the first column's texts of sql's rows, in order (caller frees
 * with store_models_free). 0, or -1 and *cause naming what.
 */
int		 store_names(struct store *s, const char *sql,
		     const char *what, char ***names, size_t *n, char **cause);
/*
 * store-stmt.c: end the bulk path: PostgreSQL's open COPY ended, SQLite's
 * held rows written (their rows are then in the transaction); nothing
 * when neither. 0, or -1 and *cause (the transaction is lost: rolled
 * back if the backend did not). store_stmt, store_stmt_hot, store_exec
 * and store_flush do it first.
 */
int		 store_bulk_end(struct store *s, char **cause);
/*
 * store-held.c (SQLite): rows known new, held until written. add: p (of
 * model model_id, logged at `at`) held; the number held now (the caller
 * writes them at STORE_HELD_MAX: a 200-row batch in one statement). other: rows of another batch or model
 * are held (the caller writes them first). write: every held row into
 * predictions, in order: NULL, or why not (the driver's message, valid
 * until the next statement; the caller rolls the transaction back); the
 * rows are dropped either way. drop: forgotten (a rollback); free: their
 * statements and buffers too (the store closes).
 */
#define STORE_HELD_MAX	256
size_t		 store_held_add(struct store *s,
		     const struct store_prediction *p, double at,
		     int64_t model_id);
bool		 store_held_other(const struct store *s, int64_t batch_id,
		     int64_t model_id);
size_t		 store_held_count(const struct store *s);
const char	*store_held_write(struct store *s);
void		 store_held_drop(struct store *s);
void		 store_held_free(struct store *s);
/*
 * store-bulk.c: at the first row of batch_id in a write transaction,
 * once its ledger row exists and it is known open, learn whether every
 * stored row of it is one of ours (bulk_fresh): 0 or -1. add: p (its
 * batch cur_batch, open) is new and sent into the COPY (PostgreSQL) or
 * held (SQLite): 1; 0: not known new here (the caller asks the
 * database); -1 and *cause. noted: the caller inserted p (a new row)
 * itself. empty: batch_id is known to have no stored row (its ledger row
 * made in this transaction, none found before): fresh without a count.
 */
int		 store_bulk_check(struct store *s, int64_t batch_id,
		     char **cause);
void		 store_bulk_empty(struct store *s, int64_t batch_id);
int		 store_bulk_add(struct store *s,
		     const struct store_prediction *p, double at,
		     char **cause);
void		 store_bulk_noted(struct store *s,
		     const struct store_prediction *p);
/*
 * store-bulk.c (PostgreSQL): row v (n values, NULL for SQL NULL) into the
 * open COPY of table (columns), opened (another table's ended) if need
 * be; table and columns are literals. 0, or -1 and *cause.
 */
int		 store_bulk_row(struct store *s, const char *table,
		     const char *columns, const char *const *v, size_t n,
		     char **cause);
void		 store_stmt_forget_hot(struct store *s);
/* The hot statements' :model bound again (the model changed, or was found). */
void		 store_stmt_rebind_hot(struct store *s);
/*
 * Caller frees. "<path>: <error> while <what>", the error the connection's
 * last; notices when the backend rolled the open transaction back and
 * resets the store's transaction state (store_tx_reset).
 */
char		*store_db_error(struct store *s, const char *what);
char		*store_error_msg(struct store *s, const char *msg,
		     const char *what);
/* Forget the transaction (committed, or rolled back: the batch too). */
void		 store_tx_reset(struct store *s, bool rolled_back);
/*
 * store-stmt.c: a model's cached state while the handle serves another
 * (the fields of struct store of the same names); switch the handle to
 * model name (the current one's state kept, name's taken back or
 * started, its id looked up, the hot statements bound); after each
 * transaction the kept ones' bulk path is checked again, after a
 * rollback all of it is forgotten (the rollback may have undone what
 * they say); freed.
 */
struct store_model_slot {
	char		*name;
	int64_t		 model_id;
	bool		 model_known;
	int64_t		 cur_batch;
	uint64_t	 cur_tx_seq;
	bool		 cur_batch_closed;
	bool		 cur_batch_pruned;
	bool		 cur_counted;
	int64_t		 cur_data_version;
	int64_t		 cur_rows;
	int64_t		 cur_labelled;
	double		 cur_last_label;
	bool		 prune_head_known;
	int64_t		 prune_head;
	double		 prune_head_time;
	int64_t		 prune_head_late;
	int64_t		 tx_data_version;
	bool		 bulk_fresh;
	int64_t		 bulk_batch;
	int64_t		 bulk_rows;
	int64_t		 bulk_max;
};
void		 store_model_switch(struct store *s, const char *name);
void		 store_model_slots_reset(struct store *s, bool rolled_back);
void		 store_model_slots_free(struct store *s);
/*
 * store-stmt.c: the value of :model in every statement (0 while the
 * schema is made, the model's id, or -1 while it is not stored), looking
 * the model up first if it may have been stored since; the look-up.
 */
int64_t		 store_model_param(struct store *s);
void		 store_model_lookup(struct store *s);
/*
 * store-stmt.c: the store's schema version (SQLite's PRAGMA user_version;
 * on PostgreSQL meta's schema_version, 0 before the schema exists). 0, or
 * -1 and *cause.
 */
int		 store_schema_read(struct store *s, int *version, char **cause);

/*
 * store-tx.c: the meta table. get: 0 found (*value caller frees), 1
 * none, -1 error. set writes inside the write transaction.
 */
int		 store_meta_get(struct store *s, const char *key, char **value,
		     char **cause);
int		 store_meta_set(struct store *s, const char *key,
		     const char *value, char **cause);

/*
 * Double the capacity of the parallel row arrays that store_reference and
 * store_batch share (features is row-major, n_features per row).
 */
void		 store_rows_grow(size_t *cap, size_t n_features,
		     double **features, int **predicted, double **confidence,
		     int **true_class);
/*
 * store-mem.c: make its allocator SQLite's (before SQLite initialises;
 * SQLITE_MISUSE after). Returns sqlite3_config's code.
 */
int		 store_mem_install(void);

/*
 * store-event.c. The schema 3 step for ids, held labels and input
 * positions; an id bound at i (NULL: SQL NULL); a logged prediction with p's id: 2 none, 1 the same
 * content (a replay), 0 other content (*cause names its line), -1 error.
 */
int		 store_event_schema(struct store *s, char **cause);
int		 store_event_schema_v5(struct store *s, char **cause);
void		 store_event_bind(struct store *s, struct db_stmt *st, int i,
		     const struct store_event_id *id);
int		 store_event_find(struct store *s,
		     const struct store_prediction *p, char **cause);

/*
 * schema-models.c. Version 3 -> 4: the models table, model_id in every
 * per-stream table, a v3 file's rows as model 1 "default". 0 or -1.
 */
int		 schema_v4_models(struct store *s, char **cause);
/*
 * TEMP views (on) giving a version < 4 file's tables the column model_id,
 * for a reader; off drops them. SQLite's result code.
 */
int		 schema_models_views(struct sqlite3 *db, bool on);
/* The same on s's SQLite file, for a read-only open: 0, or -1 *cause. */
int		 schema_models_views_store(struct store *s, char **cause);
/* The models table (a new file's too, schema-fresh.c). */
extern const char schema_models_ddl[];

/*
 * schema-fleet.c. Version 3 -> 4 step: model_status, the fleet's summary,
 * filled from the tables; its triggers alone (IF NOT EXISTS, every
 * read-write open); version 6 -> 7 step: the triggers on the ledger's
 * opening, closing and summary dropped (the writer's statements keep
 * those, store-status.c); a TEMP view model_status for a reader of a
 * file of that version (< 4; on 4 it drops it). 0 or -1, and SQLite's
 * result code for the view.
 */
int		 schema_v4_fleet(struct store *s, char **cause);
int		 schema_fleet_triggers(struct store *s, char **cause);
int		 schema_v7_fleet(struct store *s, char **cause);
int		 schema_fleet_view(struct sqlite3 *db, int version);
/* model_status without its triggers (a new file's too, schema-fresh.c). */
extern const char schema_fleet_ddl[];

/*
 * schema-fresh.c: whether s's SQLite file has no schema object yet (1,
 * 0, -1 *cause); every table of STORE_SCHEMA_VERSION made directly on
 * such a file, as the migrations would leave it (0 or -1). The fleet's
 * triggers and the indexes schema.c makes on every open are left to it.
 * The acks and silences table, for either (the version 4 step).
 */
int		 schema_file_empty(struct store *s, char **cause);
int		 schema_create(struct store *s, char **cause);
extern const char schema_mutes_ddl[];

/*
 * The batch ledger's indexes of the current schema, the same text on
 * both backends (schema-fresh.c, schema-pg.c): the first batch a flag
 * is 1, and the next batch due for pruning.
 */
#define SCHEMA_LEDGER_INDEXES						\
    "CREATE INDEX batches_label_shift_drift ON batches(model_id,"	\
    " label_shift_drift) WHERE label_shift_drift = 1;"		\
    "CREATE INDEX batches_confidence_drift ON batches(model_id,"	\
    " confidence_drift) WHERE confidence_drift = 1;"			\
    "CREATE INDEX batches_any_decay ON batches(model_id, any_decay)"	\
    " WHERE any_decay = 1;"						\
    "CREATE INDEX batches_ddm_drift ON batches(model_id, ddm_drift)"	\
    " WHERE ddm_drift = 1;"						\
    "CREATE INDEX batches_adwin_drift ON batches(model_id, adwin_drift)" \
    " WHERE adwin_drift = 1;"						\
    "CREATE INDEX batches_psi_verdict ON batches(model_id, psi_verdict)" \
    " WHERE psi_verdict > 0;"						\
    "CREATE INDEX batches_ks_drift ON batches(model_id, ks_drift)"	\
    " WHERE ks_drift = 1;"						\
    "CREATE INDEX batches_unpruned ON batches(model_id, closed_at)"	\
    " WHERE pruned_at IS NULL;"

/*
 * schema.c: create or migrate (read-write) or check (read-only); a
 * version no backend may touch (newer than this mlmon, or negative).
 */
int		 schema_migrate(struct store *s, char **cause);
bool		 schema_version_refused(const struct store *s, int version,
		     char **cause);
/*
 * schema-pg.c, the same on PostgreSQL: create the schema (in one
 * transaction under an advisory lock; several processes may start at
 * once) or check it.
 */
int		 schema_pg_migrate(struct store *s, char **cause);
int		 schema_pg_check(struct store *s, char **cause);
int		 schema_check(struct store *s, char **cause);
/*
 * The ledger with summaries computed from the reports, for files older than
 * version 3; ?1 and ?2 are the default PSI warning and critical levels
 * (schema.c).
 */
extern const char schema_summary_select[];

#endif
