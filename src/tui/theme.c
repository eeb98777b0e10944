/*
 * The two schemes. Colour uses only the 8 ANSI slots and the terminal's
 * default background (use_default_colors), so the terminal's own palette
 * applies and no init_color() is ever needed (it fails inside tmux).
 */
#include "tui/theme.h"

#define C_DEF	-1
#define C_BLACK	0
#define C_RED	1
#define C_GREEN	2
#define C_YELLOW 3
#define C_BLUE	4
#define C_MAGENTA 5
#define C_CYAN	6
#define C_WHITE	7

static const struct theme_style theme_schemes[2][ROLE_COUNT] = {
	[THEME_COLOR] = {
		[ROLE_NORMAL] = { C_DEF, C_DEF, 0 },
		[ROLE_DIM] = { C_DEF, C_DEF, THEME_DIM },
		[ROLE_BOLD] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_TITLE] = { C_CYAN, C_DEF, THEME_BOLD },
		[ROLE_TAB] = { C_DEF, C_DEF, 0 },
		[ROLE_TAB_ACTIVE] = { C_BLACK, C_GREEN, THEME_BOLD },
		[ROLE_FUNC_KEY] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_FUNC_TEXT] = { C_BLACK, C_CYAN, 0 },
		[ROLE_HEADER] = { C_BLACK, C_GREEN, 0 },
		[ROLE_SELECTED] = { C_BLACK, C_CYAN, 0 },
		[ROLE_GOOD] = { C_GREEN, C_DEF, 0 },
		[ROLE_WARN] = { C_YELLOW, C_DEF, THEME_BOLD },
		[ROLE_BAD] = { C_RED, C_DEF, THEME_BOLD },
		[ROLE_CRIT] = { C_WHITE, C_RED, THEME_BOLD },
		[ROLE_INFO] = { C_BLUE, C_DEF, 0 },
		[ROLE_SERIES1] = { C_CYAN, C_DEF, 0 },
		[ROLE_SERIES2] = { C_MAGENTA, C_DEF, 0 },
		[ROLE_REF] = { C_YELLOW, C_DEF, 0 },
		[ROLE_ESTIMATE] = { C_GREEN, C_DEF, THEME_BOLD },
		[ROLE_BAND] = { C_GREEN, C_DEF, THEME_DIM },
		[ROLE_PAUSED] = { C_BLACK, C_YELLOW, THEME_BOLD },
		[ROLE_PROMPT] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_SHADE1] = { C_BLUE, C_DEF, 0 },
		[ROLE_SHADE2] = { C_BLUE, C_DEF, THEME_BOLD },
		[ROLE_SHADE3] = { C_CYAN, C_DEF, 0 },
		[ROLE_SHADE4] = { C_CYAN, C_DEF, THEME_BOLD },
		[ROLE_NEW] = { C_DEF, C_DEF, THEME_REVERSE | THEME_BOLD },
	},
	[THEME_MONO] = {
		[ROLE_NORMAL] = { C_DEF, C_DEF, 0 },
		[ROLE_DIM] = { C_DEF, C_DEF, THEME_DIM },
		[ROLE_BOLD] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_TITLE] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_TAB] = { C_DEF, C_DEF, 0 },
		[ROLE_TAB_ACTIVE] = { C_DEF, C_DEF,
		    THEME_REVERSE | THEME_BOLD },
		[ROLE_FUNC_KEY] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_FUNC_TEXT] = { C_DEF, C_DEF, THEME_REVERSE },
		[ROLE_HEADER] = { C_DEF, C_DEF, THEME_REVERSE },
		[ROLE_SELECTED] = { C_DEF, C_DEF, THEME_REVERSE },
		[ROLE_GOOD] = { C_DEF, C_DEF, 0 },
		[ROLE_WARN] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_BAD] = { C_DEF, C_DEF, THEME_BOLD | THEME_UNDERLINE },
		[ROLE_CRIT] = { C_DEF, C_DEF, THEME_REVERSE | THEME_BOLD },
		[ROLE_INFO] = { C_DEF, C_DEF, 0 },
		[ROLE_SERIES1] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_SERIES2] = { C_DEF, C_DEF, 0 },
		[ROLE_REF] = { C_DEF, C_DEF, THEME_DIM },
		[ROLE_ESTIMATE] = { C_DEF, C_DEF, THEME_UNDERLINE },
		[ROLE_BAND] = { C_DEF, C_DEF, THEME_DIM },
		[ROLE_PAUSED] = { C_DEF, C_DEF, THEME_REVERSE | THEME_BOLD },
		[ROLE_PROMPT] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_SHADE1] = { C_DEF, C_DEF, 0 },
		[ROLE_SHADE2] = { C_DEF, C_DEF, 0 },
		[ROLE_SHADE3] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_SHADE4] = { C_DEF, C_DEF, THEME_BOLD },
		[ROLE_NEW] = { C_DEF, C_DEF, THEME_REVERSE | THEME_BOLD },
	},
};

const struct theme_style *
theme_style(enum theme_scheme s, enum role r)
{
	if ((unsigned)r >= ROLE_COUNT)
		r = ROLE_NORMAL;
	return &theme_schemes[s][r];
}

char
theme_letter(enum theme_scheme s, enum role r)
{
	static const char mono[16] = "._RX_u~!d.....?";
	const struct theme_style *st = theme_style(s, r);

	if (s == THEME_COLOR)
		return r == ROLE_NORMAL ? '.' : (char)('a' + (int)r);
	/* bold B, reverse R, both X, underline+bold u, dim d. */
	if (st->attrs == 0)
		return '.';
	if (st->attrs == THEME_BOLD)
		return 'B';
	if (st->attrs == THEME_REVERSE)
		return 'R';
	if (st->attrs == (THEME_REVERSE | THEME_BOLD))
		return 'X';
	if (st->attrs == (THEME_BOLD | THEME_UNDERLINE))
		return 'U';
	if (st->attrs == THEME_DIM)
		return 'd';
	return mono[st->attrs & 15];
}
