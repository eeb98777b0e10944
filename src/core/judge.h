/*
 * The calibrated policy's verdicts on one closed batch (policy.h): every
 * test decided when the batch closes is one family, its p-values are
 * adjusted together by Benjamini-Hochberg, and each test's adjusted
 * p-value is compared with the page and the warning level.
 *
 * The family: per feature, KS (exact or asymptotic p-value) and PSI (its
 * null at the reference's and the batch's sizes, psi-null.h); and the
 * 2 x K homogeneity test of the predicted-class mix (drift-chisq.h),
 * which allows for the reference's own sampling error; each missingness
 * test of a feature with a missing value in the batch or the reference
 * (drift-missing.h; its verdict also needs its effect size); and the joint
 * tests (judge-joint.h), the features' KS and PSI evidence each combined
 * into one p-value. Performance tests,
 * which land later with the labels, are judged on their own.
 *
 * The rules read the verdicts: confirmed drift (critical) keeps the
 * seed's idea that two kinds of evidence agree, KS (the whole CDF) and
 * PSI (the binned mass) on one feature: one of them critical and the
 * other at least at the warning level. A page thus needs some adjusted
 * p-value at or below q, so P(page on a stable batch) <= q, while a
 * shift that one test sees a little sooner than the other still pages.
 * The joint tests confirm the same way, with each other: one of the
 * three critical, another at least at the warning level (joint_confirmed,
 * two kinds of evidence agreeing over all features); the caller
 * names the features behind it (monitor-judge.c).
 */
#ifndef MLMON_CORE_JUDGE_H
#define MLMON_CORE_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "drift-psi.h"
#include "policy.h"

struct judge_input {
	size_t		 n_features;
	const double	*ks_p;		/* n_features */
	const double	*psi_p;		/* n_features */
	double		 label_shift_p;	/* homogeneity; NaN: not tested */
	double		 joint_ks_p;	/* judge-joint.h; NaN: not tested */
	double		 joint_psi_p;
	double		 joint_t2_p;	/* Hotelling's */
	const double	*missing_p;	/* n_features, NaN: not in the */
					/* family; NULL: none is */
};

struct judge_report {
	size_t		 n_features;
	size_t		 n_tests;	/* family size */
	double		*ks_q;		/* BH-adjusted, n_features */
	double		*psi_q;
	double		 label_shift_q;	/* NaN when not tested */
	enum drift_severity *ks;	/* CRITICAL: q <= page level */
	enum drift_severity *psi;	/* WARNING: q <= warning level */
	enum drift_severity label_shift;
	double		*missing_q;	/* n_features, NaN: not tested */
	double		 joint_ks_q;	/* NaN when not tested */
	double		 joint_psi_q;
	double		 joint_t2_q;
	enum drift_severity joint_ks, joint_psi, joint_t2;
	bool		 joint_confirmed;
	bool		*confirmed;	/* per feature: one critical, the
					   other >= warning */
	size_t		 n_confirmed;
	size_t		 n_warning;	/* features with either >= warning,
					   not confirmed */
};

/* Judge in at the levels lv. Caller finishes out. */
void	judge_batch(const struct judge_input *in,
	    const struct policy_levels *lv, struct judge_report *out);
void	judge_report_finish(struct judge_report *r);

/* The severity of an adjusted p-value q at the levels lv. */
enum drift_severity judge_level(double q, const struct policy_levels *lv);

#endif
