/*
 * libFuzzer harness for the NDJSON line parser: any bytes, any length.
 * The parser is reused across inputs, as ingest reuses it across lines.
 * On success the record's invariants must hold.
 */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_parser	p;
	static int			init;
	struct proto_record		r;
	char				reason[PROTO_REASON_MAX];
	size_t				i;

	if (!init) {
		proto_parser_init(&p);
		init = 1;
	}
	if (size > (1 << 20))
		return 0;
	if (!proto_parse_line(&p, (const char *)data, size, &r, reason)) {
		assert(reason[0] != '\0' && strlen(reason) < PROTO_REASON_MAX);
		return 0;
	}
	if (r.kind == PROTO_PREDICTION || r.kind == PROTO_REFERENCE) {
		assert(r.n_features >= 1 && r.n_scores >= 2);
		for (i = 0; i < r.n_features; i++)
			assert(isfinite(r.features[i]));
		assert(r.predicted_class >= 0 &&
		    (size_t)r.predicted_class < r.n_scores);
		assert(r.features_json[0] == '[' &&
		    strlen(r.features_json) <= size);
	}
	return 0;
}
