/*
 * The encoding and decoding helpers (report-json-util.c) shared by the
 * payload files: report-json-feature.c (feature reports),
 * report-json-cat.c (the categorical block of a feature report),
 * report-json.c (prediction, performance, detectors) and
 * report-json-estimate.c: one number printer,
 * one JSON parser of untrusted payloads, one way to read a key. Only
 * src/db/report-json*.c include this header.
 */
#ifndef MLMON_DB_REPORT_JSON_INTERNAL_H
#define MLMON_DB_REPORT_JSON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/strbuf.h"

#define JSON_LIT(b, lit)	strbuf_add((b), (lit), sizeof(lit) - 1)
#define COUNT_MAX	9007199254740992.0	/* 2^53: exact in a double */

/*
 * A payload's usual size, reserved before it is written (a longer one
 * still grows): each report of the bench stream (5 features, 3 classes)
 * fits without a reallocation, instead of seven to nine doublings from
 * an empty buffer.
 */
#define JSON_ROOM_FEATURE(nf)		(512 + 384 * (size_t)(nf))
#define JSON_ROOM_PREDICTION(nc)	(512 + 48 * (size_t)(nc))
#define JSON_ROOM_PERFORMANCE(nc)	(1024 + 32 * (size_t)(nc) * (size_t)(nc))
#define JSON_ROOM_ESTIMATE		640
#define JSON_ROOM_DETECTORS		320

/* A JSON string literal of s: store_json_string (store-internal.h). */
/* "key": after a comma unless it is the first member. */
void	 json_key(struct strbuf *b, bool *first, const char *key);
/* Exact shortest double, null for NaN. */
void	 json_number(struct strbuf *b, double v);
void	 json_count(struct strbuf *b, uint64_t v);
void	 json_bool(struct strbuf *b, bool v);
/* "key":value, one member: json_key and the value's writer above. */
void	 json_member_number(struct strbuf *b, bool *first, const char *key,
	    double v);
void	 json_member_count(struct strbuf *b, bool *first, const char *key,
	    uint64_t v);
void	 json_member_bool(struct strbuf *b, bool *first, const char *key,
	    bool v);
void	 json_member_string(struct strbuf *b, bool *first, const char *key,
	    const char *s);

/* The member key of o, or NULL. */
const cJSON *get(const cJSON *o, const char *key);
/* A number or null (NaN). Missing: NaN unless required. */
int	 get_double(const cJSON *o, const char *key, bool required,
	    double *out, char **cause);
int	 get_bool(const cJSON *o, const char *key, bool *out, char **cause);
/* The count it (an integral number in 0..2^53) into *out. */
int	 item_count(const cJSON *it, const char *key, uint64_t *out,
	    char **cause);
/* Index of name in names (hint tried first), or -1. */
long	 name_index(char *const *names, size_t n, const char *name,
	    size_t hint);
/* A count in 0..2^53. Missing: 0 unless required. */
int	 get_count(const cJSON *o, const char *key, bool required,
	    uint64_t *out, char **cause);

struct store_schema;
/* The schema names a payload needs are there; false with *cause. */
bool	 schema_usable(const struct store_schema *sc, char **cause);

/* One report type's decoder: the body json_decode runs on the tree. */
struct json_decoder {
	const char	*what;		/* report type, starts each cause */
	bool		 named;		/* reads sc's names: schema_usable */
	/* The report of root into *out (written only on success). */
	int		(*body)(const cJSON *root,
			    const struct store_schema *sc, void *out,
			    char **cause);
};
/*
 * A payload through d: parsed as one JSON object (after schema_usable
 * when d reads names), d's body run on it, the tree freed; the body's
 * cause prefixed with the report type. 0 or -1 and *cause.
 */
int	 json_decode(const struct json_decoder *d, const char *text,
	    size_t len, const struct store_schema *sc, void *out,
	    char **cause);
/*
 * An object {name: value} with exactly one entry per name. Values are
 * numbers or null (doubles) when v is set, else counts into c. Missing
 * (when not required): NaN or 0 everywhere.
 */
int	 get_name_map(const cJSON *o, const char *key, char *const *names,
	    size_t n, bool required, double *v, uint64_t *c, char **cause);
/*
 * The calibrated policy's two numbers of a report (monitor-judge.h), when
 * it says "policy"; NaN otherwise.
 */
int	 get_calibrated(const cJSON *o, bool *calibrated, const char *k1,
	    double *v1, const char *k2, double *v2, char **cause);

#endif
