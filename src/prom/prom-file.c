/*
 * A metrics file for node_exporter's textfile collector, rewritten by a
 * writer process after each batch. The text goes to PATH.tmp.PID in the
 * same directory (not *.prom, so the collector never reads it half
 * written) and is renamed over PATH: a reader sees the old file or the
 * new one, never a mix. There is no fsync: after a crash the next batch
 * rewrites the file, and metrics are no record to keep.
 *
 * The store is read through its own read-only connection (struct query),
 * so the file shows what is committed, of every model of the store,
 * exactly as mlmon-top --once --format prometheus would print it.
 */
#include "prom/prom.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "db/query.h"

struct prom_file {
	char		*path;
	char		*tmp;
	struct query	*q;
	uint64_t	 gen;		/* of the last try */
	bool		 tried;
};

struct prom_file *
prom_file_create(const char *db_path, const char *path)
{
	struct prom_file *pf;

	pf = xcalloc(1, sizeof *pf);
	pf->path = xstrdup(path);
	pf->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	pf->q = query_create(db_path);
	return pf;
}

void
prom_file_destroy(struct prom_file *pf)
{
	if (pf == NULL)
		return;
	query_destroy(pf->q);
	free(pf->path);
	free(pf->tmp);
	free(pf);
}

/* Write the exposition to the temporary file and rename it over path. */
static int
prom_file_write(struct prom_file *pf, char **cause)
{
	FILE *f;
	int fd, err;

	fd = open(pf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		*cause = xasprintf("%s: %s", pf->tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (prom_write(pf->q, NULL, f, cause) != 0) {
		fclose(f);
		unlink(pf->tmp);
		return -1;
	}
	err = ferror(f) ? EIO : 0;
	if (fclose(f) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(pf->tmp, pf->path) != 0)
		err = errno;
	if (err != 0) {
		*cause = xasprintf("%s: %s", pf->path, strerror(err));
		unlink(pf->tmp);
		return -1;
	}
	return 0;
}

int
prom_file_update(struct prom_file *pf, uint64_t gen, int force,
    char **cause)
{
	if (!force && pf->tried && gen == pf->gen)
		return 0;
	pf->gen = gen;
	pf->tried = true;
	if (query_refresh(pf->q) == -1) {
		*cause = xasprintf("%s: busy (a writer holds the lock)",
		    query_path(pf->q));
		return -1;
	}
	return prom_file_write(pf, cause);
}
