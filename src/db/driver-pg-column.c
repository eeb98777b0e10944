/*
 * The PostgreSQL driver's columns: a statement's current row of its held
 * result (struct pgdb_stmt, driver-pg-internal.h) read from the text
 * form: an integer by strtoll, a double in the C locale (store_strtod), a
 * boolean ('t'/'f', what a comparison gives) as 1/0, a float or numeric
 * read as an integer toward zero, as SQLite reads a REAL. A NULL or a
 * column out of range reads as 0, 0.0 or NULL.
 */
#include "db/driver-pg-internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "db/store-number.h"

/* Type oids of pg_type.h (server headers are not installed). */
#define PG_OID_BOOL	16
#define PG_OID_FLOAT4	700
#define PG_OID_FLOAT8	701
#define PG_OID_NUMERIC	1700

int
pg_column_count(struct db_stmt *st)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;

	return s->res == NULL ? 0 : PQnfields(s->res);
}

/* The current row has column i. */
static bool
pg_has(struct pgdb_stmt *s, int i)
{
	return s->res != NULL && s->row >= 0 && s->row < PQntuples(s->res) &&
	    i >= 0 && i < PQnfields(s->res);
}

bool
pg_column_null(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;

	return !pg_has(s, i) || PQgetisnull(s->res, s->row, i);
}

double
pg_column_double(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;
	const char *v;

	if (pg_column_null(st, i))
		return 0.0;
	v = PQgetvalue(s->res, s->row, i);
	if (PQftype(s->res, i) == PG_OID_BOOL)
		return v[0] == 't' ? 1.0 : 0.0;
	return store_strtod(v, NULL);
}

int64_t
pg_column_int64(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;
	const char *v;
	double d;

	if (pg_column_null(st, i))
		return 0;
	v = PQgetvalue(s->res, s->row, i);
	switch (PQftype(s->res, i)) {
	case PG_OID_BOOL:
		return v[0] == 't';
	case PG_OID_FLOAT4:
	case PG_OID_FLOAT8:
	case PG_OID_NUMERIC:
		/* As SQLite reads a REAL as an integer: toward zero. */
		d = store_strtod(v, NULL);
		if (isnan(d))
			return 0;
		if (d >= 9223372036854775807.0)
			return INT64_MAX;
		if (d <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)d;
	default:
		return strtoll(v, NULL, 10);
	}
}

const char *
pg_column_text(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;

	if (pg_column_null(st, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

size_t
pg_column_bytes(struct db_stmt *st, int i)
{
	struct pgdb_stmt *s = (struct pgdb_stmt *)st;

	if (pg_column_null(st, i))
		return 0;
	return (size_t)PQgetlength(s->res, s->row, i);
}
