/*
 * The body of struct query and the few helpers the files of the console's
 * reads share. Only they include this header:
 *
 *   query.c          the connection, its states and query_refresh
 *   query-stmt.c     the statements (kept prepared), errors, transactions
 *   query-overview.c the overview: meta, the newest reports
 *   query-ledger.c   the overview's numbers from the batch ledger
 *   query-sqlite.c   what only a SQLite store needs (read-only open with
 *                    a busy timeout, the -shm diagnosis, old files' views)
 *   query-series.c   the reports of a batch range, for the sparklines
 *   query-alerts.c   a page of the alert feed
 *   query-batch.c    stepping between batches, one batch's calibration
 *   query-metrics.c  what the Prometheus export reads beyond the overview
 *   query-explain.c  one alert, its condition's timeline, its reports
 *   query-estimate.c the overview's estimate and the grades of estimates
 *
 * Every statement goes through the driver (db/driver.h) in SQL both
 * backends take (docs/POSTGRES.md, the dialect table); only
 * query-sqlite.c includes sqlite3.h. An error is carried as the driver's
 * kind (enum db_error, DB_E_NONE = 0 = no error), recorded by query_err
 * where it happened. Payloads are decoded with db/report-json.h only.
 */
#ifndef MLMON_DB_QUERY_INTERNAL_H
#define MLMON_DB_QUERY_INTERNAL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "db/driver.h"
#include "db/query.h"

#define QUERY_MESSAGE_MAX	1024
#define QUERY_ERRMSG_MAX	256
#define QUERY_KEPT_MAX		64

/*
 * A statement kept prepared for the life of the connection, keyed by the
 * address of its static SQL text: the console runs the same few dozen
 * statements every refresh and frame, and on PostgreSQL a prepare and a
 * finalize are a round trip each.
 */
struct query_kept {
	const char	*sql;
	struct db_stmt	*st;
	bool		 out;		/* handed out, not released yet */
};

struct query {
	char		*path;		/* password masked for PostgreSQL */
	char		*target;	/* as given: what db_open opens */
	bool		 pg;		/* a PostgreSQL target */
	struct db_conn	*db;
	dev_t		 dev;		/* SQLite: the file open */
	ino_t		 ino;
	int64_t		 data_version;	/* -1: read everything next time */
	int		 rc;		/* SQLite: the last failure's code */
	char		 errmsg[QUERY_ERRMSG_MAX]; /* the last failure's */
	struct query_kept kept[QUERY_KEPT_MAX];	/* on db */
	size_t		 n_kept;
	enum query_state state;
	char		 message[QUERY_MESSAGE_MAX];

	struct query_overview ov;
	uint64_t	 gen;		/* bumped on every (re)open */
	/*
	 * PostgreSQL: a server that cannot be reached is tried again after
	 * a wait that doubles (query.c): the failed attempts in a row, the
	 * wait, when the next is due (clock_mono) and why the last failed.
	 */
	unsigned	 retries;
	int		 retry_ms;
	double		 retry_at;
	char		 retry_cause[QUERY_ERRMSG_MAX];

	/*
	 * The model shown: the one asked for (NULL: the store's "default",
	 * else its first by name), its name and its model_id as of the
	 * last refresh (-1: not stored yet), bound as :model.
	 */
	char		*want_model;	/* owned */
	char		 model[MODEL_NAME_MAX + 1];
	int64_t		 model_id;
	int64_t		 views_for;	/* the version the TEMP views are
					   for (none: STORE_SCHEMA_VERSION) */
	int64_t		 n_models;	/* in the store, at the last refresh */

	/*
	 * The range of the PSI thresholds the model's batches were judged
	 * with (min and max warning, min and max critical) and how many
	 * have thresholds and verdicts, from the ledger's pass (known:
	 * version 3 on); query_read_history compares them with the newest
	 * report's.
	 */
	struct {
		bool	 known;
		double	 psi[4];
		int64_t	 n_critical, n_verdict;
	} hist;
};

/*
 * query-stmt.c: a statement on q's connection with :model bound; NULL on error
 * (query_err says). query_prepare's sql is static text (its address is
 * the key of the statement kept prepared); query_prepare_text's is built
 * for this once. Either is given back with query_release (a kept one is
 * reset and its bindings cleared, any other finalized).
 */
struct db_stmt	*query_prepare(struct query *q, const char *sql);
struct db_stmt	*query_prepare_text(struct query *q, const char *sql);
/* query_prepare with :model bound to model, not the model shown. */
struct db_stmt	*query_prepare_model(struct query *q, const char *sql,
		     int64_t model);
void		 query_release(struct query *q, struct db_stmt *st);
/* Finalize every statement kept, before the connection closes. */
void		 query_stmt_finish(struct query *q);
/*
 * query-stmt.c: record the connection's last error (its kind, SQLite's code,
 * the message) and return its kind, never DB_E_NONE.
 */
int		 query_err(struct query *q);
/* query-stmt.c: the text of the error query_err recorded last. */
const char	*query_errstr(const struct query *q);
/* A busy store (a writer holds the lock): try again next tick. */
bool		 query_busy(int err);
/*
 * query-stmt.c: one integer from sql's first row; def when there is
 * no row or it is NULL; an error's kind in *err.
 */
int64_t		 query_int(struct query *q, const char *sql, int64_t def,
		     int *err);
double		 query_double(struct query *q, const char *sql, int *err);
/*
 * query-ledger.c: the overview's numbers from the batch ledger (counts,
 * rows, summaries, the newest batch, report and alert, the alert count),
 * 0 or an error kind; after the newest reports are read, whether every
 * batch was judged with their PSI thresholds.
 */
int		 query_read_ledger(struct query *q, int64_t version);
void		 query_read_history(struct query *q);
/* query-stmt.c: a read transaction; end commits (ok) or rolls back. */
int		 query_begin(struct query *q);
void		 query_end(struct query *q, bool ok);
/*
 * query-stmt.c: payload of the newest report of a type and its batch (NULL
 * when there is none, or on error with *err set). Caller frees.
 */
char		*query_latest_report(struct query *q, const char *type,
		     int64_t *batch, int *err);

/*
 * query-overview.c: the stored feature and class names as a store_schema borrowing
 * q's overview (for the report decoders). false when none is stored yet.
 */
struct store_schema;
bool		 query_schema(const struct query *q, struct store_schema *sc);
/*
 * query-overview.c: model's stored feature and class names (any model of
 * the store), "#i" for a name not stored. 0, or an error kind. The caller
 * finishes *sc (store_schema_finish) either way.
 */
int		 query_names_get(struct query *q, int64_t model,
		     struct store_schema *sc);

/*
 * query-estimate.c: fill the overview's has_est, est_batch, est,
 * n_graded, mae_acc and mae_f1. 0, or an error kind.
 */
int		 query_read_estimate(struct query *q);

/* query.c: forget everything read from the current store. */
void		 query_forget(struct query *q);

/*
 * query-overview.c: the overview of the model shown, for a store of
 * schema version (2..current), inside the read transaction. 0, or an
 * error kind. query_names_free drops the decoded names.
 */
int		 query_read_overview(struct query *q, int64_t version);
void		 query_names_free(struct query_overview *ov);

/*
 * query-sqlite.c, SQLite stores only. Open q->target read-only with a
 * short busy timeout (0, or -1 with the state set); the state and message
 * for an unreadable store after an error of kind err (the -shm
 * diagnosis); the TEMP views that make a file older than version 4 read
 * as the current schema (0, or an error kind); whether the error recorded
 * is SQLite's generic one (a missing table: ingest has not set it up);
 * SQLite's text for it (as sqlite3_errstr words it).
 */
int		 query_sqlite_open(struct query *q);
void		 query_sqlite_unreadable(struct query *q, int err);
int		 query_sqlite_views(struct query *q, int64_t version);
bool		 query_sqlite_no_table(const struct query *q);
/* SQLite's text for the code query_err recorded last. */
const char	*query_sqlite_errstr(const struct query *q);

#endif
