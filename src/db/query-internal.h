/*
 * The body of struct query and the few helpers the files of the console's
 * reads share. Only they include this header:
 *
 *   query.c          the connection, its states, refresh and the overview
 *   query-series.c   the reports of a batch range, for the sparklines
 *   query-alerts.c   a page of the alert feed
 *   query-batch.c    stepping between batches, one batch's calibration
 *   query-metrics.c  what the Prometheus export reads beyond the overview
 *   query-explain.c  one alert, its condition's timeline, its reports
 *   query-estimate.c the overview's estimate and the grades of estimates
 *
 * sqlite3.h stays out of it (forward declarations): the files that step
 * statements include it. Payloads are decoded with db/report-json.h only.
 */
#ifndef MLMON_DB_QUERY_INTERNAL_H
#define MLMON_DB_QUERY_INTERNAL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "db/query.h"

struct sqlite3;
struct sqlite3_stmt;

#define QUERY_MESSAGE_MAX	1024

struct query {
	char		*path;
	struct sqlite3	*db;
	dev_t		 dev;
	ino_t		 ino;
	int64_t		 data_version;	/* -1: read everything next time */
	enum query_state state;
	char		 message[QUERY_MESSAGE_MAX];

	struct query_overview ov;
	uint64_t	 gen;		/* bumped on every (re)open */

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
 * query.c: a statement on q's connection, NULL on error (errcode says),
 * its :model bound to the model shown (query_prepare) or to model.
 */
struct sqlite3_stmt *query_prepare(struct query *q, const char *sql);
struct sqlite3_stmt *query_prepare_model(struct query *q, const char *sql,
		     int64_t model);
/*
 * query.c: the first column of sql's first row (def, or 0, when there is
 * none or it is NULL); an error's code in *err.
 */
int64_t		 query_int(struct query *q, const char *sql, int64_t def,
		     int *err);
double		 query_double(struct query *q, const char *sql, int *err);
/*
 * query-ledger.c: the overview's numbers from the batch ledger (counts,
 * rows, summaries, the newest batch, report and alert, the alert count),
 * 0 or an SQLite error code; after the newest reports are read,
 * whether every batch was judged with their PSI thresholds.
 */
int		 query_read_ledger(struct query *q, int64_t version);
void		 query_read_history(struct query *q);
/* SQLITE_BUSY or SQLITE_LOCKED, extended codes too: try again next tick. */
bool		 query_rc_busy(int rc);
/*
 * query.c: payload of the newest report of a type and its batch (NULL
 * when there is none, or on error with *err set). Caller frees.
 */
char		*query_latest_report(struct query *q, const char *type,
		     int64_t *batch, int *err);

/*
 * query.c: the stored feature and class names as a store_schema borrowing
 * q's overview (for the report decoders). false when none is stored yet.
 */
struct store_schema;
bool		 query_schema(const struct query *q, struct store_schema *sc);
/*
 * query.c: model's stored feature and class names (any model of the
 * store), "#i" for a name not stored. 0, or an SQLite error code. The
 * caller finishes *sc (store_schema_finish) either way.
 */
int		 query_names_get(struct query *q, int64_t model,
		     struct store_schema *sc);

/*
 * query-estimate.c: fill the overview's has_est, est_batch, est,
 * n_graded, mae_acc and mae_f1. 0, or an SQLite error code.
 */
int		 query_read_estimate(struct query *q);

#endif
