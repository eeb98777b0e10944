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

int
options_parse(int argc, char **argv, struct options *o, FILE *out,
    char **cause)
{
	enum { OPT_DB = 256, OPT_MODEL, OPT_ONCE, OPT_TAB, OPT_BATCH, OPT_WIDTH,
	    OPT_HEIGHT, OPT_DUMP, OPT_FORMAT, OPT_NO_HIGHLIGHT, OPT_READ_ONLY,
	    OPT_ALERT };
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
	const char *env;
	long long v;
	double d;
	char *end, why[128];
	int ch;

	memset(o, 0, sizeof *o);
	env = getenv("MLMON_DB");
	o->db = env != NULL && *env != '\0' ? env : STORE_DEFAULT_PATH;
	o->delay = DELAY_DEFAULT;
	o->batch = -1;
	o->alert = -1;
	o->width = 80;
	o->height = 24;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:UCMn:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			if (*optarg == '\0') {
				*cause = xstrdup("--db: empty path");
				return -1;
			}
			o->db = optarg;
			break;
		case OPT_MODEL:
			o->all_models = strcmp(optarg, "*") == 0;
			o->model = NULL;
			if (o->all_models)
				break;
			if (!model_name_check(optarg, strlen(optarg), why,
			    sizeof why)) {
				*cause = xasprintf("--model: %s", why);
				return -1;
			}
			o->model = optarg;
			break;
		case 'd':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !isfinite(d) || d < 0.1 - 1e-9 || d > 10 + 1e-9) {
				*cause = xasprintf("-d/--delay: '%s' is not a "
				    "number of seconds from 0.1 to 10", optarg);
				return -1;
			}
			o->delay = (int)lround(d * 10);
			break;
		case 'U':
			o->ascii = true;
			break;
		case 'C':
			o->no_color = true;
			break;
		case 'M':
			o->no_mouse = true;
			break;
		case OPT_NO_HIGHLIGHT:
			o->no_highlight = true;
			break;
		case OPT_READ_ONLY:
			o->read_only = true;
			break;
		case OPT_FORMAT:
			if (!parse_format(optarg, &o->format)) {
				*cause = xasprintf("--format: '%s' is not one "
				    "of text, json, csv, prometheus", optarg);
				return -1;
			}
			o->format_set = true;
			break;
		case 'n':
			if (!parse_long(optarg, 1, LONG_MAX, &v)) {
				*cause = xasprintf("-n/--max-iterations: '%s' "
				    "is not a positive integer", optarg);
				return -1;
			}
			o->max_iterations = (long)v;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_TAB:
			o->tab_set = true;
			if ((o->tab = options_tab(optarg)) == -1) {
				*cause = xasprintf("--tab: '%s' is not one of "
				    "overview, drift, calibration, alerts, "
				    "fleet", optarg);
				return -1;
			}
			break;
		case OPT_BATCH:
			if (!parse_long(optarg, 0, INT64_MAX, &v)) {
				*cause = xasprintf("--batch: '%s' is not a "
				    "batch id", optarg);
				return -1;
			}
			o->batch = (int64_t)v;
			break;
		case OPT_ALERT:
			if (!parse_long(optarg, 1, INT64_MAX, &v)) {
				*cause = xasprintf("--alert: '%s' is not an "
				    "alert id", optarg);
				return -1;
			}
			o->alert = (int64_t)v;
			break;
		case OPT_WIDTH:
		case OPT_HEIGHT:
			if (!parse_long(optarg, 1, 1000, &v)) {
				*cause = xasprintf("--%s: '%s' is not a size "
				    "from 1 to 1000", ch == OPT_WIDTH ?
				    "width" : "height", optarg);
				return -1;
			}
			if (ch == OPT_WIDTH)
				o->width = (int)v;
			else
				o->height = (int)v;
			break;
		case OPT_DUMP:
			o->dump_roles = true;
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
