/*
 * Slack incoming webhook: POST {"text": "..."} as JSON to the webhook URL
 * (https://, or http:// to loopback for test receivers). The text is
 * escaped for Slack's mrkdwn (&, <, > as entities, so a feature name can
 * neither mention @channel nor forge a link) and then for JSON by cJSON.
 * 2xx delivers; 408, 429 and 5xx are retried (Retry-After honoured by the
 * engine); any other status fails for good.
 */
#include "alert/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

/* Caller frees: s with &, <, > as Slack entities. */
static char *
slack_escape(const char *s)
{
	size_t n = 0, o = 0;
	const char *p;
	char *out;

	for (p = s; *p != '\0'; p++)
		n += (*p == '&') ? 5 : (*p == '<' || *p == '>') ? 4 : 1;
	out = xmalloc(n + 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '&') {
			memcpy(out + o, "&amp;", 5);
			o += 5;
		} else if (*p == '<') {
			memcpy(out + o, "&lt;", 4);
			o += 4;
		} else if (*p == '>') {
			memcpy(out + o, "&gt;", 4);
			o += 4;
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

char *
sink_slack_payload(const struct alert_message *m)
{
	char *clean, *text, *esc, *json;
	cJSON *root;

	clean = sanitize_dup(m->text, 3000);
	text = sink_title(m, clean);
	esc = slack_escape(text);
	root = cJSON_CreateObject();
	if (root == NULL || cJSON_AddStringToObject(root, "text", esc) == NULL)
		abort();	/* cJSON only fails on allocation */
	json = cJSON_PrintUnformatted(root);
	if (json == NULL)
		abort();
	cJSON_Delete(root);
	free(esc);
	free(text);
	free(clean);
	/* Ours, not cJSON's allocator (they are the same malloc here). */
	return json;
}

static char *
slack_preview(const struct alert_config *c, const struct alert_message *m)
{
	char *url, *json, *line;

	url = alert_config_redact_url(c->slack_url);
	json = sink_slack_payload(m);
	line = xasprintf("POST %s %s", url, json);
	free(json);
	free(url);
	return line;
}

static void
slack_send(const struct alert_config *c, const struct alert_message *m,
    double timeout, struct sink_result *r)
{
	char *json;

	if (c->slack_url == NULL) {
		memset(r, 0, sizeof *r);
		r->retry_after = -1;
		sink_result_set(r, SINK_FAILED, c, "slack: no webhook_url");
		return;
	}
	json = sink_slack_payload(m);
	sink_http_post(c, "slack", c->slack_url, json, timeout, r);
	free(json);
}

const struct alert_sink sink_slack = {
	.name = "slack",
	.channel = ALERT_CHANNEL_SLACK,
	.preview = slack_preview,
	.send = slack_send,
};
