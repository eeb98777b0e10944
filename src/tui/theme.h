/*
 * Colour roles. Views name a role, never a colour; a scheme maps each role
 * to a style (htop CRT_colorSchemes[scheme][element]). The monochrome
 * scheme uses bold / reverse / underline only, so every state stays
 * readable without colour (severity also carries a text marker).
 * Nothing here calls curses: the backend turns a style into attributes.
 */
#ifndef MLMON_TUI_THEME_H
#define MLMON_TUI_THEME_H

#include <stdbool.h>

enum role {
	ROLE_NORMAL,
	ROLE_DIM,
	ROLE_BOLD,
	ROLE_TITLE,
	ROLE_TAB,
	ROLE_TAB_ACTIVE,
	ROLE_FUNC_KEY,
	ROLE_FUNC_TEXT,
	ROLE_HEADER,
	ROLE_SELECTED,
	ROLE_GOOD,
	ROLE_WARN,
	ROLE_BAD,
	ROLE_CRIT,
	ROLE_INFO,
	ROLE_SERIES1,	/* accuracy */
	ROLE_SERIES2,	/* F1 */
	ROLE_REF,	/* reference and threshold lines */
	ROLE_PAUSED,
	ROLE_PROMPT,
	ROLE_SHADE1,
	ROLE_SHADE2,
	ROLE_SHADE3,
	ROLE_SHADE4,
	ROLE_NEW,	/* just arrived: reverse, never colour alone */
	ROLE_ESTIMATE,	/* estimated accuracy (CBPE), before labels */
	ROLE_BAND,	/* the estimate's bounds */
	ROLE_COUNT,
};

enum theme_scheme {
	THEME_COLOR,
	THEME_MONO,
};

#define THEME_BOLD	0x01
#define THEME_REVERSE	0x02
#define THEME_UNDERLINE	0x04
#define THEME_DIM	0x08

/* Colour numbers are the 8 ANSI slots; -1 is the terminal default. */
struct theme_style {
	short		fg;
	short		bg;
	unsigned	attrs;
};

const struct theme_style *theme_style(enum theme_scheme s, enum role r);
/* One letter per style for attribute dumps (tests). */
char		theme_letter(enum theme_scheme s, enum role r);

#endif
