/*
 * The body of struct query and the few helpers the files of the console's
 * reads share. Only they include this header:
 *
 *   query.c          the connection, its states, refresh and the overview
 *   query-payload.c  report payload keys: the one place that knows the
 *                    JSON names
 *   query-series.c   the reports of a batch range, for the sparklines
 *   query-alerts.c   a page of the alert feed
 *   query-batch.c    stepping between batches, one batch's calibration
 *   query-metrics.c  what the Prometheus export reads beyond the overview
 *
 * sqlite3.h and cJSON.h stay out of it (forward declarations): the files
 * that step statements or parse payloads include them.
 */
#ifndef MLMON_DB_QUERY_INTERNAL_H
#define MLMON_DB_QUERY_INTERNAL_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/query.h"

struct cJSON;
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
};

/* query.c: a statement on q's connection, NULL on error (errcode says). */
struct sqlite3_stmt *query_prepare(struct query *q, const char *sql);
/* SQLITE_BUSY or SQLITE_LOCKED, extended codes too: try again next tick. */
bool		 query_rc_busy(int rc);
/*
 * query.c: payload of the newest report of a type and its batch (NULL
 * when there is none, or on error with *err set). Caller frees.
 */
char		*query_latest_report(struct query *q, const char *type,
		     int64_t *batch, int *err);

/* query-payload.c: the report fields the console reads, by meaning. */
enum query_key {
	QUERY_KEY_PSI,
	QUERY_KEY_KS_P,
	QUERY_KEY_KS_STAT,
	QUERY_KEY_LS_P,
	QUERY_KEY_LS_DRIFT,
	QUERY_KEY_MEAN_CONF,
	QUERY_KEY_REF_CONF,
	QUERY_KEY_CONF_DRIFT,
	QUERY_KEY_ACC,
	QUERY_KEY_F1,
	QUERY_KEY_ECE,
	QUERY_KEY_ACC_DELTA,
	QUERY_KEY_F1_DELTA,
	QUERY_KEY_DECAY,
	QUERY_KEY_COUNT,
};

/* A number field; NAN when missing or not a number. */
double		 query_json_number(const struct cJSON *obj, enum query_key key);
/*
 * A detector flag: true or a non-zero number (the rule of the ledger's
 * summary columns, src/db/schema.c, so both views of a batch agree).
 */
bool		 query_json_flag(const struct cJSON *obj, enum query_key key);
/*
 * Per-feature values into out[0..nf): from an array (by position) or an
 * object keyed by feature name (by name when known, else by position).
 */
void		 query_json_features(const struct cJSON *obj,
		     enum query_key key, double *out, size_t nf,
		     char **feature_names);
/* Number of per-feature entries in a payload (for stores without meta). */
size_t		 query_json_feature_count(const struct cJSON *obj);

#endif
