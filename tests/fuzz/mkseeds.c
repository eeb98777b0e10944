/*
 * mkseeds DIR: write the encoder-made seeds of the fuzz corpora,
 * DIR/report/enc-*.json (reports of real monitor runs on the fuzz schemas,
 * encoded by report_json_encode_*) and DIR/state/enc-*.txt (detector
 * states after error streams of several lengths, by detectors_encode,
 * ddm_encode and adwin_encode; calibration maps fitted on random scores,
 * by calib_encode). Deterministic; rerun it after an encoder
 * changes: tests/fuzz/mkseeds tests/fuzz/corpus
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calibrate.h"
#include "core/detect-adwin.h"
#include "core/monitor.h"
#include "core/rng.h"
#include "core/xalloc.h"
#include "db/report-json.h"
#include "db/store.h"

#include "fuzz.h"

#define REF_ROWS	300
#define BATCH_ROWS	120

static const char *out_dir;

static void
put(const char *sub, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s/%s", out_dir, sub, name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

static void
put_report(const char *name, char *text, char *cause)
{
	if (text == NULL) {
		fprintf(stderr, "mkseeds: %s: %s\n", name, cause);
		exit(1);
	}
	put("report", name, text);
	free(text);
}

/* Rows around class centroids; shift moves the batch's features. */
static void
make_rows(struct rng *r, size_t n, double shift, double *x, int *pred,
    double *conf, int *truth, double err)
{
	size_t i, j;
	int k;

	for (i = 0; i < n; i++) {
		k = (int)rng_below(r, FUZZ_N_CLASSES);
		for (j = 0; j < FUZZ_N_FEATURES; j++)
			x[i * FUZZ_N_FEATURES + j] = k * 1.5 + (double)j +
			    shift + rng_uniform(r) + rng_uniform(r) +
			    rng_uniform(r) - 1.5;
		pred[i] = k;
		conf[i] = 0.5 + 0.5 * rng_uniform(r);
		truth[i] = rng_uniform(r) < err ?
		    (k + 1) % FUZZ_N_CLASSES : k;
	}
}

static void
reports(const struct store_schema *sc, const char *tag)
{
	static double rx[REF_ROWS * FUZZ_N_FEATURES];
	static double bx[BATCH_ROWS * FUZZ_N_FEATURES];
	int rp[REF_ROWS], rt[REF_ROWS], bp[BATCH_ROWS], bt[BATCH_ROWS];
	double rc[REF_ROWS], bc[BATCH_ROWS];
	struct monitor_reference ref;
	struct monitor_config cfg;
	struct monitor_batch b;
	struct feature_report fr;
	struct prediction_report pr;
	struct performance_report perf;
	struct detectors det;
	struct detector_report dr;
	struct rng r;
	char *cause = NULL, name[64];
	int i;

	rng_seed(&r, 7);
	monitor_config_defaults(&cfg);
	make_rows(&r, REF_ROWS, 0, rx, rp, rc, rt, 0.1);
	monitor_reference_init(&ref, rx, REF_ROWS, FUZZ_N_FEATURES,
	    FUZZ_N_CLASSES, rp, rc, rt);
	detectors_init(&det, &cfg);

	/* A stable batch, a shifted one, and a shifted one with MMD. */
	for (i = 0; i < 3; i++) {
		make_rows(&r, BATCH_ROWS, i == 0 ? 0.0 : 1.0, bx, bp, bc, bt,
		    i == 0 ? 0.1 : 0.5);
		cfg.mmd_enabled = i == 2;
		memset(&b, 0, sizeof b);
		b.batch_id = i + 1;
		b.n_rows = BATCH_ROWS;
		b.features = bx;
		b.predicted = bp;
		b.confidence = bc;
		b.true_class = bt;

		monitor_feature(&ref, &cfg, &b, &fr);
		snprintf(name, sizeof name, "enc-feature%s-%d.json", tag, i);
		put_report(name, report_json_encode_feature(&fr, sc,
		    &cause), cause);
		feature_report_finish(&fr);

		monitor_prediction(&ref, &cfg, &b, &pr);
		snprintf(name, sizeof name, "enc-prediction%s-%d.json", tag, i);
		put_report(name, report_json_encode_prediction(&pr,
		    sc, &cause), cause);
		prediction_report_finish(&pr);

		monitor_performance(&ref, &cfg, &b, &perf);
		snprintf(name, sizeof name, "enc-performance%s-%d.json", tag,
		    i);
		put_report(name, report_json_encode_performance(&perf,
		    sc, &cause), cause);
		performance_report_finish(&perf);

		/* Detector reports do not depend on the schema. */
		detectors_feed(&det, &b, &dr);
		snprintf(name, sizeof name, "enc-detectors-%d.json", i);
		if (*tag == '\0')
			put_report(name, report_json_encode_detectors(&dr,
			    &cause), cause);
	}
	detectors_finish(&det);
	monitor_reference_finish(&ref);
}

/* Detector states after n updates, error rate err then err2 after half. */
static void
state(size_t n, double err, double err2)
{
	struct monitor_config cfg;
	struct detectors det;
	struct rng r;
	char name[64], *s;
	size_t i;
	bool e;

	rng_seed(&r, 11 + n);
	monitor_config_defaults(&cfg);
	detectors_init(&det, &cfg);
	for (i = 0; i < n; i++) {
		e = rng_uniform(&r) < (i < n / 2 ? err : err2);
		ddm_update(&det.ddm, e);
		adwin_update(det.adwin, e ? 1.0 : 0.0);
	}
	snprintf(name, sizeof name, "enc-detectors-%zu.txt", n);
	s = detectors_encode(&det);
	put("state", name, s);
	free(s);
	snprintf(name, sizeof name, "enc-ddm-%zu.txt", n);
	s = ddm_encode(&det.ddm);
	put("state", name, s);
	free(s);
	snprintf(name, sizeof name, "enc-adwin-%zu.txt", n);
	s = adwin_encode(det.adwin);
	put("state", name, s);
	free(s);
	detectors_finish(&det);
}

/* A calibration map over k classes fitted on n random labelled rows. */
static void
calib_seed(int k, size_t n)
{
	double *scores = xcalloc(n * (size_t)k, sizeof *scores);
	int *pred = xcalloc(n, sizeof *pred), *truth = xcalloc(n, sizeof *truth);
	struct calib *c;
	struct rng r;
	char name[64], *s;
	size_t i;
	int j;

	rng_seed(&r, 29 + n);
	for (i = 0; i < n; i++) {
		double sum = 0.0, *row = scores + i * (size_t)k;

		for (j = 0; j < k; j++)
			sum += row[j] = 0.05 + rng_uniform(&r);
		for (j = 0; j < k; j++) {
			row[j] = (double)(int)(row[j] / sum * 100.0) / 100.0;
			if (row[j] > row[pred[i]])
				pred[i] = j;
		}
		truth[i] = rng_uniform(&r) < 0.7 ? pred[i] :
		    (int)rng_below(&r, (uint64_t)k);
	}
	c = calib_fit(scores, pred, truth, n, k);
	snprintf(name, sizeof name, "enc-calib-%d-%zu.txt", k, n);
	s = calib_encode(c);
	put("state", name, s);
	free(s);
	calib_destroy(c);
	free(scores);
	free(pred);
	free(truth);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	reports(&fuzz_schema, "");
	reports(&fuzz_schema_ctrl, "-ctrl");
	state(0, 0, 0);
	state(40, 0.1, 0.1);
	state(500, 0.05, 0.6);
	state(20000, 0.1, 0.3);
	calib_seed(2, 10);
	calib_seed(2, 400);
	calib_seed(4, 300);
	return 0;
}
