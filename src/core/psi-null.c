/*
 * The resampled null of PSI and its moment-matched c * chi2(k) tail (see
 * psi-null.h). A fit keeps only its inputs' sizes, its seed and the two
 * moments; scale and dof are derived from them, so the text form cannot
 * hold a scale that disagrees with its moments.
 */
#include "psi-null.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"
#include "drift-chisq.h"
#include "drift-psi.h"
#include "rng.h"
#include "xalloc.h"

#define PSI_NULL_TAG	"psi-null 1"

static void
psi_null_derive(struct psi_null *n)
{
	double sd = sqrt(n->var), g;

	n->scale = n->dof = n->shift = 0.0;
	if (!(n->var > 0.0))
		return;
	g = n->m3 / (n->var * sd);	/* skewness */
	if (g > 0.0) {			/* Pearson: shift + c * chi2(k) */
		n->dof = 8.0 / (g * g);
		n->scale = sd / sqrt(2.0 * n->dof);
		n->shift = n->mean - n->scale * n->dof;
	} else if (n->mean > 0.0) {	/* two moments, no shift */
		n->scale = n->var / (2.0 * n->mean);
		n->dof = 2.0 * n->mean * n->mean / n->var;
	}
}

/* Fill out[0..k) with values drawn with replacement from v[0..n). */
static void
psi_null_draw(struct rng *r, const double *v, size_t n, double *out,
    size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		out[i] = v[rng_below(r, n)];
}

void
psi_null_fit(const double *ref, size_t nref, size_t nbatch, size_t draws,
    uint64_t seed, struct psi_null *out)
{
	size_t nr = nref < PSI_NULL_MAX_REF ? nref : PSI_NULL_MAX_REF, i;
	double *pr = xreallocarray(NULL, nr, sizeof *pr);
	double *pb = xreallocarray(NULL, nbatch, sizeof *pb);
	double *x = xreallocarray(NULL, draws, sizeof *x);
	double mean = 0.0, m2 = 0.0, m3 = 0.0, d, f;
	struct rng r;

	rng_seed(&r, seed);
	for (i = 0; i < draws; i++) {
		psi_null_draw(&r, ref, nref, pr, nr);
		psi_null_draw(&r, ref, nref, pb, nbatch);
		x[i] = drift_psi(pr, nr, pb, nbatch);
		mean += x[i];
	}
	mean /= (double)draws;
	for (i = 0; i < draws; i++) {	/* two passes: exact enough */
		d = x[i] - mean;
		m2 += d * d;
		m3 += d * d * d;
	}
	free(x);
	free(pr);
	free(pb);
	/* Large-sample scaling from the pseudo-reference's size to nref. */
	f = (1.0 / (double)nbatch + 1.0 / (double)nref) /
	    (1.0 / (double)nbatch + 1.0 / (double)nr);
	out->nref = nref;
	out->nbatch = nbatch;
	out->draws = draws;
	out->seed = seed;
	out->mean = mean * f;
	out->var = m2 / (double)(draws - 1) * f * f;
	out->m3 = m3 / (double)draws * f * f * f;
	psi_null_derive(out);
}

double
psi_null_p_value(const struct psi_null *n, double psi)
{
	double p;

	if (n->scale <= 0.0)
		return psi <= n->mean ? 1.0 : 0.0;
	if (psi <= n->shift)
		return 1.0;
	p = chisq_sf((psi - n->shift) / n->scale, n->dof);
	return p > 1.0 ? 1.0 : (p < 0.0 ? 0.0 : p);
}

char *
psi_null_format(const struct psi_null *n)
{
	struct codec_buf b;

	codec_buf_init(&b);
	codec_buf_add(&b, PSI_NULL_TAG " nref %llu nbatch %llu draws %llu"
	    " seed %llu mean ", (unsigned long long)n->nref,
	    (unsigned long long)n->nbatch, (unsigned long long)n->draws,
	    (unsigned long long)n->seed);
	codec_buf_double(&b, n->mean);
	codec_buf_add(&b, " var ");
	codec_buf_double(&b, n->var);
	codec_buf_add(&b, " m3 ");
	codec_buf_double(&b, n->m3);
	return codec_buf_take(&b);	/* Caller frees. */
}

/* " name <u64>" */
static bool
psi_null_field(const char **s, const char *name, uint64_t *v)
{
	return codec_expect(s, " ") && codec_expect(s, name) &&
	    codec_expect(s, " ") && codec_parse_u64(s, v);
}

bool
psi_null_parse(const char *s, struct psi_null *out, char **cause)
{
	struct psi_null n;
	const char *p = s;

	if (!codec_expect(&p, PSI_NULL_TAG) ||
	    !psi_null_field(&p, "nref", &n.nref) ||
	    !psi_null_field(&p, "nbatch", &n.nbatch) ||
	    !psi_null_field(&p, "draws", &n.draws) ||
	    !psi_null_field(&p, "seed", &n.seed) ||
	    !codec_expect(&p, " mean ") || !codec_parse_double(&p, &n.mean) ||
	    !codec_expect(&p, " var ") || !codec_parse_double(&p, &n.var) ||
	    !codec_expect(&p, " m3 ") || !codec_parse_double(&p, &n.m3)) {
		*cause = xasprintf("PSI null: unreadable at byte %zu",
		    (size_t)(p - s));
		return false;
	}
	if (*p != '\0') {
		*cause = xasprintf("PSI null: trailing text at byte %zu",
		    (size_t)(p - s));
		return false;
	}
	if (n.nref == 0 || n.nbatch == 0 || n.draws < 2 ||
	    !(n.mean >= 0.0) || !(n.var >= 0.0) || !isfinite(n.mean) ||
	    !isfinite(n.var) || !isfinite(n.m3)) {
		*cause = xasprintf("PSI null: sizes below 1, fewer than 2"
		    " draws or a negative or infinite moment");
		return false;
	}
	psi_null_derive(&n);
	*out = n;
	return true;
}
