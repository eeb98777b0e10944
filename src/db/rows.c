/*
 * rows_read (rows.h): a statement's rows into one growing array.
 */
#include "db/rows.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "db/driver.h"

int
rows_read(struct db_stmt *st, const struct rows_reader *r, void **out,
    size_t *n)
{
	char *v = NULL;
	size_t k = 0;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		v = xreallocarray(v, k + 1, r->size);
		r->read(st, v + k * r->size);
		k++;
	}
	if (rc != DB_DONE) {
		while (r->finish != NULL && k > 0) {
			k--;
			r->finish(v + k * r->size);
		}
		free(v);
		v = NULL;
		k = 0;
	}
	*out = v;
	*n = k;
	return rc;
}
