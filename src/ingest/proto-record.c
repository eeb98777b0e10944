/*
 * One protocol line as a record: the object's members read in any order
 * (each known key once, unknown keys skipped), then the fields checked
 * against the record's kind (the keys each kind may carry and must carry,
 * scores summing to 1, classes in range) and the defaults filled in.
 */
#include <limits.h>
#include <math.h>

#include "ingest/proto-internal.h"

static const char *const key_names[KEY_COUNT] = {
	[KEY_TYPE] = "type",
	[KEY_BATCH_ID] = "batch_id",
	[KEY_ROW] = "row_in_batch",
	[KEY_FEATURES] = "features",
	[KEY_SCORES] = "scores",
	[KEY_PREDICTED] = "predicted_class",
	[KEY_CONFIDENCE] = "confidence",
	[KEY_TRUE_CLASS] = "true_class",
	[KEY_FEATURE_NAMES] = "feature_names",
	[KEY_CLASS_NAMES] = "class_names",
	[KEY_ID] = "id",
	[KEY_TS] = "ts",
	[KEY_MODEL] = "model",
	[KEY_FEATURE_TYPES] = "feature_types",
};

/*
 * Keys each kind may carry (every kind may name its model), and those it
 * must.
 */
static const unsigned kind_allowed[] = {
	[PROTO_PREDICTION] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) | BIT(KEY_ROW) |
	    BIT(KEY_FEATURES) | BIT(KEY_SCORES) | BIT(KEY_PREDICTED) |
	    BIT(KEY_CONFIDENCE) | BIT(KEY_TRUE_CLASS) | BIT(KEY_ID) |
	    BIT(KEY_TS) | BIT(KEY_MODEL),
	[PROTO_REFERENCE] = BIT(KEY_TYPE) | BIT(KEY_FEATURES) |
	    BIT(KEY_SCORES) | BIT(KEY_PREDICTED) | BIT(KEY_CONFIDENCE) |
	    BIT(KEY_TRUE_CLASS) | BIT(KEY_MODEL),
	[PROTO_SCHEMA] = BIT(KEY_TYPE) | BIT(KEY_FEATURE_NAMES) |
	    BIT(KEY_CLASS_NAMES) | BIT(KEY_MODEL) | BIT(KEY_FEATURE_TYPES),
	[PROTO_LABELS] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) |
	    BIT(KEY_TRUE_CLASS) | BIT(KEY_MODEL),
	[PROTO_END_BATCH] = BIT(KEY_TYPE) | BIT(KEY_BATCH_ID) |
	    BIT(KEY_MODEL),
	[PROTO_LABEL] = BIT(KEY_TYPE) | BIT(KEY_ID) | BIT(KEY_TRUE_CLASS) |
	    BIT(KEY_MODEL),
};
static const unsigned kind_required[] = {
	/* batch_id: the pipeline knows whether a window stands in. */
	[PROTO_PREDICTION] = BIT(KEY_FEATURES) | BIT(KEY_SCORES),
	[PROTO_REFERENCE] = BIT(KEY_FEATURES) | BIT(KEY_SCORES),
	[PROTO_SCHEMA] = 0,
	[PROTO_LABELS] = BIT(KEY_BATCH_ID) | BIT(KEY_TRUE_CLASS),
	[PROTO_END_BATCH] = BIT(KEY_BATCH_ID),
	[PROTO_LABEL] = BIT(KEY_ID) | BIT(KEY_TRUE_CLASS),
};

static enum key
key_lookup(const char *k, size_t n)
{
	static const unsigned char	len[KEY_COUNT] = {
		[KEY_TYPE] = 4, [KEY_BATCH_ID] = 8, [KEY_ROW] = 12,
		[KEY_FEATURES] = 8, [KEY_SCORES] = 6, [KEY_PREDICTED] = 15,
		[KEY_CONFIDENCE] = 10, [KEY_TRUE_CLASS] = 10,
		[KEY_FEATURE_NAMES] = 13, [KEY_CLASS_NAMES] = 11,
		[KEY_ID] = 2, [KEY_TS] = 2, [KEY_FEATURE_TYPES] = 13,
		[KEY_MODEL] = 5,
	};
	int				i;

	for (i = 0; i < KEY_COUNT; i++)
		if (n == len[i] && k[0] == key_names[i][0] &&
		    memcmp(k, key_names[i], n) == 0)
			return (enum key)i;
	return KEY_UNKNOWN;
}

static bool
parse_member_value(struct ctx *c, enum key k)
{
	struct proto_record	*r = c->r;
	int64_t			 v;

	switch (k) {
	case KEY_TYPE:
		return pp_type(c);
	case KEY_BATCH_ID:
		return pp_index(c, "batch_id", INT64_MAX, &r->batch_id);
	case KEY_ROW:
		if (!pp_index(c, "row_in_batch", INT64_MAX,
		    &r->row_in_batch))
			return false;
		r->has_row = true;
		return true;
	case KEY_FEATURES:
		return pp_numbers(c, "features", c->p->features,
		    PROTO_MAX_FEATURES, &r->n_features, &r->features_json,
		    true);
	case KEY_SCORES:
		return pp_numbers(c, "scores", c->p->scores,
		    PROTO_MAX_CLASSES, &r->n_scores, &r->scores_json, false);
	case KEY_PREDICTED:
		if (!pp_index(c, "predicted_class", INT_MAX, &v))
			return false;
		r->predicted_class = (int)v;
		return true;
	case KEY_CONFIDENCE: {
		struct num	nm;
		int		ch;

		skip_ws(c);
		ch = peek(c);
		if (!(ch == '-' || (ch >= '0' && ch <= '9'))) {
			if (at_word(c, "NaN") || at_word(c, "Infinity"))
				return pp_fail(c, "confidence is not a finite "
				    "number");
			return pp_fail(c, "confidence is not a number");
		}
		if (!scan_number(c, &nm))
			return false;
		r->confidence = num_value(c, &nm);
		if (!isfinite(r->confidence))
			return pp_fail(c, "confidence is not a finite number");
		if (r->confidence < 0 || r->confidence > 1)
			return pp_fail(c, "confidence is not in [0, 1]");
		return true;
	}
	case KEY_TRUE_CLASS:
		return pp_true_class(c);
	case KEY_FEATURE_NAMES:
		return pp_names(c, "feature_names", 0, PROTO_MAX_FEATURES,
		    &r->n_feature_names, &r->feature_names);
	case KEY_FEATURE_TYPES:
		return pp_feature_types(c);
	case KEY_CLASS_NAMES:
		return pp_names(c, "class_names", PROTO_MAX_FEATURES,
		    PROTO_MAX_CLASSES,
		    &r->n_class_names, &r->class_names);
	case KEY_ID:
		return pp_id(c);
	case KEY_TS:
		return pp_ts(c);
	case KEY_MODEL:
		return pp_model(c);
	default:
		return pp_skip_value(c, 1);
	}
}

/* A schema record's lists against each other. */
static bool
finish_schema(struct ctx *c)
{
	const struct proto_record *r = c->r;

	if (r->n_feature_names == 0 && r->n_class_names == 0 &&
	    r->n_feature_types == 0)
		return pp_fail(c, "schema has neither feature_names, "
		    "feature_types nor class_names");
	if (r->n_feature_types > 0 && r->n_feature_names > 0 &&
	    r->n_feature_types != r->n_feature_names)
		return pp_fail(c, "feature_types has %zu values, feature_names "
		    "%zu", r->n_feature_types, r->n_feature_names);
	if (r->n_class_names == 1)
		return pp_fail(c, "class_names has 1 name, need at least 2");
	return true;
}

/* Check fields against the kind and fill in defaults. */
bool
pp_finish_record(struct ctx *c)
{
	struct proto_record	*r = c->r;
	unsigned		 extra, missing;
	double			 sum = 0, best;
	size_t			 i;
	int			 k;

	r->kind = c->kind;
	extra = c->seen & ~kind_allowed[c->kind];
	missing = kind_required[c->kind] & ~c->seen;
	/* The first missing field, then the first not allowed, by key order
	 * (a well-formed record has neither: no walk over the keys). */
	for (k = 0; missing != 0 && k < KEY_COUNT; k++) {
		if (missing & BIT(k))
			return pp_fail(c, "missing field %s", key_names[k]);
	}
	for (k = 0; extra != 0 && k < KEY_COUNT; k++) {
		if (extra & BIT(k))
			return pp_fail(c, "field %s is not allowed in %s "
			    "records", key_names[k], proto_kind_name(c->kind));
	}
	switch (c->kind) {
	case PROTO_SCHEMA:
		return finish_schema(c);
	case PROTO_LABELS:
		if (c->tc != TC_ARRAY)
			return pp_fail(c, "true_class of a labels record is "
			    "not an array");
		return true;
	case PROTO_END_BATCH:
		return true;
	case PROTO_LABEL:
		if (c->tc != TC_INT)
			return pp_fail(c, "true_class of a label record is not "
			    "an integer");
		return true;
	case PROTO_PREDICTION:
		r->has_batch = (c->seen & BIT(KEY_BATCH_ID)) != 0;
		if (r->has_row && !r->has_batch)
			return pp_fail(c, "row_in_batch without batch_id");
		break;
	case PROTO_REFERENCE:
		break;
	}
	if (c->tc == TC_ARRAY)
		return pp_fail(c, "true_class is not an integer or null");
	if (r->n_features == 0)
		return pp_fail(c, "features is empty");
	if (r->n_scores < 2)
		return pp_fail(c, "scores has %zu value%s, need at least 2 "
		    "classes", r->n_scores, r->n_scores == 1 ? "" : "s");
	best = r->scores[0];
	k = 0;
	for (i = 0; i < r->n_scores; i++) {
		if (r->scores[i] < 0 || r->scores[i] > 1)
			return pp_fail(c, "scores[%zu] is not in [0, 1]", i);
		sum += r->scores[i];
		if (r->scores[i] > best) {
			best = r->scores[i];
			k = (int)i;
		}
	}
	if (fabs(sum - 1.0) > PROTO_SCORE_TOLERANCE)
		return pp_fail(c, "scores sum to %.6g, not 1 within 1e-3", sum);
	if (c->seen & BIT(KEY_PREDICTED)) {
		if ((size_t)r->predicted_class >= r->n_scores)
			return pp_fail(c, "predicted_class %d is out of range "
			    "for %zu classes", r->predicted_class, r->n_scores);
	} else
		r->predicted_class = k;
	if (!(c->seen & BIT(KEY_CONFIDENCE)))
		r->confidence = best;
	if (r->true_class >= 0 && (size_t)r->true_class >= r->n_scores)
		return pp_fail(c, "true_class %d is out of range for %zu "
		    "classes", r->true_class, r->n_scores);
	return true;
}

bool
pp_object(struct ctx *c)
{
	char		kbuf[24], q[48];
	size_t		kn;
	enum key	k;
	int		ch;

	skip_ws(c);
	if (peek(c) < 0)
		return pp_fail(c, "empty line");
	if (peek(c) != '{')
		return pp_fail(c, "line is not a JSON object");
	c->pos++;
	skip_ws(c);
	if (peek(c) == '}')
		c->pos++;
	else {
		for (;;) {
			skip_ws(c);
			if (peek(c) != '"')
				return pp_fail(c, "expected a string key");
			if (!pp_string(c, kbuf, sizeof kbuf, &kn, NULL))
				return false;
			k = kn <= sizeof kbuf ? key_lookup(kbuf, kn) :
			    KEY_UNKNOWN;
			if (k != KEY_UNKNOWN) {
				if (c->seen & BIT(k)) {
					pp_quote(kbuf, kn, q, sizeof q);
					return pp_fail(c, "duplicate key "
					    "\"%s\"", q);
				}
				c->seen |= BIT(k);
			}
			skip_ws(c);
			if (peek(c) != ':')
				return pp_fail(c, "expected : after key");
			c->pos++;
			if (!parse_member_value(c, k))
				return false;
			skip_ws(c);
			ch = peek(c);
			if (ch < 0)
				return pp_fail(c, "unexpected end of line");
			c->pos++;
			if (ch == '}')
				break;
			if (ch != ',')
				return pp_fail(c, "expected , or } in object");
		}
	}
	skip_ws(c);
	if (c->pos != c->len)
		return pp_fail(c, "trailing data after object");
	return pp_finish_record(c);
}
