/* mlmon-top's entry point: options, then batch mode or the live loop. */
#ifndef MLMON_TUI_CONSOLE_H
#define MLMON_TUI_CONSOLE_H

#include <stdio.h>

#include "tui/app.h"

/* The whole program; returns the exit status. */
int	console_main(int argc, char **argv);
/* --once: draw one frame of a into out as plain text. 0 or 1. */
int	console_once(struct app *a, FILE *out);

#endif
