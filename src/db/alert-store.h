/*
 * The alerting tables: alert_conditions (one row per condition key, the
 * deduplication state) and alerts (every decision, and the outbox of
 * pages). The SQL of src/alert lives here; the decisions live there.
 *
 * condition_put, add and raise_last_batch write inside the store's write
 * transaction (opened if needed) and leave the commit to store_flush, so
 * a batch's decisions commit with the batch. claim and settle commit
 * at once: each is its own transaction.
 */
#ifndef MLMON_DB_ALERT_STORE_H
#define MLMON_DB_ALERT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/alert-condition.h"

struct store;

/* A row of alerts. Times are unix seconds, 0 for NULL. */
struct alert_row {
	int64_t	 id;
	int64_t	 batch_id;
	char	*severity;		/* warning, critical */
	char	*channel;		/* log, slack, email, alertmanager */
	char	*message;
	char	*condition_key;
	char	*kind;			/* firing, repeat, resolved */
	char	*status;		/* recorded, dry_run, pending, ... */
	double	 sent_at;		/* decision time (seed column) */
	bool	 delivered;
	int64_t	 attempts;
	char	*last_error;		/* scrubbed; NULL none */
	double	 next_attempt_at;
	double	 delivered_at;
};

/* 0 found, 1 none, -1 error. Caller finishes *out. */
int	alert_store_condition_get(struct store *s, const char *key,
	    struct alert_condition *out, char **cause);
/* Insert or replace by key. */
int	alert_store_condition_put(struct store *s,
	    const struct alert_condition *c, char **cause);
/*
 * How many conditions of rule `rule` the store records opening ("firing"
 * decisions; one per condition and batch whatever the channels).
 */
/*
 * How many repeats of rule `rule`'s conditions the store records: sent
 * ("repeat" decisions past the repeat interval) and suppressed (the
 * "suppressed" log rows within it); one per condition and batch.
 */
int	alert_store_repeats(struct store *s, const char *rule, int64_t *sent,
	    int64_t *suppressed, char **cause);
int	alert_store_openings(struct store *s, const char *rule, int64_t *n,
	    char **cause);
/* Every open condition, by key. Caller finishes each and frees *out. */
int	alert_store_conditions_open(struct store *s,
	    struct alert_condition **out, size_t *n, char **cause);

/* Insert (id, attempts, delivered_at ignored); *id is the new row's. */
int	alert_store_add(struct store *s, const struct alert_row *r,
	    int64_t *id, char **cause);
/* Every pending row, by id. Caller finishes each and frees *out. */
int	alert_store_pending(struct store *s, struct alert_row **out,
	    size_t *n, char **cause);
/*
 * The names of the models with a pending page, sorted (store_models_free).
 */
int	alert_store_pending_models(struct store *s, char ***names, size_t *n,
	    char **cause);
/*
 * Take a pending row that is due at now for a delivery attempt by
 * pushing its next_attempt_at to until (a lease: if this process dies,
 * another retries it then). Commits. 1 taken, 0 not (another process
 * has it, or it is no longer pending), -1 error.
 */
int	alert_store_claim(struct store *s, int64_t id, double now,
	    double until, char **cause);
/*
 * Record the outcome of a row's attempts and commit: the attempts made
 * so far, the status, last_error (NULL clears), next_attempt_at (0:
 * NULL), delivered and delivered_at when status is "delivered".
 */
int	alert_store_settle(struct store *s, int64_t id, int64_t attempts,
	    const char *status, const char *last_error,
	    double next_attempt_at, double delivered_at, char **cause);
/* 0 found, 1 none, -1 error. */
int	alert_store_row_get(struct store *s, int64_t id, struct alert_row *out,
	    char **cause);
/*
 * The newest row of condition key that is not a resolution (its firing
 * or latest repeat): 0 found, 1 none, -1 error. Caller finishes *out.
 */
int	alert_store_latest(struct store *s, const char *key,
	    struct alert_row *out, char **cause);
void	alert_row_finish(struct alert_row *r);

/*
 * The last batch a family of rules was evaluated on (meta table,
 * "alert.last_batch.<family>") raised to batch if it is newer (never
 * lowered): 0, or -1 and *cause (a stored value that is not a batch id).
 * On PostgreSQL one write sent without waiting, no read.
 */
int	alert_store_raise_last_batch(struct store *s, const char *family,
	    int64_t batch, char **cause);

#endif
