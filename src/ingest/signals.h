/*
 * SIGINT and SIGTERM for mlmon-ingest. The handler raises the stop flag
 * (core/stop.h: long work polls it and ends), wakes the poll loop through
 * a pipe, and starts a watchdog: if the process has not exited
 * SIGNALS_GRACE_MS after the first signal, the watchdog writes which
 * input lines may not be committed and exits 1 at once.
 */
#ifndef MLMON_INGEST_SIGNALS_H
#define MLMON_INGEST_SIGNALS_H

#include <stdint.h>

#define SIGNALS_GRACE_MS	900

/*
 * Install the handlers; source names the input in the watchdog's message.
 * Returns the fd the poll loop watches (readable once a signal came), or
 * -1 (*cause set) when they could not be installed.
 */
int	signals_init(const char *source, char **cause);
/* The first input line whose work is not committed (for the watchdog). */
void	signals_note(uint64_t first_uncommitted);

#endif
