/*
 * mlmon-backtest: how a policy or a threshold change would have paged on
 * a store's history (backtest.h), per rule, beside what was recorded.
 * Opens the store read-only and writes nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmon-version.h"
#include "alert/alert.h"
#include "backtest/backtest.h"
#include "core/policy.h"
#include "core/severity.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"

static const char usage_text[] =
"usage: mlmon-backtest [--db PATH] [--model NAME] [--policy seed|calibrated]\n"
"                      [--false-page-rate R] [thresholds...]\n"
"\n"
"Replay a store's stored reports through a policy and print, per model\n"
"and alert rule, the batches it would fire on, the conditions it would\n"
"open, the repeats it would send and suppress, each beside what the\n"
"store records (pages: critical openings and repeats). The store is\n"
"opened read-only; nothing is written.\n"
"\n"
"  --db PATH              store to read (default $MLMON_DB, else\n"
"                         " STORE_DEFAULT_PATH ")\n"
"  --model NAME           one model (default: every model, a section\n"
"                         each)\n"
"  --policy seed|calibrated  the policy to replay (default calibrated)\n"
"  --false-page-rate R    calibrated: expected false pages per 1,000\n"
"                         stable batches (default 0.02)\n"
"  --ks-alpha P           seed: KS drift when p < P (default 0.01)\n"
"  --psi-warning X        seed: PSI investigate from X (default 0.10)\n"
"  --psi-critical X       seed: PSI drift above X (default 0.20)\n"
"  --chisq-alpha P        seed: label shift when p < P (default 0.01)\n"
"  --confidence-drift X   mean confidence moved by more than X (0.08)\n"
"  --decay X              seed: accuracy or F1 fell by more than X"
" (0.05)\n"
"  --resolve-after N      clear evaluations that resolve a condition"
" (3)\n"
"  --repeat-interval S    seconds before an open condition repeats"
" (300)\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n";

/*
 * The monitor keys a replay judges with. Their flags, bounds and messages
 * are the config key table's (ingest/config.h), as mlmon-ingest's are.
 */
static const char *const replayed_keys[] = {
	"policy", "false_page_rate", "ks_alpha", "psi_warning", "psi_critical",
	"chisq_alpha", "confidence_drift", "decay", NULL,
};

/* The alert engine's keys a replay follows: flags of backtest's own. */
static const struct config_flag alert_flags[] = {
	{ "repeat-interval", "alert", "repeat_interval", true },
	{ "resolve-after", "alert", "resolve_after", true },
};
#define N_ALERT_FLAGS	(sizeof alert_flags / sizeof alert_flags[0])

enum {
	OPT_DB = 256, OPT_MODEL, OPT_ALERT,	/* + index into alert_flags */
	OPT_SETTING = OPT_ALERT + 16,		/* + index into flags[] */
};
#define LONGOPTS_MAX	32

/* What the command line asks beyond the settings. */
struct bt_args {
	const char	*db;
	const char	*model;		/* NULL: every model */
};

/* The long options: backtest's own, then the replayed keys' flags. */
static void
longopts_build(struct option *lo, struct config_flag *flags)
{
	static const struct option own[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	size_t i, k = 0;

	for (i = 0; i < sizeof own / sizeof own[0]; i++)
		lo[k++] = own[i];
	for (i = 0; i < N_ALERT_FLAGS; i++) {
		lo[k].name = alert_flags[i].flag;
		lo[k].has_arg = required_argument;
		lo[k].flag = NULL;
		lo[k++].val = OPT_ALERT + (int)i;
	}
	config_longopts(lo, k, LONGOPTS_MAX, OPT_SETTING, replayed_keys,
	    flags);
}

/* The flag of option ch: a replayed key's or an alert key's; else NULL. */
static const struct config_flag *
flag_of(const struct config_flag *flags, int ch)
{
	if (ch >= OPT_SETTING && ch < OPT_SETTING + LONGOPTS_MAX)
		return &flags[ch - OPT_SETTING];
	if (ch >= OPT_ALERT && ch < OPT_ALERT + (int)N_ALERT_FLAGS)
		return &alert_flags[ch - OPT_ALERT];
	return NULL;
}

/*
 * The command line into a and cfg (over the settings' defaults, each
 * flag validated, then the flags checked together, as mlmon-ingest's
 * are): -1 to go on, else the exit status (--help, --version, 2 for a
 * usage error, its reason said).
 */
static int
parse(int argc, char **argv, struct bt_args *a, struct ingest_config *cfg)
{
	struct option lo[LONGOPTS_MAX];
	struct config_flag flags[LONGOPTS_MAX];
	const struct config_flag *f;
	char *cause = NULL;
	int ch;

	longopts_build(lo, flags);
	while (cause == NULL &&
	    (ch = getopt_long(argc, argv, "hV", lo, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_MODEL:
			a->model = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mlmon-backtest %s\n", MLMON_VERSION_STRING);
			return 0;
		default:
			if ((f = flag_of(flags, ch)) == NULL) {
				fputs(usage_text, stderr);
				return 2;
			}
			config_set_flag(cfg, f, optarg, &cause);
			break;
		}
	}
	if (cause == NULL && optind < argc)
		cause = xasprintf("unexpected argument '%s'", argv[optind]);
	if (cause != NULL || config_check(cfg, &cause) != 0) {
		fprintf(stderr, "mlmon-backtest: %s\n", cause);
		free(cause);
		return 2;
	}
	return -1;
}

static void
print_policy(const struct monitor_config *c)
{
	struct policy_levels lv;

	if (c->policy == POLICY_CALIBRATED) {
		policy_levels(c->false_page_rate, &lv);
		printf("policy: calibrated, false-page-rate %g per 1,000 "
		    "batches (page level %g, warning level %g)\n",
		    c->false_page_rate, lv.page, lv.warning);
	} else
		printf("policy: seed, PSI %g/%g, KS alpha %g, chi-squared "
		    "alpha %g, decay %g\n", c->psi_warning, c->psi_critical,
		    c->ks_alpha, c->chisq_alpha, c->decay);
	printf("confidence drift above %g in both\n", c->confidence_drift);
}

static void
print_result(const char *db, const char *model,
    const struct monitor_config *c, const struct backtest_result *r)
{
	int64_t would = 0, recorded = 0;
	size_t i;

	printf("mlmon-backtest: %s, model %s: %lld judged batches "
	    "(%lld-%lld), %lld with labels\n", db, model,
	    (long long)r->batches, (long long)r->first, (long long)r->last,
	    (long long)r->labelled);
	print_policy(c);
	printf("%-20s %-9s %6s %6s %8s %7s %8s %10s %8s\n", "rule",
	    "severity", "fired", "opens", "recorded", "repeats", "recorded",
	    "suppressed", "recorded");
	for (i = 0; i < r->n_rules; i++) {
		const struct backtest_rule *b = &r->rules[i];

		printf("%-20s %-9s %6lld %6lld %8lld %7lld %8lld %10lld "
		    "%8lld\n", b->name, b->severity, (long long)b->fired,
		    (long long)b->opened, (long long)b->recorded,
		    (long long)b->repeats, (long long)b->repeats_recorded,
		    (long long)b->suppressed,
		    (long long)b->suppressed_recorded);
		if (strcmp(b->severity,
		    severity_name(SEVERITY_CRITICAL)) == 0) {
			would += b->opened + b->repeats;
			recorded += b->recorded + b->repeats_recorded;
		}
	}
	printf("pages (critical openings and repeats): would send %lld, "
	    "recorded %lld\n", (long long)would, (long long)recorded);
}

/* The models to replay: the one asked for (stored), else every one. */
static int
models_of(struct store *s, const char *want, char ***names, size_t *n,
    char **cause)
{
	size_t i;

	if (store_models(s, names, n, cause) != 0)
		return -1;
	if (want == NULL)
		return 0;
	for (i = 0; i < *n; i++)
		if (strcmp((*names)[i], want) == 0) {
			store_models_free(*names, *n);
			*names = xcalloc(1, sizeof **names);
			(*names)[0] = xstrdup(want);
			*n = 1;
			return 0;
		}
	store_models_free(*names, *n);
	*cause = xasprintf("no model '%s' in the store", want);
	return -1;
}

/* Replay and print every model of names; 0, or 1 with the reason said. */
static int
replay(struct store *s, const struct bt_args *a,
    const struct ingest_config *cfg, char **names, size_t n)
{
	struct backtest_result r;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (store_model_set(s, names[i], &cause) != 0 ||
		    backtest_run(s, &cfg->monitor, cfg->alert, &r,
		    &cause) != 0) {
			fprintf(stderr, "mlmon-backtest: %s: model %s: %s\n",
			    a->db, names[i], cause);
			free(cause);
			return 1;
		}
		if (i > 0)
			putchar('\n');
		print_result(a->db, names[i], &cfg->monitor, &r);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bt_args a = { getenv("MLMON_DB"), NULL };
	struct ingest_config cfg;
	struct store *s;
	char *cause = NULL, **names = NULL;
	size_t n = 0;
	int rc;

	if (a.db == NULL || *a.db == '\0')
		a.db = STORE_DEFAULT_PATH;
	config_init(&cfg, true);
	if ((rc = parse(argc, argv, &a, &cfg)) >= 0) {
		config_finish(&cfg);
		return rc;
	}
	s = store_open(a.db, STORE_READ_ONLY, &cause);
	if (s == NULL) {
		fprintf(stderr, "mlmon-backtest: %s\n", cause);
		free(cause);
		config_finish(&cfg);
		return 1;
	}
	if (models_of(s, a.model, &names, &n, &cause) != 0) {
		fprintf(stderr, "mlmon-backtest: %s: %s\n", a.db, cause);
		free(cause);
		rc = 1;
	} else {
		rc = replay(s, &a, &cfg, names, n);
		store_models_free(names, n);
	}
	store_close(s);
	config_finish(&cfg);
	return rc;
}
