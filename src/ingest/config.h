/*
 * mlmon-ingest settings: built-in defaults, then the config file
 * ("key = value" lines under [ingest], [monitor], [alert], [slack],
 * [email]; docs/CONFIG.md), then command-line flags, each overriding the
 * one before. [alert], [slack] and [email] are handed to alert_config_set()
 * untouched. A file that holds any secret must be mode 0600 or stricter.
 */
#ifndef MLMON_INGEST_CONFIG_H
#define MLMON_INGEST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/monitor.h"
#include "core/window.h"

struct alert_config;
struct option;

#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes of a config file */
#define CONFIG_LINE_MAX		4096		/* bytes of one line */

struct ingest_config {
	char			*db;		/* owned; NULL: not set */
	char			*model;		/* owned; NULL: "default" */
	size_t			 flush_rows;	/* commit after N rows */
	int			 flush_ms;	/* ... or this many ms */
	int			 busy_timeout_ms;
	bool			 allow_relabel;
	bool			 replace_reference;
	/* The silence alarm (pipeline-watch.c), microseconds; 0: off. */
	int64_t			 expect_every_us;	/* predictions */
	int64_t			 expect_labels_us;	/* labels */
	/* Producers without batch ids (docs/PROTOCOL.md, issue 14). */
	struct window_spec	 window;	/* kind NONE: batch_id given */
	int64_t			 lateness;	/* us */
	int64_t			 idle_close;	/* us; -1: the window length */
	int64_t			 label_ttl;	/* us a held label waits */
	/* PostgreSQL: a dead writer's batch judged after us; 0: never. */
	int64_t			 orphan_grace;
	char			*follow;	/* owned; NULL: stdin/FILE */
	char			*rotated;	/* owned glob; NULL: PATH.1 */
	/* Retention (pipeline-retain.c), microseconds; 0: keep forever. */
	int64_t			 retain_rows_us;	/* raw rows */
	int64_t			 retain_reports_us;	/* reports, alerts */
	struct monitor_config	 monitor;
	struct alert_config	*alert;		/* owned; NULL: parse only */
	bool			 has_secret;	/* a secret key was set */
	/* [model "NAME"] keys, for config_model_apply; owned. */
	struct config_model_set	*model_sets;
	size_t			 n_model_sets;
};

/*
 * One key of a [model "NAME"] section: an alert key, or an [ingest] key
 * of retention or the silence alarm, for that model.
 */
struct config_model_set {
	char	*model;
	char	*section;	/* ingest, alert, slack, email, alertmanager */
	char	*key;
	char	*value;
};

/*
 * A command-line flag that sets one config key: the key table's own flag
 * column (--flush-rows N sets [ingest] flush_rows), so a key and its
 * flag are written down once. A bool key's flag is a switch: no
 * argument, it sets "on".
 */
struct config_flag {
	const char	*flag;		/* without the "--" */
	const char	*section;
	const char	*key;
	bool		 has_arg;	/* false: a switch */
};

/*
 * The flags in table order: from *i = 0, each call fills *out and moves
 * *i on; false after the last.
 */
bool	config_flag_next(size_t *i, struct config_flag *out);

/*
 * A binary's getopt long options for the table's flags, after its own
 * k options in lo: the flag of every key named in keys (a NULL-terminated
 * list of key names; keys NULL: every flag), in table order, with val
 * val0 + its index in flags (filled alike), then the terminator. lo and
 * flags have room for max entries (aborts when that is short).
 */
void	config_longopts(struct option *lo, size_t k, size_t max, int val0,
	    const char *const *keys, struct config_flag *flags);

/*
 * Set flag f's key to value (a switch's: "on"), validated as the config
 * file's key is; *cause names the flag ("--ks-alpha: ks_alpha must be a
 * number in (0, 1)"). 0, or -1 with *cause (caller frees).
 */
int	config_set_flag(struct ingest_config *c, const struct config_flag *f,
	    const char *value, char **cause);

/*
 * Defaults. With_alert false leaves alert NULL: alert keys are then only
 * syntax-checked (fuzzing, tests).
 */
void	config_init(struct ingest_config *c, bool with_alert);
void	config_finish(struct ingest_config *c);

/* Whether section passes through to src/alert ([alert], [slack], ...). */
bool	config_section_is_alert(const char *section);

/* Set one key of one section; 0 ok, -1 with *cause (caller frees). */
int	config_set(struct ingest_config *c, const char *section,
	    const char *key, const char *value, char **cause);

/*
 * Parse a whole file's text. name prefixes every error ("name:line:
 * reason"). Never prints values. 0 ok, -1 with *cause (caller frees).
 */
int	config_parse(struct ingest_config *c, const char *name,
	    const char *buf, size_t len, char **cause);

/*
 * The settings that depend on each other (psi_warning <= psi_critical):
 * checked after a file and again after the flags. 0 ok, -1 and *cause.
 */
int	config_check(const struct ingest_config *c, char **cause);

/*
 * The [model "NAME"] sections of model (the stream's model) over the
 * settings of the file and the environment: per-model gating, channels,
 * retention and the silence alarm. 0 ok, -1 with *cause.
 */
int	config_model_apply(struct ingest_config *c, const char *model,
	    char **cause);

/* Read and parse a file, refusing one with a secret and group/other bits. */
int	config_load_file(struct ingest_config *c, const char *path,
	    char **cause);

/*
 * The file to read when --config is not given: $MLMON_CONFIG (must then
 * exist), else $XDG_CONFIG_HOME/mlmon/mlmon.conf or
 * ~/.config/mlmon/mlmon.conf when present. NULL when there is none.
 * Caller frees.
 */
char	*config_default_path(void);

#endif
