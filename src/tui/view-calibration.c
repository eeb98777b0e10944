/*
 * Calibration: one batch at a time, chosen with left/right, PgUp/PgDn
 * (10 batches), Home/End, or g and a typed id.
 *
 *   batch line: id, rows, labelled or not, accuracy, ECE and its band
 *   [ confusion matrix: counts, shaded by share of the largest cell ]
 *   [ reliability: 10 confidence bins, observed accuracy as a bar, the
 *     diagonal (mean confidence) as a tick, counts, over/under marks ]
 *
 * Side by side when wide enough, stacked otherwise. A matrix too wide
 * for the space collapses to a list of the largest confusions.
 */
#include "tui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/glyphs.h"

#define CM_LABEL_W	9
#define CM_CELL_W	8
#define REL_W		40	/* narrowest reliability box beside it */
#define CALIB_GAP	0.05	/* |accuracy - confidence| marked past this */

static int calib_load(struct app *a);
static void calib_draw(const struct app *a, struct canvas *c,
    struct rect r);
static int calib_key(struct app *a, enum action act);

const struct view view_calibration = {
	.name = "Calibration",
	.hints = "<-/->|Batch|PgUp/PgDn|10|g|Go to|",
	.load = calib_load,
	.draw = calib_draw,
	.key = calib_key,
};

static int
calib_load(struct app *a)
{
	const struct query_overview *ov = query_overview(a->q);
	int64_t b = a->calib_batch;

	if (b == -1)
		b = ov->has_perf ? ov->perf_batch : ov->latest_batch;
	else
		b = query_batch_step(a->q, b, 0);
	return query_calib_load(a->q, b, &a->calib);
}

static int
calib_key(struct app *a, enum action act)
{
	const struct query_overview *ov = query_overview(a->q);
	int64_t cur = a->calib.batch_id;
	int steps = 0;

	switch (act) {
	case ACT_LEFT:
	case ACT_UP:
		steps = -1;
		break;
	case ACT_RIGHT:
	case ACT_DOWN:
		steps = 1;
		break;
	case ACT_PAGE_UP:
	case ACT_HALF_UP:
		steps = -10;
		break;
	case ACT_PAGE_DOWN:
	case ACT_HALF_DOWN:
		steps = 10;
		break;
	case ACT_HOME:
		a->calib_batch = ov->first_batch;
		return VIEW_RESCAN;
	case ACT_END:
		a->calib_batch = -1;	/* follow the newest */
		return VIEW_RESCAN;
	case ACT_GOTO:
		a->prompt = PROMPT_GOTO;
		a->input[0] = '\0';
		return VIEW_REDRAW;
	default:
		return VIEW_IGNORED;
	}
	a->calib_batch = query_batch_step(a->q, cur, steps);
	return VIEW_RESCAN;
}

static const char *
class_name(const struct query_overview *ov, int k)
{
	static char buf[16];

	if (k < ov->n_classes && ov->class_names != NULL)
		return ov->class_names[k];
	snprintf(buf, sizeof buf, "%d", k);
	return buf;
}

static enum role
shade_role(int level)
{
	static const enum role roles[5] = { ROLE_DIM, ROLE_SHADE1,
	    ROLE_SHADE2, ROLE_SHADE3, ROLE_SHADE4 };

	return roles[level];
}

/* The largest off-diagonal cells, for matrices too wide to draw. */
static void
draw_top_confusions(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_calib *q = &a->calib;
	const struct query_overview *ov = query_overview(a->q);
	int k = q->n_classes, row, best_t, best_p, t, p;
	uint64_t best, last = UINT64_MAX, v;
	char buf[96], tn[32], pn[32];

	canvas_text(c, r.x, r.y, r.w, ROLE_DIM, "matrix too wide; largest "
	    "confusions (true -> predicted):");
	for (row = 1; row < r.h; row++) {
		best = 0;
		best_t = best_p = -1;
		for (t = 0; t < k; t++) {
			for (p = 0; p < k; p++) {
				v = q->confusion[(size_t)t * (size_t)k +
				    (size_t)p];
				if (t == p || v == 0 || v > last)
					continue;
				if (v > best) {
					best = v;
					best_t = t;
					best_p = p;
				}
			}
		}
		if (best_t < 0)
			break;
		sanitize_into(class_name(ov, best_t), tn, sizeof tn);
		sanitize_into(class_name(ov, best_p), pn, sizeof pn);
		snprintf(buf, sizeof buf, "%6llu  %s -> %s",
		    (unsigned long long)best, tn, pn);
		canvas_text(c, r.x, r.y + row, r.w, ROLE_NORMAL, buf);
		last = best - 1;
		if (best == 1)
			break;
	}
}

static void
draw_confusion(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_calib *q = &a->calib;
	const struct query_overview *ov = query_overview(a->q);
	struct rect in;
	int k = q->n_classes, t, p, x, y, level;
	uint64_t max = 1, v;
	char buf[32];

	in = canvas_box(c, r, "Confusion: rows true",
	    ROLE_DIM);
	if (in.w <= 0 || in.h <= 0 || k <= 0 || q->confusion == NULL)
		return;
	if (CM_LABEL_W + k * CM_CELL_W > in.w || k + 1 > in.h) {
		draw_top_confusions(a, c, in);
		return;
	}
	for (t = 0; t < k * k; t++)
		max = q->confusion[t] > max ? q->confusion[t] : max;
	for (p = 0; p < k; p++)
		canvas_text_right(c, in.x + CM_LABEL_W + (p + 1) * CM_CELL_W -
		    1, in.y, CM_CELL_W - 2, ROLE_BOLD, class_name(ov, p));
	for (t = 0; t < k; t++) {
		y = in.y + 1 + t;
		canvas_text(c, in.x, y, CM_LABEL_W - 1, ROLE_BOLD,
		    class_name(ov, t));
		for (p = 0; p < k; p++) {
			x = in.x + CM_LABEL_W + p * CM_CELL_W;
			v = q->confusion[(size_t)t * (size_t)k + (size_t)p];
			level = v == 0 ? 0 : 1 + (int)(3.0 * (double)v /
			    (double)max + 0.5);
			if (level > 4)
				level = 4;
			if (level > 0)
				canvas_put(c, x, y, glyph(G_SHADE1 + level -
				    1), shade_role(level));
			snprintf(buf, sizeof buf, "%6llu",
			    (unsigned long long)v);
			canvas_text(c, x + 1, y, CM_CELL_W - 2, t == p ?
			    ROLE_BOLD : (v > 0 ? ROLE_NORMAL : ROLE_DIM), buf);
		}
	}
	if (in.h > k + 2)
		canvas_text(c, in.x, in.y + k + 2, in.w, ROLE_DIM,
		    "shade: share of the largest cell");
}

static void
draw_reliability(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_calib *q = &a->calib;
	struct rect in;
	int i, y, bw, x, tick;
	double acc, conf;
	char buf[64];
	enum role role;
	const char *mark;

	in = canvas_box(c, r, "Reliability: bar acc, | conf",
	    ROLE_DIM);
	if (in.w < 30 || in.h <= 0)
		return;
	bw = in.w - 24 - 7;
	canvas_text(c, in.x, in.y, in.w, ROLE_BOLD,
	    "bin         n conf  acc");
	for (i = 0; i < CALIB_BINS && i + 1 < in.h; i++) {
		const struct reliability_bin *b = &q->bins[i];

		y = in.y + 1 + i;
		snprintf(buf, sizeof buf, "%.1f-%.1f %5llu", i / 10.0,
		    (i + 1) / 10.0, (unsigned long long)b->count);
		canvas_text(c, in.x, y, 13, ROLE_NORMAL, buf);
		if (b->count == 0) {
			canvas_text(c, in.x + 14, y, 10, ROLE_DIM, "   -    -");
			continue;
		}
		acc = b->accuracy;
		conf = b->mean_confidence;
		/* ".439": three decimals without the leading zero. */
		snprintf(buf, sizeof buf, "%4.3f", conf);
		canvas_text(c, in.x + 14, y, 4, ROLE_NORMAL,
		    conf >= 1 ? "1.00" : buf + 1);
		snprintf(buf, sizeof buf, "%4.3f", acc);
		canvas_text(c, in.x + 19, y, 4, ROLE_NORMAL,
		    acc >= 1 ? "1.00" : buf + 1);
		x = in.x + 24;
		if (acc < conf - CALIB_GAP) {
			role = ROLE_BAD;
			mark = "over";
		} else if (acc > conf + CALIB_GAP) {
			role = ROLE_WARN;
			mark = "under";
		} else {
			role = ROLE_GOOD;
			mark = "ok";
		}
		if (bw > 2) {
			render_bar(c, x, y, bw, acc, role);
			tick = (int)lround(conf * bw);
			if (tick >= bw)
				tick = bw - 1;
			canvas_put(c, x + tick, y, glyph(G_TICK), ROLE_REF);
		}
		x += bw > 2 ? bw + 1 : 0;
		if (role != ROLE_GOOD)
			canvas_put(c, x, y, glyph(role == ROLE_BAD ? G_DOWN :
			    G_UP), role);
		canvas_text(c, x + 1, y, in.x + in.w - x - 1, role, mark);
	}
}

/* The batch's late rows (a window's late events) by fmt, when any. */
static int
calib_draw_late(const struct query_calib *q, struct canvas *c, int x, int y,
    int end, const char *fmt)
{
	char buf[48];

	if (q->late > 0) {
		snprintf(buf, sizeof buf, fmt, (long long)q->late);
		x += canvas_text(c, x, y, end - x, ROLE_WARN, buf);
	}
	return x;
}

static void
calib_draw(const struct app *a, struct canvas *c, struct rect r)
{
	const struct query_calib *q = &a->calib;
	const struct query_overview *ov = query_overview(a->q);
	char buf[160], win[48];
	int x, k = q->n_classes, cm_w, cm_h, rel_h;
	enum role role;

	format_window(win, sizeof win, q->batch_id, ov->window_us);
	x = r.x + canvas_printf(c, r.x, r.y, r.w, ROLE_BOLD, "Batch %lld%s",
	    (long long)q->batch_id, win);
	x += canvas_printf(c, x, r.y, r.x + r.w - x, ROLE_DIM,
	    " of %lld-%lld%s",
	    (long long)ov->first_batch, (long long)ov->latest_batch,
	    a->calib_batch == -1 ? " (newest labelled)" : "");
	if (!q->exists && q->pruned) {
		canvas_printf(c, r.x, r.y + 2, r.w, ROLE_DIM, "Batch %lld: rows "
		    "pruned (--retain-rows); its reports and verdicts are "
		    "kept.", (long long)q->batch_id);
		return;
	}
	if (!q->exists) {
		canvas_printf(c, r.x, r.y + 2, r.w, ROLE_WARN, "No predictions "
		    "logged for batch %lld.", (long long)q->batch_id);
		return;
	}
	if (!q->labelled) {
		x += canvas_printf(c, x, r.y, r.x + r.w - x, ROLE_NORMAL,
		    "  %lld rows", (long long)q->n_rows);
		calib_draw_late(q, c, x, r.y, r.x + r.w, "  late %lld");
		snprintf(buf, sizeof buf, "Batch %lld: no ground truth yet "
		    "(%lld of %lld rows labelled).", (long long)q->batch_id,
		    (long long)q->n_labelled, (long long)q->n_rows);
		canvas_text(c, r.x + 2, r.y + r.h / 2, r.w - 2, ROLE_WARN, buf);
		canvas_text(c, r.x + 2, r.y + r.h / 2 + 1, r.w - 2, ROLE_DIM,
		    "The confusion matrix and reliability diagram appear "
		    "when labels arrive.");
		return;
	}
	snprintf(buf, sizeof buf, "  %lld rows  accuracy %.3f  ECE %.3f ",
	    (long long)q->n_rows, q->accuracy, q->ece);
	x += canvas_text(c, x, r.y, r.x + r.w - x, ROLE_NORMAL, buf);
	x = calib_draw_late(q, c, x, r.y, r.x + r.w, "late %lld ");
	if (q->ece <= 0.05) {
		role = ROLE_GOOD;
		snprintf(buf, sizeof buf, "[good]");
	} else if (q->ece <= 0.10) {
		role = ROLE_WARN;
		snprintf(buf, sizeof buf, "[watch]");
	} else {
		role = ROLE_BAD;
		snprintf(buf, sizeof buf, "[bad]");
	}
	canvas_text(c, x, r.y, r.x + r.w - x, role, buf);

	cm_w = CM_LABEL_W + (k > 0 ? k : 1) * CM_CELL_W + 2;
	cm_h = (k > 0 ? k : 1) + 4;
	rel_h = CALIB_BINS + 3;
	if (cm_w + REL_W <= r.w) {
		/* side by side */
		if (cm_h < rel_h)
			cm_h = rel_h;
		if (cm_h > r.h - 1)
			cm_h = r.h - 1;
		draw_confusion(a, c, (struct rect){ r.x, r.y + 1, cm_w,
		    cm_h });
		draw_reliability(a, c, (struct rect){ r.x + cm_w + 1,
		    r.y + 1, r.w - cm_w - 1, rel_h > r.h - 1 ? r.h - 1 :
		    rel_h });
	} else {
		if (cm_h > (r.h - 1) / 2)
			cm_h = (r.h - 1) / 2;
		draw_confusion(a, c, (struct rect){ r.x, r.y + 1, r.w,
		    cm_h });
		rel_h = r.h - 1 - cm_h;
		draw_reliability(a, c, (struct rect){ r.x, r.y + 1 + cm_h,
		    r.w, rel_h });
	}
}
