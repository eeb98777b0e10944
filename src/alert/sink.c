/*
 * What the sinks share: the sink table, the subject prefix, the curl
 * options of every attempt and the scrubbing of errors.
 */
#include "alert/sink.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlmon-config.h"

#include "alert/text.h"
#include "core/xalloc.h"

const struct alert_sink *
alert_sink_get(enum alert_channel ch)
{
	switch (ch) {
	case ALERT_CHANNEL_SLACK:
		return &sink_slack;
	case ALERT_CHANNEL_EMAIL:
		return &sink_email;
	}
	return NULL;
}

const char *
sink_prefix(const struct alert_message *m)
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
}

void
sink_result_set(struct sink_result *r, enum sink_outcome o,
    const struct alert_config *c, const char *fmt, ...)
{
	const char *secrets[5] = { NULL };
	char *raw, *clean, *path = NULL, probe[1];
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
	if (c->slack_url != NULL) {
		secrets[n++] = c->slack_url;
		/* The path alone, as an error might quote it. */
		path = strstr(c->slack_url, "://");
		if (path != NULL)
			path = strchr(path + 3, '/');
		if (path != NULL && strlen(path) > 1)
			secrets[n++] = path;
	}
	if (c->smtp_password != NULL)
		secrets[n++] = c->smtp_password;
	clean = alert_text_scrub(raw, secrets, sizeof r->error - 1);
	snprintf(r->error, sizeof r->error, "%s", clean);
	free(clean);
	free(raw);
}
