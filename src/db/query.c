/*
 * query: the console's reads. See query.h for the model.
 *
 * Cost model. A tick with no change costs one stat() and one PRAGMA
 * data_version. A change costs a handful of indexed single-row reads
 * (meta, the newest report of two types, the newest rows) and one
 * aggregate pass over the batches ledger: a few dozen bytes a batch, never
 * the predictions and never a report's JSON. The drift counts and the
 * first batch each detector fired come from the ledger's summary columns
 * (schema version 2, written with each report; docs/SCHEMA.md). On a
 * version 1 file, not yet opened by a newer mlmon-ingest, the same pass
 * computes them from the reports with SQLite's JSON functions: correct,
 * but O(reports) until ingest upgrades the file.
 *
 * Payload keys: report payloads are the seed's JSON; the readers below
 * accept the names listed in one place (the key tables) so a renamed key
 * is a one-line change.
 */
#include "db/query.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/xalloc.h"
#include "db/store-internal.h"

#define QUERY_BUSY_MS		100
#define QUERY_SERIES_MAX	4096
#define QUERY_MESSAGE_MAX	1024

struct query {
	char		*path;
	sqlite3		*db;
	dev_t		 dev;
	ino_t		 ino;
	int64_t		 data_version;	/* -1: read everything next time */
	enum query_state state;
	char		 message[QUERY_MESSAGE_MAX];

	struct query_overview ov;
	uint64_t	 gen;		/* bumped on every (re)open */
};

/* ---- payload keys: the one place that knows the JSON names ---- */

static const char *const key_psi[] = { "psi_values", "psi", NULL };
static const char *const key_ks_p[] = { "ks_p_values", "ks_p_value",
    "ks_pvalues", NULL };
static const char *const key_ls_p[] = { "label_shift_p_value",
    "label_shift_p", "chi2_p_value", NULL };
static const char *const key_ls_drift[] = { "label_shift_drift",
    "label_shift_detected", "label_shift", NULL };
static const char *const key_mean_conf[] = { "mean_confidence", NULL };
static const char *const key_ref_conf[] = { "reference_mean_confidence",
    "ref_mean_confidence", NULL };
static const char *const key_conf_drift[] = { "confidence_drift", NULL };
static const char *const key_acc[] = { "accuracy", NULL };
static const char *const key_f1[] = { "f1_macro", "f1", NULL };
static const char *const key_ece[] = { "ece", NULL };
static const char *const key_acc_delta[] = { "acc_delta",
    "accuracy_delta", NULL };
static const char *const key_f1_delta[] = { "f1_delta", NULL };
static const char *const key_decay[] = { "any_decay", NULL };

static const cJSON *
json_find(const cJSON *obj, const char *const *names)
{
	const cJSON *v;

	for (; *names != NULL; names++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, *names);
		if (v != NULL)
			return v;
	}
	return NULL;
}

static double
json_number(const cJSON *obj, const char *const *names)
{
	const cJSON *v = json_find(obj, names);

	if (v == NULL || !cJSON_IsNumber(v))
		return NAN;
	return v->valuedouble;
}

/*
 * A detector flag: true or a non-zero number (the rule of the ledger's
 * summary columns, src/db/schema.c, so both views of a batch agree).
 */
static bool
json_flag(const cJSON *obj, const char *const *names)
{
	const cJSON *v = json_find(obj, names);

	if (v == NULL)
		return false;
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	return cJSON_IsNumber(v) && v->valuedouble != 0;
}

/*
 * Per-feature values into out[0..nf): from an array (by position) or an
 * object keyed by feature name (by name when known, else by position).
 */
static void
json_features(const cJSON *obj, const char *const *names, double *out,
    size_t nf, char **feature_names)
{
	const cJSON *v, *e;
	size_t i, f;

	for (i = 0; i < nf; i++)
		out[i] = NAN;
	v = json_find(obj, names);
	if (v == NULL || (!cJSON_IsArray(v) && !cJSON_IsObject(v)))
		return;
	i = 0;
	cJSON_ArrayForEach(e, v) {
		f = i++;
		if (cJSON_IsObject(v) && feature_names != NULL &&
		    e->string != NULL) {
			for (f = 0; f < nf; f++) {
				if (feature_names[f] != NULL &&
				    strcmp(feature_names[f], e->string) == 0)
					break;
			}
		}
		if (f < nf && cJSON_IsNumber(e))
			out[f] = e->valuedouble;
	}
}

/* Number of per-feature entries in a payload (for stores without meta). */
static size_t
json_feature_count(const cJSON *obj)
{
	const cJSON *v = json_find(obj, key_psi);

	if (v == NULL)
		return 0;
	return (size_t)cJSON_GetArraySize(v);
}

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
	query_forget(q);
}

static void
query_set_state(struct query *q, enum query_state st, const char *fmt,
    const char *arg)
{
	q->state = st;
	snprintf(q->message, sizeof q->message, fmt, arg);
}

static bool
rc_busy(int rc)
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

	if ((fd = open(path, O_RDONLY)) == -1)
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

static sqlite3_stmt *
query_prepare(struct query *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* One integer from a statement; def when no row. -1 busy/error in *rc. */
static int64_t
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

static double
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

/* meta: n_features, n_classes and the names. */
static int
query_read_meta(struct query *q)
{
	sqlite3_stmt *st;
	char *fnames = NULL, *cnames = NULL;
	const char *k, *v;
	long nf = 0, nc = 0;
	int rc;

	st = query_prepare(q, "SELECT key, value FROM meta WHERE key IN"
	    " ('n_features', 'n_classes', 'feature_names', 'class_names')");
	if (st == NULL)
		return sqlite3_errcode(q->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		v = (const char *)sqlite3_column_text(st, 1);
		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "n_features") == 0)
			nf = strtol(v, NULL, 10);
		else if (strcmp(k, "n_classes") == 0)
			nc = strtol(v, NULL, 10);
		else if (strcmp(k, "feature_names") == 0) {
			free(fnames);
			fnames = xstrdup(v);
		} else {
			free(cnames);
			cnames = xstrdup(v);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(fnames);
		free(cnames);
		return rc;
	}
	if (nf < 0 || nf > 4096)
		nf = 0;
	if (nc < 0 || nc > 1024)
		nc = 0;
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

/* Payload of the newest report of a type; caller frees. */
static char *
query_latest_report(struct query *q, const char *type, int64_t *batch,
    int *err)
{
	sqlite3_stmt *st;
	char *out = NULL;
	const char *p;
	int rc;

	st = query_prepare(q, "SELECT batch_id, payload FROM monitor_reports"
	    " WHERE report_type = ? ORDER BY batch_id DESC LIMIT 1");
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

static int
query_read_latest(struct query *q)
{
	struct query_overview *ov = &q->ov;
	cJSON *root;
	char *p;
	int err = 0;

	ov->has_perf = false;
	p = query_latest_report(q, "performance", &ov->perf_batch, &err);
	if (p != NULL && (root = cJSON_Parse(p)) != NULL) {
		ov->has_perf = true;
		ov->accuracy = json_number(root, key_acc);
		ov->f1 = json_number(root, key_f1);
		ov->ece = json_number(root, key_ece);
		ov->acc_delta = json_number(root, key_acc_delta);
		ov->f1_delta = json_number(root, key_f1_delta);
		cJSON_Delete(root);
	}
	free(p);
	ov->has_pred = false;
	p = query_latest_report(q, "prediction", &ov->pred_batch, &err);
	if (p != NULL && (root = cJSON_Parse(p)) != NULL) {
		ov->has_pred = true;
		ov->ls_p = json_number(root, key_ls_p);
		ov->ls_drift = json_flag(root, key_ls_drift);
		ov->mean_conf = json_number(root, key_mean_conf);
		ov->ref_conf = json_number(root, key_ref_conf);
		ov->conf_drift = json_flag(root, key_conf_drift);
		cJSON_Delete(root);
	}
	free(p);
	return err;
}

/*
 * The aggregates of the ledger's summary columns: value i is
 * "SELECT agg FROM batches WHERE cond", ?1..?3 the thresholds. On a
 * version 2 file each is one query answered from an index (schema.c):
 * a count of an index range or the first entry of a partial index. On a
 * version 1 file they are all computed in one pass with FILTER over the
 * ledger joined to its reports (schema_summary_select).
 */
enum {
	SUM_FEATURE_REPORTS,
	SUM_PSI_WARNING,
	SUM_PSI_CRITICAL,
	SUM_FIRST,		/* + enum query_detector */
	SUM_COUNT = SUM_FIRST + QUERY_DET_COUNT,
};

static const struct query_summary {
	const char	*agg;
	const char	*cond;
} query_summaries[SUM_COUNT] = {
	[SUM_FEATURE_REPORTS] = { "count(*)", "max_psi IS NOT NULL" },
	[SUM_PSI_WARNING] = { "count(*)", "max_psi > ?1" },
	[SUM_PSI_CRITICAL] = { "count(*)", "max_psi > ?2" },
	[SUM_FIRST + QUERY_DET_PSI] = { "min(batch_id)", "max_psi > ?2" },
	[SUM_FIRST + QUERY_DET_KS] = { "min(batch_id)", "min_ks_p < ?3" },
	[SUM_FIRST + QUERY_DET_LABEL_SHIFT] = { "min(batch_id)",
	    "label_shift_drift = 1" },
	[SUM_FIRST + QUERY_DET_CONFIDENCE] = { "min(batch_id)",
	    "confidence_drift = 1" },
	[SUM_FIRST + QUERY_DET_DECAY] = { "min(batch_id)", "any_decay = 1" },
	[SUM_FIRST + QUERY_DET_DDM] = { "min(batch_id)", "ddm_drift = 1" },
	[SUM_FIRST + QUERY_DET_ADWIN] = { "min(batch_id)",
	    "adwin_drift = 1" },
};

/* Prepare sql, bind the thresholds, step: v[from..] get the columns. */
static int
query_summary_step(struct query *q, const char *sql, int64_t *v, int from)
{
	sqlite3_stmt *st;
	int rc, i, n;

	if ((st = query_prepare(q, sql)) == NULL)
		return sqlite3_errcode(q->db);
	sqlite3_bind_double(st, 1, QUERY_PSI_WARNING);
	sqlite3_bind_double(st, 2, QUERY_PSI_CRITICAL);
	sqlite3_bind_double(st, 3, QUERY_KS_ALPHA);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		for (i = 0; i < n; i++)
			v[from + i] = sqlite3_column_type(st, i) ==
			    SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
query_read_summary(struct query *q, int64_t version)
{
	struct query_overview *ov = &q->ov;
	int64_t v[SUM_COUNT];
	char *sql, *part;
	int i, rc = SQLITE_OK;

	for (i = 0; i < SUM_COUNT; i++)
		v[i] = -1;
	if (version >= 2) {
		for (i = 0; i < SUM_COUNT && rc == SQLITE_OK; i++) {
			sql = xasprintf("SELECT %s FROM batches WHERE %s",
			    query_summaries[i].agg, query_summaries[i].cond);
			rc = query_summary_step(q, sql, v, i);
			free(sql);
		}
	} else {
		sql = xstrdup("SELECT");
		for (i = 0; i < SUM_COUNT; i++) {
			part = xasprintf("%s%s %s FILTER (WHERE %s)", sql,
			    i == 0 ? "" : ",", query_summaries[i].agg,
			    query_summaries[i].cond);
			free(sql);
			sql = part;
		}
		part = xasprintf("%s FROM (%s)", sql, schema_summary_select);
		free(sql);
		rc = query_summary_step(q, part, v, 0);
		free(part);
	}
	if (rc != SQLITE_OK)
		return rc;
	ov->n_feature_reports = v[SUM_FEATURE_REPORTS] > 0 ?
	    v[SUM_FEATURE_REPORTS] : 0;
	ov->drift_psi_warning = v[SUM_PSI_WARNING] > 0 ?
	    v[SUM_PSI_WARNING] : 0;
	ov->drift_psi_critical = v[SUM_PSI_CRITICAL] > 0 ?
	    v[SUM_PSI_CRITICAL] : 0;
	for (i = 0; i < QUERY_DET_COUNT; i++)
		ov->first_fired[i] = v[SUM_FIRST + i];
	return SQLITE_OK;
}

/*
 * The ledger's counts and times. Everything but the two sums is an index
 * seek (count(*) walks the table's pages without decoding rows); the sums
 * are one light pass, a fraction of a microsecond a batch.
 */
static int
query_read_ledger(struct query *q)
{
	struct query_overview *ov = &q->ov;
	sqlite3_stmt *st;
	double t;
	int rc, err = 0, c;
	int64_t open_rows;

	ov->n_batches = query_int(q, "SELECT count(*) FROM batches", 0, &err);
	ov->first_batch = query_int(q, "SELECT min(batch_id) FROM batches",
	    -1, &err);
	ov->latest_batch = query_int(q, "SELECT max(batch_id) FROM batches",
	    -1, &err);
	if (err)
		return err;
	st = query_prepare(q, "SELECT total(n_rows), total(n_labelled),"
	    " max(labelled_at) FROM batches");
	if (st == NULL)
		return sqlite3_errcode(q->db);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	ov->rows = (int64_t)sqlite3_column_double(st, 0);
	ov->labelled = (int64_t)sqlite3_column_double(st, 1);
	ov->last_write = sqlite3_column_double(st, 2);
	sqlite3_finalize(st);
	if (ov->latest_batch == -1)
		goto rest;

	/*
	 * The newest batch: its times, and the rows of it still open, which
	 * are not in the ledger's count yet.
	 */
	st = query_prepare(q, "SELECT opened_at, closed_at, CASE WHEN"
	    " closed_at IS NULL THEN (SELECT count(*) FROM predictions"
	    " WHERE batch_id = b.batch_id) - b.n_rows ELSE 0 END"
	    " FROM batches b WHERE b.batch_id = ?1");
	if (st == NULL)
		return sqlite3_errcode(q->db);
	sqlite3_bind_int64(st, 1, ov->latest_batch);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (c = 0; c <= 1; c++) {
			t = sqlite3_column_double(st, c);
			if (t > ov->last_write)
				ov->last_write = t;
		}
		open_rows = sqlite3_column_int64(st, 2);
		if (open_rows > 0)
			ov->rows += open_rows;
	} else if (rc != SQLITE_DONE)
		err = rc;
	sqlite3_finalize(st);
	if (err)
		return err;
rest:
	t = query_double(q, "SELECT logged_at FROM predictions"
	    " ORDER BY id DESC LIMIT 1", &err);
	if (t > ov->last_write)
		ov->last_write = t;
	t = query_double(q, "SELECT created_at FROM monitor_reports"
	    " ORDER BY id DESC LIMIT 1", &err);
	if (t > ov->last_write)
		ov->last_write = t;
	t = query_double(q, "SELECT sent_at FROM alerts"
	    " ORDER BY id DESC LIMIT 1", &err);
	if (t > ov->last_write)
		ov->last_write = t;
	ov->n_alerts = query_int(q, "SELECT count(*) FROM alerts", 0, &err);
	return err;
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
	if (err == 0 && version < 1) {
		sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
		return SQLITE_EMPTY;
	}
	rc = err;
	if (rc == 0)
		rc = query_read_meta(q);
	if (rc == 0)
		rc = query_read_ledger(q);
	if (rc == 0)
		rc = query_read_summary(q, version);
	if (rc == 0)
		rc = query_read_latest(q);
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

struct query *
query_create(const char *path)
{
	struct query *q;

	q = xcalloc(1, sizeof *q);
	q->path = xstrdup(path);
	query_forget(q);
	query_set_state(q, QUERY_MISSING, "waiting for %s", path);
	return q;
}

void
query_destroy(struct query *q)
{
	if (q == NULL)
		return;
	query_close_db(q);
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
	if (q->db != NULL && (st.st_dev != q->dev || st.st_ino != q->ino))
		query_close_db(q);	/* replaced under us: start over */
	if (q->db == NULL && query_open_db(q, &st) == -1)
		return before != q->state;

	dv = query_int(q, "PRAGMA data_version", -1, &err);
	if (err != 0) {
		if (rc_busy(err))
			return -1;
		query_unreadable(q, err);
		query_close_db(q);
		return before != q->state;
	}
	if (dv == q->data_version && q->state == QUERY_OK)
		return 0;
	rc = query_read_all(q);
	if (rc_busy(rc)) {
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	q->data_version = dv;
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

/* ---- series ---- */

static const char *const series_types[QUERY_REPORT_TYPES] = {
	"feature", "prediction", "performance",
};

static void
series_slot_clear(struct query_series *s, size_t i)
{
	size_t f, nf = s->cap_features;
	int t;

	for (f = 0; f < nf; f++) {
		s->psi[i * nf + f] = NAN;
		s->ks_p[i * nf + f] = NAN;
	}
	s->ls_p[i] = s->mean_conf[i] = s->ref_conf[i] = NAN;
	s->acc[i] = s->f1[i] = s->ece[i] = NAN;
	s->ref_acc[i] = s->ref_f1[i] = NAN;
	s->flags[i] = 0;
	for (t = 0; t < QUERY_REPORT_TYPES; t++) {
		s->rowid[i * QUERY_REPORT_TYPES + t] = 0;
		s->created[i * QUERY_REPORT_TYPES + t] = 0;
	}
}

/* Copy slot j of src into slot i of dst (same feature count). */
static void
series_slot_copy(struct query_series *dst, size_t i,
    const struct query_series *src, size_t j)
{
	size_t nf = dst->cap_features;

	memcpy(dst->psi + i * nf, src->psi + j * nf, nf * sizeof *dst->psi);
	memcpy(dst->ks_p + i * nf, src->ks_p + j * nf,
	    nf * sizeof *dst->ks_p);
	dst->ls_p[i] = src->ls_p[j];
	dst->mean_conf[i] = src->mean_conf[j];
	dst->ref_conf[i] = src->ref_conf[j];
	dst->acc[i] = src->acc[j];
	dst->f1[i] = src->f1[j];
	dst->ece[i] = src->ece[j];
	dst->ref_acc[i] = src->ref_acc[j];
	dst->ref_f1[i] = src->ref_f1[j];
	dst->flags[i] = src->flags[j];
	memcpy(dst->rowid + i * QUERY_REPORT_TYPES, src->rowid + j *
	    QUERY_REPORT_TYPES, QUERY_REPORT_TYPES * sizeof *dst->rowid);
	memcpy(dst->created + i * QUERY_REPORT_TYPES, src->created + j *
	    QUERY_REPORT_TYPES, QUERY_REPORT_TYPES * sizeof *dst->created);
}

static void
series_alloc(struct query_series *s, size_t n, size_t nf)
{
	size_t nfa = nf > 0 ? nf : 1, cap = n > 0 ? n : 1;

	memset(s, 0, sizeof *s);
	s->cap = cap;
	s->cap_features = nfa;
	s->psi = xcalloc(cap * nfa, sizeof *s->psi);
	s->ks_p = xcalloc(cap * nfa, sizeof *s->ks_p);
	s->ls_p = xcalloc(cap, sizeof *s->ls_p);
	s->mean_conf = xcalloc(cap, sizeof *s->mean_conf);
	s->ref_conf = xcalloc(cap, sizeof *s->ref_conf);
	s->acc = xcalloc(cap, sizeof *s->acc);
	s->f1 = xcalloc(cap, sizeof *s->f1);
	s->ece = xcalloc(cap, sizeof *s->ece);
	s->ref_acc = xcalloc(cap, sizeof *s->ref_acc);
	s->ref_f1 = xcalloc(cap, sizeof *s->ref_f1);
	s->flags = xcalloc(cap, 1);
	s->rowid = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->rowid);
	s->created = xcalloc(cap * QUERY_REPORT_TYPES, sizeof *s->created);
}

void
query_series_finish(struct query_series *s)
{
	free(s->psi);
	free(s->ks_p);
	free(s->ls_p);
	free(s->mean_conf);
	free(s->ref_conf);
	free(s->acc);
	free(s->f1);
	free(s->ece);
	free(s->ref_acc);
	free(s->ref_f1);
	free(s->flags);
	free(s->rowid);
	free(s->created);
	memset(s, 0, sizeof *s);
}

/* Decode one report into slot i, replacing what that type put there. */
static void
series_put(struct query_series *s, size_t i, int type, const cJSON *root,
    char **names)
{
	size_t f, nf = s->n_features;
	double *psi = s->psi + i * s->cap_features;
	double *ks = s->ks_p + i * s->cap_features;
	double delta;

	switch (type) {
	case 0:
		s->flags[i] &= ~(QUERY_HAS_FEATURE | QUERY_DRIFT_PSI |
		    QUERY_DRIFT_KS);
		s->flags[i] |= QUERY_HAS_FEATURE;
		json_features(root, key_psi, psi, nf, names);
		json_features(root, key_ks_p, ks, nf, names);
		for (f = 0; f < nf; f++) {
			if (psi[f] > QUERY_PSI_CRITICAL)
				s->flags[i] |= QUERY_DRIFT_PSI;
			if (ks[f] < QUERY_KS_ALPHA)
				s->flags[i] |= QUERY_DRIFT_KS;
		}
		break;
	case 1:
		s->flags[i] &= ~(QUERY_LABEL_SHIFT | QUERY_CONF_DRIFT);
		s->flags[i] |= QUERY_HAS_PREDICTION;
		s->ls_p[i] = json_number(root, key_ls_p);
		s->mean_conf[i] = json_number(root, key_mean_conf);
		s->ref_conf[i] = json_number(root, key_ref_conf);
		if (json_flag(root, key_ls_drift))
			s->flags[i] |= QUERY_LABEL_SHIFT;
		if (json_flag(root, key_conf_drift))
			s->flags[i] |= QUERY_CONF_DRIFT;
		break;
	default:
		s->flags[i] &= ~QUERY_DECAY;
		s->flags[i] |= QUERY_HAS_PERFORMANCE;
		s->acc[i] = json_number(root, key_acc);
		s->f1[i] = json_number(root, key_f1);
		s->ece[i] = json_number(root, key_ece);
		delta = json_number(root, key_acc_delta);
		s->ref_acc[i] = s->acc[i] - delta;
		delta = json_number(root, key_f1_delta);
		s->ref_f1[i] = s->f1[i] - delta;
		if (json_flag(root, key_decay))
			s->flags[i] |= QUERY_DECAY;
		break;
	}
}

static int
series_type(const char *t)
{
	int i;

	for (i = 0; i < QUERY_REPORT_TYPES; i++) {
		if (strcmp(t, series_types[i]) == 0)
			return i;
	}
	return -1;
}

/* Features in the first feature report of the range (no meta stored). */
static size_t
series_guess_features(struct query *q, int64_t lo, int64_t hi)
{
	sqlite3_stmt *st;
	const char *payload;
	cJSON *root;
	size_t nf = 0;

	st = query_prepare(q, "SELECT payload FROM monitor_reports WHERE"
	    " batch_id BETWEEN ? AND ? AND report_type = 'feature' LIMIT 1");
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	if (sqlite3_step(st) == SQLITE_ROW) {
		payload = (const char *)sqlite3_column_text(st, 0);
		if (payload != NULL && (root = cJSON_Parse(payload)) != NULL) {
			nf = json_feature_count(root);
			cJSON_Delete(root);
		}
	}
	sqlite3_finalize(st);
	return nf;
}

int
query_series_load(struct query *q, int64_t lo, int64_t hi, unsigned types,
    struct query_series *out)
{
	struct query_series next;
	sqlite3_stmt *st, *pst = NULL;
	const char *tname, *payload;
	cJSON *root;
	size_t nf, n, i, k;
	int64_t b, rowid;
	double created;
	int rc, t;

	if (hi - lo >= QUERY_SERIES_MAX)
		lo = hi - QUERY_SERIES_MAX + 1;
	n = hi >= lo ? (size_t)(hi - lo + 1) : 0;
	nf = q->ov.n_features;
	if (q->db != NULL && n > 0 && nf == 0)
		nf = series_guess_features(q, lo, hi);
	/* Keep the decoded slots still in the window; start the rest empty. */
	if (out->gen != q->gen) {
		query_series_finish(out);	/* another file: drop it all */
		out->gen = q->gen;
	}
	if (out->cap >= n && out->cap > 0 && out->cap_features >= nf &&
	    out->n_features == nf && out->lo == lo && out->hi == hi) {
		next = *out;
	} else {
		series_alloc(&next, n, nf);
		next.gen = q->gen;
		next.n_features = nf;
		for (i = 0; i < next.cap; i++)
			series_slot_clear(&next, i);
		if (out->n_features == nf && out->cap_features ==
		    next.cap_features) {
			for (i = 0; i < n; i++) {
				b = lo + (int64_t)i;
				if (b >= out->lo && b <= out->hi)
					series_slot_copy(&next, i, out,
					    (size_t)(b - out->lo));
			}
		}
		query_series_finish(out);
	}
	next.lo = lo;
	next.hi = hi;
	next.n = n;
	next.n_features = nf;
	*out = next;
	if (q->db == NULL || n == 0)
		return 0;

	/* Stamps first (index and row headers only), payloads if changed. */
	st = query_prepare(q, "SELECT batch_id, report_type, rowid, created_at"
	    " FROM monitor_reports WHERE batch_id BETWEEN ? AND ?");
	if (st == NULL)
		return rc_busy(sqlite3_errcode(q->db)) ? -1 : 0;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = sqlite3_column_int64(st, 0);
		tname = (const char *)sqlite3_column_text(st, 1);
		if (tname == NULL || (t = series_type(tname)) == -1 ||
		    !(types & (1u << t)))
			continue;
		i = (size_t)(b - lo);
		k = i * QUERY_REPORT_TYPES + (size_t)t;
		rowid = sqlite3_column_int64(st, 2);
		created = sqlite3_column_double(st, 3);
		if (out->rowid[k] == rowid && out->created[k] == created)
			continue;
		if (pst == NULL && (pst = query_prepare(q, "SELECT payload"
		    " FROM monitor_reports WHERE rowid = ?")) == NULL)
			break;
		sqlite3_bind_int64(pst, 1, rowid);
		if (sqlite3_step(pst) == SQLITE_ROW &&
		    (payload = (const char *)sqlite3_column_text(pst, 0)) !=
		    NULL && (root = cJSON_Parse(payload)) != NULL) {
			series_put(out, i, t, root, q->ov.feature_names);
			cJSON_Delete(root);
			out->rowid[k] = rowid;
			out->created[k] = created;
		}
		sqlite3_reset(pst);
	}
	sqlite3_finalize(st);
	if (pst != NULL)
		sqlite3_finalize(pst);
	return rc == SQLITE_DONE ? 0 : (rc_busy(rc) ? -1 : 0);
}

/* ---- alerts ---- */

static void
copy_text(char *dst, size_t size, const unsigned char *src)
{
	snprintf(dst, size, "%s", src != NULL ? (const char *)src : "");
}

int
query_alerts_load(struct query *q, const struct query_alert_filter *f,
    int64_t offset, size_t limit, struct query_alert_page *out)
{
	static const char sql_page[] =
	    "SELECT id, batch_id, sent_at, coalesce(attempts, 0), severity,"
	    " coalesce(kind, 'firing'),"
	    " coalesce(status, CASE WHEN delivered THEN 'delivered'"
	    "  ELSE 'recorded' END), channel, message FROM alerts"
	    " WHERE (?1 IS NULL OR severity = ?1)"
	    " AND (?2 IS NULL OR instr(lower(message), lower(?2)) > 0"
	    "  OR instr(lower(coalesce(condition_key, '')), lower(?2)) > 0)"
	    " ORDER BY id DESC LIMIT ?3 OFFSET ?4";
	static const char sql_count[] =
	    "SELECT count(*) FROM alerts WHERE (?1 IS NULL OR severity = ?1)"
	    " AND (?2 IS NULL OR instr(lower(message), lower(?2)) > 0"
	    "  OR instr(lower(coalesce(condition_key, '')), lower(?2)) > 0)";
	const char *sev = f != NULL ? f->severity : NULL;
	const char *search = f != NULL ? f->search : NULL;
	struct query_alert *a;
	sqlite3_stmt *st;
	int rc;

	out->n = 0;
	out->total = 0;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	if (search != NULL && *search == '\0')
		search = NULL;
	if (limit > out->cap) {
		out->rows = xreallocarray(out->rows, limit, sizeof *out->rows);
		out->cap = limit;
	}
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if ((st = query_prepare(q, sql_count)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, sev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, search, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out->total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		goto fail;
	if (limit == 0)
		goto done;
	if ((st = query_prepare(q, sql_page)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, sev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, search, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)limit);
	sqlite3_bind_int64(st, 4, offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n < limit) {
		a = &out->rows[out->n++];
		a->id = sqlite3_column_int64(st, 0);
		a->batch_id = sqlite3_column_int64(st, 1);
		a->sent_at = sqlite3_column_double(st, 2);
		a->attempts = sqlite3_column_int(st, 3);
		copy_text(a->severity, sizeof a->severity,
		    sqlite3_column_text(st, 4));
		copy_text(a->kind, sizeof a->kind, sqlite3_column_text(st, 5));
		copy_text(a->status, sizeof a->status,
		    sqlite3_column_text(st, 6));
		copy_text(a->channel, sizeof a->channel,
		    sqlite3_column_text(st, 7));
		copy_text(a->message, sizeof a->message,
		    sqlite3_column_text(st, 8));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;
done:
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	rc = sqlite3_errcode(q->db);
	sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	out->n = 0;
	return rc_busy(rc) ? -1 : 0;
}

void
query_alert_page_finish(struct query_alert_page *p)
{
	free(p->rows);
	memset(p, 0, sizeof *p);
}

/* ---- batches ---- */

int64_t
query_batch_step(struct query *q, int64_t from, int steps)
{
	sqlite3_stmt *st;
	int64_t v = -1;
	const char *sql;
	int n;

	if (q->db == NULL || q->ov.latest_batch == -1)
		return -1;
	if (steps >= 0) {
		sql = "SELECT batch_id FROM batches WHERE batch_id > ?"
		    " ORDER BY batch_id LIMIT 1 OFFSET ?";
		n = steps;
	} else {
		sql = "SELECT batch_id FROM batches WHERE batch_id < ?"
		    " ORDER BY batch_id DESC LIMIT 1 OFFSET ?";
		n = -steps;
	}
	if (steps == 0) {
		/* Nearest batch at or after from, else the last one. */
		sql = "SELECT batch_id FROM batches WHERE batch_id >= ?"
		    " ORDER BY batch_id LIMIT 1 OFFSET ?";
		n = 1;
	}
	if ((st = query_prepare(q, sql)) == NULL)
		return from;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int(st, 2, n - 1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (v != -1)
		return v;
	/* Past either end: clamp. */
	if (steps < 0)
		return q->ov.first_batch;
	return q->ov.latest_batch;
}

int
query_calib_load(struct query *q, int64_t batch_id, struct query_calib *out)
{
	sqlite3_stmt *st;
	int k, rc, p, t;
	size_t n = 0, cap = 0;
	double *conf = NULL;
	unsigned char *correct = NULL;
	int64_t labelled = 0;

	query_calib_finish(out);
	out->batch_id = batch_id;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	k = q->ov.n_classes;
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	st = query_prepare(q, "SELECT predicted_class, confidence, true_class"
	    " FROM predictions WHERE batch_id = ? ORDER BY row_in_batch");
	if (st == NULL) {
		rc = sqlite3_errcode(q->db);
		goto out;
	}
	sqlite3_bind_int64(st, 1, batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			conf = xreallocarray(conf, cap, sizeof *conf);
			correct = xreallocarray(correct, cap, 1);
			if (k > 0 && out->confusion == NULL)
				out->confusion = xcalloc((size_t)k * (size_t)k,
				    sizeof *out->confusion);
		}
		p = sqlite3_column_int(st, 0);
		conf[n] = sqlite3_column_double(st, 1);
		correct[n] = 0;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			t = sqlite3_column_int(st, 2);
			labelled++;
			correct[n] = (t == p);
			if (k > 0 && p >= 0 && p < k && t >= 0 && t < k)
				out->confusion[(size_t)t * (size_t)k +
				    (size_t)p]++;
		}
		n++;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
out:
	sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
	out->exists = n > 0;
	out->n_rows = (int64_t)n;
	out->n_labelled = labelled;
	out->n_classes = k;
	out->labelled = n > 0 && labelled == (int64_t)n;
	if (out->labelled) {
		out->ece = metrics_ece(conf, correct, n, out->bins);
		for (size_t i = 0; i < n; i++)
			out->accuracy += correct[i];
		out->accuracy /= (double)n;
	}
	free(conf);
	free(correct);
	if (rc != SQLITE_OK) {
		out->exists = false;
		return rc_busy(rc) ? -1 : 0;
	}
	return 0;
}

void
query_calib_finish(struct query_calib *c)
{
	free(c->confusion);
	memset(c, 0, sizeof *c);
}
