/*
 * The one cleaner for untrusted text (feature, class and model names from
 * NDJSON, file names from the command line, bodies from a remote server)
 * on its way to a terminal, a log line or a message. Output is valid UTF-8
 * with no control character (C0, DEL, C1) and no bidi override or mark:
 * tab, CR and LF become a space, other controls are dropped, each invalid
 * byte becomes U+FFFD. Cuts land on a character boundary.
 */
#ifndef MLMON_CORE_SANITIZE_H
#define MLMON_CORE_SANITIZE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the valid UTF-8 sequence at s (1..4, at most left), 0 if
 * malformed (overlong, surrogate, truncated, > U+10FFFF). */
size_t	 sanitize_decode(const unsigned char *s, size_t left, uint32_t *cp);
/* s[0..len) is well-formed UTF-8 (no overlong, surrogate, > U+10FFFF);
 * ASCII is checked eight bytes at a time. */
bool	 sanitize_valid(const unsigned char *s, size_t len);
/* Bytes written to out (1..4) for code point c. */
size_t	 sanitize_encode(uint32_t c, char *out);
/* True for code points that must never reach a terminal. */
bool	 sanitize_is_control(uint32_t c);
/*
 * Clean in (NULL reads as "") into out, at most size - 1 bytes and a NUL
 * (size > 0). Returns the bytes written.
 */
size_t	 sanitize_into(const char *in, char *out, size_t size);
/*
 * Caller frees. in cleaned, at most max bytes (max >= 4), ended with
 * "..." when cut.
 */
char	*sanitize_dup(const char *in, size_t max);
/*
 * Caller frees. The printf-style message, cleaned as a whole (no cut):
 * what every binary writes to a terminal or a log goes through here, so
 * a name or path quoted anywhere in it arrives clean.
 */
char	*sanitize_vformat(const char *fmt, va_list ap)
	    __attribute__((format(printf, 1, 0)));
/* "prog: <the message, cleaned>" as one line on stderr (a binary's say). */
void	 sanitize_say(const char *prog, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
/* Length of the longest prefix of s, at most max bytes, ending on a
 * UTF-8 character boundary. */
size_t	 sanitize_cut(const char *s, size_t max);

#endif
