/*
 * What the report JSON suite's files share (one executable, one test
 * case, db-report-json): the schema the reports are written with, a bit
 * for bit comparison of doubles, a feature report with every kind of
 * value, and the functions that add each file's tests.
 *
 *   test-report-json.c          the suite: malformed input, the number
 *                               formatter, names escaped
 *   test-report-json-feature.c  feature reports
 *   test-report-json-reports.c  prediction, performance, estimate and
 *                               detector reports
 */
#ifndef MLMON_TESTS_DB_REPORT_JSON_TEST_H
#define MLMON_TESTS_DB_REPORT_JSON_TEST_H

#include <check.h>
#include <stdbool.h>

struct feature_report;
struct store_schema;

/* 4 features (names with a quote and UTF-8), 3 classes. */
extern const struct store_schema schema;

/* The same double to the bit, or both NaN. */
bool	same_bits(double a, double b);
/* A feature report of schema's 4 features, MMD run or not. */
void	feature_make(struct feature_report *r, bool mmd);

void	report_json_feature_tests(TCase *tc);
void	report_json_report_tests(TCase *tc);

#endif
