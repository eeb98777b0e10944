/*
 * Exact, locale-independent text encoding of the numbers in serialised
 * detector state (DDM, ADWIN). Doubles are written as C99 hex floats
 * ("0x1.999999999999ap-4", "-0x0p+0", "inf") by hand rather than with
 * printf("%a"), because %a and strtod follow LC_NUMERIC's radix
 * character; the parser accepts exactly what the formatter writes (and
 * glibc's %a form) and nothing else, so it is safe on untrusted text.
 */
#ifndef MLMON_CORE_CODEC_H
#define MLMON_CORE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffer size for one formatted double. */
#define CODEC_DOUBLE_MAX	32

struct strbuf;

/* Append the exact hex form of v (codec_format_double) to b. */
void	codec_put_double(struct strbuf *b, double v);

/* Exact hex form of v (NaN is written as "nan" but never parsed). */
void	codec_format_double(double v, char out[CODEC_DOUBLE_MAX]);

/*
 * Parsers advance *s past what they read and write *out only on success.
 * codec_parse_double rejects NaN.
 */
bool	codec_parse_double(const char **s, double *out);
bool	codec_parse_u64(const char **s, uint64_t *out);
/* Skip the literal text lit, which must be there. */
bool	codec_expect(const char **s, const char *lit);

#endif
