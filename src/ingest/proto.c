/*
 * A hand-written parser for one NDJSON protocol line.
 *
 * The line is first checked to be UTF-8 (so string contents can be copied
 * byte for byte), then walked once by a recursive-descent JSON parser that
 * knows the protocol's keys. Known keys are decoded into the parser's
 * buffers as they are met; unknown keys have their values validated and
 * skipped (nesting bounded by PROTO_MAX_DEPTH). Only after the closing
 * brace, when "type" is known, are the fields checked against the kind.
 *
 * Buffers: text holds, from its start, the compact JSON of the arrays and
 * the decoded schema names; its size is at least 2 * len + 64 so that the
 * outputs (never longer than their source) fit in the first half and a
 * long number token can be copied, NUL-terminated, at its end for strtod.
 *
 * This file holds the entry and the fast path (the common compact
 * prediction line, matched byte for byte); the general parser is
 * proto-record.c (members and kinds) over proto-value.c (each key's value)
 * over proto-lex.c (strings, skipped values), sharing the hot lexer of
 * proto-internal.h.
 */
#include "ingest/proto.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "ingest/proto-internal.h"

/*
 * Fast path: an optional leading "model":"NAME", (plain name bytes only;
 * anything else is left to the general parser).
 */
static bool
fast_model(struct ctx *c)
{
	size_t	start = c->pos, n;

	while (c->pos < c->len && c->s[c->pos] != '"')
		c->pos++;
	n = c->pos - start;
	if (c->pos >= c->len || !model_name_check(c->s + start, n, NULL, 0))
		return false;
	memcpy(c->p->model, c->s + start, n);
	c->p->model[n] = '\0';
	c->r->model = c->p->model;
	c->seen |= BIT(KEY_MODEL);
	c->pos++;
	return true;
}

/* Match the literal lit at pos and step over it. */
static bool
fast_lit(struct ctx *c, const char *lit, size_t n)
{
	if (c->len - c->pos < n || memcmp(c->s + c->pos, lit, n) != 0)
		return false;
	c->pos += n;
	return true;
}

#define FAST_LIT(c, lit)	fast_lit((c), (lit), sizeof(lit) - 1)

/*
 * A non-negative integer token up to max; false leaves it to the slow
 * path. With 20 bytes left the token's end is within reach (19 digits
 * are refused), so the digits are read without a length check each.
 */
static bool
fast_index(struct ctx *c, int64_t max, int64_t *out)
{
	const char	*s = c->s + c->pos, *e = c->s + c->len, *q;
	uint64_t	 v;
	unsigned	 d;

	if (s >= e || (v = (unsigned char)*s - (unsigned)'0') > 9)
		return false;
	q = s + 1;
	if (e - s >= 20) {
		if (v != 0)
			while ((d = (unsigned char)*q - (unsigned)'0') <= 9) {
				if (q - s >= 18)
					return false;
				v = v * 10 + d;
				q++;
			}
	} else if (v != 0)
		for (; q < e && *q >= '0' && *q <= '9'; q++) {
			if (q - s >= 18)
				return false;
			v = v * 10 + (uint64_t)(*q - '0');
		}
	if (q < e && (*q == '.' || *q == 'e' || *q == 'E' ||
	    (*q >= '0' && *q <= '9')))
		return false;
	if (v > (uint64_t)max)
		return false;
	c->pos = (size_t)(q - c->s);
	*out = (int64_t)v;
	return true;
}

/* A compact array of finite numbers; its JSON text is the source bytes. */
static bool
fast_numbers(struct ctx *c, double *vals, size_t max, size_t *count,
    const char **json)
{
	struct num	 nm;
	size_t		 n = 0, start = c->pos;
	char		*out;
	int		 ch;

	if (c->pos >= c->len || c->s[c->pos] != '[')
		return false;
	c->pos++;
	for (;;) {
		if (n == max)
			return false;
		if (!scan_decimal(c, &vals[n])) {
			ch = peek(c);
			if (!(ch == '-' || (ch >= '0' && ch <= '9')) ||
			    !scan_number(c, &nm))
				return false;
			vals[n] = num_value(c, &nm);
			if (!isfinite(vals[n]))
				return false;
		}
		n++;
		ch = peek(c);
		c->pos++;
		if (ch == ']')
			break;
		if (ch != ',')
			return false;
	}
	out = text_put(c, c->s + start, c->pos - start);
	text_put(c, "", 1);
	*count = n;
	*json = out;
	return true;
}

/* A string of printable ASCII without escapes at pos; false otherwise. */
static bool
fast_plain(struct ctx *c, const char **str, size_t *n)
{
	size_t	i = c->pos + 1;

	if (peek(c) != '"')
		return false;
	while (i < c->len && c->s[i] != '"') {
		if ((unsigned char)c->s[i] < 0x20 ||
		    (unsigned char)c->s[i] >= 0x7f || c->s[i] == '\\')
			return false;
		i++;
	}
	if (i >= c->len)
		return false;
	*str = c->s + c->pos + 1;
	*n = i - c->pos - 1;
	c->pos = i + 1;
	return true;
}

/*
 * Optional ,"id":... and ,"ts":... at the end of a fast line. Anything
 * unusual (escapes, a bad value) leaves it to the general parser, which
 * gives the reason.
 */
static bool
fast_event(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	const char		*str;
	char			*cause = NULL;
	size_t			 n;
	bool			 ok;

	if (FAST_LIT(c, ",\"id\":")) {
		if (peek(c) == '"') {
			if (!fast_plain(c, &str, &n) ||
			    !event_id_check_text(str, n, &cause)) {
				free(cause);
				return false;
			}
			r->id_kind = PROTO_ID_TEXT;
			r->id_text = text_put(c, str, n);
			r->id_len = n;
		} else {
			if (!fast_index(c, INT64_MAX, &r->id_int))
				return false;
			r->id_kind = PROTO_ID_INT;
		}
		c->seen |= BIT(KEY_ID);
	}
	if (!FAST_LIT(c, ",\"ts\":"))
		return true;
	if (peek(c) == '"')
		ok = fast_plain(c, &str, &n) &&
		    event_ts_from_text(str, n, &r->ts, &cause);
	else
		ok = (peek(c) == '-' || (peek(c) >= '0' && peek(c) <= '9')) &&
		    scan_number(c, &nm) && (ts_fast(&nm, &r->ts) ||
		    event_ts_from_number(nm.tok, nm.len, &r->ts, &cause));
	free(cause);
	if (!ok)
		return false;
	r->has_ts = true;
	c->seen |= BIT(KEY_TS);
	return true;
}

/*
 * The common prediction line, compact and with the keys in the order of
 * docs/PROTOCOL.md's example: {"batch_id":B,"row_in_batch":R,"features":
 * [...],"scores":[...]} then optionally "predicted_class", "confidence",
 * "true_class" (integer or null) in that order. Every byte is matched
 * exactly (so the line is ASCII, hence valid UTF-8) and the record then
 * goes through pp_finish_record as usual. Anything else (whitespace, another
 * order, escapes, an unusual number, a line the checks refuse) returns
 * false with nothing decided, and the general parser reads the line.
 */
static bool
parse_fast(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	int64_t			 v;

	if (!FAST_LIT(c, "{"))
		return false;
	if (FAST_LIT(c, "\"model\":\"") && (!fast_model(c) ||
	    !FAST_LIT(c, ",")))
		return false;
	if (FAST_LIT(c, "\"batch_id\":")) {
		if (!fast_index(c, INT64_MAX, &r->batch_id))
			return false;
		c->seen |= BIT(KEY_BATCH_ID);
		if (FAST_LIT(c, ",\"row_in_batch\":")) {
			if (!fast_index(c, INT64_MAX, &r->row_in_batch))
				return false;
			r->has_row = true;
			c->seen |= BIT(KEY_ROW);
		}
		if (!FAST_LIT(c, ","))
			return false;
	}
	if (!FAST_LIT(c, "\"features\":") ||
	    !fast_numbers(c, c->p->features, PROTO_MAX_FEATURES,
	    &r->n_features, &r->features_json) ||
	    !FAST_LIT(c, ",\"scores\":") ||
	    !fast_numbers(c, c->p->scores, PROTO_MAX_CLASSES, &r->n_scores,
	    &r->scores_json))
		return false;
	c->seen |= BIT(KEY_FEATURES) | BIT(KEY_SCORES);
	if (FAST_LIT(c, ",\"predicted_class\":")) {
		if (!fast_index(c, INT_MAX, &v))
			return false;
		r->predicted_class = (int)v;
		c->seen |= BIT(KEY_PREDICTED);
	}
	if (FAST_LIT(c, ",\"confidence\":")) {
		if (!scan_decimal(c, &r->confidence)) {
			if (peek(c) != '-' && (peek(c) < '0' || peek(c) > '9'))
				return false;
			if (!scan_number(c, &nm))
				return false;
			r->confidence = num_value(c, &nm);
		}
		if (!isfinite(r->confidence) || r->confidence < 0 ||
		    r->confidence > 1)
			return false;
		c->seen |= BIT(KEY_CONFIDENCE);
	}
	if (FAST_LIT(c, ",\"true_class\":")) {
		if (FAST_LIT(c, "null")) {
			c->tc = TC_NULL;
			r->true_class = -1;
		} else {
			if (!fast_index(c, INT_MAX, &v))
				return false;
			c->tc = TC_INT;
			r->true_class = (int)v;
		}
		c->seen |= BIT(KEY_TRUE_CLASS);
	}
	if (!fast_event(c) || !FAST_LIT(c, "}") || c->pos != c->len)
		return false;
	return pp_finish_record(c);
}

void
proto_parser_init(struct proto_parser *p)
{
	memset(p, 0, sizeof *p);
}

void
proto_parser_finish(struct proto_parser *p)
{
	free(p->text);
	free(p->labels);
	free(p->cat_text);
	memset(p, 0, sizeof *p);
}

bool
proto_parse_line(struct proto_parser *p, const char *line, size_t len,
    struct proto_record *out, char *reason)
{
	struct ctx	c;
	size_t		need;
	int		pass;

	reason[0] = '\0';
	need = 2 * len + 64;
	if (need < len) {
		snprintf(reason, PROTO_REASON_MAX, "line is too long");
		return false;
	}
	if (p->cat_size < len + 1) {
		free(p->cat_text);
		p->cat_size = len + 1 > 1024 ? len + 1 : 1024;
		p->cat_text = xmalloc(p->cat_size);
	}
	if (p->text_size < need) {
		size_t	size = p->text_size ? p->text_size : 4096;

		while (size < need)
			size *= 2;
		free(p->text);
		p->text = xmalloc(size);
		p->text_size = size;
	}
	for (pass = 0; pass < 2; pass++) {
		memset(out, 0, sizeof *out);
		out->true_class = -1;
		out->predicted_class = -1;
		out->features = p->features;
		out->strings = p->strings;
		out->scores = p->scores;
		memset(&c, 0, sizeof c);
		c.p = p;
		c.s = line;
		c.len = len;
		c.reason = reason;
		c.kind = PROTO_PREDICTION;
		c.r = out;
		if (pass == 0 && parse_fast(&c))
			return true;
		reason[0] = '\0';
	}
	if (!sanitize_valid((const unsigned char *)line, len)) {
		snprintf(reason, PROTO_REASON_MAX, "line is not valid UTF-8");
		return false;
	}
	return pp_object(&c);
}
