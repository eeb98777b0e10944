/*
 * The console's state and its views. struct app is everything a frame is
 * drawn from: options, the model (struct query), the data loaded for the
 * visible part of each view, and each view's own position (selection,
 * scroll, chosen batch, filter). Views are const vtables: load reads what
 * the view shows from the model, draw is pure (app -> canvas), key turns
 * an action into a change of state and a VIEW_* mask; it never draws.
 */
#ifndef MLMON_TUI_APP_H
#define MLMON_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "db/query.h"
#include "tui/render.h"

struct alert_mute;

enum tab {
	TAB_OVERVIEW,
	TAB_DRIFT,
	TAB_CALIBRATION,
	TAB_ALERTS,
	TAB_FLEET,	/* every model; key 0 or m */
	TAB_COUNT,
};

/* What a key handler asks the loop to do. */
#define VIEW_IGNORED	0x00
#define VIEW_HANDLED	0x01
#define VIEW_REDRAW	0x02	/* draw again */
#define VIEW_RESCAN	0x04	/* load the view again, then draw */
#define VIEW_RESIZE	0x08	/* lay out again and repaint all */
#define VIEW_QUIT	0x10
#define VIEW_SNAPSHOT	0x20	/* write the frame to a file (s) */

/* Keys, after the one key table (keys.c) has mapped them. */
enum action {
	ACT_NONE,
	ACT_QUIT,
	ACT_HELP,
	ACT_ESCAPE,
	ACT_NEXT_TAB,
	ACT_PREV_TAB,
	ACT_TAB1,
	ACT_TAB2,
	ACT_TAB3,
	ACT_TAB4,
	ACT_FLEET,		/* 0, m: the Fleet tab */
	ACT_FASTER,
	ACT_SLOWER,
	ACT_PAUSE,
	ACT_REPAINT,
	ACT_UP,
	ACT_DOWN,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_HALF_UP,
	ACT_HALF_DOWN,
	ACT_HOME,
	ACT_END,
	ACT_GOTO,		/* g: type a batch id */
	ACT_SEARCH,		/* / */
	ACT_SEVERITY,		/* v: cycle the severity filter */
	ACT_ALL_MODELS,		/* M: the model shown's alerts or all */
	ACT_SNAPSHOT,		/* s: write the current tab to a file */
	ACT_CLEAR,		/* Delete: clear the filter */
	ACT_ACK,		/* a: acknowledge the selected alert */
	ACT_SILENCE,		/* S: silence it for a duration */
	ACT_UNDO,		/* u: remove its ack or silence */
	ACT_SORT,		/* o: cycle the Drift tab's order */
	ACT_ENTER,
	ACT_RESIZE,
	ACT_COUNT,
};

/* Refresh delay, tenths of a second. */
#define DELAY_MIN	1
#define DELAY_MAX	100
#define DELAY_DEFAULT	10
/* Seconds without a write before the badge says STALE, at least. */
#define STALE_SECONDS	60
/* ... and at least this many refresh intervals. */
#define STALE_INTERVALS	10
/* Seconds a new alert or batch stays highlighted. */
#define HIGHLIGHT_SECONDS	5.0
/* New alerts remembered for highlighting at once. */
#define HIGHLIGHT_MAX	32
/* Seconds a status message (snapshot written) stays in the bar. */
#define STATUS_SECONDS	4.0
/* Smallest frame any tab lays out in. */
#define MIN_WIDTH	60
#define MIN_HEIGHT	16

/* --once output. */
enum out_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_CSV,
	FORMAT_PROMETHEUS,	/* the store's metrics, whatever the tab */
};

/* Mouse events, after the backend has decoded them. */
enum mouse_kind {
	MOUSE_CLICK,		/* button 1 pressed */
	MOUSE_WHEEL_UP,
	MOUSE_WHEEL_DOWN,
};

enum prompt_kind {
	PROMPT_NONE,
	PROMPT_GOTO,
	PROMPT_SEARCH,
	PROMPT_SILENCE,		/* S: the duration; Tab: the scope */
};

struct options {
	const char	*db;
	const char	*model;		/* --model; NULL: automatic */
	bool		 all_models;	/* --model '*': every model's
					   alerts (and the Fleet tab) */
	int		 delay;		/* tenths */
	bool		 ascii;
	bool		 no_color;
	bool		 once;
	int		 tab;
	bool		 tab_set;	/* --tab given */
	int64_t		 batch;		/* -1: latest */
	int64_t		 alert;		/* --once --alert: -1 none */
	int		 width;		/* --once size */
	int		 height;
	long		 max_iterations;	/* 0: no limit */
	bool		 dump_roles;	/* --once: style letters after */
	enum out_format	 format;	/* --once output */
	bool		 format_set;	/* --format given */
	bool		 no_mouse;
	bool		 no_highlight;
	bool		 read_only;	/* --read-only: no ack or silence */
};

/* An alert first seen in a refresh while the console ran. */
struct app_new_alert {
	int64_t		 id;
	double		 since;		/* app.mono when it arrived */
};

struct app {
	struct options	 opt;
	struct query	*q;
	double		 now;		/* unix seconds, this frame */
	double		 mono;		/* monotonic seconds, for timers */
	bool		 frozen_now;	/* MLMON_NOW set */
	bool		 utf8;
	bool		 color;
	int		 tab;
	bool		 paused;
	bool		 help;
	int		 delay;		/* tenths */
	bool		 busy;		/* last read met a busy store */

	enum prompt_kind prompt;
	char		 input[64];
	char		 note[96];	/* one-frame message, e.g. bad id */
	char		 status[256];	/* timed message, e.g. snapshot path */
	double		 status_until;	/* mono; shown while mono < this */
	bool		 status_bad;

	/* Highlight of what arrived since the last refresh. */
	bool		 highlight;	/* live console, not --no-highlight */
	bool		 hl_known;	/* baseline below is set */
	int64_t		 hl_batch;	/* latest batch at the last look */
	int64_t		 hl_alert;	/* newest alert id seen; 0 none */
	double		 hl_batch_since;	/* mono; 0 never */
	size_t		 hl_n;
	struct app_new_alert hl_new[HIGHLIGHT_MAX];

	struct rect	 body;		/* where the current view draws */

	/* Overview */
	struct query_series series;	/* shared with Drift */
	struct query_alert_page recent;

	/* Drift: positions in the shown order (tui/drift-order.h). */
	size_t		 drift_sel;
	size_t		 drift_top;
	int		 drift_sort;	/* enum drift_sort */
	char		 drift_filter[64];	/* name substring; "" all */

	/* Calibration */
	int64_t		 calib_batch;	/* -1: follow the latest */
	struct query_calib calib;

	/* Alerts */
	int64_t		 alerts_top;
	int64_t		 alerts_sel;	/* selected, index in the feed */
	struct alert_mute *mutes;	/* live acks and silences, owned */
	size_t		 n_mutes;
	int		 mute_scope;	/* S prompt: enum alert_mute_scope */
	int		 alerts_sev;	/* app_severity_filter index; 0 all */
	char		 alerts_search[64];
	bool		 alerts_all;	/* every model's, with a model column */
	struct query_alert_page alerts;
	char		*alerts_detail;	/* Enter: the selected alert
					   explained (owned); NULL: list */
	int		 alerts_detail_top;	/* first line shown */

	/* Fleet */
	struct query_fleet fleet;
	size_t		 fleet_sel;	/* in the sorted, filtered rows */
	char		 fleet_filter[64];
	bool		 fleet_decided;	/* opened on Fleet or not, once */
};

struct view {
	const char	*name;
	const char	*hints;		/* function-bar text for this view */
	int		(*load)(struct app *a);	/* 0 or -1 busy */
	void		(*draw)(const struct app *a, struct canvas *c,
			    struct rect r);
	int		(*key)(struct app *a, enum action act);
};

extern const struct view view_overview;
extern const struct view view_drift;
extern const struct view view_calibration;
extern const struct view view_alerts;
extern const struct view view_fleet;

const struct view *app_view(int tab);

void	app_init(struct app *a, const struct options *o);
void	app_finish(struct app *a);
/* Lay out for a w x h frame and load the current view. 0 or -1 busy. */
int	app_load(struct app *a, int w, int h);
/* Draw the whole frame: tab bar, view or message, function bar. */
void	app_draw(const struct app *a, struct canvas *c);
/* Global keys first, then the view's. Returns a VIEW_* mask. */
int	app_key(struct app *a, enum action act);
/* Typed text for an open prompt (g, /, S). Returns a VIEW_* mask. */
int	app_prompt_key(struct app *a, int ch);
/*
 * mute.c: acks and silences asked from the Alerts tab, on the selected
 * alert's condition, written through src/db (a read-write open for the
 * moment of the request). Each sets the status line and returns a
 * VIEW_* mask.
 */
int	mute_ack(struct app *a);
int	mute_silence_prompt(struct app *a);
int	mute_silence_key(struct app *a, int ch);
int	mute_undo(struct app *a);
/* The selected alert of the Alerts tab, NULL when none is shown. */
const struct query_alert *mute_selected(const struct app *a);
/* A mouse event at cell (x, y) of the frame. Returns a VIEW_* mask. */
int	app_mouse(struct app *a, int x, int y, enum mouse_kind kind);
/* The tab whose label covers column x of the tab bar; -1 none. */
int	app_tab_at(int x);
/*
 * After a refresh: note the batches and alerts that arrived since the
 * last one (not on the first look) for highlighting. 0 or -1 busy.
 */
int	app_track_changes(struct app *a);
bool	app_alert_is_new(const struct app *a, int64_t id);
bool	app_batch_is_new(const struct app *a);
/* Seconds the store has been quiet before the badge turns bad. */
double	app_stale_after(const struct app *a);
/* Show model name on the Overview tab (Enter on the Fleet tab). */
void	app_open_model(struct app *a, const char *name);

/* view-fleet.c, shared with the exports. */
bool	fleet_stale(const struct app *a, const struct query_fleet_row *r);
/* The rows shown (filter), worst first: (*idx)[0..n). Caller frees. */
size_t	fleet_order(const struct app *a, size_t **idx);
/* "[CRIT]", "[WARN]", "[STALE]" or "ok", and its role. */
const char *fleet_state(const struct app *a, const struct query_fleet_row *r,
	    enum role *role);
const char *fleet_drift_name(enum query_fleet_drift d);
/* Show msg in the function bar for STATUS_SECONDS. */
void	app_set_status(struct app *a, bool bad, const char *msg);
/* The next mono time a timed mark ends (status, highlight); 0 none. */
double	app_next_expiry(const struct app *a);

/* Shared drawing helpers for views (frame.c). */
/*
 * The Alerts tab's severity filters, cycled by v: 0 all (NULL), then
 * critical, warning, info (core/severity.h's names).
 */
#define APP_SEVERITY_FILTERS	4
const char	*app_severity_filter(int i);
/* "[CRIT]" / "[WARN]" / "[INFO]" and its role. */
const char *severity_marker(const char *severity, enum role *role);
/* The batch window a chart of width w shows, newest last. */
void	app_series_range(const struct app *a, int w, int64_t *lo,
	    int64_t *hi);

/* keys.c: the one key table. */
void	keys_init(void);
enum action keys_lookup(int key);
/* Help overlay lines: key, description. */
struct help_line {
	const char	*keys;
	const char	*what;
};
extern const struct help_line help_lines[];

/*
 * Newest non-missing (not NaN) value of column f of a series of n rows of
 * stride values; NAN if none.
 */
/*
 * The newest slot with a feature report, or s->n: a feature's "last"
 * values are that batch's, a feature without values there included
 * ("no values", never an older batch's PSI).
 */
size_t		 app_feature_last(const struct query_series *s);
size_t		 app_series_last_at(const double *v, size_t n,
		     size_t stride, size_t f);
double		 app_series_last(const double *v, size_t n, size_t stride,
		     size_t f);

#endif
