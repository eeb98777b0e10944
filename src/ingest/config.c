/*
 * The config file: one table of the keys mlmon-ingest knows ([ingest] and
 * [monitor]) with their type, bounds and place in struct ingest_config;
 * alert sections pass through to src/alert. A [model "NAME"] section
 * holds alert keys for one model ("min_severity_slack = warning",
 * "slack.webhook_url = ..."): checked when read, kept, and applied over
 * the others by config_model_apply once the stream's model is known.
 * The file's text (sections, [model "NAME"], key = value lines) is read
 * by config-file.c, which sets each key through config_set.
 */
#include "ingest/config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "core/model.h"
#include "core/policy.h"
#include "core/window.h"
#include "core/xalloc.h"

enum opt_type {
	OPT_DOUBLE,	/* lo < v < hi unless inclusive */
	OPT_INT,
	OPT_BOOL,
	OPT_STRING,
	OPT_DURATION,	/* "30s", "5m", "2h", "1d"; "0" is off */
	OPT_WINDOW,
	OPT_POLICY,	/* enum policy_kind */
};

/* A config key: its section and name, its flag, how to parse it. */
struct opt {
	const char	*section;
	const char	*key;
	const char	*flag;		/* its --flag; NULL: none of its own */
	enum opt_type	 type;
	double		 lo, hi;
	bool		 inclusive;	/* [lo, hi], not (lo, hi) */
	size_t		 offset;
	int		 size;		/* of an OPT_INT field */
};

#define OFF(f)	offsetof(struct ingest_config, f)
#define MOFF(f)	(offsetof(struct ingest_config, monitor) + \
		    offsetof(struct monitor_config, f))

static const struct opt opts[] = {
	{ "ingest", "db", NULL, OPT_STRING, 0, 0, false, OFF(db), 0 },
	{ "ingest", "model", "model", OPT_STRING, 0, 0, false, OFF(model), 0 },
	{ "ingest", "flush_rows", "flush-rows",
	  OPT_INT, 1, 10000000, true, OFF(flush_rows), sizeof(size_t) },
	{ "ingest", "flush_ms", "flush-ms",
	  OPT_INT, 0, 3600000, true, OFF(flush_ms), sizeof(int) },
	{ "ingest", "busy_timeout_ms", "busy-timeout",
	  OPT_INT, 0, 3600000, true, OFF(busy_timeout_ms), sizeof(int) },
	{ "ingest", "allow_relabel", "allow-relabel",
	  OPT_BOOL, 0, 0, false, OFF(allow_relabel), 0 },
	{ "ingest", "replace_reference", "replace-reference",
	  OPT_BOOL, 0, 0, false, OFF(replace_reference), 0 },
	{ "ingest", "expect_every", "expect-every",
	  OPT_DURATION, 0, 0, false, OFF(expect_every_us), 0 },
	{ "ingest", "expect_labels_within", "expect-labels-within",
	  OPT_DURATION, 0, 0, false, OFF(expect_labels_us), 0 },
	{ "ingest", "window", "window",
	  OPT_WINDOW, 0, 0, false, OFF(window), 0 },
	{ "ingest", "lateness", "lateness",
	  OPT_DURATION, 0, 0, false, OFF(lateness), 0 },
	{ "ingest", "idle_close", "idle-close",
	  OPT_DURATION, 0, 0, false, OFF(idle_close), 0 },
	{ "ingest", "label_ttl", "label-ttl",
	  OPT_DURATION, 1, 0, false, OFF(label_ttl), 0 },
	{ "ingest", "orphan_grace", "orphan-grace",
	  OPT_DURATION, 0, 0, false, OFF(orphan_grace), 0 },
	{ "ingest", "follow", "follow",
	  OPT_STRING, 0, 0, false, OFF(follow), 0 },
	{ "ingest", "rotated", "rotated",
	  OPT_STRING, 0, 0, false, OFF(rotated), 0 },
	{ "ingest", "retain_rows", "retain-rows",
	  OPT_DURATION, 0, 0, false, OFF(retain_rows_us), 0 },
	{ "ingest", "retain_reports", "retain-reports",
	  OPT_DURATION, 0, 0, false, OFF(retain_reports_us), 0 },
	{ "monitor", "ks_alpha", "ks-alpha",
	  OPT_DOUBLE, 0, 1, false, MOFF(ks_alpha), 0 },
	{ "monitor", "psi_warning", "psi-warning",
	  OPT_DOUBLE, 0, 100, false, MOFF(psi_warning), 0 },
	{ "monitor", "psi_critical", "psi-critical",
	  OPT_DOUBLE, 0, 100, false, MOFF(psi_critical), 0 },
	{ "monitor", "chisq_alpha", "chisq-alpha",
	  OPT_DOUBLE, 0, 1, false, MOFF(chisq_alpha), 0 },
	{ "monitor", "confidence_drift", "confidence-drift",
	  OPT_DOUBLE, 0, 1, true, MOFF(confidence_drift), 0 },
	{ "monitor", "decay", "decay", OPT_DOUBLE, 0, 1, true, MOFF(decay), 0 },
	{ "monitor", "min_label_coverage", "min-label-coverage",
	  OPT_DOUBLE, 0, 1, true, MOFF(min_label_coverage), 0 },
	{ "monitor", "mmd", "mmd",
	  OPT_BOOL, 0, 0, false, MOFF(mmd_enabled), 0 },
	{ "monitor", "mmd_alpha", "mmd-alpha",
	  OPT_DOUBLE, 0, 1, false, MOFF(mmd_alpha), 0 },
	{ "monitor", "mmd_permutations", "mmd-permutations",
	  OPT_INT, 1, 100000, true, MOFF(mmd.permutations), sizeof(int) },
	{ "monitor", "mmd_max_ref", "mmd-max-ref",
	  OPT_INT, 2, 100000, true, MOFF(mmd.max_ref), sizeof(size_t) },
	{ "monitor", "adwin_delta", "adwin-delta",
	  OPT_DOUBLE, 0, 1, false, MOFF(adwin_delta), 0 },
	{ "monitor", "policy", "policy",
	  OPT_POLICY, 0, 0, false, MOFF(policy), 0 },
	{ "monitor", "false_page_rate", "false-page-rate",
	  OPT_DOUBLE, 0, POLICY_FALSE_PAGE_RATE_MAX, false,
	  MOFF(false_page_rate), 0 },
	{ "monitor", "categorical_alpha", "categorical-alpha",
	  OPT_DOUBLE, 0, 1, false, MOFF(cat_alpha), 0 },
	{ "monitor", "new_share", "new-share",
	  OPT_DOUBLE, 0, 1, true, MOFF(new_share), 0 },
	{ "monitor", "top_categories", "top-categories",
	  OPT_INT, 1, CAT_TOP_MAX, true, MOFF(cat_top), sizeof(int) },
};

static const char *const alert_sections[] = { "alert", "slack", "email",
    "alertmanager" };

bool
config_section_is_alert(const char *section)
{
	size_t	i;

	for (i = 0; i < sizeof alert_sections / sizeof alert_sections[0]; i++)
		if (strcmp(section, alert_sections[i]) == 0)
			return true;
	return false;
}

static bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	size_t			 i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool
parse_double(const char *v, double *out)
{
	char	*end;
	double	 d;

	if (*v == '\0')
		return false;
	errno = 0;
	d = strtod(v, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return false;
	*out = d;
	return true;
}

static bool
parse_llong(const char *v, long long *out)
{
	char		*end;
	long long	 n;

	if (*v == '\0')
		return false;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || errno != 0)
		return false;
	*out = n;
	return true;
}

static int
set_opt(struct ingest_config *c, const struct opt *o, const char *value,
    char **cause)
{
	char		*base = (char *)c + o->offset;
	double		 d;
	long long	 n;
	int64_t		 us;
	bool		 b;
	char		*why, mwhy[128];

	switch (o->type) {
	case OPT_WINDOW:
		return window_spec_parse(value,
		    (struct window_spec *)(void *)base, cause) ? 0 : -1;
	case OPT_DURATION:
		if (!window_duration_parse(value, o->lo == 0, &us, &why)) {
			*cause = xasprintf("%s: %s", o->key, why);
			free(why);
			return -1;
		}
		*(int64_t *)(void *)base = us;
		return 0;
	case OPT_STRING:
		if (*value == '\0') {
			*cause = xasprintf("%s is empty", o->key);
			return -1;
		}
		if (o->offset == OFF(model) && !model_name_check(value,
		    strlen(value), mwhy, sizeof mwhy)) {
			*cause = xasprintf("\"%s\": %s", value, mwhy);
			return -1;
		}
		free(*(char **)(void *)base);
		*(char **)(void *)base = xstrdup(value);
		return 0;
	case OPT_BOOL:
		if (!parse_bool(value, &b)) {
			*cause = xasprintf("%s must be on or off", o->key);
			return -1;
		}
		*(bool *)(void *)base = b;
		return 0;
	case OPT_DOUBLE:
		if (!parse_double(value, &d) ||
		    (o->inclusive ? d < o->lo || d > o->hi :
		    d <= o->lo || d >= o->hi)) {
			*cause = xasprintf("%s must be a number in %c%g, %g%c",
			    o->key, o->inclusive ? '[' : '(', o->lo, o->hi,
			    o->inclusive ? ']' : ')');
			return -1;
		}
		*(double *)(void *)base = d;
		return 0;
	case OPT_POLICY:
		if (!policy_parse(value, (enum policy_kind *)(void *)base)) {
			*cause = xasprintf("%s must be seed or calibrated",
			    o->key);
			return -1;
		}
		return 0;
	case OPT_INT:
		if (!parse_llong(value, &n) || n < (long long)o->lo ||
		    n > (long long)o->hi) {
			*cause = xasprintf("%s must be an integer in [%.0f, "
			    "%.0f]", o->key, o->lo, o->hi);
			return -1;
		}
		if (o->size == sizeof(int))
			*(int *)(void *)base = (int)n;
		else
			*(size_t *)(void *)base = (size_t)n;
		return 0;
	}
	return -1;
}

void
config_init(struct ingest_config *c, bool with_alert)
{
	memset(c, 0, sizeof *c);
	c->flush_rows = 2000;
	c->flush_ms = 200;
	c->busy_timeout_ms = 10000;
	c->idle_close = -1;
	c->label_ttl = INT64_C(7) * 86400 * 1000000;
	c->orphan_grace = INT64_C(30) * 1000000;
	monitor_config_defaults(&c->monitor);
	if (with_alert)
		c->alert = alert_config_create();
}

void
config_finish(struct ingest_config *c)
{
	size_t	i;

	free(c->db);
	free(c->follow);
	free(c->rotated);
	free(c->model);
	for (i = 0; i < c->n_model_sets; i++) {
		free(c->model_sets[i].model);
		free(c->model_sets[i].section);
		free(c->model_sets[i].key);
		free(c->model_sets[i].value);
	}
	free(c->model_sets);
	if (c->alert != NULL)
		alert_config_destroy(c->alert);
	memset(c, 0, sizeof *c);
}

bool
config_flag_next(size_t *i, struct config_flag *out)
{
	const struct opt	*o;

	for (; *i < sizeof opts / sizeof opts[0]; (*i)++) {
		o = &opts[*i];
		if (o->flag == NULL)
			continue;
		out->flag = o->flag;
		out->section = o->section;
		out->key = o->key;
		out->has_arg = o->type != OPT_BOOL;
		(*i)++;
		return true;
	}
	return false;
}

/* Whether name is one of keys (NULL-terminated; NULL: every name). */
static bool
key_listed(const char *const *keys, const char *name)
{
	if (keys == NULL)
		return true;
	for (; *keys != NULL; keys++)
		if (strcmp(*keys, name) == 0)
			return true;
	return false;
}

void
config_longopts(struct option *lo, size_t k, size_t max, int val0,
    const char *const *keys, struct config_flag *flags)
{
	size_t	i = 0, n = 0;

	while (config_flag_next(&i, &flags[n])) {
		if (!key_listed(keys, flags[n].key))
			continue;
		if (k + 1 >= max || n + 1 >= max)
			abort();	/* a caller's table is too short */
		lo[k].name = flags[n].flag;
		lo[k].has_arg = flags[n].has_arg ? required_argument :
		    no_argument;
		lo[k].flag = NULL;
		lo[k++].val = val0 + (int)n++;
	}
	memset(&lo[k], 0, sizeof lo[k]);
}

int
config_set_flag(struct ingest_config *c, const struct config_flag *f,
    const char *value, char **cause)
{
	char	*why = NULL;

	if (config_set(c, f->section, f->key, f->has_arg ? value : "on",
	    &why) == 0)
		return 0;
	*cause = xasprintf("--%s: %s", f->flag, why);
	free(why);
	return -1;
}

int
config_set(struct ingest_config *c, const char *section, const char *key,
    const char *value, char **cause)
{
	size_t	i;

	if (config_section_is_alert(section)) {
		if (alert_config_is_secret(section, key))
			c->has_secret = true;
		if (c->alert == NULL)
			return 0;
		return alert_config_set(c->alert, section, key, value, cause);
	}
	for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		if (strcmp(opts[i].section, section) == 0 &&
		    strcmp(opts[i].key, key) == 0)
			return set_opt(c, &opts[i], value, cause);
	}
	if (strcmp(section, "ingest") == 0 || strcmp(section, "monitor") == 0)
		*cause = xasprintf("unknown key %s in [%s]", key, section);
	else
		*cause = xasprintf("unknown section [%s]", section);
	return -1;
}

int
config_check(const struct ingest_config *c, char **cause)
{
	if (c->monitor.psi_warning > c->monitor.psi_critical) {
		*cause = xasprintf("psi_warning %g is above psi_critical %g",
		    c->monitor.psi_warning, c->monitor.psi_critical);
		return -1;
	}
	return 0;
}
