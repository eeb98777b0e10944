/*
 * The Drift tab's table: which features are shown in which order (the
 * `o` sort and the `/` filter) and how a name is shown in the name
 * column (sized to the names; two names never cut to the same text).
 * Pure functions over the series and sanitised names: no drawing.
 */
#ifndef MLMON_TUI_DRIFT_ORDER_H
#define MLMON_TUI_DRIFT_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct query_series;

enum drift_sort {
	DRIFT_SORT_INPUT,	/* the schema's order */
	DRIFT_SORT_PSI,		/* highest PSI first */
	DRIFT_SORT_P,		/* smallest KS (chi-squared) p first */
	DRIFT_SORT_MISSING,	/* highest missing share first */
	DRIFT_SORT_NAME,
	DRIFT_SORT_COUNT,
};

/* "schema order", "PSI", "p", "missing", "name". */
const char	*drift_sort_name(enum drift_sort by);

/*
 * The features to show, in order, into idx (nf entries): those whose name
 * contains filter (ASCII case-insensitive; NULL or "" all), sorted by the
 * values of slot `last` of s (ties and values missing there: schema
 * order, after the others). Returns how many.
 */
size_t		 drift_order(const struct query_series *s, char *const *names,
		    size_t nf, size_t last, enum drift_sort by,
		    const char *filter, size_t *idx);

/* Columns for the name column: the longest name + 1, in [min, max]. */
int		 drift_name_width(char *const *names, size_t n, int min,
		    int max);

/*
 * Name i in at most w columns into out (cap bytes): as it is when it
 * fits, else its head, the ellipsis code point and its tail, the tail as
 * short as keeps the text different from every other name's shown in w
 * columns the same way (the end of "mean concave points" and "mean
 * concavity" is what tells them apart). Names are sanitised UTF-8; a
 * code point counts one column.
 */
void		 drift_name_fit(char *const *names, size_t n, size_t i, int w,
		    uint32_t ellipsis, char *out, size_t cap);

#endif
