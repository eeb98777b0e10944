/*
 * Drift Detection Method (Gama et al., 2004) over a 0/1 error stream, as
 * river's drift.binary.DDM defines it: p is the running error rate and
 * s = sqrt(p (1 - p) / n), both updated incrementally. Once more than
 * min_instances values have been seen since the last reset, p_min and
 * s_min are replaced whenever p + s <= p_min + s_min; warning when
 * p + s > p_min + warning_level s_min, drift when
 * p + s > p_min + drift_level s_min. Strict comparisons: with ">=" an
 * error-free start (p = s = 0) would signal drift on every update. A drift
 * resets n, p, s, p_min, s_min at once (river resets on the next update;
 * the sequence of signals is the same).
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
	uint64_t	n;		/* values seen since last reset */
	double		p;		/* running error rate */
	double		s;		/* sqrt(p (1 - p) / n) */
	double		p_min;		/* +inf before any check */
	double		s_min;		/* +inf before any check */
	uint64_t	drifts;		/* total drifts detected */
	uint64_t	warnings;	/* updates giving DDM_WARNING */
	enum ddm_state	state;		/* of the last update */
};

void		ddm_init(struct ddm *d);
enum ddm_state	ddm_update(struct ddm *d, bool error);

/*
 * Caller frees. Exact one-line text of the whole state (hex floats,
 * "ddm/1" version tag), independent of the locale.
 */
char		*ddm_encode(const struct ddm *d);
/* Writes *out only on success; rejects any malformed or absurd text. */
bool		ddm_decode(const char *s, struct ddm *out);

#endif
