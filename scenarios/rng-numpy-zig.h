/*
 * The constants of numpy's 256-layer ziggurat for the standard normal
 * (Marsaglia and Tsang, "The Ziggurat Method for Generating Random
 * Variables", 2000, in the layout numpy uses). Layer 0 is the base strip
 * with the tail beyond R; layer i > 0 is a rectangle of half-width
 * w[i] * 2^52 whose top edge has density f[i]. A 52-bit abscissa m is
 * inside the layer's rectangle, with no wedge test, when m < k[i].
 */
#ifndef MLMON_SCENARIOS_RNG_NUMPY_ZIG_H
#define MLMON_SCENARIOS_RNG_NUMPY_ZIG_H

#include <stdint.h>

/* Where the tail starts (3.6541528853610088), and 1 / R. */
#define RNG_NUMPY_ZIG_R		0x1.d3bb48209ad33p+1
#define RNG_NUMPY_ZIG_INV_R	0x1.183aa6c20e8c1p-2

extern const uint64_t	rng_numpy_zig_k[256];	/* rectangle bounds */
extern const double	rng_numpy_zig_w[256];	/* abscissa scale */
extern const double	rng_numpy_zig_f[256];	/* density at tops */

#endif
