/*
 * Alerting: rules over one batch's reports, deduplication on the condition
 * (rule plus affected features), severity gating per channel, and an outbox
 * of pages in the store that is delivered at least once and never twice.
 *
 * mlmon-ingest calls alert_engine_batch() after a batch's reports are
 * stored, then alert_engine_deliver() to work the outbox. Dry-run is the
 * default: decisions are recorded and what would be sent is printed.
 * docs/ALERTS.md is the contract.
 */
#ifndef MLMON_ALERT_ALERT_H
#define MLMON_ALERT_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/report-types.h"

struct store;
struct store_schema;
struct alert_engine;

/* Opaque settings: channels, gating, dedup timings, secrets. */
struct alert_config;

/* Caller destroys. Defaults: dry-run, critical -> slack+email, warning recorded. */
struct alert_config *alert_config_create(void);
void	alert_config_destroy(struct alert_config *c);
/*
 * Apply one setting from the config file ([alert], [slack], [email]
 * sections). 0 ok, -1 unknown key or bad value (*cause, caller frees).
 */
int	alert_config_set(struct alert_config *c, const char *section,
	    const char *key, const char *value, char **cause);
/* True when the key holds a secret (the file must then be mode 0600). */
bool	alert_config_is_secret(const char *section, const char *key);
/* Apply MLMON_SLACK_WEBHOOK_URL, MLMON_SMTP_* and MLMON_EMAIL_* variables. */
int	alert_config_from_env(struct alert_config *c, char **cause);
/* --send: deliver for real instead of dry-run. */
void	alert_config_set_send(struct alert_config *c, bool send);

/* One batch's evidence; any report pointer may be NULL (not available). */
struct alert_batch {
	int64_t				 batch_id;
	const struct store_schema	*schema;
	const struct feature_report	*feature;
	const struct prediction_report	*prediction;
	const struct estimate_report	*estimate;
	const struct performance_report	*performance;
	/*
	 * The batch's earlier performance report that this one replaces (a
	 * recompute as more labels land), or NULL: the batch stays one
	 * evaluation of the performance rules for condition state.
	 */
	const struct performance_report	*replaces;
	const struct detector_report	*detectors;
};

/* Caller destroys. log receives one line per decision (may be NULL). */
struct alert_engine *alert_engine_create(struct store *s,
	    const struct alert_config *c, FILE *log, char **cause);
void	alert_engine_destroy(struct alert_engine *e);
/* Evaluate the rules for one batch and queue what must be sent. */
int	alert_engine_batch(struct alert_engine *e, const struct alert_batch *b,
	    char **cause);
/*
 * A stream's liveness, judged by ingest's clock (not by a batch): rule is
 * "stream_silent" or "labels_late", the condition key "<rule>:<model>".
 * silent opens the condition with one "firing" page (an open one stays
 * as it is: one page per silence); !silent resolves an open one with a
 * "resolved" page. message says what fired or what ended it. batch_id
 * is the newest batch seen (0: none), for the alert feed.
 */
struct alert_stream {
	const char	*rule;
	const char	*model;
	bool		 silent;
	int64_t		 batch_id;
	const char	*message;
};

/* 1 when a decision was queued, 0 when none was due, -1 (*cause). */
int	alert_engine_stream(struct alert_engine *e,
	    const struct alert_stream *s, char **cause);
/*
 * Alertmanager keeps an alert only until its endsAt, so the open
 * conditions it takes are re-posted every [alertmanager]
 * resend_interval while ingest runs, whether batches close or not.
 * refresh_due: seconds until the next re-post (0: due now), -1 when
 * there is none (no Alertmanager, or dry-run). refresh: re-post now if
 * due, in one request, outside any write transaction; the number of
 * alerts re-posted, -1 on a store error (a failed post is logged and
 * tried again after [alert] backoff).
 */
double	alert_engine_refresh_due(struct alert_engine *e);
int	alert_engine_refresh(struct alert_engine *e, char **cause);
/* Try every due page in the outbox; returns pages delivered, -1 on error. */
int	alert_engine_deliver(struct alert_engine *e, char **cause);

#endif
