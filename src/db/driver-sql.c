/*
 * SQLite placeholders to PostgreSQL's. src/db writes every statement with
 * "?", "?N" or a name (":model"); libpq takes "$N". A scan of the text
 * that knows the three places where a '?' is not a placeholder: a
 * 'string' (with '' inside), a "quoted name" (with "" inside) and a
 * comment (-- to the end of the line, or slash-star to star-slash). A
 * name (:name, @name, $name) is numbered as SQLite numbers it: the next
 * number at its first use, the same number after; its name is kept for
 * db_bind_parameter_index. PostgreSQL's "::" cast is left alone.
 */
#include "db/driver-internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

/* PostgreSQL's limit on the parameters of one statement. */
#define DB_SQL_MAX_PARAMS	65535

/* The end of the quoted run that starts at p (p[0] is the quote). */
static const char *
sql_skip_quoted(const char *p)
{
	char q = *p++;

	for (;;) {
		if (*p == '\0')
			return p;
		if (*p == q) {
			if (p[1] != q)
				return p + 1;
			p++;
		}
		p++;
	}
}

/* The end of the comment at p, or p when none starts there. */
static const char *
sql_skip_comment(const char *p)
{
	const char *end;

	if (p[0] == '-' && p[1] == '-')
		return p + 2 + strcspn(p + 2, "\n");
	if (p[0] == '/' && p[1] == '*') {
		end = strstr(p + 2, "*/");
		return end == NULL ? p + strlen(p) : end + 2;
	}
	return p;
}

/* The named parameters seen so far and their numbers. */
struct sql_names {
	char	**name;		/* by number - 1, NULL: unnamed; owned */
	size_t	  cap;
};

static void
sql_names_set(struct sql_names *nm, int n, const char *name, size_t len)
{
	size_t old = nm->cap;

	if ((size_t)n > nm->cap) {
		while ((size_t)n > nm->cap)
			nm->cap = nm->cap == 0 ? 8 : nm->cap * 2;
		nm->name = xreallocarray(nm->name, nm->cap, sizeof *nm->name);
		memset(nm->name + old, 0, (nm->cap - old) * sizeof *nm->name);
	}
	nm->name[n - 1] = xstrndup(name, len);
}

/* The number of the named parameter [name, name + len); 0 if new. */
static int
sql_names_find(const struct sql_names *nm, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nm->cap; i++)
		if (nm->name[i] != NULL && strlen(nm->name[i]) == len &&
		    strncmp(nm->name[i], name, len) == 0)
			return (int)i + 1;
	return 0;
}

void
db_sql_names_free(char **names, int n)
{
	xfree_strings(names, n > 0 ? (size_t)n : 0);
}

/*
 * The placeholder at p (a '?' or a :name, @name, $name) as SQLite numbers
 * it, given the largest number so far; *end after it. 0 and *cause when
 * out of range.
 */
static long
sql_placeholder(const char *p, const char **end, int max,
    struct sql_names *nm, char **cause)
{
	const char *q = p + 1;
	char *num_end;
	long n;

	if (*p == '?' && isdigit((unsigned char)*q)) {
		n = strtol(q, &num_end, 10);
		q = num_end;
	} else if (*p == '?') {
		n = max + 1;
	} else {
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		n = sql_names_find(nm, p, (size_t)(q - p));
		if (n == 0 && max < DB_SQL_MAX_PARAMS) {
			n = max + 1;
			sql_names_set(nm, (int)n, p, (size_t)(q - p));
		}
	}
	*end = q;
	if (n < 1 || n > DB_SQL_MAX_PARAMS) {
		*cause = xasprintf("placeholder %.*s out of range (1..%d)",
		    (int)(q - p), p, DB_SQL_MAX_PARAMS);
		return 0;
	}
	return n;
}

char *
db_sql_to_pg(const char *sql, int *nparams, char ***names, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	struct sql_names nm = { NULL, 0 };
	const char *p = sql, *run = sql, *end;
	size_t i;
	long n;
	int max = 0;

	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			p = sql_skip_quoted(p);
			continue;
		}
		if ((end = sql_skip_comment(p)) != p) {
			p = end;
			continue;
		}
		if (p[0] == ':' && p[1] == ':') {
			p += 2;		/* a PostgreSQL cast */
			continue;
		}
		if (*p != '?' && !((*p == ':' || *p == '@' || *p == '$') &&
		    (isalpha((unsigned char)p[1]) || p[1] == '_'))) {
			p++;
			continue;
		}
		strbuf_add(&b, run, (size_t)(p - run));
		if ((n = sql_placeholder(p, &end, max, &nm, cause)) == 0) {
			strbuf_finish(&b);
			db_sql_names_free(nm.name, (int)nm.cap);
			return NULL;
		}
		if (n > max)
			max = (int)n;
		strbuf_addf(&b, "$%ld", n);
		p = run = end;
	}
	strbuf_add(&b, run, (size_t)(p - run));
	*nparams = max;
	*names = NULL;
	if (nm.name != NULL) {
		/* One entry per parameter (numbers past max are unset). */
		*names = xcalloc((size_t)max, sizeof **names);
		for (i = 0; i < nm.cap && i < (size_t)max; i++)
			(*names)[i] = nm.name[i];
		free(nm.name);
	}
	return strbuf_take(&b);
}
