/*
 * The stop flag: a lock-free atomic raised by a signal handler and read
 * by loops that may run for long. The time of the first request is kept
 * in milliseconds of CLOCK_MONOTONIC (clock_gettime is async-signal-safe).
 */
#include "core/stop.h"

#include <stdatomic.h>
#include <stdint.h>

#include "core/clock.h"

static atomic_bool		stop_flag;
static _Atomic int_least64_t	stop_at_ms = -1;

/* clock_mono is clock_gettime: async-signal-safe, callable from here. */
static int64_t
stop_now_ms(void)
{
	return (int64_t)(clock_mono() * 1000.0);
}

void
stop_request(void)
{
	int_least64_t	none = -1;

	atomic_compare_exchange_strong(&stop_at_ms, &none, stop_now_ms());
	atomic_store(&stop_flag, true);
}

bool
stop_requested(void)
{
	return atomic_load_explicit(&stop_flag, memory_order_relaxed);
}

int64_t
stop_elapsed_ms(void)
{
	int_least64_t	at = atomic_load(&stop_at_ms);

	return at < 0 ? -1 : stop_now_ms() - at;
}
