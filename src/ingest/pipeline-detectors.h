/*
 * The drift detectors (DDM, ADWIN) as the ingest pipeline keeps them:
 * decoded between batches, re-read from the store once per write
 * transaction (another process may have fed them) and written once,
 * before the commit, so the state commits with the reports it produced.
 * This file owns the cache; pipeline-monitors.c feeds it, pipeline.c
 * stores it before each commit.
 */
#ifndef MLMON_INGEST_PIPELINE_DETECTORS_H
#define MLMON_INGEST_PIPELINE_DETECTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/monitor.h"

struct store;

struct pl_detectors {
	bool			 loaded;	/* det, last, text valid */
	bool			 checked;	/* read in this transaction */
	bool			 dirty;		/* fed since last stored */
	struct detectors	 det;
	int64_t			 last;		/* last batch fed; -1 none */
	char			*text;		/* as stored; NULL: none */
};

/* Forget the cached detectors; the next use reads the stored state. */
void	pl_detectors_forget(struct pl_detectors *d);
/*
 * Make d->det the current state (c: a fresh one's settings). 0; -1 with
 * *cause; -2 when the stored state is corrupt (*cause names its row).
 */
int	pl_detectors_load(struct pl_detectors *d, struct store *s,
	    const struct monitor_config *c, char **cause);
/* d->det was fed batch: store it with the next commit. */
void	pl_detectors_fed(struct pl_detectors *d, int64_t batch);
/* Write the state if it was fed; before each commit. 0 or -1. */
int	pl_detectors_store(struct pl_detectors *d, struct store *s,
	    char **cause);
/* A transaction ended: the next one reads the stored state again. */
void	pl_detectors_recheck(struct pl_detectors *d);

#endif
