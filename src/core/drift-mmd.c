/*
 * MMD^2 permutation test over one pooled kernel matrix. With the pooled
 * sample z (first nx rows from x, the rest from y), K[i][j] = k(z_i, z_j)
 * and a 0/1 label per row (1 = "y"), r_i = sum_j K[i][j] label_j gives
 *   S_yy = sum_{label_i = 1} r_i,  S_xy = sum_{label_i = 0} r_i,
 *   S_xx = sum K - S_yy - 2 S_xy,
 *   MMD^2 = S_xx / nx^2 + S_yy / ny^2 - 2 S_xy / (nx ny).
 * A permutation shuffles the labels, so each one costs one pass over K.
 */
#include "drift-mmd.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "stop.h"
#include "xalloc.h"

void
drift_mmd_defaults(struct mmd_params *p)
{
	p->max_ref = 200;
	p->permutations = 100;
	p->seed = 0;
}

/* Choose m of n indices without replacement (partial Fisher-Yates). */
static void
pick_rows(struct rng *r, size_t n, size_t m, size_t *out)
{
	size_t *all = xmalloc(n * sizeof *all);
	size_t i, j, t;

	for (i = 0; i < n; i++)
		all[i] = i;
	for (i = 0; i < m; i++) {
		j = i + (size_t)rng_below(r, n - i);
		t = all[i];
		all[i] = all[j];
		all[j] = t;
		out[i] = all[i];
	}
	free(all);
}

/* k-th smallest (0-based) of v[0..n), reordering v (Hoare quickselect). */
static double
select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1, i, j;
	double pivot, t;

	while (lo < hi) {
		pivot = v[lo + (hi - lo) / 2];
		i = lo;
		j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/* numpy.median of the square roots of the n values in d2 (reorders). */
static double
median_sqrt(double *d2, size_t n)
{
	size_t k = n / 2, i;
	double hi, lo;

	hi = select_kth(d2, n, k);
	if (n % 2)
		return sqrt(hi);
	/* The lower middle is the largest of the part below index k. */
	lo = d2[0];
	for (i = 1; i < k; i++)
		if (d2[i] > lo)
			lo = d2[i];
	return (sqrt(lo) + sqrt(hi)) / 2.0;
}

/* MMD^2 for one labelling; total is the sum of all of K. */
static double
mmd2_labelled(const double *K, size_t n, const double *label, size_t nx,
    size_t ny, double total)
{
	double syy = 0.0, sxy = 0.0, sxx, ri;
	const double *row;
	size_t i, j;

	for (i = 0; i < n; i++) {
		row = K + i * n;
		ri = 0.0;
		for (j = 0; j < n; j++)
			ri += row[j] * label[j];
		if (label[i] != 0.0)
			syy += ri;
		else
			sxy += ri;
	}
	sxx = total - syy - 2.0 * sxy;
	return sxx / ((double)nx * (double)nx) +
	    syy / ((double)ny * (double)ny) -
	    2.0 * sxy / ((double)nx * (double)ny);
}

/* The pooled sample: up to mx rows of x, then up to my rows of y. */
static double *
mmd_pool(struct rng *r, const double *x, size_t nx, const double *y,
    size_t ny, size_t d, size_t mx, size_t my)
{
	double	*z = xmalloc((mx + my) * d * sizeof *z);
	size_t	*pick = xmalloc((nx > ny ? nx : ny) * sizeof *pick);
	size_t	 i;

	if (mx < nx) {
		pick_rows(r, nx, mx, pick);
		for (i = 0; i < mx; i++)
			memcpy(z + i * d, x + pick[i] * d, d * sizeof *z);
	} else {
		memcpy(z, x, mx * d * sizeof *z);
	}
	if (my < ny) {
		pick_rows(r, ny, my, pick);
		for (i = 0; i < my; i++)
			memcpy(z + (mx + i) * d, y + pick[i] * d,
			    d * sizeof *z);
	} else {
		memcpy(z + mx * d, y, my * d * sizeof *z);
	}
	free(pick);
	return z;
}

/*
 * Squared distances of the n pooled rows into K (symmetric) and the
 * median heuristic's bandwidth from them; NAN when a stop cut it short.
 */
static double
mmd_distances(const double *z, size_t n, size_t d, double *K)
{
	size_t	npair = n * (n - 1) / 2, i, j, c, t = 0;
	double	*d2 = xmalloc((npair ? npair : 1) * sizeof *d2);
	double	 s, diff, sigma;

	for (i = 0; i < n; i++) {
		if (stop_requested()) {
			free(d2);
			return NAN;
		}
		K[i * n + i] = 0.0;
		for (j = i + 1; j < n; j++) {
			s = 0.0;
			for (c = 0; c < d; c++) {
				diff = z[i * d + c] - z[j * d + c];
				s += diff * diff;
			}
			K[i * n + j] = K[j * n + i] = s;
			d2[t++] = s;
		}
	}
	sigma = npair ? median_sqrt(d2, npair) : 0.0;
	free(d2);
	if (!(sigma > 0.0) || !isfinite(sigma))
		sigma = 1.0;
	return sigma;
}

/*
 * Kernel values in place of the distances, and the three block sums of
 * the observed split (kxx, kyy, kxy). False when a stop cut it short.
 */
static bool
mmd_kernel(double *K, size_t n, size_t mx, double sigma, double sums[3])
{
	double	inv = 1.0 / (2.0 * sigma * sigma), tmp;
	size_t	i, j;

	sums[0] = sums[1] = sums[2] = 0.0;
	for (i = 0; i < n; i++) {
		if (stop_requested())
			return false;
		for (j = 0; j < n; j++) {
			tmp = exp(-K[i * n + j] * inv);
			K[i * n + j] = tmp;
			if (i < mx && j < mx)
				sums[0] += tmp;
			else if (i >= mx && j >= mx)
				sums[1] += tmp;
			else
				sums[2] += tmp;
		}
	}
	return true;
}

/*
 * The permutation p-value of the observed split (the observed value uses
 * the same summation as the permuted ones); NAN when a stop cut it short.
 */
static double
mmd_permutations(struct rng *r, const double *K, size_t n, size_t mx,
    size_t my, double total, int permutations)
{
	double	*label = xmalloc(n * sizeof *label), observed, stat, tmp;
	size_t	 i, j;
	int	 perm, above = 0;

	for (i = 0; i < n; i++)
		label[i] = i < mx ? 0.0 : 1.0;
	observed = mmd2_labelled(K, n, label, mx, my, total);
	for (perm = 0; perm < permutations; perm++) {
		if (stop_requested()) {
			free(label);
			return NAN;
		}
		for (i = n - 1; i > 0; i--) {
			j = (size_t)rng_below(r, i + 1);
			tmp = label[i];
			label[i] = label[j];
			label[j] = tmp;
		}
		stat = mmd2_labelled(K, n, label, mx, my, total);
		if (stat >= observed)
			above++;
	}
	free(label);
	return permutations > 0 ? (1.0 + above) / (1.0 + permutations) : 1.0;
}

void
drift_mmd(const double *x, size_t nx, const double *y, size_t ny, size_t d,
    const struct mmd_params *p, struct mmd_result *out)
{
	struct mmd_params def;
	struct rng r;
	size_t max_ref, mx, my, n;
	double *z, *K, sigma, sums[3], mmd2, pv;

	if (p == NULL) {
		drift_mmd_defaults(&def);
		p = &def;
	}
	max_ref = p->max_ref ? p->max_ref : 200;
	rng_seed(&r, p->seed);
	mx = nx < max_ref ? nx : max_ref;
	my = ny < max_ref ? ny : max_ref;
	n = mx + my;
	z = mmd_pool(&r, x, nx, y, ny, d, mx, my);
	K = xmalloc(n * n * sizeof *K);
	sigma = mmd_distances(z, n, d, K);
	free(z);
	if (isnan(sigma) || !mmd_kernel(K, n, mx, sigma, sums)) {
		free(K);
		goto stopped;
	}
	mmd2 = sums[0] / ((double)mx * (double)mx) +
	    sums[1] / ((double)my * (double)my) -
	    sums[2] / ((double)mx * (double)my);
	pv = mmd_permutations(&r, K, n, mx, my, sums[0] + sums[1] + sums[2],
	    p->permutations);
	free(K);
	if (isnan(pv))
		goto stopped;
	out->mmd2 = mmd2 < 0.0 ? 0.0 : mmd2;
	out->sigma = sigma;
	out->p_value = pv;
	return;
stopped:
	/* Cut short by a stop request: no result (the caller drops it). */
	out->mmd2 = out->sigma = out->p_value = NAN;
}
