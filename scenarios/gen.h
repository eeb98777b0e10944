/*
 * The mlmon-gen stream: a synthetic classification problem, a
 * nearest-centroid model trained on it, and a scenario that shifts the
 * class means or the class priors batch by batch. gen_run writes the
 * whole NDJSON stream (docs/PROTOCOL.md) in constant memory.
 */
#ifndef MLMON_SCENARIOS_GEN_H
#define MLMON_SCENARIOS_GEN_H

#include <stdbool.h>
#include <stdint.h>

struct emit;
struct scn;
struct gen;

/* Which random generator draws the stream. */
enum gen_rng {
	GEN_RNG_MLMON,		/* xoshiro256**, batch by batch (default) */
	GEN_RNG_NUMPY,		/* numpy's, as the seed repository draws */
};

struct gen_config {
	enum gen_rng	 rng;
	uint64_t	 seed;
	long		 first_batch;	/* id of the first batch (1) */
	long		 batches;	/* how many batches */
	long		 batch_size;	/* rows per batch */
	int		 features;
	int		 classes;
	long		 reference_rows; /* training set size (1000) */
	long		 label_delay;	/* 0 = true_class inline */
	bool		 labels;	/* false = no ground truth at all */
	bool		 schema;	/* emit the schema record first */
	bool		 end_batch;	/* end_batch after each batch */
	double		 rate;		/* prediction rows/s, 0: no limit */
	const struct scn *scn;		/* borrowed; outlives the gen */
};

/* Defaults of every field but scn. */
void		 gen_config_init(struct gen_config *cfg);
/* Draw the class means and train the model. NULL and *cause on error. */
struct gen	*gen_create(const struct gen_config *cfg, char **cause);
void		 gen_destroy(struct gen *g);
/* Write the stream. -1 when the output failed (see emit_error). */
int		 gen_run(struct gen *g, struct emit *e);

/* The true mean of class c, feature j (before any shift). */
double		 gen_class_mean(const struct gen *g, int c, int j);
/* The model's centroid of class c, feature j. */
double		 gen_centroid(const struct gen *g, int c, int j);

#endif
