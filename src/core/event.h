/*
 * A prediction event's key as a producer sends it: its id and its event
 * time (docs/PROTOCOL.md, "id" and "ts").
 *
 * Event time is kept as whole microseconds since 1970-01-01T00:00:00Z in
 * an int64_t, from EVENT_TS_MIN (the epoch) to EVENT_TS_MAX (the last
 * microsecond of 9999-12-31 UTC). A time with more precision is cut
 * towards the past, so floor(ts / d) is the same whether taken from the
 * sent value or from the stored microseconds (for any whole-microsecond
 * d). Times before 1970 are refused: batch ids are never negative.
 *
 * Parsing works on the exact text (never through a double), so two
 * producers that send the same text always get the same microsecond.
 */
#ifndef MLMON_CORE_EVENT_H
#define MLMON_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_TS_MIN	INT64_C(0)
#define EVENT_TS_MAX	INT64_C(253402300799999999)
#define EVENT_US	INT64_C(1000000)	/* microseconds per second */
#define EVENT_ID_MAX	128			/* bytes of a string id */

/*
 * An RFC 3339 date-time with a zone: 2026-12-06T07:12:10Z,
 * 2026-12-06t09:12:10.25+02:00 (T, t or one space between date and time,
 * Z or z or +HH:MM / -HH:MM, any number of fraction digits). Second 60
 * is taken only at 23:59:60 UTC, as 23:59:59.999999. Writes *us only on
 * success; else *cause (caller frees) says what is wrong, starting "ts".
 */
bool	event_ts_from_text(const char *s, size_t len, int64_t *us,
	    char **cause);
/*
 * Unix seconds as a JSON number token (1765005130, 1765005130.25,
 * 1.76500513e9). Same contract as event_ts_from_text.
 */
bool	event_ts_from_number(const char *tok, size_t len, int64_t *us,
	    char **cause);
/* Writes "YYYY-mm-dd HH:MM" (UTC) of us into out[17]. */
void	event_ts_minute(int64_t us, char out[17]);

/*
 * A string id: 1..EVENT_ID_MAX bytes (already valid UTF-8) without
 * U+0000. False with *cause (caller frees) starting "id".
 */
bool	event_id_check_text(const char *s, size_t len, char **cause);
/*
 * An integer id from a JSON number token: 0..INT64_MAX written as an
 * integer (1.0, 1e3 and -1 are not ids). Writes *id only on success.
 */
bool	event_id_from_number(const char *tok, size_t len, int64_t *id,
	    char **cause);

#endif
