/*
 * cbpe-measure: how good are CBPE's estimates on a stream? Reads a
 * protocol stream (docs/PROTOCOL.md; mlmon-gen's, rows in row_in_batch
 * order) on stdin, fits the calibration map on the labelled reference
 * (src/core/calibrate.c), estimates every batch at its end_batch from the
 * scores alone (src/core/cbpe.c), and grades the estimate when the
 * batch's labels arrive (inline or a labels record, as with
 * --label-delay), with the realized numbers of monitor_performance.
 *
 * Output: one '#' line about the reference, then one line per graded
 * batch (scripts/cbpe-table reads them):
 *   batch rows est_acc acc_lo acc_hi real_acc est_f1 f1_lo f1_hi real_f1
 *   est_decay real_decay
 * est_decay is cbpe_decayed, real_decay the performance report's
 * any_decay, both against the reference's realized accuracy and F1 and
 * --decay (default the monitors' 0.05).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calibrate.h"
#include "core/cbpe.h"
#include "core/monitor.h"
#include "core/xalloc.h"
#include "ingest/proto.h"

#define MEASURE_OPEN	64	/* batches estimated, awaiting labels */

/* One batch's rows, kept until its labels arrive. */
struct mbatch {
	int64_t		 id;
	size_t		 n, cap;
	double		*scores;	/* n * k */
	double		*features;	/* n * nf */
	int		*pred;
	double		*conf;
	int		*truth;		/* -1 until known */
	size_t		 labelled;
	bool		 closed;	/* estimated at end_batch */
	struct cbpe_estimate est;
};

struct measure {
	struct monitor_config	 cfg;
	int			 k;
	size_t			 nf;
	struct mbatch		 ref;		/* the reference rows */
	bool			 settled;	/* reference fitted */
	struct monitor_reference mref;
	struct calib		*calib;
	struct mbatch		 open[MEASURE_OPEN];
	size_t			 nopen;
};

static void
mbatch_add(struct mbatch *b, const struct proto_record *r, int k, size_t nf)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->scores = xreallocarray(b->scores, b->cap * (size_t)k,
		    sizeof *b->scores);
		b->features = xreallocarray(b->features, b->cap * (nf ? nf : 1),
		    sizeof *b->features);
		b->pred = xreallocarray(b->pred, b->cap, sizeof *b->pred);
		b->conf = xreallocarray(b->conf, b->cap, sizeof *b->conf);
		b->truth = xreallocarray(b->truth, b->cap, sizeof *b->truth);
	}
	memcpy(b->scores + b->n * (size_t)k, r->scores,
	    (size_t)k * sizeof *r->scores);
	memcpy(b->features + b->n * nf, r->features, nf * sizeof *r->features);
	b->pred[b->n] = r->predicted_class;
	b->conf[b->n] = r->confidence;
	b->truth[b->n] = r->true_class;
	b->labelled += r->true_class >= 0;
	b->n++;
}

static void
mbatch_free(struct mbatch *b)
{
	free(b->scores);
	free(b->features);
	free(b->pred);
	free(b->conf);
	free(b->truth);
	cbpe_estimate_finish(&b->est);
	memset(b, 0, sizeof *b);
}

/* Fit the map on the reference and say how it went. */
static void
measure_settle(struct measure *m)
{
	struct mbatch *r = &m->ref;

	m->settled = true;
	monitor_reference_init(&m->mref, r->features, r->n, m->nf, m->k,
	    r->pred, r->conf, r->truth);
	m->calib = calib_fit(r->scores, r->pred, r->truth, r->n, m->k);
	if (m->calib == NULL) {
		printf("# no estimate: the reference has no labels\n");
		return;
	}
	printf("# reference rows %zu accuracy %.6f f1 %.6f ece_raw %.6f "
	    "ece_cal %.6f calibrated %d\n", r->n, m->mref.accuracy,
	    m->mref.f1_macro, m->calib->ece_raw, m->calib->ece_calibrated,
	    m->calib->enabled);
}

static struct mbatch *
measure_batch(struct measure *m, int64_t id, bool create)
{
	size_t i;

	for (i = 0; i < m->nopen; i++)
		if (m->open[i].id == id)
			return &m->open[i];
	if (!create)
		return NULL;
	if (m->nopen == MEASURE_OPEN) {
		fprintf(stderr, "cbpe-measure: more than %d batches await "
		    "labels\n", MEASURE_OPEN);
		exit(1);
	}
	m->open[m->nopen].id = id;
	return &m->open[m->nopen++];
}

/* Grade a closed batch whose every row is labelled, then forget it. */
static void
measure_grade(struct measure *m, struct mbatch *b)
{
	struct performance_report perf;
	struct monitor_batch mb = { .batch_id = b->id, .n_rows = b->n,
	    .features = b->features, .predicted = b->pred,
	    .confidence = b->conf, .true_class = b->truth };
	const struct cbpe_estimate *e = &b->est;

	if (!b->closed || b->labelled < b->n)
		return;
	monitor_performance(&m->mref, &m->cfg, &mb, &perf);
	printf("%lld %zu %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %d %d\n",
	    (long long)b->id, b->n, e->accuracy, e->accuracy_lower,
	    e->accuracy_upper, perf.accuracy, e->f1_macro, e->f1_lower,
	    e->f1_upper, perf.f1_macro, cbpe_decayed(e, m->mref.accuracy,
	    m->mref.f1_macro, m->cfg.decay), perf.any_decay);
	performance_report_finish(&perf);
	mbatch_free(b);
	*b = m->open[--m->nopen];
	memset(&m->open[m->nopen], 0, sizeof m->open[m->nopen]);
}

static void
measure_record(struct measure *m, const struct proto_record *r)
{
	struct mbatch *b;
	size_t i;

	if (r->kind == PROTO_REFERENCE || r->kind == PROTO_PREDICTION) {
		m->k = (int)r->n_scores;
		m->nf = r->n_features;
	}
	if (r->kind == PROTO_REFERENCE) {
		mbatch_add(&m->ref, r, m->k, m->nf);
		return;
	}
	if (r->kind == PROTO_SCHEMA)
		return;
	if (!m->settled)
		measure_settle(m);
	if (m->calib == NULL)
		return;		/* nothing to estimate with */
	b = measure_batch(m, r->batch_id, r->kind == PROTO_PREDICTION);
	if (b == NULL)
		return;
	if (r->kind == PROTO_PREDICTION) {
		mbatch_add(b, r, m->k, m->nf);
	} else if (r->kind == PROTO_END_BATCH && m->calib != NULL) {
		cbpe_estimate(m->calib, b->scores, b->pred, b->n, m->k,
		    &b->est);
		b->closed = true;
	} else if (r->kind == PROTO_LABELS) {
		for (i = 0; i < r->n_labels && i < b->n; i++) {
			b->labelled += b->truth[i] < 0 && r->labels[i] >= 0;
			b->truth[i] = r->labels[i];
		}
	}
	measure_grade(m, b);
}

int
main(int argc, char **argv)
{
	struct proto_parser pp;
	struct proto_record rec;
	struct measure m;
	char reason[PROTO_REASON_MAX], *line = NULL, *end;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;

	memset(&m, 0, sizeof m);
	monitor_config_defaults(&m.cfg);
	if (argc == 3 && strcmp(argv[1], "--decay") == 0) {
		m.cfg.decay = strtod(argv[2], &end);
		if (*end != '\0' || !(m.cfg.decay >= 0.0)) {
			fprintf(stderr, "cbpe-measure: bad --decay\n");
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "usage: cbpe-measure [--decay X] < stream\n");
		return 2;
	}
	proto_parser_init(&pp);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			len--;
		if (!proto_parse_line(&pp, line, (size_t)len, &rec, reason)) {
			fprintf(stderr, "stdin:%ld: %s\n", lineno, reason);
			return 1;
		}
		measure_record(&m, &rec);
	}
	if (!m.settled && m.ref.n > 0)
		measure_settle(&m);
	for (size_t i = 0; i < m.nopen; i++)
		mbatch_free(&m.open[i]);
	mbatch_free(&m.ref);
	if (m.settled)
		monitor_reference_finish(&m.mref);
	calib_destroy(m.calib);
	proto_parser_finish(&pp);
	free(line);
	return 0;
}
