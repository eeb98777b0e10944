/*
 * Alert settings: one table of keys ([alert], [slack], [email]) with a type
 * each, applied from the config file by alert_config_set() and from the
 * MLMON_* environment by alert_config_from_env(). Values are checked when
 * set, so delivery never meets a malformed URL or address. A cause never
 * quotes the value of a secret key.
 */
#include "alert/config.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

enum config_type {
	CONFIG_DURATION,	/* double seconds: 10, 10s, 250ms, 5m, 1h */
	CONFIG_TIMEOUT,		/* a duration > 0 */
	CONFIG_COUNT,		/* unsigned */
	CONFIG_COUNT_POSITIVE,	/* unsigned >= 1 */
	CONFIG_SEVERITY,	/* min severity of channel .channel */
	CONFIG_RULE_SEVERITY,	/* a rule's severity (off: never fires) */
	CONFIG_SLACK_URL,
	CONFIG_SMTP_URL,
	CONFIG_AM_URL,
	CONFIG_STRING,		/* printable, no control characters */
	CONFIG_ADDRESS,
	CONFIG_ADDRESS_LIST,
};

struct config_key {
	const char		*section;
	const char		*key;
	enum config_type	 type;
	size_t			 offset;	/* into struct alert_config */
	enum alert_channel	 channel;	/* CONFIG_SEVERITY only */
	bool			 secret;
	const char		*env;		/* MLMON_* variable or NULL */
};

#define OFF(f)	offsetof(struct alert_config, f)

static const struct config_key config_keys[] = {
	{ "alert", "repeat_interval", CONFIG_DURATION, OFF(repeat_interval),
	    0, false, NULL },
	{ "alert", "resolve_after", CONFIG_COUNT_POSITIVE, OFF(resolve_after),
	    0, false, NULL },
	{ "alert", "min_severity_slack", CONFIG_SEVERITY, 0,
	    ALERT_CHANNEL_SLACK, false, NULL },
	{ "alert", "min_severity_email", CONFIG_SEVERITY, 0,
	    ALERT_CHANNEL_EMAIL, false, NULL },
	{ "alert", "estimated_decay_severity", CONFIG_RULE_SEVERITY,
	    OFF(estimated_decay_severity), 0, false, NULL },
	{ "alert", "connect_timeout", CONFIG_TIMEOUT, OFF(connect_timeout),
	    0, false, NULL },
	{ "alert", "timeout", CONFIG_TIMEOUT, OFF(timeout), 0, false, NULL },
	{ "alert", "retries", CONFIG_COUNT, OFF(retries), 0, false, NULL },
	{ "alert", "backoff", CONFIG_DURATION, OFF(backoff), 0, false, NULL },
	{ "alert", "backoff_max", CONFIG_DURATION, OFF(backoff_max), 0, false,
	    NULL },
	{ "alert", "max_attempts", CONFIG_COUNT, OFF(max_attempts), 0, false,
	    NULL },
	{ "slack", "webhook_url", CONFIG_SLACK_URL, OFF(slack_url), 0, true,
	    "MLMON_SLACK_WEBHOOK_URL" },
	{ "slack", "min_severity", CONFIG_SEVERITY, 0, ALERT_CHANNEL_SLACK,
	    false, NULL },
	{ "email", "smtp_url", CONFIG_SMTP_URL, OFF(smtp_url), 0, false,
	    "MLMON_SMTP_URL" },
	{ "email", "user", CONFIG_STRING, OFF(smtp_user), 0, false,
	    "MLMON_SMTP_USER" },
	{ "email", "password", CONFIG_STRING, OFF(smtp_password), 0, true,
	    "MLMON_SMTP_PASSWORD" },
	{ "email", "from", CONFIG_ADDRESS, OFF(email_from), 0, false,
	    "MLMON_EMAIL_FROM" },
	{ "email", "to", CONFIG_ADDRESS_LIST, OFF(email_to), 0, false,
	    "MLMON_EMAIL_TO" },
	{ "email", "min_severity", CONFIG_SEVERITY, 0, ALERT_CHANNEL_EMAIL,
	    false, NULL },
	{ "alert", "min_severity_alertmanager", CONFIG_SEVERITY, 0,
	    ALERT_CHANNEL_ALERTMANAGER, false, NULL },
	{ "alertmanager", "url", CONFIG_AM_URL, OFF(am_url), 0, false,
	    "MLMON_ALERTMANAGER_URL" },
	{ "alertmanager", "min_severity", CONFIG_SEVERITY, 0,
	    ALERT_CHANNEL_ALERTMANAGER, false, NULL },
	{ "alertmanager", "resend_interval", CONFIG_TIMEOUT, OFF(am_resend),
	    0, false, NULL },
};
#define N_KEYS	(sizeof config_keys / sizeof config_keys[0])

static const char *const channel_names[ALERT_CHANNEL_COUNT] = {
	[ALERT_CHANNEL_SLACK] = "slack",
	[ALERT_CHANNEL_EMAIL] = "email",
	[ALERT_CHANNEL_ALERTMANAGER] = "alertmanager",
};

const char *
alert_severity_name(enum alert_severity s)
{
	if (s < ALERT_SEVERITY_WARNING || s > ALERT_SEVERITY_OFF)
		return "?";
	return severity_name((enum severity)s);
}

bool
parse_alert_severity(const char *s, enum alert_severity *out)
{
	enum severity v;

	if (!severity_parse(s, SEVERITY_WARNING, SEVERITY_OFF, &v))
		return false;
	*out = (enum alert_severity)v;
	return true;
}

const char *
alert_channel_name(enum alert_channel ch)
{
	if ((unsigned)ch >= ALERT_CHANNEL_COUNT)
		return "?";
	return channel_names[ch];
}

bool
parse_alert_channel(const char *s, enum alert_channel *out)
{
	int i;

	for (i = 0; i < ALERT_CHANNEL_COUNT; i++) {
		if (strcmp(s, channel_names[i]) == 0) {
			*out = (enum alert_channel)i;
			return true;
		}
	}
	return false;
}

struct alert_config *
alert_config_create(void)
{
	struct alert_config *c;

	c = xcalloc(1, sizeof *c);
	c->send = false;
	c->repeat_interval = 300;
	c->resolve_after = 3;
	c->min_severity[ALERT_CHANNEL_SLACK] = ALERT_SEVERITY_CRITICAL;
	c->min_severity[ALERT_CHANNEL_EMAIL] = ALERT_SEVERITY_CRITICAL;
	c->min_severity[ALERT_CHANNEL_ALERTMANAGER] = ALERT_SEVERITY_OFF;
	c->am_resend = 60;
	c->estimated_decay_severity = ALERT_SEVERITY_WARNING;
	c->connect_timeout = 5;
	c->timeout = 10;
	c->retries = 2;
	c->backoff = 1;
	c->backoff_max = 300;
	c->max_attempts = 0;
	return c;
}

void
alert_config_destroy(struct alert_config *c)
{
	if (c == NULL)
		return;
	free(c->slack_url);
	free(c->smtp_url);
	free(c->smtp_user);
	if (c->smtp_password != NULL) {
		/* Not a guarantee (no explicit_bzero in C11), a courtesy. */
		memset(c->smtp_password, 0, strlen(c->smtp_password));
		free(c->smtp_password);
	}
	free(c->email_from);
	free(c->email_to);
	free(c->am_url);
	free(c);
}

void
alert_config_set_send(struct alert_config *c, bool send)
{
	c->send = send;
}

bool
alert_config_is_secret(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return config_keys[i].secret;
	}
	return false;
}

/* Seconds from "10", "10s", "1.5s", "250ms", "5m", "1h". */
static bool
parse_duration(const char *s, double *out)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return false;
	if (*end == '\0' || strcmp(end, "s") == 0)
		;
	else if (strcmp(end, "ms") == 0)
		v /= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60;
	else if (strcmp(end, "h") == 0)
		v *= 3600;
	else
		return false;
	if (v > 7 * 24 * 3600.0)
		return false;
	*out = v;
	return true;
}

static bool
parse_count(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > 1000000)
		return false;
	*out = (unsigned)v;
	return true;
}

/* True when s has no control characters (and is not empty). */
static bool
config_printable(const char *s)
{
	const unsigned char *p;

	if (*s == '\0')
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

bool
alert_config_host_is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 ||
	    strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "::1") == 0;
}

/* Caller frees *scheme and *host. -1 when url does not parse. */
static int
config_url_parts(const char *url, char **scheme, char **host, bool *userinfo,
    bool *extra)
{
	CURLU *h;
	char *s = NULL, *ho = NULL, *u = NULL, *q = NULL, *f = NULL;
	int rc = -1;

	h = curl_url();
	if (h == NULL)
		return -1;
	if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(h, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &ho, 0) != CURLUE_OK)
		goto out;
	*userinfo = curl_url_get(h, CURLUPART_USER, &u, 0) == CURLUE_OK;
	*extra = curl_url_get(h, CURLUPART_QUERY, &q, 0) == CURLUE_OK ||
	    curl_url_get(h, CURLUPART_FRAGMENT, &f, 0) == CURLUE_OK;
	*scheme = xstrdup(s);
	*host = xstrdup(ho);
	rc = 0;
out:
	curl_free(s);
	curl_free(ho);
	curl_free(u);
	curl_free(q);
	curl_free(f);
	curl_url_cleanup(h);
	return rc;
}

char *
alert_config_redact_url(const char *url)
{
	CURLU *h;
	char *s = NULL, *ho = NULL, *port = NULL, *out;

	if (url == NULL)
		return xstrdup("(unset)");
	h = curl_url();
	if (h == NULL || curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
	    curl_url_get(h, CURLUPART_HOST, &ho, 0) != CURLUE_OK) {
		curl_free(s);
		curl_url_cleanup(h);
		return xstrdup("(invalid URL)");
	}
	curl_url_get(h, CURLUPART_PORT, &port, 0);
	out = xasprintf("%s://%s%s%s/[redacted]", s, ho, port ? ":" : "",
	    port ? port : "");
	curl_free(s);
	curl_free(ho);
	curl_free(port);
	curl_url_cleanup(h);
	return out;
}

/* https://, or http:// to a loopback host only (test receivers). */
static int
check_slack_url(const char *v, char **cause)
{
	char *scheme, *host;
	bool userinfo, extra;
	int rc = 0;

	if (config_url_parts(v, &scheme, &host, &userinfo, &extra) == -1) {
		*cause = xstrdup("not a URL");
		return -1;
	}
	if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 &&
	    alert_config_host_is_loopback(host))) {
		*cause = xstrdup("must be an https:// URL (http:// only to "
		    "127.0.0.1 or localhost)");
		rc = -1;
	} else if (userinfo) {
		*cause = xstrdup("must not hold a user or password");
		rc = -1;
	}
	free(scheme);
	free(host);
	return rc;
}

/*
 * A URL of scheme s1 or s2 (scheme_why otherwise), with no user or
 * password (user_why) and no query or fragment.
 */
static int
check_url(const char *v, const char *s1, const char *s2,
    const char *scheme_why, const char *user_why, char **cause)
{
	char *scheme, *host;
	bool userinfo, extra;
	int rc = 0;

	if (config_url_parts(v, &scheme, &host, &userinfo, &extra) == -1) {
		*cause = xstrdup("not a URL");
		return -1;
	}
	if (strcmp(scheme, s1) != 0 && strcmp(scheme, s2) != 0) {
		*cause = xstrdup(scheme_why);
		rc = -1;
	} else if (userinfo) {
		*cause = xstrdup(user_why);
		rc = -1;
	} else if (extra) {
		*cause = xstrdup("must not have a query or fragment");
		rc = -1;
	}
	free(scheme);
	free(host);
	return rc;
}

static int
check_smtp_url(const char *v, char **cause)
{
	return check_url(v, "smtp", "smtps", "must be smtp://host:port "
	    "(STARTTLS) or smtps://host:port", "must not hold a user or "
	    "password: set [email] user and password (or MLMON_SMTP_USER "
	    "and MLMON_SMTP_PASSWORD)", cause);
}

/* The Alertmanager's base URL. */
static int
check_am_url(const char *v, char **cause)
{
	return check_url(v, "http", "https", "must be http://host:port or "
	    "https://host:port (the Alertmanager's base URL)",
	    "must not hold a user or password", cause);
}

/* A plain addr-spec: local@domain, ASCII, no specials or spaces. */
static bool
check_address(const char *a, size_t len)
{
	static const char specials[] = "<>()[]\\,;:\" ";
	size_t i, at = 0, n_at = 0;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)a[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr(specials, a[i]) != NULL)
			return false;
		if (a[i] == '@') {
			at = i;
			n_at++;
		}
	}
	return n_at == 1 && at > 0 && at + 1 < len;
}

/* Caller frees *out: the list normalised to "a@x, b@y". */
static int
check_address_list(const char *v, char **out, char **cause)
{
	const char *p = v, *end, *a;
	size_t len, o = 0, n = 0;
	char *buf, *bad, *shown;

	buf = xmalloc(2 * strlen(v) + 1);
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		a = p;
		while (a < end && (*a == ' ' || *a == '\t'))
			a++;
		len = (size_t)(end - a);
		while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '\t'))
			len--;
		if (!check_address(a, len)) {
			bad = xstrndup(a, len);
			shown = sanitize_dup(bad, 80);
			*cause = xasprintf("\"%s\" is not an address like "
			    "name@example.com", shown);
			free(shown);
			free(bad);
			free(buf);
			return -1;
		}
		if (n++ > 0) {
			memcpy(buf + o, ", ", 2);
			o += 2;
		}
		memcpy(buf + o, a, len);
		o += len;
		p = *end == ',' ? end + 1 : end;
	}
	buf[o] = '\0';
	if (n == 0) {
		*cause = xstrdup("no address");
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* A duration, count or severity key into c. 0, or -1 with *why. */
static int
config_set_number(struct alert_config *c, const struct config_key *k,
    const char *value, char **why)
{
	enum alert_severity sev;
	double d;
	unsigned u;

	switch (k->type) {
	case CONFIG_DURATION:
	case CONFIG_TIMEOUT:
		if (!parse_duration(value, &d) ||
		    (k->type == CONFIG_TIMEOUT && d <= 0)) {
			*why = xstrdup("expected a duration like 10s, 250ms or "
			    "5m (at most a week)");
			return -1;
		}
		*(double *)(void *)((char *)c + k->offset) = d;
		return 0;
	case CONFIG_COUNT:
	case CONFIG_COUNT_POSITIVE:
		if (!parse_count(value, &u) ||
		    (k->type == CONFIG_COUNT_POSITIVE && u == 0)) {
			*why = xstrdup(k->type == CONFIG_COUNT ?
			    "expected a whole number" :
			    "expected a whole number of at least 1");
			return -1;
		}
		*(unsigned *)(void *)((char *)c + k->offset) = u;
		return 0;
	default:
		break;
	}
	if (!parse_alert_severity(value, &sev)) {
		*why = xstrdup("expected warning, critical or off");
		return -1;
	}
	if (k->type == CONFIG_RULE_SEVERITY) {
		*(enum alert_severity *)(void *)((char *)c + k->offset) = sev;
		return 0;
	}
	c->min_severity[k->channel] = sev;
	if (k->channel == ALERT_CHANNEL_ALERTMANAGER)
		c->am_severity_set = true;
	return 0;
}

/*
 * A text key (URL, address, string) checked: *why when it is bad, *norm
 * when it is stored in a normal form (an address list).
 */
static void
config_check_text(struct alert_config *c, const struct config_key *k,
    const char *value, char **norm, char **why)
{
	switch (k->type) {
	case CONFIG_SLACK_URL:
	case CONFIG_SMTP_URL:
	case CONFIG_AM_URL:
	case CONFIG_STRING:
		if (!config_printable(value)) {
			*why = xstrdup("empty or has control characters");
			return;
		}
		break;
	default:
		break;
	}
	switch (k->type) {
	case CONFIG_SLACK_URL:
		check_slack_url(value, why);
		break;
	case CONFIG_SMTP_URL:
		check_smtp_url(value, why);
		break;
	case CONFIG_AM_URL:
		if (check_am_url(value, why) == 0 && !c->am_severity_set)
			c->min_severity[ALERT_CHANNEL_ALERTMANAGER] =
			    ALERT_SEVERITY_WARNING;
		break;
	case CONFIG_ADDRESS:
		if (!check_address(value, strlen(value)))
			*why = xstrdup("expected one address like "
			    "name@example.com");
		break;
	case CONFIG_ADDRESS_LIST:
		check_address_list(value, norm, why);
		break;
	default:
		break;
	}
}

/* "[section] key: "value": why" (no value when secret); takes why. -1. */
static int
config_fail(const struct config_key *k, const char *value, char *why,
    char **cause)
{
	char	*shown;

	if (k->secret || k->type == CONFIG_ADDRESS_LIST) {
		*cause = xasprintf("[%s] %s: %s", k->section, k->key, why);
	} else {
		shown = sanitize_dup(value, 80);
		*cause = xasprintf("[%s] %s: \"%s\": %s", k->section,
		    k->key, shown, why);
		free(shown);
	}
	free(why);
	return -1;
}

static int
config_apply(struct alert_config *c, const struct config_key *k,
    const char *value, char **cause)
{
	char *why = NULL, *norm = NULL, **field;

	switch (k->type) {
	case CONFIG_DURATION:
	case CONFIG_TIMEOUT:
	case CONFIG_COUNT:
	case CONFIG_COUNT_POSITIVE:
	case CONFIG_SEVERITY:
	case CONFIG_RULE_SEVERITY:
		if (config_set_number(c, k, value, &why) == 0)
			return 0;
		break;
	default:
		config_check_text(c, k, value, &norm, &why);
		break;
	}
	if (why != NULL)
		return config_fail(k, value, why, cause);
	field = (char **)(void *)((char *)c + k->offset);
	free(*field);
	*field = norm != NULL ? norm : xstrdup(value);
	return 0;
}

int
alert_config_set(struct alert_config *c, const char *section,
    const char *key, const char *value, char **cause)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return config_apply(c, &config_keys[i], value, cause);
	}
	*cause = xasprintf("unknown key [%s] %s", section, key);
	return -1;
}

int
alert_config_from_env(struct alert_config *c, char **cause)
{
	const struct config_key *k;
	const char *v;
	char *why;
	size_t i;

	for (i = 0; i < N_KEYS; i++) {
		k = &config_keys[i];
		if (k->env == NULL || (v = getenv(k->env)) == NULL ||
		    *v == '\0')
			continue;
		if (config_apply(c, k, v, &why) == -1) {
			*cause = xasprintf("%s: %s", k->env, why);
			free(why);
			return -1;
		}
	}
	return 0;
}

bool
alert_config_channel_ready(const struct alert_config *c,
    enum alert_channel ch)
{
	switch (ch) {
	case ALERT_CHANNEL_SLACK:
		return c->slack_url != NULL;
	case ALERT_CHANNEL_EMAIL:
		return c->smtp_url != NULL && c->email_from != NULL &&
		    c->email_to != NULL;
	case ALERT_CHANNEL_ALERTMANAGER:
		return c->am_url != NULL;
	}
	return false;
}
