/*
 * KS of one feature column against the reference's sorted column, with
 * a memo of exact p-values per batch size (monitor-ks.c). The memo is a
 * cache the reference owns (struct monitor_reference.ks_memo).
 */
#ifndef MLMON_CORE_MONITOR_KS_H
#define MLMON_CORE_MONITOR_KS_H

#include <stddef.h>

#include "drift-ks.h"

struct monitor_ks_memo;

/*
 * drift_ks_sorted(refcol, nref, col, n), answered from *memo when this
 * statistic was seen for batches of n rows before; the memo serves full
 * reference columns (nref == n_rows) only and is made on first use.
 */
void	monitor_ks(struct monitor_ks_memo **memo, size_t n_rows,
	    const double *refcol, size_t nref, const double *col, size_t n,
	    struct ks_result *ks);
void	monitor_ks_memo_free(struct monitor_ks_memo *m);

#endif
