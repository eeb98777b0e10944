/*
 * Delivery channels as const vtables (tmux window modes): each sink
 * renders one alert for its channel, previews it for dry-run without
 * secrets, and makes one bounded delivery attempt with libcurl. Retrying,
 * backoff and the outbox belong to engine.c; a sink only says whether an
 * attempt delivered, may be retried, or failed for good.
 */
#ifndef MLMON_ALERT_SINK_H
#define MLMON_ALERT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "alert/config.h"

/* One row of the outbox, as a sink sees it. Borrowed strings. */
struct alert_message {
	int64_t			 id;		/* alerts.id */
	int64_t			 batch_id;
	enum alert_severity	 severity;
	const char		*kind;		/* firing, repeat, resolved */
	const char		*condition_key;
	const char		*text;		/* alerts.message */
	double			 created_at;	/* alerts.sent_at, unix s */
	/* What Alertmanager's labels and annotations say (engine.c). */
	const char		*rule;		/* alertname */
	const char		*model;		/* its model; NULL: unnamed */
	const char		*features;	/* "age,income", or NULL */
	const char		*title;		/* "confirmed drift" */
	const char		*explain;	/* when the rule fires */
	double			 started_at;	/* condition opened, unix s */
};

enum sink_outcome {
	SINK_DELIVERED,		/* 2xx / SMTP accepted */
	SINK_RETRY,		/* transient: refused, timeout, 5xx, 429 */
	SINK_FAILED,		/* the server refused for good (4xx, 5yz) */
};

struct sink_result {
	enum sink_outcome	 outcome;
	long			 status;	/* HTTP status, SMTP reply; 0 */
	double			 retry_after;	/* seconds asked; < 0 none */
	char			 error[256];	/* scrubbed; "" delivered */
};

struct alert_sink {
	const char		*name;
	enum alert_channel	 channel;
	/* Caller frees: one printable line, no secret. */
	char			*(*preview)(const struct alert_config *,
				    const struct alert_message *);
	/* One attempt, all of it within timeout seconds. */
	void			 (*send)(const struct alert_config *,
				    const struct alert_message *,
				    double timeout, struct sink_result *);
};

extern const struct alert_sink sink_slack;
extern const struct alert_sink sink_email;
extern const struct alert_sink sink_alertmanager;

/* Caller frees. The Slack incoming-webhook JSON for m. */
char	*sink_slack_payload(const struct alert_message *m);
/* Caller frees. The whole RFC 5322 message for m, CRLF line ends. */
char	*sink_email_render(const struct alert_config *c,
	    const struct alert_message *m);
/*
 * Caller frees. Alertmanager's POST /api/v2/alerts body for n alerts:
 * a live one (firing, repeat) ends at now + ALERT_AM_ENDS_FACTOR resend
 * intervals, a resolved one at its decision time.
 */
char	*sink_alertmanager_payload(const struct alert_config *c,
	    const struct alert_message *m, size_t n, double now);
/* One attempt to post n alerts, all of it within timeout seconds. */
void	sink_alertmanager_post(const struct alert_config *c,
	    const struct alert_message *m, size_t n, double timeout,
	    struct sink_result *r);

/* "[mlmon CRITICAL] ", "[mlmon CRITICAL, still firing] ", ... */
const char *sink_severity(const struct alert_message *m);
/*
 * Caller frees. The first line of a page: the model, then the severity,
 * then text: "fraud-v3: [mlmon CRITICAL] batch 5: ...".
 */
char	*sink_title(const struct alert_message *m, const char *text);

/*
 * sink.c, for the sinks. Options every attempt shares: timeouts within
 * timeout seconds (connect at most connect_timeout), TLS verification
 * on, no redirects, no signals, errbuf (CURL_ERROR_SIZE) for errors.
 */
void	sink_curl_setup(CURL *h, const struct alert_config *c,
	    double timeout, char *errbuf);
/*
 * One JSON POST to url named name in errors: 2xx delivers; refused,
 * timeout, 408, 429 and 5xx are retried (Retry-After in r); any other
 * status fails for good, with the start of the body in the error.
 */
void	sink_http_post(const struct alert_config *c, const char *name,
	    const char *url, const char *json, double timeout,
	    struct sink_result *r);
/* Set r; the formatted error loses every secret of c. */
void	sink_result_set(struct sink_result *r, enum sink_outcome o,
	    const struct alert_config *c, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), nonnull(4)));

#endif
