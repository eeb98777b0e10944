/*
 * The categorical keys of a scenario file (scn.h holds the rest):
 *
 *   categorical_feature = 2             that feature is logged as a category
 *   categories = us:0.5,fr:0.3,de:0.2   its shares, training set and batches
 *   categories_after = us:0.2,fr:0.3,de:0.3,it:0.2
 *                                       from change_point on (a name only
 *                                       here is a category the reference
 *                                       never saw)
 *
 * Shares are normalised to sum to 1; names are 1..31 bytes of
 * [A-Za-z0-9_-].
 */
#ifndef MLMON_SCENARIOS_SCN_CAT_H
#define MLMON_SCENARIOS_SCN_CAT_H

#include <stdbool.h>

struct scn;



/* 0 set, -1 with *cause, 1 when key is not a categorical key. */
int		 scn_cat_set(struct scn *s, const char *key, const char *value,
		    char **cause);
/* The checks scn_check makes of these keys. 0 or -1 with *cause. */
int		 scn_cat_check(const struct scn *s, int features,
		    char **cause);
/* The category of a uniform draw u at a batch id (< 0: training). */
const char	*scn_cat_at(const struct scn *s, long batch, double u);
void		 scn_cat_finish(struct scn *s);

#endif
