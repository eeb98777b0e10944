/*
 * What the sinks share (each sink-*.c calls down into it; engine.c picks
 * the sink of a channel): the subject prefix, the curl options of every
 * attempt, one JSON POST with its outcome (Slack, Alertmanager) and the
 * scrubbing of errors.
 */
#include "alert/sink.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mlmon-config.h"

#include "alert/text.h"
#include "core/stop.h"
#include "core/xalloc.h"

/* Most secret strings one configuration yields (URL parts, user...). */
#define SINK_SECRETS_MAX	64

/*
 * Start of the response body read for last_error, bytes. The error is
 * scrubbed of every secret first and cut to its field after, so a body
 * echoing the token never leaves part of it behind.
 */
#define SINK_BODY_MAX	16384

struct sink_body {
	char	buf[SINK_BODY_MAX + 1];
	size_t	len;
	double	retry_after;	/* delay-seconds of Retry-After; < 0 none */
};

/*
 * Retry-After as delay-seconds, read here because libcurl reports 0 for a
 * value it cannot hold (10^20): a huge ask must be capped, not dropped.
 * An HTTP-date is left to CURLINFO_RETRY_AFTER.
 */
static size_t
sink_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct sink_body *b = arg;
	size_t len = size * n, i = sizeof name - 1;
	double v = 0;

	if (len < i || strncasecmp(data, name, i) != 0)
		return len;
	while (i < len && (data[i] == ' ' || data[i] == '\t'))
		i++;
	if (i == len || data[i] < '0' || data[i] > '9')
		return len;
	for (; i < len && data[i] >= '0' && data[i] <= '9'; i++)
		v = v * 10 + (data[i] - '0');
	b->retry_after = v;
	return len;
}

static size_t
sink_write(char *data, size_t size, size_t n, void *arg)
{
	struct sink_body *b = arg;
	size_t len = size * n, take;

	take = SINK_BODY_MAX - b->len;
	if (take > len)
		take = len;
	memcpy(b->buf + b->len, data, take);
	b->len += take;
	b->buf[b->len] = '\0';
	return len;
}

const char *
sink_severity(const struct alert_message *m)
{
	bool crit = m->severity >= ALERT_SEVERITY_CRITICAL;

	if (strcmp(m->kind, "resolved") == 0)
		return crit ? "[mlmon RESOLVED, was CRITICAL] " :
		    "[mlmon RESOLVED, was WARNING] ";
	if (strcmp(m->kind, "repeat") == 0)
		return crit ? "[mlmon CRITICAL, still firing] " :
		    "[mlmon WARNING, still firing] ";
	return crit ? "[mlmon CRITICAL] " : "[mlmon WARNING] ";
}

char *
sink_title(const struct alert_message *m, const char *text)
{
	return xasprintf("%s%s%s%s", m->model != NULL ? m->model : "",
	    m->model != NULL ? ": " : "", sink_severity(m), text);
}

static long
sink_ms(double seconds)
{
	double ms = ceil(seconds * 1000);

	if (ms < 1)
		return 1;
	if (ms > 86400000.0)
		return 86400000L;
	return (long)ms;
}

/* curl's progress callback: a stop request aborts the transfer. */
static int
sink_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stop_requested() ? 1 : 0;
}

void
sink_curl_setup(CURL *h, const struct alert_config *c, double timeout,
    char *errbuf)
{
	double connect = c->connect_timeout < timeout ? c->connect_timeout :
	    timeout;

	errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, sink_ms(connect));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, sink_ms(timeout));
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mlmon/" MLMON_VERSION);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, sink_progress);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
}

/* Add s[0..n) to the list when it is long enough to be a secret. */
static void
secret_add(char **list, size_t *n, size_t cap, const char *s, size_t len)
{
	if (len >= 4 && *n < cap)
		list[(*n)++] = xstrndup(s, len);
}

/*
 * The secret components of url: its user and password and, when the path
 * is the token (a webhook), the whole URL, the path and each of its
 * segments, the query and each name and value in it.
 */
static void
secret_url_parts(char **list, size_t *n, size_t cap, const char *url,
    bool path_secret)
{
	const char *p, *auth, *end, *at, *colon, *seg;

	if (path_secret)
		secret_add(list, n, cap, url, strlen(url));
	p = strstr(url, "://");
	auth = p != NULL ? p + 3 : url;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		secret_add(list, n, cap, auth, (size_t)((colon != NULL ?
		    colon : at) - auth));
		if (colon != NULL)
			secret_add(list, n, cap, colon + 1,
			    (size_t)(at - colon - 1));
	}
	if (!path_secret)
		return;
	secret_add(list, n, cap, end, strlen(end));	/* path and query */
	for (seg = end; *seg == '/' || *seg == '?' || *seg == '&' ||
	    *seg == '='; seg += strcspn(seg + 1, "/?&=#") + 1) {
		p = seg + 1;
		secret_add(list, n, cap, p, strcspn(p, "/?&=#"));
		if (*seg == '?')
			secret_add(list, n, cap, p, strcspn(p, "#"));
	}
}

void
sink_result_set(struct sink_result *r, enum sink_outcome o,
    const struct alert_config *c, const char *fmt, ...)
{
	char *secrets[SINK_SECRETS_MAX + 1];
	char *raw, *clean, probe[1];
	va_list ap;
	size_t n = 0;
	int len;

	r->outcome = o;
	va_start(ap, fmt);
	len = vsnprintf(probe, sizeof probe, fmt, ap);
	va_end(ap);
	if (len < 0) {
		snprintf(r->error, sizeof r->error, "(error text lost)");
		return;
	}
	raw = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(raw, (size_t)len + 1, fmt, ap);
	va_end(ap);
	if (c->slack_url != NULL)
		secret_url_parts(secrets, &n, SINK_SECRETS_MAX, c->slack_url,
		    true);
	if (c->smtp_url != NULL)
		secret_url_parts(secrets, &n, SINK_SECRETS_MAX, c->smtp_url,
		    false);
	if (c->smtp_user != NULL)
		secret_add(secrets, &n, SINK_SECRETS_MAX, c->smtp_user,
		    strlen(c->smtp_user));
	if (c->smtp_password != NULL)
		secret_add(secrets, &n, SINK_SECRETS_MAX, c->smtp_password,
		    strlen(c->smtp_password));
	secrets[n] = NULL;
	clean = alert_text_scrub(raw, (const char *const *)secrets,
	    sizeof r->error - 1);
	snprintf(r->error, sizeof r->error, "%s", clean);
	free(clean);
	free(raw);
	while (n > 0)
		free(secrets[--n]);
}

void
sink_http_post(const struct alert_config *c, const char *name,
    const char *url, const char *json, double timeout, struct sink_result *r)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	struct sink_body body = { .len = 0, .retry_after = -1 };
	curl_off_t after = -1;
	CURLcode rc;
	CURL *h;
	long code = 0;

	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if ((h = curl_easy_init()) == NULL) {
		sink_result_set(r, SINK_RETRY, c, "%s: curl_easy_init failed",
		    name);
		return;
	}
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	sink_curl_setup(h, c, timeout, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sink_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &body);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		sink_result_set(r, SINK_RETRY, c, "%s: %s", name,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	r->status = code;
	if (code >= 200 && code < 300) {
		r->outcome = SINK_DELIVERED;
		goto out;
	}
	if (code == 408 || code == 429 || code >= 500) {
		if (body.retry_after > 0)
			r->retry_after = body.retry_after;
		else if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &after) ==
		    CURLE_OK && after > 0)
			r->retry_after = (double)after;
		sink_result_set(r, SINK_RETRY, c, "%s: HTTP %ld: %s", name,
		    code, body.buf);
	} else
		sink_result_set(r, SINK_FAILED, c, "%s: HTTP %ld: %s", name,
		    code, body.buf);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
}
