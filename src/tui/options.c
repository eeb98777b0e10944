/*
 * Flags (htop printHelpFlag is the model): --db, -d/--delay seconds,
 * -U/--ascii, -C/--no-color, -M/--no-mouse, --no-highlight,
 * -n/--max-iterations, the batch mode --once with --format, --tab,
 * --batch, --width and --height. Bad values are refused with a message
 * naming the flag; the caller exits 2.
 */
#include "tui/options.h"

#include <getopt.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mlmon-version.h"
#include "core/model.h"
#include "core/xalloc.h"
#include "db/store.h"

static const char *const tab_names[TAB_COUNT] = {
	"overview", "drift", "calibration", "alerts", "fleet",
};

void
options_usage(FILE *f)
{
	fprintf(f,
	    "usage: mlmon-top [--db PATH|URI] [--model NAME] [-d SECONDS]\n"
	    "                 [--ascii] [--no-color] [--no-mouse]\n"
	    "                 [--no-highlight] [--read-only] [-n N]\n"
	    "                 [--once [--format text|json|csv|prometheus]\n"
	    "                 [--tab NAME]\n"
	    "                 [--batch N] [--width W] [--height H]]\n"
	    "\n"
	    "The live console of an mlmon store. It reads; only an ack or a\n"
	    "silence (a, S, u in the Alerts tab) writes, for that moment.\n"
	    "\n"
	    "  --db PATH|URI         store to read: a SQLite file, or a\n"
	    "                        PostgreSQL URI or connection string\n"
	    "                        (default $MLMON_DB, else ./monitoring.db)\n"
	    "  --model NAME          the model to show (default: the store's\n"
	    "                        \"default\", else its first by name);\n"
	    "                        '*': every model (the Alerts tab lists\n"
	    "                        all models' alerts; opens on the fleet)\n"
	    "  -d, --delay SECONDS   refresh every SECONDS, 0.1 to 10"
	    " (default 1)\n"
	    "  -U, --ascii           ASCII glyphs only (automatic when the\n"
	    "                        locale is not UTF-8)\n"
	    "  -C, --no-color        monochrome (also when NO_COLOR is set)\n"
	    "  -M, --no-mouse        leave the mouse to the terminal\n"
	    "                        (with it on, hold Shift to select text)\n"
	    "      --no-highlight    do not mark alerts and batches that just\n"
	    "                        arrived\n"
	    "      --read-only       refuse acks and silences (never write)\n"
	    "  -n, --max-iterations N  quit after N refreshes\n"
	    "      --once            print the tab once and exit\n"
	    "      --format FMT      --once output: text (the frame,\n"
	    "                        default), json (the tab's data), csv\n"
	    "                        (its main table) or prometheus (the\n"
	    "                        store's metrics, text exposition)\n"
	    "      --tab NAME        overview, drift, calibration, alerts or\n"
	    "                        fleet (every model; the default when the\n"
	    "                        store holds several and no --model)\n"
	    "      --batch N         batch for the calibration tab\n"
	    "      --alert ID        --once: explain alert ID (its rule,\n"
	    "                        the tests behind it, its timeline);\n"
	    "                        --format text or json\n"
	    "      --width W, --height H  size of the --once frame"
	    " (default 80x24)\n"
	    "      --dump-roles      --once: also print a style letter per"
	    " cell\n"
	    "  -h, --help            this text\n"
	    "  -V, --version         the version\n"
	    "\n"
	    "Keys: 1-4 tabs, 0 or m fleet, ? help, space pause, +/- delay, s snapshot,"
	    " q quit.\n"
	    "s writes the tab as text to $XDG_STATE_HOME/mlmon-top/\n"
	    "(default ~/.local/state/mlmon-top/) snap-YYYYmmdd-HHMMSS.txt.\n"
	    "Graphs look wrong? Use --ascii.\n");
}

int
options_tab(const char *s)
{
	int i;

	for (i = 0; i < TAB_COUNT; i++) {
		if (strcmp(s, tab_names[i]) == 0)
			return i;
	}
	if (s[0] >= '1' && s[0] <= '4' && s[1] == '\0')
		return s[0] - '1';
	if (s[0] == '0' && s[1] == '\0')
		return TAB_FLEET;
	return -1;
}

bool
parse_format(const char *s, enum out_format *out)
{
	static const char *const names[] = { "text", "json", "csv",
	    "prometheus" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum out_format)i;
			return true;
		}
	}
	return false;
}

/*
 * --model '*': every model, on the two tabs that show them all (Alerts,
 * and the Fleet the console opens on); the other tabs show one model.
 */
static int
options_all_models(struct options *o, char **cause)
{
	if (!o->all_models)
		return 0;
	if (!o->tab_set)
		o->tab = TAB_FLEET;
	else if (o->tab != TAB_ALERTS && o->tab != TAB_FLEET &&
	    o->alert < 0) {
		*cause = xstrdup("--model '*' (every model) goes with --tab "
		    "alerts or fleet");
		return -1;
	}
	return 0;
}

/* Whole-string integer in [min, max]. */
static bool
parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

enum {
	OPT_DB = 256, OPT_MODEL, OPT_ONCE, OPT_TAB, OPT_BATCH, OPT_WIDTH,
	OPT_HEIGHT, OPT_DUMP, OPT_FORMAT, OPT_NO_HIGHLIGHT, OPT_READ_ONLY,
	OPT_ALERT,
};

static const struct option longopts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "delay", required_argument, NULL, 'd' },
	{ "ascii", no_argument, NULL, 'U' },
	{ "no-unicode", no_argument, NULL, 'U' },
	{ "no-color", no_argument, NULL, 'C' },
	{ "no-colour", no_argument, NULL, 'C' },
	{ "no-mouse", no_argument, NULL, 'M' },
	{ "no-highlight", no_argument, NULL, OPT_NO_HIGHLIGHT },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "max-iterations", required_argument, NULL, 'n' },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "tab", required_argument, NULL, OPT_TAB },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "alert", required_argument, NULL, OPT_ALERT },
	{ "width", required_argument, NULL, OPT_WIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "dump-roles", no_argument, NULL, OPT_DUMP },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Everything a flag does not set. */
static void
options_defaults(struct options *o)
{
	const char *env = getenv("MLMON_DB");

	memset(o, 0, sizeof *o);
	o->db = env != NULL && *env != '\0' ? env : STORE_DEFAULT_PATH;
	o->delay = DELAY_DEFAULT;
	o->batch = -1;
	o->alert = -1;
	o->width = 80;
	o->height = 24;
}

/* A flag without a value; false when ch is not one. */
static bool
options_switch(struct options *o, int ch)
{
	bool *on;

	switch (ch) {
	case 'U':		on = &o->ascii; break;
	case 'C':		on = &o->no_color; break;
	case 'M':		on = &o->no_mouse; break;
	case OPT_NO_HIGHLIGHT:	on = &o->no_highlight; break;
	case OPT_READ_ONLY:	on = &o->read_only; break;
	case OPT_ONCE:		on = &o->once; break;
	case OPT_DUMP:		on = &o->dump_roles; break;
	default:		return false;
	}
	*on = true;
	return true;
}

/* "FLAG: 'ARG' is not WANT" into *cause; -1. */
static int
options_refuse(char **cause, const char *flag, const char *arg,
    const char *want)
{
	*cause = xasprintf("%s: '%s' is not %s", flag, arg, want);
	return -1;
}

/* --db, --model, --format, --tab: a word. 0, or -1 with *cause. */
static int
options_word(struct options *o, int ch, const char *arg, char **cause)
{
	char why[128];

	switch (ch) {
	case OPT_DB:
		if (*arg == '\0') {
			*cause = xstrdup("--db: empty path");
			return -1;
		}
		o->db = arg;
		return 0;
	case OPT_MODEL:
		o->all_models = strcmp(arg, "*") == 0;
		o->model = NULL;
		if (o->all_models)
			return 0;
		if (!model_name_check(arg, strlen(arg), why, sizeof why)) {
			*cause = xasprintf("--model: %s", why);
			return -1;
		}
		o->model = arg;
		return 0;
	case OPT_FORMAT:
		o->format_set = true;
		if (!parse_format(arg, &o->format))
			return options_refuse(cause, "--format", arg, "one of "
			    "text, json, csv, prometheus");
		return 0;
	default:	/* OPT_TAB */
		o->tab_set = true;
		if ((o->tab = options_tab(arg)) == -1)
			return options_refuse(cause, "--tab", arg, "one of "
			    "overview, drift, calibration, alerts, fleet");
		return 0;
	}
}

/* -d, -n, --batch, --alert, --width, --height. 0, or -1 with *cause. */
static int
options_number(struct options *o, int ch, const char *arg, char **cause)
{
	char *end;
	double d;
	long long v;

	switch (ch) {
	case 'd':
		errno = 0;
		d = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' ||
		    !isfinite(d) || d < 0.1 - 1e-9 || d > 10 + 1e-9)
			return options_refuse(cause, "-d/--delay", arg,
			    "a number of seconds from 0.1 to 10");
		o->delay = (int)lround(d * 10);
		return 0;
	case 'n':
		if (!parse_long(arg, 1, LONG_MAX, &v))
			return options_refuse(cause, "-n/--max-iterations",
			    arg, "a positive integer");
		o->max_iterations = (long)v;
		return 0;
	case OPT_BATCH:
		if (!parse_long(arg, 0, INT64_MAX, &v))
			return options_refuse(cause, "--batch", arg,
			    "a batch id");
		o->batch = (int64_t)v;
		return 0;
	case OPT_ALERT:
		if (!parse_long(arg, 1, INT64_MAX, &v))
			return options_refuse(cause, "--alert", arg,
			    "an alert id");
		o->alert = (int64_t)v;
		return 0;
	default:	/* OPT_WIDTH, OPT_HEIGHT */
		if (!parse_long(arg, 1, 1000, &v))
			return options_refuse(cause, ch == OPT_WIDTH ?
			    "--width" : "--height", arg, "a size from 1 to "
			    "1000");
		*(ch == OPT_WIDTH ? &o->width : &o->height) = (int)v;
		return 0;
	}
}

/* The flags against each other, once all are read. */
static int
options_check(struct options *o, char **cause)
{
	if (o->format_set && !o->once) {
		*cause = xstrdup("--format needs --once");
		return -1;
	}
	if (o->alert >= 0 && (!o->once || (o->format != FORMAT_TEXT &&
	    o->format != FORMAT_JSON))) {
		*cause = xstrdup("--alert needs --once and --format text or "
		    "json");
		return -1;
	}
	return options_all_models(o, cause);
}

int
options_parse(int argc, char **argv, struct options *o, FILE *out,
    char **cause)
{
	int ch;

	options_defaults(o);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:UCMn:hV", longopts,
	    NULL)) != -1) {
		if (options_switch(o, ch))
			continue;
		switch (ch) {
		case OPT_DB: case OPT_MODEL: case OPT_FORMAT: case OPT_TAB:
			if (options_word(o, ch, optarg, cause) != 0)
				return -1;
			break;
		case 'd': case 'n': case OPT_BATCH: case OPT_ALERT:
		case OPT_WIDTH: case OPT_HEIGHT:
			if (options_number(o, ch, optarg, cause) != 0)
				return -1;
			break;
		case 'h':
			options_usage(out);
			return 1;
		case 'V':
			fprintf(out, "mlmon-top %s\nstore schema version %d\n",
			    MLMON_VERSION_STRING, store_schema_version());
			return 1;
		case ':':
			*cause = xasprintf("%s needs a value",
			    argv[optind - 1]);
			return -1;
		default:
			*cause = xasprintf("unknown option '%s' (see --help)",
			    argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		*cause = xasprintf("unexpected argument '%s' (see --help)",
		    argv[optind]);
		return -1;
	}
	return options_check(o, cause);
}
