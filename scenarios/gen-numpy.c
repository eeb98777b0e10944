/*
 * The seed's generators.py in C. Its call order, which the draws depend
 * on:
 *
 *   means = default_rng(seed).normal(0, 3, (classes, features))
 *   rng = default_rng(seed)
 *   training set: y = rng.choice(classes, n); then for each y in turn
 *     x = rng.normal(means[y], 1)            (features draws)
 *   batch b: y = rng.choice(classes, n, p=priors) (p only when the
 *     scenario sets priors), then x = rng.normal(means[y] + shift, 1)
 *
 * shift is frac * magnitude (frac 0..1 from scn_shift_fraction), added
 * to the mean before the noise, in that order, as numpy rounds it. The
 * training set always draws its classes uniformly (generators.py passes
 * no priors there), even when the scenario's base priors are not.
 * The model is scikit-learn's NearestCentroid: centroid = mean of the
 * class's training rows, summed in row order.
 */
#include "gen-numpy.h"

#include <math.h>
#include <stdlib.h>

#include "core/xalloc.h"
#include "gen.h"
#include "rng-numpy.h"
#include "scn.h"

#define GEN_NUMPY_MEAN_SD 3.0

struct gen_numpy {
	struct rng_numpy rng;		/* training set, then batches */
	const struct scn *scn;		/* borrowed */
	const double	*means;		/* borrowed: classes x nf */
	int		 nf;
	int		 nc;
	long		 ntrain;
	long		 nbatch;
	double		*train_x;	/* ntrain x nf */
	int		*train_y;
	double		*batch_x;	/* nbatch x nf */
	int		*batch_y;
	double		*cdf;		/* nc */
	double		*shift;		/* nf, this batch */
};

/* Draw n rows: n labels (uniform, or from cdf), then each row's noise. */
static void
gen_numpy_draw(struct gen_numpy *np, long n, const double *cdf,
    const double *shift, double *x, int *y)
{
	const double *mu;
	double loc;
	long i;
	int j;

	for (i = 0; i < n; i++) {
		y[i] = cdf != NULL ? rng_numpy_choice(&np->rng, cdf, np->nc) :
		    (int)rng_numpy_below(&np->rng, (uint32_t)np->nc);
	}
	for (i = 0; i < n; i++) {
		mu = np->means + (size_t)y[i] * np->nf;
		for (j = 0; j < np->nf; j++) {
			loc = shift != NULL ? mu[j] + shift[j] : mu[j];
			x[(size_t)i * np->nf + j] = loc +
			    rng_numpy_normal(&np->rng);
		}
	}
}

/* NearestCentroid.fit on the training set. */
static int
gen_numpy_fit(struct gen_numpy *np, double *centroids, char **cause)
{
	long *count, i;
	int c, j, nf = np->nf;
	double *cent;

	count = xcalloc((size_t)np->nc, sizeof *count);
	for (i = 0; i < (long)np->nc * nf; i++)
		centroids[i] = 0.0;
	for (i = 0; i < np->ntrain; i++) {
		cent = centroids + (size_t)np->train_y[i] * nf;
		for (j = 0; j < nf; j++)
			cent[j] += np->train_x[(size_t)i * nf + j];
		count[np->train_y[i]]++;
	}
	for (c = 0; c < np->nc; c++) {
		if (count[c] == 0) {
			*cause = xasprintf("class %d has no rows in the "
			    "%ld-row training set; use more --reference-rows",
			    c, np->ntrain);
			free(count);
			return -1;
		}
		for (j = 0; j < nf; j++)
			centroids[(size_t)c * nf + j] /= (double)count[c];
	}
	free(count);
	return 0;
}

struct gen_numpy *
gen_numpy_create(const struct gen_config *cfg, double *means,
    double *centroids, char **cause)
{
	struct gen_numpy *np;
	struct rng_numpy r;
	size_t nf = (size_t)cfg->features, nc = (size_t)cfg->classes, i;

	np = xcalloc(1, sizeof *np);
	np->scn = cfg->scn;
	np->means = means;
	np->nf = cfg->features;
	np->nc = cfg->classes;
	np->ntrain = cfg->reference_rows;
	np->nbatch = cfg->batch_size;
	np->train_x = xcalloc((size_t)np->ntrain * nf, sizeof *np->train_x);
	np->train_y = xcalloc((size_t)np->ntrain, sizeof *np->train_y);
	np->batch_x = xcalloc((size_t)np->nbatch * nf, sizeof *np->batch_x);
	np->batch_y = xcalloc((size_t)np->nbatch, sizeof *np->batch_y);
	np->cdf = xcalloc(nc, sizeof *np->cdf);
	np->shift = xcalloc(nf, sizeof *np->shift);

	rng_numpy_seed(&r, cfg->seed);
	for (i = 0; i < nc * nf; i++)
		means[i] = 0.0 + GEN_NUMPY_MEAN_SD * rng_numpy_normal(&r);
	rng_numpy_seed(&np->rng, cfg->seed);
	gen_numpy_draw(np, np->ntrain, NULL, NULL, np->train_x, np->train_y);
	if (gen_numpy_fit(np, centroids, cause) != 0) {
		gen_numpy_destroy(np);
		return NULL;
	}
	return np;
}

void
gen_numpy_destroy(struct gen_numpy *np)
{
	if (np == NULL)
		return;
	free(np->train_x);
	free(np->train_y);
	free(np->batch_x);
	free(np->batch_y);
	free(np->cdf);
	free(np->shift);
	free(np);
}

const double *
gen_numpy_train_row(const struct gen_numpy *np, long i, int *y)
{
	*y = np->train_y[i];
	return np->train_x + (size_t)i * np->nf;
}

void
gen_numpy_draw_batch(struct gen_numpy *np, long b)
{
	const struct scn *s = np->scn;
	const double *p = s->priors;
	double frac;
	int j;

	if (s->prior_shift == SCN_PRIOR_STEP && b >= s->change_point &&
	    s->after_priors != NULL)
		p = s->after_priors;
	if (p != NULL)
		rng_numpy_cdf(p, np->nc, np->cdf);
	frac = scn_shift_fraction(s, b);
	for (j = 0; j < np->nf; j++) {
		np->shift[j] = scn_shifts_feature(s, j) ?
		    frac * s->magnitude : 0.0;
	}
	gen_numpy_draw(np, np->nbatch, p != NULL ? np->cdf : NULL,
	    s->mean_shift != SCN_MEAN_NONE ? np->shift : NULL,
	    np->batch_x, np->batch_y);
}

const double *
gen_numpy_batch_row(const struct gen_numpy *np, long i, int *y)
{
	*y = np->batch_y[i];
	return np->batch_x + (size_t)i * np->nf;
}

int
gen_numpy_predict(const double *centroids, int classes, int features,
    const double *x, double *dist, double *scores)
{
	const double *cent;
	double acc, diff, top, sum = 0.0;
	int c, j, best = 0;

	for (c = 0; c < classes; c++) {
		cent = centroids + (size_t)c * features;
		acc = 0.0;
		for (j = 0; j < features; j++) {
			diff = x[j] - cent[j];
			acc += diff * diff;
		}
		dist[c] = sqrt(acc);
		if (dist[c] < dist[best])
			best = c;
	}
	/* softmax(-d), shifted by its maximum -d[best]. */
	top = -dist[best];
	for (c = 0; c < classes; c++) {
		scores[c] = exp(-dist[c] - top);
		sum += scores[c];
	}
	for (c = 0; c < classes; c++)
		scores[c] /= sum;
	return best;
}
