/*
 * The NDJSON input protocol (docs/PROTOCOL.md): one JSON object per line,
 * parsed by hand into a struct proto_record without allocating per line.
 *
 * A struct proto_parser owns every buffer a record points into (numbers,
 * the canonical JSON text of the arrays, decoded names, labels); they are
 * grown only when a line is larger than any seen before, so a steady
 * stream allocates nothing. A record is valid until the next call.
 *
 * The parser checks everything a single line can tell: JSON syntax, UTF-8,
 * types, required fields, finite numbers (a feature may be missing:
 * null, or Python's bare NaN/Infinity/-Infinity, or a categorical value:
 * a string of 1..CAT_VALUE_MAX bytes), scores in [0, 1]
 * summing to 1,
 * class indices in range of the line's own scores. What needs the stream
 * (feature count against the schema, closed batches) is the pipeline's job.
 */
#ifndef MLMON_INGEST_PROTO_H
#define MLMON_INGEST_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/drift-cat.h"
#include "core/event.h"
#include "core/model.h"
#include "core/monitor.h"

#define PROTO_MAX_FEATURES	MONITOR_MAX_FEATURES
#define PROTO_MAX_CLASSES	MONITOR_MAX_CLASSES
#define PROTO_MAX_DEPTH		64	/* nesting of skipped values */
#define PROTO_MAX_NAME		256	/* bytes of one schema name */
#define PROTO_SCORE_TOLERANCE	1e-3	/* |sum(scores) - 1| allowed */
#define PROTO_REASON_MAX	160	/* bytes of a reason, with NUL */

enum proto_kind {
	PROTO_PREDICTION,
	PROTO_REFERENCE,
	PROTO_SCHEMA,
	PROTO_LABELS,
	PROTO_END_BATCH,
	PROTO_LABEL,		/* one prediction's label, by id */
};

/* How a record's "id" was given. */
enum proto_id {
	PROTO_ID_NONE,
	PROTO_ID_TEXT,
	PROTO_ID_INT,
};

/*
 * One parsed line. Pointers are into the parser's buffers. Optional
 * integers use has_* flags; true_class is -1 for null or absent.
 */
struct proto_record {
	enum proto_kind	 kind;

	bool		 has_batch;	/* a prediction may leave it out */
	int64_t		 batch_id;	/* prediction, labels, end_batch */
	enum proto_id	 id_kind;	/* prediction, label */
	const char	*id_text;	/* PROTO_ID_TEXT: 1..128 bytes */
	size_t		 id_len;
	int64_t		 id_int;	/* PROTO_ID_INT */
	bool		 has_ts;
	int64_t		 ts;		/* event time, us since the epoch */
	bool		 has_row;
	int64_t		 row_in_batch;	/* when has_row */

	size_t		 n_features;
	const double	*features;	/* NaN: missing */
	const char	*features_json;	/* "[1.5,null,-3e-2]" as sent, compact */
	size_t		 n_missing;	/* features null, NaN or +-Infinity */
	size_t		 n_bare_missing;	/* of which NaN or +-Infinity */
	/*
	 * Categorical values: strings[i] is the decoded string of
	 * features[i] (which is NaN) or NULL; read only when n_strings > 0.
	 */
	size_t		 n_strings;
	const char *const *strings;
	size_t		 n_scores;	/* class count of this line */
	const double	*scores;
	const char	*scores_json;
	int		 predicted_class;	/* given, or argmax of scores */
	double		 confidence;		/* given, or max of scores */
	int		 true_class;		/* -1: null or absent;
						 * label: the class */

	size_t		 n_labels;	/* labels: true_class array */
	const int	*labels;

	const char	*model;		/* any kind; NULL when absent */

	size_t		 n_feature_names;	/* schema; 0 when absent */
	const char *const *feature_names;
	size_t		 n_class_names;
	const char *const *class_names;
	size_t		 n_feature_types;	/* schema; 0 when absent */
	const bool	*categorical;		/* n_feature_types */
};

struct proto_parser {
	double		 features[PROTO_MAX_FEATURES];
	double		 scores[PROTO_MAX_CLASSES];
	const char	*strings[PROTO_MAX_FEATURES];	/* categorical */
	bool		 types[PROTO_MAX_FEATURES];	/* feature_types */
	char		*cat_text;	/* decoded categorical values */
	size_t		 cat_size;	/* >= line length + 1 */
	char		*text;		/* JSON texts and decoded strings */
	size_t		 text_size;
	int		*labels;
	size_t		 labels_size;
	const char	*names[PROTO_MAX_FEATURES + PROTO_MAX_CLASSES];
					/* schema: feature names, then */
					/* class names (in text) */
	char		 model[MODEL_NAME_MAX + 1];
};

void	proto_parser_init(struct proto_parser *p);
void	proto_parser_finish(struct proto_parser *p);

/*
 * Parse one line (without its newline; a trailing CR is whitespace).
 * Accepts any bytes and never reads past len. Returns true and fills *out,
 * or false with a one-line reason in reason[PROTO_REASON_MAX].
 */
bool	proto_parse_line(struct proto_parser *p, const char *line, size_t len,
	    struct proto_record *out, char *reason);

const char *proto_kind_name(enum proto_kind k);

#endif
