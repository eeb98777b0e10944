/*
 * The fleet: one row per model of the store, for the console's Fleet tab.
 * Every number is read from model_status (schema-fleet.c), the summary
 * the writers' triggers keep in the transaction of each write: one
 * statement over a table of one small row per model, whatever the
 * history, so a frame of the fleet is flat in batches and cheap in
 * models. Nothing is re-decided here: the drift verdict, the conditions'
 * severities and the accuracy are the stored ones.
 */
#include "db/query.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/query-internal.h"

static const char sql_fleet[] =
    "SELECT m.model_id, m.name, s.latest_batch, s.last_write, s.rows,"
    " s.labelled, s.rate_rows, s.rate_span, s.drift, s.accuracy,"
    " s.acc_delta, s.open_critical, s.open_warning, s.last_page"
    " FROM models m LEFT JOIN model_status s USING (model_id)"
    " ORDER BY m.name";

void
query_fleet_finish(struct query_fleet *f)
{
	free(f->rows);
	memset(f, 0, sizeof *f);
}

static double
fleet_double(struct db_stmt *st, int i, double def)
{
	if (db_column_null(st, i))
		return def;
	return db_column_double(st, i);
}

static int64_t
fleet_int(struct db_stmt *st, int i, int64_t def)
{
	if (db_column_null(st, i))
		return def;
	return db_column_int64(st, i);
}

/* One row from the current row of sql_fleet. */
static void
fleet_row(struct db_stmt *st, struct query_fleet_row *r)
{
	const char *name;
	double span;

	memset(r, 0, sizeof *r);
	r->model_id = db_column_int64(st, 0);
	name = db_column_text(st, 1);
	snprintf(r->model, sizeof r->model, "%s", name != NULL ? name : "");
	r->latest_batch = fleet_int(st, 2, -1);
	r->last_write = fleet_double(st, 3, 0);
	r->rows = fleet_int(st, 4, 0);
	r->labelled = fleet_int(st, 5, 0);
	span = fleet_double(st, 7, 0);
	r->rows_per_min = span > 0 ? fleet_double(st, 6, 0) * 60 / span :
	    NAN;
	switch (fleet_int(st, 8, 0)) {
	case 2:
		r->drift = QUERY_FLEET_DRIFT_DRIFT;
		break;
	case 1:
		r->drift = QUERY_FLEET_DRIFT_INVESTIGATE;
		break;
	default:
		r->drift = QUERY_FLEET_DRIFT_NONE;
		break;
	}
	r->accuracy = fleet_double(st, 9, NAN);
	r->acc_delta = fleet_double(st, 10, NAN);
	r->has_perf = !isnan(r->accuracy);
	r->open_critical = fleet_int(st, 11, 0);
	r->open_warning = fleet_int(st, 12, 0);
	r->last_page = fleet_double(st, 13, 0);
}

int
query_fleet_load(struct query *q, struct query_fleet *out)
{
	struct db_stmt *st;
	int rc, err = 0;

	out->n = 0;
	if (q->db == NULL || q->state != QUERY_OK)
		return 0;
	if ((st = query_prepare(q, sql_fleet)) == NULL)
		return query_busy(query_err(q)) ? -1 : 0;
	while ((rc = db_step(st)) == DB_ROW) {
		if (out->n == out->cap) {
			out->cap = out->cap == 0 ? 16 : 2 * out->cap;
			out->rows = xreallocarray(out->rows, out->cap,
			    sizeof *out->rows);
		}
		fleet_row(st, &out->rows[out->n++]);
	}
	if (rc != DB_DONE) {
		err = query_err(q);
		out->n = 0;
	}
	query_release(q, st);
	return query_busy(err) ? -1 : 0;
}
