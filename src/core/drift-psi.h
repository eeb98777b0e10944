/*
 * Population Stability Index with the seed article's definition: ten
 * equal-width bins spanning the combined min..max of reference and current
 * (edges as numpy.linspace, outer ends open to -inf/+inf, numpy.histogram
 * bin membership), 1e-4 added to each bin proportion, proportions then
 * renormalised to sum to 1; PSI = sum (cur - ref) * ln(cur / ref).
 * Where max - min overflows a double (values near +/-1.8e308, which
 * numpy turns into NaN edges and a PSI of 0), the edges are computed
 * without the overflow: lo * (1 - i/10) + hi * (i/10).
 */
#ifndef MLMON_CORE_DRIFT_PSI_H
#define MLMON_CORE_DRIFT_PSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PSI_BINS	10
#define PSI_EPSILON	1e-4

enum drift_severity {
	DRIFT_NONE,
	DRIFT_WARNING,
	DRIFT_CRITICAL,
};

/* PSI of cur against ref; both sizes at least 1, no NaN. Result >= 0. */
double	drift_psi(const double *ref, size_t nref, const double *cur,
	    size_t ncur);

/*
 * Same, when the caller already knows min and max of ref (the reference
 * column is fixed), saving a pass over it.
 */
double	drift_psi_range(const double *ref, size_t nref, double ref_min,
	    double ref_max, const double *cur, size_t ncur);

/*
 * Same, for ref and cur both sorted ascending: bins are counted by binary
 * search, O(log n) per edge instead of a pass over each sample.
 */
double	drift_psi_sorted(const double *ref, size_t nref, const double *cur,
	    size_t ncur);

/*
 * The bins drift_psi uses over the combined range lo..hi, as positions in
 * v[0..n) sorted ascending: below[b] values of v lie below edge b
 * (below[0] = 0, below[PSI_BINS] = n), so bin b holds
 * v[below[b]] .. v[below[b + 1] - 1]. lo <= hi, both finite or not as
 * drift_psi allows.
 */
void	drift_psi_cuts(const double *v, size_t n, double lo, double hi,
	    size_t below[PSI_BINS + 1]);

/*
 * PSI between two count vectors over the same `bins` bins (categories),
 * each share plus PSI_EPSILON and renormalised as above. Both totals must
 * be at least 1.
 */
double	drift_psi_counts(const uint64_t *ref, const uint64_t *cur, int bins);

/*
 * drift_psi_sorted, and *outlier set when an outlier dominates the range:
 * one bin holds at least PSI_OUTLIER_SHARE of the reference and of the
 * batch, so the ten equal-width bins say little about the bulk of either
 * (a report should say so beside the PSI).
 */
#define PSI_OUTLIER_SHARE	0.9
double	drift_psi_sorted_note(const double *ref, size_t nref,
	    const double *cur, size_t ncur, bool *outlier);

/* none below warning, warning from warning (0.10), critical above critical (0.20). */
enum drift_severity drift_psi_severity(double psi, double warning,
	    double critical);

const char *drift_severity_name(enum drift_severity s);

#endif
