/*
 * query-estimate: what the overview shows of performance estimated before
 * the labels: the newest estimated_performance report (decoded with the
 * one decoder, db/report-json.h) and the running grades of the estimates
 * (the detector_state row ingest keeps: batches graded when their labels
 * landed and the sums of |realized - estimated|), both of the model
 * shown. As stored: the console shows them and decides nothing.
 */
#include "db/query-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/monitor.h"
#include "db/report-json.h"

/* The running grades, when stored and decodable; 0 or an error kind. */
static int
query_read_grades(struct query *q, struct estimate_grades *g)
{
	struct db_stmt *st;
	const char *text;
	int rc, err = 0;

	memset(g, 0, sizeof *g);
	st = query_prepare(q, "SELECT state FROM detector_state"
	    " WHERE name = '" ESTIMATE_GRADES_NAME "' AND model_id = :model");
	if (st == NULL)
		return query_err(q);
	rc = db_step(st);
	if (rc == DB_ROW) {
		text = db_column_text(st, 0);
		if (!estimate_grades_decode(text, g))
			memset(g, 0, sizeof *g);
	} else if (rc != DB_DONE)
		err = query_err(q);
	query_release(q, st);
	return err;
}

int
query_read_estimate(struct query *q)
{
	struct query_overview *ov = &q->ov;
	struct estimate_grades g;
	char *p, *cause = NULL;
	int err = 0;

	ov->has_est = false;
	p = query_latest_report(q, REPORT_TYPE_ESTIMATE, &ov->est_batch, &err);
	if (p != NULL && report_json_decode_estimate(p, strlen(p), &ov->est,
	    &cause) == 0)
		ov->has_est = true;
	free(p);
	free(cause);
	if (err == 0)
		err = query_read_grades(q, &g);
	ov->n_graded = g.n;
	ov->mae_acc = estimate_grades_mae(&g, false);
	ov->mae_f1 = estimate_grades_mae(&g, true);
	return err;
}
