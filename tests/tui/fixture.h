/*
 * A deterministic store for the console's tests, written through the
 * real store API and report encoders (so the console reads exactly what
 * ingest writes), then with every timestamp pinned to FIXTURE_T0 + k so
 * frames are reproducible under MLMON_NOW.
 *
 * 3 classes, 5 features (the last one's name carries an escape sequence),
 * 50 rows a batch. Batches 1..9 are calm; from 10 "income" drifts hard
 * (PSI > 0.20, KS p < 0.01), "score" sits between 0.10 and 0.20, the
 * model gets overconfident and accuracy drops; label shift from 12, DDM
 * fires at 13, ADWIN at 14. Labels exist up to fixture_labelled.
 */
#ifndef MLMON_TESTS_TUI_FIXTURE_H
#define MLMON_TESTS_TUI_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

struct query;

#define FIXTURE_T0		1700000000.0
#define FIXTURE_ROWS		50
#define FIXTURE_FEATURES	5
#define FIXTURE_CLASSES		3

struct fixture_opts {
	int64_t	first;		/* first batch to write */
	int64_t	last;		/* last batch to write */
	int64_t	labelled;	/* batches <= this get labels */
	int	n_alerts;	/* alerts over the whole run */
	bool	pin_times;	/* rewrite timestamps to FIXTURE_T0 + ... */
	bool	leave_open;	/* do not close the last batch */
};

/* 0 ok, -1 with a message on stderr. */
int	fixture_write(const char *path, const struct fixture_opts *o);
/*
 * query_refresh(q) once a commit another connection made before the call
 * has reached q: at once on SQLite (PRAGMA data_version moves with the
 * commit), on PostgreSQL when the writer's notification arrives, which
 * the server sends to q's connection after the commit has returned to
 * the writer (issue 16's contract is "within 100 ms"). Waits on
 * query_wait_fd up to FIXTURE_COMMIT_WAIT_SECONDS, generous for a
 * loaded machine: a notification lost still fails, after that long.
 * query_refresh's last answer.
 */
#define FIXTURE_COMMIT_WAIT_SECONDS	10.0
int	fixture_refresh(struct query *q);
/* What "now" the goldens use: 50 s after the last batch closed. */
double	fixture_now(const struct fixture_opts *o);

#endif
