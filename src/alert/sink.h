/*
 * Delivery channels as const vtables (tmux window modes): each sink
 * renders one alert for its channel, previews it for dry-run without
 * secrets, and makes one bounded delivery attempt with libcurl. Retrying,
 * backoff and the outbox belong to engine.c; a sink only says whether an
 * attempt delivered, may be retried, or failed for good.
 */
#ifndef MLMON_ALERT_SINK_H
#define MLMON_ALERT_SINK_H

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

const struct alert_sink *alert_sink_get(enum alert_channel ch);

/* Caller frees. The Slack incoming-webhook JSON for m. */
char	*sink_slack_payload(const struct alert_message *m);
/* Caller frees. The whole RFC 5322 message for m, CRLF line ends. */
char	*sink_email_render(const struct alert_config *c,
	    const struct alert_message *m);
/* "[mlmon CRITICAL] ", "[mlmon CRITICAL, still firing] ", ... */
const char *sink_prefix(const struct alert_message *m);

/*
 * sink.c, for the sinks. Options every attempt shares: timeouts within
 * timeout seconds (connect at most connect_timeout), TLS verification
 * on, no redirects, no signals, errbuf (CURL_ERROR_SIZE) for errors.
 */
void	sink_curl_setup(CURL *h, const struct alert_config *c,
	    double timeout, char *errbuf);
/* Set r; the formatted error loses every secret of c. */
void	sink_result_set(struct sink_result *r, enum sink_outcome o,
	    const struct alert_config *c, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5), nonnull(4)));

#endif
