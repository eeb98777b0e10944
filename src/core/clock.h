/*
 * The two clocks every binary reads, in seconds as doubles: the wall
 * clock (unix time, for what is stored and shown) and the monotonic one
 * (for intervals, timeouts and pacing, which must not jump with the
 * system time). One helper instead of a copy per file.
 */
#ifndef MLMON_CORE_CLOCK_H
#define MLMON_CORE_CLOCK_H

/* CLOCK_REALTIME: unix seconds. */
double	clock_wall(void);
/* CLOCK_MONOTONIC: seconds from an arbitrary start. */
double	clock_mono(void);

#endif
