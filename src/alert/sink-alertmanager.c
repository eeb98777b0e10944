/*
 * Alertmanager as a channel: POST <url>/api/v2/alerts with a JSON array
 * of alerts, each
 *
 *   labels       alertname (the rule), model, severity, features (the
 *                condition's sorted names, when the rule has features)
 *   annotations  summary (title and features), description (the
 *                message), explain (when the rule fires), condition
 *                (the condition key), batch
 *   startsAt     when the condition opened
 *   endsAt       live (firing, repeat): now + ALERT_AM_ENDS_FACTOR
 *                resend intervals, so the alert expires by itself when
 *                ingest stops re-posting it; resolved: the decision time
 *
 * Alertmanager keys an alert by its labels, so a re-post of an open
 * condition (engine.c, every resend interval) refreshes the same alert
 * and one with endsAt in the past resolves it. Label values are cleaned
 * (no control characters, valid UTF-8) and escaped by cJSON. The HTTP
 * outcome is sink_http_post's (2xx delivered, 5xx/408/429 retried, 400
 * and other 4xx failed for good).
 */
#include "alert/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/clock.h"
#include "core/sanitize.h"
#include "core/xalloc.h"

/* Longest annotation text and label value, bytes. */
#define AM_TEXT_MAX	4000
#define AM_LABEL_MAX	256

/* Unix seconds as RFC 3339 UTC with milliseconds into buf. */
static const char *
am_time(double t, char *buf, size_t size)
{
	struct tm tm;
	time_t s = (time_t)t;
	int ms = (int)((t - (double)s) * 1000);

	if (ms < 0)
		ms = 0;
	if (ms > 999)
		ms = 999;
	if (gmtime_r(&s, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
	return buf;
}

/* Add name: s cleaned (at most max bytes); cJSON fails only on memory. */
static void
am_add(cJSON *o, const char *name, const char *s, size_t max)
{
	char *clean = sanitize_dup(s != NULL ? s : "", max);

	if (cJSON_AddStringToObject(o, name, clean) == NULL)
		abort();
	free(clean);
}

static cJSON *
am_alert(const struct alert_config *c, const struct alert_message *m,
    double now)
{
	cJSON *a, *labels, *notes;
	char buf[80], batch[24], *summary;
	double end, start;

	if (strcmp(m->kind, "resolved") == 0)
		end = m->created_at;
	else
		end = now + ALERT_AM_ENDS_FACTOR * c->am_resend;
	start = m->started_at > 0 && m->started_at <= end ? m->started_at :
	    (m->created_at <= end ? m->created_at : end);
	if ((a = cJSON_CreateObject()) == NULL ||
	    (labels = cJSON_AddObjectToObject(a, "labels")) == NULL ||
	    (notes = cJSON_AddObjectToObject(a, "annotations")) == NULL)
		abort();
	am_add(labels, "alertname", m->rule, AM_LABEL_MAX);
	am_add(labels, "model", m->model, AM_LABEL_MAX);
	am_add(labels, "severity", alert_severity_name(m->severity),
	    AM_LABEL_MAX);
	if (m->features != NULL && m->features[0] != '\0')
		am_add(labels, "features", m->features, AM_TEXT_MAX);
	summary = xasprintf("%s%s%s (model %s)", m->title,
	    m->features != NULL ? " on " : "",
	    m->features != NULL ? m->features : "", m->model);
	am_add(notes, "summary", summary, AM_TEXT_MAX);
	free(summary);
	am_add(notes, "description", m->text, AM_TEXT_MAX);
	am_add(notes, "explain", m->explain, AM_TEXT_MAX);
	am_add(notes, "condition", m->condition_key, AM_TEXT_MAX);
	snprintf(batch, sizeof batch, "%lld", (long long)m->batch_id);
	am_add(notes, "batch", batch, sizeof batch);
	am_add(a, "startsAt", am_time(start, buf, sizeof buf), sizeof buf);
	am_add(a, "endsAt", am_time(end, buf, sizeof buf), sizeof buf);
	return a;
}

char *
sink_alertmanager_payload(const struct alert_config *c,
    const struct alert_message *m, size_t n, double now)
{
	cJSON *root;
	char *json;
	size_t i;

	if ((root = cJSON_CreateArray()) == NULL)
		abort();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(root, am_alert(c, &m[i], now));
	if ((json = cJSON_PrintUnformatted(root)) == NULL)
		abort();
	cJSON_Delete(root);
	return json;
}

/* Caller frees: the API's URL under the configured base. */
static char *
am_endpoint(const struct alert_config *c)
{
	size_t len = strlen(c->am_url);

	while (len > 0 && c->am_url[len - 1] == '/')
		len--;
	return xasprintf("%.*s/api/v2/alerts", (int)len, c->am_url);
}

static char *
am_preview(const struct alert_config *c, const struct alert_message *m)
{
	char *url, *json, *line;

	url = c->am_url != NULL ? am_endpoint(c) :
	    xstrdup("(unset)/api/v2/alerts");
	json = sink_alertmanager_payload(c, m, 1, m->created_at);
	line = xasprintf("POST %s %s", url, json);
	free(json);
	free(url);
	return line;
}

void
sink_alertmanager_post(const struct alert_config *c,
    const struct alert_message *m, size_t n, double timeout,
    struct sink_result *r)
{
	char *url, *json;

	if (c->am_url == NULL) {
		memset(r, 0, sizeof *r);
		r->retry_after = -1;
		sink_result_set(r, SINK_FAILED, c, "alertmanager: no url");
		return;
	}
	url = am_endpoint(c);
	json = sink_alertmanager_payload(c, m, n, clock_wall());
	sink_http_post(c, "alertmanager", url, json, timeout, r);
	free(json);
	free(url);
}

static void
am_send(const struct alert_config *c, const struct alert_message *m,
    double timeout, struct sink_result *r)
{
	sink_alertmanager_post(c, m, 1, timeout, r);
}

const struct alert_sink sink_alertmanager = {
	.name = "alertmanager",
	.channel = ALERT_CHANNEL_ALERTMANAGER,
	.preview = am_preview,
	.send = am_send,
};
