/*
 * libFuzzer harness for the config file parser (from a buffer; alert keys
 * are syntax-checked only, so no alert module state is involved).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ingest/config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_config	 c;
	char			*cause = NULL;

	if (size > CONFIG_FILE_MAX)
		return 0;
	config_init(&c, false);
	(void)config_parse(&c, "fuzz.conf", (const char *)data, size, &cause);
	free(cause);
	config_finish(&c);
	return 0;
}
