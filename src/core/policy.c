/*
 * Policy names, the --false-page-rate knob and Benjamini-Hochberg (see
 * policy.h). BH sorts indices by p-value, walks from the largest rank
 * down keeping the running minimum of p * m / rank, and writes it back
 * to each test's own slot, so the caller's order is kept.
 */
#include "policy.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct policy_rank {
	double	p;
	size_t	i;
};

static const char *const policy_names[] = {
	[POLICY_CALIBRATED] = "calibrated",
	[POLICY_SEED] = "seed",
};

const char *
policy_name(enum policy_kind k)
{
	return policy_names[k];
}

bool
policy_parse(const char *s, enum policy_kind *out)
{
	if (strcmp(s, "calibrated") == 0)
		*out = POLICY_CALIBRATED;
	else if (strcmp(s, "seed") == 0)
		*out = POLICY_SEED;
	else
		return false;
	return true;
}

void
policy_levels(double false_page_rate, struct policy_levels *out)
{
	out->page = false_page_rate / 1000.0;
	out->warning = out->page * POLICY_WARNING_FACTOR;
	if (out->warning > POLICY_WARNING_MAX)
		out->warning = POLICY_WARNING_MAX;
	if (out->warning < out->page)
		out->warning = out->page;
}

static int
policy_rank_cmp(const void *a, const void *b)
{
	const struct policy_rank *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i < y->i ? -1 : (x->i > y->i);	/* stable */
}

void
policy_bh_adjust(const double *p, size_t m, double *adjusted)
{
	struct policy_rank *r = xreallocarray(NULL, m, sizeof *r);
	double run = 1.0, v;
	size_t k;

	for (k = 0; k < m; k++) {
		r[k].p = p[k];
		r[k].i = k;
	}
	qsort(r, m, sizeof *r, policy_rank_cmp);
	for (k = m; k-- > 0;) {
		v = r[k].p * (double)m / (double)(k + 1);
		if (v < run)
			run = v;
		adjusted[r[k].i] = run;
	}
	free(r);
}

size_t
policy_bh_count(const double *adjusted, size_t m, double q)
{
	size_t k, n = 0;

	for (k = 0; k < m; k++)
		n += adjusted[k] <= q;
	return n;
}

/* log C(n, k) */
static double
log_choose(double n, double k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double
policy_error_rise_p(uint64_t batch_errors, uint64_t n_batch,
    uint64_t ref_errors, uint64_t n_ref)
{
	double N = (double)(n_batch + n_ref), K, n = (double)n_batch;
	double x, xmax, term, sum = 0.0;

	K = (double)(batch_errors + ref_errors);
	xmax = K < n ? K : n;
	x = (double)batch_errors;
	if (x <= 0.0 || x <= n - (N - K))	/* the whole support */
		return 1.0;
	term = exp(log_choose(K, x) + log_choose(N - K, n - x) -
	    log_choose(N, n));
	/* Up the tail: pmf(x + 1) / pmf(x) = (K - x)(n - x) /
	 * ((x + 1)(N - K - n + x + 1)); stop once terms stop counting. */
	while (x <= xmax && term > 0.0) {
		sum += term;
		if (term < sum * 1e-17)
			break;
		term *= (K - x) * (n - x) / ((x + 1.0) * (N - K - n + x + 1.0));
		x += 1.0;
	}
	return sum > 1.0 ? 1.0 : sum;
}
