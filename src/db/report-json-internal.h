/*
 * The encoding and decoding helpers of report-json.c shared with the
 * files that encode the other report types (report-json-estimate.c): one
 * number printer, one JSON parser of untrusted payloads, one way to read
 * a key. Only src/db/report-json*.c include this header.
 */
#ifndef MLMON_DB_REPORT_JSON_INTERNAL_H
#define MLMON_DB_REPORT_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/strbuf.h"

#define JSON_LIT(b, lit)	strbuf_add((b), (lit), sizeof(lit) - 1)

/* A JSON string literal of s: store_json_string (store-internal.h). */
/* "key": after a comma unless it is the first member. */
void	 json_key(struct strbuf *b, bool *first, const char *key);
/* Exact shortest double, null for NaN. */
void	 json_number(struct strbuf *b, double v);
void	 json_count(struct strbuf *b, uint64_t v);
void	 json_bool(struct strbuf *b, bool v);

/* Parse a whole JSON object; NULL and *cause if not exactly that. */
cJSON	*json_parse(const char *text, size_t len, const char *what,
	    char **cause);
/* A number or null (NaN). Missing: NaN unless required. */
int	 get_double(const cJSON *o, const char *key, bool required,
	    double *out, char **cause);
int	 get_bool(const cJSON *o, const char *key, bool *out, char **cause);
/* A count in 0..2^53. Missing: 0 unless required. */
int	 get_count(const cJSON *o, const char *key, bool required,
	    uint64_t *out, char **cause);
/* Prefix a decoder's cause with the report type; frees the old cause. */
void	 decode_fail(const char *what, char **cause);

#endif
