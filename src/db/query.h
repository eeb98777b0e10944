/*
 * query: the console's model layer, every SQL statement mlmon-top runs.
 *
 * A struct query owns one read-only connection to the store (its own):
 * a SQLite file, with a short busy timeout (the console must never wait
 * on ingest), or a PostgreSQL database (docs/POSTGRES.md), through the
 * driver (db/driver.h). query_refresh() is cheap when nothing changed:
 * it stats the file and reads PRAGMA data_version, or on PostgreSQL
 * looks for a writer's notification without a round trip. When the
 * store changed it re-reads the overview in one read transaction, O(1)
 * in predictions and reports:
 *
 *   batches ledger      -> latest batch, rows, share labelled, last write,
 *     (one aggregate       and from its summary columns the drift counts
 *      pass)               at PSI 0.10 and 0.20 and the first batch each
 *                          detector fired (no report is decoded)
 *   latest reports      -> accuracy, F1, ECE, label shift, confidence
 *
 * Everything else is read on demand for what is on screen: the reports
 * of a batch range (query_series_load), a page of alerts, one batch's
 * predictions for the calibration view. No function here draws; strings
 * are returned as stored and the console sanitises them.
 */
#ifndef MLMON_DB_QUERY_H
#define MLMON_DB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/metrics.h"
#include "core/monitor.h"

struct query;
struct cat_feature;

enum query_state {
	QUERY_MISSING,		/* no file at the path yet */
	QUERY_EMPTY,		/* file there, no schema or no batch yet */
	QUERY_DELETED,		/* the file went away while we had it open */
	QUERY_UNREADABLE,	/* not a database, no permission, ... */
	QUERY_OK,
};

/* Detectors whose first firing the console shows. */
enum query_detector {
	QUERY_DET_PSI,		/* PSI drift verdict on some feature */
	QUERY_DET_KS,		/* KS drift verdict on some feature */
	QUERY_DET_LABEL_SHIFT,	/* chi-squared on predicted classes */
	QUERY_DET_CONFIDENCE,	/* mean confidence moved > 0.08 */
	QUERY_DET_DECAY,	/* accuracy or F1 delta < -0.05 */
	QUERY_DET_DDM,
	QUERY_DET_ADWIN,
	QUERY_DET_COUNT,
};

/*
 * Thresholds a report was judged with, as stored with it (or, for a
 * report written before schema version 3, the monitors' defaults: stored
 * is then false). The console shows them; it never judges with them.
 */
struct query_thresholds {
	bool		 known;		/* a feature report was read */
	bool		 stored;	/* false: defaults assumed */
	bool		 uniform;	/* the same for every feature */
	bool		 history_uniform;	/* and every batch */
	double		 psi_warning;	/* of the first feature */
	double		 psi_critical;
	double		 ks_alpha;
	double		 chisq_alpha;	/* of the latest prediction report */
	double		 confidence_delta;
	double		 decay_delta;	/* of the latest performance report */
};

struct query_overview {
	int64_t		 n_batches;
	int64_t		 first_batch;
	int64_t		 latest_batch;	/* -1 when there is none */
	int64_t		 rows;
	int64_t		 labelled;
	int64_t		 late;		/* rows logged into judged batches */
	int64_t		 window_us;	/* --window time: its length (meta
					   window_us); 0: not windowed */
	double		 last_write;	/* unix seconds, 0 unknown */

	size_t		 n_features;
	int		 n_classes;
	char		**feature_names;	/* n_features, owned, raw */
	char		**class_names;		/* n_classes, owned, raw */

	bool		 has_perf;	/* latest performance report */
	int64_t		 perf_batch;
	double		 perf_coverage;	/* its labelled share (< 1: partial) */
	double		 accuracy;
	double		 f1;
	double		 ece;
	double		 acc_delta;
	double		 f1_delta;

	/*
	 * Performance estimated before the labels (query-estimate.c): the
	 * newest estimated_performance report as stored (est.available
	 * false: est.reason says why there is none), and the running grades
	 * of the estimates once labels landed.
	 */
	bool		 has_est;
	int64_t		 est_batch;
	struct estimate_report est;
	uint64_t	 n_graded;	/* batches whose estimate was graded */
	double		 mae_acc;	/* mean |realized - estimated|, NaN */
	double		 mae_f1;	/* when none was graded */

	bool		 has_pred;	/* latest prediction report */
	int64_t		 pred_batch;
	double		 ls_p;		/* label-shift p-value */
	bool		 ls_drift;
	double		 mean_conf;
	double		 ref_conf;
	bool		 conf_drift;

	/* Of the latest reports of each type. */
	struct query_thresholds thresholds;

	/* Over the ledger's stored verdicts (docs/SCHEMA.md, batches). */
	int64_t		 n_feature_reports;	/* batches with a max PSI */
	int64_t		 drift_psi_warning;	/* PSI investigate or drift */
	int64_t		 drift_psi_critical;	/* PSI drift */
	int64_t		 first_fired[QUERY_DET_COUNT];	/* -1 never */

	int64_t		 n_alerts;
	int64_t		 latest_alert;	/* the model's newest alert id; 0 none */
};

/* Per-batch flags in a series. */
#define QUERY_HAS_FEATURE	0x01
#define QUERY_HAS_PREDICTION	0x02
#define QUERY_HAS_PERFORMANCE	0x04
#define QUERY_DRIFT_PSI		0x08
#define QUERY_DRIFT_KS		0x10
#define QUERY_LABEL_SHIFT	0x20
#define QUERY_CONF_DRIFT	0x40
#define QUERY_DECAY		0x80

/* Per-feature verdicts in a series (fverdict), as the reports stored them. */
#define QUERY_F_PSI_DRIFT	0x01
#define QUERY_F_PSI_INVESTIGATE	0x02
#define QUERY_F_KS_DRIFT	0x04
#define QUERY_F_CATEGORICAL	0x08	/* a categorical feature */
#define QUERY_F_CHISQ_DRIFT	0x10	/* its chi-squared verdict */
#define QUERY_F_NEW_CATEGORIES	0x20	/* its new-categories verdict */
#define QUERY_F_MISSING		0x40	/* the missingness verdict */
#define QUERY_F_NO_VALUES	0x80	/* no value present: no PSI */

/* Report types a series load reads (a view asks only for what it draws). */
#define QUERY_REPORT_FEATURE		0x01
#define QUERY_REPORT_PREDICTION		0x02
#define QUERY_REPORT_PERFORMANCE	0x04
#define QUERY_REPORT_ESTIMATE		0x08
#define QUERY_REPORT_TYPES		4

/* Per-batch estimate flags in a series (eflags), as stored. */
#define QUERY_E_HAS		0x01	/* an estimated_performance report */
#define QUERY_E_AVAILABLE	0x02	/* ... with an estimate in it */
#define QUERY_E_DECAY		0x04	/* its estimated_decay verdict */
#define QUERY_E_CALIBRATED	0x08

/* Reports for batches lo..hi, one slot per batch id; NAN when missing. */
struct query_series {
	int64_t		 lo;
	int64_t		 hi;
	size_t		 n;		/* hi - lo + 1, or 0 */
	size_t		 n_features;
	double		*psi;		/* n * n_features, [i * nf + f] */
	double		*ks_p;		/* n * n_features; NaN categorical */
	double		*missing;	/* n * n_features: missing share */
	double		*chisq_p;	/* n * n_features; NaN numeric */
	double		*new_share;	/* n * n_features; NaN numeric */
	/* The stored verdicts and thresholds, n * n_features each. */
	unsigned char	*fverdict;	/* QUERY_F_* */
	double		*psi_warning;
	double		*psi_critical;
	double		*ks_alpha;
	double		*ls_p;		/* n each from here on */
	double		*mean_conf;
	double		*ref_conf;
	double		*acc;
	double		*acc_cov;	/* its label coverage: 1 all, < 1
					   judged on partial labels */
	double		*f1;
	double		*ece;
	double		*ref_acc;	/* accuracy - acc_delta */
	double		*ref_f1;
	/* The estimate before labels and its bounds (NaN: none). */
	double		*est_acc;
	double		*est_acc_lo;
	double		*est_acc_hi;
	double		*est_f1;
	unsigned char	*eflags;	/* QUERY_E_* */
	unsigned char	*flags;
	/* Cache stamps: monitor_reports.id and created_at of each report decoded. */
	int64_t		*report_id;		/* n * QUERY_REPORT_TYPES */
	double		*created;	/* n * QUERY_REPORT_TYPES */
	size_t		 cap;		/* batches allocated */
	size_t		 cap_features;
	uint64_t	 gen;		/* store file the cache came from */
	/*
	 * Per feature, the newest categorical bins read (reference beside
	 * batch, for the Drift tab's bars) and their batch (-1: none).
	 */
	struct cat_feature *cat;	/* cap_features */
	int64_t		*cat_batch;	/* cap_features */
};

#define QUERY_TEXT_MAX	256

struct query_alert {
	int64_t		 id;
	int64_t		 batch_id;
	double		 sent_at;
	int		 attempts;
	char		 severity[16];
	char		 kind[16];	/* firing|repeat|resolved */
	char		 status[16];	/* recorded|dry_run|pending|... */
	char		 channel[16];
	char		 message[QUERY_TEXT_MAX];
	char		 condition_key[QUERY_TEXT_MAX];	/* "" none */
	char		 model[MODEL_NAME_MAX + 1];	/* its model */
};

/* Which alerts a page shows. */
struct query_alert_filter {
	const char	*severity;	/* NULL: all */
	const char	*search;	/* NULL or "": all; substring of the
					   message, condition or model */
	bool		 all_models;	/* false: the model shown only */
};

struct query_alert_page {
	size_t		 n;
	size_t		 cap;
	struct query_alert *rows;	/* newest first */
	int64_t		 total;		/* alerts matching the filter */
};

/* One decision of an alert's condition (query_explain_load). */
struct query_explain_event {
	int64_t		 batch_id;
	double		 sent_at;	/* the first of its rows */
	char		 kind[16];	/* firing|repeat|resolved */
	char		 channels[64];	/* "slack,email", "log" */
	char		 statuses[64];	/* "dry_run", "suppressed", ... */
};

/*
 * One alert and what it stands on: an alert of any model of the store
 * (alert.model names it), read with that model's names.
 */
struct query_explain {
	bool		 found;
	struct query_alert alert;
	int64_t		 model_id;	/* the alert's model */
	char		**feature_names;	/* the alert's model's, */
	size_t		 n_names;		/* n_names, owned */
	char		 condition_key[QUERY_TEXT_MAX];
	char		 rule[64];
	char		 features[QUERY_TEXT_MAX];	/* JSON array or "" */
	int64_t		 first_batch;	/* that opened the condition */
	bool		 open;		/* the condition is open now */
	size_t		 n_events;
	struct query_explain_event *events;	/* oldest first, owned */
	/* The alert's batch's stored reports, decoded (as stored). */
	bool		 has_feature, has_prediction;
	bool		 has_performance, has_detectors;
	struct feature_report	 feature;
	struct prediction_report prediction;
	struct performance_report performance;
	struct detector_report	 detectors;
	/*
	 * The values of the feature with the largest PSI (hist_feature),
	 * in the reference and in the batch (empty when the batch's rows
	 * were pruned), for the explanation's histogram; owned.
	 */
	size_t		 hist_feature;
	double		*hist_ref, *hist_cur;
	size_t		 n_hist_ref, n_hist_cur;
};

/* One batch's predictions, folded for the calibration view. */
struct query_calib {
	int64_t		 batch_id;
	bool		 exists;
	bool		 pruned;	/* !exists: its rows were retired */
	bool		 labelled;	/* every row has a true class */
	int64_t		 n_rows;
	int64_t		 n_labelled;
	int64_t		 late;		/* rows logged after it was judged */
	int		 n_classes;
	uint64_t	*confusion;	/* n_classes^2, rows true, owned */
	struct reliability_bin bins[CALIB_BINS];
	double		 ece;
	double		 accuracy;
};

/*
 * What the Prometheus export (src/prom) reads beyond the overview, in one
 * read transaction: the newest feature report, the open alert conditions
 * by severity and the time of the newest batch.
 */
struct query_metrics {
	int64_t		 feature_batch;	/* -1: no feature report */
	size_t		 n_features;	/* the overview's */
	double		*psi;		/* n_features each, NAN unknown */
	double		*ks_stat;
	double		*ks_p;
	int64_t		 open_warning;	/* open alert conditions */
	int64_t		 open_critical;
	int64_t		 last_batch;	/* -1: none */
	double		 last_batch_time; /* closed_at, else opened_at */
};

/* The worst stored drift verdict of a model's newest judged batch. */
enum query_fleet_drift {
	QUERY_FLEET_DRIFT_NONE,
	QUERY_FLEET_DRIFT_INVESTIGATE,	/* PSI investigate or confidence */
	QUERY_FLEET_DRIFT_DRIFT,	/* PSI drift, KS or label shift */
};

/* One model of the store (query-fleet.c). */
struct query_fleet_row {
	char		 model[MODEL_NAME_MAX + 1];
	int64_t		 model_id;
	int64_t		 latest_batch;	/* -1: none yet */
	double		 last_write;	/* unix s of its newest batch; 0 */
	double		 rows_per_min;	/* over its last 10 closed batches */
	int64_t		 rows;		/* of its closed batches */
	int64_t		 labelled;	/* of those rows */
	bool		 has_perf;	/* false: no labels yet */
	double		 accuracy;
	double		 acc_delta;	/* against the reference */
	enum query_fleet_drift drift;
	int64_t		 open_critical;	/* open conditions, by severity */
	int64_t		 open_warning;
	double		 last_page;	/* unix s of its last page; 0 none */
};

struct query_fleet {
	struct query_fleet_row *rows;	/* by name, owned */
	size_t		 n, cap;
};

/* Never fails: a missing store is a state, not an error. Caller destroys. */
struct query	*query_create(const char *path);
void		 query_destroy(struct query *q);

/*
 * Look at the store: reopen if needed, re-read the overview if it
 * changed. 1 changed, 0 unchanged, -1 busy (the old snapshot stays;
 * try again next tick).
 */
int		 query_refresh(struct query *q);
/*
 * A descriptor that becomes readable when a writer commits (PostgreSQL:
 * the connection's socket, a notification on it), for the console to
 * poll beside the terminal and refresh at once; -1 when there is none
 * (SQLite: the store is looked at on the tick).
 */
int		 query_wait_fd(struct query *q);
/*
 * Whether a writer has told of a commit that q has not read yet, without
 * waiting (PostgreSQL: a notification since the last refresh's look;
 * SQLite: never, it is looked at on the tick). Ask it before polling
 * query_wait_fd: a notification that arrived while q was reading was
 * taken off the socket by libpq with the read's answer and waits in
 * libpq, so the socket stays quiet. An error counts as told (the refresh
 * meets it).
 */
bool		 query_commit_told(struct query *q);
enum query_state query_state(const struct query *q);
/* Why the state is not QUERY_OK, for the waiting screen. */
const char	*query_message(const struct query *q);
const struct query_overview *query_overview(const struct query *q);
const char	*query_path(const struct query *q);
/*
 * The model to show (NULL: the store's "default" model, else its first
 * by name); read again at the next refresh. query_model: the one shown.
 */
void		 query_set_model(struct query *q, const char *name);
const char	*query_model(const struct query *q);
/* How many models the store holds (at the last refresh). */
int64_t		 query_models(const struct query *q);

/*
 * Reports of the given types for batch ids lo..hi (at most 4096). out is
 * also a cache: a report already decoded into it (same rowid and
 * created_at) is not read again, so a reload after one new batch decodes
 * one batch's reports. 0 or -1 (busy).
 */
int		 query_series_load(struct query *q, int64_t lo, int64_t hi,
		     unsigned types, struct query_series *out);
void		 query_series_finish(struct query_series *s);

/* Newest first, skipping offset. 0 or -1 (busy). */
int		 query_alerts_load(struct query *q,
		     const struct query_alert_filter *f, int64_t offset,
		     size_t limit, struct query_alert_page *out);
void		 query_alert_page_finish(struct query_alert_page *p);
/*
 * The model shown's alerts with an id above after, newest first, at most
 * limit, in one statement (total: how many were read). Ids grow in
 * commit order within a model (its writers take turns, on SQLite one
 * writer at a time), so these are exactly the alerts committed since the
 * one with id after was seen, whatever a count read elsewhere said.
 * 0 or -1 (busy).
 */
int		 query_alerts_after(struct query *q, int64_t after,
		     size_t limit, struct query_alert_page *out);

/*
 * The batch id `steps` batches after (steps > 0) or before (< 0) from,
 * clamped to the first or last batch; the nearest batch when from is not
 * a batch. -1 when there is no batch.
 */
int64_t		 query_batch_step(struct query *q, int64_t from, int steps);

/* Every model of the store, by name. 0 or -1 (busy). Caller finishes. */
int		 query_fleet_load(struct query *q, struct query_fleet *out);
void		 query_fleet_finish(struct query_fleet *f);

/* 0 loaded (exists may be false), -1 busy. Caller finishes. */
int		 query_calib_load(struct query *q, int64_t batch_id,
		     struct query_calib *out);
void		 query_calib_finish(struct query_calib *c);

/*
 * Alert id explained (query-explain.c): its row, its condition and the
 * condition's decisions, its batch's reports, whichever model it is of
 * (not only the model shown). 0 found, 1 no such alert (or no store
 * yet), -1 busy or error. Caller finishes *out on 0.
 */
int		 query_explain_load(struct query *q, int64_t id,
		     struct query_explain *out);
void		 query_explain_finish(struct query_explain *e);

/*
 * After a query_refresh: 0 loaded (nothing when the store is not
 * QUERY_OK), or -1 and *cause (caller frees; a busy store is one, worth
 * a retry). Caller finishes; out may be reused across loads.
 */
int		 query_metrics_load(struct query *q, struct query_metrics *out,
		     char **cause);
void		 query_metrics_finish(struct query_metrics *m);

#endif
