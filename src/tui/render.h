/*
 * The off-screen frame. A canvas is a grid of cells, each one code point
 * (or 0 for the right half of a wide character), a colour role and
 * nothing else. Views draw into a rectangle of it with the pure functions
 * below, which take sizes instead of a WINDOW, never write outside the
 * rectangle and cope with any size down to zero. The curses backend and
 * the --once printer are the only readers.
 *
 * All text goes through sanitize_into() (core/sanitize.h) on its way
 * in: control and escape characters are dropped and invalid UTF-8 is
 * replaced, so nothing from the store reaches the terminal raw.
 */
#ifndef MLMON_TUI_RENDER_H
#define MLMON_TUI_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tui/theme.h"

struct cell {
	uint32_t	ch;	/* code point; 0: right half of a wide one */
	unsigned char	role;	/* enum role */
};

struct canvas {
	int		 w;
	int		 h;
	struct cell	*cells;	/* h rows of w, owned */
};

struct rect {
	int	x;
	int	y;
	int	w;
	int	h;
};

void	canvas_init(struct canvas *c, int w, int h);
void	canvas_finish(struct canvas *c);
/* Resize (contents cleared). */
void	canvas_resize(struct canvas *c, int w, int h);
void	canvas_clear(struct canvas *c);
/* One single-width code point; clipped. */
void	canvas_put(struct canvas *c, int x, int y, uint32_t ch, enum role r);
const struct cell *canvas_at(const struct canvas *c, int x, int y);
void	canvas_fill(struct canvas *c, struct rect r, uint32_t ch,
	    enum role role);
/* Change the role of a span without touching the text. */
void	canvas_role(struct canvas *c, int x, int y, int w, enum role role);

/*
 * Draw text at (x, y) in at most maxw columns, sanitised; cut text ends
 * with an ellipsis glyph. Returns the columns used.
 */
int	canvas_text(struct canvas *c, int x, int y, int maxw, enum role r,
	    const char *s);
int	canvas_printf(struct canvas *c, int x, int y, int maxw, enum role r,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Text right-aligned so that it ends at column xend (exclusive). */
int	canvas_text_right(struct canvas *c, int xend, int y, int maxw,
	    enum role r, const char *s);
void	canvas_hline(struct canvas *c, int x, int y, int w, enum role r);
/* A frame with a title in the top border; returns the inside. */
struct rect canvas_box(struct canvas *c, struct rect r, const char *title,
	    enum role role);

/*
 * Row y as NUL-terminated UTF-8 in buf (trailing blanks trimmed, cut at
 * a whole character when buf is short). Returns the bytes written.
 */
size_t	canvas_row_text(const struct canvas *c, int y, char *buf,
	    size_t size);
/* Print rows as UTF-8 (trailing blanks trimmed). */
void	canvas_print(const struct canvas *c, FILE *f);
/* Print one letter per cell naming its style (theme_letter). */
void	canvas_print_roles(const struct canvas *c, enum theme_scheme s,
	    FILE *f);

/* Columns a sanitised string takes in the current glyph mode. */
int	text_width(const char *s);

/* Value-to-role bands for sparklines and numbers. */
struct bands {
	double	warn;		/* at or past this: ROLE_WARN */
	double	crit;		/* past this: ROLE_BAD */
	bool	low_is_bad;	/* p-values: below is worse */
};

enum role bands_role(const struct bands *b, double v);

/*
 * One row of eight-level bars, one cell per value, scaled to [0, top]
 * (values past top are full). NAN shows as a missing mark. Coloured by
 * bands when given. n values are right-aligned in w columns (the newest
 * at the right edge); older ones are dropped.
 */
void	render_sparkline(struct canvas *c, int x, int y, int w,
	    const double *v, size_t n, size_t stride, double top,
	    const struct bands *b, enum role role);
/* Same, each value coloured by roles[i] (a stored verdict per value). */
void	render_sparkline_roles(struct canvas *c, int x, int y, int w,
	    const double *v, size_t n, size_t stride, double top,
	    const enum role *roles);

/* A horizontal bar of frac (0..1) of w columns, eighth-cell resolution. */
void	render_bar(struct canvas *c, int x, int y, int w, double frac,
	    enum role role);

struct chart_series {
	const double	*v;	/* NAN: gap */
	size_t		 n;
	size_t		 stride;	/* elements between values, 0 = 1 */
	enum role	 role;
};

struct chart_line {
	double		 y;
	enum role	 role;
	const char	*label;	/* drawn at the right end, may be NULL */
};

/*
 * A line chart in r: y axis labels in the left 6 columns, then one dot
 * column per value (two per cell in braille), the newest at the right.
 * Threshold lines are dashed under the series.
 */
void	render_chart(struct canvas *c, struct rect r, double ymin, double ymax,
	    const struct chart_series *s, size_t ns,
	    const struct chart_line *lines, size_t nl);
/* Values a chart of width w shows. */
size_t	render_chart_capacity(int w);

/* "12s ago", "3m 04s ago", "2h 05m ago", "4d 03h ago" into buf. */
void	format_age(char *buf, size_t size, double seconds);
/*
 * " [2026-12-06 07:10 UTC]": the start of time window batch (batch *
 * window_us, docs/PROTOCOL.md), or "" when the store is not windowed
 * by time (window_us 0).
 */
void	format_window(char *buf, size_t size, int64_t batch,
	    int64_t window_us);
/* 1234567 -> "1,234,567". */
void	format_count(char *buf, size_t size, int64_t n);

#endif
