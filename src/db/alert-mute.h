/*
 * Acks and silences (the alert_mutes table, schema 4): what a person
 * asked from the console, with who and when. The rows are requests;
 * whether one mutes a decision is decided in one place, the gate
 * (src/alert/gate.c), when ingest decides.
 *
 *   ack      on a condition key: no more repeats of the opening it was
 *            made on (opened_at); ends when the condition resolves
 *   silence  on a condition key, a rule or a model, until a time
 *
 * A removed row (u in the console) keeps removed_by and removed_at. The
 * console writes through alert_mute_add and alert_mute_undo, each of
 * which opens the store read-write only for that one transaction.
 */
#ifndef MLMON_DB_ALERT_MUTE_H
#define MLMON_DB_ALERT_MUTE_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

struct query;
struct store;

enum alert_mute_kind {
	ALERT_MUTE_ACK,
	ALERT_MUTE_SILENCE,
};

enum alert_mute_scope {
	ALERT_MUTE_CONDITION,	/* target: a condition key */
	ALERT_MUTE_RULE,	/* target: a rule name */
	ALERT_MUTE_MODEL,	/* target: a model name */
};

/* One live row of alert_mutes. Times are unix seconds. */
struct alert_mute {
	int64_t			 id;
	enum alert_mute_kind	 kind;
	enum alert_mute_scope	 scope;
	char			 model[MODEL_NAME_MAX + 1];
	char			 target[256];
	double			 opened_at;	/* ack: the opening acked */
	double			 until;		/* silence: its end; ack 0 */
	char			 by[64];	/* $USER */
	double			 at;		/* when it was asked */
};

/* "ack", "silence"; "condition", "rule", "model". */
const char	*alert_mute_kind_name(enum alert_mute_kind k);
const char	*alert_mute_scope_name(enum alert_mute_scope s);

/*
 * The live rows at now (not removed; a silence not yet ended), newest
 * first, on a store opened by ingest. Caller frees *out.
 */
int	alert_store_mutes(struct store *s, double now,
	    struct alert_mute **out, size_t *n, char **cause);

/*
 * The same for the console's read-only connection (query.h): nothing
 * on a store without the table (schema 3). 0, or -1 when busy.
 */
int	query_mutes_load(struct query *q, double now, struct alert_mute **out,
	    size_t *n);

/*
 * The console's requests, each one transaction on the store at path,
 * opened read-write for it and closed (never created, never migrated:
 * a store of another schema version is refused).
 *
 * add: m's kind, scope, model, target, until, by and at; an ack needs
 * its condition open and records that opening. 0, or -1 and *cause.
 * undo: removes the live acks and silences that cover condition key of
 * rule in model (the key's own, its rule's, its model's); *removed is
 * how many. 0 or -1 and *cause.
 */
int	alert_mute_add(const char *path, const struct alert_mute *m,
	    char **cause);
int	alert_mute_undo(const char *path, const char *model, const char *key,
	    const char *rule, const char *by, double at, int *removed,
	    char **cause);

#endif
