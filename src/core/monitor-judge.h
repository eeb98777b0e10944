/*
 * The calibrated policy applied to a closed batch's reports (see
 * monitor-judge.c): PSI p-values from the reference's nulls, one
 * Benjamini-Hochberg family (judge.h), and the reports' verdicts set from
 * it, so that the stored reports and the alert rules carry the one
 * decision.
 */
#ifndef MLMON_CORE_MONITOR_JUDGE_H
#define MLMON_CORE_MONITOR_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "monitor.h"

/*
 * Under c->policy == POLICY_CALIBRATED, judge the feature report fr and
 * the prediction report pr (may be NULL) of one batch of `rows` rows and
 * overwrite their verdicts (drift_ks, drift_psi, any_drift,
 * label_shift_drift), filling psi_p_value, ks_q, psi_q and label_shift_q.
 * Under the seed policy, does nothing. Fits and caches the reference's
 * PSI nulls for this batch size on first use (not thread-safe, like the
 * KS memo).
 */
void	monitor_judge(const struct monitor_reference *ref,
	    const struct monitor_config *c, size_t rows,
	    struct feature_report *fr, struct prediction_report *pr);

/*
 * Under the calibrated policy, the labelled batch's performance test
 * (policy_error_rise_p against the reference's labelled rows, a family
 * of one): fills acc_p_value, acc_se, acc_warning and sets any_decay to
 * p <= the page level (F1's delta stays an effect size). Nothing without
 * labelled rows on both sides, or under seed.
 */
void	monitor_judge_performance(const struct monitor_reference *ref,
	    const struct monitor_config *c, struct performance_report *perf);

/*
 * Under the calibrated policy, keep DDM's and ADWIN's own signals
 * (ddm_signal, adwin_signal) and let ddm_drift / adwin_drift fire only
 * when the same batch's performance test reached the warning level
 * (perf, judged by monitor_judge_performance; NULL: not corroborated).
 * The detectors are sequential tests without a stated false-alarm rate;
 * this bounds their alerts by the test's level.
 */
void	monitor_judge_detectors(const struct monitor_config *c,
	    const struct performance_report *perf, struct detector_report *d);

/*
 * Judge a batch's stored reports again under c (the backtest): the seed's
 * verdicts at c's thresholds (monitor_seed_verdicts), then, under the
 * calibrated policy, monitor_judge (rows: the batch's rows),
 * monitor_judge_performance and monitor_judge_detectors. A detector
 * report judged calibrated before starts again from its signals. pr,
 * perf and dr may be NULL.
 */
void	monitor_rejudge(const struct monitor_reference *ref,
	    const struct monitor_config *c, size_t rows,
	    struct feature_report *fr, struct prediction_report *pr,
	    struct performance_report *perf, struct detector_report *dr);

/* The batch size whose PSI null judges a batch of `rows` rows. */
size_t	monitor_judge_grid(size_t rows);

/*
 * The reference's fitted PSI nulls as text, to store with the reference
 * ("psi-nulls 1", then "feature size <psi_null_format>" per line; caller
 * frees), and back: parse adds them to the cache (false, *cause naming
 * the line and reason, on anything malformed or fitted for other sizes).
 * take: whether a null (PSI or joint) was fitted since the last take
 * (then store both texts).
 */
char	*monitor_judge_nulls_format(const struct monitor_reference *ref);
bool	 monitor_judge_nulls_parse(const struct monitor_reference *ref,
	    const char *text, char **cause);
bool	 monitor_judge_nulls_take(const struct monitor_reference *ref);

/*
 * The same for the joint tests' nulls ("joint-nulls 1", then "size
 * <T_KS's psi_null_format>;<T_PSI's>" per grid batch size). parse passes
 * over a text of another version and fits of other draws or seeds (they
 * are fitted again); false, *cause naming the line, on anything malformed
 * or fitted for other sizes.
 */
char	*monitor_judge_joint_format(const struct monitor_reference *ref);
bool	 monitor_judge_joint_parse(const struct monitor_reference *ref,
	    const char *text, char **cause);

#endif
