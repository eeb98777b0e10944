/*
 * Model names: the one check every door uses (the protocol's "model"
 * field, --model of ingest and the console, [model "NAME"] sections).
 */
#include "core/model.h"

#include <stdio.h>

static bool
model_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	    c == '-';
}

bool
model_name_check(const char *s, size_t len, char *reason, size_t size)
{
	size_t i;

	if (len == 0) {
		if (reason != NULL)
			snprintf(reason, size, "a model name is empty");
		return false;
	}
	if (len > MODEL_NAME_MAX) {
		if (reason != NULL)
			snprintf(reason, size, "a model name is %zu bytes, "
			    "longer than %d", len, MODEL_NAME_MAX);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (model_char_ok((unsigned char)s[i]))
			continue;
		if (reason != NULL)
			snprintf(reason, size, "byte %zu of a model name is "
			    "0x%02x, not one of A-Z a-z 0-9 . _ : -", i + 1,
			    (unsigned char)s[i]);
		return false;
	}
	return true;
}
