/*
 * The store: mlmon's only door to SQL. One SQLite file in WAL mode holds
 * predictions, monitor reports, alerts (the seed article's three tables,
 * same columns) plus the reference window, metadata, batch ledger,
 * rejected input and detector state. docs/SCHEMA.md is the contract.
 *
 * Writers keep one IMMEDIATE transaction open and commit it on
 * store_flush(); the caller decides when (every N rows or T ms). Several
 * processes may write the same file (ingest and a labeler): every write
 * waits for the lock up to the busy timeout. Readers (the console) open
 * read-only and never block writers.
 */
#ifndef MLMON_DB_STORE_H
#define MLMON_DB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/follow-pos.h"
#include "core/report-types.h"
#include "core/window.h"

struct store;
struct cat_dict;

/* The store both binaries open when neither --db nor $MLMON_DB says. */
#define STORE_DEFAULT_PATH	"monitoring.db"

enum store_mode {
	STORE_READ_WRITE,	/* creates the file and schema if missing */
	STORE_READ_ONLY,	/* never creates, never writes */
};

/* Names of the feature and class axes; stored once per DB. */
struct store_schema {
	size_t	  n_features;
	int	  n_classes;
	char	**feature_names;	/* n_features, owned */
	char	**class_names;		/* n_classes, owned */
	bool	 *categorical;		/* n_features, owned; NULL: all */
					/* numeric (meta feature_types) */
};

/* The reference window, row-major, as stored. */
struct store_reference {
	size_t	 n_rows;
	size_t	 n_features;
	int	 n_classes;
	double	*features;	/* n_rows * n_features */
	int	*predicted;	/* n_rows */
	double	*confidence;	/* n_rows */
	double	*scores;	/* n_rows * n_classes */
	int	*true_class;	/* n_rows, -1 unknown */
	/*
	 * n_features, owned; NULL: all numeric. A categorical column holds
	 * codes of the store's dictionary (store_set_dict): put writes their
	 * strings; get sets it from the stored schema's feature types.
	 */
	bool	*categorical;
};

/* A producer's id of a prediction: text (1..128 bytes) or an integer. */
struct store_event_id {
	const char	*text;		/* NULL: the integer */
	size_t		 len;
	int64_t		 num;
};

/* One prediction as logged; JSON texts are the compact arrays. */
struct store_prediction {
	int64_t		 batch_id;
	int64_t		 row_in_batch;
	const char	*features_json;
	const char	*scores_json;
	int		 predicted_class;
	double		 confidence;
	int		 true_class;	/* -1 for NULL */
	double		 logged_at;	/* unix seconds */
	/* Zero (memset) means none, unknown, not given. */
	const struct store_event_id *event_id;	/* NULL: none */
	bool		 has_event_ts;
	int64_t		 event_ts;	/* us since the epoch */
	int64_t		 line;		/* input line; 0 unknown */
	bool		 batch_given;	/* batch_id came with the record */
};

/* A logged batch read back for the monitors, row_in_batch order. */
struct store_batch {
	int64_t	 batch_id;
	size_t	 n_rows;
	size_t	 n_features;
	double	*features;	/* n_rows * n_features */
	int	*predicted;
	double	*confidence;
	int	*true_class;	/* n_rows, -1 unlabelled; NULL when none is */
	size_t	 n_labelled;	/* rows with a true class */
	int	 n_classes;
	double	*scores;	/* n_rows * n_classes */
};

enum store_batch_state {
	STORE_BATCH_UNKNOWN,	/* no row logged */
	STORE_BATCH_OPEN,
	STORE_BATCH_CLOSED,
};

/* Outcome of store_label_batch(). */
enum store_label_result {
	STORE_LABEL_APPLIED,
	STORE_LABEL_SAME,	/* identical labels already there: no-op */
	STORE_LABEL_CONFLICT,	/* different labels there; see allow_relabel */
	STORE_LABEL_MISMATCH,	/* length differs from logged rows */
	STORE_LABEL_NOT_CLOSED,	/* batch unknown or still open */
	STORE_LABEL_PENDING,	/* by id: no such prediction yet, held */
	STORE_LABEL_ERROR,
};

/*
 * Caller closes. NULL and *cause set (caller frees) on failure. A read-only
 * open of a WAL database needs its -shm file to exist or to be creatable
 * (docs/SCHEMA.md). store_close commits pending work best effort: flush
 * first to see errors.
 */
struct store	*store_open(const char *path, enum store_mode mode,
		    char **cause);
void		 store_close(struct store *s);
/*
 * The model this handle reads and writes (core/model.h): MODEL_DEFAULT
 * until set. Every per-stream call below is about this model only; the
 * first write transaction stores a model not stored yet, and reads of
 * one not stored find nothing. -1 with *cause for an invalid name.
 */
int		 store_model_set(struct store *s, const char *name,
		    char **cause);
const char	*store_model(const struct store *s);
/* The stored models' names, sorted. Caller frees (store_models_free). */
int		 store_models(struct store *s, char ***names, size_t *n,
		    char **cause);
void		 store_models_free(char **names, size_t n);
/*
 * The dictionary of categorical values (core/cat-dict.h; borrowed, it
 * must outlive s): rows read back intern their strings into it, and a
 * reference put writes the strings of its categorical columns' codes.
 * Without one a string in a stored features array is malformed.
 */
void		 store_set_dict(struct store *s, struct cat_dict *dict);
/* Lock wait for writes, milliseconds (default 10000). */
void		 store_set_busy_timeout(struct store *s, int ms);
/*
 * Where the store says what it does on its own (NULL: nowhere): on
 * PostgreSQL, a connection lost between write transactions (a server
 * restarted while ingest waited for input) is made again with backoff, up
 * to STORE_RECONNECT_MS, one line here for the loss and one for the
 * reconnection. A connection lost inside a transaction is an error: its
 * rows since the last flush are not stored and the cause says so; the
 * caller may reconnect (store_reconnect) and redo that work.
 */
#define STORE_RECONNECT_MS	60000
void		 store_set_log(struct store *s, FILE *log);
/*
 * PostgreSQL: the connection is gone (the server restarted or ended the
 * session). Lost inside a write transaction, the transaction's work is
 * not stored (its COMMIT, if one was under way, may or may not have
 * happened: redoing the work finds its rows stored, replays). False on
 * SQLite.
 */
bool		 store_lost(struct store *s);
/*
 * After store_lost: forget the lost transaction (as a rollback would) and
 * connect again as between transactions (with backoff, saying so in the
 * log; what names the work that was under way). 0, or -1 and *cause.
 */
int		 store_reconnect(struct store *s, const char *what,
		    char **cause);

/* Commit the open write transaction, if any. */
int	store_flush(struct store *s, char **cause);
/* Roll the open write transaction back, if any: its work is dropped. */
void	store_discard(struct store *s);
/* The path the store was opened with. */
const char	*store_path(const struct store *s);
/* Rows inserted since the last flush. */
size_t	store_pending(const struct store *s);

/*
 * Retention (store-prune.c), in the open write transaction (the caller
 * commits). Rows: delete at most about max_rows raw prediction rows,
 * whole batches, oldest first, of batches that are judged, whose labels
 * are final (every row labelled, or closed before final_before: the
 * label TTL) and whose newest row (its event time, else when it was
 * logged) is before cutoff (Unix seconds); each is marked pruned.
 * *pruned rows and *batches. Reports: delete at most max reports written
 * and max alerts decided before cutoff (not a pending page, not an open
 * condition's); *reports and *alerts. 0 or -1 (*cause).
 */
int	store_prune_rows(struct store *s, double cutoff, double final_before,
	    size_t max_rows, size_t *pruned, size_t *batches, char **cause);
int	store_prune_reports(struct store *s, double cutoff, size_t max,
	    size_t *reports, size_t *alerts, char **cause);

/*
 * PRAGMA data_version: it moves when another connection commits (never
 * for this one's own commits). -1 on error.
 */
int64_t	store_version(struct store *s);
/*
 * The schema version this code writes (PRAGMA user_version), and the
 * newest it reads: for --version.
 */
int	store_schema_version(void);
/*
 * v as the shortest of %.15g/%.16g/%.17g that reads back exactly, in the
 * C locale whatever the caller's (JSON's spelling: null for NaN, +-1e999
 * for the infinities). Like snprintf: returns the length it needs (32
 * bytes always suffice) and writes at most size bytes with the NUL.
 */
size_t	store_format_double(char *buf, size_t size, double v);
/*
 * Write transactions rolled back so far (a failed COMMIT, or a failed
 * statement that made SQLite roll back the whole transaction; on
 * PostgreSQL, where any failed statement ends the transaction, every
 * rollback the store makes), counted from the first call on (SQLite) or
 * from the open (PostgreSQL).
 */
uint64_t store_rollbacks(struct store *s);
/*
 * Is the file at the store's path still the one opened (device and inode:
 * SQLite's own record from the open, and this function's from its first
 * call)? 0 yes; -1 and *cause ("<path> was deleted or replaced while it
 * was open (...)") when it was deleted, renamed or replaced: writes would
 * go to a file nobody sees.
 */
int	store_file_check(struct store *s, char **cause);

/* 0 stored schema loaded, 1 none yet, -1 error. Caller finishes. */
int	store_schema_get(struct store *s, struct store_schema *out,
	    char **cause);
int	store_schema_put(struct store *s, const struct store_schema *sc,
	    char **cause);
void	store_schema_finish(struct store_schema *sc);
/*
 * store_schema_put refuses (-1) a schema that differs from the stored one;
 * an identical one is a no-op. Names must be non-empty and unique.
 * store_schema_replace overwrites a different one.
 */
int	store_schema_replace(struct store *s, const struct store_schema *sc,
	    char **cause);
/* Default names: feature_0.., and "0".. for classes. Caller finishes. */
void	store_schema_default(struct store_schema *sc, size_t n_features,
	    int n_classes);

/* 0 loaded, 1 none stored, -1 error. Caller finishes. */
int	store_reference_get(struct store *s, struct store_reference *out,
	    char **cause);
/*
 * Store the reference. If one is stored already: identical (by content
 * digest) is accepted silently; different is refused (-1, cause names
 * both sizes) unless replace is set.
 */
int	store_reference_put(struct store *s, const struct store_reference *r,
	    bool replace, char **cause);
void	store_reference_finish(struct store_reference *r);
/* FNV-1a 64 over the canonical values (docs/SCHEMA.md, meta). */
uint64_t store_reference_digest(const struct store_reference *r,
	    const struct cat_dict *dict);
/*
 * Texts fitted on the stored reference, kept with the digest of the
 * reference they were fitted on: its calibration map (core/calibrate.h
 * text), its PSI nulls and its joint tests' nulls (core/monitor-judge.h
 * texts). get: 0 found, 1 none or fitted on another reference, -1 error;
 * *text: caller frees. put: 0 or -1; there must be a stored reference.
 */
enum store_fitted {
	STORE_FIT_CALIBRATION,
	STORE_FIT_PSI_NULLS,
	STORE_FIT_JOINT_NULLS
};
int	store_fitted_get(struct store *s, enum store_fitted what, char **text,
	    char **cause);
int	store_fitted_put(struct store *s, enum store_fitted what,
	    const char *text, char **cause);

/*
 * Outcome of store_prediction_add(). A row's key is (batch_id,
 * row_in_batch), and its event id when it has one (an id logged with
 * the same content is a replay wherever it was logged); its content is
 * everything else but the times.
 */
enum store_add_result {
	STORE_ADD_ERROR = -1,	/* *cause set */
	STORE_ADD_REPLAY = 0,	/* the key holds this content: nothing done */
	STORE_ADD_NEW = 1,	/* logged into a batch not judged yet */
	STORE_ADD_LATE = 2,	/* logged into a judged batch: late, kept */
	STORE_ADD_CONFLICT = 3,	/* the key (or the producer's id: its
				 * content and earlier line are in *cause)
				 * holds other content */
};
enum store_add_result store_prediction_add(struct store *s,
	    const struct store_prediction *p, char **cause);

enum store_batch_state store_batch_state(struct store *s, int64_t batch_id);
/*
 * Claim the judgement of a batch: in the open write transaction (the lock
 * is held until the commit) record it as closed with its row and label
 * counts. 1: this call closed it, *rows is the rows it holds, and the
 * caller judges it over those; 0: it was closed already (whoever closed
 * it judged it) or has no logged row (*rows 0); -1 error. Later rows for
 * a closed batch are logged as late (store_prediction_add) and never
 * change its row count.
 */
int	store_batch_claim(struct store *s, int64_t batch_id, int64_t *rows,
	    char **cause);
/* store_batch_claim without its answer: 0 or -1. */
int	store_batch_close(struct store *s, int64_t batch_id, char **cause);
/*
 * Judging a batch (its claim, reports, detector state, alert decisions)
 * within the write transaction: begin sets a savepoint, end keeps the
 * work or (keep false: the judgement was interrupted) undoes it all,
 * the claim included, leaving the rest of the transaction.
 */
int	store_judge_begin(struct store *s, char **cause);
int	store_judge_end(struct store *s, bool keep, char **cause);
/*
 * An interrupted run left this open batch unjudged: record it so that
 * the next start judges it (a batch not open is left alone). The list of
 * such batches, ascending (caller frees *ids); a claim clears its entry.
 */
int	store_batch_abandon(struct store *s, int64_t batch_id, char **cause);
int	store_batch_abandoned(struct store *s, int64_t **ids, size_t *n,
	    char **cause);
/*
 * PostgreSQL (nothing on SQLite): this writer has batch (of the handle's
 * model) open, from its first row to its close: a lock of the session,
 * which the server drops when the session ends however it ends. Held
 * once however often asked; release lets go of a held one. 0 or -1.
 * store_holds_batches: whether the store does (PostgreSQL).
 */
bool	store_holds_batches(const struct store *s);
int	store_batch_hold(struct store *s, int64_t batch, char **cause);
int	store_batch_release(struct store *s, int64_t batch, char **cause);
/*
 * PostgreSQL: the handle's model's open batches that no live writer
 * holds (store_batch_hold) and that have had no row logged since before
 * (unix seconds), ascending (*ids: caller frees); none on SQLite. The
 * judgement is still claimed (store_batch_claim). 0 or -1.
 */
int	store_batches_orphaned(struct store *s, double before, int64_t **ids,
	    size_t *n, char **cause);
/*
 * Closed batches with labels but no performance report (their coverage
 * is below --min-label-coverage), closed before `before` (unix seconds),
 * rows not pruned: the ones --label-ttl judges on the labels they have.
 * Oldest first (*ids: caller frees). 0 or -1.
 */
int	store_batches_past_ttl(struct store *s, double before, int64_t **ids,
	    size_t *n, char **cause);
/*
 * The stream's time window length (--window time:D, microseconds), for
 * the console's window start times (meta window_us). 0 or -1.
 */
int	store_window_put(struct store *s, int64_t window_us, char **cause);
/* Rows logged into a batch after it was judged (0 when none or open). */
int64_t	store_batch_late(struct store *s, int64_t batch_id);
/* 0 ok, 1 no such batch, -1 error. Caller finishes. */
int	store_batch_get(struct store *s, int64_t batch_id,
	    struct store_batch *out, char **cause);
void	store_batch_finish(struct store_batch *b);
/* Number of rows logged for a batch (0 when unknown). */
int64_t	store_batch_rows(struct store *s, int64_t batch_id);

/*
 * Apply delayed labels, in row_in_batch order. On MISMATCH the cause
 * names both lengths; on CONFLICT nothing changes unless allow_relabel.
 */
enum store_label_result store_label_batch(struct store *s, int64_t batch_id,
	    const int *labels, size_t n, bool allow_relabel, char **cause);

/*
 * Reports, one per (batch, type); a replay overwrites with the same. The
 * store encodes the payload once (db/report-json.h, the names of sc) and
 * fills the batch ledger's summary columns from the struct: the verdicts
 * and thresholds stored are the monitor's (store-report.c).
 */
int	store_report_put_feature(struct store *s, int64_t batch_id,
	    const struct store_schema *sc, const struct feature_report *r,
	    char **cause);
int	store_report_put_prediction(struct store *s, int64_t batch_id,
	    const struct store_schema *sc, const struct prediction_report *r,
	    char **cause);
int	store_report_put_performance(struct store *s, int64_t batch_id,
	    const struct store_schema *sc, const struct performance_report *r,
	    char **cause);
int	store_report_put_detectors(struct store *s, int64_t batch_id,
	    const struct detector_report *r, char **cause);
int	store_report_put_estimate(struct store *s, int64_t batch_id,
	    const struct estimate_report *r, char **cause);
/* The batch's stored estimate, decoded: 0 found, 1 none, -1 (*cause). */
int	store_report_get_estimate(struct store *s, int64_t batch_id,
	    struct estimate_report *out, char **cause);
/* 0 found, 1 none, -1 error. *payload is the JSON text; caller frees. */
int	store_report_get(struct store *s, int64_t batch_id, const char *type,
	    char **payload, char **cause);

/* Keep a rejected input line (text truncated to STORE_REJECT_TEXT_MAX). */
#define STORE_REJECT_TEXT_MAX	4096
int	store_reject_add(struct store *s, const char *source, uint64_t line,
	    const char *reason, const char *text, size_t len, char **cause);

/*
 * Detector state, by name ("ddm", "adwin"): the text encoding and the
 * last batch fed. 0 found, 1 none, -1 error. *state: caller frees.
 */
int	store_detector_get(struct store *s, const char *name,
	    int64_t *last_batch, char **state, char **cause);
int	store_detector_put(struct store *s, const char *name,
	    int64_t last_batch, const char *state, char **cause);

/* ---- store-event.c: ids, labels by id, input positions ---- */

/* The next free row_in_batch of a batch (0 for a new one). 0 or -1. */
int	store_batch_next_row(struct store *s, int64_t batch_id, int64_t *row,
	    char **cause);
/*
 * Label the prediction with this id. APPLIED (*batch is its batch; the
 * ledger counts it), SAME, CONFLICT (unless allow_relabel), PENDING (no
 * such prediction yet: held until it arrives; a held label is replaced
 * only with allow_relabel), ERROR.
 */
enum store_label_result store_label_id(struct store *s,
	    const struct store_event_id *id, int true_class, bool allow_relabel,
	    int64_t *batch, char **cause);
/* Any label held for a prediction not yet logged? 0 or -1. */
int	store_pending_any(struct store *s, bool *any, char **cause);
/* Take the label held for id: 1 (*true_class, removed), 0 none, -1. */
int	store_pending_take(struct store *s, const struct store_event_id *id,
	    int *true_class, char **cause);
/*
 * Drop held labels older than ttl seconds, adding their number to *n and
 * to the store's count (meta labels_expired); the write lock is taken
 * only when there are some. 0 or -1.
 */
int	store_pending_expire(struct store *s, double ttl, int64_t *n,
	    char **cause);
/* Held labels now, and dropped ones so far. 0 or -1. */
int	store_pending_counts(struct store *s, int64_t *held, int64_t *expired,
	    char **cause);
/* The id for a message: the integer, or the text quoted and cut. */
char	*store_event_id_show(const struct store_event_id *id);
/* Open batches from `from` up, ascending (*ids: caller frees). 0 or -1. */
int	store_open_batches(struct store *s, int64_t from, int64_t **ids,
	    size_t *n, char **cause);
/* Batches with a stored feature report (judged), ascending. 0 or -1. */
int	store_judged_batches(struct store *s, int64_t **ids, size_t *n,
	    char **cause);
/* Rows and labelled rows of a batch, from the ledger. 0 or -1. */
int	store_batch_counts(struct store *s, int64_t batch_id, int64_t *rows,
	    int64_t *labelled, char **cause);
/* When a batch closed and its labels landed (NaN: not yet). 0 or -1. */
int	store_batch_times(struct store *s, int64_t batch_id, double *closed_at,
	    double *labelled_at, char **cause);

/*
 * Where an input stands, committed with the rows read from it: the file
 * (device, inode, offset, line, hash of the bytes before the offset; zeros
 * for a stream that is not a followed file) and the windowing state. Keyed
 * by the input's name.
 */
struct store_position {
	struct follow_pos	 file;
	struct window_state	 win;
};
/* 0 found, 1 none, -1 error. */
int	store_position_get(struct store *s, const char *source,
	    struct store_position *out, char **cause);
/* Inside the write transaction. 0 or -1. */
int	store_position_put(struct store *s, const char *source,
	    const struct store_position *pos, char **cause);

#endif
