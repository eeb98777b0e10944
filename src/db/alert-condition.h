/*
 * An alert condition in memory (a row of alert_conditions), and the ones
 * the open write transaction has read or written, kept for the engine's
 * look-ups (alert-condition.c says why that is safe). The cache is used
 * by alert-store.c only; a transaction's end forgets it.
 */
#ifndef MLMON_DB_ALERT_CONDITION_H
#define MLMON_DB_ALERT_CONDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* A row of alert_conditions. Times are unix seconds, 0 for NULL. */
struct alert_condition {
	char	*key;			/* rule[:feature,feature...] */
	char	*rule;
	char	*severity;
	char	*features;		/* JSON array of names, or NULL */
	bool	 open;
	int64_t	 first_batch;		/* batch that opened it */
	int64_t	 last_fired_batch;	/* batch of the last notification */
	int64_t	 last_seen_batch;	/* last batch where it held */
	int64_t	 clear_streak;		/* clear evaluations in a row */
	double	 last_notified_at;
	double	 opened_at;
	double	 resolved_at;
};

/* Key's condition into *out: 0 kept, 1 known absent, -1 not kept. */
int	alert_cache_get(struct store *s, const char *key,
	    struct alert_condition *out);
/* Key's kept condition (NULL: not kept, or absent); valid to the next call. */
const struct alert_condition *alert_cache_find(struct store *s,
	    const char *key);
/* Key now holds cond (NULL: absent), as read or as written. */
void	alert_cache_put(struct store *s, const char *key,
	    const struct alert_condition *cond);
/* The open conditions, ordered by key, if every one is kept. Caller frees. */
bool	alert_cache_open(struct store *s, struct alert_condition **out,
	    size_t *n);
/* The open set as just read from the store. */
void	alert_cache_open_read(struct store *s,
	    const struct alert_condition *open, size_t n);
/*
 * Meta's alert.last_batch.<family> (key, shorter than ALERT_LAST_KEY_MAX)
 * as kept: 0 and *batch, 1 known absent, -1 not kept; and as now read or
 * written (absent: no such row).
 */
#define ALERT_LAST_KEY_MAX	64
int	alert_cache_last_batch(struct store *s, const char *key,
	    int64_t *batch);
void	alert_cache_last_batch_put(struct store *s, const char *key,
	    int64_t batch, bool absent);
/* A deep copy of src into dst. Caller finishes dst. */
void	alert_condition_copy(struct alert_condition *dst,
	    const struct alert_condition *src);
void	alert_condition_finish(struct alert_condition *c);

#endif
