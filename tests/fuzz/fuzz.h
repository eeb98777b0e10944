/*
 * Shared by the libFuzzer harnesses (fuzz-*.c) and the corpus replayer
 * (replay.c). Each harness defines LLVMFuzzerTestOneInput; under clang
 * libFuzzer drives it (tests/fuzz/run), under the normal build replay.c
 * feeds it every file of the seed corpus and of regress/.
 */
#ifndef MLMON_TESTS_FUZZ_H
#define MLMON_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct store_schema;

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* schema.c: the schemas fuzz-report decodes against (mkseeds uses them). */
#define FUZZ_N_FEATURES	5
#define FUZZ_N_CLASSES	3
extern const struct store_schema fuzz_schema;
extern const struct store_schema fuzz_schema_ctrl;	/* control chars */

/* An invariant that holds whatever the input; abort() is the finding. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
