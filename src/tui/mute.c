/*
 * Acks and silences from the Alerts tab, on the selected alert's
 * condition:
 *
 *   a   acknowledge it: no more repeats until it resolves
 *   S   silence it for a duration typed in (default 1h); Tab makes the
 *       target its rule or its model instead of the condition
 *   u   remove the acks and silences that cover it
 *
 * The console stays a read-only reader: each request is one write
 * transaction through src/db (alert_mute_add, alert_mute_undo), which
 * opens the store read-write for that moment only, as $USER. Whether a
 * page is then silenced is ingest's decision (the gate, src/alert), not
 * the console's. --read-only, and a store the console may not write,
 * refuse with a message in the status line.
 */
#include "tui/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/window.h"
#include "db/alert-mute.h"

/* What S proposes. */
#define MUTE_DEFAULT_DURATION	"1h"

const struct query_alert *
mute_selected(const struct app *a)
{
	int64_t i = a->alerts_sel - a->alerts_top;

	if (i < 0 || i >= (int64_t)a->alerts.n)
		return NULL;
	return &a->alerts.rows[i];
}

/* Who asks: $USER, else $LOGNAME, else "unknown". */
static const char *
mute_user(void)
{
	const char *u = getenv("USER");

	if (u == NULL || *u == '\0')
		u = getenv("LOGNAME");
	return u != NULL && *u != '\0' ? u : "unknown";
}

/*
 * The selected alert's condition key, or NULL with the reason in the
 * status line (no alert, no condition, a read-only console).
 */
/* The selected alert's model (every model's feed), else the one shown. */
static const char *
mute_model(const struct app *a)
{
	const struct query_alert *al = mute_selected(a);

	return al != NULL && al->model[0] != '\0' ? al->model :
	    query_model(a->q);
}

static const char *
mute_target(struct app *a, const char *what)
{
	const struct query_alert *al = mute_selected(a);
	char msg[160];

	if (a->opt.read_only) {
		snprintf(msg, sizeof msg, "read-only console (--read-only): "
		    "cannot %s", what);
		app_set_status(a, true, msg);
		return NULL;
	}
	if (al == NULL || al->condition_key[0] == '\0') {
		snprintf(msg, sizeof msg, "cannot %s: %s", what, al == NULL ?
		    "no alert selected" : "this alert has no condition");
		app_set_status(a, true, msg);
		return NULL;
	}
	return al->condition_key;
}

/* The outcome of a request in the status line; frees cause. */
static int
mute_done(struct app *a, int rc, char *cause, const char *ok)
{
	char msg[256];

	if (rc == -1) {
		snprintf(msg, sizeof msg, "%s", cause != NULL ? cause :
		    "failed");
		app_set_status(a, true, msg);
	} else
		app_set_status(a, false, ok);
	free(cause);
	return VIEW_RESCAN;
}

int
mute_ack(struct app *a)
{
	const char *key = mute_target(a, "acknowledge");
	struct alert_mute m;
	char *cause = NULL, ok[320];
	int rc;

	if (key == NULL)
		return VIEW_REDRAW;
	memset(&m, 0, sizeof m);
	m.kind = ALERT_MUTE_ACK;
	m.scope = ALERT_MUTE_CONDITION;
	snprintf(m.model, sizeof m.model, "%s", mute_model(a));
	snprintf(m.target, sizeof m.target, "%s", key);
	snprintf(m.by, sizeof m.by, "%s", mute_user());
	m.at = a->now;
	rc = alert_mute_add(a->opt.db, &m, &cause);
	snprintf(ok, sizeof ok, "acknowledged %.160s as %s: no repeats "
	    "until it resolves", key, m.by);
	return mute_done(a, rc, cause, ok);
}

int
mute_silence_prompt(struct app *a)
{
	if (mute_target(a, "silence") == NULL)
		return VIEW_REDRAW;
	a->prompt = PROMPT_SILENCE;
	a->mute_scope = ALERT_MUTE_CONDITION;
	snprintf(a->input, sizeof a->input, "%s", MUTE_DEFAULT_DURATION);
	return VIEW_REDRAW;
}

/* The rule of a condition key (its part before ':') into buf. */
static const char *
mute_rule(const char *key, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)strcspn(key, ":"), key);
	return buf;
}

/* Enter on the S prompt: silence the chosen target for the duration. */
static int
mute_silence_commit(struct app *a)
{
	const char *key = mute_target(a, "silence");
	struct alert_mute m;
	char *cause = NULL, ok[320];
	int64_t us;
	int rc;

	if (key == NULL)
		return VIEW_REDRAW;
	if (!window_duration_parse(a->input, false, &us, &cause)) {
		snprintf(ok, sizeof ok, "silence: %s", cause);
		free(cause);
		app_set_status(a, true, ok);
		return VIEW_REDRAW;
	}
	memset(&m, 0, sizeof m);
	m.kind = ALERT_MUTE_SILENCE;
	m.scope = (enum alert_mute_scope)a->mute_scope;
	snprintf(m.model, sizeof m.model, "%s", mute_model(a));
	if (m.scope == ALERT_MUTE_RULE)
		mute_rule(key, m.target, sizeof m.target);
	else if (m.scope == ALERT_MUTE_MODEL)
		snprintf(m.target, sizeof m.target, "%s", mute_model(a));
	else
		snprintf(m.target, sizeof m.target, "%s", key);
	snprintf(m.by, sizeof m.by, "%s", mute_user());
	m.at = a->now;
	m.until = a->now + (double)us / 1e6;
	rc = alert_mute_add(a->opt.db, &m, &cause);
	snprintf(ok, sizeof ok, "silenced %s %.160s for %s as %s",
	    alert_mute_scope_name(m.scope), m.target, a->input, m.by);
	return mute_done(a, rc, cause, ok);
}

int
mute_silence_key(struct app *a, int ch)
{
	size_t n = strlen(a->input);

	if (ch == 27) {
		a->prompt = PROMPT_NONE;
		return VIEW_REDRAW;
	}
	if (ch == '\n' || ch == '\r') {
		a->prompt = PROMPT_NONE;
		return mute_silence_commit(a);
	}
	if (ch == '\t')
		a->mute_scope = (a->mute_scope + 1) % (ALERT_MUTE_MODEL + 1);
	else if ((ch == 8 || ch == 127) && n > 0)
		a->input[n - 1] = '\0';
	else if (ch >= 0x21 && ch < 0x7F && n + 1 < sizeof a->input) {
		a->input[n] = (char)ch;
		a->input[n + 1] = '\0';
	}
	return VIEW_REDRAW;
}

int
mute_undo(struct app *a)
{
	const char *key = mute_target(a, "undo");
	char *cause = NULL, ok[256], rule[128];
	int rc, removed = 0;

	if (key == NULL)
		return VIEW_REDRAW;
	rc = alert_mute_undo(a->opt.db, mute_model(a), key,
	    mute_rule(key, rule, sizeof rule), mute_user(), a->now, &removed,
	    &cause);
	if (rc == 0 && removed == 0)
		snprintf(ok, sizeof ok, "nothing acknowledged or silenced on "
		    "%.160s", key);
	else
		snprintf(ok, sizeof ok, "removed %d ack%s or silence%s on "
		    "%.160s", removed, removed == 1 ? "" : "s",
		    removed == 1 ? "" : "s", key);
	return mute_done(a, rc, cause, ok);
}
