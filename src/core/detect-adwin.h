/*
 * ADWIN (Bifet and Gavalda, 2007: ADWIN2 with an exponential histogram of
 * buckets) over a 0/1 error stream with confidence delta (default 0.002).
 * Detects a change in the stream's mean and drops the stale part of the
 * window. State is serialised exactly as text so a restart resumes it.
 */
#ifndef MLMON_CORE_DETECT_ADWIN_H
#define MLMON_CORE_DETECT_ADWIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct adwin;

/* Caller destroys. */
struct adwin	*adwin_create(double delta);
void		 adwin_destroy(struct adwin *a);
/* Add one value; true when a change was detected at this step. */
bool		 adwin_update(struct adwin *a, double value);
uint64_t	 adwin_width(const struct adwin *a);
double		 adwin_mean(const struct adwin *a);
uint64_t	 adwin_detections(const struct adwin *a);

/* Caller frees. */
char		*adwin_encode(const struct adwin *a);
/* Caller destroys; NULL on malformed input. */
struct adwin	*adwin_decode(const char *s);

#endif
