/*
 * store-number.c's reading of numbers, for the files of src/db that do
 * not include store-internal.h (the PostgreSQL driver). The writing side,
 * store_format_double, is in db/store.h.
 */
#ifndef MLMON_DB_STORE_NUMBER_H
#define MLMON_DB_STORE_NUMBER_H

/* strtod in the C numeric locale, whatever this thread's locale is. */
double		 store_strtod(const char *s, char **end);

#endif
