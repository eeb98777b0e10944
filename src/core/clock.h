/*
 * The two clocks every binary reads, in seconds as doubles: the wall
 * clock (unix time, for what is stored and shown) and the monotonic one
 * (for intervals, timeouts and pacing, which must not jump with the
 * system time). One helper instead of a copy per file.
 */
#ifndef MLMON_CORE_CLOCK_H
#define MLMON_CORE_CLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* CLOCK_REALTIME: unix seconds. */
double	clock_wall(void);
/* CLOCK_MONOTONIC: seconds from an arbitrary start. */
double	clock_mono(void);
/*
 * Unix seconds t by strftime's fmt, in UTC or local time, into buf
 * (the whole seconds when it cannot be formatted). Returns buf.
 */
const char *clock_format(double t, bool utc, const char *fmt, char *buf,
	    size_t size);

#endif
