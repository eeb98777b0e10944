/*
 * The s key: the current tab as plain text, the frame --once prints at
 * the terminal's size, saved to
 *
 *   $XDG_STATE_HOME/mlmon-top/snap-YYYYmmdd-HHMMSS.txt
 *   $HOME/.local/state/mlmon-top/...     when XDG_STATE_HOME is unset,
 *                                         empty or not absolute
 *
 * in local time. Missing directories are created 0700 (htop Settings.c);
 * the text goes to a mkstemp() file in the same directory, which is then
 * renamed into place, so no reader ever sees half a snapshot. A second
 * snapshot in the same second gets a -2, -3, ... suffix.
 */
#ifndef MLMON_TUI_SNAPSHOT_H
#define MLMON_TUI_SNAPSHOT_H

#include <stddef.h>

struct app;

/* The directory for xdg_state and home (either may be NULL). Caller frees. */
char	*snapshot_dir(const char *xdg_state, const char *home, char **cause);
/*
 * Write len bytes of text to a new snap-<local time of now>.txt in dir.
 * Returns the path (caller frees), or NULL with *cause set.
 */
char	*snapshot_write(const char *dir, double now, const char *text,
	    size_t len, char **cause);
/*
 * Draw a's current tab at w x h without highlights, save it, and show
 * the path or the error in the function bar (app_set_status). 0 or -1.
 */
int	snapshot_take(struct app *a, int w, int h);

#endif
