/*
 * --once --format json|csv: the data of the current tab for scripts
 * (glances --stdout-json / --stdout-csv), instead of the drawn frame.
 *
 *   json  one object for the tab: numbers as numbers, null where the
 *         console shows "n/a" or "-", strings sanitised (no control
 *         characters, valid UTF-8) and escaped by cJSON.
 *   csv   the tab's main table with a header row: Overview one row per
 *         batch, Drift one per feature per batch, Calibration one per
 *         reliability bin, Alerts one per alert. Unknown values are
 *         empty fields; text is sanitised and quoted (RFC 4180) when it
 *         holds a comma, a quote or edge spaces.
 *
 * The batches are the ones the tab shows at the --width given.
 */
#ifndef MLMON_TUI_EXPORT_H
#define MLMON_TUI_EXPORT_H

#include <stdio.h>

#include "tui/app.h"

/* Read what the export needs beyond the view's own load. 0 or -1 busy. */
int	export_load(struct app *a);
/* The current tab as f (FORMAT_JSON or FORMAT_CSV). 0, -1 write error. */
int	export_write(const struct app *a, enum out_format f, FILE *out);
/*
 * One CSV text field: sanitised, quoted when it needs to be, a leading
 * = + - @ defused with an apostrophe.
 */
void	export_csv_field(FILE *out, const char *s);
/* A number as CSV: 15 significant digits (as JSON has them); NAN empty. */
void	export_csv_number(FILE *out, double v);

#endif
