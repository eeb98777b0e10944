/*
 * Fuzz the NDJSON protocol line parser (ingest/proto.h). The input is
 * split at newlines as mlmon-ingest splits its stream; every line goes,
 * in an exactly sized buffer without a NUL, through one parser that lives
 * across lines (so buffer reuse and growth are exercised), twice.
 *
 * Invariants: a refused line has a NUL-terminated reason; an accepted one
 * satisfies everything proto.h promises (finite, missing or categorical
 * features, as many missing as it counts, categorical values UTF-8 of
 * 1..256 bytes, scores in [0, 1] summing to 1, classes in range, unique
 * non-empty UTF-8 names, feature types as many as the names),
 * its features_json/scores_json read back with strtod to exactly the
 * doubles the monitors get, and parsing the same line again, or with a
 * leading space (off the parser's fast path for compact prediction
 * lines), gives exactly the same result.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/proto.h"

#include "fuzz.h"

#define FUZZ_PROTO_MAX	(256 * 1024)	/* bytes of input looked at */
#define FUZZ_NAMES_CMP	512		/* check uniqueness up to this */

static bool
utf8_ok(const unsigned char *s)
{
	unsigned cp;
	int n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
		} else
			return false;
		for (i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/*
 * The JSON string at p (the escapes cJSON writes) decodes to want;
 * returns the byte after it.
 */
static const char *
check_string_json(const char *p, const char *want)
{
	static const char esc[] = "\"\\bfnrt", val[] = "\"\\\b\f\n\r\t";
	const char *e;
	unsigned v;

	FUZZ_CHECK(*p == '"');
	for (p++; *p != '"'; p++, want++) {
		FUZZ_CHECK(*p != '\0' && *want != '\0');
		if (*p != '\\') {
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p == *want);
			continue;
		}
		p++;
		if (*p == 'u') {
			FUZZ_CHECK(sscanf(p + 1, "00%2x", &v) == 1 && v < 0x20);
			FUZZ_CHECK((unsigned char)*want == v);
			p += 4;
			continue;
		}
		e = strchr(esc, *p);
		FUZZ_CHECK(*p != '\0' && e != NULL && *want == val[e - esc]);
	}
	FUZZ_CHECK(*want == '\0');
	return p + 1;
}

/*
 * json is "[v,v,...]", compact, and reads back to exactly vals[0..n);
 * null stands for a missing value (NaN in vals), a string for a
 * categorical value (strs[i], NaN in vals; strs NULL: none).
 */
static void
check_array_json(const char *json, const double *vals, size_t n,
    const char *const *strs)
{
	const char *p = json;
	char *end;
	double v;
	size_t i;

	FUZZ_CHECK(json != NULL && *p == '[');
	p++;
	for (i = 0; i < n; i++) {
		if (strs != NULL && strs[i] != NULL) {
			FUZZ_CHECK(isnan(vals[i]));
			p = check_string_json(p, strs[i]);
			FUZZ_CHECK(*p == (i + 1 == n ? ']' : ','));
			p++;
			continue;
		}
		if (strncmp(p, "null", 4) == 0) {
			FUZZ_CHECK(isnan(vals[i]));
			p += 4;
			FUZZ_CHECK(*p == (i + 1 == n ? ']' : ','));
			p++;
			continue;
		}
		v = strtod(p, &end);
		FUZZ_CHECK(end > p);
		if (memcmp(&v, &vals[i], sizeof v) != 0) {
			fprintf(stderr, "%s: element %zu reads back as %.17g, "
			    "parser gave %.17g\n", json, i, v, vals[i]);
			abort();
		}
		p = end;
		FUZZ_CHECK(*p == (i + 1 == n ? ']' : ','));
		p++;
	}
	FUZZ_CHECK(*p == '\0');
}

static void
check_names(const char *const *names, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		FUZZ_CHECK(names[i] != NULL && names[i][0] != '\0');
		FUZZ_CHECK(strlen(names[i]) <= PROTO_MAX_NAME);
		FUZZ_CHECK(utf8_ok((const unsigned char *)names[i]));
		for (j = 0; j < i && n <= FUZZ_NAMES_CMP; j++)
			FUZZ_CHECK(strcmp(names[i], names[j]) != 0);
	}
}

static void
check_record(const struct proto_record *r)
{
	const char *const *strs;
	double sum = 0;
	size_t i, missing = 0, n_str = 0;

	switch (r->kind) {
	case PROTO_PREDICTION:
	case PROTO_REFERENCE:
		FUZZ_CHECK(r->n_features >= 1 &&
		    r->n_features <= PROTO_MAX_FEATURES);
		FUZZ_CHECK(r->n_scores >= 2 &&
		    r->n_scores <= PROTO_MAX_CLASSES);
		/*
		 * A feature is finite, missing (NaN, null in the text) or
		 * categorical (NaN, a string).
		 */
		for (i = 0; i < r->n_features; i++) {
			strs = r->n_strings > 0 ? r->strings : NULL;
			FUZZ_CHECK(isfinite(r->features[i]) ||
			    isnan(r->features[i]));
			if (strs != NULL && strs[i] != NULL) {
				FUZZ_CHECK(strs[i][0] != '\0');
				FUZZ_CHECK(strlen(strs[i]) <= CAT_VALUE_MAX);
				FUZZ_CHECK(utf8_ok(
				    (const unsigned char *)strs[i]));
				n_str++;
			} else
				missing += isnan(r->features[i]) != 0;
		}
		FUZZ_CHECK(missing == r->n_missing);
		FUZZ_CHECK(n_str == r->n_strings);
		FUZZ_CHECK(r->n_bare_missing <= r->n_missing);
		for (i = 0; i < r->n_scores; i++) {
			FUZZ_CHECK(r->scores[i] >= 0 && r->scores[i] <= 1);
			sum += r->scores[i];
		}
		/* The parser may add in another order: allow rounding. */
		FUZZ_CHECK(fabs(sum - 1) <= PROTO_SCORE_TOLERANCE + 1e-9);
		FUZZ_CHECK(r->predicted_class >= 0 &&
		    (size_t)r->predicted_class < r->n_scores);
		FUZZ_CHECK(r->confidence >= 0 && r->confidence <= 1);
		FUZZ_CHECK(r->true_class >= -1 &&
		    (r->true_class < 0 ||
		    (size_t)r->true_class < r->n_scores));
		check_array_json(r->features_json, r->features, r->n_features,
		    r->n_strings > 0 ? r->strings : NULL);
		check_array_json(r->scores_json, r->scores, r->n_scores,
		    NULL);
		if (r->kind == PROTO_PREDICTION)
			FUZZ_CHECK(r->batch_id >= 0);
		if (r->has_row)
			FUZZ_CHECK(r->row_in_batch >= 0);
		break;
	case PROTO_LABELS:
		FUZZ_CHECK(r->batch_id >= 0);
		FUZZ_CHECK(r->n_labels == 0 || r->labels != NULL);
		for (i = 0; i < r->n_labels; i++)
			FUZZ_CHECK(r->labels[i] >= 0);
		break;
	case PROTO_SCHEMA:
		FUZZ_CHECK(r->n_feature_names > 0 || r->n_class_names > 0 ||
		    r->n_feature_types > 0);
		FUZZ_CHECK(r->n_feature_types == 0 ||
		    r->n_feature_names == 0 ||
		    r->n_feature_types == r->n_feature_names);
		FUZZ_CHECK(r->n_feature_types <= PROTO_MAX_FEATURES);
		FUZZ_CHECK(r->n_class_names != 1);
		FUZZ_CHECK(r->n_feature_names <= PROTO_MAX_FEATURES);
		FUZZ_CHECK(r->n_class_names <= PROTO_MAX_CLASSES);
		check_names(r->feature_names, r->n_feature_names);
		check_names(r->class_names, r->n_class_names);
		break;
	case PROTO_END_BATCH:
		FUZZ_CHECK(r->batch_id >= 0);
		break;
	default:
		FUZZ_CHECK(!"unknown record kind");
	}
	FUZZ_CHECK(strcmp(proto_kind_name(r->kind), "?") != 0);
}

/*
 * The outcome of one parse as text: the reason of a refusal, or every
 * field of the record (doubles as their bits), to compare parses.
 */
static char *
parse_dump(struct proto_parser *p, const char *line, size_t len)
{
	struct proto_record r;
	char reason[PROTO_REASON_MAX], *out = NULL;
	size_t size = 0, i;
	uint64_t bits;
	FILE *f;

	memset(reason, 0xa5, sizeof reason);
	if ((f = open_memstream(&out, &size)) == NULL)
		abort();
	if (!proto_parse_line(p, line, len, &r, reason)) {
		FUZZ_CHECK(memchr(reason, '\0', sizeof reason) != NULL);
		FUZZ_CHECK(reason[0] != '\0');
		fprintf(f, "refused: %s", reason);
		fclose(f);
		return out;
	}
	check_record(&r);
	memcpy(&bits, &r.confidence, sizeof bits);
	fprintf(f, "%s batch %lld row %d/%lld predicted %d confidence %llx "
	    "true %d\n", proto_kind_name(r.kind), (long long)r.batch_id,
	    (int)r.has_row, r.has_row ? (long long)r.row_in_batch : 0LL,
	    r.predicted_class, (unsigned long long)bits, r.true_class);
	if (r.kind == PROTO_PREDICTION || r.kind == PROTO_REFERENCE) {
		fprintf(f, "%s %s\n", r.features_json, r.scores_json);
		for (i = 0; i < r.n_features; i++) {
			memcpy(&bits, &r.features[i], sizeof bits);
			fprintf(f, " %llx", (unsigned long long)bits);
		}
		for (i = 0; i < r.n_scores; i++) {
			memcpy(&bits, &r.scores[i], sizeof bits);
			fprintf(f, " %llx", (unsigned long long)bits);
		}
	}
	for (i = 0; i < r.n_labels; i++)
		fprintf(f, " %d", r.labels[i]);
	for (i = 0; i < r.n_feature_names; i++)
		fprintf(f, " [%s]", r.feature_names[i]);
	for (i = 0; i < r.n_class_names; i++)
		fprintf(f, " <%s>", r.class_names[i]);
	fclose(f);
	return out;
}

/*
 * Parse the line twice (the second time with grown buffers), then with a
 * space in front, which takes it off any fast path for the common layout:
 * all three must agree exactly.
 */
static void
parse_line(struct proto_parser *p, const char *line, size_t len)
{
	char *a, *b, *c, *spaced;

	a = parse_dump(p, line, len);
	b = parse_dump(p, line, len);
	if ((spaced = malloc(len + 1)) == NULL)
		abort();
	spaced[0] = ' ';
	if (len > 0)
		memcpy(spaced + 1, line, len);
	c = parse_dump(p, spaced, len + 1);
	free(spaced);
	if (strcmp(a, b) != 0 || strcmp(a, c) != 0) {
		fprintf(stderr, "parses differ:\n  first:  %s\n  again:  %s\n"
		    "  spaced: %s\n", a, b, c);
		abort();
	}
	free(a);
	free(b);
	free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_parser p;
	const char *s = (const char *)data, *eol;
	char *line;
	size_t pos = 0, n;

	if (size > FUZZ_PROTO_MAX)
		return 0;
	proto_parser_init(&p);
	while (pos < size) {
		eol = memchr(s + pos, '\n', size - pos);
		n = eol != NULL ? (size_t)(eol - (s + pos)) : size - pos;
		/* Exactly n bytes, no NUL after them. */
		if ((line = malloc(n ? n : 1)) == NULL)
			abort();
		if (n > 0)
			memcpy(line, s + pos, n);
		parse_line(&p, line, n);
		free(line);
		pos += n + 1;
	}
	proto_parser_finish(&p);
	return 0;
}
