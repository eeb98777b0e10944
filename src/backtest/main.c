/*
 * mlmon-backtest: how a policy or a threshold change would have paged on
 * a store's history (backtest.h), per rule, beside what was recorded.
 * Opens the store read-only and writes nothing.
 */
#include <errno.h>
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

enum {
	OPT_POLICY = 256, OPT_RATE, OPT_KS, OPT_PSI_W, OPT_PSI_C, OPT_CHISQ,
	OPT_CONF, OPT_DECAY, OPT_RESOLVE, OPT_DB, OPT_MODEL, OPT_REPEAT,
};

/* What the command line asks beyond the monitor configuration. */
struct bt_args {
	const char	*db;
	const char	*model;		/* NULL: every model */
	unsigned	 resolve_after;
	double		 repeat_interval;
};

/* A number in [lo, hi] for flag `name`; exits 2 with the reason. */
static double
number(const char *name, const char *s, double lo, double hi)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(d >= lo) ||
	    !(d <= hi)) {
		fprintf(stderr, "mlmon-backtest: --%s must be a number in "
		    "[%g, %g], not '%s'\n", name, lo, hi, s);
		exit(2);
	}
	return d;
}

/* One seed-policy threshold flag into c (usage errors exit 2). */
static void
threshold(struct monitor_config *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_KS:
		c->ks_alpha = number("ks-alpha", arg, 0, 1);
		break;
	case OPT_PSI_W:
		c->psi_warning = number("psi-warning", arg, 0, 1e300);
		break;
	case OPT_PSI_C:
		c->psi_critical = number("psi-critical", arg, 0, 1e300);
		break;
	case OPT_CHISQ:
		c->chisq_alpha = number("chisq-alpha", arg, 0, 1);
		break;
	case OPT_CONF:
		c->confidence_drift = number("confidence-drift", arg, 0, 1);
		break;
	case OPT_DECAY:
		c->decay = number("decay", arg, 0, 1);
		break;
	}
}

/* --policy or --false-page-rate into c (usage errors exit 2). */
static void
policy_flag(struct monitor_config *c, int opt, const char *arg)
{
	char *why = NULL;

	if (opt == OPT_POLICY && !policy_parse(arg, &c->policy)) {
		fprintf(stderr, "mlmon-backtest: --policy must be seed or "
		    "calibrated, not '%s'\n", arg);
		exit(2);
	}
	if (opt == OPT_RATE && !policy_parse_rate(arg, &c->false_page_rate,
	    &why)) {
		fprintf(stderr, "mlmon-backtest: --false-page-rate: %s\n", why);
		exit(2);
	}
}

static void
parse(int argc, char **argv, struct bt_args *a, struct monitor_config *c)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "repeat-interval", required_argument, NULL, OPT_REPEAT },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "false-page-rate", required_argument, NULL, OPT_RATE },
		{ "ks-alpha", required_argument, NULL, OPT_KS },
		{ "psi-warning", required_argument, NULL, OPT_PSI_W },
		{ "psi-critical", required_argument, NULL, OPT_PSI_C },
		{ "chisq-alpha", required_argument, NULL, OPT_CHISQ },
		{ "confidence-drift", required_argument, NULL, OPT_CONF },
		{ "decay", required_argument, NULL, OPT_DECAY },
		{ "resolve-after", required_argument, NULL, OPT_RESOLVE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_DB:
			a->db = optarg;
			break;
		case OPT_MODEL:
			a->model = optarg;
			break;
		case OPT_REPEAT:
			a->repeat_interval = number("repeat-interval", optarg,
			    0, 1e9);
			break;
		case OPT_POLICY:
		case OPT_RATE:
			policy_flag(c, ch, optarg);
			break;
		case OPT_KS:
		case OPT_PSI_W:
		case OPT_PSI_C:
		case OPT_CHISQ:
		case OPT_CONF:
		case OPT_DECAY:
			threshold(c, ch, optarg);
			break;
		case OPT_RESOLVE:
			a->resolve_after = (unsigned)number("resolve-after",
			    optarg, 1, 1000);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("mlmon-backtest %s\n", MLMON_VERSION_STRING);
			exit(0);
		default:
			fputs(usage_text, stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mlmon-backtest: unexpected argument '%s'\n",
		    argv[optind]);
		exit(2);
	}
	if (c->psi_warning > c->psi_critical) {
		fprintf(stderr, "mlmon-backtest: --psi-warning must not exceed"
		    " --psi-critical\n");
		exit(2);
	}
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
    const struct monitor_config *c, char **names, size_t n)
{
	struct backtest_result r;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (store_model_set(s, names[i], &cause) != 0 ||
		    backtest_run(s, c, a->resolve_after, a->repeat_interval,
		    &r, &cause) != 0) {
			fprintf(stderr, "mlmon-backtest: %s: model %s: %s\n",
			    a->db, names[i], cause);
			free(cause);
			return 1;
		}
		if (i > 0)
			putchar('\n');
		print_result(a->db, names[i], c, &r);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bt_args a = { getenv("MLMON_DB"), NULL, 3, 300.0 };
	struct monitor_config c;
	struct store *s;
	char *cause = NULL, **names = NULL;
	size_t n = 0;
	int rc;

	if (a.db == NULL || *a.db == '\0')
		a.db = STORE_DEFAULT_PATH;
	monitor_config_defaults(&c);
	parse(argc, argv, &a, &c);
	s = store_open(a.db, STORE_READ_ONLY, &cause);
	if (s == NULL) {
		fprintf(stderr, "mlmon-backtest: %s\n", cause);
		free(cause);
		return 1;
	}
	if (models_of(s, a.model, &names, &n, &cause) != 0) {
		fprintf(stderr, "mlmon-backtest: %s: %s\n", a.db, cause);
		free(cause);
		store_close(s);
		return 1;
	}
	rc = replay(s, &a, &c, names, n);
	store_models_free(names, n);
	store_close(s);
	return rc;
}
