/*
 * The three monitor layers, as plain data and functions:
 *
 *   reference (built once)  +  batch  ->  feature report      (input health)
 *                                     ->  prediction report   (output health)
 *                                     ->  performance report  (outcome health,
 *                                                              labelled only)
 *
 * Report fields and defaults follow the seed article's FeatureMonitor,
 * PredictionMonitor and PerformanceMonitor. Reports own their arrays and
 * are released with the matching *_finish(). Nothing here does I/O.
 */
#ifndef MLMON_CORE_MONITOR_H
#define MLMON_CORE_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpe.h"
#include "detect-ddm.h"
#include "drift-cat.h"
#include "drift-psi.h"
#include "drift-mmd.h"
#include "metrics.h"
#include "policy.h"

struct adwin;
struct calib;
struct cat_dict;
struct monitor_ks_memo;
struct monitor_ks_gaps;
struct monitor_psi_cache;

#define MONITOR_MAX_FEATURES	4096
#define MONITOR_MAX_CLASSES	1024

struct monitor_config {
	double		ks_alpha;		/* 0.01: KS drift when p < alpha */
	double		psi_warning;		/* 0.10 */
	double		psi_critical;		/* 0.20: PSI drift when psi > */
	double		chisq_alpha;		/* 0.01 */
	double		confidence_drift;	/* 0.08: |mean - ref mean| > */
	double		decay;			/* 0.05: delta < -decay */
	bool		mmd_enabled;		/* off by default */
	struct mmd_params mmd;
	double		mmd_alpha;		/* 0.01 */
	double		adwin_delta;		/* 0.002 */
	double		missing_alpha;		/* 0.001: missingness when p < */
	double		missing_effect;		/* 0.2: ... and |Cohen's h| >= */
	enum policy_kind policy;		/* calibrated (policy.h) */
	double		false_page_rate;	/* 0.02 per 1,000 batches */
	double		cat_alpha;		/* 0.01: chi-squared homogeneity */
						/* drift when p < (categorical) */
	double		new_share;		/* 0.05: new-categories verdict */
						/* when the share is above */
	int		cat_top;		/* 50: categories kept, the rest */
						/* pooled as "other" */
	double		min_label_coverage;	/* 1.0: a batch's performance */
						/* is judged once this share */
						/* of its rows is labelled */
};

void	monitor_config_defaults(struct monitor_config *c);

/*
 * Whether a batch of n_rows with n_labelled labelled rows has reached the
 * minimum label coverage (its labelled share >= c->min_label_coverage,
 * and at least one label): the one place that decides when a performance
 * report is computed.
 */
bool	monitor_coverage_reached(const struct monitor_config *c,
	    size_t n_labelled, size_t n_rows);

/*
 * The reference window. Columns are kept sorted for KS, their present
 * values only: column f holds n_present[f] values (a missing value is a
 * NaN in the input). Rows are kept row-major for MMD, the complete rows
 * only (n_mmd_rows). Labels are optional: accuracy and F1 of the
 * reference come from the rows whose true class is known (has_labels).
 */
struct monitor_reference {
	size_t		 n_rows;
	size_t		 n_features;
	int		 n_classes;
	double		*sorted;	/* n_features columns of n_rows, ascending */
	size_t		*n_present;	/* n_features: values in each column */
	double		*col_min;	/* n_features, NaN for no values */
	double		*col_max;	/* n_features */
	double		*rows;		/* n_mmd_rows * n_features, input order */
	size_t		 n_mmd_rows;	/* rows without a missing value */
	double		*class_prop;	/* n_classes, predicted-class shares */
	double		 mean_confidence;
	bool		 has_labels;
	size_t		 n_labelled;	/* rows with a usable true class */
	double		 accuracy;
	double		 f1_macro;
	/*
	 * KS p-value memo, filled lazily by monitor_feature: for exact
	 * tests the p-value depends only on (n_rows, batch rows, integer
	 * statistic h), so repeated batches of one size reuse it. Mutated
	 * through the const reference: do not run monitor_feature on one
	 * reference from two threads at once.
	 */
	struct monitor_ks_memo *ks_memo;
	/*
	 * Each sorted column's cells (monitor-ks.h), made by the first
	 * monitor_feature (same caveat as ks_memo): the batch's values are
	 * placed in the reference through them.
	 */
	struct monitor_ks_gaps *ks_gaps;
	/* PSI nulls per batch size, filled lazily by monitor_judge (same
	 * caveat as ks_memo). */
	struct monitor_psi_cache *psi_cache;
	/*
	 * Categorical features (monitor_reference_categorize): their
	 * columns hold codes of dict (NaN: missing); cat[f] counts the
	 * reference's categories. MMD uses the numeric columns only:
	 * rows then holds those (n_mmd_cols of them) of the rows complete
	 * in them.
	 */
	bool		*categorical;	/* n_features; NULL: all numeric */
	struct cat_reference *cat;	/* n_features; categorical ones set */
	const struct cat_dict *dict;	/* borrowed; outlives the reference */
	size_t		 n_mmd_cols;	/* numeric features */
};

/*
 * Build from row-major features. true_class may be NULL; entries < 0 mean
 * unknown. All predicted values must be in 0..n_classes-1.
 */
void	monitor_reference_init(struct monitor_reference *ref,
	    const double *features, size_t n_rows, size_t n_features,
	    int n_classes, const int *predicted, const double *confidence,
	    const int *true_class);
void	monitor_reference_finish(struct monitor_reference *ref);
/*
 * Make the features flagged in categorical (n_features; NULL or none
 * flagged: nothing changes) categorical: features (the same rows given
 * to monitor_reference_init) hold codes of dict there, and the reference
 * keeps its top categories (cat_reference_init). dict is borrowed: it
 * must outlive the reference and name every code of later batches.
 */
void	monitor_reference_categorize(struct monitor_reference *ref,
	    const double *features, const bool *categorical,
	    const struct cat_dict *dict, int top);

/* One batch, borrowed from the caller. */
struct monitor_batch {
	int64_t		 batch_id;
	size_t		 n_rows;
	const double	*features;	/* n_rows * n_features, row-major; */
					/* NaN: missing */
	const int	*predicted;	/* n_rows */
	const double	*confidence;	/* n_rows */
	const int	*true_class;	/* n_rows, or NULL when unlabelled */
	const double	*scores;	/* n_rows * n_scores raw class */
					/* scores, or NULL: not estimated */
	int		 n_scores;	/* the reference's n_classes to be */
					/* estimated */
};

/*
 * The thresholds one feature was judged with, stored with the verdicts so
 * that every reader shows the decision made here and never re-decides it.
 * Today every feature gets the monitor_config's values; the report keeps
 * them per feature so a later calibration can differ by feature and batch.
 */
struct feature_thresholds {
	double		psi_warning;	/* investigate from here */
	double		psi_critical;	/* drift above */
	double		ks_alpha;	/* drift below */
	double		cat_alpha;	/* categorical: chi-squared drift below */
	double		new_share;	/* categorical: new categories above */
};

/*
 * One categorical feature of a batch. The PSI of the feature report is
 * over these bins; the second kind of evidence (KS for a numeric feature)
 * is the chi-squared homogeneity test, and the share of values the
 * reference never saw is a verdict of its own.
 */
struct cat_feature {
	struct cat_drift d;		/* drift-cat.h */
	bool		 drift_chisq;	/* d.p_value < cat_alpha */
	bool		 drift_new;	/* d.new_share > new_share */
	size_t		 n_distinct;	/* the reference's categories */
	int		 n_top;		/* kept as bins of their own */
	bool		 pooled;	/* the rest pooled as "other" */
	char		**names;	/* n_top, most frequent first; owned */
	uint64_t	*ref_counts;	/* n_top + 2: kept, other, new (0) */
	uint64_t	*counts;	/* n_top + 2: the batch's */
};

/*
 * The verdicts, decided here and nowhere else: the monitors use them, and
 * a reader of a report stored without verdicts or thresholds (an older
 * store) derives them once, at decode time, with the same functions.
 */
void	feature_thresholds_from_config(struct feature_thresholds *t,
	    const struct monitor_config *c);
/* PSI: none, investigate (DRIFT_WARNING: warning <= psi <= critical), drift. */
enum drift_severity feature_psi_verdict(double psi,
	    const struct feature_thresholds *t);

struct feature_report {
	size_t		 n_features;
	double		*psi;		/* per feature */
	double		*ks_statistic;
	double		*ks_p_value;
	bool		*drift_psi;	/* psi > psi_critical */
	bool		*investigate_psi;	/* warning <= psi <= critical */
	bool		*drift_ks;	/* ks p < ks_alpha */
	bool		*psi_outlier;	/* an outlier dominates the PSI range */
	/*
	 * Calibrated policy only (monitor_judge; NULL under seed): PSI's
	 * p-value under its null and the Benjamini-Hochberg adjusted
	 * p-values the verdicts above were decided on.
	 */
	bool		 calibrated;
	double		*psi_p_value;
	double		*ks_q;
	double		*psi_q;
	/*
	 * The joint tests (judge-joint.h): Hotelling's T^2 of the mean
	 * vector and Fisher's combinations over the numeric features, their
	 * p-values and their adjusted p-values in the same family; NaN when
	 * not tested. joint_drift:
	 * they confirmed each other, and the features named by their
	 * drift_ks and drift_psi include those behind it.
	 */
	double		*mean;		/* per feature, present values; */
					/* NaN: none or categorical */
	double		 joint_ks_stat, joint_psi_stat;
	double		 joint_ks_p, joint_psi_p;
	double		 joint_ks_q, joint_psi_q;
	double		 joint_t2, joint_t2_p, joint_t2_q;
	bool		 joint_drift;
	/*
	 * Missing values. PSI and KS use the present values only (n_used of
	 * the batch's); a feature with no present value in the batch or the
	 * reference has no_values set, PSI and KS NaN and no drift verdict.
	 */
	uint64_t	*n_used;	/* present values in the batch */
	bool		*no_values;
	double		*missing_share;		/* batch */
	double		*ref_missing_share;	/* reference */
	double		*missing_p_value;	/* drift-missing.h */
	double		*missing_effect;	/* Cohen's h, batch - ref */
	bool		*drift_missing;	/* p < missing_alpha, |h| >= effect; */
					/* calibrated: missing_q <= the */
					/* warning level, |h| >= effect */
	double		*missing_q;	/* calibrated: BH-adjusted, NaN */
					/* when not tested; else NULL */
	bool		 any_missing_drift;
	double		 missing_alpha;	/* thresholds judged with */
	double		 missing_min_effect;
	bool		 missing_seen;	/* a value was missing in batch or */
					/* reference; else the above say */
					/* "none missing", n_used unknown */
	/*
	 * Categorical features: psi is over their categories, KS is NaN
	 * and drift_ks false; cat[f] holds the rest. Both arrays are
	 * allocated only when any_categorical.
	 */
	bool		 any_categorical;
	bool		*categorical;	/* n_features */
	struct cat_feature *cat;	/* n_features; zero for numeric */
	struct feature_thresholds *thresholds;	/* per feature */
	bool		 thresholds_stored;	/* false: defaults assumed */
	bool		 any_drift;	/* any drift_psi, drift_ks or */
					/* categorical drift_chisq */
	size_t		 max_psi_feature;
	bool		 mmd_run;
	struct mmd_result mmd;
	bool		 mmd_drift;	/* p < mmd_alpha */
};

struct prediction_report {
	int		 n_classes;
	uint64_t	*class_counts;	/* n_classes */
	double		 label_shift_statistic;
	double		 label_shift_p_value;
	bool		 label_shift_drift;	/* p < chisq_alpha */
	/*
	 * The 2 x K homogeneity test of the reference's and the batch's
	 * counts (drift_chisq_homogeneity): it allows for the reference's
	 * own sampling error. Stored beside the goodness-of-fit test above,
	 * which the alert rules still use.
	 */
	double		 label_shift_homog_statistic;
	double		 label_shift_homog_p_value;
	int		 label_shift_homog_dof;
	bool		 label_shift_homog_drift;	/* p < chisq_alpha */
	/* Calibrated policy: label_shift_drift is the homogeneity test's
	 * adjusted p-value at the warning level; NaN under seed. */
	bool		 calibrated;
	double		 label_shift_q;
	/* Effect size: total variation distance of the predicted-class
	 * mix, 0.5 * sum |batch share - reference share|, in [0, 1]. */
	double		 class_tvd;
	double		 mean_confidence;
	double		 reference_mean_confidence;
	bool		 confidence_drift;	/* |mean - ref| > confidence_delta */
	double		 chisq_alpha;		/* thresholds judged with */
	double		 confidence_delta;
	bool		 thresholds_stored;	/* false: defaults assumed */
};

struct performance_report {
	size_t		 n_rows;	/* labelled rows judged */
	size_t		 n_unlabelled;	/* the batch's other rows: 0 when
					   every row is labelled */
	int		 n_classes;
	double		 accuracy;
	double		 f1_macro;
	double		 ece;
	double		 acc_delta;	/* accuracy - reference accuracy; NaN
					   when the reference is unlabelled */
	double		 f1_delta;
	bool		 any_decay;	/* either delta < -decay_delta; under
					   calibrated, acc_p_value <= page */
	double		 decay_delta;	/* threshold judged with */
	/*
	 * Calibrated policy only (monitor_judge_performance): the one-sided
	 * exact test that the error rate rose (policy_error_rise_p), the
	 * standard error of acc_delta, and whether p reached the warning
	 * level (what corroborates a detector's signal).
	 */
	bool		 calibrated;
	double		 acc_p_value;
	double		 acc_se;
	bool		 acc_warning;
	bool		 thresholds_stored;	/* false: defaults assumed */
	/*
	 * Grading of the batch's CBPE estimate (monitor-estimate.c), decided
	 * once when the report is computed: the estimate the batch had
	 * before its labels and the error, realized minus estimated.
	 */
	bool		 graded;	/* an estimate was there; else NaN */
	double		 est_accuracy;
	double		 est_f1_macro;
	double		 acc_error;	/* accuracy - est_accuracy */
	double		 f1_error;	/* f1_macro - est_f1_macro */
	uint64_t	*confusion;	/* n_classes^2, rows true */
	struct reliability_bin bins[CALIB_BINS];
};

/* A performance report's labelled share: 1 when every row is labelled. */
double	performance_coverage(const struct performance_report *r);

/*
 * Estimated performance of a batch before its labels (CBPE, core/cbpe.h),
 * with the estimated_decay verdict decided here and stored with the
 * thresholds it was judged with. available is false when the reference
 * has no labels (no calibration map, no reference metric): then reason
 * says so and every number is NaN.
 */
#define ESTIMATE_METHOD		"cbpe"
#define ESTIMATE_NO_LABELS	"the reference has no labels"
#define ESTIMATE_NO_SCORES	"the batch has no scores"

struct estimate_report {
	bool		 available;
	const char	*reason;	/* static text; NULL when available */
	/*
	 * The numbers (core/cbpe.h; confusion freed, NULL). n_rows is the
	 * rows estimated, or the batch's rows when unavailable; every
	 * number is NaN then.
	 */
	struct cbpe_estimate cbpe;
	bool		 decayed;	/* estimated_decay: an upper bound */
					/* below reference - decay_delta */
	double		 ref_accuracy;	/* thresholds judged with */
	double		 ref_f1_macro;
	double		 decay_delta;
	double		 sigmas;	/* bound half-width in standard errors */
};

/*
 * calib is the reference's calibration map (NULL: the reference has no
 * labels); b->scores holds the raw scores.
 */
void	monitor_estimate(const struct monitor_reference *ref,
	    const struct calib *calib, const struct monitor_config *c,
	    const struct monitor_batch *b, struct estimate_report *out);
/*
 * Grade perf with the estimate the batch had (NULL or not available:
 * ungraded, NaN errors).
 */
void	performance_grade(struct performance_report *perf,
	    const struct estimate_report *e);

/*
 * The running grades of the estimates: batches whose estimate was graded
 * (each counted once, at its first performance report) and the sums of
 * |realized - estimated|. Ingest keeps them as detector state named
 * ESTIMATE_GRADES_NAME; the console shows their mean, the mean absolute
 * error of the estimates, so nobody trusts an estimator that has been
 * wrong. Exact text through core/codec.h.
 */
#define ESTIMATE_GRADES_NAME	"estimate_grades"

struct estimate_grades {
	uint64_t	 n;		/* batches graded */
	double		 sum_abs_acc;	/* sum of |acc_error| */
	double		 sum_abs_f1;	/* sum of |f1_error| */
};

/* Add a graded report (an ungraded one adds nothing). */
void	estimate_grades_add(struct estimate_grades *g,
	    const struct performance_report *perf);
/*
 * Take back a graded report added before (its batch's report is being
 * replaced by a recompute): the grades follow a batch's latest report.
 */
void	estimate_grades_remove(struct estimate_grades *g,
	    const struct performance_report *perf);
/* Mean absolute error of accuracy (f1: of macro F1); NaN when n is 0. */
double	estimate_grades_mae(const struct estimate_grades *g, bool f1);
/* Caller frees. "grades/1 n=N acc=HEX f1=HEX". */
char	*estimate_grades_encode(const struct estimate_grades *g);
/* Writes *out only when s is exactly what the encoder writes. */
bool	estimate_grades_decode(const char *s, struct estimate_grades *out);

void	monitor_feature(const struct monitor_reference *ref,
	    const struct monitor_config *c, const struct monitor_batch *b,
	    struct feature_report *out);
void	feature_report_finish(struct feature_report *r);
/* Free what one cat_feature holds (and zero it). */
void	cat_feature_finish(struct cat_feature *c);
/* The categorical arrays of r (n_features), all numeric until set. */
void	feature_report_alloc_cat(struct feature_report *r);
/* Whether feature f's second kind of evidence (KS, chi-squared) agrees. */
bool	feature_test_drift(const struct feature_report *r, size_t f);

/*
 * Judge stored statistics again under the seed policy at c's thresholds
 * (the backtest): the feature report's PSI/KS verdicts and thresholds,
 * the prediction report's label shift and confidence verdicts (pr may be
 * NULL), the performance report's decay (perf may be NULL; needs its
 * deltas). Missingness and MMD verdicts are kept as stored.
 */
void	monitor_seed_verdicts(const struct monitor_config *c,
	    struct feature_report *fr, struct prediction_report *pr,
	    struct performance_report *perf);
/*
 * The same verdicts one at a time (monitor-verdict.c), as the monitors
 * make them: feature f of out, a prediction report, a performance report
 * (its deltas computed).
 */
void	monitor_feature_verdict(struct feature_report *out, size_t f);
void	monitor_prediction_verdicts(const struct monitor_config *c,
	    struct prediction_report *out);
void	monitor_performance_verdict(const struct monitor_config *c,
	    struct performance_report *out);

void	monitor_prediction(const struct monitor_reference *ref,
	    const struct monitor_config *c, const struct monitor_batch *b,
	    struct prediction_report *out);
void	prediction_report_finish(struct prediction_report *r);

/*
 * b->true_class must be non-NULL. Rows whose true or predicted class is
 * outside 0..n_classes-1 (unknown label: < 0) are left out; n_rows counts
 * the rows used. Deltas are 0 and any_decay false when the reference has
 * no labels.
 */
void	monitor_performance(const struct monitor_reference *ref,
	    const struct monitor_config *c, const struct monitor_batch *b,
	    struct performance_report *out);
void	performance_report_finish(struct performance_report *r);

/*
 * Stream detectors over the 0/1 error stream (predicted != true) of the
 * labelled rows, in row order, batch after batch: DDM and ADWIN. Their
 * state is serialised with detectors_encode so a restarted ingest resumes
 * them exactly.
 */
struct detectors {
	struct ddm	 ddm;
	struct adwin	*adwin;		/* owned */
};

struct detector_report {
	uint64_t	 n_fed;		/* labelled rows fed */
	enum ddm_state	 ddm_state;	/* after the last row */
	bool		 ddm_warning;	/* warned on some row */
	bool		 ddm_drift;	/* drifted on some row */
	bool		 adwin_drift;	/* cut on some row */
	uint64_t	 adwin_width;	/* at batch end */
	double		 adwin_mean;	/* window error rate */
	uint64_t	 ddm_drifts;	/* cumulative */
	uint64_t	 adwin_detections; /* cumulative */
	/*
	 * Calibrated policy (monitor_judge_detectors): the detectors'
	 * own signals, and ddm_drift / adwin_drift above are those signals
	 * corroborated by the batch's performance test at the warning level
	 * (acc_p_value, the p-value they were judged with).
	 */
	bool		 calibrated;
	bool		 ddm_signal;
	bool		 adwin_signal;
	double		 acc_p_value;
};

void	detectors_init(struct detectors *d, const struct monitor_config *c);
void	detectors_finish(struct detectors *d);
/* Skips rows with true_class < 0, and all rows when true_class is NULL. */
void	detectors_feed(struct detectors *d, const struct monitor_batch *b,
	    struct detector_report *out);
/* Caller frees. Two lines: the DDM text, then the ADWIN text. */
char	*detectors_encode(const struct detectors *d);
/* Writes *out (to be finished by the caller) only on success. */
bool	detectors_decode(const char *s, struct detectors *out);

#endif
