/* Command line of mlmon-top. */
#ifndef MLMON_TUI_OPTIONS_H
#define MLMON_TUI_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "tui/app.h"

/*
 * Parse argv into o (defaults first: $MLMON_DB else ./monitoring.db).
 * 0 run, 1 done (--help / --version printed to out), -1 bad usage
 * (*cause set, caller frees; exit 2).
 */
int	options_parse(int argc, char **argv, struct options *o, FILE *out,
	    char **cause);
void	options_usage(FILE *f);
/* "text", "json" or "csv". */
bool	parse_format(const char *s, enum out_format *out);
/* "overview", "drift", "calibration", "alerts" or 1..4; -1 if unknown. */
int	options_tab(const char *s);

#endif
