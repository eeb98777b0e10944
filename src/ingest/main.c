/*
 * mlmon-ingest: NDJSON predictions, references and labels in; the store,
 * monitor reports and alerts out (docs/PROTOCOL.md, docs/CONFIG.md).
 *
 * main() is the table of contents: the command line (cli_parse; a config
 * key's flag comes from the config's own key table), the settings in
 * their order of precedence (config_build), the run's parts (run_open),
 * the read loop (loop.c) and its end (run_input), the summary. A signal
 * ends the loop between two lines (long work inside a line polls the stop
 * flag); what was accepted is committed, the open batch is left for the
 * next start to judge, and a watchdog exits 1 if that takes over a second
 * (signals.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlmon-version.h"

#include "alert/alert.h"
#include "core/model.h"
#include "core/sanitize.h"
#include "core/xalloc.h"
#include "db/db-target.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/fleet.h"
#include "ingest/follow.h"
#include "ingest/loop.h"
#include "ingest/redo.h"
#include "ingest/signals.h"
#include "prom/prom.h"

#define EXIT_REJECTED	65
#define EXIT_FATAL	1
#define EXIT_USAGE	2
#define RUN_REDO_MAX	5	/* redos in a row committing nothing */
#define ROTATE_GRACE_MS	1000	/* a rotated file must be quiet this long */

/* A config key set on the command line, applied after the file. */
struct override {
	struct config_flag	 flag;
	const char		*value;		/* NULL: a switch */
};

/* What the command line asked for. */
struct cli {
	const char	*db;		/* --db; NULL: $MLMON_DB, config */
	const char	*config;	/* --config; NULL: the default file */
	const char	*metrics;	/* --metrics-file; NULL: none */
	const char	*input;		/* FILE; NULL: stdin */
	const char	*source;	/* its name in messages */
	bool		 quiet;
	bool		 send;
	bool		 init;		/* --init: the schema, nothing else */
	struct override	*ov;		/* the keys flags set, in order */
	size_t		 n_ov;
};

/* The run's parts, each NULL (or -1, stdin) until made. */
struct run {
	struct store		*s;
	struct loop		 loop;	/* the models, input, metrics */
};

/* Long options of main's own; the config keys' flags follow them. */
enum {
	OPT_CONFIG = 256,
	OPT_SEND,
	OPT_NO_MMD,
	OPT_METRICS_FILE,
	OPT_INIT,
	OPT_SETTING,	/* + index into the config flags */
};
#define LONGOPTS_MAX	64

static const char usage_text[] =
"usage: mlmon-ingest [--db PATH] [options] [FILE]\n"
"\n"
"Read NDJSON records (docs/PROTOCOL.md) from FILE or stdin, log every\n"
"prediction to the store, run the monitors per batch and the alert rules.\n"
"\n"
"  --db PATH|URI          store file (default $MLMON_DB, else monitoring.db),\n"
"                         or a PostgreSQL URI or connection string\n"
"                         (postgresql://user@host/db; docs/POSTGRES.md)\n"
"  --init                 create (or migrate) the store's schema and exit\n"
"  --model NAME           the model of records that name none (default\n"
"                         \"default\"); a record naming a model goes to it:\n"
"                         one process carries any number of models, each\n"
"                         with its own batches, reference, reports, alerts\n"
"                         and [model \"NAME\"] settings, all committed\n"
"                         together\n"
"  --config PATH          config file (default $MLMON_CONFIG, else\n"
"                         $XDG_CONFIG_HOME/mlmon/mlmon.conf if present)\n"
"  -q, --quiet            no per-batch lines, progress or summary\n"
"  --send                 deliver alerts for real (default: dry-run)\n"
"  --metrics-file PATH    rewrite PATH after each batch: the store's metrics\n"
"                         in Prometheus text format (docs/METRICS.md)\n"
"  --allow-relabel        let labels replace different stored labels\n"
"  --replace-reference    let a different reference replace the stored one\n"
"  --flush-rows N         commit after N rows (default 2000)\n"
"  --flush-ms MS          ... or MS milliseconds (default 200)\n"
"  --busy-timeout MS      wait for another writer's lock (default 10000)\n"
"  --policy seed|calibrated  how drift is judged (default calibrated):\n"
"                         calibrated tests every p-value against its null\n"
"                         at the batch's size, all tests of a batch as one\n"
"                         family (Benjamini-Hochberg); seed is the\n"
"                         article's fixed thresholds below\n"
"  --false-page-rate R    calibrated: expected false pages per 1,000\n"
"                         stable batches (default 0.02)\n"
"  --ks-alpha P           KS drift when p < P (default 0.01)\n"
"  --psi-warning X        PSI from X is \"investigate\" (default 0.10)\n"
"  --psi-critical X       PSI drift when PSI > X (default 0.20)\n"
"  --chisq-alpha P        label shift when p < P (default 0.01)\n"
"  --confidence-drift X   mean confidence moved by more than X (0.08)\n"
"  --decay X              accuracy or F1 delta below -X (default 0.05)\n"
"  --mmd, --no-mmd        multivariate MMD test on or off (default off)\n"
"  --mmd-alpha P, --mmd-permutations N, --mmd-max-ref N\n"
"  --adwin-delta D        ADWIN confidence (default 0.002)\n"
"  --categorical-alpha P  a categorical feature's chi-squared drift when\n"
"                         p < P (default 0.01)\n"
"  --new-share X          new-categories verdict when more than X of a\n"
"                         batch's values are unseen (default 0.05)\n"
"  --top-categories N     categories of the reference kept, the rest\n"
"                         pooled as \"other\" (default 50)\n"
"  --expect-every D       page stream_silent when no prediction arrived\n"
"                         for D (30s, 5m, 1h, 1d; default 0: off)\n"
"  --expect-labels-within D\n"
"                         page labels_late when no labels arrived D\n"
"                         after a batch closed (default 0: off)\n"
"  --window rows:N|time:D batch predictions that carry no batch_id: every\n"
"                         N rows, or tumbling windows of event time (30s)\n"
"  --lateness D           a time window closes once an event D past its\n"
"                         end arrives (default 0)\n"
"  --idle-close D         ... or after D without events (default: the\n"
"                         window length; 0: never)\n"
"  --label-ttl D          labels wait this long for their prediction, and\n"
"                         a batch below --min-label-coverage is judged on\n"
"                         its labels this long after it closed (7d)\n"
"  --orphan-grace D       PostgreSQL: judge a batch whose writer is gone\n"
"                         once no row came for D (30s; 0: never)\n"
"  --min-label-coverage X judge a batch's performance once this share of\n"
"                         its rows is labelled, again as more land (1.0)\n"
"  --follow PATH          read PATH like tail -F, resuming where the last\n"
"                         commit stopped; never ends\n"
"  --rotated GLOB         where rotated files of PATH go (default PATH.1)\n"
"  --retain-rows D        delete raw rows of judged batches whose labels\n"
"                         are final (all in, or past --label-ttl) and\n"
"                         whose newest event (else log) time is over D\n"
"                         ago (default 0: keep)\n"
"  --retain-reports D     delete reports and alerts older than D (not a\n"
"                         pending page, not an open condition's; default\n"
"                         0: keep)\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n"
"\n"
"Exit status: 0 all lines accepted, 65 some lines rejected, 1 fatal error\n"
"(after committing what was accepted), 2 usage or configuration error.\n";

static void	say(const char *, ...) __attribute__((format(printf, 1, 2)));

/* One line to stderr, cleaned: causes quote paths and names. */
static void
say(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	sanitize_say("mlmon-ingest", fmt, ap);
	va_end(ap);
}

/*
 * The stored position and window state: under the --follow path, else
 * under "input" (one windowing writer per store, whatever its FILE).
 * With --follow, open the reader where the last commit stopped, or, when
 * *f is one already (a fleet taking over), go on with it. 0 or -1.
 */
static int
input_open(struct fleet *fl, const struct ingest_config *cfg,
    struct follow **f, char **cause)
{
	struct follow_opts	 o;
	struct follow_pos	 pos;
	char			*note = NULL;
	bool			 found;

	if (cfg->follow == NULL && cfg->window.kind == WINDOW_NONE)
		return 0;
	if (fleet_resume(fl, cfg->follow != NULL ? cfg->follow : "input",
	    cfg->follow != NULL, loop_now_ms(), &pos, &found, cause) != 0)
		return -1;
	if (cfg->follow == NULL)
		return 0;
	if (*f != NULL)
		goto set;
	memset(&o, 0, sizeof o);
	o.path = cfg->follow;
	o.rotated = cfg->rotated;
	o.line_max = PIPELINE_LINE_MAX;
	o.grace_ms = ROTATE_GRACE_MS;
	*f = follow_create(&o, found ? &pos : NULL, loop_now_ms(), &note,
	    cause);
	if (note != NULL)
		say("%s", note);
	free(note);
	if (*f == NULL)
		return -1;
set:
	fleet_set_follow(fl, *f);
	fleet_set_source(fl, cfg->follow);
	return 0;
}

static void
cli_set(struct cli *cli, const struct config_flag *flag, const char *value)
{
	cli->ov[cli->n_ov].flag = *flag;
	cli->ov[cli->n_ov].value = value;
	cli->n_ov++;
}

/* The long options: main's own, then every config key's flag. */
static void
longopts_build(struct option *lo, struct config_flag *flags)
{
	static const struct option own[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "send", no_argument, NULL, OPT_SEND },
		{ "no-mmd", no_argument, NULL, OPT_NO_MMD },
		{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
		{ "init", no_argument, NULL, OPT_INIT },
	};
	size_t	k;

	for (k = 0; k < sizeof own / sizeof own[0]; k++)
		lo[k] = own[k];
	config_longopts(lo, k, LONGOPTS_MAX, OPT_SETTING, NULL, flags);
}

/*
 * The command line into cli: -1 to go on, else the exit status (--help,
 * --version, a usage error).
 */
static int
cli_parse(int argc, char **argv, struct cli *cli)
{
	static const struct config_flag no_mmd = { "no-mmd", "monitor",
	    "mmd", true };
	struct option		lo[LONGOPTS_MAX];
	struct config_flag	flags[LONGOPTS_MAX];
	int			ch;

	memset(cli, 0, sizeof *cli);
	cli->source = "stdin";
	cli->ov = xcalloc((size_t)argc + 1, sizeof *cli->ov);
	longopts_build(lo, flags);
	while ((ch = getopt_long(argc, argv, "qhV", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			cli->db = optarg;
			break;
		case OPT_CONFIG:
			cli->config = optarg;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("mlmon-ingest %s\nstore schema version %d\n",
			    MLMON_VERSION_STRING, store_schema_version());
			return EXIT_SUCCESS;
		case OPT_SEND:
			cli->send = true;
			break;
		case OPT_METRICS_FILE:
			cli->metrics = optarg;
			break;
		case OPT_INIT:
			cli->init = true;
			break;
		case OPT_NO_MMD:
			cli_set(cli, &no_mmd, "off");
			break;
		default:
			if (ch < OPT_SETTING || ch >= OPT_SETTING +
			    LONGOPTS_MAX) {
				fputs(usage_text, stderr);
				return EXIT_USAGE;
			}
			cli_set(cli, &flags[ch - OPT_SETTING], optarg);
			break;
		}
	}
	if (argc - optind > 1) {
		say("one input file at most");
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
		cli->input = cli->source = argv[optind];
	return -1;
}

/* The flags over cfg. 0 or -1 (*cause). */
static int
flags_apply(struct ingest_config *cfg, const struct cli *cli, char **cause)
{
	size_t	i;

	for (i = 0; i < cli->n_ov; i++)
		if (config_set_flag(cfg, &cli->ov[i].flag, cli->ov[i].value,
		    cause) != 0)
			return -1;
	return 0;
}

/*
 * A model's settings: defaults (cfg), then the config file, the
 * environment, the flags (which may name the model), the model's own
 * section (alert settings, retention, the silence alarm) and the flags
 * again (a flag wins), checked together. model NULL: the one the flags
 * name, else "default". 0 or -1 (*cause).
 */
static int
config_settings(struct ingest_config *cfg, const struct cli *cli,
    const char *model, char **cause)
{
	char	*path, *why = NULL;
	int	 rc = -1;

	path = cli->config != NULL ? xstrdup(cli->config) :
	    config_default_path();
	if (path != NULL && config_load_file(cfg, path, &why) != 0)
		*cause = why;
	else if (alert_config_from_env(cfg->alert, &why) != 0) {
		*cause = xasprintf("environment: %s", why);
		free(why);
	} else
		rc = 0;
	free(path);
	if (rc != 0 || flags_apply(cfg, cli, cause) != 0)
		return -1;
	if (model == NULL)
		model = cfg->model != NULL ? cfg->model : MODEL_DEFAULT;
	if (config_model_apply(cfg, model, &why) != 0) {
		*cause = xasprintf("[model \"%s\"]: %s", model, why);
		free(why);
		return -1;
	}
	if (flags_apply(cfg, cli, cause) != 0 ||
	    config_check(cfg, cause) != 0)
		return -1;
	alert_config_set_send(cfg->alert, cli->send);
	return 0;
}

/*
 * The settings of a model whose first record came (fleet_config_fn),
 * made as --model's were at the start.
 */
static struct ingest_config *
config_for(void *arg, const char *model, char **cause)
{
	const struct cli	*cli = arg;
	struct ingest_config	*cfg = xmalloc(sizeof *cfg);

	config_init(cfg, true);
	if (config_settings(cfg, cli, model, cause) != 0) {
		config_finish(cfg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * Settings (config_settings for --model's model), then the store path
 * (--db, $MLMON_DB, the file's db, the default). 0 or -1 (said).
 */
static int
config_build(struct ingest_config *cfg, struct cli *cli)
{
	char	*cause = NULL;

	if (config_settings(cfg, cli, NULL, &cause) != 0) {
		say("%s", cause);
		free(cause);
		return -1;
	}
	if (cfg->follow != NULL && cli->input != NULL) {
		say("--follow reads its own file: no FILE argument with it");
		return -1;
	}
	/* Every message names the input read: --follow's file, if so. */
	if (cfg->follow != NULL)
		cli->source = cfg->follow;
	if (cli->db == NULL)
		cli->db = getenv("MLMON_DB");
	if (cli->db == NULL || *cli->db == '\0')
		cli->db = cfg->db != NULL ? cfg->db : STORE_DEFAULT_PATH;
	return 0;
}

/* The input FILE, if one was named. 0 or -1 (said). */
static int
input_file(struct run *r, const struct cli *cli)
{
	struct stat	st;

	if (cli->input == NULL)
		return 0;
	r->loop.fd = open(cli->input, O_RDONLY | O_CLOEXEC);
	if (r->loop.fd < 0 || (fstat(r->loop.fd, &st) == 0 &&
	    S_ISDIR(st.st_mode))) {
		say("%s: %s", cli->input, r->loop.fd < 0 ? strerror(errno) :
		    "is a directory, not an input file");
		return -1;
	}
	return 0;
}

/*
 * The models' fleet (r->loop.f, NULL if not made), the primary's pipeline
 * and alert engine; pages an earlier run left pending go out now, input
 * or not. With old, it takes over from it (fleet_take_over). 0 or -1.
 */
static int
run_fleet(struct run *r, const struct ingest_config *cfg,
    const struct cli *cli, const struct fleet *old, char **cause)
{
	struct fleet_opts	o;

	memset(&o, 0, sizeof o);
	o.s = r->s;
	o.cfg = cfg;
	o.config_for = config_for;
	o.config_arg = (void *)(uintptr_t)cli;
	o.log = cli->quiet ? NULL : stderr;
	o.err = stderr;
	o.source = cli->source;
	/* fleet_create expects the primary's model on the handle. */
	if (old != NULL && store_model_set(r->s, cfg->model != NULL ?
	    cfg->model : MODEL_DEFAULT, cause) != 0)
		return -1;
	if ((r->loop.f = fleet_create(&o, cause)) == NULL)
		return -1;
	if (old != NULL)
		return fleet_take_over(r->loop.f, old, loop_now_ms(), cause);
	return fleet_start(r->loop.f, cause);
}

/*
 * The connection to a PostgreSQL store was lost inside a write
 * transaction (the server restarted mid-flush): its work is gone on the
 * server, so it goes here too. Once the store has connected again, a new
 * fleet takes over from the last commit (every model the old one had,
 * its state read from the store as a restart reads it) and the lines
 * read since then are handed to it again (loop_redo; rows of a COMMIT
 * that did happen before the loss are replays). 0; 1 and *cause when the
 * connection was lost again (the old fleet kept if the new one could not
 * take over); -1 and *cause.
 */
static int
run_redo(struct run *r, const struct ingest_config *cfg,
    const struct cli *cli, char **cause)
{
	struct fleet	*old = r->loop.f;
	size_t		 n = redo_count(r->loop.redo);
	char		 what[96];

	say("connection lost: %s", *cause);
	free(*cause);
	*cause = NULL;
	snprintf(what, sizeof what, "working on %zu input lines not "
	    "committed yet (they are redone)", n);
	if (store_reconnect(r->s, what, cause) != 0)
		return -1;
	fleet_unselect(old);	/* the new fleet moves the handle */
	r->loop.f = NULL;
	if (run_fleet(r, cfg, cli, old, cause) != 0) {
		fleet_destroy(r->loop.f);
		r->loop.f = old;
		return store_lost(r->s) ? 1 : -1;
	}
	fleet_destroy(old);
	if (input_open(r->loop.f, cfg, &r->loop.follow, cause) != 0)
		return store_lost(r->s) ? 1 : -1;
	say("redoing %zu input lines since the last commit", n);
	return 0;
}

/*
 * The run's parts: input, signals, store, pipeline, alert engine, pages
 * left pending, metrics, the --follow reader. EXIT_SUCCESS or the status.
 */
static int
run_open(struct run *r, const struct ingest_config *cfg,
    const struct cli *cli)
{
	char			*cause = NULL;
	int			 status = EXIT_FATAL;

	if (input_file(r, cli) != 0)
		return EXIT_USAGE;
	/* SIGINT/SIGTERM stop the work within a second (signals.c). */
	signal(SIGPIPE, SIG_IGN);
	r->loop.sfd = signals_init(cli->source, &cause);
	if (r->loop.sfd < 0) {
		fprintf(stderr, "mlmon-ingest: signals: %s\n", cause);
		free(cause);
		return EXIT_FATAL;
	}
	/* Store causes name the path already. */
	if ((r->s = store_open(cli->db, STORE_READ_WRITE, &cause)) == NULL)
		goto fail;
	store_set_busy_timeout(r->s, cfg->busy_timeout_ms);
	store_set_log(r->s, stderr);
	if (cfg->model != NULL && store_model_set(r->s, cfg->model,
	    &cause) != 0) {
		status = EXIT_USAGE;
		goto fail;
	}
	if (db_target_is_pg(cli->db))
		r->loop.redo = xcalloc(1, sizeof *r->loop.redo);
	if (run_fleet(r, cfg, cli, NULL, &cause) != 0)
		goto fail;
	if (cli->metrics != NULL) {
		r->loop.metrics = prom_file_create(cli->db, cli->metrics);
		loop_metrics(&r->loop, true);
	}
	r->loop.show_progress = !cli->quiet && isatty(STDERR_FILENO) &&
	    cfg->follow == NULL;
	if (input_open(r->loop.f, cfg, &r->loop.follow, &cause) != 0)
		goto fail;
	return EXIT_SUCCESS;
fail:
	say("%s", cause);
	free(cause);
	return status;
}

/* At the end of input, the pipelines' end. */
static enum loop_stop
run_end(struct run *r, enum loop_stop stop, char **cause)
{
	int	n_end;

	if (stop != LOOP_EOF)
		return stop;
	n_end = fleet_end(r->loop.f, cause);
	return n_end < 0 ? LOOP_FATAL : n_end > 0 ? LOOP_JUDGING : LOOP_EOF;
}

/*
 * The input read (stop: how loop_run ended) and the pipelines ended; a
 * transaction lost with its connection redone (run_redo) and reading
 * resumed, unless RUN_REDO_MAX redos in a row committed nothing. How it
 * stopped.
 */
static enum loop_stop
run_read(struct run *r, const struct ingest_config *cfg,
    const struct cli *cli, enum loop_stop stop, char **cause)
{
	uint64_t	done = 0;
	int		again = 0, rc;

	for (;;) {
		stop = run_end(r, stop, cause);
		if (stop != LOOP_FATAL || r->loop.redo == NULL ||
		    !store_lost(r->s))
			return stop;
		again = again > 0 && fleet_lines(r->loop.f, true) == done ?
		    again + 1 : 1;
		done = fleet_lines(r->loop.f, true);
		if (again > RUN_REDO_MAX ||
		    (rc = run_redo(r, cfg, cli, cause)) < 0)
			return LOOP_FATAL;
		if (rc > 0)
			stop = LOOP_FATAL;
		else if ((stop = loop_redo(&r->loop, cause)) == LOOP_EOF)
			stop = loop_run(&r->loop, cause);
	}
}

/*
 * Read the input to its end, a signal or a fatal error, then end the
 * pipeline or record where it stopped, and commit. The exit status.
 */
static int
run_input(struct run *r, const struct ingest_config *cfg,
    const struct cli *cli, enum loop_stop *stop)
{
	struct pipeline_stats	 st;
	char	*cause = NULL, *why;
	int	 status = EXIT_SUCCESS;

	*stop = run_read(r, cfg, cli, loop_run(&r->loop, &cause), &cause);
	if (*stop == LOOP_JUDGING || *stop == LOOP_SIGNAL) {
		why = cause;
		cause = NULL;
		if (loop_interrupted(&r->loop, cli->source, *stop ==
		    LOOP_JUDGING ? why : NULL, &cause) != 0)
			*stop = LOOP_FATAL;
		free(why);
	}
	if (*stop == LOOP_FATAL) {
		if (r->loop.show_progress)
			fputs("\r\033[K", stderr);
		say("%s", cause);
		free(cause);
		cause = NULL;
		if (fleet_flush(r->loop.f, &cause) != 0)
			say("%s", cause);
		status = EXIT_FATAL;
	} else if (fleet_flush(r->loop.f, &cause) != 0) {
		say("%s", cause);
		status = EXIT_FATAL;
	}
	free(cause);
	loop_metrics(&r->loop, true);
	fleet_stats(r->loop.f, &st);
	if (status == EXIT_SUCCESS && st.rejected > 0)
		status = EXIT_REJECTED;
	return status;
}

/* "N accepted (R rows, L late), S skipped, J rejected, B batches, ..." */
static void
summary_counts(const struct pipeline_stats *st)
{
	char	late[48] = "", pruned[96] = "";

	if (st->late > 0)
		snprintf(late, sizeof late, ", %llu late",
		    (unsigned long long)st->late);
	if (st->pruned_rows + st->pruned_reports + st->pruned_alerts > 0)
		snprintf(pruned, sizeof pruned, ", %llu old rows, %llu "
		    "reports, %llu alerts pruned",
		    (unsigned long long)st->pruned_rows,
		    (unsigned long long)st->pruned_reports,
		    (unsigned long long)st->pruned_alerts);
	fprintf(stderr, "%llu accepted (%llu rows%s), %llu skipped, %llu "
	    "rejected, %llu batches%s", (unsigned long long)st->accepted,
	    (unsigned long long)st->rows, late,
	    (unsigned long long)st->skipped,
	    (unsigned long long)st->rejected,
	    (unsigned long long)st->batches, pruned);
}

/* The closing summary on stderr: each model's when there are several. */
static void
summary(const struct run *r, enum loop_stop stop)
{
	struct pipeline_stats	st;
	double	secs = (double)(loop_now_ms() - r->loop.start) / 1000;
	size_t	i, n = fleet_models(r->loop.f);

	if (r->loop.show_progress)
		fputs("\r\033[K", stderr);
	for (i = 0; i < n && n > 1; i++) {
		fprintf(stderr, "mlmon-ingest: %s: ", fleet_model(r->loop.f,
		    i));
		summary_counts(fleet_model_stats(r->loop.f, i));
		fputc('\n', stderr);
	}
	fleet_stats(r->loop.f, &st);
	fprintf(stderr, "mlmon-ingest: %s%s", stop == LOOP_SIGNAL ||
	    stop == LOOP_JUDGING ? "interrupted: " : "", n > 1 ?
	    "all models: " : "");
	summary_counts(&st);
	fprintf(stderr, ", %.2f s, %.0f rows/s\n", secs,
	    secs > 0 ? (double)st.rows / secs : 0.0);
	if (st.missing > 0)
		fprintf(stderr, "mlmon-ingest: %llu missing feature values "
		    "(%llu of them NaN or Infinity)\n",
		    (unsigned long long)st.missing,
		    (unsigned long long)st.bare_missing);
}

static void
run_close(struct run *r)
{
	prom_file_destroy(r->loop.metrics);
	fleet_destroy(r->loop.f);
	follow_destroy(r->loop.follow);
	if (r->loop.redo != NULL)
		redo_finish(r->loop.redo);
	free(r->loop.redo);
	store_close(r->s);
	if (r->loop.fd != STDIN_FILENO)
		close(r->loop.fd);
}

/* --init: create or migrate the store's schema, read no input. */
static int
run_init(const struct cli *cli)
{
	struct store	*s;
	char		*cause = NULL;

	if ((s = store_open(cli->db, STORE_READ_WRITE, &cause)) == NULL) {
		say("%s", cause);
		free(cause);
		return EXIT_FATAL;
	}
	printf("%s: schema %d ready\n", store_path(s),
	    store_schema_version());
	store_close(s);
	return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct cli		 cli;
	struct ingest_config	 cfg;
	struct run		 run = {
		.loop = { .fd = STDIN_FILENO, .sfd = -1 },
	};
	enum loop_stop		 stop;
	int			 status;

	if ((status = cli_parse(argc, argv, &cli)) >= 0) {
		free(cli.ov);
		return status;
	}
	config_init(&cfg, true);
	if (config_build(&cfg, &cli) != 0) {
		status = EXIT_USAGE;
	} else if (cli.init) {
		status = run_init(&cli);
	} else if ((status = run_open(&run, &cfg, &cli)) == EXIT_SUCCESS) {
		status = run_input(&run, &cfg, &cli, &stop);
		if (!cli.quiet)
			summary(&run, stop);
	}
	run_close(&run);
	config_finish(&cfg);
	free(cli.ov);
	return status;
}
