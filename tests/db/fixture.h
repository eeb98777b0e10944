/*
 * The fixture of the store's Check suites: a private temp dir holding
 * the store file db_path (fixture_setup, fixture_teardown), the store
 * opened read-write on it, and one value read with a fresh sqlite3
 * connection.
 */
#ifndef MLMON_TESTS_DB_FIXTURE_H
#define MLMON_TESTS_DB_FIXTURE_H

struct store;

extern char	 db_dir[64];	/* the temp dir */
extern char	*db_path;	/* the store file in it */

void		 fixture_setup(void);
void		 fixture_teardown(void);
/* The store on db_path, read-write; the test fails if it cannot open. */
struct store	*open_rw(void);
/* The first column of sql's first row: -1 NULL, -999 no row. */
long long	 q_int(const char *sql);
/* The same as a double: NAN for NULL or no row. */
double		 q_double(const char *sql);

#endif
