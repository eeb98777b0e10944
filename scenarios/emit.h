/*
 * Buffered NDJSON output for mlmon-gen: one big buffer written with
 * write(2), and number formatting that is the same on every platform and
 * faster than printf. A write error is sticky: later output is dropped
 * and emit_error() reports the first errno (EPIPE when the reader left).
 */
#ifndef MLMON_SCENARIOS_EMIT_H
#define MLMON_SCENARIOS_EMIT_H

#include <stddef.h>
#include <stdint.h>

struct emit {
	int	 fd;
	char	*buf;
	size_t	 len;		/* bytes waiting in buf */
	size_t	 cap;
	int	 error;		/* first write errno, 0 if none */
};

void	emit_init(struct emit *e, int fd, size_t cap);
/* Flush, then free the buffer. Returns the sticky error (0 if none). */
int	emit_finish(struct emit *e);
/* Write out what is buffered. Returns 0 or -1 (see emit_error). */
int	emit_flush(struct emit *e);
int	emit_error(const struct emit *e);

void	emit_str(struct emit *e, const char *s);
void	emit_mem(struct emit *e, const char *s, size_t n);
void	emit_char(struct emit *e, char c);
void	emit_long(struct emit *e, long long v);
/* Fixed point with 6 decimals, rounded half away from zero: "-1.250000". */
void	emit_fixed6(struct emit *e, double x);
/*
 * x with 17 significant digits ("%.17g"): enough to read back the same
 * double. Used by --rng numpy; x must be finite.
 */
void	emit_g17(struct emit *e, double x);
/* A count of millionths in [0, 1000000] as "0.123456" or "1.000000". */
void	emit_micro(struct emit *e, uint32_t micro);

/*
 * Format x like emit_fixed6 into buf (at least 32 bytes), NUL-terminated.
 * Returns the length. Exposed for the tests.
 */
size_t	emit_format_fixed6(char *buf, double x);

#endif
