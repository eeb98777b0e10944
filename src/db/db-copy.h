/*
 * db-copy: a whole store from one backend to the other, or to another
 * store of the same backend (mlmon-db copy): a team moving to PostgreSQL
 * when it outgrows one box, or a laptop investigation back in SQLite.
 *
 * The destination gets the schema its backend's store makes, then every
 * table's rows with their ids, table by table in transactions of
 * DB_COPY_CHUNK rows, through the driver. Copying again after an
 * interruption resumes: a table with an id column goes on after the
 * destination's largest id, the others skip the rows already there (by
 * their keys). The fleet summary (model_status), which the destination's
 * triggers rebuild as rows arrive, is then replaced by the source's. At
 * the end every table's row count and a digest of every report (model,
 * batch, type, payload bytes) are compared: equal, or the copy fails.
 */
#ifndef MLMON_DB_DB_COPY_H
#define MLMON_DB_DB_COPY_H

#include <stdint.h>

#define DB_COPY_CHUNK	5000

struct db_copy_progress {
	const char	*table;
	int64_t		 done;		/* rows of table copied so far */
	int64_t		 total;		/* rows of table in the source */
};

/* Called after each chunk and at each table's end. */
typedef void	(*db_copy_progress_fn)(const struct db_copy_progress *, void *);

struct db_copy_result {
	int		 tables;
	int64_t		 rows;		/* in the destination at the end */
	int64_t		 copied;	/* of them, written by this run */
	int64_t		 reports;
	uint64_t	 digest;	/* of the reports, equal on both */
};

/*
 * Copy the store src into dst (either a SQLite path or a PostgreSQL
 * target; dst is created or resumed). 0, or -1 and *cause (targets named
 * with their passwords masked).
 */
int		 db_copy(const char *src, const char *dst,
		     db_copy_progress_fn progress, void *arg,
		     struct db_copy_result *res, char **cause);

#endif
