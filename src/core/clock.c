/* The wall and monotonic clocks, and times as text (see clock.h). */
#include "clock.h"

#include <stdio.h>
#include <time.h>

static double
clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
clock_wall(void)
{
	return clock_read(CLOCK_REALTIME);
}

double
clock_mono(void)
{
	return clock_read(CLOCK_MONOTONIC);
}

const char *
clock_format(double t, bool utc, const char *fmt, char *buf, size_t size)
{
	struct tm tm;
	time_t s = (time_t)t;

	if ((utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm)) == NULL ||
	    strftime(buf, size, fmt, &tm) == 0)
		snprintf(buf, size, "%.0f", t);
	return buf;
}
