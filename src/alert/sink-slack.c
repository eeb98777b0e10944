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
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/sanitize.h"
#include "core/xalloc.h"

/*
 * Start of the response body read for last_error, bytes. The error is
 * scrubbed of every secret first and cut to its field after, so a body
 * echoing the token never leaves part of it behind.
 */
#define SLACK_BODY_MAX	16384

struct slack_body {
	char	buf[SLACK_BODY_MAX + 1];
	size_t	len;
	double	retry_after;	/* delay-seconds of Retry-After; < 0 none */
};

/*
 * Retry-After as delay-seconds, read here because libcurl reports 0 for a
 * value it cannot hold (10^20): a huge ask must be capped, not dropped.
 * An HTTP-date is left to CURLINFO_RETRY_AFTER.
 */
static size_t
slack_header(char *data, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct slack_body *b = arg;
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
slack_write(char *data, size_t size, size_t n, void *arg)
{
	struct slack_body *b = arg;
	size_t len = size * n, take;

	take = SLACK_BODY_MAX - b->len;
	if (take > len)
		take = len;
	memcpy(b->buf + b->len, data, take);
	b->len += take;
	b->buf[b->len] = '\0';
	return len;
}

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
	text = xasprintf("%s%s", sink_prefix(m), clean);
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
	char errbuf[CURL_ERROR_SIZE], *json;
	struct curl_slist *hdr = NULL;
	struct slack_body body = { .len = 0, .retry_after = -1 };
	curl_off_t after = -1;
	CURLcode rc;
	CURL *h;
	long code = 0;

	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if (c->slack_url == NULL) {
		sink_result_set(r, SINK_FAILED, c, "slack: no webhook_url");
		return;
	}
	if ((h = curl_easy_init()) == NULL) {
		sink_result_set(r, SINK_RETRY, c, "slack: curl_easy_init "
		    "failed");
		return;
	}
	json = sink_slack_payload(m);
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	sink_curl_setup(h, c, timeout, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, c->slack_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, slack_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, slack_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &body);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		sink_result_set(r, SINK_RETRY, c, "slack: %s",
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
		sink_result_set(r, SINK_RETRY, c, "slack: HTTP %ld: %s", code,
		    body.buf);
	} else
		sink_result_set(r, SINK_FAILED, c, "slack: HTTP %ld: %s", code,
		    body.buf);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	free(json);
}

const struct alert_sink sink_slack = {
	.name = "slack",
	.channel = ALERT_CHANNEL_SLACK,
	.preview = slack_preview,
	.send = slack_send,
};
