/* See fixture.h. */
#include "fixture.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "db/alert-store.h"
#include "db/query.h"
#include "db/report-json.h"
#include "db/store-internal.h"
#include "db/store.h"

static const char *const fx_features[FIXTURE_FEATURES] = {
	"age", "income", "score", "tenure", "z\x1b[31mred",
};
static const char *const fx_classes[FIXTURE_CLASSES] = {
	"cat", "dog", "bird",
};

static uint64_t
fx_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

static double
fx_unit(uint64_t *s)
{
	return (double)(fx_rand(s) % 1000000) / 1000000.0;
}

static int
fx_fail(const char *what, char *cause)
{
	fprintf(stderr, "fixture: %s: %s\n", what, cause != NULL ? cause :
	    "error");
	free(cause);
	return -1;
}

double
fixture_now(const struct fixture_opts *o)
{
	return FIXTURE_T0 + (double)o->last * 60 + 50 + 50;
}

static int
fx_feature_report(struct store *s, const struct store_schema *sc, int64_t b)
{
	double psi[FIXTURE_FEATURES], ksp[FIXTURE_FEATURES];
	double kss[FIXTURE_FEATURES];
	bool dpsi[FIXTURE_FEATURES], dks[FIXTURE_FEATURES];
	bool inv[FIXTURE_FEATURES];
	struct feature_thresholds th[FIXTURE_FEATURES];
	struct monitor_config c;
	enum drift_severity sev;
	struct feature_report r;
	char *cause = NULL;
	size_t f;
	int rc;

	memset(&r, 0, sizeof r);
	for (f = 0; f < FIXTURE_FEATURES; f++) {
		psi[f] = 0.02 + 0.01 * (double)((b + (int64_t)f) % 4);
		ksp[f] = 0.3 + 0.1 * (double)((b * 3 + (int64_t)f) % 6);
		kss[f] = 0.05;
	}
	if (b == 5)
		psi[0] = 0.13;	/* binning noise: investigate, not drift */
	if (b >= 10) {
		psi[1] = 0.22 + 0.02 * (double)(b - 10);
		ksp[1] = pow(10, -2.0 - 0.3 * (double)(b - 10));
		psi[2] = 0.12 + 0.005 * (double)(b % 3);
	}
	r.n_features = FIXTURE_FEATURES;
	r.psi = psi;
	r.ks_statistic = kss;
	r.ks_p_value = ksp;
	r.drift_psi = dpsi;
	r.drift_ks = dks;
	r.investigate_psi = inv;
	r.thresholds = th;
	r.thresholds_stored = true;
	monitor_config_defaults(&c);
	for (f = 0; f < FIXTURE_FEATURES; f++) {
		feature_thresholds_from_config(&th[f], &c);
		sev = feature_psi_verdict(psi[f], &th[f]);
		dpsi[f] = sev == DRIFT_CRITICAL;
		inv[f] = sev == DRIFT_WARNING;
		dks[f] = ksp[f] < th[f].ks_alpha;
		r.any_drift |= dpsi[f] || dks[f];
		if (psi[f] > psi[r.max_psi_feature])
			r.max_psi_feature = f;
	}
	rc = store_report_put_feature(s, b, sc, &r, &cause);
	return rc == -1 ? fx_fail("feature report", cause) : 0;
}

static int
fx_prediction_report(struct store *s, const struct store_schema *sc,
    int64_t b, const int *pred, const double *conf)
{
	uint64_t counts[FIXTURE_CLASSES] = { 0 };
	struct prediction_report r;
	char *cause = NULL;
	int i, rc;

	memset(&r, 0, sizeof r);
	for (i = 0; i < FIXTURE_ROWS; i++)
		counts[pred[i]]++;
	r.n_classes = FIXTURE_CLASSES;
	r.class_counts = counts;
	r.label_shift_p_value = b >= 12 ? 0.001 / (double)(b - 11) :
	    0.2 + 0.05 * (double)(b % 5);
	r.label_shift_statistic = 3.0;
	r.chisq_alpha = 0.01;
	r.confidence_delta = 0.08;
	r.thresholds_stored = true;
	r.label_shift_drift = r.label_shift_p_value < 0.01;
	r.mean_confidence = metrics_mean(conf, FIXTURE_ROWS);
	r.reference_mean_confidence = 0.70;
	r.confidence_drift = fabs(r.mean_confidence - 0.70) > 0.08;
	rc = store_report_put_prediction(s, b, sc, &r, &cause);
	return rc == -1 ? fx_fail("prediction report", cause) : 0;
}

/*
 * The batch's estimate before labels, as ingest stores it: CBPE on the
 * raw scores (no calibration map: the fixture's reference is implicit),
 * judged against the reference's 0.70 / 0.69.
 */
static int
fx_estimate_report(struct store *s, int64_t b, const double *scores,
    const int *pred, struct estimate_report *e)
{
	char *cause = NULL;
	int rc;

	memset(e, 0, sizeof *e);
	cbpe_estimate(NULL, scores, pred, FIXTURE_ROWS, FIXTURE_CLASSES,
	    &e->cbpe);
	cbpe_estimate_finish(&e->cbpe);
	e->available = true;
	e->ref_accuracy = 0.70;
	e->ref_f1_macro = 0.69;
	e->decay_delta = 0.05;
	e->sigmas = CBPE_SIGMAS;
	e->decayed = cbpe_decayed(&e->cbpe, 0.70, 0.69, 0.05);
	rc = store_report_put_estimate(s, b, e, &cause);
	return rc == -1 ? fx_fail("estimate report", cause) : 0;
}

/* The running grades of the estimates, as ingest keeps them. */
static int
fx_grades(struct store *s, int64_t b, struct estimate_grades *g,
    const struct performance_report *r)
{
	char *text, *cause = NULL;
	int rc;

	estimate_grades_add(g, r);
	text = estimate_grades_encode(g);
	rc = store_detector_put(s, ESTIMATE_GRADES_NAME, b, text, &cause);
	free(text);
	return rc == -1 ? fx_fail("grades", cause) : 0;
}

static int
fx_performance_report(struct store *s, const struct store_schema *sc,
    int64_t b, const int *truth, const int *pred, const double *conf,
    const struct estimate_report *e, struct estimate_grades *g)
{
	uint64_t cm[FIXTURE_CLASSES * FIXTURE_CLASSES];
	unsigned char correct[FIXTURE_ROWS];
	struct performance_report r;
	char *cause = NULL;
	int i, rc;

	memset(&r, 0, sizeof r);
	for (i = 0; i < FIXTURE_ROWS; i++)
		correct[i] = truth[i] == pred[i];
	r.n_rows = FIXTURE_ROWS;
	r.n_classes = FIXTURE_CLASSES;
	r.accuracy = metrics_accuracy(truth, pred, FIXTURE_ROWS);
	r.f1_macro = metrics_f1_macro(truth, pred, FIXTURE_ROWS,
	    FIXTURE_CLASSES);
	r.ece = metrics_ece(conf, correct, FIXTURE_ROWS, r.bins);
	r.acc_delta = r.accuracy - 0.70;
	r.f1_delta = r.f1_macro - 0.69;
	r.decay_delta = 0.05;
	r.thresholds_stored = true;
	r.any_decay = r.acc_delta < -0.05 || r.f1_delta < -0.05;
	metrics_confusion(truth, pred, FIXTURE_ROWS, FIXTURE_CLASSES, cm);
	r.confusion = cm;
	performance_grade(&r, e);
	if (fx_grades(s, b, g, &r) == -1)
		return -1;
	rc = store_report_put_performance(s, b, sc, &r, &cause);
	return rc == -1 ? fx_fail("performance report", cause) : 0;
}

static int
fx_detector_report(struct store *s, int64_t b)
{
	struct detector_report r;
	char *cause = NULL;
	int rc;

	memset(&r, 0, sizeof r);
	r.n_fed = (uint64_t)b * FIXTURE_ROWS;
	r.ddm_drift = b == 13;
	r.ddm_state = b == 13 ? DDM_DRIFT : DDM_STABLE;
	r.adwin_drift = b == 14;
	r.adwin_width = 100;
	r.adwin_mean = 0.2;
	rc = store_report_put_detectors(s, b, &r, &cause);
	return rc == -1 ? fx_fail("detector report", cause) : 0;
}

static const struct {
	const char	*severity;
	const char	*kind;
	const char	*status;
	const char	*channel;
	const char	*text;
} fx_alerts[] = {
	{ "warning", "firing", "recorded", "log",
	    "PSI flagged but KS did not confirm: score" },
	{ "critical", "firing", "delivered", "slack",
	    "confirmed drift on income (PSI + KS agree)" },
	{ "critical", "firing", "delivered", "email",
	    "confirmed drift on income (PSI + KS agree)" },
	{ "warning", "firing", "recorded", "log",
	    "label shift: chi2 p < 0.01" },
	{ "critical", "firing", "failed", "slack",
	    "performance decay: accuracy delta -0.09" },
	{ "critical", "repeat", "suppressed", "slack",
	    "confirmed drift on income (PSI + KS agree)" },
	{ "critical", "firing", "pending", "email",
	    "performance decay \x1b[2J\x1b]0;pwned\x07 evil text" },
	{ "warning", "resolved", "delivered", "slack",
	    "resolved: PSI on score back under 0.20" },
	{ "info", "firing", "dry_run", "slack",
	    "DDM drift on the error stream" },
	{ "critical", "repeat", "suppressed", "email",
	    "confirmed drift on income (PSI + KS agree)" },
};

static int
fx_alert(struct store *s, int i, int64_t b)
{
	struct alert_row r;
	char *msg, *cause = NULL;
	int64_t id;
	int k = i % (int)(sizeof fx_alerts / sizeof fx_alerts[0]);
	int rc;

	memset(&r, 0, sizeof r);
	msg = xasprintf("Batch %lld: %s", (long long)b, fx_alerts[k].text);
	r.batch_id = b;
	r.severity = (char *)fx_alerts[k].severity;
	r.channel = (char *)fx_alerts[k].channel;
	r.message = msg;
	r.condition_key = (char *)"fixture";
	r.kind = (char *)fx_alerts[k].kind;
	r.status = (char *)fx_alerts[k].status;
	r.sent_at = clock_wall();
	rc = alert_store_add(s, &r, &id, &cause);
	free(msg);
	return rc == -1 ? fx_fail("alert", cause) : 0;
}

int
fixture_write(const char *path, const struct fixture_opts *o)
{
	struct store_schema sc;
	struct store_prediction p;
	struct store *s;
	char *cause = NULL, feat[256], scores[128];
	int truth[FIXTURE_ROWS], pred[FIXTURE_ROWS];
	double conf[FIXTURE_ROWS], u, sv[FIXTURE_ROWS * FIXTURE_CLASSES];
	struct estimate_report est;
	struct estimate_grades grades = { 0, 0, 0 };
	uint64_t seed;
	int64_t b;
	enum store_label_result lr;
	int i, alert = 0, rc = -1;
	char sql[512];

	if ((s = store_open(path, STORE_READ_WRITE, &cause)) == NULL)
		return fx_fail(path, cause);
	sc.n_features = FIXTURE_FEATURES;
	sc.n_classes = FIXTURE_CLASSES;
	sc.feature_names = (char **)fx_features;
	sc.class_names = (char **)fx_classes;
	sc.categorical = NULL;
	if (store_schema_put(s, &sc, &cause) == -1) {
		fx_fail("schema", cause);
		goto out;
	}
	for (b = o->first; b <= o->last; b++) {
		seed = (uint64_t)b * 7919;
		for (i = 0; i < FIXTURE_ROWS; i++) {
			truth[i] = (int)(fx_rand(&seed) % FIXTURE_CLASSES);
			if (b >= 12 && fx_rand(&seed) % 3 == 0)
				truth[i] = 0;	/* label shift */
			conf[i] = 0.4 + 0.6 * fx_unit(&seed);
			u = fx_unit(&seed);
			/* Calibrated, then overconfident by 0.2. */
			pred[i] = u < conf[i] - (b >= 10 ? 0.2 : 0) ?
			    truth[i] : (truth[i] + 1) % FIXTURE_CLASSES;
			snprintf(feat, sizeof feat, "[%d,%.3f,%.3f,%d,%d]",
			    i, fx_unit(&seed), fx_unit(&seed), i % 7, i % 2);
			snprintf(scores, sizeof scores, "[%.4f,%.4f,%.4f]",
			    pred[i] == 0 ? conf[i] : (1 - conf[i]) / 2,
			    pred[i] == 1 ? conf[i] : (1 - conf[i]) / 2,
			    pred[i] == 2 ? conf[i] : (1 - conf[i]) / 2);
			if (sscanf(scores, "[%lf,%lf,%lf]", &sv[i * 3],
			    &sv[i * 3 + 1], &sv[i * 3 + 2]) != 3)
				abort();	/* what was just printed */
			memset(&p, 0, sizeof p);
			p.batch_id = b;
			p.row_in_batch = i;
			p.features_json = feat;
			p.scores_json = scores;
			p.predicted_class = pred[i];
			p.confidence = conf[i];
			p.true_class = -1;
			p.logged_at = o->pin_times ? FIXTURE_T0 + (double)b *
			    60 + i * 0.5 : 0;
			if (store_prediction_add(s, &p, &cause) == -1) {
				fx_fail("prediction", cause);
				goto out;
			}
		}
		if (b == o->last && o->leave_open)
			break;
		if (store_batch_close(s, b, &cause) == -1) {
			fx_fail("close", cause);
			goto out;
		}
		if (fx_feature_report(s, &sc, b) == -1 ||
		    fx_prediction_report(s, &sc, b, pred, conf) == -1 ||
		    fx_estimate_report(s, b, sv, pred, &est) == -1)
			goto out;
		if (b <= o->labelled) {
			lr = store_label_batch(s, b, truth, FIXTURE_ROWS,
			    false, &cause);
			if (lr != STORE_LABEL_APPLIED &&
			    lr != STORE_LABEL_SAME) {
				fx_fail("labels", cause);
				goto out;
			}
			if (fx_performance_report(s, &sc, b, truth, pred,
			    conf, &est, &grades) == -1 ||
			    fx_detector_report(s, b) == -1)
				goto out;
		}
		if (b >= 8 && alert < o->n_alerts && (b % 1) == 0) {
			if (fx_alert(s, alert++, b) == -1)
				goto out;
			if (b >= 12 && alert < o->n_alerts &&
			    fx_alert(s, alert++, b) == -1)
				goto out;
		}
		if (store_flush(s, &cause) == -1) {
			fx_fail("flush", cause);
			goto out;
		}
	}
	if (o->pin_times) {
		/* Pin every clock the console reads. */
		snprintf(sql, sizeof sql,
		    "UPDATE batches SET opened_at = %.1f + batch_id * 60,"
		    " closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE"
		    " %.1f + batch_id * 60 + 40 END,"
		    " labelled_at = CASE WHEN labelled_at IS NULL THEN NULL"
		    " ELSE %.1f + batch_id * 60 + 45 END;"
		    "UPDATE monitor_reports SET created_at = %.1f +"
		    " batch_id * 60 + 42;"
		    "UPDATE alerts SET sent_at = %.1f + batch_id * 60 + 43"
		    " + id, next_attempt_at = NULL, delivered_at = NULL;",
		    FIXTURE_T0, FIXTURE_T0, FIXTURE_T0, FIXTURE_T0,
		    FIXTURE_T0);
		if (store_exec(s, sql, "pinning times", &cause) == -1 ||
		    store_flush(s, &cause) == -1) {
			fx_fail("pin", cause);
			goto out;
		}
	}
	rc = 0;
out:
	store_close(s);
	return rc;
}

int
fixture_refresh(struct query *q)
{
	double end = clock_mono() + FIXTURE_COMMIT_WAIT_SECONDS;
	struct pollfd p;
	int rc, left;

	while ((rc = query_refresh(q)) == 0 &&
	    (p.fd = query_wait_fd(q)) != -1 &&
	    (left = (int)ceil((end - clock_mono()) * 1000)) > 0) {
		p.events = POLLIN;
		if (poll(&p, 1, left) == -1 && errno != EINTR)
			break;
	}
	return rc;
}
