/*
 * Glyphs: paired UTF-8 / ASCII tables indexed by an enum, chosen once at
 * start-up (htop CRT_treeStrUtf8 / CRT_treeStrAscii). Each glyph is one
 * terminal column. Braille dots for charts are computed, not tabled.
 */
#ifndef MLMON_TUI_GLYPHS_H
#define MLMON_TUI_GLYPHS_H

#include <stdbool.h>
#include <stdint.h>

enum glyph {
	G_SPARK1, G_SPARK2, G_SPARK3, G_SPARK4,
	G_SPARK5, G_SPARK6, G_SPARK7, G_SPARK8,
	G_BAR1, G_BAR2, G_BAR3, G_BAR4,		/* left eighths */
	G_BAR5, G_BAR6, G_BAR7, G_BAR8,
	G_SHADE1, G_SHADE2, G_SHADE3, G_SHADE4,
	G_HLINE, G_VLINE, G_TL, G_TR, G_BL, G_BR,
	G_DASH,			/* threshold line */
	G_UP, G_DOWN,		/* under / over marks, deltas */
	G_ELLIPSIS,
	G_TICK,			/* the diagonal on a reliability bar */
	G_MISSING,		/* no value for this batch */
	G_ACTIVE,		/* active tab */
	G_NEW,			/* arrived in the last refresh */
	G_COUNT,
};

/* Pick the table once. */
void		glyphs_init(bool utf8);
bool		glyphs_utf8(void);
uint32_t	glyph(enum glyph g);
/*
 * A chart cell from a dot mask: bit (x * 4 + y) for x in 0..1, y in 0..3
 * from the top in UTF-8 (braille); x 0, y 0..1 in ASCII.
 */
uint32_t	glyph_dots(unsigned mask);
/* Dots per cell in each direction for the current table. */
int		glyph_dots_x(void);
int		glyph_dots_y(void);

#endif
