/*
 * psi-null-tail: how well the PSI null (src/core/psi-null.c) holds at
 * small p-values, on stable batches: for REFS references of NREF
 * standard normal rows, DRAWS fresh batches of M rows from the same
 * distribution each, the share of batches whose p-value is at or below
 * 1e-2 .. 1e-5, as a multiple of that level, for the three-moment fit
 * alone and for the fit with the exponential tail (what
 * psi_null_p_value returns). 1.00 is exact; above is liberal.
 *
 *   psi-null-tail NREF M DRAWS REFS SEED
 *
 * The numbers in src/core/psi-null.h and docs/POLICY.md:
 *   psi-null-tail 1000 200 100000 10 3
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/drift-ks.h"
#include "core/drift-psi.h"
#include "core/drift-chisq.h"
#include "core/psi-null.h"
#include "core/rng.h"
#include "core/xalloc.h"

#define LEVELS	4

static double
normal(struct rng *r)
{
	double u = 1.0 - rng_uniform(r), v = rng_uniform(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* The fit's p-value without its exponential tail. */
static double
moments_only(const struct psi_null *n, double psi)
{
	if (n->scale <= 0.0)
		return psi <= n->mean ? 1.0 : 0.0;
	if (psi <= n->shift)
		return 1.0;
	return chisq_sf((psi - n->shift) / n->scale, n->dof);
}

int
main(int argc, char **argv)
{
	static const double level[LEVELS] = { 1e-2, 1e-3, 1e-4, 1e-5 };
	size_t nref, m, draws, refs, i, j, k, a;
	double *ref, *cur, p, q, hm[LEVELS] = { 0 }, ht[LEVELS] = { 0 };
	struct psi_null n;
	struct rng r;

	if (argc != 6) {
		fprintf(stderr, "usage: psi-null-tail NREF M DRAWS REFS SEED\n");
		return 2;
	}
	nref = strtoul(argv[1], NULL, 10);
	m = strtoul(argv[2], NULL, 10);
	draws = strtoul(argv[3], NULL, 10);
	refs = strtoul(argv[4], NULL, 10);
	rng_seed(&r, strtoull(argv[5], NULL, 10));
	if (nref < 2 || m < 1 || draws < 1 || refs < 1) {
		fprintf(stderr, "psi-null-tail: sizes must be positive\n");
		return 2;
	}
	ref = xreallocarray(NULL, nref, sizeof *ref);
	cur = xreallocarray(NULL, m, sizeof *cur);
	for (k = 0; k < refs; k++) {
		for (i = 0; i < nref; i++)
			ref[i] = normal(&r);
		drift_ks_sort(ref, nref);
		psi_null_fit(ref, nref, m, PSI_NULL_DRAWS, k + 1, &n);
		for (i = 0; i < draws; i++) {
			for (j = 0; j < m; j++)
				cur[j] = normal(&r);
			q = drift_psi(ref, nref, cur, m);
			p = psi_null_p_value(&n, q);
			q = moments_only(&n, q);
			for (a = 0; a < LEVELS; a++) {
				hm[a] += q <= level[a];
				ht[a] += p <= level[a];
			}
		}
	}
	printf("reference %zu rows, batches of %zu, %zu x %zu stable"
	    " batches\n", nref, m, refs, draws);
	for (a = 0; a < LEVELS; a++)
		printf("p <= %g: moments only %.2f x, with the tail %.2f x\n",
		    level[a], hm[a] / (level[a] * (double)(draws * refs)),
		    ht[a] / (level[a] * (double)(draws * refs)));
	free(ref);
	free(cur);
	return 0;
}
