/*
 * Scenario definition files.
 *
 * A file is UTF-8 text of "key = value" lines. '#' starts a comment
 * (anywhere on a line), blank lines are skipped, spaces around keys and
 * values are ignored. Unknown or repeated keys are errors, reported as
 * "path:line: cause". Lists are comma-separated. scenarios/README.md
 * documents every key.
 */
#include "scn.h"
#include "scn-cat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xalloc.h"

#define SCN_MAX_LINE 4096
#define SCN_MAX_LIST 1000

/* Limits that keep every generated number finite and printable. */
#define SCN_MAX_MAGNITUDE 1e6
/* Class means are N(0, class_spread^2); the seed article's 3. */
#define SCN_DEFAULT_SPREAD 3.0
#define SCN_MAX_SPREAD 1e3
#define SCN_MAX_BATCH 1000000000000L
#define SCN_MAX_FEATURE 1000000L

static char *
scn_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Comma-separated doubles. Caller frees *out. */
static bool
scn_parse_doubles(const char *s, double **out, int *n)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	double *v = NULL, d;
	int count = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (count == SCN_MAX_LIST ||
		    !scn_parse_double(scn_trim(tok), &d)) {
			free(v);
			free(copy);
			return false;
		}
		v = xreallocarray(v, (size_t)count + 1, sizeof *v);
		v[count++] = d;
	}
	free(copy);
	if (count == 0)
		return false;
	*out = v;
	*n = count;
	return true;
}

static int
scn_set_priors(double **dst, int *ndst, const char *key, const char *value,
    char **cause)
{
	double *v, sum = 0.0;
	int n, i;

	if (!scn_parse_doubles(value, &v, &n)) {
		*cause = xasprintf("%s: expected comma-separated numbers, "
		    "got '%s'", key, value);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!(v[i] >= 0.0 && v[i] <= 1.0)) {
			*cause = xasprintf("%s: each prior must be in [0, 1], "
			    "got '%s'", key, value);
			free(v);
			return -1;
		}
		sum += v[i];
	}
	if (fabs(sum - 1.0) > 1e-6) {
		*cause = xasprintf("%s: priors sum to %g, expected 1", key,
		    sum);
		free(v);
		return -1;
	}
	free(*dst);
	*dst = v;
	*ndst = n;
	return 0;
}

static int
scn_set_features(struct scn *s, const char *value, char **cause)
{
	char *copy, *tok, *save = NULL;
	long j;
	int *v = NULL, n = 0;

	if (strcmp(value, "all") == 0) {
		free(s->shift_features);
		s->shift_features = NULL;
		s->nshift = 0;
		return 0;
	}
	copy = xstrdup(value);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (n == SCN_MAX_LIST ||
		    !scn_parse_long(scn_trim(tok), 0, 1000000, &j)) {
			*cause = xasprintf("shift_features: expected 'all' or "
			    "comma-separated feature indices, got '%s'", value);
			free(v);
			free(copy);
			return -1;
		}
		v = xreallocarray(v, (size_t)n + 1, sizeof *v);
		v[n++] = (int)j;
	}
	free(copy);
	if (n == 0) {
		*cause = xstrdup("shift_features: empty list");
		return -1;
	}
	free(s->shift_features);
	s->shift_features = v;
	s->nshift = n;
	return 0;
}

static int
scn_set_batch(long *dst, const char *key, const char *value, char **cause)
{
	if (!scn_parse_long(value, 0, SCN_MAX_BATCH, dst)) {
		*cause = xasprintf("%s: expected a batch id (integer >= 0), "
		    "got '%s'", key, value);
		return -1;
	}
	return 0;
}

static int
scn_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
scn_is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') != NULL ||
	    (n > 4 && strcmp(name + n - 4, ".scn") == 0);
}

static bool
scn_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool
scn_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
scn_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

void
scn_init(struct scn *s)
{
	memset(s, 0, sizeof *s);
	s->mean_shift = SCN_MEAN_NONE;
	s->prior_shift = SCN_PRIOR_NONE;
	s->class_spread = SCN_DEFAULT_SPREAD;
	s->true_class = SCN_LABEL_COMPONENT;
	s->missing_feature = -1;
	s->cat_feature = -1;
}

void
scn_finish(struct scn *s)
{
	free(s->name);
	free(s->path);
	free(s->description);
	free(s->shift_features);
	free(s->priors);
	free(s->after_priors);
	scn_cat_finish(s);
	scn_init(s);
}

/*
 * The keys of the data itself: class_spread and true_class. Returns 1
 * when key is not one of them.
 */
static int
scn_set_data(struct scn *s, const char *key, const char *value,
    char **cause)
{
	double d;

	if (strcmp(key, "class_spread") == 0) {
		if (!scn_parse_double(value, &d) || !(d > 0.0) ||
		    d > SCN_MAX_SPREAD) {
			*cause = xasprintf("class_spread: expected a number in "
			    "(0, 1000], got '%s'", value);
			return -1;
		}
		s->class_spread = d;
		s->have |= SCN_HAVE_CLASS_SPREAD;
	} else if (strcmp(key, "missing_feature") == 0) {
		long v;

		if (!scn_parse_long(value, 0, SCN_MAX_FEATURE, &v)) {
			*cause = xasprintf("missing_feature: expected a feature "
			    "index, got '%s'", value);
			return -1;
		}
		s->missing_feature = (int)v;
		s->have |= SCN_HAVE_MISSING_FEATURE;
	} else if (strcmp(key, "missing_share") == 0 ||
	    strcmp(key, "missing_after") == 0) {
		if (!scn_parse_double(value, &d) || !(d >= 0.0 && d <= 1.0)) {
			*cause = xasprintf("%s: expected a probability in "
			    "[0, 1], got '%s'", key, value);
			return -1;
		}
		if (strcmp(key, "missing_share") == 0) {
			s->missing_share = d;
		} else {
			s->missing_after = d;
			s->have |= SCN_HAVE_MISSING_AFTER;
		}
	} else if (strncmp(key, "categor", 7) == 0) {
		return scn_cat_set(s, key, value, cause);
	} else if (strcmp(key, "true_class") == 0) {
		if (strcmp(value, "component") == 0) {
			s->true_class = SCN_LABEL_COMPONENT;
		} else if (strcmp(value, "posterior") == 0) {
			s->true_class = SCN_LABEL_POSTERIOR;
		} else {
			*cause = xasprintf("true_class: expected component or "
			    "posterior, got '%s'", value);
			return -1;
		}
		s->have |= SCN_HAVE_TRUE_CLASS;
	} else {
		return 1;
	}
	return 0;
}

int
scn_set(struct scn *s, const char *key, const char *value, char **cause)
{
	int r = scn_set_data(s, key, value, cause);
	double d;

	if (r <= 0)
		return r;
	if (strcmp(key, "description") == 0) {
		free(s->description);
		s->description = xstrdup(value);
	} else if (strcmp(key, "mean_shift") == 0) {
		if (strcmp(value, "none") == 0) {
			s->mean_shift = SCN_MEAN_NONE;
		} else if (strcmp(value, "step") == 0) {
			s->mean_shift = SCN_MEAN_STEP;
		} else if (strcmp(value, "ramp") == 0) {
			s->mean_shift = SCN_MEAN_RAMP;
		} else {
			*cause = xasprintf("mean_shift: expected none, step or "
			    "ramp, got '%s'", value);
			return -1;
		}
		s->have |= SCN_HAVE_MEAN_SHIFT;
	} else if (strcmp(key, "prior_shift") == 0) {
		if (strcmp(value, "none") == 0) {
			s->prior_shift = SCN_PRIOR_NONE;
		} else if (strcmp(value, "step") == 0) {
			s->prior_shift = SCN_PRIOR_STEP;
		} else {
			*cause = xasprintf("prior_shift: expected none or "
			    "step, got '%s'", value);
			return -1;
		}
		s->have |= SCN_HAVE_PRIOR_SHIFT;
	} else if (strcmp(key, "magnitude") == 0) {
		if (!scn_parse_double(value, &d) ||
		    fabs(d) > SCN_MAX_MAGNITUDE) {
			*cause = xasprintf("magnitude: expected a number in "
			    "[-1e6, 1e6], got '%s'", value);
			return -1;
		}
		s->magnitude = d;
		s->have |= SCN_HAVE_MAGNITUDE;
	} else if (strcmp(key, "change_point") == 0) {
		if (scn_set_batch(&s->change_point, key, value, cause) != 0)
			return -1;
		s->have |= SCN_HAVE_CHANGE_POINT;
	} else if (strcmp(key, "ramp_start") == 0) {
		if (scn_set_batch(&s->ramp_start, key, value, cause) != 0)
			return -1;
		s->have |= SCN_HAVE_RAMP_START;
	} else if (strcmp(key, "ramp_end") == 0) {
		if (scn_set_batch(&s->ramp_end, key, value, cause) != 0)
			return -1;
		s->have |= SCN_HAVE_RAMP_END;
	} else if (strcmp(key, "shift_features") == 0) {
		if (scn_set_features(s, value, cause) != 0)
			return -1;
		s->have |= SCN_HAVE_SHIFT_FEATURES;
	} else if (strcmp(key, "priors") == 0) {
		if (scn_set_priors(&s->priors, &s->npriors, key, value,
		    cause) != 0)
			return -1;
		s->have |= SCN_HAVE_PRIORS;
	} else if (strcmp(key, "after_priors") == 0) {
		if (scn_set_priors(&s->after_priors, &s->nafter, key, value,
		    cause) != 0)
			return -1;
		s->have |= SCN_HAVE_AFTER_PRIORS;
	} else {
		*cause = xasprintf("unknown key '%s'", key);
		return -1;
	}
	return 0;
}

int
scn_load(struct scn *s, const char *path, char **cause)
{
	char line[SCN_MAX_LINE], *key, *value, *eq, *hash, *c, *base, *dot;
	char **seen = NULL;
	FILE *f;
	int lineno = 0, nseen = 0, i, rc = -1;

	f = fopen(path, "r");
	if (f == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			*cause = xasprintf("%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		key = scn_trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			*cause = xasprintf("%s:%d: expected key = value",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = scn_trim(key);
		value = scn_trim(eq + 1);
		for (i = 0; i < nseen; i++) {
			if (strcmp(seen[i], key) == 0) {
				*cause = xasprintf("%s:%d: key '%s' given "
				    "twice", path, lineno, key);
				goto out;
			}
		}
		if (scn_set(s, key, value, &c) != 0) {
			*cause = xasprintf("%s:%d: %s", path, lineno, c);
			free(c);
			goto out;
		}
		seen = xreallocarray(seen, (size_t)nseen + 1, sizeof *seen);
		seen[nseen++] = xstrdup(key);
	}
	if (ferror(f)) {
		*cause = xasprintf("%s: read error", path);
		goto out;
	}
	free(s->path);
	s->path = xstrdup(path);
	base = strrchr(path, '/');
	base = xstrdup(base != NULL ? base + 1 : path);
	dot = strrchr(base, '.');
	if (dot != NULL && strcmp(dot, ".scn") == 0)
		*dot = '\0';
	free(s->name);
	s->name = base;
	rc = 0;
out:
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	fclose(f);
	return rc;
}

int
scn_check(const struct scn *s, int features, int classes, char **cause)
{
	const char *n = s->name != NULL ? s->name : "scenario";
	int i;

	if (s->mean_shift == SCN_MEAN_STEP &&
	    !(s->have & SCN_HAVE_CHANGE_POINT)) {
		*cause = xasprintf("%s: mean_shift = step needs change_point",
		    n);
		return -1;
	}
	if (s->mean_shift == SCN_MEAN_RAMP) {
		if ((s->have & (SCN_HAVE_RAMP_START | SCN_HAVE_RAMP_END)) !=
		    (SCN_HAVE_RAMP_START | SCN_HAVE_RAMP_END)) {
			*cause = xasprintf("%s: mean_shift = ramp needs "
			    "ramp_start and ramp_end", n);
			return -1;
		}
		if (s->ramp_start >= s->ramp_end) {
			*cause = xasprintf("%s: ramp_start (%ld) must be "
			    "before ramp_end (%ld)", n, s->ramp_start,
			    s->ramp_end);
			return -1;
		}
	}
	if (s->mean_shift != SCN_MEAN_NONE &&
	    !(s->have & SCN_HAVE_MAGNITUDE)) {
		*cause = xasprintf("%s: a mean shift needs magnitude", n);
		return -1;
	}
	for (i = 0; i < s->nshift; i++) {
		if (s->shift_features[i] >= features) {
			*cause = xasprintf("%s: shift_features names feature "
			    "%d, but there are only %d features", n,
			    s->shift_features[i], features);
			return -1;
		}
	}
	if (s->prior_shift == SCN_PRIOR_STEP) {
		if (!(s->have & SCN_HAVE_CHANGE_POINT)) {
			*cause = xasprintf("%s: prior_shift = step needs "
			    "change_point", n);
			return -1;
		}
		if (s->after_priors == NULL) {
			*cause = xasprintf("%s: prior_shift = step needs "
			    "after_priors", n);
			return -1;
		}
	}
	if (s->missing_feature >= features) {
		*cause = xasprintf("%s: missing_feature is %d, but there are "
		    "only %d features", n, s->missing_feature, features);
		return -1;
	}
	if (scn_cat_check(s, features, cause) == -1)
		return -1;
	if ((s->have & SCN_HAVE_MISSING_AFTER) &&
	    !(s->have & SCN_HAVE_CHANGE_POINT)) {
		*cause = xasprintf("%s: missing_after needs change_point", n);
		return -1;
	}
	if (s->priors != NULL && s->npriors != classes) {
		*cause = xasprintf("%s: priors has %d values for %d classes",
		    n, s->npriors, classes);
		return -1;
	}
	if (s->after_priors != NULL && s->nafter != classes) {
		*cause = xasprintf("%s: after_priors has %d values for %d "
		    "classes", n, s->nafter, classes);
		return -1;
	}
	return 0;
}

double
scn_missing_at(const struct scn *s, int j, long batch)
{
	if (j != s->missing_feature)
		return 0.0;
	if ((s->have & SCN_HAVE_MISSING_AFTER) && batch >= s->change_point)
		return s->missing_after;
	return s->missing_share;
}

double
scn_shift_at(const struct scn *s, long batch)
{
	switch (s->mean_shift) {
	case SCN_MEAN_STEP:
		return batch >= s->change_point ? s->magnitude : 0.0;
	case SCN_MEAN_RAMP:
		if (batch <= s->ramp_start)
			return 0.0;
		if (batch >= s->ramp_end)
			return s->magnitude;
		return s->magnitude * (double)(batch - s->ramp_start) /
		    (double)(s->ramp_end - s->ramp_start);
	case SCN_MEAN_NONE:
		break;
	}
	return 0.0;
}

double
scn_shift_fraction(const struct scn *s, long batch)
{
	switch (s->mean_shift) {
	case SCN_MEAN_STEP:
		return batch >= s->change_point ? 1.0 : 0.0;
	case SCN_MEAN_RAMP:
		if (batch <= s->ramp_start)
			return 0.0;
		if (batch >= s->ramp_end)
			return 1.0;
		return (double)(batch - s->ramp_start) /
		    (double)(s->ramp_end - s->ramp_start);
	case SCN_MEAN_NONE:
		break;
	}
	return 0.0;
}

bool
scn_shifts_feature(const struct scn *s, int j)
{
	int i;

	if (s->shift_features == NULL)
		return true;
	for (i = 0; i < s->nshift; i++) {
		if (s->shift_features[i] == j)
			return true;
	}
	return false;
}

char *
scn_resolve(const char *name, const char *const *dirs, char **cause)
{
	char *path, *tried = NULL, *t;
	const char *p;
	int i;

	if (scn_is_path(name)) {
		if (scn_is_file(name))
			return xstrdup(name);
		*cause = xasprintf("scenario file '%s' not found", name);
		return NULL;
	}
	if (*name == '\0') {
		*cause = xstrdup("empty scenario name");
		return NULL;
	}
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			*cause = xasprintf("bad scenario name '%s' (letters, "
			    "digits, '_' and '-'; or give a path)", name);
			return NULL;
		}
	}
	for (i = 0; dirs[i] != NULL; i++) {
		path = xasprintf("%s/%s.scn", dirs[i], name);
		if (scn_is_file(path)) {
			free(tried);
			return path;
		}
		free(path);
		t = xasprintf("%s%s%s", tried != NULL ? tried : "",
		    tried != NULL ? ", " : "", dirs[i]);
		free(tried);
		tried = t;
	}
	*cause = xasprintf("unknown scenario '%s' (looked in %s; "
	    "try --list)", name, tried != NULL ? tried : "no directory");
	free(tried);
	return NULL;
}

int
scn_list(const char *const *dirs, FILE *f, char **cause)
{
	struct dirent *de;
	struct scn s;
	char **names = NULL, *path, *c;
	size_t n = 0, len, i, j;
	DIR *d;
	int k;
	bool dup;

	for (k = 0; dirs[k] != NULL; k++) {
		d = opendir(dirs[k]);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len <= 4 || de->d_name[0] == '.' ||
			    strcmp(de->d_name + len - 4, ".scn") != 0)
				continue;
			dup = false;
			for (j = 0; j < n; j++) {
				if (strncmp(names[j], de->d_name, len - 4)
				    == 0 && names[j][len - 4] == '\0')
					dup = true;
			}
			if (dup)
				continue;
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = xstrndup(de->d_name, len - 4);
		}
		closedir(d);
	}
	if (n == 0) {
		*cause = xstrdup("no scenario files (*.scn) found");
		free(names);
		return -1;
	}
	qsort(names, n, sizeof *names, scn_cmp_str);
	for (i = 0; i < n; i++) {
		path = scn_resolve(names[i], dirs, &c);
		scn_init(&s);
		if (path == NULL || scn_load(&s, path, &c) != 0) {
			fprintf(f, "%-16s (unreadable: %s)\n", names[i], c);
			free(c);
		} else {
			fprintf(f, "%-16s %s\n", names[i],
			    s.description != NULL ? s.description : "");
		}
		scn_finish(&s);
		free(path);
		free(names[i]);
	}
	free(names);
	return 0;
}
