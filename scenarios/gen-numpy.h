/*
 * mlmon-gen --rng numpy: the seed repository's data/generators.py and
 * its nearest-centroid model, draw for draw (rng-numpy.h). One generator
 * seeded with the seed draws the class means (N(0, 3^2), class by class);
 * a second one with the same seed draws the training set and then every
 * batch in order, each as all its labels first, then the rows' features.
 * So, unlike the default generator, batch b depends on every batch before
 * it, and the training set and one batch are kept in memory.
 */
#ifndef MLMON_SCENARIOS_GEN_NUMPY_H
#define MLMON_SCENARIOS_GEN_NUMPY_H

struct gen_config;
struct gen_numpy;

/*
 * Draw the class means into means and the training set, and fit the
 * centroids into centroids (both classes x features). NULL and *cause
 * when a class has no training rows.
 */
struct gen_numpy *gen_numpy_create(const struct gen_config *cfg,
		    double *means, double *centroids, char **cause);
void		 gen_numpy_destroy(struct gen_numpy *np);
/* Training row i (borrowed) and its class in *y. */
const double	*gen_numpy_train_row(const struct gen_numpy *np, long i,
		    int *y);
/* Draw batch b: the scenario's mean shift and priors at b. */
void		 gen_numpy_draw_batch(struct gen_numpy *np, long b);
/* Row i of the last batch drawn (borrowed) and its class in *y. */
const double	*gen_numpy_batch_row(const struct gen_numpy *np, long i,
		    int *y);
/*
 * The model on x: scores[c] = softmax(-||x - centroid c||) as the seed's
 * benchmark computes it; returns the nearest class (first on a tie).
 * dist is scratch of classes doubles.
 */
int		 gen_numpy_predict(const double *centroids, int classes,
		    int features, const double *x, double *dist,
		    double *scores);

#endif
