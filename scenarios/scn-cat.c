/*
 * Categorical scenario keys (scn-cat.h). The names of categories and
 * categories_after share one table, in order of first appearance; a
 * share not given is 0.
 */
#include "scn-cat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "scn.h"

/* The index of name in the table, added when new; -1 when full. */
static int
cat_index(struct scn *s, const char *name, size_t n)
{
	int i;

	for (i = 0; i < s->ncats; i++)
		if (strlen(s->cat_names[i]) == n &&
		    memcmp(s->cat_names[i], name, n) == 0)
			return i;
	if (s->ncats == SCN_MAX_CATS)
		return -1;
	s->cat_names[s->ncats] = xmalloc(n + 1);
	memcpy(s->cat_names[s->ncats], name, n);
	s->cat_names[s->ncats][n] = '\0';
	return s->ncats++;
}

static bool
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > 31)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' &&
		    p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') ||
		    p[i] == '_' || p[i] == '-'))
			return false;
	return true;
}

/* "name:share,..." into shares (SCN_MAX_CATS), normalised. */
static int
cat_parse(struct scn *s, const char *key, const char *value, double *shares,
    char **cause)
{
	const char *p = value, *colon, *end;
	double v, sum = 0;
	char *stop;
	int i;

	memset(shares, 0, SCN_MAX_CATS * sizeof *shares);
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL || !name_ok(p, (size_t)(colon - p)))
			goto bad;
		v = strtod(colon + 1, &stop);
		if (stop != end || !(v >= 0 && v <= 1e6))
			goto bad;
		if ((i = cat_index(s, p, (size_t)(colon - p))) < 0)
			goto bad;
		shares[i] += v;
		sum += v;
		p = *end == ',' ? end + 1 : end;
	}
	if (!(sum > 0))
		goto bad;
	for (i = 0; i < SCN_MAX_CATS; i++)
		shares[i] /= sum;
	return 0;
bad:
	*cause = xasprintf("%s: expected name:share,... (names of "
	    "[A-Za-z0-9_-], at most %d), got '%s'", key, SCN_MAX_CATS, value);
	return -1;
}

int
scn_cat_set(struct scn *s, const char *key, const char *value, char **cause)
{
	char *end;
	long v;

	if (strcmp(key, "categorical_feature") == 0) {
		v = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || v < 0 || v > 4096) {
			*cause = xasprintf("categorical_feature: expected a "
			    "feature index, got '%s'", value);
			return -1;
		}
		s->cat_feature = (int)v;
		return 0;
	}
	if (strcmp(key, "categories") == 0) {
		if (s->cat_before == NULL)
			s->cat_before = xcalloc(SCN_MAX_CATS,
			    sizeof *s->cat_before);
		return cat_parse(s, key, value, s->cat_before, cause);
	}
	if (strcmp(key, "categories_after") == 0) {
		if (s->cat_after == NULL)
			s->cat_after = xcalloc(SCN_MAX_CATS,
			    sizeof *s->cat_after);
		return cat_parse(s, key, value, s->cat_after, cause);
	}
	return 1;
}

int
scn_cat_check(const struct scn *s, int features, char **cause)
{
	const char *n = s->name != NULL ? s->name : "scenario";

	if (s->cat_feature < 0 && s->cat_before == NULL &&
	    s->cat_after == NULL)
		return 0;
	if (s->cat_feature < 0 || s->cat_before == NULL) {
		*cause = xasprintf("%s: categorical_feature and categories go "
		    "together", n);
		return -1;
	}
	if (s->cat_feature >= features) {
		*cause = xasprintf("%s: categorical_feature is %d, but there "
		    "are only %d features", n, s->cat_feature, features);
		return -1;
	}
	if (s->cat_after != NULL && !(s->have & SCN_HAVE_CHANGE_POINT)) {
		*cause = xasprintf("%s: categories_after needs change_point",
		    n);
		return -1;
	}
	if (s->cat_feature == s->missing_feature) {
		*cause = xasprintf("%s: categorical_feature is also the "
		    "missing_feature", n);
		return -1;
	}
	return 0;
}

const char *
scn_cat_at(const struct scn *s, long batch, double u)
{
	const double *p = s->cat_before;
	double cum = 0;
	int i, last = 0;

	if (s->cat_after != NULL && batch >= s->change_point)
		p = s->cat_after;
	for (i = 0; i < s->ncats; i++) {
		if (p[i] <= 0)
			continue;
		cum += p[i];
		last = i;
		if (u < cum)
			return s->cat_names[i];
	}
	return s->cat_names[last];
}

void
scn_cat_finish(struct scn *s)
{
	int i;

	for (i = 0; i < s->ncats; i++)
		free(s->cat_names[i]);
	free(s->cat_before);
	free(s->cat_after);
}
