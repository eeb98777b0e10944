/*
 * What the monitor suite's files share (core-monitor: test-monitor.c, the
 * feature monitor and the suite; test-monitor-outputs.c, the prediction
 * and performance monitors and the detectors): seed-like synthetic data
 * (standard normal features, 3 classes, batches of 200 rows against a
 * 1000-row reference) built with mlmon's own rng.
 */
#ifndef MLMON_TESTS_CORE_MONITOR_TEST_H
#define MLMON_TESTS_CORE_MONITOR_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/monitor.h"

#define NF	5
#define NREF	1000
#define NB	200
#define K	3

struct data {
	size_t	 n;
	double	 x[NREF * NF];
	int	 pred[NREF];
	int	 truth[NREF];
	double	 conf[NREF];
};

/* Class priors: even, and one class at 0.7. */
extern const double even[K];
extern const double skewed[K];
/* The reference's rows (make_ref) and a batch's, for any test to fill. */
extern struct data refd, bat;

/*
 * n rows: features N(shift, 1); predicted class from prior; the truth
 * equals the prediction with probability acc, else the next class.
 */
void	gen(struct data *d, uint64_t seed, size_t n, double shift,
	    const double *prior, double acc, double conf_lo);
/* The reference of NREF even rows into refd, with labels or without. */
void	make_ref(struct monitor_reference *ref, bool labels);
/* d as batch id, with its labels or without. */
struct monitor_batch batch_of(const struct data *d, int64_t id,
	    bool labels);

/* The output monitors' and detectors' cases into tc. */
void	monitor_output_tests(TCase *tc);

#endif
