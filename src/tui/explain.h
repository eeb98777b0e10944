/* One alert explained: `mlmon-top --once --alert ID` (explain.c). */
#ifndef MLMON_TUI_EXPLAIN_H
#define MLMON_TUI_EXPLAIN_H

#include <stdint.h>
#include <stdio.h>

#include "db/query.h"
#include "tui/app.h"

/*
 * Write alert id of the store q reads, as text or JSON (fmt), to out.
 * 0, or -1 with *cause (caller frees): no such alert, store unreadable.
 */
int	explain_write(struct query *q, int64_t id, enum out_format fmt,
	    FILE *out, char **cause);

#endif
