/*
 * Missingness test and present-value extraction (see drift-missing.h).
 */
#include "drift-missing.h"

#include <math.h>

#include "drift-chisq.h"

static double
missing_share(uint64_t missing, uint64_t total)
{
	return total > 0 ? (double)missing / (double)total : NAN;
}

void
drift_missing(uint64_t ref_missing, uint64_t ref_total, uint64_t cur_missing,
    uint64_t cur_total, struct missing_drift *out)
{
	uint64_t r[2], c[2];
	struct chisq_result chi;

	out->ref_missing = ref_missing;
	out->ref_total = ref_total;
	out->cur_missing = cur_missing;
	out->cur_total = cur_total;
	out->ref_share = missing_share(ref_missing, ref_total);
	out->cur_share = missing_share(cur_missing, cur_total);
	if (ref_total == 0 || cur_total == 0) {
		out->statistic = 0.0;
		out->p_value = 1.0;
		out->dof = 0;
		out->effect = 0.0;
		return;
	}
	r[0] = ref_total - ref_missing;
	r[1] = ref_missing;
	c[0] = cur_total - cur_missing;
	c[1] = cur_missing;
	drift_chisq_homogeneity(r, c, 2, &chi);
	out->statistic = chi.statistic;
	out->p_value = chi.p_value;
	out->dof = chi.dof;
	out->effect = 2.0 * asin(sqrt(out->cur_share)) -
	    2.0 * asin(sqrt(out->ref_share));
}

bool
drift_missing_verdict(const struct missing_drift *m, double alpha,
    double min_effect)
{
	return m->p_value < alpha && fabs(m->effect) >= min_effect;
}

size_t
drift_present(const double *v, size_t n, size_t stride, double *out)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i * stride]))
			out[k++] = v[i * stride];
	return k;
}
