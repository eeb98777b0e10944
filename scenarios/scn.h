/*
 * Scenario definitions for mlmon-gen: small "key = value" files, one per
 * scenario (scenarios/README.md has the format). A scenario is a kind of
 * mean shift (none, step, ramp) and a kind of prior change (none, step)
 * with their parameters, how far apart the classes are (class_spread)
 * and how a row's true class is drawn (true_class); command-line
 * overrides go through scn_set too.
 */
#ifndef MLMON_SCENARIOS_SCN_H
#define MLMON_SCENARIOS_SCN_H

#define SCN_MAX_CATS	64	/* categories of categorical_feature */

#include <stdbool.h>
#include <stdio.h>

enum scn_mean {
	SCN_MEAN_NONE,
	SCN_MEAN_STEP,		/* +magnitude from change_point on */
	SCN_MEAN_RAMP,		/* 0 at ramp_start, magnitude at ramp_end */
};

enum scn_prior {
	SCN_PRIOR_NONE,
	SCN_PRIOR_STEP,		/* after_priors from change_point */
};

/* How a row's true class is drawn. */
enum scn_label {
	SCN_LABEL_COMPONENT,	/* the class x was drawn from (default) */
	SCN_LABEL_POSTERIOR,	/* from P(y|x) of the training distribution */
};

/* Which keys were given (file or override). */
enum {
	SCN_HAVE_MAGNITUDE = 1 << 0,
	SCN_HAVE_CHANGE_POINT = 1 << 1,
	SCN_HAVE_RAMP_START = 1 << 2,
	SCN_HAVE_RAMP_END = 1 << 3,
	SCN_HAVE_PRIORS = 1 << 4,
	SCN_HAVE_AFTER_PRIORS = 1 << 5,
	SCN_HAVE_SHIFT_FEATURES = 1 << 6,
	SCN_HAVE_MEAN_SHIFT = 1 << 7,
	SCN_HAVE_PRIOR_SHIFT = 1 << 8,
	SCN_HAVE_CLASS_SPREAD = 1 << 9,
	SCN_HAVE_TRUE_CLASS = 1 << 10,
	SCN_HAVE_MISSING_FEATURE = 1 << 11,
	SCN_HAVE_MISSING_AFTER = 1 << 12,
};

struct scn {
	char		*name;		/* file name without .scn */
	char		*path;
	char		*description;
	enum scn_mean	 mean_shift;
	double		 magnitude;	/* added to each shifted mean */
	long		 change_point;	/* first batch after a step */
	long		 ramp_start;	/* last batch with no shift */
	long		 ramp_end;	/* first with the full shift */
	int		*shift_features; /* feature indices; NULL = all */
	int		 nshift;
	enum scn_prior	 prior_shift;
	double		*priors;	/* class priors; NULL = uniform */
	int		 npriors;
	double		*after_priors;
	int		 nafter;
	double		 class_spread;	/* sd of the class means (3) */
	enum scn_label	 true_class;
	int		 missing_feature; /* its values go missing; -1 none */
	double		 missing_share;	/* probability, training and batches */
	double		 missing_after;	/* from change_point on */
	/* Categorical (scn-cat.h). */
	int		 cat_feature;	/* logged as a category; -1 none */
	int		 ncats;
	char		*cat_names[SCN_MAX_CATS];	/* owned */
	double		*cat_before;	/* SCN_MAX_CATS shares; NULL none */
	double		*cat_after;	/* from change_point on; NULL same */
	unsigned	 have;		/* SCN_HAVE_* */
};

void	scn_init(struct scn *s);
void	scn_finish(struct scn *s);
/* Read a definition file into s (scn_init first). */
int	scn_load(struct scn *s, const char *path, char **cause);
/* Set one key from its text value, as in a file. */
int	scn_set(struct scn *s, const char *key, const char *value,
	    char **cause);
/* Check s is complete and fits features x classes. */
int	scn_check(const struct scn *s, int features, int classes,
	    char **cause);
/* Mean shift at a batch id: 0, magnitude, or a point on the ramp. */
double	scn_shift_at(const struct scn *s, long batch);
/*
 * How much of the shift is in force at a batch id, 0 to 1, rounded once:
 * (batch - ramp_start) / (ramp_end - ramp_start) on a ramp. The numpy
 * generator multiplies it by magnitude, as generators.py does.
 */
double	scn_shift_fraction(const struct scn *s, long batch);
/* Whether feature j is shifted. */
bool	scn_shifts_feature(const struct scn *s, int j);
/*
 * The probability that feature j is missing at a batch id (batch < 0:
 * the training set): missing_share, missing_after from change_point on,
 * 0 for the other features.
 */
double	scn_missing_at(const struct scn *s, int j, long batch);

/*
 * Find a scenario: a path (contains '/' or ends in ".scn") is used as
 * is; a name is looked up as <dir>/<name>.scn in dirs (NULL-terminated).
 * Caller frees.
 */
char	*scn_resolve(const char *name, const char *const *dirs,
	    char **cause);
/* Print "name  description" for every *.scn in dirs, sorted. */
int	scn_list(const char *const *dirs, FILE *f, char **cause);

/* Parsers: write *out only on success. */
bool	scn_parse_long(const char *s, long min, long max, long *out);
bool	scn_parse_double(const char *s, double *out);

#endif
