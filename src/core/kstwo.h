/*
 * The two-sided one-sample Kolmogorov distribution of size n
 * (scipy.stats.kstwo), for the asymptotic p-value of the two-sample KS
 * test (drift-ks.c).
 */
#ifndef MLMON_CORE_KSTWO_H
#define MLMON_CORE_KSTWO_H

/* kstwo.sf(x, n) = P(D_n > x), in [0, 1]. */
double	kstwo_sf(int n, double x);

#endif
