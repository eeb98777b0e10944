/*
 * The fixture of the store's Check suites: a private temp dir holding
 * the store file db_path (fixture_setup, fixture_teardown), the store
 * opened read-write on it, one value read with a fresh connection, rows
 * added through the store API, and the suite's main (fixture_main) over
 * a table of cases.
 */
#ifndef MLMON_TESTS_DB_FIXTURE_H
#define MLMON_TESTS_DB_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

extern char	 db_dir[64];	/* the temp dir */
extern char	*db_path;	/* the store file in it */

/* One case of a suite. */
struct fixture_case {
	const TTest	*test;
};

void		 fixture_setup(void);
void		 fixture_teardown(void);
/*
 * Run the cases as suite name (each in its own fixture, timeout seconds
 * each); the process's exit status.
 */
int		 fixture_main(const char *name, const struct fixture_case *cases,
		    size_t n, double timeout);
/* The store on db_path, read-write; the test fails if it cannot open. */
struct store	*open_rw(void);
/* The first column of sql's first row: -1 NULL, -999 no row. */
long long	 q_int(const char *sql);
/* The same as a double: NAN for NULL or no row. */
double		 q_double(const char *sql);
/*
 * Add row (batch, row) of the fixed test content, label -1 for none:
 * store_prediction_add's result.
 */
int		 add_row(struct store *s, int64_t batch, int64_t row, int label,
		    char **cause);
/* Add rows 0..rows-1 of batch, labelled or not; each must be new. */
void		 add_batch(struct store *s, int64_t batch, int rows,
		    bool labelled);

#endif
