/*
 * The body of struct alert_config and the small vocabulary shared by the
 * files of src/alert: severities and delivery channels. Only src/alert and
 * tests/alert include this header; everyone else sees the opaque struct
 * of alert.h.
 *
 * Secrets (the Slack webhook URL, whose path is the credential, and the
 * SMTP password) live only here and in the curl handle of one delivery.
 * alert_config_redact_url() gives the form that may be printed.
 */
#ifndef MLMON_ALERT_CONFIG_H
#define MLMON_ALERT_CONFIG_H

#include <stdbool.h>

#include "alert/alert.h"
#include "core/severity.h"

/*
 * Ordered: a channel takes a decision when severity >= its minimum. The
 * severities of core/severity.h that an alert or a minimum can have.
 */
enum alert_severity {
	ALERT_SEVERITY_WARNING = SEVERITY_WARNING,
	ALERT_SEVERITY_CRITICAL = SEVERITY_CRITICAL,
	ALERT_SEVERITY_OFF = SEVERITY_OFF,	/* as a minimum: channel off */
};

enum alert_channel {
	ALERT_CHANNEL_SLACK,
	ALERT_CHANNEL_EMAIL,
	ALERT_CHANNEL_ALERTMANAGER,
};
#define ALERT_CHANNEL_COUNT	3

struct alert_config {
	bool	 send;			/* --send; false: dry-run */
	double	 repeat_interval;	/* seconds between repeats, 300 */
	unsigned resolve_after;		/* clear evaluations to resolve, 3 */
	enum alert_severity min_severity[ALERT_CHANNEL_COUNT];
	/* estimated_decay's severity, warning; off: the rule never fires. */
	enum alert_severity estimated_decay_severity;
	double	 connect_timeout;	/* seconds per connection, 5 */
	double	 timeout;		/* seconds per delivery round, 10 */
	unsigned retries;		/* extra tries per page per round, 2 */
	double	 backoff;		/* seconds before the first retry, 1 */
	double	 backoff_max;		/* cap of the doubling backoff, 300 */
	unsigned max_attempts;		/* then failed; 0: until delivered */

	char	*slack_url;		/* SECRET: the path is the token */
	char	*smtp_url;		/* smtp:// or smtps://host[:port] */
	char	*smtp_user;
	char	*smtp_password;		/* SECRET */
	char	*email_from;		/* one addr-spec */
	char	*email_to;		/* addr-specs, ", " separated */

	/*
	 * Alertmanager: the base URL (http:// or https://, /api/v2/alerts
	 * is appended). Its minimum severity is off until a URL is set,
	 * then warning unless set explicitly (Alertmanager routes).
	 */
	char	*am_url;
	bool	 am_severity_set;	/* min_severity given explicitly */
	double	 am_resend;		/* re-post an open condition, 60 s */
};

/* endsAt of a live alert: now + this many resend intervals. */
#define ALERT_AM_ENDS_FACTOR	4

/* "warning", "critical", "off". */
const char	*alert_severity_name(enum alert_severity s);
bool		 parse_alert_severity(const char *s, enum alert_severity *out);
/* "slack", "email", "alertmanager". */
const char	*alert_channel_name(enum alert_channel ch);
bool		 parse_alert_channel(const char *s, enum alert_channel *out);

/* True when the host is 127.0.0.1, ::1 or localhost. */
bool		 alert_config_host_is_loopback(const char *host);
/*
 * Caller frees. scheme://host[:port]/... with everything after the host
 * replaced, safe to print for a secret URL. NULL in gives "(unset)".
 */
char		*alert_config_redact_url(const char *url);
/* True when the channel has everything it needs to send. */
bool		 alert_config_channel_ready(const struct alert_config *c,
		    enum alert_channel ch);

#endif
