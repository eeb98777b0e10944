/*
 * The replay (backtest.h): stored reports in, judged again, rules
 * evaluated, conditions tracked in memory; nothing is written.
 */
#include "backtest/backtest.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "alert/alert.h"
#include "alert/config.h"
#include "alert/rules.h"
#include "core/monitor-judge.h"
#include "core/xalloc.h"
#include "db/alert-store.h"
#include "db/report-json.h"
#include "db/store.h"

/* An open condition of the replay. */
struct bt_cond {
	char			*key;
	const struct rule	*rule;
	unsigned		 clear;		/* clear evaluations in a row */
	double			 notified;	/* when it last notified */
};

struct bt_state {
	struct bt_cond		*open;
	size_t			 n_open, cap;
	double			 closed_at, labelled_at;	/* the batch's */
	const struct alert_config *alert;	/* rule severities */
	struct backtest_result	*out;
};

/* The rules a replay can judge: every one decided on a batch's reports. */
static void
bt_rules_init(struct backtest_result *out)
{
	const struct rule *r;
	size_t i;

	memset(out, 0, sizeof *out);
	for (i = 0; (r = rules_nth(i)) != NULL; i++) {
		if (r->family == RULE_FAMILY_STREAM ||
		    out->n_rules == BACKTEST_RULES_MAX)
			continue;
		out->rules[out->n_rules].name = r->name;
		out->rules[out->n_rules].severity =
		    alert_severity_name(r->severity);
		out->n_rules++;
	}
}

static struct backtest_rule *
bt_rule(struct backtest_result *out, const struct rule *r)
{
	size_t i;

	for (i = 0; i < out->n_rules; i++)
		if (strcmp(out->rules[i].name, r->name) == 0)
			return &out->rules[i];
	return NULL;
}

/* The clock of a finding: labels landed for their rules, else closed. */
static double
bt_now(const struct bt_state *st, const struct rule *r)
{
	if ((r->family == RULE_FAMILY_PERFORMANCE ||
	    r->family == RULE_FAMILY_DETECTOR) && !isnan(st->labelled_at))
		return st->labelled_at;
	return isnan(st->closed_at) ? 0.0 : st->closed_at;
}

/* A finding on an open condition: a repeat, or suppressed (engine.c). */
static void
bt_refire(struct bt_state *st, struct bt_cond *cond,
    struct backtest_rule *br, double now)
{
	cond->clear = 0;
	if (now - cond->notified >= st->alert->repeat_interval) {
		cond->notified = now;
		br->repeats++;
	} else
		br->suppressed++;
}

/* One batch's findings against the open conditions (the engine's way). */
static void
bt_conditions(struct bt_state *st, const struct rule_result *res)
{
	struct backtest_rule *br;
	size_t i, j;
	bool fired, open;

	for (i = 0; i < res->n; i++) {
		const struct rule_finding *f = &res->findings[i];

		if ((br = bt_rule(st->out, f->rule)) == NULL)
			continue;
		br->fired++;
		for (j = 0, open = false; j < st->n_open && !open; j++)
			if (strcmp(st->open[j].key, f->key) == 0) {
				open = true;
				bt_refire(st, &st->open[j], br,
				    bt_now(st, f->rule));
			}
		if (open)
			continue;
		if (st->n_open == st->cap) {
			st->cap = st->cap ? 2 * st->cap : 16;
			st->open = xreallocarray(st->open, st->cap,
			    sizeof *st->open);
		}
		st->open[st->n_open].key = xstrdup(f->key);
		st->open[st->n_open].rule = f->rule;
		st->open[st->n_open].clear = 0;
		st->open[st->n_open].notified = bt_now(st, f->rule);
		st->n_open++;
		br->opened++;
	}
	for (j = 0; j < st->n_open; ) {
		fired = false;
		for (i = 0; i < res->n && !fired; i++)
			fired = strcmp(res->findings[i].key,
			    st->open[j].key) == 0;
		if (fired ||
		    !(res->families & (1u << st->open[j].rule->family)) ||
		    ++st->open[j].clear < st->alert->resolve_after) {
			j++;
			continue;
		}
		free(st->open[j].key);	/* resolved */
		st->open[j] = st->open[--st->n_open];
	}
}

/*
 * Batch `id`'s stored report of `type` decoded into the struct at out by
 * decode; 1 when there is none.
 */
static int
bt_report(struct store *s, int64_t id, const char *type,
    const struct store_schema *sc, void *out, char **cause)
{
	char *payload = NULL, *why = NULL;
	int rc;

	rc = store_report_get(s, id, type, &payload, &why);
	if (rc != 0) {
		if (rc < 0)
			*cause = xasprintf("batch %lld: %s report: %s",
			    (long long)id, type, why);
		free(why);
		return rc;
	}
	if (strcmp(type, REPORT_TYPE_FEATURE) == 0)
		rc = report_json_decode_feature(payload, strlen(payload), sc,
		    out, &why);
	else if (strcmp(type, REPORT_TYPE_PREDICTION) == 0)
		rc = report_json_decode_prediction(payload, strlen(payload),
		    sc, out, &why);
	else if (strcmp(type, REPORT_TYPE_PERFORMANCE) == 0)
		rc = report_json_decode_performance(payload, strlen(payload),
		    sc, out, &why);
	else
		rc = report_json_decode_detectors(payload, strlen(payload),
		    out, &why);
	free(payload);
	if (rc != 0) {
		*cause = xasprintf("batch %lld: %s report: %s", (long long)id,
		    type, why);
		free(why);
		return -1;
	}
	return 0;
}

/* Replay one judged batch. */
static int
bt_batch(struct store *s, struct bt_state *st, int64_t id,
    const struct store_schema *sc, const struct monitor_reference *ref,
    const struct monitor_config *c, char **cause)
{
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct detector_report dr;
	struct estimate_report est;
	struct alert_batch ab;
	struct rule_result res;
	int64_t rows, labelled;
	int has_pr, has_perf = 1, has_dr = 1, has_est = 1, rc = -1;
	char *why = NULL;

	if (bt_report(s, id, REPORT_TYPE_FEATURE, sc, &fr, cause) != 0)
		return -1;
	if ((has_pr = bt_report(s, id, REPORT_TYPE_PREDICTION, sc, &pr,
	    cause)) < 0 || (has_perf = bt_report(s, id,
	    REPORT_TYPE_PERFORMANCE, sc, &perf, cause)) < 0 ||
	    (has_dr = bt_report(s, id, REPORT_TYPE_DETECTORS, sc, &dr,
	    cause)) < 0 ||
	    store_batch_counts(s, id, &rows, &labelled, cause) != 0 ||
	    store_batch_times(s, id, &st->closed_at, &st->labelled_at,
	    cause) != 0)
		goto out;
	/* The estimate's stored verdict stands (no policy judges it). */
	if ((has_est = store_report_get_estimate(s, id, &est, &why)) < 0) {
		*cause = xasprintf("batch %lld: estimate report: %s",
		    (long long)id, why);
		free(why);
		goto out;
	}
	monitor_rejudge(ref, c, (size_t)rows, &fr, has_pr == 0 ? &pr : NULL,
	    has_perf == 0 ? &perf : NULL, has_dr == 0 ? &dr : NULL);
	memset(&ab, 0, sizeof ab);
	ab.batch_id = id;
	ab.schema = sc;
	ab.feature = &fr;
	ab.prediction = has_pr == 0 ? &pr : NULL;
	ab.estimate = has_est == 0 ? &est : NULL;
	ab.performance = has_perf == 0 ? &perf : NULL;
	ab.detectors = has_dr == 0 ? &dr : NULL;
	rules_evaluate(&ab, st->alert, &res);
	bt_conditions(st, &res);
	rule_result_finish(&res);
	st->out->labelled += has_perf == 0;
	rc = 0;
out:
	feature_report_finish(&fr);
	if (has_pr == 0)
		prediction_report_finish(&pr);
	if (has_perf == 0)
		performance_report_finish(&perf);
	return rc;
}

/* The stored reference, and its stored PSI nulls when there are. */
static int
bt_reference(struct store *s, struct monitor_reference *ref, char **cause)
{
	struct store_reference sr;
	char *text = NULL, *why = NULL;
	int rc;

	rc = store_reference_get(s, &sr, &why);
	if (rc != 0) {
		*cause = rc < 0 ? xasprintf("the reference: %s", why) :
		    xstrdup("the store has no reference: nothing was judged");
		free(why);
		return -1;
	}
	monitor_reference_init(ref, sr.features, sr.n_rows, sr.n_features,
	    sr.n_classes, sr.predicted, sr.confidence, sr.true_class);
	store_reference_finish(&sr);
	rc = store_fitted_get(s, STORE_FIT_PSI_NULLS, &text, &why);
	if (rc == 0 && !monitor_judge_nulls_parse(ref, text, &why))
		rc = -1;
	free(text);
	text = NULL;
	if (rc >= 0 && (rc = store_fitted_get(s,
	    STORE_FIT_JOINT_NULLS, &text, &why)) == 0 &&
	    !monitor_judge_joint_parse(ref, text, &why))
		rc = -1;
	free(text);
	if (rc < 0) {
		*cause = xasprintf("the stored PSI or joint nulls: %s", why);
		free(why);
		monitor_reference_finish(ref);
		return -1;
	}
	return 0;
}

/* The store's recorded openings per rule. */
static int
bt_recorded(struct store *s, struct backtest_result *out, char **cause)
{
	size_t i;

	for (i = 0; i < out->n_rules; i++)
		if (alert_store_openings(s, out->rules[i].name,
		    &out->rules[i].recorded, cause) != 0 ||
		    alert_store_repeats(s, out->rules[i].name,
		    &out->rules[i].repeats_recorded,
		    &out->rules[i].suppressed_recorded, cause) != 0)
			return -1;
	return 0;
}

int
backtest_run(struct store *s, const struct monitor_config *c,
    const struct alert_config *ac, struct backtest_result *out,
    char **cause)
{
	struct monitor_reference ref;
	struct store_schema sc;
	struct bt_state st;
	int64_t *ids = NULL;
	size_t n = 0, i;
	char *why = NULL;
	int rc;

	bt_rules_init(out);
	rc = store_schema_get(s, &sc, &why);
	if (rc != 0) {
		*cause = rc < 0 ? xasprintf("the schema: %s", why) :
		    xstrdup("the store has no schema: nothing was judged");
		free(why);
		return -1;
	}
	if (bt_reference(s, &ref, cause) != 0) {
		store_schema_finish(&sc);
		return -1;
	}
	memset(&st, 0, sizeof st);
	st.alert = ac;
	st.out = out;
	rc = store_judged_batches(s, &ids, &n, cause);
	for (i = 0; rc == 0 && i < n; i++)
		rc = bt_batch(s, &st, ids[i], &sc, &ref, c, cause);
	if (rc == 0)
		rc = bt_recorded(s, out, cause);
	out->batches = (int64_t)n;
	out->first = n > 0 ? ids[0] : 0;
	out->last = n > 0 ? ids[n - 1] : 0;
	for (i = 0; i < st.n_open; i++)
		free(st.open[i].key);
	free(st.open);
	free(ids);
	monitor_reference_finish(&ref);
	store_schema_finish(&sc);
	return rc;
}
