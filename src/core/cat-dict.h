/*
 * The categorical values of a stream, interned: each distinct string gets
 * a code (0, 1, 2, ... in the order first seen) that stands for it in the
 * double-valued feature rows the pipeline and the monitors pass around
 * (a categorical column of a row holds its value's code, or NaN when the
 * value is missing). Codes live only in one process: what is stored and
 * compared across processes is always the string (cat_dict_name).
 *
 * One dictionary serves every categorical feature of a stream; strings
 * are at most CAT_VALUE_MAX bytes (drift-cat.h), NUL-free.
 */
#ifndef MLMON_CORE_CAT_DICT_H
#define MLMON_CORE_CAT_DICT_H

#include <stddef.h>
#include <stdint.h>

struct cat_dict;

/* FNV-1a of n bytes: the hash of a category name here and in drift-cat.c. */
uint64_t	 cat_hash(const char *s, size_t n);

struct cat_dict	*cat_dict_create(void);
void		 cat_dict_destroy(struct cat_dict *d);
/* The code of s[0..n) (added when new). */
uint32_t	 cat_dict_intern(struct cat_dict *d, const char *s, size_t n);
/* The code of s[0..n), or -1 when it is not in d. */
long		 cat_dict_find(const struct cat_dict *d, const char *s,
		    size_t n);
/* The string of a code from cat_dict_intern; NULL for any other. */
const char	*cat_dict_name(const struct cat_dict *d, double code);
size_t		 cat_dict_size(const struct cat_dict *d);

#endif
