/*
 * A stop asked for from outside (ingest's SIGINT/SIGTERM handler), polled
 * by long work so that it ends within a second: the MMD permutation test,
 * lock waits, deliveries. One flag per process and the monotonic time it
 * was raised; raising it is async-signal-safe.
 */
#ifndef MLMON_CORE_STOP_H
#define MLMON_CORE_STOP_H

#include <stdbool.h>
#include <stdint.h>

/* Raise the flag (the first call notes the time). Async-signal-safe. */
void	stop_request(void);
bool	stop_requested(void);
/* Milliseconds since the first stop_request(); -1 when none was made. */
int64_t	stop_elapsed_ms(void);

#endif
