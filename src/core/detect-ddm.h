/*
 * Drift Detection Method (Gama et al., 2004) over a 0/1 error stream.
 * After min_instances errors, tracks the minimum of p + s; warning when
 * p + s >= p_min + 2 s_min, drift when >= p_min + 3 s_min (then resets).
 * The state is a plain struct of numbers, serialised exactly as text.
 */
#ifndef MLMON_CORE_DETECT_DDM_H
#define MLMON_CORE_DETECT_DDM_H

#include <stdbool.h>
#include <stdint.h>

enum ddm_state {
	DDM_STABLE,
	DDM_WARNING,
	DDM_DRIFT,
};

struct ddm {
	uint64_t	min_instances;	/* default 30 */
	double		warning_level;	/* default 2.0 */
	double		drift_level;	/* default 3.0 */
	uint64_t	n;		/* errors seen since last reset */
	double		p;		/* running error rate */
	double		s;		/* sqrt(p (1 - p) / n) */
	double		p_min;
	double		s_min;
	uint64_t	drifts;		/* total drifts detected */
};

void		ddm_init(struct ddm *d);
enum ddm_state	ddm_update(struct ddm *d, bool error);

/* Caller frees. Exact textual form (hex floats) of the whole state. */
char		*ddm_encode(const struct ddm *d);
/* Writes *out only on success. */
bool		ddm_decode(const char *s, struct ddm *out);

#endif
