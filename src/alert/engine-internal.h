/*
 * What the files of the alert engine share (engine.c decides and
 * delivers, engine-message.c words an outbox row and asks the gate about
 * acks and silences, engine-refresh.c re-posts open conditions to
 * Alertmanager): the engine's body and the helpers they all call. Only
 * src/alert includes it.
 */
#ifndef MLMON_ALERT_ENGINE_INTERNAL_H
#define MLMON_ALERT_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "alert/sink.h"

struct alert_row;
struct store;

/* Longest wait a Retry-After may ask for, seconds. */
#define ENGINE_RETRY_AFTER_MAX	3600.0
/* Lease on a claimed row beyond the round's own timeouts, seconds. */
#define ENGINE_LEASE_MARGIN	60.0
/* Longest rule name read back from a condition key, with its NUL. */
#define ENGINE_RULE_MAX		64

struct alert_engine {
	struct store			*store;
	const struct alert_config	*config;	/* borrowed */
	FILE				*log;		/* borrowed, or NULL */
	double				(*clock)(void *);
	void				*clock_arg;
	bool				 noted_pending;	/* dry-run note */
	double				 am_next;	/* next re-post, unix s */
	bool				 am_failing;	/* last re-post failed */
};

/* Unix seconds, from the engine's clock (real, or a test's). */
double	engine_now(struct alert_engine *e);
/* One "alert: ..." line to the engine's log, if it has one. */
void	engine_log(struct alert_engine *e, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * The model of condition key: a stream rule's suffix, else the store's
 * (every condition this engine reads is its store's model's).
 */
const char *engine_key_model(struct alert_engine *e, const char *key);
/*
 * The message of an outbox row. Borrowed strings: r's, the rule table's
 * and name's (which holds the rule's name when the table has none).
 */
struct alert_message engine_message(struct alert_engine *e,
	    const struct alert_row *r, char name[ENGINE_RULE_MAX]);
/*
 * Whether an ack or silence mutes a decision of kind on condition key
 * (the gate decides, alert_gate_muted): 1 and *note (caller frees), 0
 * not, -1 error.
 */
int	engine_muted(struct alert_engine *e, const char *key, const char *kind,
	    double now, char **note, char **cause);

#endif
