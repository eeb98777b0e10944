/*
 * Cell buffer and drawing helpers. Everything clips against the canvas;
 * callers clip against their own rectangle by passing widths.
 */
#include "tui/render.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/glyphs.h"

#define REPLACEMENT	0xFFFD

/* Columns for one clean code point: 0 drop, 1 or 2. */
static int
cp_width(uint32_t c)
{
	int w;

	if (c < 0x80)
		return 1;
	if (!glyphs_utf8())
		return 1;
	w = wcwidth((wchar_t)c);
	if (w < 0)
		return 1;
	return w;
}

/* The code point drawn for c in the current mode. */
static uint32_t
cp_shown(uint32_t c)
{
	if (c < 0x80)
		return c;
	if (!glyphs_utf8())
		return '?';
	if (wcwidth((wchar_t)c) < 0)
		return REPLACEMENT;
	return c;
}

int
text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c;
	size_t n;
	int w = 0;

	while (*p != '\0') {
		if ((n = sanitize_decode(p, 4, &c)) == 0) {
			c = REPLACEMENT;
			n = 1;
		}
		p += n;
		w += cp_width(c);
	}
	return w;
}

void
canvas_init(struct canvas *c, int w, int h)
{
	memset(c, 0, sizeof *c);
	canvas_resize(c, w, h);
}

void
canvas_finish(struct canvas *c)
{
	free(c->cells);
	memset(c, 0, sizeof *c);
}

void
canvas_resize(struct canvas *c, int w, int h)
{
	free(c->cells);
	c->cells = NULL;
	c->w = w > 0 ? w : 0;
	c->h = h > 0 ? h : 0;
	if (c->w > 0 && c->h > 0)
		c->cells = xcalloc((size_t)c->w * (size_t)c->h,
		    sizeof *c->cells);
	canvas_clear(c);
}

void
canvas_clear(struct canvas *c)
{
	int i;

	for (i = 0; i < c->w * c->h; i++) {
		c->cells[i].ch = ' ';
		c->cells[i].role = ROLE_NORMAL;
	}
}

static struct cell *
canvas_cell(struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[y * c->w + x];
}

const struct cell *
canvas_at(const struct canvas *c, int x, int y)
{
	return canvas_cell((struct canvas *)c, x, y);
}

/* Overwriting half of a wide character blanks the other half. */
static void
canvas_unwide(struct canvas *c, int x, int y)
{
	struct cell *p = canvas_cell(c, x, y), *q;

	if (p == NULL)
		return;
	if (p->ch == 0 && (q = canvas_cell(c, x - 1, y)) != NULL)
		q->ch = ' ';
	if ((q = canvas_cell(c, x + 1, y)) != NULL && q->ch == 0)
		q->ch = ' ';
}

void
canvas_put(struct canvas *c, int x, int y, uint32_t ch, enum role r)
{
	struct cell *p = canvas_cell(c, x, y);

	if (p == NULL)
		return;
	canvas_unwide(c, x, y);
	p->ch = ch;
	p->role = (unsigned char)r;
}

void
canvas_fill(struct canvas *c, struct rect r, uint32_t ch, enum role role)
{
	int x, y;

	for (y = r.y; y < r.y + r.h; y++) {
		for (x = r.x; x < r.x + r.w; x++)
			canvas_put(c, x, y, ch, role);
	}
}

void
canvas_role(struct canvas *c, int x, int y, int w, enum role role)
{
	struct cell *p;
	int i;

	for (i = 0; i < w; i++) {
		if ((p = canvas_cell(c, x + i, y)) != NULL)
			p->role = (unsigned char)role;
	}
}

int
canvas_text(struct canvas *c, int x, int y, int maxw, enum role r,
    const char *s)
{
	char clean[1024];
	const unsigned char *p;
	uint32_t cp;
	size_t n;
	int used = 0, w, total;

	if (maxw <= 0 || s == NULL)
		return 0;
	sanitize_into(s, clean, sizeof clean);
	total = text_width(clean);
	p = (const unsigned char *)clean;
	while (*p != '\0') {
		n = sanitize_decode(p, 4, &cp);
		p += n;
		if ((w = cp_width(cp)) == 0)
			continue;
		if (total > maxw && used + w > maxw - 1) {
			canvas_put(c, x + used, y, glyph(G_ELLIPSIS), r);
			used++;
			break;
		}
		if (used + w > maxw)
			break;
		canvas_put(c, x + used, y, cp_shown(cp), r);
		if (w == 2) {
			canvas_put(c, x + used + 1, y, 0, r);
			if (x + used + 1 >= c->w)	/* half off screen */
				canvas_put(c, x + used, y, ' ', r);
		}
		used += w;
	}
	return used;
}

int
canvas_printf(struct canvas *c, int x, int y, int maxw, enum role r,
    const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, maxw, r, buf);
}

int
canvas_text_right(struct canvas *c, int xend, int y, int maxw, enum role r,
    const char *s)
{
	char clean[1024];
	int w;

	sanitize_into(s, clean, sizeof clean);
	w = text_width(clean);
	if (w > maxw)
		w = maxw;
	return canvas_text(c, xend - w, y, w, r, clean);
}

void
canvas_hline(struct canvas *c, int x, int y, int w, enum role r)
{
	int i;

	for (i = 0; i < w; i++)
		canvas_put(c, x + i, y, glyph(G_HLINE), r);
}

struct rect
canvas_box(struct canvas *c, struct rect r, const char *title, enum role role)
{
	struct rect in = { r.x + 1, r.y + 1, r.w - 2, r.h - 2 };
	int i;

	if (r.w < 2 || r.h < 2) {
		in.w = in.h = 0;
		return in;
	}
	canvas_put(c, r.x, r.y, glyph(G_TL), role);
	canvas_put(c, r.x + r.w - 1, r.y, glyph(G_TR), role);
	canvas_put(c, r.x, r.y + r.h - 1, glyph(G_BL), role);
	canvas_put(c, r.x + r.w - 1, r.y + r.h - 1, glyph(G_BR), role);
	canvas_hline(c, r.x + 1, r.y, r.w - 2, role);
	canvas_hline(c, r.x + 1, r.y + r.h - 1, r.w - 2, role);
	for (i = 1; i < r.h - 1; i++) {
		canvas_put(c, r.x, r.y + i, glyph(G_VLINE), role);
		canvas_put(c, r.x + r.w - 1, r.y + i, glyph(G_VLINE), role);
	}
	if (title != NULL && r.w > 6) {
		canvas_put(c, r.x + 1, r.y, ' ', role);
		i = canvas_text(c, r.x + 2, r.y, r.w - 5, ROLE_TITLE, title);
		canvas_put(c, r.x + 2 + i, r.y, ' ', role);
	}
	return in;
}

size_t
canvas_row_text(const struct canvas *c, int y, char *buf, size_t size)
{
	char enc[4];
	size_t o = 0, k, end = 0;
	int x;

	for (x = 0; x < c->w && size > 0; x++) {
		const struct cell *p = &c->cells[y * c->w + x];

		if (p->ch == 0)
			continue;
		k = sanitize_encode(p->ch, enc);
		if (o + k >= size)
			break;
		memcpy(buf + o, enc, k);
		o += k;
		if (p->ch != ' ')
			end = o;
	}
	if (size > 0)
		buf[end] = '\0';
	return end;
}

void
canvas_print(const struct canvas *c, FILE *f)
{
	char line[16384];
	size_t n;
	int y;

	for (y = 0; y < c->h; y++) {
		n = canvas_row_text(c, y, line, sizeof line);
		fwrite(line, 1, n, f);
		fputc('\n', f);
	}
}

void
canvas_print_roles(const struct canvas *c, enum theme_scheme s, FILE *f)
{
	int x, y;

	for (y = 0; y < c->h; y++) {
		for (x = 0; x < c->w; x++)
			fputc(theme_letter(s, c->cells[y * c->w + x].role), f);
		fputc('\n', f);
	}
}

enum role
bands_role(const struct bands *b, double v)
{
	if (b == NULL || isnan(v))
		return ROLE_NORMAL;
	if (b->low_is_bad) {
		if (v < b->crit)
			return ROLE_BAD;
		if (v < b->warn)
			return ROLE_WARN;
		return ROLE_GOOD;
	}
	if (v > b->crit)
		return ROLE_BAD;
	if (v > b->warn)
		return ROLE_WARN;
	return ROLE_GOOD;
}

/* One bar per value; its role from roles[i], bands, or role, in order. */
static void
sparkline(struct canvas *c, int x, int y, int w, const double *v,
    size_t n, size_t stride, double top, const struct bands *b,
    const enum role *roles, enum role role)
{
	size_t i, first;
	int col, level;
	double val;

	if (w <= 0)
		return;
	if (stride == 0)
		stride = 1;
	first = n > (size_t)w ? n - (size_t)w : 0;
	col = x + w - (int)(n - first);
	for (i = first; i < n; i++, col++) {
		val = v[i * stride];
		if (isnan(val)) {
			canvas_put(c, col, y, glyph(G_MISSING), ROLE_DIM);
			continue;
		}
		level = top > 0 ? (int)ceil(val / top * 8.0) : 8;
		if (level < 1)
			level = 1;
		if (level > 8)
			level = 8;
		canvas_put(c, col, y, glyph(G_SPARK1 + level - 1),
		    roles != NULL ? roles[i] : b != NULL ? bands_role(b, val) :
		    role);
	}
}

void
render_sparkline(struct canvas *c, int x, int y, int w, const double *v,
    size_t n, size_t stride, double top, const struct bands *b,
    enum role role)
{
	sparkline(c, x, y, w, v, n, stride, top, b, NULL, role);
}

void
render_sparkline_roles(struct canvas *c, int x, int y, int w,
    const double *v, size_t n, size_t stride, double top,
    const enum role *roles)
{
	sparkline(c, x, y, w, v, n, stride, top, NULL, roles, ROLE_NORMAL);
}

void
render_bar(struct canvas *c, int x, int y, int w, double frac,
    enum role role)
{
	int eighths, i;

	if (w <= 0 || isnan(frac))
		return;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	eighths = (int)lround(frac * w * 8);
	for (i = 0; i < w && eighths > 0; i++, eighths -= 8) {
		canvas_put(c, x + i, y, glyph(eighths >= 8 ? G_BAR8 :
		    G_BAR1 + eighths - 1), role);
	}
}

#define CHART_AXIS	6

size_t
render_chart_capacity(int w)
{
	if (w <= CHART_AXIS)
		return 0;
	return (size_t)(w - CHART_AXIS) * (size_t)glyph_dots_x();
}

/* Dot row (0 = top) for value v in a plot of rows*dy dots. */
static int
chart_dot_y(double v, double ymin, double ymax, int ndots)
{
	double t;
	int d;

	if (ymax <= ymin)
		return ndots - 1;
	t = (v - ymin) / (ymax - ymin);
	if (t < 0)
		t = 0;
	if (t > 1)
		t = 1;
	d = (int)lround((1.0 - t) * (ndots - 1));
	return d;
}

/* Plot a straight run of dots from (x0, y0) to (x1, y1). */
static void
chart_segment(unsigned *mask, unsigned char *roles, int pw, int dx, int dy,
    int x0, int y0, int x1, int y1, enum role role)
{
	int steps, i, x, y;
	size_t at;

	steps = abs(x1 - x0) > abs(y1 - y0) ? abs(x1 - x0) : abs(y1 - y0);
	for (i = 0; i <= steps; i++) {
		x = steps == 0 ? x1 : x0 + (int)lround((double)(x1 - x0) * i /
		    steps);
		y = steps == 0 ? y1 : y0 + (int)lround((double)(y1 - y0) * i /
		    steps);
		at = (size_t)(y / dy) * (size_t)pw + (size_t)(x / dx);
		mask[at] |= 1u << ((x % dx) * 4 + y % dy);
		roles[at] = (unsigned char)role;
	}
}

/* The y axis of a chart in r: ymax on top, ymin at the bottom, a rule. */
static void
chart_axis(struct canvas *c, struct rect r, double ymin, double ymax)
{
	char	label[16];
	int	cy;

	snprintf(label, sizeof label, "%5.2f", ymax);
	canvas_text(c, r.x, r.y, CHART_AXIS - 1, ROLE_DIM, label);
	if (r.h > 1) {
		snprintf(label, sizeof label, "%5.2f", ymin);
		canvas_text(c, r.x, r.y + r.h - 1, CHART_AXIS - 1, ROLE_DIM,
		    label);
	}
	for (cy = 0; cy < r.h; cy++)
		canvas_put(c, r.x + CHART_AXIS - 1, r.y + cy, glyph(G_VLINE),
		    ROLE_DIM);
}

void
render_chart(struct canvas *c, struct rect r, double ymin, double ymax,
    const struct chart_series *s, size_t ns, const struct chart_line *lines,
    size_t nl)
{
	int dx = glyph_dots_x(), dy = glyph_dots_y();
	int pw = r.w - CHART_AXIS, ph = r.h, ndx, ndy, cx, cy;
	unsigned *mask;
	unsigned char *roles;
	size_t i, k, cap, first, stride, n;
	int px, py, x1, y1;
	double v;

	if (pw <= 0 || ph <= 0)
		return;
	ndx = pw * dx;
	ndy = ph * dy;
	chart_axis(c, r, ymin, ymax);
	for (k = 0; k < nl; k++) {
		if (lines[k].y < ymin || lines[k].y > ymax)
			continue;
		cy = chart_dot_y(lines[k].y, ymin, ymax, ndy) / dy;
		for (cx = 0; cx < pw; cx++)
			canvas_put(c, r.x + CHART_AXIS + cx, r.y + cy,
			    glyph(G_DASH), lines[k].role);
	}
	mask = xcalloc((size_t)pw * (size_t)ph, sizeof *mask);
	roles = xcalloc((size_t)pw * (size_t)ph, 1);
	cap = (size_t)ndx;
	for (k = 0; k < ns; k++) {
		stride = s[k].stride == 0 ? 1 : s[k].stride;
		first = s[k].n > cap ? s[k].n - cap : 0;
		n = s[k].n - first;
		px = py = -1;
		for (i = 0; i < n; i++) {
			v = s[k].v[(first + i) * stride];
			if (isnan(v)) {
				px = -1;
				continue;
			}
			/* Spread the values over the whole width. */
			x1 = n == 1 ? ndx - 1 : (int)lround((double)i *
			    (ndx - 1) / (double)(n - 1));
			y1 = chart_dot_y(v, ymin, ymax, ndy);
			chart_segment(mask, roles, pw, dx, dy, px == -1 ? x1 :
			    px, px == -1 ? y1 : py, x1, y1, s[k].role);
			px = x1;
			py = y1;
		}
	}
	for (cy = 0; cy < ph; cy++) {
		for (cx = 0; cx < pw; cx++) {
			size_t at = (size_t)cy * (size_t)pw + (size_t)cx;

			if (mask[at] == 0)
				continue;
			canvas_put(c, r.x + CHART_AXIS + cx, r.y + cy,
			    glyph_dots(mask[at]), roles[at]);
		}
	}
	free(mask);
	free(roles);
	/* Line labels last, so they stay readable; one per row. */
	for (k = 0, py = -1; k < nl; k++) {
		if (lines[k].y < ymin || lines[k].y > ymax ||
		    lines[k].label == NULL || pw <= 12)
			continue;
		cy = chart_dot_y(lines[k].y, ymin, ymax, ndy) / dy;
		if (cy == py)
			continue;
		canvas_text_right(c, r.x + r.w, r.y + cy, 8, lines[k].role,
		    lines[k].label);
		py = cy;
	}
}

void
format_age(char *buf, size_t size, double s)
{
	long t;

	if (isnan(s) || s < 0)
		s = 0;
	t = (long)s;
	if (t < 60)
		snprintf(buf, size, "%lds ago", t);
	else if (t < 3600)
		snprintf(buf, size, "%ldm %02lds ago", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%ldh %02ldm ago", t / 3600,
		    (t / 60) % 60);
	else
		snprintf(buf, size, "%ldd %02ldh ago", t / 86400,
		    (t / 3600) % 24);
}

void
format_window(char *buf, size_t size, int64_t batch, int64_t window_us)
{
	char t[32];

	buf[0] = '\0';
	if (window_us <= 0 || batch < 0 || batch > INT64_MAX / window_us)
		return;
	/* Whole seconds: a window starts on a multiple of its length. */
	clock_format((double)(batch * window_us / 1000000), true,
	    "%Y-%m-%d %H:%M", t, sizeof t);
	snprintf(buf, size, " [%s UTC]", t);
}

void
format_count(char *buf, size_t size, int64_t n)
{
	char tmp[32];
	size_t len, o = 0, i;
	bool neg = n < 0;

	snprintf(tmp, sizeof tmp, "%lld", (long long)(neg ? -n : n));
	len = strlen(tmp);
	if (size == 0)
		return;
	if (neg && o + 1 < size)
		buf[o++] = '-';
	for (i = 0; i < len && o + 1 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
}
