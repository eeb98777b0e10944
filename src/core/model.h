/*
 * A model is the key of one stream in a store: its predictions,
 * reference, axes, reports, detectors and alert conditions belong to it.
 * Its name is 1..MODEL_NAME_MAX bytes of [A-Za-z0-9._:-], so it is safe
 * in a file name, a config section, a log line and a mail subject as it
 * is, and never needs cleaning or quoting. A stream that names none is
 * MODEL_DEFAULT (also the one model of a store from before models).
 */
#ifndef MLMON_CORE_MODEL_H
#define MLMON_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#define MODEL_NAME_MAX	128
#define MODEL_DEFAULT	"default"

/*
 * Is [s, s + len) a model name? If not and reason is given, writes why
 * (at most size bytes, NUL-terminated) in words for an error message.
 */
bool	 model_name_check(const char *s, size_t len, char *reason,
	    size_t size);

#endif
