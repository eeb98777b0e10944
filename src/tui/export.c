/*
 * JSON and CSV for --once (see export.h). The numbers come from the same
 * loaded data the views draw (struct app), so an export and a frame of
 * the same tab never disagree; only what a frame has no room for (every
 * alert, every report type of the overview's batches) is read on top.
 */
#include "tui/export.h"

#include <stdio.h>
#include <stdlib.h>

#include "db/alert-mute.h"
#include "prom/prom.h"
#include "tui/export-internal.h"
#include "tui/render.h"

int
export_load(struct app *a)
{
	const struct query_overview *ov;
	struct query_alert_filter f;
	int64_t lo, hi, n;

	if (query_state(a->q) != QUERY_OK)
		return 0;
	ov = query_overview(a->q);
	switch (a->tab) {
	case TAB_OVERVIEW:
		/* The chart's batches, with every column of the table. */
		app_series_range(a, (int)render_chart_capacity(a->body.w - 2),
		    &lo, &hi);
		return query_series_load(a->q, lo, hi, QUERY_REPORT_FEATURE |
		    QUERY_REPORT_PREDICTION | QUERY_REPORT_PERFORMANCE |
		    QUERY_REPORT_ESTIMATE, &a->series);
	case TAB_ALERTS:
		/* Every alert the filter matches, not one screen of them. */
		f.severity = app_severity_filter(a->alerts_sev);
		f.search = a->alerts_search;
		free(a->mutes);
		a->mutes = NULL;
		if (query_mutes_load(a->q, a->now, &a->mutes,
		    &a->n_mutes) == -1)
			return -1;
		f.all_models = a->alerts_all;
		n = ov->n_alerts;
		if (f.all_models) {
			if (query_alerts_load(a->q, &f, 0, 0, &a->alerts) == -1)
				return -1;
			n = a->alerts.total;
		}
		if (n <= 0)
			return 0;
		return query_alerts_load(a->q, &f, 0, (size_t)n, &a->alerts);
	case TAB_FLEET:
		return query_fleet_load(a->q, &a->fleet);
	default:
		return 0;
	}
}

int
export_write(const struct app *a, enum out_format f, FILE *out)
{
	char *cause;

	if (f == FORMAT_PROMETHEUS) {
		/* Every model, or the one --model names. */
		if (prom_write(a->q, a->opt.model, out, &cause) != 0) {
			fprintf(stderr, "mlmon-top: %s\n", cause);
			free(cause);
			return -1;
		}
		return ferror(out) ? -1 : 0;
	}
	if (f == FORMAT_JSON)
		return export_json(a, out);
	return export_csv(a, out);
}

