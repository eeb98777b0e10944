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
	{ "mean-shift", required_argument, NULL, OPT_SCN + 0 },
	{ "magnitude", required_argument, NULL, OPT_SCN + 1 },
	{ "change-point", required_argument, NULL, OPT_SCN + 2 },
	{ "ramp-start", required_argument, NULL, OPT_SCN + 3 },
	{ "ramp-end", required_argument, NULL, OPT_SCN + 4 },
	{ "shift-features", required_argument, NULL, OPT_SCN + 5 },
	{ "prior-shift", required_argument, NULL, OPT_SCN + 6 },
	{ "priors", required_argument, NULL, OPT_SCN + 7 },
	{ "after-priors", required_argument, NULL, OPT_SCN + 8 },
	{ "class-spread", required_argument, NULL, OPT_SCN + 9 },
	{ "true-class", required_argument, NULL, OPT_SCN + 10 },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Definition-file key of each OPT_SCN + i flag. */
static const char *const main_scn_keys[] = {
	"mean_shift", "magnitude", "change_point", "ramp_start", "ramp_end",
	"shift_features", "prior_shift", "priors", "after_priors",
	"class_spread", "true_class",
};

struct main_override {
	const char	*flag;
	const char	*key;
	const char	*value;
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
	char *m = sanitize_vformat(fmt, ap);

	fprintf(stderr, "mlmon-gen: %s\n", m);
	free(m);
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

int
main(int argc, char **argv)
{
	const char *scenario = "stable", *dir = NULL, *dirs[SCN_DIRS_MAX];
	struct main_override ov[MAIN_MAX_OVERRIDES];
	struct gen_config cfg;
	struct scn s;
	struct emit e;
	struct gen *g;
	char *path, *cause, *own = NULL;
	double rate;
	bool list = false;
	int opt, nov = 0, i, err;

	gen_config_init(&cfg);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":s:S:hV", main_options,
	    NULL)) != -1) {
		switch (opt) {
		case 's':
			scenario = optarg;
			break;
		case OPT_SCENARIO_DIR:
			dir = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case 'S':
			cfg.seed = main_seed(optarg);
			break;
		case OPT_RNG:
			if (strcmp(optarg, "mlmon") == 0)
				cfg.rng = GEN_RNG_MLMON;
			else if (strcmp(optarg, "numpy") == 0)
				cfg.rng = GEN_RNG_NUMPY;
			else
				main_bad("--rng: expected mlmon or numpy, got "
				    "'%s'", optarg);
			break;
		case OPT_BATCHES:
			cfg.batches = main_long("batches", optarg, 0,
			    1000000000L);
			break;
		case OPT_BATCH_SIZE:
			cfg.batch_size = main_long("batch-size", optarg, 1,
			    10000000L);
			break;
		case OPT_FIRST_BATCH:
			cfg.first_batch = main_long("first-batch", optarg, 0,
			    1000000000L);
			break;
		case OPT_FEATURES:
			cfg.features = (int)main_long("features", optarg, 1,
			    4096);
			break;
		case OPT_CLASSES:
			cfg.classes = (int)main_long("classes", optarg, 2,
			    1000);
			break;
		case OPT_REFERENCE_ROWS:
			cfg.reference_rows = main_long("reference-rows",
			    optarg, 1, 100000000L);
			break;
		case OPT_LABEL_DELAY:
			cfg.label_delay = main_long("label-delay", optarg, 0,
			    1000000000L);
			break;
		case OPT_NO_LABELS:
			cfg.labels = false;
			break;
		case OPT_NO_SCHEMA:
			cfg.schema = false;
			break;
		case OPT_NO_END_BATCH:
			cfg.end_batch = false;
			break;
		case OPT_RATE:
			if (!scn_parse_double(optarg, &rate) || rate <= 0.0 ||
			    rate > 1e9)
				main_bad("--rate: expected rows per second "
				    "in (0, 1e9], got '%s'", optarg);
			cfg.rate = rate;
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
			if (opt < OPT_SCN || opt >= OPT_SCN + (int)(sizeof
			    main_scn_keys / sizeof main_scn_keys[0]))
				main_bad("unknown option");
			if (nov == MAIN_MAX_OVERRIDES)
				main_bad("too many scenario overrides");
			for (i = 0; main_options[i].name != NULL; i++) {
				if (main_options[i].val == opt)
					ov[nov].flag = main_options[i].name;
			}
			ov[nov].key = main_scn_keys[opt - OPT_SCN];
			ov[nov].value = optarg;
			nov++;
			break;
		}
	}
	if (optind < argc)
		main_bad("unexpected argument '%s'", argv[optind]);

	if (dir == NULL)
		dir = getenv("MLMON_SCENARIO_DIR");
	if (dir != NULL && *dir != '\0') {
		dirs[0] = dir;
		dirs[1] = NULL;
	} else {
		scn_dirs_default(dirs, &own);
	}
	if (list) {
		err = scn_list(dirs, stdout, &cause);
		free(own);
		if (err != 0) {
			main_say("%s", cause);
			free(cause);
			return 2;
		}
		return 0;
	}

	scn_init(&s);
	path = scn_resolve(scenario, dirs, &cause);
	free(own);
	if (path == NULL || scn_load(&s, path, &cause) != 0) {
		main_say("%s", cause);
		free(cause);
		free(path);
		scn_finish(&s);
		return 2;
	}
	free(path);
	for (i = 0; i < nov; i++) {
		if (scn_set(&s, ov[i].key, ov[i].value, &cause) != 0) {
			main_say("--%s: %s", ov[i].flag, cause);
			free(cause);
			scn_finish(&s);
			return 2;
		}
	}
	for (i = 0; i < nov; i++)
		main_check_effect(&s, &ov[i]);
	cfg.scn = &s;
	g = gen_create(&cfg, &cause);
	if (g == NULL) {
		main_say("%s", cause);
		free(cause);
		scn_finish(&s);
		return 2;
	}

	/* A reader that goes away is EPIPE from write(2), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	emit_init(&e, STDOUT_FILENO, MAIN_OUTBUF);
	gen_run(g, &e);
	err = emit_finish(&e);
	gen_destroy(g);
	scn_finish(&s);
	if (err != 0 && err != EPIPE) {
		fprintf(stderr, "mlmon-gen: write error: %s\n", strerror(err));
		return 1;
	}
	return 0;
}
