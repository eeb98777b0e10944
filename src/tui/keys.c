/*
 * The one key table (htop Action_setBindings): every key the console
 * knows, mapped once to an action. Views see actions, never key codes.
 */
#include "tui/app.h"

#include "tui/curses-compat.h"

#define KEYS_MAX	(KEY_MAX + 1)
#define KEY_CTRL(c)	((c) & 0x1f)

static unsigned char keys_table[KEYS_MAX];

const struct help_line help_lines[] = {
	{ "1 2 3 4", "Overview, Drift, Calibration, Alerts" },
	{ "0 m", "Fleet: every model, worst first (Enter opens)" },
	{ "Tab S-Tab [ ]", "next / previous tab" },
	{ "Up Dn j k", "select feature (Drift), scroll (Alerts)" },
	{ "o", "order features by PSI, p, missing, name (Drift)" },
	{ "Left Right", "previous / next batch (Calibration)" },
	{ "PgUp PgDn", "page; 10 batches in Calibration" },
	{ "Home End G", "first / last (End follows the newest)" },
	{ "^U ^D", "half a page up / down" },
	{ "g", "go to a batch id (Calibration)" },
	{ "/  v", "filter features by name (Drift), search alerts / "
	  "cycle severity filter" },
	{ "M", "alerts of the model shown / of every model" },
	{ "Del Esc", "clear the filter" },
	{ "a", "acknowledge the selected alert (Alerts)" },
	{ "S", "silence its condition, rule or model for a time" },
	{ "u", "remove its ack or silence" },
	{ "Space p Z", "pause / resume the refresh" },
	{ "+ -", "refresh delay +/- 0.1 s (0.1 to 10 s)" },
	{ "s", "save this tab to a text file (snapshot)" },
	{ "mouse", "click a tab; the wheel is Up / Down" },
	{ "Shift+drag", "select text to copy (or run with --no-mouse)" },
	{ "^L", "repaint the whole screen" },
	{ "? F1 h", "this help; Esc closes it" },
	{ "q F10 ^C", "quit" },
	{ NULL, NULL },
};

void
keys_init(void)
{
	unsigned char *k = keys_table;
	int i;

	for (i = 0; i < KEYS_MAX; i++)
		k[i] = ACT_NONE;
	k['q'] = k[KEY_F(10)] = ACT_QUIT;
	k['?'] = k['h'] = k[KEY_F(1)] = ACT_HELP;
	k[27] = ACT_ESCAPE;
	k['\t'] = k[']'] = ACT_NEXT_TAB;
	k[KEY_BTAB] = k['['] = ACT_PREV_TAB;
	k['1'] = ACT_TAB1;
	k['2'] = ACT_TAB2;
	k['3'] = ACT_TAB3;
	k['4'] = ACT_TAB4;
	k['0'] = k['m'] = ACT_FLEET;
	k['-'] = ACT_FASTER;
	k['+'] = k['='] = ACT_SLOWER;
	k[' '] = k['p'] = k['Z'] = ACT_PAUSE;
	k[KEY_CTRL('L')] = ACT_REPAINT;
	k[KEY_UP] = k['k'] = ACT_UP;
	k[KEY_DOWN] = k['j'] = ACT_DOWN;
	k[KEY_LEFT] = ACT_LEFT;
	k[KEY_RIGHT] = k['l'] = ACT_RIGHT;
	k[KEY_PPAGE] = ACT_PAGE_UP;
	k[KEY_NPAGE] = ACT_PAGE_DOWN;
	k[KEY_CTRL('U')] = ACT_HALF_UP;
	k[KEY_CTRL('D')] = ACT_HALF_DOWN;
	k[KEY_HOME] = ACT_HOME;
	k[KEY_END] = k['G'] = ACT_END;
	k['g'] = ACT_GOTO;
	k['/'] = ACT_SEARCH;
	k['v'] = ACT_SEVERITY;
	k['M'] = ACT_ALL_MODELS;
	k['o'] = ACT_SORT;
	k['s'] = ACT_SNAPSHOT;
	k['a'] = ACT_ACK;
	k['S'] = ACT_SILENCE;
	k['u'] = ACT_UNDO;
	k[KEY_DC] = ACT_CLEAR;
	k['\n'] = k['\r'] = k[KEY_ENTER] = ACT_ENTER;
	k[KEY_RESIZE] = ACT_RESIZE;
}

enum action
keys_lookup(int key)
{
	if (key < 0 || key >= KEYS_MAX)
		return ACT_NONE;
	return (enum action)keys_table[key];
}
