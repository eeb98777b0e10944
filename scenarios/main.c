/*
 * mlmon-gen: write a reference scenario as an NDJSON stream for
 * mlmon-ingest (docs/PROTOCOL.md). Scenario definitions are *.scn files
 * (scenarios/README.md); the data model is described in gen.c.
 *
 * Exit status: 0 done (or the reader went away: EPIPE is a quiet exit),
 * 1 output error, 2 usage or scenario definition error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlmon-version.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "emit.h"
#include "gen.h"
#include "scn.h"
#include "scn-dirs.h"

/* Output buffer: big enough that a pipe gets full-sized writes. */
#define MAIN_OUTBUF (1 << 20)
#define MAIN_MAX_OVERRIDES 32

enum {
	OPT_SCENARIO_DIR = 256,
	OPT_BATCHES,
	OPT_BATCH_SIZE,
	OPT_FEATURES,
	OPT_CLASSES,
	OPT_REFERENCE_ROWS,
	OPT_LABEL_DELAY,
	OPT_NO_LABELS,
	OPT_NO_SCHEMA,
	OPT_NO_END_BATCH,
	OPT_RATE,
	OPT_LIST,
	OPT_FIRST_BATCH,
	OPT_RNG,
	OPT_SCN,		/* scenario keys: see main_scn_keys */
};

/* mlmon-gen's own flags; the scenario keys' flags follow (main_longopts). */
static const struct option main_options[] = {
	{ "scenario", required_argument, NULL, 's' },
	{ "scenario-dir", required_argument, NULL, OPT_SCENARIO_DIR },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "seed", required_argument, NULL, 'S' },
	{ "rng", required_argument, NULL, OPT_RNG },
	{ "batches", required_argument, NULL, OPT_BATCHES },
	{ "batch-size", required_argument, NULL, OPT_BATCH_SIZE },
	{ "first-batch", required_argument, NULL, OPT_FIRST_BATCH },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "classes", required_argument, NULL, OPT_CLASSES },
	{ "reference-rows", required_argument, NULL, OPT_REFERENCE_ROWS },
	{ "label-delay", required_argument, NULL, OPT_LABEL_DELAY },
	{ "no-labels", no_argument, NULL, OPT_NO_LABELS },
	{ "no-schema", no_argument, NULL, OPT_NO_SCHEMA },
	{ "no-end-batch", no_argument, NULL, OPT_NO_END_BATCH },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
#define MAIN_N_OPTIONS	(sizeof main_options / sizeof main_options[0])

/*
 * The definition-file keys a flag may override: --mean-shift sets
 * mean_shift (the flag is the key with '-' for '_').
 */
static const char *const main_scn_keys[] = {
	"mean_shift", "magnitude", "change_point", "ramp_start", "ramp_end",
	"shift_features", "prior_shift", "priors", "after_priors",
	"class_spread", "true_class",
};

#define MAIN_N_SCN_KEYS	(sizeof main_scn_keys / sizeof main_scn_keys[0])
#define MAIN_KEY_MAX	32	/* bytes of a key, with its NUL */

struct main_override {
	const char	*flag;
	const char	*key;
	const char	*value;
};

/* What the command line asked for. */
struct main_args {
	const char		*scenario;	/* name or path */
	const char		*dir;		/* --scenario-dir; NULL: none */
	bool			 list;
	struct gen_config	 cfg;
	struct main_override	 ov[MAIN_MAX_OVERRIDES];
	int			 nov;
};

static void
main_usage(FILE *f)
{
	fprintf(f,
"usage: mlmon-gen [--scenario NAME|FILE] [options]\n"
"Write a drift scenario as NDJSON for mlmon-ingest (docs/PROTOCOL.md):\n"
"a schema record, the 1,000-row training set as reference records, then\n"
"batches 1..N of predictions from a nearest-centroid model.\n"
"\n"
"  -s, --scenario NAME|FILE  stable, abrupt, gradual, label_shift, ... or a\n"
"                            path to a .scn file (default stable)\n"
"      --scenario-dir DIR    where NAME.scn is looked up (default\n"
"                            $MLMON_SCENARIO_DIR, else the built-in dirs)\n"
"      --list                list the scenarios and exit\n"
"  -S, --seed N              64-bit seed (default 42)\n"
"      --rng mlmon|numpy     random generator: mlmon's own (default), or\n"
"                            numpy's default_rng(seed) drawn exactly as the\n"
"                            seed article's generators.py, numbers printed\n"
"                            with 17 significant digits\n"
"      --batches N           number of batches (default 15)\n"
"      --batch-size N        rows per batch (default 200)\n"
"      --first-batch N       id of the first batch (default 1)\n"
"      --features N          features per row (default 5)\n"
"      --classes N           classes, >= 2 (default 3)\n"
"      --reference-rows N    training set size (default 1000)\n"
"      --label-delay K       labels of batch b follow batch b+K as a labels\n"
"                            record; 0 puts true_class inline (default 0)\n"
"      --no-labels           no ground truth on predictions at all\n"
"      --no-schema           omit the schema record\n"
"      --no-end-batch        omit the end_batch records\n"
"      --rate ROWS_PER_S     throttle predictions to this rate, smoothly\n"
"\n"
"Scenario parameters (override the .scn file, see scenarios/README.md):\n"
"      --mean-shift none|step|ramp   --magnitude X\n"
"      --change-point B              --ramp-start B   --ramp-end B\n"
"      --shift-features all|i,j,...  --prior-shift none|step\n"
"      --priors p0,p1,...            --after-priors p0,p1,...\n"
"      --class-spread SD             --true-class component|posterior\n"
"\n"
"  -h, --help                this text\n"
"  -V, --version             print the version\n"
"Exit status: 0 done or reader gone, 1 output error, 2 usage error.\n");
}

static void main_bad(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
static void main_say(const char *, ...) __attribute__((format(printf, 1, 2)));
static void main_vsay(const char *, va_list)
	    __attribute__((format(printf, 1, 0)));

/* One line to stderr, cleaned: causes quote paths and arguments. */
static void
main_vsay(const char *fmt, va_list ap)
{
	sanitize_say("mlmon-gen", fmt, ap);
}

static void
main_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	main_vsay(fmt, ap);
	va_end(ap);
}

/* Report a usage error and exit 2. */
static void
main_bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	main_vsay(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'mlmon-gen --help'.\n");
	exit(2);
}

static long
main_long(const char *flag, const char *s, long min, long max)
{
	long v;

	if (!scn_parse_long(s, min, max, &v))
		main_bad("--%s: expected an integer in [%ld, %ld], got '%s'",
		    flag, min, max, s);
	return v;
}

static uint64_t
main_seed(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		main_bad("--seed: expected an integer in [0, 2^64), got '%s'",
		    s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		main_bad("--seed: expected an integer in [0, 2^64), got '%s'",
		    s);
	return (uint64_t)v;
}

/* Reject an override the scenario's kind of shift would ignore. */
static void
main_check_effect(const struct scn *s, const struct main_override *o)
{
	const char *k = o->key;
	bool used = true;

	if (strcmp(k, "magnitude") == 0 || strcmp(k, "shift_features") == 0)
		used = s->mean_shift != SCN_MEAN_NONE;
	else if (strcmp(k, "change_point") == 0)
		used = s->mean_shift == SCN_MEAN_STEP ||
		    s->prior_shift == SCN_PRIOR_STEP;
	else if (strcmp(k, "ramp_start") == 0 || strcmp(k, "ramp_end") == 0)
		used = s->mean_shift == SCN_MEAN_RAMP;
	else if (strcmp(k, "after_priors") == 0)
		used = s->prior_shift == SCN_PRIOR_STEP;
	if (!used)
		main_bad("--%s has no effect on scenario '%s' (see "
		    "--mean-shift and --prior-shift)", o->flag, s->name);
}

/* The long options: main_options, then a flag per scenario key. */
static void
main_longopts(struct option *lo, char flags[][MAIN_KEY_MAX])
{
	size_t	i, j;

	for (i = 0; i < MAIN_N_OPTIONS; i++)
		lo[i] = main_options[i];
	for (j = 0; j < MAIN_N_SCN_KEYS; j++, i++) {
		snprintf(flags[j], MAIN_KEY_MAX, "%s", main_scn_keys[j]);
		for (char *c = flags[j]; *c != '\0'; c++)
			if (*c == '_')
				*c = '-';
		lo[i].name = flags[j];
		lo[i].has_arg = required_argument;
		lo[i].flag = NULL;
		lo[i].val = OPT_SCN + (int)j;
	}
	memset(&lo[i], 0, sizeof lo[i]);
}

/* One generator setting (a flag with its argument) into cfg. */
static void
main_setting(struct gen_config *cfg, int opt, const char *arg)
{
	double	rate;

	switch (opt) {
	case 'S':
		cfg->seed = main_seed(arg);
		break;
	case OPT_RNG:
		if (strcmp(arg, "mlmon") == 0)
			cfg->rng = GEN_RNG_MLMON;
		else if (strcmp(arg, "numpy") == 0)
			cfg->rng = GEN_RNG_NUMPY;
		else
			main_bad("--rng: expected mlmon or numpy, got '%s'",
			    arg);
		break;
	case OPT_BATCHES:
		cfg->batches = main_long("batches", arg, 0, 1000000000L);
		break;
	case OPT_BATCH_SIZE:
		cfg->batch_size = main_long("batch-size", arg, 1, 10000000L);
		break;
	case OPT_FIRST_BATCH:
		cfg->first_batch = main_long("first-batch", arg, 0,
		    1000000000L);
		break;
	case OPT_FEATURES:
		cfg->features = (int)main_long("features", arg, 1, 4096);
		break;
	case OPT_CLASSES:
		cfg->classes = (int)main_long("classes", arg, 2, 1000);
		break;
	case OPT_REFERENCE_ROWS:
		cfg->reference_rows = main_long("reference-rows", arg, 1,
		    100000000L);
		break;
	case OPT_LABEL_DELAY:
		cfg->label_delay = main_long("label-delay", arg, 0,
		    1000000000L);
		break;
	case OPT_RATE:
		if (!scn_parse_double(arg, &rate) || rate <= 0.0 ||
		    rate > 1e9)
			main_bad("--rate: expected rows per second in (0, "
			    "1e9], got '%s'", arg);
		cfg->rate = rate;
		break;
	}
}

/*
 * The command line into a (usage errors exit 2 from here). -1 to go on,
 * else the exit status (--help, --version).
 */
static int
main_parse(int argc, char **argv, struct main_args *a,
    char flags[][MAIN_KEY_MAX])
{
	struct option	lo[MAIN_N_OPTIONS + MAIN_N_SCN_KEYS + 1];
	int		opt;

	memset(a, 0, sizeof *a);
	a->scenario = "stable";
	gen_config_init(&a->cfg);
	main_longopts(lo, flags);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:S:hV", lo, NULL)) != -1) {
		switch (opt) {
		case 's':
			a->scenario = optarg;
			break;
		case OPT_SCENARIO_DIR:
			a->dir = optarg;
			break;
		case OPT_LIST:
			a->list = true;
			break;
		case OPT_NO_LABELS:
			a->cfg.labels = false;
			break;
		case OPT_NO_SCHEMA:
			a->cfg.schema = false;
			break;
		case OPT_NO_END_BATCH:
			a->cfg.end_batch = false;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("mlmon-gen %s\n", MLMON_VERSION_STRING);
			return 0;
		case ':':
			main_bad("%s: missing argument", argv[optind - 1]);
			break;
		case '?':
			main_bad("unknown option '%s'", argv[optind - 1]);
			break;
		default:
			if (opt < OPT_SCN) {
				main_setting(&a->cfg, opt, optarg);
				break;
			}
			if (opt >= OPT_SCN + (int)MAIN_N_SCN_KEYS)
				main_bad("unknown option");
			if (a->nov == MAIN_MAX_OVERRIDES)
				main_bad("too many scenario overrides");
			a->ov[a->nov].flag = flags[opt - OPT_SCN];
			a->ov[a->nov].key = main_scn_keys[opt - OPT_SCN];
			a->ov[a->nov].value = optarg;
			a->nov++;
			break;
		}
	}
	if (optind < argc)
		main_bad("unexpected argument '%s'", argv[optind]);
	return -1;
}

/*
 * Where scenarios are looked up: --scenario-dir, $MLMON_SCENARIO_DIR, or
 * the built-in dirs (*own holds their storage; caller frees).
 */
static void
main_dirs(const struct main_args *a, const char **dirs, char **own)
{
	const char	*dir = a->dir;

	*own = NULL;
	if (dir == NULL)
		dir = getenv("MLMON_SCENARIO_DIR");
	if (dir != NULL && *dir != '\0') {
		dirs[0] = dir;
		dirs[1] = NULL;
	} else {
		scn_dirs_default(dirs, own);
	}
}

/* --list: the scenarios found. The exit status. */
static int
main_list(const char *const *dirs)
{
	char	*cause;

	if (scn_list(dirs, stdout, &cause) != 0) {
		main_say("%s", cause);
		free(cause);
		return 2;
	}
	return 0;
}

/* The scenario named, with the flags' overrides. 0, or 2 (said). */
static int
main_scenario(struct scn *s, const struct main_args *a,
    const char *const *dirs)
{
	char	*path, *cause;
	int	 i;

	path = scn_resolve(a->scenario, dirs, &cause);
	if (path == NULL || scn_load(s, path, &cause) != 0) {
		main_say("%s", cause);
		free(cause);
		free(path);
		return 2;
	}
	free(path);
	for (i = 0; i < a->nov; i++) {
		if (scn_set(s, a->ov[i].key, a->ov[i].value, &cause) != 0) {
			main_say("--%s: %s", a->ov[i].flag, cause);
			free(cause);
			return 2;
		}
	}
	for (i = 0; i < a->nov; i++)
		main_check_effect(s, &a->ov[i]);
	return 0;
}

/* Generate the stream to stdout. The exit status. */
static int
main_run(struct gen_config *cfg, struct scn *s)
{
	struct emit	 e;
	struct gen	*g;
	char		*cause;
	int		 err;

	cfg->scn = s;
	g = gen_create(cfg, &cause);
	if (g == NULL) {
		main_say("%s", cause);
		free(cause);
		return 2;
	}
	/* A reader that goes away is EPIPE from write(2), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	emit_init(&e, STDOUT_FILENO, MAIN_OUTBUF);
	gen_run(g, &e);
	err = emit_finish(&e);
	gen_destroy(g);
	if (err != 0 && err != EPIPE) {
		fprintf(stderr, "mlmon-gen: write error: %s\n", strerror(err));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct main_args	 a;
	char			 flags[MAIN_N_SCN_KEYS][MAIN_KEY_MAX];
	const char		*dirs[SCN_DIRS_MAX];
	struct scn		 s;
	char			*own;
	int			 status;

	if ((status = main_parse(argc, argv, &a, flags)) >= 0)
		return status;
	main_dirs(&a, dirs, &own);
	if (a.list) {
		status = main_list(dirs);
		free(own);
		return status;
	}
	scn_init(&s);
	status = main_scenario(&s, &a, dirs);
	free(own);
	if (status == 0)
		status = main_run(&a.cfg, &s);
	scn_finish(&s);
	return status;
}
