/*
 * The estimated-performance monitor: a closed batch's CBPE estimate
 * (core/cbpe.c) from its raw scores and the reference's calibration map,
 * judged against the reference's realized accuracy and macro F1 (the
 * estimated_decay verdict, decided here and stored with its thresholds),
 * and the grading of that estimate once the batch's labels give the
 * realized numbers (performance_grade). Nothing here does I/O.
 */
#include "monitor.h"

#include <math.h>
#include <string.h>

#include "calibrate.h"
#include "cbpe.h"
#include "codec.h"
#include "strbuf.h"

/* Every number NaN, nothing decided: what an unavailable estimate says. */
static void
estimate_blank(struct estimate_report *out, const char *reason)
{
	struct cbpe_estimate *e = &out->cbpe;

	out->available = false;
	out->reason = reason;
	e->accuracy = e->accuracy_se = e->accuracy_lower = NAN;
	e->accuracy_upper = NAN;
	e->f1_macro = e->f1_se = e->f1_lower = e->f1_upper = NAN;
	out->ref_accuracy = out->ref_f1_macro = NAN;
	out->decayed = false;
}

void
monitor_estimate(const struct monitor_reference *ref,
    const struct calib *calib, const struct monitor_config *c,
    const struct monitor_batch *b, struct estimate_report *out)
{
	memset(out, 0, sizeof *out);
	out->cbpe.n_rows = b->n_rows;	/* the batch's, when not estimated */
	out->cbpe.k = ref->n_classes;
	out->decay_delta = c->decay;
	out->sigmas = CBPE_SIGMAS;
	if (!ref->has_labels || calib == NULL ||
	    calib->k != ref->n_classes) {
		estimate_blank(out, ESTIMATE_NO_LABELS);
		return;
	}
	if (b->scores == NULL || b->n_scores != ref->n_classes) {
		estimate_blank(out, ESTIMATE_NO_SCORES);
		return;
	}
	cbpe_estimate(calib, b->scores, b->predicted, b->n_rows,
	    ref->n_classes, &out->cbpe);
	cbpe_estimate_finish(&out->cbpe);	/* the report keeps no matrix */
	out->available = true;
	out->ref_accuracy = ref->accuracy;
	out->ref_f1_macro = ref->f1_macro;
	out->decayed = cbpe_decayed(&out->cbpe, ref->accuracy,
	    ref->f1_macro, c->decay);
}

void
performance_grade(struct performance_report *perf,
    const struct estimate_report *e)
{
	if (e == NULL || !e->available || e->cbpe.n_rows == 0 ||
	    perf->n_rows == 0) {
		perf->graded = false;
		perf->est_accuracy = perf->est_f1_macro = NAN;
		perf->acc_error = perf->f1_error = NAN;
		return;
	}
	perf->graded = true;
	perf->est_accuracy = e->cbpe.accuracy;
	perf->est_f1_macro = e->cbpe.f1_macro;
	perf->acc_error = perf->accuracy - e->cbpe.accuracy;
	perf->f1_error = perf->f1_macro - e->cbpe.f1_macro;
}

void
estimate_grades_add(struct estimate_grades *g,
    const struct performance_report *perf)
{
	if (!perf->graded || isnan(perf->acc_error) || isnan(perf->f1_error))
		return;
	g->n++;
	g->sum_abs_acc += fabs(perf->acc_error);
	g->sum_abs_f1 += fabs(perf->f1_error);
}

void
estimate_grades_remove(struct estimate_grades *g,
    const struct performance_report *perf)
{
	if (!perf->graded || isnan(perf->acc_error) || isnan(perf->f1_error) ||
	    g->n == 0)
		return;
	g->n--;
	/* Rounding must not leave a sum below zero (or one of no batch). */
	g->sum_abs_acc = g->n == 0 ? 0 :
	    fmax(0, g->sum_abs_acc - fabs(perf->acc_error));
	g->sum_abs_f1 = g->n == 0 ? 0 :
	    fmax(0, g->sum_abs_f1 - fabs(perf->f1_error));
}

double
estimate_grades_mae(const struct estimate_grades *g, bool f1)
{
	if (g->n == 0)
		return NAN;
	return (f1 ? g->sum_abs_f1 : g->sum_abs_acc) / (double)g->n;
}

char *
estimate_grades_encode(const struct estimate_grades *g)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_addf(&b, "grades/1 n=%llu acc=", (unsigned long long)g->n);
	codec_put_double(&b, g->sum_abs_acc);
	strbuf_addf(&b, " f1=");
	codec_put_double(&b, g->sum_abs_f1);
	return strbuf_take(&b);
}

bool
estimate_grades_decode(const char *s, struct estimate_grades *out)
{
	struct estimate_grades g;

	if (s == NULL || !codec_expect(&s, "grades/1 n=") ||
	    !codec_parse_u64(&s, &g.n) || !codec_expect(&s, " acc=") ||
	    !codec_parse_double(&s, &g.sum_abs_acc) ||
	    !codec_expect(&s, " f1=") ||
	    !codec_parse_double(&s, &g.sum_abs_f1) || *s != '\0' ||
	    !(g.sum_abs_acc >= 0) || !(g.sum_abs_f1 >= 0))
		return false;
	*out = g;
	return true;
}
