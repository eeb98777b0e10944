/*
 * The generator. Data model, all from one 64-bit seed:
 *
 * - Class means mu[c][j] ~ N(0, class_spread^2) (3 unless the scenario
 *   says), drawn class by class, feature by feature, from the "means"
 *   stream.
 * - A row drawn from component z is x[j] = mu[z][j] + shift(b) + N(0, 1);
 *   shift(b) is the scenario's mean shift at batch b on the shifted
 *   features, 0 in the training set. z is drawn from the class priors in
 *   force at batch b. The true class y is z, or with true_class =
 *   posterior a draw from the training distribution's P(y|x) (base
 *   priors, unshifted means: p_c proportional to prior_c
 *   exp(-||x - mu_c||^2 / 2)), one more uniform of the row's stream; then
 *   P(y|x) is the same in every batch whatever moves x.
 * - The model is nearest-centroid: centroid[c] = mean of the training
 *   rows of class c; scores = softmax(-||x - centroid[c]||), printed as
 *   millionths that sum to exactly 1; predicted_class = first argmax of
 *   the printed scores; confidence = the printed maximum.
 *
 * - With missing_feature, that feature's value is printed as null with
 *   the scenario's probability for the batch (scn_missing_at), drawn from
 *   its own "missing" stream per batch (index 0: the training set), so
 *   every other number of the stream is the same with or without it. The
 *   model scores the full row: the value is lost on the way to the log.
 * - With categorical_feature, that feature is logged as a category (a
 *   string) drawn from the scenario's shares for the batch (scn-cat.h),
 *   from its own "category" stream per batch in the same way; the schema
 *   record says so in feature_types.
 *
 * With --rng numpy the data and the model come from gen-numpy.c instead
 * (numpy's generator, the seed repository's call order) and every number
 * is printed with 17 significant digits: features exactly, scores as
 * doubles (not millionths), confidence = the largest score.
 *
 * Every random stream is its own xoshiro256** seeded from (seed, stream,
 * index) through gen_stream_seed: "means", "train" and one per batch id.
 * So batch b's rows do not depend on --batches, --label-delay or the
 * throttle, and the training set is regenerated instead of stored (two
 * passes: centroids, then the reference records). Memory is constant in
 * the stream length; only delayed labels are kept, label_delay + 1
 * batches of them.
 */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/xalloc.h"
#include "emit.h"
#include "gen-numpy.h"
#include "pmath.h"
#include "scn.h"
#include "scn-cat.h"

enum {
	GEN_STREAM_MEANS = 1,
	GEN_STREAM_TRAIN = 2,
	GEN_STREAM_BATCH = 3,
	GEN_STREAM_MISSING = 4,
	GEN_STREAM_CATEGORY = 5,
};

/* Scores are printed in millionths. */
#define GEN_SCALE 1000000
/* Throttle wake-ups per second at most. */
#define GEN_TICKS 1000

struct gen {
	struct gen_config cfg;
	double		*means;		/* classes x features */
	double		*centroids;	/* classes x features */
	double		*base_cum;	/* cumulative priors, base */
	double		*after_cum;	/* ... after a prior change */
	double		*shift;		/* per feature, this batch */
	double		*x;		/* features of this row */
	bool		*miss;		/* printed as null, this row */
	const char	*cat;		/* categorical_feature's value */
	double		*dist;		/* to each centroid */
	double		*logprior;	/* log base priors (true_class) */
	double		*post;		/* P(y|x) of this row */
	uint32_t	*q;		/* scores in millionths */
	struct gen_numpy *np;		/* --rng numpy, else NULL */
	double		*score;		/* --rng numpy: scores */
	int		 pred;		/* predicted class of g->x */
	uint16_t	*ring;		/* labels, nring x batch_size */
	long		 nring;

	/* Throttle state. */
	struct timespec	 t0;
	uint64_t	 sent;		/* rows since t0 */
	uint64_t	 tick;		/* rows between wake-ups */
};

static uint64_t
gen_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seed r for one stream: the seed mixed with (stream, index). */
static void
gen_stream_seed(struct rng *r, uint64_t seed, uint64_t stream,
    uint64_t index)
{
	rng_seed(r, seed ^ gen_mix(stream * 0x9e3779b97f4a7c15ULL +
	    gen_mix(index + 1)));
}

/* Cumulative priors; the last class with a non-zero prior ends at 1. */
static void
gen_cumulate(double *cum, const double *p, int classes)
{
	double sum = 0.0;
	int c, last = classes - 1;

	for (c = 0; c < classes; c++) {
		sum += p != NULL ? p[c] : 1.0 / classes;
		cum[c] = sum;
	}
	if (p != NULL) {
		while (last > 0 && p[last] == 0.0)
			last--;
	}
	for (c = last; c < classes; c++)
		cum[c] = 1.0;
}

static int
gen_draw_class(struct rng *r, const double *cum, int classes)
{
	double u = rng_uniform(r);
	int c;

	for (c = 0; c < classes - 1; c++) {
		if (u < cum[c])
			return c;
	}
	return classes - 1;
}

/* A class drawn from the training distribution's P(y | g->x). */
static int
gen_posterior_class(struct gen *g, struct rng *r)
{
	int c, j, nc = g->cfg.classes, nf = g->cfg.features;
	double top = -INFINITY, sum = 0.0;

	for (c = 0; c < nc; c++) {
		const double *mu = g->means + (size_t)c * nf;
		double d2 = 0.0;

		for (j = 0; j < nf; j++)
			d2 += (g->x[j] - mu[j]) * (g->x[j] - mu[j]);
		g->post[c] = g->logprior[c] - 0.5 * d2;
		if (g->post[c] > top)
			top = g->post[c];
	}
	for (c = 0; c < nc; c++) {
		g->post[c] = exp(g->post[c] - top);
		sum += g->post[c];
	}
	for (c = 0; c < nc; c++)
		g->post[c] = (c > 0 ? g->post[c - 1] : 0.0) + g->post[c] / sum;
	return gen_draw_class(r, g->post, nc);
}

/* Draw one row into g->x; returns its true class. */
static int
gen_draw_row(struct gen *g, struct rng *r, struct pmath_gauss *gs,
    const double *cum, const double *shift)
{
	const double *mu;
	int y, j, nf = g->cfg.features;

	y = gen_draw_class(r, cum, g->cfg.classes);
	mu = g->means + (size_t)y * nf;
	for (j = 0; j < nf; j++) {
		g->x[j] = mu[j] + pmath_gauss_next(gs, r);
		if (shift != NULL)
			g->x[j] += shift[j];
	}
	if (g->cfg.scn->true_class == SCN_LABEL_POSTERIOR)
		y = gen_posterior_class(g, r);
	return y;
}

/* Score g->x into g->q; returns the predicted class. */
static int
gen_predict(struct gen *g)
{
	const double *cent;
	double dmin = 0.0, sum = 0.0, diff, acc;
	uint32_t total = 0;
	int c, j, best, nc = g->cfg.classes, nf = g->cfg.features;

	for (c = 0; c < nc; c++) {
		cent = g->centroids + (size_t)c * nf;
		acc = 0.0;
		for (j = 0; j < nf; j++) {
			diff = g->x[j] - cent[j];
			acc += diff * diff;
		}
		g->dist[c] = sqrt(acc);
		if (c == 0 || g->dist[c] < dmin)
			dmin = g->dist[c];
	}
	for (c = 0; c < nc; c++) {
		g->dist[c] = pmath_exp(dmin - g->dist[c]);
		sum += g->dist[c];
	}
	best = 0;
	for (c = 0; c < nc; c++) {
		g->q[c] = (uint32_t)llround(g->dist[c] / sum * GEN_SCALE);
		total += g->q[c];
		if (g->q[c] > g->q[best])
			best = c;
	}
	/* Make the printed scores sum to exactly 1 (|error| <= nc / 2). */
	g->q[best] = g->q[best] + GEN_SCALE - total;
	best = 0;
	for (c = 1; c < nc; c++) {
		if (g->q[c] > g->q[best])
			best = c;
	}
	return best;
}

/* Score g->x with the model in use into g->pred (and q or score). */
static void
gen_score(struct gen *g)
{
	if (g->np != NULL)
		g->pred = gen_numpy_predict(g->centroids, g->cfg.classes,
		    g->cfg.features, g->x, g->dist, g->score);
	else
		g->pred = gen_predict(g);
}

/* A training row (batch < 0) or a row of batch b into g->x; its class. */
static int
gen_numpy_row(struct gen *g, long batch, long i)
{
	const double *x;
	int y;

	x = batch < 0 ? gen_numpy_train_row(g->np, i, &y) :
	    gen_numpy_batch_row(g->np, i, &y);
	memcpy(g->x, x, (size_t)g->cfg.features * sizeof *g->x);
	return y;
}

/* The largest score, as printed. */
static void
gen_emit_confidence(struct gen *g, struct emit *e)
{
	if (g->np != NULL)
		emit_g17(e, g->score[g->pred]);
	else
		emit_micro(e, g->q[g->pred]);
}

/*
 * Which values of this row go missing (r: the "missing" stream) and the
 * category logged for categorical_feature (cr: the "category" stream).
 */
static void
gen_draw_missing(struct gen *g, struct rng *r, struct rng *cr, long batch)
{
	const struct scn *s = g->cfg.scn;
	int j = s->missing_feature;

	if (s->cat_feature >= 0)
		g->cat = scn_cat_at(s, batch, rng_uniform(cr));
	if (j < 0)
		return;
	g->miss[j] = rng_uniform(r) < scn_missing_at(s, j, batch);
}

static void
gen_emit_vectors(struct gen *g, struct emit *e)
{
	int j;

	emit_str(e, "\"features\":[");
	for (j = 0; j < g->cfg.features; j++) {
		if (j > 0)
			emit_char(e, ',');
		if (g->miss[j])
			emit_str(e, "null");
		else if (j == g->cfg.scn->cat_feature) {
			emit_char(e, '"');
			emit_str(e, g->cat);
			emit_char(e, '"');
		}
		else if (g->np != NULL)
			emit_g17(e, g->x[j]);
		else
			emit_fixed6(e, g->x[j]);
	}
	emit_str(e, "],\"scores\":[");
	for (j = 0; j < g->cfg.classes; j++) {
		if (j > 0)
			emit_char(e, ',');
		if (g->np != NULL)
			emit_g17(e, g->score[j]);
		else
			emit_micro(e, g->q[j]);
	}
	emit_char(e, ']');
}

static void
gen_emit_schema(struct gen *g, struct emit *e)
{
	int i;

	emit_str(e, "{\"type\":\"schema\",\"feature_names\":[");
	for (i = 0; i < g->cfg.features; i++) {
		emit_str(e, i > 0 ? ",\"f" : "\"f");
		emit_long(e, i);
		emit_char(e, '"');
	}
	emit_str(e, "],\"class_names\":[");
	for (i = 0; i < g->cfg.classes; i++) {
		emit_str(e, i > 0 ? ",\"c" : "\"c");
		emit_long(e, i);
		emit_char(e, '"');
	}
	if (g->cfg.scn->cat_feature >= 0) {
		emit_str(e, "],\"feature_types\":[");
		for (i = 0; i < g->cfg.features; i++) {
			emit_str(e, i > 0 ? "," : "");
			emit_str(e, i == g->cfg.scn->cat_feature ?
			    "\"categorical\"" : "\"numeric\"");
		}
	}
	emit_str(e, "]}\n");
}

/* Draw the class means and fit the centroids (training pass 1). */
static int
gen_train(struct gen *g, char **cause)
{
	struct pmath_gauss gs;
	struct rng r;
	long *count, i;
	int c, j, y, nc = g->cfg.classes, nf = g->cfg.features;
	double *cent;

	gen_stream_seed(&r, g->cfg.seed, GEN_STREAM_MEANS, 0);
	pmath_gauss_init(&gs);
	for (c = 0; c < nc; c++) {
		for (j = 0; j < nf; j++) {
			g->means[(size_t)c * nf + j] =
			    g->cfg.scn->class_spread *
			    pmath_gauss_next(&gs, &r);
		}
	}

	count = xcalloc((size_t)nc, sizeof *count);
	gen_stream_seed(&r, g->cfg.seed, GEN_STREAM_TRAIN, 0);
	pmath_gauss_init(&gs);
	for (i = 0; i < g->cfg.reference_rows; i++) {
		y = gen_draw_row(g, &r, &gs, g->base_cum, NULL);
		cent = g->centroids + (size_t)y * nf;
		for (j = 0; j < nf; j++)
			cent[j] += g->x[j];
		count[y]++;
	}
	for (c = 0; c < nc; c++) {
		if (count[c] == 0) {
			*cause = xasprintf("class %d has no rows in the "
			    "%ld-row training set; give it a larger prior or "
			    "use more --reference-rows", c,
			    g->cfg.reference_rows);
			free(count);
			return -1;
		}
		cent = g->centroids + (size_t)c * nf;
		for (j = 0; j < nf; j++)
			cent[j] /= (double)count[c];
	}
	free(count);
	return 0;
}

/* Training pass 2: the same rows again, as reference records. */
static void
gen_emit_reference(struct gen *g, struct emit *e)
{
	struct pmath_gauss gs;
	struct rng r, mr, cr;
	long i;
	int y;

	gen_stream_seed(&r, g->cfg.seed, GEN_STREAM_TRAIN, 0);
	gen_stream_seed(&mr, g->cfg.seed, GEN_STREAM_MISSING, 0);
	gen_stream_seed(&cr, g->cfg.seed, GEN_STREAM_CATEGORY, 0);
	pmath_gauss_init(&gs);
	for (i = 0; i < g->cfg.reference_rows; i++) {
		if (g->np != NULL)
			y = gen_numpy_row(g, -1, i);
		else
			y = gen_draw_row(g, &r, &gs, g->base_cum, NULL);
		gen_score(g);
		gen_draw_missing(g, &mr, &cr, -1);
		emit_str(e, "{\"type\":\"reference\",");
		gen_emit_vectors(g, e);
		emit_str(e, ",\"predicted_class\":");
		emit_long(e, g->pred);
		emit_str(e, ",\"true_class\":");
		emit_long(e, y);
		emit_str(e, "}\n");
	}
}

static void
gen_emit_labels(struct gen *g, struct emit *e, long batch)
{
	const uint16_t *lab;
	long i;

	lab = g->ring + (size_t)(batch % g->nring) * g->cfg.batch_size;
	emit_str(e, "{\"type\":\"labels\",\"batch_id\":");
	emit_long(e, batch);
	emit_str(e, ",\"true_class\":[");
	for (i = 0; i < g->cfg.batch_size; i++) {
		if (i > 0)
			emit_char(e, ',');
		emit_long(e, lab[i]);
	}
	emit_str(e, "]}\n");
}

static double
gen_elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Hold the stream to cfg.rate rows/s: every tick rows, flush so the
 * reader sees them, then sleep until the tick's due time. A reader that
 * stalled us for more than a second resets the clock instead of getting
 * a burst to catch up.
 */
static int
gen_throttle(struct gen *g, struct emit *e)
{
	struct timespec due;
	double at, now;

	if (g->cfg.rate <= 0.0 || ++g->sent % g->tick != 0)
		return 0;
	if (emit_flush(e) != 0)
		return -1;
	at = (double)g->sent / g->cfg.rate;
	now = gen_elapsed(&g->t0);
	if (now > at + 1.0) {
		clock_gettime(CLOCK_MONOTONIC, &g->t0);
		g->sent = 0;
		return 0;
	}
	due = g->t0;
	due.tv_sec += (time_t)at;
	due.tv_nsec += (long)((at - (double)(time_t)at) * 1e9);
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL)
	    == EINTR)
		;
	return 0;
}

static int
gen_batch(struct gen *g, struct emit *e, long b)
{
	const struct scn *s = g->cfg.scn;
	const double *cum = g->base_cum;
	struct pmath_gauss gs;
	struct rng r, mr, cr;
	uint16_t *lab = NULL;
	double shift;
	long i;
	int j, y;

	if (s->prior_shift == SCN_PRIOR_STEP && b >= s->change_point)
		cum = g->after_cum;
	shift = scn_shift_at(s, b);
	for (j = 0; j < g->cfg.features; j++)
		g->shift[j] = scn_shifts_feature(s, j) ? shift : 0.0;
	if (g->ring != NULL)
		lab = g->ring + (size_t)(b % g->nring) * g->cfg.batch_size;

	gen_stream_seed(&r, g->cfg.seed, GEN_STREAM_BATCH, (uint64_t)b);
	gen_stream_seed(&mr, g->cfg.seed, GEN_STREAM_MISSING, (uint64_t)b + 1);
	gen_stream_seed(&cr, g->cfg.seed, GEN_STREAM_CATEGORY,
	    (uint64_t)b + 1);
	pmath_gauss_init(&gs);
	if (g->np != NULL)
		gen_numpy_draw_batch(g->np, b);
	for (i = 0; i < g->cfg.batch_size; i++) {
		if (g->np != NULL)
			y = gen_numpy_row(g, b, i);
		else
			y = gen_draw_row(g, &r, &gs, cum, g->shift);
		gen_score(g);
		gen_draw_missing(g, &mr, &cr, b);
		emit_str(e, "{\"batch_id\":");
		emit_long(e, b);
		emit_str(e, ",\"row_in_batch\":");
		emit_long(e, i);
		emit_char(e, ',');
		gen_emit_vectors(g, e);
		emit_str(e, ",\"predicted_class\":");
		emit_long(e, g->pred);
		emit_str(e, ",\"confidence\":");
		gen_emit_confidence(g, e);
		if (g->cfg.labels && g->cfg.label_delay == 0) {
			emit_str(e, ",\"true_class\":");
			emit_long(e, y);
		}
		emit_str(e, "}\n");
		if (lab != NULL)
			lab[i] = (uint16_t)y;
		if (gen_throttle(g, e) != 0)
			return -1;
	}
	if (g->cfg.end_batch) {
		emit_str(e, "{\"type\":\"end_batch\",\"batch_id\":");
		emit_long(e, b);
		emit_str(e, "}\n");
	}
	if (g->ring != NULL && b - g->cfg.label_delay >= g->cfg.first_batch)
		gen_emit_labels(g, e, b - g->cfg.label_delay);
	return emit_error(e) != 0 ? -1 : 0;
}

void
gen_config_init(struct gen_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->seed = 42;
	cfg->first_batch = 1;
	cfg->batches = 15;
	cfg->batch_size = 200;
	cfg->features = 5;
	cfg->classes = 3;
	cfg->reference_rows = 1000;
	cfg->label_delay = 0;
	cfg->labels = true;
	cfg->schema = true;
	cfg->end_batch = true;
	cfg->rate = 0.0;
	cfg->rng = GEN_RNG_MLMON;
	cfg->scn = NULL;
}

struct gen *
gen_create(const struct gen_config *cfg, char **cause)
{
	const struct scn *s = cfg->scn;
	struct gen *g;
	size_t nc = (size_t)cfg->classes, nf = (size_t)cfg->features;
	long pending;

	if (cfg->classes < 2 || cfg->classes > 65535 || cfg->features < 1 ||
	    cfg->batch_size < 1 || cfg->batches < 0 ||
	    cfg->reference_rows < 1 || cfg->label_delay < 0 ||
	    cfg->first_batch < 0) {
		*cause = xstrdup("generator configuration out of range");
		return NULL;
	}
	if (scn_check(s, cfg->features, cfg->classes, cause) != 0)
		return NULL;
	g = xcalloc(1, sizeof *g);
	g->cfg = *cfg;
	g->means = xcalloc(nc * nf, sizeof *g->means);
	g->centroids = xcalloc(nc * nf, sizeof *g->centroids);
	g->base_cum = xcalloc(nc, sizeof *g->base_cum);
	g->after_cum = xcalloc(nc, sizeof *g->after_cum);
	g->shift = xcalloc(nf, sizeof *g->shift);
	g->x = xcalloc(nf, sizeof *g->x);
	g->miss = xcalloc(nf, sizeof *g->miss);
	g->dist = xcalloc(nc, sizeof *g->dist);
	g->q = xcalloc(nc, sizeof *g->q);
	g->score = xcalloc(nc, sizeof *g->score);
	g->post = xcalloc(nc, sizeof *g->post);
	g->logprior = xcalloc(nc, sizeof *g->logprior);
	for (size_t c = 0; c < nc; c++)
		g->logprior[c] = log(s->priors != NULL ? s->priors[c] :
		    1.0 / (double)nc);
	gen_cumulate(g->base_cum, s->priors, cfg->classes);
	gen_cumulate(g->after_cum,
	    s->after_priors != NULL ? s->after_priors : s->priors,
	    cfg->classes);
	if (cfg->labels && cfg->label_delay > 0 && cfg->batches > 0) {
		pending = cfg->label_delay < cfg->batches ?
		    cfg->label_delay : cfg->batches;
		g->nring = pending + 1;
		g->ring = xcalloc((size_t)g->nring * (size_t)cfg->batch_size,
		    sizeof *g->ring);
	}
	if (cfg->rate > 0.0) {
		g->tick = (uint64_t)(cfg->rate / GEN_TICKS);
		if (g->tick == 0)
			g->tick = 1;
	}
	if (cfg->rng == GEN_RNG_NUMPY &&
	    (s->have & (SCN_HAVE_CLASS_SPREAD | SCN_HAVE_TRUE_CLASS))) {
		*cause = xstrdup("class_spread and true_class are mlmon-gen's "
		    "own keys: generators.py has neither, so --rng numpy "
		    "cannot draw them");
		gen_destroy(g);
		return NULL;
	}
	if (cfg->rng == GEN_RNG_NUMPY) {
		g->np = gen_numpy_create(cfg, g->means, g->centroids, cause);
		if (g->np == NULL) {
			gen_destroy(g);
			return NULL;
		}
	} else if (gen_train(g, cause) != 0) {
		gen_destroy(g);
		return NULL;
	}
	return g;
}

void
gen_destroy(struct gen *g)
{
	if (g == NULL)
		return;
	free(g->means);
	free(g->centroids);
	free(g->base_cum);
	free(g->after_cum);
	free(g->shift);
	free(g->x);
	free(g->miss);
	free(g->dist);
	free(g->q);
	free(g->score);
	free(g->post);
	free(g->logprior);
	gen_numpy_destroy(g->np);
	free(g->ring);
	free(g);
}

int
gen_run(struct gen *g, struct emit *e)
{
	long b, last = g->cfg.first_batch + g->cfg.batches - 1, from;

	if (g->cfg.schema)
		gen_emit_schema(g, e);
	gen_emit_reference(g, e);
	if (emit_flush(e) != 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &g->t0);
	g->sent = 0;
	for (b = g->cfg.first_batch; b <= last; b++) {
		if (gen_batch(g, e, b) != 0)
			return -1;
	}
	if (g->ring != NULL) {
		/* Labels still due after the last batch, oldest first. */
		from = last - g->cfg.label_delay + 1;
		if (from < g->cfg.first_batch)
			from = g->cfg.first_batch;
		for (b = from; b <= last; b++)
			gen_emit_labels(g, e, b);
	}
	return emit_flush(e);
}

double
gen_class_mean(const struct gen *g, int c, int j)
{
	return g->means[(size_t)c * g->cfg.features + j];
}

double
gen_centroid(const struct gen *g, int c, int j)
{
	return g->centroids[(size_t)c * g->cfg.features + j];
}
