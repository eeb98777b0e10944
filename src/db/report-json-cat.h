/*
 * The "categorical" block of a feature report's payload (report-json.c
 * writes and reads the rest).
 */
#ifndef MLMON_DB_REPORT_JSON_CAT_H
#define MLMON_DB_REPORT_JSON_CAT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct strbuf;
struct feature_report;
struct store_schema;

/* Append "categorical":{...} (a member after *first) when r has any. */
void	report_json_cat_encode(struct strbuf *b, bool *first,
	    const struct feature_report *r, const struct store_schema *sc);
/* Read it back into r (absent: all numeric). -1 with *cause. */
int	report_json_cat_decode(const cJSON *root,
	    const struct store_schema *sc, struct feature_report *r,
	    char **cause);

#endif
