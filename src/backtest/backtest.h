/*
 * backtest: replay a store's stored reports through a policy and tally,
 * per alert rule, what it would have decided beside what was recorded
 * (mlmon-backtest(1)). Read-only: the store is opened read-only and
 * nothing is written anywhere.
 *
 * Each judged batch, in batch order: its stored statistics (KS p-values,
 * PSI, the predicted-class tests, accuracy, the detectors' signals) are
 * judged again by monitor_rejudge (core/monitor-judge.h) with the given
 * policy and thresholds against the stored reference (and, for the
 * calibrated policy, its stored PSI nulls, else nulls fitted in memory),
 * the alert rules (alert/rules.h) evaluated, and each condition opened,
 * kept or resolved as the alert engine does: opened when its rule fires
 * while it is not open, resolved after resolve_after evaluations of its
 * family that do not fire it; a condition that fires again while open
 * repeats when repeat_interval seconds have passed since it last
 * notified, else the repeat is suppressed (the engine's rule), with the
 * batch's stored times as the clock: when it closed, and for the
 * performance and detector rules when its labels landed. Pages are the
 * openings and repeats of critical conditions. The engine read its clock
 * a few milliseconds after those times, so a repeat due within that much
 * of the interval may fall the other way.
 *
 * A store holds one stream per model: the replay reads the handle's model
 * (store_model_set).
 *
 * The calibrated policy's Hotelling test (core/judge-joint.h) reads the
 * batch's mean vector, which only a calibrated ingest stores (payloads
 * under the seed policy stay as they were): replaying a seed store under
 * the calibrated policy judges without it, so it may page later than a
 * calibrated ingest of the same stream would have on a shift too small
 * for any one feature.
 */
#ifndef MLMON_BACKTEST_BACKTEST_H
#define MLMON_BACKTEST_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/monitor.h"

struct alert_config;
struct store;

#define BACKTEST_RULES_MAX	16

struct backtest_rule {
	const char	*name;		/* rule name (static) */
	const char	*severity;	/* "critical" or "warning" (static) */
	int64_t		 fired;		/* batches where it would fire */
	int64_t		 opened;	/* conditions it would open */
	int64_t		 recorded;	/* conditions the store records
					   opening ("firing" decisions) */
	int64_t		 repeats;	/* repeats it would send */
	int64_t		 repeats_recorded;
	int64_t		 suppressed;	/* repeats within the interval */
	int64_t		 suppressed_recorded;
};

struct backtest_result {
	int64_t		 batches;	/* judged batches replayed */
	int64_t		 first, last;	/* their ids; 0 when none */
	int64_t		 labelled;	/* of them with a performance report */
	size_t		 n_rules;
	struct backtest_rule rules[BACKTEST_RULES_MAX];
};

/*
 * Replay the store s (its model) through the monitor configuration c
 * (policy, knob and thresholds; c->policy picks the policy) and the alert
 * settings ac (rule severities, resolve_after, repeat_interval). 0, or -1
 * with *cause (caller frees).
 */
int	backtest_run(struct store *s, const struct monitor_config *c,
	    const struct alert_config *ac, struct backtest_result *out,
	    char **cause);

#endif
