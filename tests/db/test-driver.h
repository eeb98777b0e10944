/*
 * Between the driver suite's files (test-driver.c, test-driver-send.c,
 * test-driver-copy.c):
 * the backend under test and the helpers every case uses.
 */
#ifndef MLMON_TESTS_DB_TEST_DRIVER_H
#define MLMON_TESTS_DB_TEST_DRIVER_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/driver.h"

extern bool	 pg;	/* PostgreSQL (else SQLite) */

struct db_conn	*open_mode(enum db_open_mode mode);
/* A connection with an empty table t (explicit ids on both backends). */
struct db_conn	*open_t(void);
struct db_stmt	*prep(struct db_conn *c, const char *sql);
/* The one integer sql gives. */
int64_t		 one(struct db_conn *c, const char *sql);
/* Run the test server's ctl script (tests/pg/with-pg) with args. */
void		 server(const char *args);

/* test-driver-send.c: its cases on both backends and on one. */
void		 driver_send_tests(TCase *both, TCase *only);
/* test-driver-copy.c: binary COPY's cases (PostgreSQL; refused on SQLite). */
void		 driver_copy_tests(TCase *only);

#endif
