/*
 * Fuzz the config file parser (config_parse of ingest/config.h, which
 * hands [alert], [slack] and [email] keys to alert_config_set), then feed
 * every "key = value" line of an alert section straight to
 * alert_config_set on a fresh alert config, so lines after the first
 * error are exercised too.
 *
 * The buffer is exactly the input, no NUL after it. Invariants: a refused
 * file has a cause; an accepted one leaves every setting within the
 * bounds docs/CONFIG.md gives; a cause for a secret key never quotes its
 * value (checked for values long enough not to match message text).
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "ingest/config.h"

#include "fuzz.h"

#define FUZZ_CONFIG_MAX		(64 * 1024)	/* bytes of input looked at */
#define FUZZ_SECRET_MIN		16	/* shorter values may be in text */

static void
check_settings(const struct ingest_config *c)
{
	const struct monitor_config *m = &c->monitor;

	FUZZ_CHECK(c->db == NULL || c->db[0] != '\0');
	FUZZ_CHECK(c->flush_rows >= 1 && c->flush_rows <= 10000000);
	FUZZ_CHECK(c->flush_ms >= 0 && c->flush_ms <= 3600000);
	FUZZ_CHECK(c->busy_timeout_ms >= 0 && c->busy_timeout_ms <= 3600000);
	FUZZ_CHECK(m->ks_alpha > 0 && m->ks_alpha < 1);
	FUZZ_CHECK(m->chisq_alpha > 0 && m->chisq_alpha < 1);
	FUZZ_CHECK(m->mmd_alpha > 0 && m->mmd_alpha < 1);
	FUZZ_CHECK(m->adwin_delta > 0 && m->adwin_delta < 1);
	FUZZ_CHECK(m->psi_warning > 0 && m->psi_critical > 0 &&
	    m->psi_warning <= m->psi_critical);
	FUZZ_CHECK(isfinite(m->psi_critical));
	FUZZ_CHECK(m->confidence_drift >= 0 && m->confidence_drift <= 1);
	FUZZ_CHECK(m->decay >= 0 && m->decay <= 1);
	FUZZ_CHECK(m->mmd.permutations >= 1);
	FUZZ_CHECK(m->mmd.max_ref >= 2);
	FUZZ_CHECK(c->alert != NULL);
}

static bool
is_alert_section(const char *s)
{
	return strcmp(s, "alert") == 0 || strcmp(s, "slack") == 0 ||
	    strcmp(s, "email") == 0;
}

/* Copy s[0..n) trimmed of spaces and tabs (and a final CR) to a string. */
static char *
trimmed(const char *s, size_t n)
{
	char *out;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	if ((out = malloc(n + 1)) == NULL)
		abort();
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* Every key = value line of an alert section, straight to alert config. */
static void
feed_alert_lines(const char *buf, size_t len)
{
	struct alert_config *ac = alert_config_create();
	char section[80] = "", *line, *key, *value, *cause, *eq;
	size_t pos = 0, n, vn;
	const char *eol;

	while (pos < len) {
		eol = memchr(buf + pos, '\n', len - pos);
		n = eol != NULL ? (size_t)(eol - (buf + pos)) : len - pos;
		line = trimmed(buf + pos, n);
		pos += n + 1;
		n = strlen(line);
		if (n >= 2 && line[0] == '[' && line[n - 1] == ']' &&
		    n - 2 < sizeof section) {
			memcpy(section, line + 1, n - 2);
			section[n - 2] = '\0';
		} else if (is_alert_section(section) &&
		    (eq = strchr(line, '=')) != NULL) {
			key = trimmed(line, (size_t)(eq - line));
			value = trimmed(eq + 1, strlen(eq + 1));
			vn = strlen(value);
			if (vn >= 2 && value[0] == '"' &&
			    value[vn - 1] == '"') {
				memmove(value, value + 1, vn - 2);
				value[vn - 2] = '\0';
			}
			cause = NULL;
			if (alert_config_set(ac, section, key, value,
			    &cause) != 0) {
				FUZZ_CHECK(cause != NULL);
				if (alert_config_is_secret(section, key) &&
				    strlen(value) >= FUZZ_SECRET_MIN &&
				    strstr(cause, value) != NULL) {
					fprintf(stderr, "secret value of [%s] "
					    "%s quoted in: %s\n", section, key,
					    cause);
					abort();
				}
				free(cause);
			}
			free(value);
			free(key);
		}
		free(line);
	}
	alert_config_destroy(ac);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_config c;
	char *buf, *cause = NULL;

	if (size > FUZZ_CONFIG_MAX)
		return 0;
	/* Exactly size bytes, no NUL after them. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(buf, data, size);

	config_init(&c, true);
	if (config_parse(&c, "fuzz.conf", buf, size, &cause) == 0)
		check_settings(&c);
	else {
		FUZZ_CHECK(cause != NULL);
		FUZZ_CHECK(strncmp(cause, "fuzz.conf", 9) == 0);
		free(cause);
	}
	config_finish(&c);

	/* Parse-only mode too: alert keys are then only syntax-checked. */
	config_init(&c, false);
	cause = NULL;
	if (config_parse(&c, "fuzz.conf", buf, size, &cause) != 0)
		free(cause);
	config_finish(&c);

	feed_alert_lines(buf, size);
	free(buf);
	return 0;
}
