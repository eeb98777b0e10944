/*
 * mlmon-ingest: NDJSON predictions, references and labels in; the store,
 * monitor reports and alerts out (docs/PROTOCOL.md, docs/CONFIG.md).
 *
 * One poll() loop reads the input into a fixed buffer (lines are bounded
 * by PIPELINE_LINE_MAX; a longer one is rejected and skipped without being
 * buffered), a pipe the SIGINT/SIGTERM handler writes to (signals.c),
 * and a timeout that is the pipeline's nearest deadline: its flush (so
 * uncommitted rows are committed within flush_ms even while the input is
 * idle) or the silence alarm's (pipeline-watch.c, --expect-every). A signal
 * ends the loop between two lines (long work inside a line polls the stop
 * flag); what was accepted is committed, the open batch is left for the
 * next start to judge, and a watchdog exits 1 if that takes over a second.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlmon-version.h"

#include "alert/alert.h"
#include "core/clock.h"
#include "core/model.h"
#include "core/sanitize.h"
#include "core/stop.h"
#include "core/xalloc.h"
#include "db/store.h"
#include "ingest/config.h"
#include "ingest/follow.h"
#include "ingest/pipeline.h"
#include "ingest/signals.h"
#include "prom/prom.h"

#define EXIT_REJECTED	65
#define EXIT_FATAL	1
#define EXIT_USAGE	2
#define PROGRESS_MS	250
#define ROTATE_GRACE_MS	1000	/* a rotated file must be quiet this long */

/* A command-line setting, applied after the config file. */
struct override {
	const char	*section;
	const char	*key;
	const char	*value;
};

enum {
	OPT_CONFIG = 256,
	OPT_SEND,
	OPT_ALLOW_RELABEL,
	OPT_REPLACE_REFERENCE,
	OPT_MMD,
	OPT_NO_MMD,
	OPT_METRICS_FILE,
	OPT_SETTING,	/* + index into settings[] */
};

/* Flags that set one config key with their argument. */
static const struct {
	const char	*flag;
	const char	*section;
	const char	*key;
} settings[] = {
	{ "model", "ingest", "model" },
	{ "flush-rows", "ingest", "flush_rows" },
	{ "flush-ms", "ingest", "flush_ms" },
	{ "busy-timeout", "ingest", "busy_timeout_ms" },
	{ "ks-alpha", "monitor", "ks_alpha" },
	{ "psi-warning", "monitor", "psi_warning" },
	{ "psi-critical", "monitor", "psi_critical" },
	{ "chisq-alpha", "monitor", "chisq_alpha" },
	{ "confidence-drift", "monitor", "confidence_drift" },
	{ "decay", "monitor", "decay" },
	{ "mmd-alpha", "monitor", "mmd_alpha" },
	{ "mmd-permutations", "monitor", "mmd_permutations" },
	{ "mmd-max-ref", "monitor", "mmd_max_ref" },
	{ "adwin-delta", "monitor", "adwin_delta" },
	{ "categorical-alpha", "monitor", "categorical_alpha" },
	{ "new-share", "monitor", "new_share" },
	{ "top-categories", "monitor", "top_categories" },
	{ "expect-every", "ingest", "expect_every" },
	{ "expect-labels-within", "ingest", "expect_labels_within" },
	{ "window", "ingest", "window" },
	{ "lateness", "ingest", "lateness" },
	{ "idle-close", "ingest", "idle_close" },
	{ "label-ttl", "ingest", "label_ttl" },
	{ "follow", "ingest", "follow" },
	{ "rotated", "ingest", "rotated" },
	{ "retain-rows", "ingest", "retain_rows" },
	{ "policy", "monitor", "policy" },
	{ "false-page-rate", "monitor", "false_page_rate" },
};
#define N_SETTINGS	(sizeof settings / sizeof settings[0])

static const char usage_text[] =
"usage: mlmon-ingest [--db PATH] [options] [FILE]\n"
"\n"
"Read NDJSON records (docs/PROTOCOL.md) from FILE or stdin, log every\n"
"prediction to the store, run the monitors per batch and the alert rules.\n"
"\n"
"  --db PATH              store file (default $MLMON_DB, else monitoring.db)\n"
"  --model NAME           the stream's model (default \"default\"); records\n"
"                         naming another model are rejected: one ingest\n"
"                         process per model, any number per store\n"
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
"  --label-ttl D          labels wait this long for their prediction (7d)\n"
"  --follow PATH          read PATH like tail -F, resuming where the last\n"
"                         commit stopped; never ends\n"
"  --rotated GLOB         where rotated files of PATH go (default PATH.1)\n"
"  --retain-rows D        delete raw rows of judged, fully labelled\n"
"                         batches closed over D ago (default 0: keep)\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n"
"\n"
"Exit status: 0 all lines accepted, 65 some lines rejected, 1 fatal error\n"
"(after committing what was accepted), 2 usage or configuration error.\n";

static void	say(const char *, ...) __attribute__((format(printf, 1, 2)));

/* --metrics-file, or NULL. */
static struct prom_file	*metrics;

/* One line to stderr, cleaned: causes quote paths and names. */
static void
say(const char *fmt, ...)
{
	va_list	 ap;
	char	*m;

	va_start(ap, fmt);
	m = sanitize_vformat(fmt, ap);
	va_end(ap);
	fprintf(stderr, "mlmon-ingest: %s\n", m);
	free(m);
}

/*
 * Rewrite the metrics file when a commit closed or labelled a batch since
 * the last rewrite (the counts cover committed work only), or now.
 */
static void
metrics_update(struct pipeline *p, int force)
{
	const struct pipeline_stats	*st = pipeline_stats(p);
	char				*cause;

	if (metrics != NULL && prom_file_update(metrics,
	    st->batches + st->labelled, force, &cause) != 0) {
		say("metrics file: %s", cause);
		free(cause);
	}
}

static int64_t
now_ms(void)
{
	return (int64_t)(clock_mono() * 1000.0);
}

static void
progress(struct pipeline *p, int64_t start, int64_t now)
{
	const struct pipeline_stats	*st = pipeline_stats(p);
	double				 secs;

	secs = (double)(now - start) / 1000;

	fprintf(stderr, "\r\033[K%llu rows, %llu skipped, %llu rejected, "
	    "%llu batches, %.0f rows/s", (unsigned long long)st->rows,
	    (unsigned long long)st->skipped,
	    (unsigned long long)st->rejected,
	    (unsigned long long)st->batches,
	    secs > 0 ? (double)st->rows / secs : 0.0);
	pipeline_set_progress_shown(p, true);
}

/* What ended the read loop. */
enum stop {
	STOP_EOF,
	STOP_SIGNAL,
	STOP_JUDGING,	/* a signal interrupted a judgement; *cause */
	STOP_FATAL,
};

/*
 * One input line without its terminator to the pipeline: a CR before the
 * LF belongs to the terminator (so the length limit is the same for CRLF
 * and LF), and a UTF-8 byte order mark opening the input is not content.
 */
static enum pipeline_result
line_in(struct pipeline *p, const char *line, size_t len, uint64_t lineno,
    int64_t now, char **cause)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	return pipeline_line(p, line, len, lineno, now, cause);
}

/*
 * Read lines from fd into the pipeline until end of input, a signal or a
 * fatal error (*cause).
 */
static enum stop
read_loop(struct pipeline *p, int fd, int sfd, bool show_progress,
    int64_t start, char **cause)
{
	/* A longest line, its CR and its LF. */
	static char		 buf[PIPELINE_LINE_MAX + 2];
	struct pollfd		 pfd[2];
	size_t			 end = 0, pos, cap = sizeof buf;
	uint64_t		 lineno = 0;
	bool			 discarding = false;
	int64_t			 now, last_progress = 0;
	int			 timeout, n;
	enum pipeline_result	 res;
	ssize_t			 got;
	char			*nl;

	for (;;) {
		now = now_ms();
		timeout = pipeline_timeout(p, now);
		if (show_progress && (timeout < 0 || timeout > PROGRESS_MS))
			timeout = PROGRESS_MS;
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		n = poll(pfd, sfd >= 0 ? 2 : 1, timeout);
		if (n < 0 && errno != EINTR) {
			*cause = xasprintf("poll: %s", strerror(errno));
			return STOP_FATAL;
		}
		now = now_ms();
		if (stop_requested())
			return STOP_SIGNAL;
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			got = read(fd, buf + end, cap - end);
			if (got < 0 && errno != EINTR && errno != EAGAIN) {
				*cause = xasprintf("read: %s", strerror(errno));
				return STOP_FATAL;
			}
			if (got == 0)
				break;
			if (got > 0)
				end += (size_t)got;
			pos = 0;
			while ((nl = memchr(buf + pos, '\n', end - pos)) !=
			    NULL) {
				size_t	len = (size_t)(nl - (buf + pos));

				if (stop_requested())
					return STOP_SIGNAL;
				lineno++;
				if (discarding)
					discarding = false;
				else if ((res = line_in(p, buf + pos, len,
				    lineno, now, cause)) == PIPELINE_FATAL)
					return STOP_FATAL;
				else if (res == PIPELINE_STOP)
					return STOP_JUDGING;
				pos += len + 1;
				signals_note(pipeline_first_uncommitted(p));
			}
			if (pos > 0) {
				memmove(buf, buf + pos, end - pos);
				end -= pos;
			}
			if (end == cap) {
				/* No newline in a full buffer: too long. */
				if (!discarding && pipeline_reject(p,
				    lineno + 1, "line longer than 1048576 "
				    "bytes", buf, end, cause) ==
				    PIPELINE_FATAL)
					return STOP_FATAL;
				discarding = true;
				end = 0;
			}
		}
		if (pipeline_tick(p, now, cause) != 0)
			return STOP_FATAL;
		signals_note(pipeline_first_uncommitted(p));
		metrics_update(p, 0);
		if (show_progress && now - last_progress >= PROGRESS_MS) {
			progress(p, start, now);
			last_progress = now;
		}
	}
	/* A last line without its newline. */
	if (end > 0 && !discarding) {
		res = line_in(p, buf, end, lineno + 1, now_ms(), cause);
		if (res == PIPELINE_FATAL)
			return STOP_FATAL;
		if (res == PIPELINE_STOP)
			return STOP_JUDGING;
	}
	return STOP_EOF;
}

/*
 * A signal stopped the run: record the open batch as left for the next
 * start, and say where the input stopped being read (after the last line
 * handed over, or at it when the signal interrupted the judgement it
 * started: why). 0 or -1 (*cause).
 */
static int
interrupted(struct pipeline *p, const char *source, const char *why,
    char **cause)
{
	uint64_t	last = pipeline_stats(p)->lines > 0 ?
			    pipeline_last_line(p) : 0;
	int64_t		batch;
	char		left[96] = "";

	if (pipeline_interrupt(p, &batch, cause) != 0)
		return -1;
	if (batch >= 0)
		snprintf(left, sizeof left, "; batch %lld is left unjudged "
		    "(judged at the next start)", (long long)batch);
	if (why != NULL)
		fprintf(stderr, "mlmon-ingest: %s; %s lines from %llu on were "
		    "not processed\n", why, source, (unsigned long long)last);
	else
		fprintf(stderr, "mlmon-ingest: interrupted: %s lines after "
		    "%llu were not read%s\n", source,
		    (unsigned long long)last, left);
	return 0;
}

/* One line from the follow reader into the pipeline. */
static enum pipeline_result
follow_line(struct pipeline *p, const struct follow_line *l, int64_t now,
    char **cause)
{
	static const char too_long[] = "line longer than 1048576 bytes";
	static const char cut[] = "incomplete line (no newline before the "
	    "file was rotated or truncated)";

	pipeline_set_source(p, l->name);
	if (l->kind == FOLLOW_COMPLETE)
		return pipeline_line(p, l->text, l->len, (uint64_t)l->lineno,
		    now, cause);
	return pipeline_reject(p, (uint64_t)l->lineno,
	    l->kind == FOLLOW_CUT ? cut : too_long, l->text, l->len, cause);
}

/* --follow: lines as they are appended, until a signal or a fatal error. */
static enum stop
follow_loop(struct pipeline *p, struct follow *f, int sfd, char **cause)
{
	struct follow_line	 l;
	enum follow_status	 st = FOLLOW_WAIT;
	enum pipeline_result	 res;
	struct pollfd		 pfd[2];
	int64_t			 now;
	int			 timeout, wait, k;

	for (;;) {
		now = now_ms();
		for (k = 0; k < 1024; k++) {
			if (stop_requested())
				return STOP_SIGNAL;
			st = follow_next(f, now, &l, cause);
			if (st != FOLLOW_LINE)
				break;
			res = follow_line(p, &l, now, cause);
			if (res == PIPELINE_FATAL)
				return STOP_FATAL;
			if (res == PIPELINE_STOP)
				return STOP_JUDGING;
			signals_note(pipeline_first_uncommitted(p));
		}
		if (st == FOLLOW_ERROR)
			return STOP_FATAL;
		if (pipeline_tick(p, now, cause) != 0)
			return STOP_FATAL;
		signals_note(pipeline_first_uncommitted(p));
		metrics_update(p, 0);
		timeout = pipeline_timeout(p, now);
		wait = follow_wait_ms(f, now);
		if (st == FOLLOW_LINE)
			timeout = 0;	/* more to read: only look at signals */
		else if (timeout < 0 || wait < timeout)
			timeout = wait;
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = follow_fd(f);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			*cause = xasprintf("poll: %s", strerror(errno));
			return STOP_FATAL;
		}
		if (stop_requested())
			return STOP_SIGNAL;
	}
}

/*
 * The stored position and window state: under the --follow path, else
 * under "input" (one windowing writer per store, whatever its FILE).
 * With --follow, open the reader where the last commit stopped. 0 or -1.
 */
static int
input_open(struct pipeline *p, const struct ingest_config *cfg,
    struct follow **f, char **cause)
{
	struct follow_opts	 o;
	struct follow_pos	 pos;
	char			*note = NULL;
	bool			 found;

	*f = NULL;
	if (cfg->follow == NULL && cfg->window.kind == WINDOW_NONE)
		return 0;
	if (pipeline_resume(p, cfg->follow != NULL ? cfg->follow : "input",
	    now_ms(), &pos, &found, cause) != 0)
		return -1;
	if (cfg->follow == NULL)
		return 0;
	memset(&o, 0, sizeof o);
	o.path = cfg->follow;
	o.rotated = cfg->rotated;
	o.line_max = PIPELINE_LINE_MAX;
	o.grace_ms = ROTATE_GRACE_MS;
	*f = follow_create(&o, found ? &pos : NULL, now_ms(), &note, cause);
	if (note != NULL)
		say("%s", note);
	free(note);
	if (*f == NULL)
		return -1;
	pipeline_set_follow(p, *f);
	pipeline_set_source(p, cfg->follow);
	return 0;
}

static int
set_override(struct override *ov, size_t *n, const char *section,
    const char *key, const char *value)
{
	ov[*n].section = section;
	ov[*n].key = key;
	ov[*n].value = value;
	(*n)++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct option		 longopts[N_SETTINGS + 16];
	struct override		*ov;
	struct ingest_config	 cfg;
	struct store		*s = NULL;
	struct alert_engine	*engine = NULL;
	struct pipeline		*p = NULL;
	struct follow		*follow = NULL;
	const struct pipeline_stats *st;
	struct stat		 st_in;
	const char		*db_flag = NULL, *config_flag = NULL;
	const char		*metrics_path = NULL;
	const char		*input = NULL, *source = "stdin";
	char			*cause = NULL, *path = NULL, *why;
	bool			 quiet = false, send = false, show_progress;
	size_t			 n_ov = 0, i, k = 0;
	int			 ch, fd = STDIN_FILENO, sfd = -1;
	int			 status = EXIT_SUCCESS, n_end;
	int64_t			 start;
	enum stop		 stop = STOP_EOF;
	double			 secs;

	ov = xcalloc((size_t)argc + 1, sizeof *ov);
	for (i = 0; i < N_SETTINGS; i++) {
		longopts[k].name = settings[i].flag;
		longopts[k].has_arg = required_argument;
		longopts[k].flag = NULL;
		longopts[k++].val = OPT_SETTING + (int)i;
	}
#define LONGOPT(n, a, v) do {						\
	longopts[k].name = (n);						\
	longopts[k].has_arg = (a);					\
	longopts[k].flag = NULL;					\
	longopts[k++].val = (v);					\
} while (0)
	LONGOPT("db", required_argument, 'd');
	LONGOPT("config", required_argument, OPT_CONFIG);
	LONGOPT("quiet", no_argument, 'q');
	LONGOPT("help", no_argument, 'h');
	LONGOPT("version", no_argument, 'V');
	LONGOPT("send", no_argument, OPT_SEND);
	LONGOPT("allow-relabel", no_argument, OPT_ALLOW_RELABEL);
	LONGOPT("replace-reference", no_argument, OPT_REPLACE_REFERENCE);
	LONGOPT("mmd", no_argument, OPT_MMD);
	LONGOPT("no-mmd", no_argument, OPT_NO_MMD);
	LONGOPT("metrics-file", required_argument, OPT_METRICS_FILE);
	LONGOPT(NULL, 0, 0);
#undef LONGOPT

	while ((ch = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db_flag = optarg;
			break;
		case OPT_CONFIG:
			config_flag = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			free(ov);
			return EXIT_SUCCESS;
		case 'V':
			printf("mlmon-ingest %s\nstore schema version %d\n",
			    MLMON_VERSION_STRING, store_schema_version());
			free(ov);
			return EXIT_SUCCESS;
		case OPT_SEND:
			send = true;
			break;
		case OPT_ALLOW_RELABEL:
			set_override(ov, &n_ov, "ingest", "allow_relabel",
			    "on");
			break;
		case OPT_REPLACE_REFERENCE:
			set_override(ov, &n_ov, "ingest", "replace_reference",
			    "on");
			break;
		case OPT_MMD:
			set_override(ov, &n_ov, "monitor", "mmd", "on");
			break;
		case OPT_METRICS_FILE:
			metrics_path = optarg;
			break;
		case OPT_NO_MMD:
			set_override(ov, &n_ov, "monitor", "mmd", "off");
			break;
		default:
			if (ch >= OPT_SETTING &&
			    ch < OPT_SETTING + (int)N_SETTINGS) {
				i = (size_t)(ch - OPT_SETTING);
				set_override(ov, &n_ov, settings[i].section,
				    settings[i].key, optarg);
				break;
			}
			fputs(usage_text, stderr);
			free(ov);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		say("one input file at most");
		fputs(usage_text, stderr);
		free(ov);
		return EXIT_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0)
		input = source = argv[optind];

	/* Settings: defaults, file, environment, flags. */
	config_init(&cfg, true);
	path = config_flag != NULL ? xstrdup(config_flag) :
	    config_default_path();
	if (path != NULL && config_load_file(&cfg, path, &cause) != 0) {
		say("%s", cause);
		status = EXIT_USAGE;
		goto out;
	}
	if (alert_config_from_env(cfg.alert, &cause) != 0) {
		say("environment: %s", cause);
		status = EXIT_USAGE;
		goto out;
	}
	for (i = 0; i < n_ov; i++) {
		if (config_set(&cfg, ov[i].section, ov[i].key, ov[i].value,
		    &cause) != 0) {
			say("--%s: %s", ov[i].key, cause);
			status = EXIT_USAGE;
			goto out;
		}
	}
	/* The model's own alert settings, over the file's and env's. */
	if (config_model_apply(&cfg, cfg.model != NULL ? cfg.model :
	    MODEL_DEFAULT, &cause) != 0) {
		say("[model \"%s\"]: %s", cfg.model != NULL ? cfg.model :
		    MODEL_DEFAULT, cause);
		status = EXIT_USAGE;
		goto out;
	}
	if (config_check(&cfg, &cause) != 0) {
		fprintf(stderr, "mlmon-ingest: %s\n", cause);
		status = EXIT_USAGE;
		goto out;
	}
	if (cfg.follow != NULL && input != NULL) {
		say("--follow reads its own file: no FILE argument with it");
		status = EXIT_USAGE;
		goto out;
	}
	alert_config_set_send(cfg.alert, send);
	if (db_flag == NULL)
		db_flag = getenv("MLMON_DB");
	if (db_flag == NULL || *db_flag == '\0')
		db_flag = cfg.db != NULL ? cfg.db : STORE_DEFAULT_PATH;

	if (input != NULL) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (fstat(fd, &st_in) == 0 &&
		    S_ISDIR(st_in.st_mode))) {
			say("%s: %s", input, fd < 0 ? strerror(errno) :
			    "is a directory, not an input file");
			status = EXIT_USAGE;
			goto out;
		}
	}

	/* SIGINT/SIGTERM stop the work within a second (signals.c). */
	signal(SIGPIPE, SIG_IGN);
	sfd = signals_init(source, &cause);
	if (sfd < 0) {
		fprintf(stderr, "mlmon-ingest: signals: %s\n", cause);
		status = EXIT_FATAL;
		goto out;
	}

	s = store_open(db_flag, STORE_READ_WRITE, &cause);
	if (s == NULL) {
		/* Store causes name the path already. */
		say("%s", cause);
		status = EXIT_FATAL;
		goto out;
	}
	store_set_busy_timeout(s, cfg.busy_timeout_ms);
	if (cfg.model != NULL && store_model_set(s, cfg.model, &cause) != 0) {
		say("%s", cause);
		status = EXIT_USAGE;
		goto out;
	}
	p = pipeline_create(s, &cfg, NULL, quiet ? NULL : stderr, stderr,
	    &cause);
	if (p == NULL) {
		say("%s", cause);
		status = EXIT_FATAL;
		goto out;
	}
	pipeline_set_source(p, source);
	/* Decisions are printed once the commit holding them succeeded. */
	engine = alert_engine_create(s, cfg.alert, pipeline_log(p), &cause);
	if (engine == NULL) {
		say("alerting: %s", cause);
		status = EXIT_FATAL;
		goto out;
	}
	pipeline_set_alert(p, engine);
	/* Pages an earlier run left pending go out now, input or not. */
	if (pipeline_start(p, &cause) != 0) {
		say("%s", cause);
		status = EXIT_FATAL;
		goto out;
	}
	if (metrics_path != NULL) {
		metrics = prom_file_create(db_flag, metrics_path,
		    store_model(s));
		metrics_update(p, 1);
	}
	show_progress = !quiet && isatty(STDERR_FILENO) && cfg.follow == NULL;
	if (input_open(p, &cfg, &follow, &cause) != 0) {
		say("%s", cause);
		status = EXIT_FATAL;
		goto out;
	}

	start = now_ms();
	if (follow != NULL)
		stop = follow_loop(p, follow, sfd, &cause);
	else
		stop = read_loop(p, fd, sfd, show_progress, start, &cause);
	if (stop == STOP_EOF) {
		n_end = pipeline_end(p, &cause);
		if (n_end < 0)
			stop = STOP_FATAL;
		else if (n_end > 0)
			stop = STOP_JUDGING;
	}
	if (stop == STOP_JUDGING || stop == STOP_SIGNAL) {
		why = cause;
		cause = NULL;
		if (interrupted(p, source, stop == STOP_JUDGING ? why : NULL,
		    &cause) != 0)
			stop = STOP_FATAL;
		free(why);
	}
	if (stop == STOP_FATAL) {
		if (show_progress)
			fputs("\r\033[K", stderr);
		say("%s", cause);
		free(cause);
		cause = NULL;
		if (pipeline_flush(p, &cause) != 0)
			say("%s", cause);
		status = EXIT_FATAL;
	} else if (pipeline_flush(p, &cause) != 0) {
		say("%s", cause);
		status = EXIT_FATAL;
	}
	metrics_update(p, 1);
	st = pipeline_stats(p);
	if (status == EXIT_SUCCESS && st->rejected > 0)
		status = EXIT_REJECTED;
	if (!quiet) {
		char	late[48] = "", pruned[48] = "";

		secs = (double)(now_ms() - start) / 1000;
		if (st->late > 0)
			snprintf(late, sizeof late, ", %llu late",
			    (unsigned long long)st->late);
		if (st->pruned_rows > 0)
			snprintf(pruned, sizeof pruned, ", %llu old rows "
			    "pruned", (unsigned long long)st->pruned_rows);
		fprintf(stderr, "%smlmon-ingest: %s%llu accepted (%llu rows%s), "
		    "%llu skipped, %llu rejected, %llu batches%s, %.2f s, "
		    "%.0f rows/s\n", show_progress ? "\r\033[K" : "",
		    stop == STOP_SIGNAL || stop == STOP_JUDGING ?
		    "interrupted: " : "",
		    (unsigned long long)st->accepted,
		    (unsigned long long)st->rows, late,
		    (unsigned long long)st->skipped,
		    (unsigned long long)st->rejected,
		    (unsigned long long)st->batches, pruned, secs,
		    secs > 0 ? (double)st->rows / secs : 0.0);
		if (st->missing > 0)
			fprintf(stderr, "mlmon-ingest: %llu missing feature "
			    "values (%llu of them NaN or Infinity)\n",
			    (unsigned long long)st->missing,
			    (unsigned long long)st->bare_missing);
	}
out:
	free(cause);
	alert_engine_destroy(engine);	/* before its log, the pipeline's */
	prom_file_destroy(metrics);
	pipeline_destroy(p);
	follow_destroy(follow);
	store_close(s);
	config_finish(&cfg);
	free(path);
	free(ov);
	if (fd != STDIN_FILENO)
		close(fd);
	return status;
}
