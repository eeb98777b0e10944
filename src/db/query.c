/*
 * query: the console's reads. See query.h for the model. This file holds
 * the connection, its states, query_refresh and the overview (meta, the
 * latest reports; the ledger and its summaries: query-ledger.c); the rest is read on
 * demand elsewhere: query-series.c (a batch range's reports), query-alerts.c
 * (a page of alerts), query-batch.c (stepping between batches, one batch's
 * calibration). Payloads are decoded only with report_json_decode_*
 * (db/report-json.h); verdicts and thresholds are shown as stored.
 *
 * Cost model. A tick with no change costs one stat() and one PRAGMA
 * data_version. A change costs a handful of indexed single-row reads
 * (meta, the newest report of two types, the newest rows) and one
 * aggregate pass over the batches ledger: a few dozen bytes a batch, never
 * the predictions and never a report's JSON. The drift counts and the
 * first batch each detector fired come from the ledger's stored verdicts
 * (schema version 3, written with each report; docs/SCHEMA.md). On an
 * older file, not yet opened by a newer mlmon-ingest, the same pass
 * computes them from the reports with SQLite's JSON functions: correct,
 * but O(reports) until ingest upgrades the file.
 */
#include "db/query.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/query-internal.h"
#include "db/report-json.h"
#include "db/store-internal.h"

#define QUERY_BUSY_MS		100

/* ---- connection ---- */

static void
query_names_free(struct query_overview *ov)
{
	size_t i;

	for (i = 0; i < ov->n_features; i++)
		free(ov->feature_names[i]);
	free(ov->feature_names);
	for (i = 0; i < (size_t)(ov->n_classes > 0 ? ov->n_classes : 0); i++)
		free(ov->class_names[i]);
	free(ov->class_names);
	ov->feature_names = NULL;
	ov->class_names = NULL;
	ov->n_features = 0;
	ov->n_classes = 0;
}

/* Forget everything read from the current file. */
static void
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
	if (q->db != NULL)
		sqlite3_close_v2(q->db);
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

bool
query_rc_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

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
 * The store cannot be read: say why and what to do. The one cause that
 * needs explaining is a WAL file with no -shm beside it in a directory we
 * cannot write: a read-only connection must then create -shm, and fails
 * with SQLite's bare "unable to open database file" (docs/SCHEMA.md,
 * Concurrency).
 */
static void
query_unreadable(struct query *q, int rc)
{
	char *shm, *wal, *copy, *reason = NULL;
	const char *dir, *base;
	bool has_wal;
	int e;

	rc &= 0xff;
	shm = xasprintf("%s-shm", q->path);
	wal = xasprintf("%s-wal", q->path);
	copy = xstrdup(q->path);
	dir = dirname(copy);
	if ((rc == SQLITE_CANTOPEN || rc == SQLITE_READONLY) &&
	    access(shm, F_OK) == -1 && query_is_wal(q->path) &&
	    access(dir, W_OK) == -1) {
		e = errno;
		if (e == EROFS)
			reason = xasprintf("%s is on a read-only file system",
			    dir);
		else
			reason = xasprintf("you cannot write to %s (%s)", dir,
			    strerror(e));
	}
	if (reason == NULL) {
		snprintf(q->message, sizeof q->message, "%s: %s", q->path,
		    sqlite3_errstr(rc));
		q->state = QUERY_UNREADABLE;
		free(shm);
		free(wal);
		free(copy);
		return;
	}
	has_wal = access(wal, F_OK) == 0;
	free(copy);
	copy = xstrdup(q->path);
	base = basename(copy);
	snprintf(q->message, sizeof q->message, "%s is a WAL database and its "
	    "-shm file is missing: SQLite needs %s to read it and cannot "
	    "create it, because %s. Run mlmon-top while mlmon-ingest has the "
	    "store open (the -shm file exists then), make the directory "
	    "writable, or open a copy: cp %s%s%s /tmp/ && mlmon-top --db "
	    "/tmp/%s", q->path, shm, reason, q->path, has_wal ? " " : "",
	    has_wal ? wal : "", base);
	q->state = QUERY_UNREADABLE;
	free(reason);
	free(shm);
	free(wal);
	free(copy);
}

static int
query_open_db(struct query *q, const struct stat *st)
{
	char *uri;
	int rc;

	uri = xasprintf("%s", q->path);
	rc = sqlite3_open_v2(uri, &q->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		query_unreadable(q, rc);
		if (q->db != NULL)
			sqlite3_close_v2(q->db);
		q->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(q->db, QUERY_BUSY_MS);
	q->gen++;
	q->dev = st->st_dev;
	q->ino = st->st_ino;
	query_forget(q);
	return 0;
}

sqlite3_stmt *
query_prepare_model(struct query *q, const char *sql, int64_t model)
{
	sqlite3_stmt *st = NULL;
	int i;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	if ((i = sqlite3_bind_parameter_index(st, ":model")) > 0)
		sqlite3_bind_int64(st, i, model);
	return st;
}

sqlite3_stmt *
query_prepare(struct query *q, const char *sql)
{
	return query_prepare_model(q, sql, q->model_id);
}

int64_t
query_int(struct query *q, const char *sql, int64_t def, int *err)
{
	sqlite3_stmt *st;
	int64_t v = def;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL) {
		*err = sqlite3_errcode(q->db);
		return def;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(st, 0);
	} else if (rc != SQLITE_DONE)
		*err = rc;
	sqlite3_finalize(st);
	return v;
}

double
query_double(struct query *q, const char *sql, int *err)
{
	sqlite3_stmt *st;
	double v = 0;
	int rc;

	if ((st = query_prepare(q, sql)) == NULL) {
		*err = sqlite3_errcode(q->db);
		return 0;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	else if (rc != SQLITE_DONE)
		*err = rc;
	sqlite3_finalize(st);
	return v;
}

static char **
names_decode(const char *text, size_t n)
{
	cJSON *root, *e;
	char **out;
	size_t i = 0;

	if (n == 0)
		return NULL;
	out = xcalloc(n, sizeof *out);
	root = text != NULL ? cJSON_Parse(text) : NULL;
	if (root != NULL && cJSON_IsArray(root)) {
		cJSON_ArrayForEach(e, root) {
			if (i >= n)
				break;
			if (cJSON_IsString(e))
				out[i] = xstrdup(e->valuestring);
			i++;
		}
	}
	cJSON_Delete(root);
	for (i = 0; i < n; i++) {
		if (out[i] == NULL)
			out[i] = xasprintf("#%zu", i);
	}
	return out;
}

/* Model's meta: the counts (clamped) and the names' JSON (caller frees). */
static int
query_meta_get(struct query *q, int64_t model, long *nf, long *nc,
    char **fnames, char **cnames)
{
	sqlite3_stmt *st;
	const char *k, *v;
	int rc;

	*nf = *nc = 0;
	*fnames = *cnames = NULL;
	st = query_prepare_model(q, "SELECT key, value FROM meta WHERE key IN"
	    " ('n_features', 'n_classes', 'feature_names', 'class_names')"
	    " AND model_id = :model", model);
	if (st == NULL)
		return sqlite3_errcode(q->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		v = (const char *)sqlite3_column_text(st, 1);
		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "n_features") == 0)
			*nf = strtol(v, NULL, 10);
		else if (strcmp(k, "n_classes") == 0)
			*nc = strtol(v, NULL, 10);
		else if (strcmp(k, "feature_names") == 0) {
			free(*fnames);
			*fnames = xstrdup(v);
		} else {
			free(*cnames);
			*cnames = xstrdup(v);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*fnames);
		free(*cnames);
		*fnames = *cnames = NULL;
		return rc;
	}
	if (*nf < 0 || *nf > 4096)
		*nf = 0;
	if (*nc < 0 || *nc > 1024)
		*nc = 0;
	return SQLITE_OK;
}

/* meta: n_features, n_classes and the names. */
static int
query_read_meta(struct query *q)
{
	char *fnames, *cnames;
	long nf, nc;
	int rc;

	if ((rc = query_meta_get(q, q->model_id, &nf, &nc, &fnames,
	    &cnames)) != SQLITE_OK)
		return rc;
	if ((size_t)nf != q->ov.n_features || nc != q->ov.n_classes ||
	    q->ov.feature_names == NULL) {
		query_names_free(&q->ov);
		q->ov.n_features = (size_t)nf;
		q->ov.n_classes = (int)nc;
		q->ov.feature_names = names_decode(fnames, (size_t)nf);
		q->ov.class_names = names_decode(cnames, (size_t)nc);
	}
	free(fnames);
	free(cnames);
	return SQLITE_OK;
}

int
query_names_get(struct query *q, int64_t model, struct store_schema *sc)
{
	char *fnames, *cnames;
	long nf, nc;
	int rc;

	memset(sc, 0, sizeof *sc);
	if ((rc = query_meta_get(q, model, &nf, &nc, &fnames, &cnames)) !=
	    SQLITE_OK)
		return rc;
	sc->n_features = (size_t)nf;
	sc->n_classes = (int)nc;
	sc->feature_names = names_decode(fnames, (size_t)nf);
	sc->class_names = names_decode(cnames, (size_t)nc);
	free(fnames);
	free(cnames);
	return SQLITE_OK;
}

char *
query_latest_report(struct query *q, const char *type, int64_t *batch,
    int *err)
{
	sqlite3_stmt *st;
	char *out = NULL;
	const char *p;
	int rc;

	st = query_prepare(q, "SELECT batch_id, payload FROM monitor_reports"
	    " WHERE report_type = ? AND model_id = :model"
	    " ORDER BY batch_id DESC LIMIT 1");
	if (st == NULL) {
		*err = sqlite3_errcode(q->db);
		return NULL;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*batch = sqlite3_column_int64(st, 0);
		p = (const char *)sqlite3_column_text(st, 1);
		if (p != NULL)
			out = xstrdup(p);
	} else if (rc != SQLITE_DONE)
		*err = rc;
	sqlite3_finalize(st);
	return out;
}

bool
query_schema(const struct query *q, struct store_schema *sc)
{
	sc->n_features = q->ov.n_features;
	sc->n_classes = q->ov.n_classes;
	sc->feature_names = q->ov.feature_names;
	sc->class_names = q->ov.class_names;
	return sc->n_features > 0 && sc->n_classes > 0 &&
	    sc->feature_names != NULL && sc->class_names != NULL;
}

/* The feature thresholds of the latest feature report, as stored. */
static void
query_feature_thresholds(struct query_thresholds *t,
    const struct feature_report *r)
{
	const struct feature_thresholds *a = &r->thresholds[0], *b;
	size_t f;

	t->known = true;
	t->stored = r->thresholds_stored;
	t->uniform = true;
	t->psi_warning = a->psi_warning;
	t->psi_critical = a->psi_critical;
	t->ks_alpha = a->ks_alpha;
	for (f = 1; f < r->n_features; f++) {
		b = &r->thresholds[f];
		if (memcmp(a, b, sizeof *a) != 0)
			t->uniform = false;
	}
}

/*
 * The newest report of each type, decoded with the one decoder: the
 * numbers of the overview and the thresholds they were judged with.
 */
static int
query_read_latest(struct query *q)
{
	struct query_overview *ov = &q->ov;
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct store_schema sc;
	int64_t batch;
	char *p, *cause = NULL;
	int err = 0;

	ov->has_perf = ov->has_pred = false;
	memset(&ov->thresholds, 0, sizeof ov->thresholds);
	if ((err = query_read_estimate(q)) != 0)
		return err;
	if (!query_schema(q, &sc))
		return 0;
	p = query_latest_report(q, "feature", &batch, &err);
	if (p != NULL && report_json_decode_feature(p, strlen(p), &sc, &fr,
	    &cause) == 0) {
		query_feature_thresholds(&ov->thresholds, &fr);
		feature_report_finish(&fr);
	}
	free(p);
	free(cause);
	cause = NULL;
	p = query_latest_report(q, "performance", &ov->perf_batch, &err);
	if (p != NULL && report_json_decode_performance(p, strlen(p), &sc,
	    &perf, &cause) == 0) {
		ov->has_perf = true;
		ov->accuracy = perf.accuracy;
		ov->f1 = perf.f1_macro;
		ov->ece = perf.ece;
		ov->acc_delta = perf.acc_delta;
		ov->f1_delta = perf.f1_delta;
		ov->thresholds.decay_delta = perf.decay_delta;
		performance_report_finish(&perf);
	}
	free(p);
	free(cause);
	cause = NULL;
	p = query_latest_report(q, "prediction", &ov->pred_batch, &err);
	if (p != NULL && report_json_decode_prediction(p, strlen(p), &sc,
	    &pr, &cause) == 0) {
		ov->has_pred = true;
		ov->ls_p = pr.label_shift_p_value;
		ov->ls_drift = pr.label_shift_drift;
		ov->mean_conf = pr.mean_confidence;
		ov->ref_conf = pr.reference_mean_confidence;
		ov->conf_drift = pr.confidence_drift;
		ov->thresholds.chisq_alpha = pr.chisq_alpha;
		ov->thresholds.confidence_delta = pr.confidence_delta;
		prediction_report_finish(&pr);
	}
	free(p);
	free(cause);
	return err;
}

/*
 * The console reads the current schema and the ones before it down to
 * 2 (no stored verdicts: query_read_summary computes them), 3 (no
 * models: TEMP views, query_read_model; no acks or silences: none shown)
 * and 4 (the seed's readers scan; nothing of the console's). 0 is a
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
 * TEMP views on a file older than version 4 (schema-models.c and the
 * fleet's, schema-fleet.c), off once ingest has migrated it; then the
 * model to show and its id.
 */
static int
query_read_model(struct query *q, int64_t version)
{
	sqlite3_stmt *st;
	const char *name;
	int rc;

	if (version != q->views_for) {
		if ((rc = schema_models_views(q->db, version < 4)) !=
		    SQLITE_OK || (rc = schema_fleet_view(q->db,
		    (int)version)) != SQLITE_OK)
			return rc;
		q->views_for = version;
	}
	st = query_prepare(q, "SELECT model_id, name FROM models"
	    " WHERE ?1 IS NULL OR name = ?1"
	    " ORDER BY name = '" MODEL_DEFAULT "' DESC, name LIMIT 1");
	if (st == NULL)
		return sqlite3_errcode(q->db);
	sqlite3_bind_text(st, 1, q->want_model, -1, SQLITE_STATIC);
	q->model_id = -1;
	q->n_models = 0;
	snprintf(q->model, sizeof q->model, "%s", q->want_model != NULL ?
	    q->want_model : MODEL_DEFAULT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		q->model_id = sqlite3_column_int64(st, 0);
		if ((name = (const char *)sqlite3_column_text(st, 1)) != NULL)
			snprintf(q->model, sizeof q->model, "%s", name);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	rc = SQLITE_OK;
	q->n_models = query_int(q, "SELECT count(*) FROM models", 0, &rc);
	return rc;
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

/* Re-read the overview inside one read transaction. */
static int
query_read_all(struct query *q)
{
	int rc, err = 0;
	int64_t version;

	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sqlite3_errcode(q->db);
	version = query_int(q, "PRAGMA user_version", 0, &err);
	if (err == 0 && query_version_refused(q, version)) {
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
		return SQLITE_FORMAT;	/* state and message are set */
	}
	if (err == 0 && version < 1) {
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
		return SQLITE_EMPTY;
	}
	rc = err;
	if (rc == 0)
		rc = query_read_model(q, version);
	if (rc == 0)
		rc = query_read_meta(q);
	if (rc == 0)
		rc = query_read_ledger(q, version);
	if (rc == 0)
		rc = query_read_latest(q);
	if (rc == 0)
		query_read_history(q);
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
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
	if (db_target_is_pg(path)) {
		/* Shown in the title and messages: password masked. */
		q->path = db_target_redact(path);
		query_set_state(q, QUERY_UNREADABLE, "%s: a PostgreSQL "
		    "store, which this build cannot read yet "
		    "(docs/POSTGRES.md)", q->path);
		return q;
	}
	q->path = xstrdup(path);
	query_set_state(q, QUERY_MISSING, "waiting for %s", path);
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
	free(q);
}

int
query_refresh(struct query *q)
{
	struct stat st;
	enum query_state before = q->state;
	int64_t dv;
	int rc, err = 0;

	if (db_target_is_pg(q->path))
		return 0;	/* refused at query_create */
	if (stat(q->path, &st) == -1) {
		if (q->db != NULL || before == QUERY_DELETED) {
			query_close_db(q);
			query_set_state(q, QUERY_DELETED, "%s was deleted; "
			    "waiting for it to come back", q->path);
		} else {
			query_set_state(q, QUERY_MISSING, "%s", errno ==
			    ENOENT ? "no store yet" : strerror(errno));
		}
		return before != q->state;
	}
	if (!S_ISREG(st.st_mode)) {
		/* A FIFO would block SQLite's first read forever. */
		query_close_db(q);
		query_set_state(q, QUERY_UNREADABLE, "%s: not a regular file",
		    q->path);
		return before != q->state;
	}
	if (q->db != NULL && (st.st_dev != q->dev || st.st_ino != q->ino))
		query_close_db(q);	/* replaced under us: start over */
	if (q->db == NULL && query_open_db(q, &st) == -1)
		return before != q->state;

	dv = query_int(q, "PRAGMA data_version", -1, &err);
	if (err != 0) {
		if (query_rc_busy(err))
			return -1;
		query_unreadable(q, err);
		query_close_db(q);
		return before != q->state;
	}
	if (dv == q->data_version && q->state == QUERY_OK)
		return 0;
	rc = query_read_all(q);
	if (query_rc_busy(rc)) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	q->data_version = dv;
	if (rc == SQLITE_FORMAT) {
		query_close_db(q);	/* re-read from scratch next time */
		return before != q->state;
	}
	if (rc == SQLITE_EMPTY || (rc & 0xff) == SQLITE_ERROR) {
		/* No schema (or a table missing): ingest has not started. */
		query_set_state(q, QUERY_EMPTY, "%s", "the store has no "
		    "schema yet");
		return before != q->state;
	}
	if (rc != SQLITE_OK) {
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
