/*
 * The store schemas the report harness decodes against, shared with
 * mkseeds so seed payloads use the same names. The names hold a quote, a
 * backslash, non-ASCII text and (fuzz_schema_ctrl) control characters, so
 * encoding has something to escape.
 */
#include "fuzz.h"

#include "db/store.h"

static char *fuzz_feature_names[FUZZ_N_FEATURES] = {
	"x0", "age", "inc\"ome", "t\\emp\xc3\xa9", "\xe2\x82\xac",
};
static char *fuzz_class_names[FUZZ_N_CLASSES] = { "0", "1", "spam" };

const struct store_schema fuzz_schema = {
	.n_features = FUZZ_N_FEATURES,
	.n_classes = FUZZ_N_CLASSES,
	.feature_names = fuzz_feature_names,
	.class_names = fuzz_class_names,
};

static char *fuzz_ctrl_feature_names[FUZZ_N_FEATURES] = {
	"c\x01", "t\tb", "n\nl", "q\"\\\x7f", "\x1f",
};
static char *fuzz_ctrl_class_names[FUZZ_N_CLASSES] = { "0\x02", "\b", "z" };

const struct store_schema fuzz_schema_ctrl = {
	.n_features = FUZZ_N_FEATURES,
	.n_classes = FUZZ_N_CLASSES,
	.feature_names = fuzz_ctrl_feature_names,
	.class_names = fuzz_ctrl_class_names,
};
