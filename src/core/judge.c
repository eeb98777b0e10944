/*
 * One family per closed batch (judge.h): the p-values are laid out as
 * [ks_0 .. ks_{n-1}, psi_0 .. psi_{n-1}, label_shift, joint KS, joint
 * PSI, Hotelling, missingness of each feature] (all after the PSI each
 * when tested), adjusted together and read back by position.
 */
#include "judge.h"

#include <math.h>
#include <stdint.h>
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

/* A joint test's p-value into p[*m] when tested; its slot or SIZE_MAX. */
static size_t
joint_slot(double pv, double *p, size_t *m)
{
	if (isnan(pv))
		return SIZE_MAX;
	p[*m] = pv;
	return (*m)++;
}

/* The adjusted p-value of a slot and its severity (NaN, none: untested). */
static double
joint_read(const double *q, size_t slot, const struct policy_levels *lv,
    enum drift_severity *sev)
{
	if (slot == SIZE_MAX) {
		*sev = DRIFT_NONE;
		return NAN;
	}
	*sev = judge_level(q[slot], lv);
	return q[slot];
}

/* The joint tests' verdicts: one critical, another at least warning. */
static void
judge_joint(struct judge_report *out, const double *q, const size_t *slot,
    const struct policy_levels *lv)
{
	int crit = 0, any = 0;

	out->joint_ks_q = joint_read(q, slot[0], lv, &out->joint_ks);
	out->joint_psi_q = joint_read(q, slot[1], lv, &out->joint_psi);
	out->joint_t2_q = joint_read(q, slot[2], lv, &out->joint_t2);
	crit = (out->joint_ks == DRIFT_CRITICAL) +
	    (out->joint_psi == DRIFT_CRITICAL) +
	    (out->joint_t2 == DRIFT_CRITICAL);
	any = (out->joint_ks != DRIFT_NONE) + (out->joint_psi != DRIFT_NONE) +
	    (out->joint_t2 != DRIFT_NONE);
	out->joint_confirmed = crit >= 1 && any >= 2;
}

void
judge_batch(const struct judge_input *in, const struct policy_levels *lv,
    struct judge_report *out)
{
	size_t n = in->n_features, m, i;
	bool ls = !isnan(in->label_shift_p);
	size_t slot[3], *mslot = xcalloc(n ? n : 1, sizeof *mslot);
	double *p, *q;

	m = 3 * n + (ls ? 1 : 0) + 3;	/* at most */
	out->n_features = n;
	out->n_tests = m;
	out->ks_q = xcalloc(n ? n : 1, sizeof *out->ks_q);
	out->psi_q = xcalloc(n ? n : 1, sizeof *out->psi_q);
	out->ks = xcalloc(n ? n : 1, sizeof *out->ks);
	out->psi = xcalloc(n ? n : 1, sizeof *out->psi);
	out->confirmed = xcalloc(n ? n : 1, sizeof *out->confirmed);
	out->missing_q = xcalloc(n ? n : 1, sizeof *out->missing_q);
	out->label_shift_q = NAN;
	out->label_shift = DRIFT_NONE;
	out->joint_ks_q = out->joint_psi_q = out->joint_t2_q = NAN;
	out->joint_ks = out->joint_psi = out->joint_t2 = DRIFT_NONE;
	out->joint_confirmed = false;
	out->n_confirmed = out->n_warning = 0;
	p = xreallocarray(NULL, m, sizeof *p);
	q = xreallocarray(NULL, m, sizeof *q);
	for (i = 0; i < n; i++) {
		p[i] = in->ks_p[i];
		p[n + i] = in->psi_p[i];
	}
	if (ls)
		p[2 * n] = in->label_shift_p;
	m = 2 * n + (ls ? 1 : 0);
	slot[0] = joint_slot(in->joint_ks_p, p, &m);
	slot[1] = joint_slot(in->joint_psi_p, p, &m);
	slot[2] = joint_slot(in->joint_t2_p, p, &m);
	for (i = 0; i < n; i++)
		mslot[i] = joint_slot(in->missing_p != NULL ?
		    in->missing_p[i] : NAN, p, &m);
	out->n_tests = m;
	if (m == 0) {
		for (i = 0; i < n; i++)
			out->missing_q[i] = NAN;
		free(mslot);
		free(p);
		free(q);
		return;
	}
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
	judge_joint(out, q, slot, lv);
	for (i = 0; i < n; i++)
		out->missing_q[i] = mslot[i] == SIZE_MAX ? NAN : q[mslot[i]];
	free(mslot);
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
	free(r->missing_q);
	r->missing_q = NULL;
	r->ks_q = r->psi_q = NULL;
	r->ks = r->psi = NULL;
	r->confirmed = NULL;
}
