/*
 * Signal handling of mlmon-ingest (signals.h). Everything the handlers do
 * is async-signal-safe: an atomic flag and clock read (stop_request), a
 * write to a non-blocking pipe, timer_settime, and for the watchdog a
 * message formatted by hand into a static buffer, write(2) and _exit.
 */
#include "ingest/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/stop.h"
#include "core/xalloc.h"

static int			 signals_pipe[2] = { -1, -1 };
static timer_t			 signals_timer;
static atomic_bool		 signals_armed;
static _Atomic uint_least64_t	 signals_line = 1;
static char			 signals_source[256];

/* Append the decimal digits of v to buf at *o (cap bytes in all). */
static void
signals_put_u64(char *buf, size_t cap, size_t *o, uint64_t v)
{
	char	digits[24];
	size_t	n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0 && *o < cap)
		buf[(*o)++] = digits[--n];
}

static void
signals_put(char *buf, size_t cap, size_t *o, const char *s)
{
	while (*s != '\0' && *o < cap)
		buf[(*o)++] = *s++;
}

/* The watchdog: the stop did not finish in time. */
static void
signals_on_alarm(int sig)
{
	static char	buf[512];
	size_t		o = 0;

	(void)sig;
	signals_put(buf, sizeof buf, &o, "mlmon-ingest: interrupted: could "
	    "not stop cleanly within 1 s; input from line ");
	signals_put_u64(buf, sizeof buf, &o, atomic_load(&signals_line));
	signals_put(buf, sizeof buf, &o, " of ");
	signals_put(buf, sizeof buf, &o, signals_source);
	signals_put(buf, sizeof buf, &o, " on may not be committed: send "
	    "it again (rows already stored are skipped as replays)\n");
	(void)write(STDERR_FILENO, buf, o);
	_exit(1);
}

static void
signals_on_stop(int sig)
{
	struct itimerspec	its;
	int			saved = errno;

	(void)sig;
	stop_request();
	if (!atomic_exchange(&signals_armed, true)) {
		memset(&its, 0, sizeof its);
		its.it_value.tv_sec = SIGNALS_GRACE_MS / 1000;
		its.it_value.tv_nsec = (long)(SIGNALS_GRACE_MS % 1000) *
		    1000000L;
		timer_settime(signals_timer, 0, &its, NULL);
	}
	(void)write(signals_pipe[1], "s", 1);
	errno = saved;
}

void
signals_note(uint64_t first_uncommitted)
{
	atomic_store_explicit(&signals_line, first_uncommitted,
	    memory_order_relaxed);
}

int
signals_init(const char *source, char **cause)
{
	struct sigaction	sa;
	struct sigevent		sev;
	int			i;

	snprintf(signals_source, sizeof signals_source, "%s", source);
	if (pipe(signals_pipe) == -1) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fcntl(signals_pipe[i], F_SETFD, FD_CLOEXEC);
		fcntl(signals_pipe[i], F_SETFL, O_NONBLOCK);
	}
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (timer_create(CLOCK_MONOTONIC, &sev, &signals_timer) == -1) {
		*cause = xasprintf("timer_create: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	/* No SA_RESTART: a signal ends poll() and sleeps at once. */
	sa.sa_handler = signals_on_stop;
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return signals_pipe[0];
}
