/*
 * One family per closed batch (judge.h): the p-values are laid out as
 * [ks_0 .. ks_{n-1}, psi_0 .. psi_{n-1}, label_shift], adjusted together
 * and read back by position.
 */
#include "judge.h"

#include <math.h>
#include <stdlib.h>

#include "xalloc.h"

enum drift_severity
judge_level(double q, const struct policy_levels *lv)
{
	if (q <= lv->page)
		return DRIFT_CRITICAL;
	if (q <= lv->warning)
		return DRIFT_WARNING;
	return DRIFT_NONE;
}

void
judge_batch(const struct judge_input *in, const struct policy_levels *lv,
    struct judge_report *out)
{
	size_t n = in->n_features, m, i;
	bool ls = !isnan(in->label_shift_p);
	double *p, *q;

	m = 2 * n + (ls ? 1 : 0);
	out->n_features = n;
	out->n_tests = m;
	out->ks_q = xcalloc(n ? n : 1, sizeof *out->ks_q);
	out->psi_q = xcalloc(n ? n : 1, sizeof *out->psi_q);
	out->ks = xcalloc(n ? n : 1, sizeof *out->ks);
	out->psi = xcalloc(n ? n : 1, sizeof *out->psi);
	out->confirmed = xcalloc(n ? n : 1, sizeof *out->confirmed);
	out->label_shift_q = NAN;
	out->label_shift = DRIFT_NONE;
	out->n_confirmed = out->n_warning = 0;
	if (m == 0)
		return;
	p = xreallocarray(NULL, m, sizeof *p);
	q = xreallocarray(NULL, m, sizeof *q);
	for (i = 0; i < n; i++) {
		p[i] = in->ks_p[i];
		p[n + i] = in->psi_p[i];
	}
	if (ls)
		p[2 * n] = in->label_shift_p;
	policy_bh_adjust(p, m, q);
	for (i = 0; i < n; i++) {
		out->ks_q[i] = q[i];
		out->psi_q[i] = q[n + i];
		out->ks[i] = judge_level(q[i], lv);
		out->psi[i] = judge_level(q[n + i], lv);
		out->confirmed[i] = out->ks[i] != DRIFT_NONE &&
		    out->psi[i] != DRIFT_NONE &&
		    (out->ks[i] == DRIFT_CRITICAL ||
		    out->psi[i] == DRIFT_CRITICAL);
		if (out->confirmed[i])
			out->n_confirmed++;
		else if (out->ks[i] != DRIFT_NONE ||
		    out->psi[i] != DRIFT_NONE)
			out->n_warning++;
	}
	if (ls) {
		out->label_shift_q = q[2 * n];
		out->label_shift = judge_level(q[2 * n], lv);
	}
	free(p);
	free(q);
}

void
judge_report_finish(struct judge_report *r)
{
	free(r->ks_q);
	free(r->psi_q);
	free(r->ks);
	free(r->psi);
	free(r->confirmed);
	r->ks_q = r->psi_q = NULL;
	r->ks = r->psi = NULL;
	r->confirmed = NULL;
}
