/*
 * Hooks of the alert engine for tests (tests/alert): the wall clock that
 * dates decisions and drives repeat intervals and next attempts. The
 * delivery round's own deadline always uses CLOCK_MONOTONIC.
 */
#ifndef MLMON_ALERT_ENGINE_H
#define MLMON_ALERT_ENGINE_H

struct alert_engine;

/* Unix seconds from clock(arg) instead of the real time; NULL resets. */
void	alert_engine_set_clock(struct alert_engine *e,
	    double (*clock)(void *), void *arg);

#endif
