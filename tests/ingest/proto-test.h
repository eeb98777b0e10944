/*
 * The parts of the NDJSON parser's suite (proto: test-proto.c, its
 * tables; test-proto-paths.c, the fast path against the general parser).
 */
#ifndef MLMON_TESTS_INGEST_PROTO_TEST_H
#define MLMON_TESTS_INGEST_PROTO_TEST_H

#include <check.h>

/* test-proto-paths.c's cases into tc. */
void	proto_path_tests(TCase *tc);

#endif
