/*
 * Glyph tables. UTF-8: block elements, box drawing, braille. ASCII: the
 * htop fallbacks (".:" for dots, "|-`" for boxes, "#" for bars).
 */
#include "tui/glyphs.h"

#include <stddef.h>

static const uint32_t glyphs_utf8_table[G_COUNT] = {
	[G_SPARK1] = 0x2581, [G_SPARK2] = 0x2582, [G_SPARK3] = 0x2583,
	[G_SPARK4] = 0x2584, [G_SPARK5] = 0x2585, [G_SPARK6] = 0x2586,
	[G_SPARK7] = 0x2587, [G_SPARK8] = 0x2588,
	[G_BAR1] = 0x258F, [G_BAR2] = 0x258E, [G_BAR3] = 0x258D,
	[G_BAR4] = 0x258C, [G_BAR5] = 0x258B, [G_BAR6] = 0x258A,
	[G_BAR7] = 0x2589, [G_BAR8] = 0x2588,
	[G_SHADE1] = 0x2591, [G_SHADE2] = 0x2592, [G_SHADE3] = 0x2593,
	[G_SHADE4] = 0x2588,
	[G_HLINE] = 0x2500, [G_VLINE] = 0x2502, [G_TL] = 0x250C,
	[G_TR] = 0x2510, [G_BL] = 0x2514, [G_BR] = 0x2518,
	[G_DASH] = 0x2504,
	[G_UP] = 0x25B2, [G_DOWN] = 0x25BC,
	[G_ELLIPSIS] = 0x2026,
	[G_TICK] = 0x2502,
	[G_MISSING] = 0x00B7,
	[G_ACTIVE] = 0x25B8,
	[G_NEW] = 0x2022,
};

static const uint32_t glyphs_ascii_table[G_COUNT] = {
	[G_SPARK1] = '_', [G_SPARK2] = '_', [G_SPARK3] = '.',
	[G_SPARK4] = '-', [G_SPARK5] = '=', [G_SPARK6] = '+',
	[G_SPARK7] = '*', [G_SPARK8] = '#',
	[G_BAR1] = ' ', [G_BAR2] = ' ', [G_BAR3] = ' ', [G_BAR4] = '-',
	[G_BAR5] = '-', [G_BAR6] = '-', [G_BAR7] = '-', [G_BAR8] = '#',
	[G_SHADE1] = '.', [G_SHADE2] = ':', [G_SHADE3] = '+',
	[G_SHADE4] = '#',
	[G_HLINE] = '-', [G_VLINE] = '|', [G_TL] = '+', [G_TR] = '+',
	[G_BL] = '`', [G_BR] = '\'',
	[G_DASH] = '-',
	[G_UP] = '^', [G_DOWN] = 'v',
	[G_ELLIPSIS] = '~',
	[G_TICK] = '|',
	[G_MISSING] = ' ',
	[G_ACTIVE] = '>',
	[G_NEW] = '*',
};

static const uint32_t *glyphs_table = glyphs_utf8_table;

void
glyphs_init(bool utf8)
{
	glyphs_table = utf8 ? glyphs_utf8_table : glyphs_ascii_table;
}

bool
glyphs_utf8(void)
{
	return glyphs_table == glyphs_utf8_table;
}

uint32_t
glyph(enum glyph g)
{
	return glyphs_table[g];
}

uint32_t
glyph_dots(unsigned mask)
{
	/* Braille dot numbers for (x, y): 1 2 3 7 down the left column. */
	static const unsigned bit[2][4] = {
		{ 0x01, 0x02, 0x04, 0x40 },
		{ 0x08, 0x10, 0x20, 0x80 },
	};
	unsigned b = 0;
	int x, y;

	if (glyphs_table == glyphs_ascii_table) {
		switch (mask & 3) {
		case 1:
			return '\'';
		case 2:
			return '.';
		case 3:
			return ':';
		default:
			return ' ';
		}
	}
	if (mask == 0)
		return ' ';
	for (x = 0; x < 2; x++) {
		for (y = 0; y < 4; y++) {
			if (mask & (1u << (x * 4 + y)))
				b |= bit[x][y];
		}
	}
	return 0x2800 + b;
}

int
glyph_dots_x(void)
{
	return glyphs_table == glyphs_utf8_table ? 2 : 1;
}

int
glyph_dots_y(void)
{
	return glyphs_table == glyphs_utf8_table ? 4 : 2;
}
