/*
 * The config file: one table of the keys mlmon-ingest knows ([ingest] and
 * [monitor]) with their type, bounds and place in struct ingest_config;
 * alert sections pass through to src/alert. A [model "NAME"] section
 * holds alert keys for one model ("min_severity_slack = warning",
 * "slack.webhook_url = ..."): checked when read, kept, and applied over
 * the others by config_model_apply once the stream's model is known.
 * Parsing works on a buffer so the fuzzer can drive it;
 * config_load_file() adds the file and its mode.
 */
#include "ingest/config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static bool
is_alert_section(const char *section)
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

int
config_set(struct ingest_config *c, const char *section, const char *key,
    const char *value, char **cause)
{
	size_t	i;

	if (is_alert_section(section)) {
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

/* Trim spaces and tabs from both ends of s[0..*n); returns the start. */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t' ||
	    s[*n - 1] == '\r'))
		(*n)--;
	return s;
}

static bool
valid_word(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		char	ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '_'))
			return false;
	}
	return true;
}

/* "word.word" (a [model] section's key naming an alert section). */
static bool
config_dotted(const char *s, size_t n)
{
	const char	*dot = memchr(s, '.', n);

	return n <= 64 && dot != NULL && valid_word(s, (size_t)(dot - s)) &&
	    valid_word(dot + 1, n - (size_t)(dot + 1 - s));
}

/* One "section.key" already set, for duplicate detection. */
struct seen_key {
	char		section[65];
	char		key[65];
	char		model[MODEL_NAME_MAX + 1];	/* [model "NAME"] */
	unsigned	line;
};

/*
 * "[model "NAME"]" in s[0..n): the name into model. 1 yes, 0 not such a
 * header, -1 a bad name (*cause).
 */
static int
model_header(const char *s, size_t n, char *model, char **cause)
{
	char	why[128];
	size_t	len;

	if (n < 10 || memcmp(s, "[model \"", 8) != 0 || s[n - 2] != '"' ||
	    s[n - 1] != ']')
		return 0;
	len = n - 10;
	if (!model_name_check(s + 8, len, why, sizeof why)) {
		*cause = xasprintf("[model \"%.*s\"]: %s", (int)(len > 64 ?
		    64 : len), s + 8, why);
		return -1;
	}
	memcpy(model, s + 8, len);
	model[len] = '\0';
	return 1;
}

/* The [ingest] keys a [model "NAME"] section may set for its model. */
static const char *const model_ingest_keys[] = { "retain_rows",
    "retain_reports", "expect_every", "expect_labels_within" };

static bool
is_model_ingest_key(const char *key)
{
	size_t	i;

	for (i = 0; i < sizeof model_ingest_keys /
	    sizeof model_ingest_keys[0]; i++)
		if (strcmp(key, model_ingest_keys[i]) == 0)
			return true;
	return false;
}

/* An [ingest] key of a [model] section checked on a scratch config. */
static int
model_ingest_check(const char *key, const char *value, char **cause)
{
	struct ingest_config	scratch;
	int			rc;

	config_init(&scratch, false);
	rc = config_set(&scratch, "ingest", key, value, cause);
	config_finish(&scratch);
	return rc;
}

/*
 * key = value in [model "NAME"]: one of model_ingest_keys (retention,
 * the silence alarm), "KEY" of [alert], or "SECTION.KEY" of an alert
 * section. Checked on a scratch config (the value's errors), then kept
 * for config_model_apply.
 */
static int
model_key(struct ingest_config *c, const char *model, const char *key,
    const char *value, char **cause)
{
	struct config_model_set	*m;
	struct alert_config	*scratch;
	const char		*dot = strchr(key, '.');
	char			*section;
	int			 rc = 0;

	if (dot == NULL && is_model_ingest_key(key)) {
		section = xstrdup("ingest");
		rc = model_ingest_check(key, value, cause);
		goto keep;
	}
	section = dot != NULL ? xasprintf("%.*s", (int)(dot - key), key) :
	    xstrdup("alert");
	key = dot != NULL ? dot + 1 : key;
	if (!is_alert_section(section) || !valid_word(key, strlen(key))) {
		*cause = xasprintf("a [model] section takes retain_rows, "
		    "retain_reports, expect_every, expect_labels_within and "
		    "alert keys (KEY of [alert], or slack.KEY, email.KEY, "
		    "alertmanager.KEY)");
		free(section);
		return -1;
	}
	if (alert_config_is_secret(section, key))
		c->has_secret = true;
	if (c->alert != NULL) {
		scratch = alert_config_create();
		rc = alert_config_set(scratch, section, key, value, cause);
		alert_config_destroy(scratch);
	}
keep:
	if (rc != 0) {
		free(section);
		return -1;
	}
	c->model_sets = xreallocarray(c->model_sets, c->n_model_sets + 1,
	    sizeof *c->model_sets);
	m = &c->model_sets[c->n_model_sets++];
	m->model = xstrdup(model);
	m->section = section;
	m->key = xstrdup(key);
	m->value = xstrdup(value);
	return 0;
}

int
config_model_apply(struct ingest_config *c, const char *model, char **cause)
{
	struct config_model_set	*m;
	size_t			 i;

	for (i = 0; i < c->n_model_sets; i++) {
		m = &c->model_sets[i];
		if (strcmp(m->model, model) != 0)
			continue;
		if (strcmp(m->section, "ingest") == 0) {
			if (config_set(c, m->section, m->key, m->value,
			    cause) != 0)
				return -1;
		} else if (c->alert != NULL && alert_config_set(c->alert,
		    m->section, m->key, m->value, cause) != 0)
			return -1;
	}
	return 0;
}

/* Where config_parse is in a file, and the keys it has set so far. */
struct cfg_parse {
	struct ingest_config	*c;
	const char		*name;		/* prefixes every error */
	unsigned		 line;
	char			 section[65];
	char			 model[MODEL_NAME_MAX + 1];	/* or "" */
	struct seen_key		*seen;
	size_t			 n_seen;
};

/*
 * One line's text, checked: the CR of a CRLF ends the line (the limit is
 * the same for both); a UTF-8 byte order mark opening the file is not
 * text. Trimmed into *s, *n. 0 or -1 (*cause).
 */
static int
cfg_line_text(const struct cfg_parse *p, const char **s, size_t *n,
    char **cause)
{
	if (*n > 0 && (*s)[*n - 1] == '\r')
		(*n)--;
	if (p->line == 1 && *n >= 3 && memcmp(*s, "\xef\xbb\xbf", 3) == 0) {
		*s += 3;
		*n -= 3;
	}
	if (memchr(*s, '\0', *n) != NULL) {
		*cause = xasprintf("%s:%u: NUL byte in line", p->name, p->line);
		return -1;
	}
	if (*n > CONFIG_LINE_MAX) {
		*cause = xasprintf("%s:%u: line longer than %d bytes", p->name,
		    p->line, CONFIG_LINE_MAX);
		return -1;
	}
	*s = trim(*s, n);
	return 0;
}

/* A "[section]" or "[model "NAME"]" line. 0 or -1 (*cause). */
static int
cfg_section(struct cfg_parse *p, const char *s, size_t n, char **cause)
{
	char	*why = NULL;
	int	 hm;

	if ((hm = model_header(s, n, p->model, &why)) != 0) {
		if (hm == -1) {
			*cause = xasprintf("%s:%u: %s", p->name, p->line, why);
			free(why);
			return -1;
		}
		snprintf(p->section, sizeof p->section, "model");
		return 0;
	}
	p->model[0] = '\0';
	if (s[n - 1] != ']' || !valid_word(s + 1, n - 2)) {
		*cause = xasprintf("%s:%u: bad section header (want [name])",
		    p->name, p->line);
		return -1;
	}
	memcpy(p->section, s + 1, n - 2);
	p->section[n - 2] = '\0';
	if (!is_alert_section(p->section) &&
	    strcmp(p->section, "ingest") != 0 &&
	    strcmp(p->section, "monitor") != 0) {
		*cause = xasprintf("%s:%u: unknown section [%s]", p->name,
		    p->line, p->section);
		return -1;
	}
	return 0;
}

/* Set key once per section (and model); remember where. 0 or -1. */
static int
cfg_set_once(struct cfg_parse *p, const char *key, const char *value,
    char **cause)
{
	struct seen_key	*k;
	char		*why = NULL;
	size_t		 i;

	for (i = 0; i < p->n_seen; i++) {
		k = &p->seen[i];
		if (strcmp(k->section, p->section) == 0 &&
		    strcmp(k->key, key) == 0 &&
		    strcmp(k->model, p->model) == 0) {
			*cause = xasprintf("%s:%u: duplicate key %s in [%s] "
			    "(first set on line %u)", p->name, p->line, key,
			    p->section, k->line);
			return -1;
		}
	}
	if ((p->model[0] != '\0' ? model_key(p->c, p->model, key, value,
	    &why) : config_set(p->c, p->section, key, value, &why)) != 0) {
		*cause = xasprintf("%s:%u: %s", p->name, p->line,
		    why != NULL ? why : "invalid setting");
		free(why);
		return -1;
	}
	p->seen = xreallocarray(p->seen, p->n_seen + 1, sizeof *p->seen);
	k = &p->seen[p->n_seen++];
	memcpy(k->section, p->section, sizeof k->section);
	snprintf(k->key, sizeof k->key, "%s", key);
	memcpy(k->model, p->model, sizeof k->model);
	k->line = p->line;
	return 0;
}

/* A "key = value" line. 0 or -1 (*cause). */
static int
cfg_key(struct cfg_parse *p, const char *s, size_t n, char **cause)
{
	const char	*eq = memchr(s, '=', n), *k, *v;
	char		 key[65], value[CONFIG_LINE_MAX + 1];
	size_t		 kn, vn;

	if (eq == NULL) {
		*cause = xasprintf("%s:%u: expected key = value", p->name,
		    p->line);
		return -1;
	}
	kn = (size_t)(eq - s);
	k = trim(s, &kn);
	vn = n - (size_t)(eq + 1 - s);
	v = trim(eq + 1, &vn);
	if (!valid_word(k, kn) && !(p->model[0] != '\0' &&
	    config_dotted(k, kn))) {
		*cause = xasprintf("%s:%u: bad key (want lower-case letters, "
		    "digits, _)", p->name, p->line);
		return -1;
	}
	if (p->section[0] == '\0') {
		*cause = xasprintf("%s:%u: key outside of a [section]",
		    p->name, p->line);
		return -1;
	}
	memcpy(key, k, kn);
	key[kn] = '\0';
	if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') {
		v++;
		vn -= 2;
	}
	memcpy(value, v, vn);
	value[vn] = '\0';
	return cfg_set_once(p, key, value, cause);
}

int
config_parse(struct ingest_config *c, const char *name, const char *buf,
    size_t len, char **cause)
{
	struct cfg_parse p = { .c = c, .name = name };
	const char	*s, *eol;
	size_t		 pos = 0, n;
	char		*why;
	int		 rc = -1;

	while (pos < len) {
		s = buf + pos;
		eol = memchr(s, '\n', len - pos);
		n = eol != NULL ? (size_t)(eol - s) : len - pos;
		pos += n + (eol != NULL);
		p.line++;
		if (cfg_line_text(&p, &s, &n, cause) != 0)
			goto out;
		if (n == 0 || s[0] == '#' || s[0] == ';')
			continue;
		if ((s[0] == '[' ? cfg_section(&p, s, n, cause) :
		    cfg_key(&p, s, n, cause)) != 0)
			goto out;
	}
	if (config_check(c, &why) != 0) {
		*cause = xasprintf("%s: %s", name, why);
		free(why);
		goto out;
	}
	rc = 0;
out:
	free(p.seen);
	return rc;
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

int
config_load_file(struct ingest_config *c, const char *path, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	/* Non-blocking: a FIFO must not hang the open (refused below). */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		goto out;
	}
	buf = xmalloc(CONFIG_FILE_MAX + 1);
	for (;;) {
		n = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*cause = xasprintf("%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_MAX) {
			*cause = xasprintf("%s: larger than %d bytes", path,
			    CONFIG_FILE_MAX);
			goto out;
		}
	}
	c->has_secret = false;
	if (config_parse(c, path, buf, len, cause) != 0)
		goto out;
	if (c->has_secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		*cause = xasprintf("%s: holds a secret but its mode is %04o; "
		    "it must be readable by its owner only (chmod 600 %s)",
		    path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Caller frees. path when it names an existing file, else NULL. */
static char *
existing(char *path)
{
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	return NULL;
}

char *
config_default_path(void)
{
	const char	*env;

	env = getenv("MLMON_CONFIG");
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	env = getenv("XDG_CONFIG_HOME");
	if (env != NULL && *env == '/')
		return existing(xasprintf("%s/mlmon/mlmon.conf", env));
	env = getenv("HOME");
	if (env != NULL && *env != '\0')
		return existing(xasprintf("%s/.config/mlmon/mlmon.conf", env));
	return NULL;
}
