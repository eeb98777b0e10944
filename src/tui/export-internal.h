/*
 * The private half of export.h: what the JSON and the CSV writers
 * (export-json.c, export-csv.c) share, and their entries, which
 * export_write (export.c) picks from.
 */
#ifndef MLMON_TUI_EXPORT_INTERNAL_H
#define MLMON_TUI_EXPORT_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/export.h"

#define EXPORT_FLAGS_MAX	6	/* flags of one feature verdict */

/* The current tab of a as JSON, as CSV. 0, -1 write error. */
int	export_json(const struct app *a, FILE *out);
int	export_csv(const struct app *a, FILE *out);

/* Sanitised copy of untrusted text. Caller frees. */
static inline char *
export_clean(const char *s)
{
	size_t size;
	char *out;

	if (s == NULL)
		s = "";
	size = strlen(s) * 3 + 1;	/* each bad byte may become U+FFFD */
	out = xmalloc(size);
	sanitize_into(s, out, size);
	return out;
}

/* Drift flags of one stored feature verdict, as the Drift tab marks. */
static inline int
export_flags(unsigned char v, const char *out[EXPORT_FLAGS_MAX])
{
	int n = 0;

	if (v & QUERY_F_PSI_DRIFT)
		out[n++] = "psi_critical";
	else if (v & QUERY_F_PSI_INVESTIGATE)
		out[n++] = "psi_warning";
	if (v & QUERY_F_KS_DRIFT)
		out[n++] = "ks";
	if (v & QUERY_F_CHISQ_DRIFT)
		out[n++] = "chisq";
	if (v & QUERY_F_NEW_CATEGORIES)
		out[n++] = "new_categories";
	if (v & QUERY_F_MISSING)
		out[n++] = "missingness";
	if (v & QUERY_F_NO_VALUES)
		out[n++] = "no_values";
	return n;
}

#endif /* MLMON_TUI_EXPORT_INTERNAL_H */
