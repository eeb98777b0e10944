/*
 * The Prometheus text exposition (format 0.0.4) of one store, for
 * node_exporter's textfile collector and for mlmon-top --once --format
 * prometheus. Every value is read through src/db's query API from the
 * stored reports, the ledger and the alert conditions; nothing is judged
 * here (docs/METRICS.md lists the metrics).
 */
#ifndef MLMON_PROM_PROM_H
#define MLMON_PROM_PROM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct query;
struct prom_file;

/*
 * Write the metrics of every model of the store q reads (refreshed by
 * the caller), or of model only when only is not NULL, to out: nothing
 * for a store without batches, and nothing of a model without one. q
 * shows each model in turn, and its own model again at the end. 0, or
 * -1 and *cause (caller frees; a busy store is one, worth a retry).
 */
int		 prom_write(struct query *q, const char *only, FILE *out,
		     char **cause);

/* s as a label value: \ " and newline escaped. Caller frees. */
char		*prom_label_escape(const char *s);
/* A sample value: shortest exact decimal, NaN, +Inf or -Inf. */
void		 prom_format_value(double v, char buf[32]);

/*
 * A metrics file kept up to date by a writer process (mlmon-ingest
 * --metrics-file): every model of the store at db_path, read through its
 * own read-only connection. Caller destroys.
 */
struct prom_file *prom_file_create(const char *db_path, const char *path);
void		 prom_file_destroy(struct prom_file *pf);
/*
 * Rewrite the file atomically (a temporary file in the same directory,
 * then rename) when gen differs from the last call's, or always with
 * force. 0, or -1 and *cause (caller frees): the file is left as it was
 * and the next gen (or force) tries again.
 */
int		 prom_file_update(struct prom_file *pf, uint64_t gen, int force,
		     char **cause);

#endif
