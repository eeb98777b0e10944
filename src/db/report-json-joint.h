/*
 * The "joint" block of a calibrated feature report's payload: the joint
 * tests over the numeric features (core/judge-joint.h), written only when
 * they were tested (report-json.c writes and reads the rest).
 */
#ifndef MLMON_DB_REPORT_JSON_JOINT_H
#define MLMON_DB_REPORT_JSON_JOINT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

struct strbuf;
struct feature_report;

/* Append "joint":{...} (a member after *first) when r was so tested. */
void	report_json_joint_encode(struct strbuf *b, bool *first,
	    const struct feature_report *r);
/* Read it back into r (absent: not tested, NaN). -1 with *cause. */
int	report_json_joint_decode(const cJSON *root, struct feature_report *r,
	    char **cause);

#endif
