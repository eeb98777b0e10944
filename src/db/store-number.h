/*
 * store-number.c's reading of numbers and JSON arrays of them, for the
 * store (store-internal.h includes this) and the files of src/db that do
 * not include store-internal.h (the PostgreSQL driver). The writing side,
 * store_format_double, is in db/store.h.
 */
#ifndef MLMON_DB_STORE_NUMBER_H
#define MLMON_DB_STORE_NUMBER_H

#include <stddef.h>

struct cat_dict;
struct strbuf;

/* strtod in the C numeric locale, whatever this thread's locale is. */
double		 store_strtod(const char *s, char **end);
/* db/store.h's store_format_double, declared here for its definition. */
size_t		 store_format_double(char *buf, size_t size, double v);

/*
 * store-number.c. Decode a JSON array of numbers ("[1, -2.5e3]") into out (grown with
 * xreallocarray, *cap elements). Returns the count, or -1 if malformed.
 * Locale independent; on the hot path of store_batch_get.
 */
long		 store_json_doubles(const char *text, size_t len, double **out,
		     size_t *cap);
/* A string as cJSON prints it: \" \\ \b \f \n \r \t, \u00xx below 32. */
void		 store_json_string(struct strbuf *b, const char *s);
/*
 * The same for a features array, where null is a missing value (NaN) and
 * a string a categorical value: its code in dict (interned; without a
 * dict a string is malformed).
 */
long		 store_json_features(const char *text, size_t len,
		     double **out, size_t *cap, struct cat_dict *dict);

#endif
