/*
 * COPY table (columns) FROM STDIN on a PostgreSQL connection, in either
 * of the server's two formats.
 *
 * Text (db_pg_copy_begin, db_pg_copy_row): a line a row, tabs between
 * values, \N for NULL, and backslash, tab, newline and carriage return
 * escaped (the format's four specials), so any text survives; the server
 * parses every value from its text (int8in, float8in).
 *
 * Binary (db_pg_copy_begin_binary, db_pg_copy_tuple): the PGCOPY format
 * (PostgreSQL's documentation of COPY, "Binary Format"): the 11-byte
 * signature "PGCOPY\n\377\r\n\0", a 32-bit flags word and a 32-bit header
 * extension length (both 0); then each tuple as a 16-bit field count and
 * each field as a 32-bit length (-1: NULL, no bytes) and its bytes; a
 * 16-bit -1 ends the data. Every integer is in network byte order: an
 * int8 is its 8 bytes, a float8 the 8 bytes of its IEEE 754 bits, a text
 * its bytes as they are (the server checks their encoding, as it does a
 * text COPY's). Nothing is printed, escaped or parsed as text on either
 * side, so the caller names each value's type, which must be its
 * column's exactly (BIGINT, DOUBLE PRECISION, TEXT): the server refuses
 * an int8 sent to an INTEGER column ("incorrect binary data format").
 * A double is stored as db_pg_double_text's text would store it: NaN as
 * NULL and -0.0 as 0 (SQLite keeps neither), infinities as they are.
 *
 * Both gather their rows in the connection's buffer (struct pg_copy) and
 * hand it to libpq COPY_CHUNK bytes at a time: one CopyData message per
 * chunk rather than per row. 8 KiB is what libpq itself gathers before it
 * writes to the socket, so the server still reads, checks and inserts a
 * batch's rows while ingest parses the next ones (a larger chunk would
 * hold a 200-row batch, some 40 KiB, until the COPY's end, and the server
 * would do all of its work while ingest waits).
 *
 * The end checks the server's count: its "COPY n" (PQcmdTuples) must be
 * the rows sent. A row the server skipped (a BEFORE INSERT trigger that
 * returns NULL, a rule) would be lost without an error; a COPY that
 * stored fewer or more fails as an error naming both counts, and the
 * caller rolls its transaction back (store-stmt.c), as SQLite's held
 * rows do when an INSERT stores fewer than it was given.
 */
#include "db/driver-pg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/driver-pg-internal.h"

#define COPY_CHUNK	8192

static const char copy_signature[11] = "PGCOPY\n\377\r\n";	/* + NUL */

/* n more bytes at the end of cp's buffer (grown as needed). */
static unsigned char *
copy_room(struct pg_copy *cp, size_t n)
{
	unsigned char *p;

	if (cp->len + n > cp->cap) {
		cp->cap = cp->cap == 0 ? 4 * COPY_CHUNK : 2 * cp->cap;
		if (cp->cap < cp->len + n)
			cp->cap = cp->len + n;
		cp->buf = xreallocarray(cp->buf, cp->cap, 1);
	}
	p = (unsigned char *)cp->buf + cp->len;
	cp->len += n;
	return p;
}

static void
copy_put(struct pg_copy *cp, const void *v, size_t n)
{
	memcpy(copy_room(cp, n), v, n);
}

/* v in network byte order at p (nbytes: 2, 4 or 8). */
static void
put_be(unsigned char *p, uint64_t v, int nbytes)
{
	int i;

	for (i = nbytes - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

/* Hand what is buffered to libpq: 0, or -1 (the connection, recorded). */
static int
copy_flush(struct db_conn *c, PGconn *pq, struct pg_copy *cp)
{
	int rc;

	if (cp->len == 0)
		return 0;
	rc = PQputCopyData(pq, cp->buf, (int)cp->len);
	cp->len = 0;
	if (rc != 1) {
		db_pg_fail(c, NULL);
		return -1;
	}
	return 0;
}

static int
copy_start(struct db_conn *c, const char *table, const char *columns,
    bool binary)
{
	PGconn *pq = db_pg_conn(c);
	struct pg_copy *cp;
	PGresult *res;
	char *sql;

	if (pq == NULL || db_pg_settle(c) == -1)
		return -1;
	sql = xasprintf("COPY %s (%s) FROM STDIN%s", table, columns,
	    binary ? " (FORMAT binary)" : "");
	res = PQexec(pq, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		db_pg_fail(c, res);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	cp = pg_copy_state(c);
	cp->open = true;
	cp->binary = binary;
	cp->rows = 0;
	cp->len = 0;
	if (binary) {
		copy_put(cp, copy_signature, sizeof copy_signature);
		put_be(copy_room(cp, 8), 0, 8);	/* flags, extension: 0 */
	}
	return 0;
}

int
db_pg_copy_begin(struct db_conn *c, const char *table, const char *columns)
{
	return copy_start(c, table, columns, false);
}

int
db_pg_copy_begin_binary(struct db_conn *c, const char *table,
    const char *columns)
{
	return copy_start(c, table, columns, true);
}

/* The COPY under way on c in that format, else NULL (error recorded). */
static struct pg_copy *
copy_open(struct db_conn *c, bool binary)
{
	struct pg_copy *cp;

	if (db_pg_conn(c) == NULL)
		return NULL;
	cp = pg_copy_state(c);
	if (!cp->open || cp->binary != binary) {
		db_set_error(c, DB_E_OTHER, binary ?
		    "no binary COPY under way" : "no text COPY under way");
		return NULL;
	}
	return cp;
}

/* value in COPY's text format, appended to cp's buffer. */
static void
copy_text_value(struct pg_copy *cp, const char *v)
{
	const char *p, *run, *esc;

	if (v == NULL) {
		copy_put(cp, "\\N", 2);
		return;
	}
	for (p = run = v; *p != '\0'; p++) {
		esc = *p == '\\' ? "\\\\" : *p == '\t' ? "\\t" :
		    *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
		if (esc == NULL)
			continue;
		copy_put(cp, run, (size_t)(p - run));
		copy_put(cp, esc, 2);
		run = p + 1;
	}
	copy_put(cp, run, (size_t)(p - run));
}

int
db_pg_copy_row(struct db_conn *c, const char *const *values, size_t ncols)
{
	struct pg_copy *cp;
	size_t i;

	if ((cp = copy_open(c, false)) == NULL)
		return -1;
	for (i = 0; i < ncols; i++) {
		if (i > 0)
			copy_put(cp, "\t", 1);
		copy_text_value(cp, values[i]);
	}
	copy_put(cp, "\n", 1);
	cp->rows++;
	return cp->len >= COPY_CHUNK ? copy_flush(c, db_pg_conn(c), cp) : 0;
}

/* One field of a binary tuple. */
static void
copy_field(struct pg_copy *cp, const struct db_copy_value *v)
{
	unsigned char *p;
	uint64_t bits;
	size_t n;
	double d;

	switch (v->type) {
	case DB_COPY_INT8:
		p = copy_room(cp, 12);
		put_be(p, 8, 4);
		put_be(p + 4, (uint64_t)v->v.i, 8);
		return;
	case DB_COPY_FLOAT8:
		if (isnan(v->v.d))
			break;		/* NULL, as SQLite stores a NaN */
		d = v->v.d == 0.0 ? 0.0 : v->v.d;	/* no -0.0 either */
		memcpy(&bits, &d, sizeof bits);
		p = copy_room(cp, 12);
		put_be(p, 8, 4);
		put_be(p + 4, bits, 8);
		return;
	case DB_COPY_TEXT:
		if (v->v.s == NULL)
			break;
		n = strlen(v->v.s);
		p = copy_room(cp, 4 + n);
		put_be(p, (uint64_t)n, 4);
		memcpy(p + 4, v->v.s, n);
		return;
	case DB_COPY_NULL:
		break;
	}
	put_be(copy_room(cp, 4), 0xffffffffu, 4);	/* -1: NULL */
}

int
db_pg_copy_tuple(struct db_conn *c, const struct db_copy_value *values,
    size_t ncols)
{
	struct pg_copy *cp;
	size_t i;

	if ((cp = copy_open(c, true)) == NULL)
		return -1;
	if (ncols > INT16_MAX) {
		db_set_error(c, DB_E_OTHER, "too many columns for a COPY");
		return -1;
	}
	put_be(copy_room(cp, 2), ncols, 2);
	for (i = 0; i < ncols; i++)
		copy_field(cp, &values[i]);
	cp->rows++;
	return cp->len >= COPY_CHUNK ? copy_flush(c, db_pg_conn(c), cp) : 0;
}

/*
 * res, a COPY's COMMAND_OK, stored as many rows as were sent (0), or not:
 * c's error says both counts (-1).
 */
static int
copy_count_check(struct db_conn *c, const PGresult *res, long long sent)
{
	const char *n = PQcmdTuples((PGresult *)res);
	char msg[160], *end;
	long long stored;

	stored = strtoll(n, &end, 10);
	if (*n != '\0' && *end == '\0' && stored == sent)
		return 0;
	if (*n == '\0' || *end != '\0')
		snprintf(msg, sizeof msg, "the server's COPY gave no row count "
		    "(\"%.40s\") for the %lld rows sent", n, sent);
	else
		snprintf(msg, sizeof msg, "the server's COPY stored %lld of "
		    "the %lld rows sent", stored, sent);
	db_set_error(c, DB_E_OTHER, msg);
	return -1;
}

int
db_pg_copy_end(struct db_conn *c)
{
	PGconn *pq = db_pg_conn(c);
	struct pg_copy *cp;
	PGresult *res;
	int status = 0;

	if (pq == NULL)
		return -1;
	cp = pg_copy_state(c);
	if (cp->open && cp->binary)
		put_be(copy_room(cp, 2), 0xffff, 2);	/* -1: the end */
	cp->open = false;
	if (copy_flush(c, pq, cp) == -1)
		status = -1;
	if (PQputCopyEnd(pq, NULL) != 1 && status == 0) {
		db_pg_fail(c, NULL);
		status = -1;
	}
	/* Read every result so the connection is ready for the next. */
	while ((res = PQgetResult(pq)) != NULL) {
		if (status == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
			db_pg_fail(c, res);
			status = -1;
		} else if (status == 0)
			status = copy_count_check(c, res, cp->rows);
		PQclear(res);
	}
	if (status == 0)
		db_set_error(c, DB_E_NONE, NULL);
	return status;
}
