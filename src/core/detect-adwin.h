/*
 * ADWIN (Bifet and Gavalda, 2007: ADWIN2 with an exponential histogram of
 * buckets) over a 0/1 error stream with confidence delta (default 0.002).
 * Detects a change in the stream's mean and drops the stale part of the
 * window. State is serialised exactly as text so a restart resumes it.
 *
 * Parameters and semantics are river's drift.ADWIN defaults: at most
 * max_buckets = 5 buckets per row (row r holds buckets of 2^r values),
 * the cut test runs every clock = 32 updates once the window holds more
 * than grace_period = 10 values, both sub-windows need at least
 * min_window_length = 5 values, and the cut threshold is river's
 * variance-based epsilon
 *   eps = sqrt(2 m' var ln(2 ln(W) / delta)) + 2/3 m' ln(2 ln(W) / delta),
 *   m' = 1 / (n0 - 5 + 1) + 1 / (n1 - 5 + 1),  var = window variance / W.
 * On a cut the oldest bucket is dropped and the test repeats. Unlike
 * river's loop (which skips the newest bucket of every row), every
 * boundary between consecutive buckets is a candidate cut, as in the
 * paper.
 */
#ifndef MLMON_CORE_DETECT_ADWIN_H
#define MLMON_CORE_DETECT_ADWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADWIN_MAX_BUCKETS	5	/* per row */
#define ADWIN_CLOCK		32
#define ADWIN_MIN_WINDOW	5
#define ADWIN_GRACE		10

struct adwin;

/* Caller destroys. delta in (0, 1). */
struct adwin	*adwin_create(double delta);
void		 adwin_destroy(struct adwin *a);
/* Add one value; true when a change was detected at this step. */
bool		 adwin_update(struct adwin *a, double value);
uint64_t	 adwin_width(const struct adwin *a);
/* Mean of the current window; 0 when empty. */
double		 adwin_mean(const struct adwin *a);
uint64_t	 adwin_detections(const struct adwin *a);
/* Sum of the window's values and the sum of squared deviations. */
double		 adwin_total(const struct adwin *a);
double		 adwin_variance(const struct adwin *a);

/* Caller frees. One line, "adwin/1" version tag, exact hex floats. */
char		*adwin_encode(const struct adwin *a);
/* Caller destroys; NULL on malformed input. */
struct adwin	*adwin_decode(const char *s);

#endif
