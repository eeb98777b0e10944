/*
 * The stop flag: a lock-free atomic raised by a signal handler and read
 * by loops that may run for long. The time of the first request is kept
 * in milliseconds of CLOCK_MONOTONIC (clock_gettime is async-signal-safe).
 */
#include "core/stop.h"

#include <stdatomic.h>
#include <time.h>

static atomic_bool		stop_flag;
static _Atomic int_least64_t	stop_at_ms = -1;

static int64_t
stop_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
