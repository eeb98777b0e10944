/*
 * KS of one feature column against the reference's sorted column, with
 * a memo of exact p-values per batch size (monitor-ks.c). The memo is a
 * cache the reference owns (struct monitor_reference.ks_memo). The batch
 * column is sorted by the reference column (monitor_ks_sort), which
 * leaves each value's place in it for the statistic.
 */
#ifndef MLMON_CORE_MONITOR_KS_H
#define MLMON_CORE_MONITOR_KS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drift-ks.h"

struct monitor_ks_memo;
struct monitor_ks_gaps;

/*
 * Where a value falls in each sorted reference column (n_features
 * columns of n_rows, n_present[f] values in column f), found in a step
 * or two: each column's range cut into equal cells, the place of each
 * cell's first value kept. destroy(NULL) does nothing.
 */
struct monitor_ks_gaps *monitor_ks_gaps_create(const double *sorted,
	    size_t n_rows, const size_t *n_present, size_t n_features);
void	monitor_ks_gaps_destroy(struct monitor_ks_gaps *gaps);

/*
 * The buffers of monitor_ks_sort: one block for cap values, grown as
 * batches need (zeroed: empty; monitor_ks_sort_finish frees it), v then
 * the others in it. up: after a sort that used the reference
 * (monitor_ks_sort true), up[i] = #(refcol <= col[i]).
 */
struct monitor_ks_sort {
	double	*v;		/* cap; the block */
	size_t	*up;		/* cap */
	size_t	*at;		/* cap: a value's place before it is sorted */
	size_t	*start;		/* cap + 2: per bucket of places (at most */
				/* one a value, and one more), its first slot */
	size_t	 cap;
};

/*
 * col (n values, no NaN) sorted in place as drift_ks_sort sorts it (the
 * same order, ties and signed zeros included), by the places of its
 * values in the reference's column f (refcol, nref values, sorted; gaps
 * made over it), sort->up filled: true. A column without values, or
 * fewer than two values: drift_ks_sort, false.
 */
bool	monitor_ks_sort(struct monitor_ks_sort *sort,
	    const struct monitor_ks_gaps *gaps, size_t f, const double *refcol,
	    size_t nref, double *col, size_t n);
void	monitor_ks_sort_finish(struct monitor_ks_sort *sort);

/*
 * The KS statistic of refcol (nref values, sorted) and col (n >= 1
 * values, sorted) times nref n, exactly: max over the pooled values x of
 * |#(refcol <= x) n - #(col <= x) nref|. up: monitor_ks_sort's places of
 * col's values, or NULL (refcol is then walked for them).
 */
int64_t	monitor_ks_scaled(const double *refcol, size_t nref,
	    const double *col, size_t n, const size_t *up);

/*
 * drift_ks_sorted(refcol, nref, col, n), answered from *memo when this
 * statistic was seen for batches of n rows before; the memo serves full
 * reference columns (nref == n_rows) only and is made on first use. up:
 * #(refcol <= col[i]) for each i (monitor_ks_sort's), or NULL (the
 * statistic then walks refcol for them).
 */
void	monitor_ks(struct monitor_ks_memo **memo, size_t n_rows,
	    const double *refcol, size_t nref, const double *col, size_t n,
	    const size_t *up, struct ks_result *ks);
void	monitor_ks_memo_free(struct monitor_ks_memo *m);

#endif
