/*
 * The monitors' reports by name, for a header that only passes them by
 * pointer (the store, the payload codec, the alert rules). Their fields,
 * and how each is made and released, are in monitor.h.
 */
#ifndef MLMON_CORE_REPORT_TYPES_H
#define MLMON_CORE_REPORT_TYPES_H

struct feature_report;
struct prediction_report;
struct performance_report;
struct detector_report;
struct estimate_report;

#endif
