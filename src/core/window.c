/*
 * The windowing state machine of window.h. Open batches are a sorted
 * array (out-of-order events within the lateness keep a few open at
 * once); close decisions are a queue the caller drains in order.
 */
#include "core/window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/xalloc.h"

static const struct {
	char		 unit;
	int64_t		 us;
} units[] = {
	{ 's', EVENT_US },
	{ 'm', 60 * EVENT_US },
	{ 'h', 3600 * EVENT_US },
	{ 'd', 86400 * EVENT_US },
};

bool
window_duration_parse(const char *s, bool zero_ok, int64_t *us,
    char **cause)
{
	size_t	i, n = strlen(s);
	int64_t	count = 0;

	if (zero_ok && strcmp(s, "0") == 0) {
		*us = 0;
		return true;
	}
	for (i = 0; i + 1 < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (count > (INT64_MAX - 9) / 10) {
			*cause = xasprintf("duration \"%s\" is too long", s);
			return false;
		}
		count = count * 10 + (s[i] - '0');
	}
	if (i == 0 || i + 1 != n) {
		*cause = xasprintf("duration \"%s\" is not a count and a "
		    "unit (30s, 5m, 1h, 7d)%s", s, zero_ok ? " or 0" : "");
		return false;
	}
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
		if (units[u].unit != s[i])
			continue;
		if (count == 0 && !zero_ok) {
			*cause = xasprintf("duration \"%s\" must be longer "
			    "than 0", s);
			return false;
		}
		if (count > INT64_MAX / units[u].us) {
			*cause = xasprintf("duration \"%s\" is too long", s);
			return false;
		}
		*us = count * units[u].us;
		return true;
	}
	*cause = xasprintf("duration \"%s\" has unit '%c', not s, m, h or d",
	    s, s[i]);
	return false;
}

bool
window_spec_parse(const char *s, struct window_spec *out, char **cause)
{
	struct window_spec	 w = { .kind = WINDOW_NONE };
	char			*end;
	long long		 n;

	if (strncmp(s, "rows:", 5) == 0) {
		errno = 0;
		n = strtoll(s + 5, &end, 10);
		if (s[5] < '0' || s[5] > '9' || *end != '\0' ||
		    errno != 0 || n < 1) {
			*cause = xasprintf("window \"%s\": rows:N needs a "
			    "whole N >= 1", s);
			return false;
		}
		w.kind = WINDOW_ROWS;
		w.rows = n;
	} else if (strncmp(s, "time:", 5) == 0) {
		if (!window_duration_parse(s + 5, false, &w.length, cause))
			return false;
		w.kind = WINDOW_TIME;
		w.idle = w.length;
	} else {
		*cause = xasprintf("window \"%s\" is neither rows:N nor "
		    "time:DURATION", s);
		return false;
	}
	*out = w;
	return true;
}

void
window_init(struct window *w, const struct window_spec *spec)
{
	memset(w, 0, sizeof *w);
	w->spec = *spec;
	w->st.max_ts = -1;
}

void
window_finish(struct window *w)
{
	free(w->open);
	free(w->closing);
	memset(w, 0, sizeof *w);
}

void
window_restore(struct window *w, const struct window_state *st,
    int64_t now)
{
	w->st = *st;
	w->last_event = now;
}

static void
push_close(struct window *w, int64_t b)
{
	if (w->closing_next == w->n_closing)
		w->closing_next = w->n_closing = 0;
	if (w->n_closing == w->closing_size) {
		w->closing_size = w->closing_size ? 2 * w->closing_size : 8;
		w->closing = xreallocarray(w->closing, w->closing_size,
		    sizeof *w->closing);
	}
	w->closing[w->n_closing++] = b;
}

void
window_reopen(struct window *w, int64_t b)
{
	size_t	i;

	for (i = 0; i < w->n_open && w->open[i] < b; i++)
		;
	if (i < w->n_open && w->open[i] == b)
		return;
	if (w->n_open == w->open_size) {
		w->open_size = w->open_size ? 2 * w->open_size : 8;
		w->open = xreallocarray(w->open, w->open_size,
		    sizeof *w->open);
	}
	memmove(w->open + i + 1, w->open + i,
	    (w->n_open - i) * sizeof *w->open);
	w->open[i] = b;
	w->n_open++;
}

/* Close every open batch below f and move the frontier up to f. */
static void
close_below(struct window *w, int64_t f)
{
	size_t	i;

	for (i = 0; i < w->n_open && w->open[i] < f; i++)
		push_close(w, w->open[i]);
	memmove(w->open, w->open + i, (w->n_open - i) * sizeof *w->open);
	w->n_open -= i;
	if (f > w->st.frontier)
		w->st.frontier = f;
}

static struct window_place
add_row(struct window *w)
{
	struct window_place	pl;

	pl.batch = w->st.next_row / w->spec.rows;
	pl.late = false;
	w->st.next_row++;
	if (w->st.next_row % w->spec.rows == 0)
		push_close(w, pl.batch);
	return pl;
}

struct window_place
window_add(struct window *w, int64_t ts, int64_t now)
{
	struct window_place	pl;

	if (w->spec.kind == WINDOW_ROWS)
		return add_row(w);
	pl.batch = ts / w->spec.length;
	pl.late = pl.batch < w->st.frontier;
	w->last_event = now;
	if (!pl.late)
		window_reopen(w, pl.batch);
	if (ts > w->st.max_ts) {
		w->st.max_ts = ts;
		if (ts >= w->spec.lateness)
			close_below(w, (ts - w->spec.lateness) /
			    w->spec.length);
	}
	return pl;
}

void
window_tick(struct window *w, int64_t now)
{
	int64_t	deadline = window_deadline(w);

	if (deadline >= 0 && now >= deadline)
		close_below(w, w->open[w->n_open - 1] + 1);
}

void
window_close_all(struct window *w)
{
	int64_t	b;

	if (w->spec.kind == WINDOW_ROWS) {
		if (w->st.next_row % w->spec.rows == 0)
			return;
		/* The next run starts a fresh batch. */
		b = w->st.next_row / w->spec.rows;
		push_close(w, b);
		w->st.next_row = b < INT64_MAX / w->spec.rows - 1 ?
		    (b + 1) * w->spec.rows : INT64_MAX;
		return;
	}
	if (w->n_open > 0)
		close_below(w, w->open[w->n_open - 1] + 1);
}

bool
window_next_close(struct window *w, int64_t *batch)
{
	if (w->closing_next == w->n_closing)
		return false;
	*batch = w->closing[w->closing_next++];
	return true;
}

int64_t
window_deadline(const struct window *w)
{
	if (w->spec.kind != WINDOW_TIME || w->n_open == 0 ||
	    w->spec.idle == 0)
		return -1;
	if (w->last_event > INT64_MAX - w->spec.idle)
		return INT64_MAX;
	return w->last_event + w->spec.idle;
}
