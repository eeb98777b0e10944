/*
 * The loop (htop ScreenManager_run): one place owns tabs, timing, input
 * and the terminal.
 *
 *   tick (every delay, unless paused): query_refresh; on change reload
 *     and note what arrived (app_track_changes) for highlighting
 *   key: one key table -> action -> app_key -> VIEW_* mask
 *   mouse: KEY_MOUSE -> app_mouse -> VIEW_* mask (-M leaves it off)
 *   frame: app_draw into the canvas, copy it to stdscr, one doupdate()
 *
 * getch() blocks with a timeout equal to the time left to the next tick,
 * so an idle console sleeps in poll() and a key takes effect at once. A
 * tick with no change in the store costs a stat() and a PRAGMA. A store
 * that signals its commits (PostgreSQL: query_wait_fd) is polled beside
 * the terminal (after query_commit_told: a notification libpq took in
 * with a read's answer leaves the socket quiet), and a commit brings the
 * tick forward (no sooner than
 * CONSOLE_WAKE_GAP after the last refresh, so a busy writer cannot keep
 * the console re-reading). ncurses
 * diffs the frames, so only changed cells go over the wire; the screen
 * is cleared only on resize and Ctrl-L.
 */
#include "tui/console.h"

#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "tui/curses-compat.h"
#include "tui/explain.h"
#include "tui/export.h"
#include "tui/glyphs.h"
#include "tui/options.h"
#include "tui/snapshot.h"
#include "tui/theme.h"

/* The wheel's second half: BUTTON5 needs the extended mouse ABI. */
#ifdef BUTTON5_PRESSED
#define CONSOLE_WHEEL_DOWN	BUTTON5_PRESSED
#else
#define CONSOLE_WHEEL_DOWN	0
#endif

/* Seconds between two refreshes brought forward by commits. */
#define CONSOLE_WAKE_GAP	0.05

static void	say(const char *, ...) __attribute__((format(printf, 1, 2)));

/* One line to stderr, cleaned: it may quote a path or $TERM. */
static void
say(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	sanitize_say("mlmon-top", fmt, ap);
	va_end(ap);
}

static volatile sig_atomic_t console_active;
static enum theme_scheme console_scheme = THEME_COLOR;

/* MLMON_NOW freezes the clock (tests). */
static void
console_now(struct app *a)
{
	const char *env = getenv("MLMON_NOW");
	char *end;
	double t;

	if (env != NULL && *env != '\0') {
		t = strtod(env, &end);
		if (*end == '\0' && isfinite(t)) {
			a->now = t;
			a->frozen_now = true;
			return;
		}
	}
	a->now = clock_wall();
}

/* Restore the terminal; safe to call twice and from the fatal hook. */
static void
console_done(void)
{
	if (console_active) {
		console_active = 0;
		endwin();
	}
}

static void
console_signal(int sig)
{
	console_done();
	_exit(sig == SIGINT ? 0 : 128 + sig);
}

static void
console_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --once --alert ID: the alert explained (explain.c). */
static int
console_explain(struct app *a, FILE *out)
{
	char *cause = NULL;

	if (explain_write(a->q, a->opt.alert, a->opt.format, out,
	    &cause) != 0) {
		say("%s: %s", query_path(a->q), cause);
		free(cause);
		return 1;
	}
	return fflush(out) != 0;
}

int
console_once(struct app *a, FILE *out)
{
	struct canvas c;
	int i, rc = 0;

	/* A busy store (writer checkpointing) clears within moments. */
	for (i = 0; i < 40 && query_refresh(a->q) == -1; i++)
		console_sleep_ms(50);
	/*
	 * A store with no batch yet prints the waiting frame; one that is not
	 * there or cannot be read is an error for a script to see.
	 */
	if (query_state(a->q) == QUERY_MISSING) {
		say("cannot read %s: %s", query_path(a->q),
		    query_message(a->q));
		return 1;
	}
	if (query_state(a->q) == QUERY_UNREADABLE) {
		say("%s", query_message(a->q));
		return 1;
	}
	if (a->opt.alert >= 0)
		return console_explain(a, out);
	console_now(a);
	for (i = 0; i < 40 && app_load(a, a->opt.width, a->opt.height) == -1;
	    i++)
		console_sleep_ms(50);
	if (a->opt.format != FORMAT_TEXT) {
		for (i = 0; i < 40 && export_load(a) == -1; i++)
			console_sleep_ms(50);
		if (export_write(a, a->opt.format, out) == -1)
			rc = 1;
		if (fflush(out) != 0)
			rc = 1;
		return rc;
	}
	canvas_init(&c, a->opt.width, a->opt.height);
	app_draw(a, &c);
	canvas_print(&c, out);
	if (a->opt.dump_roles) {
		fprintf(out, "--\n");
		canvas_print_roles(&c, a->color ? THEME_COLOR : THEME_MONO,
		    out);
	}
	canvas_finish(&c);
	if (fflush(out) != 0)
		rc = 1;
	return rc;
}

/* ---- curses backend ---- */

static attr_t
console_attr(enum role r, short *pair)
{
	const struct theme_style *st = theme_style(console_scheme, r);
	attr_t at = A_NORMAL;

	if (st->attrs & THEME_BOLD)
		at |= A_BOLD;
	if (st->attrs & THEME_REVERSE)
		at |= A_REVERSE;
	if (st->attrs & THEME_UNDERLINE)
		at |= A_UNDERLINE;
	if (st->attrs & THEME_DIM)
		at |= A_DIM;
	*pair = console_scheme == THEME_COLOR ? (short)(r + 1) : 0;
	return at;
}

static void
console_colors(void)
{
	const struct theme_style *st;
	int r;

	start_color();
	use_default_colors();
	for (r = 0; r < ROLE_COUNT; r++) {
		st = theme_style(THEME_COLOR, (enum role)r);
		init_pair((short)(r + 1), st->fg, st->bg);
	}
}

/* Copy the canvas to stdscr; ncurses sends only what changed. */
static void
console_present(const struct canvas *c, bool full)
{
	const struct cell *p;
	wchar_t wc[2] = { 0, 0 };
	cchar_t cc;
	attr_t at;
	short pair;
	int x, y;

	if (full)
		clearok(curscr, TRUE);
	for (y = 0; y < c->h; y++) {
		for (x = 0; x < c->w; x++) {
			p = canvas_at(c, x, y);
			if (p->ch == 0)
				continue;
			at = console_attr((enum role)p->role, &pair);
			wc[0] = (wchar_t)p->ch;
			setcchar(&cc, wc, at, pair, NULL);
			mvwadd_wch(stdscr, y, x, &cc);
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Refuse to start where curses would print garbage. */
static int
console_check_terminal(void)
{
	const char *term = getenv("TERM");
	char *cup;
	int err = 0;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		say("not a terminal; use --once to "
		    "print one frame as plain text");
		return -1;
	}
	if (term == NULL || *term == '\0' ||
	    setupterm(NULL, STDOUT_FILENO, &err) != OK) {
		say("unknown terminal type '%s'; set "
		    "TERM, or use --once for plain text",
		    term != NULL ? term : "");
		return -1;
	}
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1) {
		say("terminal '%s' cannot move the "
		    "cursor; use --once for plain text", term);
		del_curterm(cur_term);
		return -1;
	}
	del_curterm(cur_term);
	return 0;
}

static int
console_init(struct app *a)
{
	struct sigaction sa;
	const char *nc = getenv("NO_COLOR");

	if (console_check_terminal() == -1)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = console_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	xalloc_set_fatal_hook(console_done);
	if (newterm(NULL, stdout, stdin) == NULL) {
		say("cannot initialise the terminal");
		return -1;
	}
	console_active = 1;
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Click and wheel only; Shift-drag still selects text. */
	if (!a->opt.no_mouse) {
		mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED |
		    CONSOLE_WHEEL_DOWN, NULL);
		mouseinterval(0);	/* act on the press, no click wait */
	}
	a->color = !a->opt.no_color && (nc == NULL || *nc == '\0') &&
	    has_colors();
	if (a->color)
		console_colors();
	console_scheme = a->color ? THEME_COLOR : THEME_MONO;
	return 0;
}

/* Decode one KEY_MOUSE into app_mouse. */
static int
console_mouse(struct app *a)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return VIEW_IGNORED;
	if (ev.bstate & BUTTON1_PRESSED)
		return app_mouse(a, ev.x, ev.y, MOUSE_CLICK);
	if (ev.bstate & BUTTON4_PRESSED)
		return app_mouse(a, ev.x, ev.y, MOUSE_WHEEL_UP);
	if (ev.bstate & CONSOLE_WHEEL_DOWN)
		return app_mouse(a, ev.x, ev.y, MOUSE_WHEEL_DOWN);
	return VIEW_IGNORED;
}

/*
 * A key within ms, or ERR. With watch, the store's descriptor is polled
 * too: *commit says a writer committed (the refresh takes the news).
 */
static int
console_getch(struct app *a, int ms, bool watch, bool *commit)
{
	struct pollfd p[2];
	int fd, ch;

	*commit = false;
	if (ms < 0)
		ms = 0;
	if (!watch || (fd = query_wait_fd(a->q)) == -1) {
		timeout(ms);
		return getch();
	}
	timeout(0);
	if ((ch = getch()) != ERR)	/* curses holds a key */
		return ch;
	if (query_commit_told(a->q)) {	/* libpq holds a notification */
		*commit = true;
		return ERR;
	}
	p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(p, 2, ms) <= 0)
		return ERR;	/* time, or a signal (KEY_RESIZE comes next) */
	*commit = p[1].revents != 0;
	return p[0].revents != 0 ? getch() : ERR;
}

/* One key (or mouse event) to the prompt or the view: a VIEW_* mask. */
static int
console_key(struct app *a, int ch)
{
	if (ch == KEY_MOUSE)
		return console_mouse(a);
	if (a->prompt != PROMPT_NONE)
		return app_prompt_key(a, ch == KEY_BACKSPACE ? 127 :
		    ch == KEY_ENTER ? '\n' : ch);
	return app_key(a, keys_lookup(ch));
}

static int
console_run(struct app *a)
{
	struct canvas c;
	double next = 0, wake = 0, t, last = 0;
	long ticks = 0;
	bool dirty = true, load = true, full = true, track = false, commit;
	int ch, mask, ms, rc;

	if (console_init(a) == -1)
		return 1;
	canvas_init(&c, COLS, LINES);
	for (;;) {
		t = clock_mono();
		a->mono = t;
		if (t >= next) {
			if (!a->paused) {
				last = t;
				rc = query_refresh(a->q);
				a->busy = rc == -1;
				if (rc == 1)
					load = track = true;
			}
			next = t + a->delay / 10.0;
			dirty = true;
			ticks++;
		}
		/* A busy store: try again on the next pass. */
		if (track && app_track_changes(a) == 0)
			track = false;
		if (wake > 0 && t >= wake)	/* a highlight or status ends */
			dirty = true;
		if (c.w != COLS || c.h != LINES) {
			canvas_resize(&c, COLS, LINES);
			load = full = dirty = true;
		}
		if (load) {
			if (app_load(a, c.w, c.h) == -1)
				a->busy = true;
			load = false;
			dirty = true;
		}
		if (dirty) {
			console_now(a);
			app_draw(a, &c);
			console_present(&c, full);
			dirty = full = false;
			wake = app_next_expiry(a);
		}
		if (a->opt.max_iterations > 0 &&
		    ticks >= a->opt.max_iterations)
			break;
		t = wake > 0 && wake < next ? wake : next;
		ms = (int)ceil((t - clock_mono()) * 1000);
		/* A commit seen waits in the socket until the refresh. */
		ch = console_getch(a, ms, !a->paused &&
		    next > last + CONSOLE_WAKE_GAP, &commit);
		if (commit)
			next = last + CONSOLE_WAKE_GAP;
		if (ch == ERR)
			continue;
		a->mono = clock_mono();
		mask = console_key(a, ch);
		if (mask & VIEW_QUIT)
			break;
		if (mask & VIEW_SNAPSHOT) {
			snapshot_take(a, c.w, c.h);
			dirty = true;
		}
		if (mask & VIEW_RESIZE)
			load = full = dirty = true;
		if (mask & VIEW_RESCAN)
			load = dirty = true;
		if (mask & (VIEW_REDRAW | VIEW_HANDLED))
			dirty = true;
	}
	console_done();
	canvas_finish(&c);
	return 0;
}

int
console_main(int argc, char **argv)
{
	struct options o;
	struct app a;
	char *cause = NULL;
	const char *codeset, *nc;
	bool utf8;
	int rc;

	setlocale(LC_ALL, "");
	tzset();		/* HH:MM:SS and snapshot names in local time */
	rc = options_parse(argc, argv, &o, stdout, &cause);
	if (rc == 1)
		return 0;
	if (rc == -1) {
		say("%s", cause);
		free(cause);
		return 2;
	}
	codeset = nl_langinfo(CODESET);
	utf8 = !o.ascii && codeset != NULL && (strcmp(codeset, "UTF-8") == 0 ||
	    strcmp(codeset, "utf8") == 0);
	glyphs_init(utf8);
	keys_init();
	app_init(&a, &o);
	a.utf8 = utf8;
	if (o.once) {
		nc = getenv("NO_COLOR");
		a.color = !o.no_color && (nc == NULL || *nc == '\0');
		rc = console_once(&a, stdout);
	} else
		rc = console_run(&a);
	app_finish(&a);
	return rc;
}
