/*
 * The config file's text: "key = value" lines under [section] headers,
 * comments (# and ;), a byte order mark, CRLF; each key set once per
 * section through config_set (the key table of config.c), every error
 * named "file:line: reason". A [model "NAME"] section's keys are checked
 * on a scratch config and kept (config_model_set) until
 * config_model_apply knows the stream's model. Parsing works on a buffer
 * so the fuzzer can drive it; config_load_file() adds the file and its
 * mode, config_default_path() where to look for it.
 */
#include "ingest/config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/alert.h"
#include "core/model.h"
#include "core/xalloc.h"

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
	if (!config_section_is_alert(section) ||
	    !valid_word(key, strlen(key))) {
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
	if (!config_section_is_alert(p->section) &&
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
