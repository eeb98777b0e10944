/*
 * The value of each known key of a protocol line, decoded into the
 * record and the parser's buffers: the number arrays (features with
 * missing and categorical values, scores) and their compact JSON, the
 * indices, true_class in its three shapes, the schema's names and types,
 * id, ts, type and model. Each names the key and the reason it refuses.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "core/xalloc.h"
#include "ingest/proto-internal.h"

static const char *const kind_names[] = {
	[PROTO_PREDICTION] = "prediction",
	[PROTO_REFERENCE] = "reference",
	[PROTO_SCHEMA] = "schema",
	[PROTO_LABELS] = "labels",
	[PROTO_END_BATCH] = "end_batch",
	[PROTO_LABEL] = "label",
};

/* Convert an integer token; 0 ok, -1 negative, -2 too large. */
static int
num_int64(const struct num *nm, int64_t *out)
{
	size_t		i = 0;
	uint64_t	v = 0;
	bool		neg = false;

	if (nm->tok[0] == '-') {
		neg = true;
		i++;
	}
	for (; i < nm->len; i++) {
		unsigned	d = (unsigned)(nm->tok[i] - '0');

		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (neg && v != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/*
 * A missing value at pos: null, or one of the bare tokens Python's
 * json.dumps writes for NaN and infinities. Consumes it and counts it.
 */
static bool
parse_missing(struct ctx *c)
{
	static const char *const bare[] = { "NaN", "Infinity", "-Infinity" };
	size_t i;

	if (at_word(c, "null")) {
		c->pos += 4;
		c->r->n_missing++;
		return true;
	}
	for (i = 0; i < sizeof bare / sizeof bare[0]; i++)
		if (at_word(c, bare[i])) {
			c->pos += strlen(bare[i]);
			c->r->n_missing++;
			c->r->n_bare_missing++;
			return true;
		}
	return false;
}

/* The reason a value that is not a number is refused. */
static bool
fail_not_number(struct ctx *c, const char *name, size_t n, bool missing_ok)
{
	int ch = peek(c);

	if (ch == '{' || ch == '[')
		return pp_fail(c, "%s[%zu] is %s, not a number%s", name, n,
		    ch == '{' ? "an object" : "an array",
		    missing_ok ? ", a string or null" : "");
	if (ch == '"')
		return pp_fail(c, "%s[%zu] is a string, not a number", name, n);
	if (!missing_ok && (at_word(c, "NaN") || at_word(c, "Infinity") ||
	    at_word(c, "-Infinity")))
		return pp_fail(c, "%s[%zu] is not a finite number", name, n);
	return pp_fail(c, "%s[%zu] is not a number", name, n);
}

/* One finite number into *v, its token to text. */
static bool
parse_finite(struct ctx *c, const char *name, size_t n, bool missing_ok,
    double *v)
{
	struct num	nm;
	int		ch = peek(c);

	if (!(ch == '-' || (ch >= '0' && ch <= '9')) ||
	    at_word(c, "-Infinity"))
		return fail_not_number(c, name, n, missing_ok);
	if (!scan_number(c, &nm))
		return pp_fail(c, "%s[%zu] is not a valid number", name, n);
	*v = num_value(c, &nm);
	if (!isfinite(*v))
		return pp_fail(c, "%s[%zu] is not a finite number", name, n);
	text_put(c, nm.tok, nm.len);
	return true;
}

/* Append s[0..n) to text as a JSON string, escaped as cJSON does. */
static void
text_put_string(struct ctx *c, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run;

	text_put(c, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i) {
			text_put(c, s + i, run - i);
			i = run - 1;
		} else if (ch == '"' || ch == '\\') {
			esc[1] = (char)ch;
			text_put(c, esc, 2);
		} else if (ch < 0x20) {
			esc[1] = ch == '\b' ? 'b' : ch == '\f' ? 'f' :
			    ch == '\n' ? 'n' : ch == '\r' ? 'r' :
			    ch == '\t' ? 't' : 'u';
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 0xf];
			text_put(c, esc, esc[1] == 'u' ? 6 : 2);
		}
	}
	text_put(c, "\"", 1);
}

/*
 * A categorical value at pos ('"'), features[n]: decoded, NUL-terminated,
 * into cat_text (p->strings[n] points at it), its canonical JSON (the
 * escapes cJSON writes) into text. Never longer than its source, so both
 * fit their buffers.
 */
static bool
parse_category(struct ctx *c, size_t n)
{
	struct proto_parser	*p = c->p;
	char			*at = p->cat_text + c->cused;
	size_t			 len;
	bool			 nul;

	if (!pp_string(c, at, CAT_VALUE_MAX, &len, &nul))
		return false;
	if (len > CAT_VALUE_MAX)
		return pp_fail(c, "features[%zu] is a category of %zu bytes, "
		    "more than %d", n, len, CAT_VALUE_MAX);
	if (len == 0)
		return pp_fail(c, "features[%zu] is an empty string (a missing "
		    "value is null)", n);
	if (nul)
		return pp_fail(c, "features[%zu] contains U+0000", n);
	at[len] = '\0';
	c->cused += len + 1;
	p->strings[n] = at;
	c->r->n_strings++;
	text_put_string(c, at, len);
	return true;
}

/*
 * Parse an array of finite numbers into vals (at most max), writing its
 * compact JSON text (the tokens joined by commas) to text. With
 * missing_ok (features), null and the bare NaN/Infinity/-Infinity are
 * missing values: NaN in vals, null in the text; and a string is a
 * categorical value: NaN in vals, the string in p->strings[n] (NULL for
 * every other value) and in the text.
 */
bool
pp_numbers(struct ctx *c, const char *name, double *vals, size_t max,
    size_t *count, const char **json, bool missing_ok)
{
	size_t		 n = 0;
	char		*start;
	int		 end, empty;

	if ((empty = pp_array_open(c, name)) < 0)
		return false;
	start = text_put(c, "[", 1);
	if (!empty) {
		for (;;) {
			skip_ws(c);
			if (n == max)
				return pp_fail(c, "%s has more than %zu values",
				    name, max);
			if (n > 0)
				text_put(c, ",", 1);
			if (missing_ok)
				c->p->strings[n] = NULL;
			if (missing_ok && parse_missing(c)) {
				vals[n] = NAN;
				text_put(c, "null", 4);
			} else if (missing_ok && peek(c) == '"') {
				vals[n] = NAN;
				if (!parse_category(c, n))
					return false;
			} else if (!parse_finite(c, name, n, missing_ok,
			    &vals[n]))
				return false;
			n++;
			if ((end = pp_array_next(c, name)) < 0)
				return false;
			if (end)
				break;
		}
	}
	text_put(c, "]", 2);	/* with its NUL */
	*count = n;
	*json = start;
	return true;
}

/* Parse a non-negative integer (for batch_id and the like). */
bool
pp_index(struct ctx *c, const char *name, int64_t max, int64_t *out)
{
	struct num	nm;
	int64_t		v;
	int		ch, rc;

	skip_ws(c);
	ch = peek(c);
	if (!(ch == '-' || (ch >= '0' && ch <= '9'))) {
		if (ch == '"' || ch == 't' || ch == 'f' || ch == 'n' ||
		    ch == '[' || ch == '{')
			return pp_fail(c, "%s is not an integer", name);
		return pp_fail(c, "invalid JSON value for %s", name);
	}
	if (!scan_number(c, &nm))
		return false;
	if (!nm.is_int)
		return pp_fail(c, "%s is not an integer", name);
	rc = num_int64(&nm, &v);
	if (rc == -1)
		return pp_fail(c, "%s is negative", name);
	if (rc == -2 || v > max)
		return pp_fail(c, "%s is too large", name);
	*out = v;
	return true;
}

/* Grow the labels buffer to hold at least n. */
static void
labels_reserve(struct proto_parser *p, size_t n)
{
	size_t	size = p->labels_size ? p->labels_size : 256;

	if (n <= p->labels_size)
		return;
	while (size < n)
		size *= 2;
	p->labels = xreallocarray(p->labels, size, sizeof *p->labels);
	p->labels_size = size;
}

/* true_class: an integer, null, or (labels) an array of integers. */
bool
pp_true_class(struct ctx *c)
{
	struct proto_parser	*p = c->p;
	int64_t			 v;
	size_t			 n = 0;
	char			 name[48];
	int			 ch, end;

	skip_ws(c);
	ch = peek(c);
	if (ch == 'n') {
		if (!pp_literal(c, "null"))
			return false;
		c->tc = TC_NULL;
		c->r->true_class = -1;
		return true;
	}
	if (ch != '[') {
		if (!pp_index(c, "true_class", INT_MAX, &v))
			return false;
		c->tc = TC_INT;
		c->r->true_class = (int)v;
		return true;
	}
	c->pos++;
	skip_ws(c);
	if (peek(c) == ']')
		c->pos++;
	else {
		for (;;) {
			snprintf(name, sizeof name, "true_class[%zu]", n);
			if (!pp_index(c, name, INT_MAX, &v))
				return false;
			labels_reserve(p, n + 1);
			p->labels[n++] = (int)v;
			if ((end = pp_array_next(c, "true_class")) < 0)
				return false;
			if (end)
				break;
		}
	}
	c->tc = TC_ARRAY;
	c->r->labels = p->labels;
	c->r->n_labels = n;
	return true;
}

/* Parse an array of names (schema) into text and the names table. */
bool
pp_names(struct ctx *c, const char *name, size_t first, size_t max,
    size_t *count, const char *const **out)
{
	struct proto_parser	*p = c->p;
	size_t			 n = 0, len, i, j;
	bool			 nul;
	char			*at;
	int			 end, empty;

	if ((empty = pp_array_open(c, name)) < 0)
		return false;
	if (!empty) {
		for (;;) {
			skip_ws(c);
			if (peek(c) != '"')
				return pp_fail(c, "%s[%zu] is not a string",
				    name, n);
			if (n == max)
				return pp_fail(c, "%s has more than %zu names",
				    name, max);
			at = c->p->text + c->tused;
			if (!pp_string(c, at, PROTO_MAX_NAME, &len, &nul))
				return false;
			if (len > PROTO_MAX_NAME)
				return pp_fail(c, "%s[%zu] is longer than %d "
				    "bytes", name, n, PROTO_MAX_NAME);
			if (len == 0)
				return pp_fail(c, "%s[%zu] is empty", name, n);
			if (nul)
				return pp_fail(c, "%s[%zu] contains U+0000",
				    name, n);
			at[len] = '\0';
			c->tused += len + 1;
			p->names[first + n] = at;
			n++;
			if ((end = pp_array_next(c, name)) < 0)
				return false;
			if (end)
				break;
		}
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(p->names[first + i],
			    p->names[first + j]) == 0)
				return pp_fail(c, "%s[%zu] repeats %s[%zu]",
				    name, j, name, i);
	*count = n;
	*out = (const char *const *)p->names + first;
	return true;
}

/* "feature_types": an array of "numeric" and "categorical". */
bool
pp_feature_types(struct ctx *c)
{
	struct proto_parser	*p = c->p;
	size_t			 n = 0, len;
	char			 word[16];
	int			 end, empty;

	if ((empty = pp_array_open(c, "feature_types")) != 0)
		return empty > 0 ? pp_fail(c, "feature_types is empty") : false;
	for (;;) {
		skip_ws(c);
		if (n == PROTO_MAX_FEATURES)
			return pp_fail(c, "feature_types has more than %d "
			    "values", PROTO_MAX_FEATURES);
		if (peek(c) != '"')
			return pp_fail(c, "feature_types[%zu] is not a string",
			    n);
		if (!pp_string(c, word, sizeof word - 1, &len, NULL))
			return false;
		word[len < sizeof word ? len : sizeof word - 1] = '\0';
		if (len == 7 && strcmp(word, "numeric") == 0)
			p->types[n] = false;
		else if (len == 11 && strcmp(word, "categorical") == 0)
			p->types[n] = true;
		else
			return pp_fail(c, "feature_types[%zu] is not "
			    "\"numeric\" or \"categorical\"", n);
		n++;
		if ((end = pp_array_next(c, "feature_types")) < 0)
			return false;
		if (end)
			break;
	}
	c->r->n_feature_types = n;
	c->r->categorical = p->types;
	return true;
}

/* Quote an untrusted short string for a reason: printable ASCII only. */
void
pp_quote(const char *s, size_t n, char *out, size_t cap)
{
	size_t	i, o = 0;

	for (i = 0; i < n && o + 5 < cap; i++) {
		unsigned char	ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (i < n && o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* pp_fail() with an allocated cause, which it frees. */
static bool
fail_cause(struct ctx *c, char *cause)
{
	pp_fail(c, "%s", cause);
	free(cause);
	return false;
}

/* "id": a string of 1..EVENT_ID_MAX bytes or a non-negative integer. */
bool
pp_id(struct ctx *c)
{
	struct proto_record	*r = c->r;
	struct num		 nm;
	char			*at, *cause = NULL;
	size_t			 n;
	int			 ch;

	skip_ws(c);
	ch = peek(c);
	if (ch == '"') {
		/* Decoded text is never longer than its source. */
		at = c->p->text + c->tused;
		if (!pp_string(c, at, EVENT_ID_MAX + 1, &n, NULL))
			return false;
		if (!event_id_check_text(at, n, &cause))
			return fail_cause(c, cause);
		c->tused += n;
		r->id_kind = PROTO_ID_TEXT;
		r->id_text = at;
		r->id_len = n;
		return true;
	}
	if (ch != '-' && (ch < '0' || ch > '9'))
		return pp_fail(c, "id is not a string or an integer");
	if (!scan_number(c, &nm))
		return false;
	if (!event_id_from_number(nm.tok, nm.len, &r->id_int, &cause))
		return fail_cause(c, cause);
	r->id_kind = PROTO_ID_INT;
	return true;
}

bool
pp_ts(struct ctx *c)
{
	struct num	 nm;
	char		 buf[64], *cause = NULL;
	size_t		 n;
	int		 ch;
	bool		 ok;

	skip_ws(c);
	ch = peek(c);
	if (ch == '"') {
		if (!pp_string(c, buf, sizeof buf, &n, NULL))
			return false;
		if (n > sizeof buf)
			return pp_fail(c, "ts is not an RFC 3339 time (%zu "
			    "bytes)", n);
		ok = event_ts_from_text(buf, n, &c->r->ts, &cause);
	} else if (ch == '-' || (ch >= '0' && ch <= '9')) {
		if (!scan_number(c, &nm))
			return false;
		ok = ts_fast(&nm, &c->r->ts) || event_ts_from_number(nm.tok,
		    nm.len, &c->r->ts, &cause);
	} else
		return pp_fail(c, "ts is not a string or a number");
	if (!ok)
		return fail_cause(c, cause);
	c->r->has_ts = true;
	return true;
}

bool
pp_type(struct ctx *c)
{
	char	buf[16], q[48];
	size_t	n;
	int	k;

	skip_ws(c);
	if (peek(c) != '"')
		return pp_fail(c, "type is not a string");
	if (!pp_string(c, buf, sizeof buf, &n, NULL))
		return false;
	for (k = 0; k < (int)(sizeof kind_names / sizeof kind_names[0]);
	    k++) {
		if (n == strlen(kind_names[k]) &&
		    memcmp(buf, kind_names[k], n) == 0) {
			c->kind = (enum proto_kind)k;
			return true;
		}
	}
	pp_quote(buf, n < sizeof buf ? n : sizeof buf, q, 24);
	return pp_fail(c, "unknown type \"%s%s\"", q,
	    n > sizeof buf ? "..." : "");
}

/* "model": a name of core/model.h, kept in the parser's buffer. */
bool
pp_model(struct ctx *c)
{
	char	why[PROTO_REASON_MAX - 16];
	size_t	n;

	skip_ws(c);
	if (peek(c) != '"')
		return pp_fail(c, "model is not a string");
	if (!pp_string(c, c->p->model, MODEL_NAME_MAX, &n, NULL))
		return false;
	if (!model_name_check(c->p->model, n, why, sizeof why))
		return pp_fail(c, "model: %s", why);
	c->p->model[n] = '\0';
	c->r->model = c->p->model;
	return true;
}

const char *
proto_kind_name(enum proto_kind k)
{
	if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0])
		return "?";
	return kind_names[k];
}
