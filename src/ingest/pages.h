/*
 * Pages an earlier run left pending (the alert outbox) for models this
 * run has not met: each such model's pages go out at the start, through
 * an alert engine made with that model's settings, as its own pipeline
 * would send them when its first record arrives.
 */
#ifndef MLMON_INGEST_PAGES_H
#define MLMON_INGEST_PAGES_H

#include <stdio.h>

struct ingest_config;
struct store;

/* A model's settings; the caller owns the result (config_finish, free). */
typedef struct ingest_config *(*pages_config_fn)(void *arg,
    const char *model, char **cause);

/*
 * Deliver the pending pages of every stored model but skip's (sent by its
 * own pipeline), each committed; the store handle is left on skip's
 * model. Delivery failures are said on err and leave the pages pending;
 * 0, or -1 and *cause when the store fails.
 */
int	pages_deliver_others(struct store *s, const char *skip,
	    pages_config_fn config_for, void *arg, FILE *log, FILE *err,
	    char **cause);

#endif
