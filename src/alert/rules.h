/*
 * The alert rules, all in one table (docs/ALERTS.md is their prose):
 *
 *   confirmed_drift     PSI and KS agree on >= 1 feature      critical
 *                       (chi-squared for a categorical one)
 *   psi_unconfirmed     PSI critical, KS agrees on none        warning
 *   missingness         a feature's missing share moved        warning
 *   new_categories      a categorical feature's share of       warning
 *                       values never in the reference is high
 *   performance_decay   accuracy or F1 delta < -decay          critical
 *   estimated_decay     CBPE's upper bound of accuracy or F1   warning
 *                       below the reference's - decay          (configurable:
 *                       (before the labels)                    [alert] estimated_decay_severity)
 *   label_shift         chi-squared on predicted classes       warning
 *   confidence_drift    mean confidence moved                  warning
 *   ddm_drift           DDM drifted on the error stream        warning
 *   adwin_drift         ADWIN cut the error stream             warning
 *   stream_silent       no prediction for --expect-every       critical
 *   labels_late         no labels --expect-labels-within       warning
 *                       after a batch closed
 *
 * Each rule belongs to the family of the report it reads. A family is
 * evaluated by a batch only when that report is present, so a condition
 * only fires and only clears on evidence of its own kind. The stream
 * family is never evaluated by a batch: ingest's clock judges it
 * (alert_engine_stream).
 */
#ifndef MLMON_ALERT_RULES_H
#define MLMON_ALERT_RULES_H

#include <stddef.h>

#include "alert/config.h"

struct alert_batch;

enum rule_family {
	RULE_FAMILY_FEATURE,		/* feature report: every closed batch */
	RULE_FAMILY_PREDICTION,		/* prediction report: every batch */
	RULE_FAMILY_PERFORMANCE,	/* performance: labelled batches */
	RULE_FAMILY_DETECTOR,		/* DDM/ADWIN: labelled batches */
	RULE_FAMILY_STREAM,		/* arrivals: ingest's timer */
	RULE_FAMILY_ESTIMATE,		/* CBPE estimate: closed batches */
};
#define RULE_FAMILY_COUNT	6

struct rule {
	const char		*name;		/* key prefix, alerts rule */
	enum rule_family	 family;
	enum alert_severity	 severity;
	const char		*title;		/* "confirmed drift" */
	const char		*explain;	/* when it fires, for people */
};

/* One rule that fired on a batch. */
struct rule_finding {
	const struct rule	*rule;
	enum alert_severity	 severity;	/* the rule's, or configured */
	char			*key;		/* condition key, owned */
	char			*features;	/* JSON array, sorted; or NULL */
	char			*message;	/* owned */
};

struct rule_result {
	unsigned		 families;	/* 1u << family: evaluated */
	struct rule_finding	*findings;	/* owned */
	size_t			 n;
};

/* Longest feature name kept in keys and messages, bytes. */
#define RULE_NAME_MAX		128
/* Features named in one message; the rest are counted. */
#define RULE_MESSAGE_FEATURES	10

/*
 * Evaluate every rule on b with the severities of c (a rule configured
 * off fires nothing; its family is still evaluated, so what it had open
 * clears). Caller finishes out.
 */
void		 rules_evaluate(const struct alert_batch *b,
		    const struct alert_config *c, struct rule_result *out);
void		 rule_result_finish(struct rule_result *r);
/* NULL when no rule has this name. */
const struct rule *rules_find(const char *name);
/* The i-th rule of the table, in its order; NULL past the last. */
const struct rule *rules_nth(size_t i);
const char	*rule_family_name(enum rule_family f);

#endif
