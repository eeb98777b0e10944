/*
 * Email over SMTP with libcurl. smtp:// insists on STARTTLS
 * (CURLUSESSL_ALL) unless the host is loopback, where a local test
 * receiver without TLS is accepted (CURLUSESSL_TRY); smtps:// is TLS from
 * the first byte. The user and password go to curl only, never into the
 * URL or a message.
 *
 * The message is rendered whole before the attempt: Date (RFC 5322, of
 * the decision, so retries are identical), From, To, Subject (RFC 2047
 * encoded when not ASCII), Message-ID (stable per alert row, so a
 * receiver can drop an at-least-once duplicate), MIME-Version and a UTF-8
 * text/plain 8bit body wrapped at 76 columns with CRLF line ends. Every
 * header value is built from cleaned text (no CR, LF or other control
 * character survives), so nothing from a message can add a header. Lines
 * of the body that start with '.' are dot-stuffed by libcurl.
 */
#include "alert/sink.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sanitize.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

/* Subject text after the prefix, bytes. */
#define EMAIL_SUBJECT_MAX	160
/* Body wrap column. */
#define EMAIL_WRAP		76

struct email_upload {
	const char	*data;
	size_t		 len;
	size_t		 off;
};

/* RFC 5322 date in UTC, independent of the locale. */
static void
email_date(double t, char *buf, size_t size)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The From domain, letters, digits, '.' and '-' only. */
static void
email_domain(const char *from, char *buf, size_t size)
{
	const char *at = from != NULL ? strrchr(from, '@') : NULL;
	size_t o = 0;

	if (at != NULL) {
		for (at++; *at != '\0' && o + 1 < size; at++) {
			if ((*at >= 'a' && *at <= 'z') ||
			    (*at >= 'A' && *at <= 'Z') ||
			    (*at >= '0' && *at <= '9') || *at == '.' ||
			    *at == '-')
				buf[o++] = *at;
		}
	}
	buf[o] = '\0';
	if (o == 0)
		snprintf(buf, size, "mlmon.invalid");
}

static void
email_base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		strbuf_addf(b, "%c%c%c%c", tab[v >> 18], tab[(v >> 12) & 63],
		    tab[(v >> 6) & 63], tab[v & 63]);
	}
	if (n - i == 1) {
		v = (unsigned)p[i] << 16;
		strbuf_addf(b, "%c%c==", tab[v >> 18], tab[(v >> 12) & 63]);
	} else if (n - i == 2) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		strbuf_addf(b, "%c%c%c=", tab[v >> 18], tab[(v >> 12) & 63],
		    tab[(v >> 6) & 63]);
	}
}

/* Subject: as is when ASCII, else RFC 2047 B words of <= 39 bytes. */
static void
email_subject(struct strbuf *b, const char *s)
{
	const unsigned char *p;
	size_t left, take;
	bool ascii = true;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x80)
			ascii = false;
	}
	if (ascii) {
		strbuf_addf(b, "Subject: %s\r\n", s);
		return;
	}
	strbuf_addf(b, "Subject:");
	left = strlen(s);
	while (left > 0) {
		take = sanitize_cut(s, 39);
		if (take == 0)
			take = left < 39 ? left : 39;
		strbuf_addf(b, " =?UTF-8?B?");
		email_base64(b, (const unsigned char *)s, take);
		strbuf_addf(b, "?=%s", left > take ? "\r\n" : "");
		s += take;
		left -= take;
	}
	strbuf_addf(b, "\r\n");
}

/* One paragraph (already clean), wrapped at spaces, CRLF ended. */
static void
email_wrap(struct strbuf *b, const char *s)
{
	size_t len, cut;

	while (strlen(s) > EMAIL_WRAP) {
		len = strlen(s);
		for (cut = EMAIL_WRAP; cut > 0 && s[cut] != ' '; cut--)
			;
		if (cut == 0) {
			/* A long word: up to its end, at most 900 bytes. */
			for (cut = EMAIL_WRAP; cut < len && s[cut] != ' ' &&
			    cut < 900; cut++)
				;
			cut = sanitize_cut(s, cut);
		}
		strbuf_addf(b, "%.*s\r\n", (int)cut, s);
		s += cut;
		while (*s == ' ')
			s++;
	}
	strbuf_addf(b, "%s\r\n", s);
}

char *
sink_email_render(const struct alert_config *c,
    const struct alert_message *m)
{
	struct strbuf b = STRBUF_INIT;
	char date[64], domain[256], *subject, *text, *line, *para, *key;
	const char *p, *nl;

	email_date(m->created_at, date, sizeof date);
	email_domain(c->email_from, domain, sizeof domain);
	strbuf_addf(&b, "Date: %s\r\n", date);
	strbuf_addf(&b, "From: %s\r\n", c->email_from != NULL ? c->email_from :
	    "mlmon@mlmon.invalid");
	strbuf_addf(&b, "To: %s\r\n", c->email_to != NULL ? c->email_to :
	    "undisclosed-recipients:;");
	text = sanitize_dup(m->text, EMAIL_SUBJECT_MAX);
	subject = sink_title(m, text);
	email_subject(&b, subject);
	free(subject);
	free(text);
	strbuf_addf(&b, "Message-ID: <mlmon.%lld.%lld@%s>\r\n",
	    (long long)m->id, (long long)m->created_at, domain);
	strbuf_addf(&b, "MIME-Version: 1.0\r\n");
	strbuf_addf(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	strbuf_addf(&b, "Content-Transfer-Encoding: 8bit\r\n");
	strbuf_addf(&b, "\r\n");

	/* Body: the message, one paragraph per line of it. */
	for (p = m->text; ; p = nl + 1) {
		nl = strchr(p, '\n');
		line = nl != NULL ? xstrndup(p, (size_t)(nl - p)) :
		    xstrdup(p);
		para = sanitize_dup(line, 8192);
		email_wrap(&b, para);
		free(para);
		free(line);
		if (nl == NULL)
			break;
	}
	key = xasprintf("Condition: %s", m->condition_key != NULL ?
	    m->condition_key : "-");
	para = sanitize_dup(key, 900);
	free(key);
	key = para;
	strbuf_addf(&b, "\r\n");
	strbuf_addf(&b, "Severity: %s\r\n", alert_severity_name(m->severity));
	strbuf_addf(&b, "Notification: %s\r\n", m->kind);
	email_wrap(&b, key);
	strbuf_addf(&b, "Batch: %lld\r\n", (long long)m->batch_id);
	strbuf_addf(&b, "Alert: %lld\r\n", (long long)m->id);
	strbuf_addf(&b, "\r\n-- \r\nmlmon\r\n");
	free(key);
	return strbuf_take(&b);
}

static size_t
email_read(char *buf, size_t size, size_t n, void *arg)
{
	struct email_upload *u = arg;
	size_t take = size * n;

	if (take > u->len - u->off)
		take = u->len - u->off;
	memcpy(buf, u->data + u->off, take);
	u->off += take;
	return take;
}

static char *
email_preview(const struct alert_config *c, const struct alert_message *m)
{
	char *text, *subject, *line;

	text = sanitize_dup(m->text, EMAIL_SUBJECT_MAX);
	subject = sink_title(m, text);
	line = xasprintf("SMTP %s from %s to %s: Subject: %s",
	    c->smtp_url != NULL ? c->smtp_url : "(unset)",
	    c->email_from != NULL ? c->email_from : "(unset)",
	    c->email_to != NULL ? c->email_to : "(unset)", subject);
	free(subject);
	free(text);
	return line;
}

/* True when url's host is loopback (for CURLUSESSL_TRY). */
static bool
email_loopback(const char *url)
{
	CURLU *h;
	char *host = NULL;
	bool yes = false;

	h = curl_url();
	if (h != NULL && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		yes = alert_config_host_is_loopback(host);
	curl_free(host);
	curl_url_cleanup(h);
	return yes;
}

static void
email_send(const struct alert_config *c, const struct alert_message *m,
    double timeout, struct sink_result *r)
{
	char errbuf[CURL_ERROR_SIZE], *msg, *rcpt, *from, *list, *tok, *save;
	struct curl_slist *to = NULL;
	struct email_upload up;
	CURLcode rc;
	CURL *h;
	long code = 0;

	memset(r, 0, sizeof *r);
	r->retry_after = -1;
	if (!alert_config_channel_ready(c, ALERT_CHANNEL_EMAIL)) {
		sink_result_set(r, SINK_FAILED, c, "email: smtp_url, from or "
		    "to missing");
		return;
	}
	if ((h = curl_easy_init()) == NULL) {
		sink_result_set(r, SINK_RETRY, c, "email: curl_easy_init "
		    "failed");
		return;
	}
	msg = sink_email_render(c, m);
	up.data = msg;
	up.len = strlen(msg);
	up.off = 0;
	list = xstrdup(c->email_to);
	for (tok = strtok_r(list, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		rcpt = xasprintf("<%s>", tok);
		to = curl_slist_append(to, rcpt);
		free(rcpt);
	}
	free(list);
	from = xasprintf("<%s>", c->email_from);

	sink_curl_setup(h, c, timeout, errbuf);
	curl_easy_setopt(h, CURLOPT_URL, c->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	if (strncmp(c->smtp_url, "smtp://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_USE_SSL,
		    email_loopback(c->smtp_url) ? (long)CURLUSESSL_TRY :
		    (long)CURLUSESSL_ALL);
	if (c->smtp_user != NULL) {
		curl_easy_setopt(h, CURLOPT_USERNAME, c->smtp_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->smtp_password != NULL ?
		    c->smtp_password : "");
	}
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, email_read);
	curl_easy_setopt(h, CURLOPT_READDATA, &up);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);

	rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	r->status = code;
	if (rc == CURLE_OK)
		r->outcome = SINK_DELIVERED;
	else if ((code >= 500 && code < 600) || rc == CURLE_LOGIN_DENIED ||
	    rc == CURLE_USE_SSL_FAILED)
		sink_result_set(r, SINK_FAILED, c, "email: %s (SMTP %ld)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), code);
	else
		sink_result_set(r, SINK_RETRY, c, "email: %s (SMTP %ld)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), code);
	curl_slist_free_all(to);
	curl_easy_cleanup(h);
	free(from);
	free(msg);
}

const struct alert_sink sink_email = {
	.name = "email",
	.channel = ALERT_CHANNEL_EMAIL,
	.preview = email_preview,
	.send = email_send,
};
