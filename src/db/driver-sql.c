/*
 * SQLite placeholders to PostgreSQL's. src/db writes every statement with
 * "?" or "?N"; libpq takes "$N". A scan of the text that knows the three
 * places where a '?' is not a placeholder: a 'string' (with '' inside), a
 * "quoted name" (with "" inside) and a comment (-- to the end of the line,
 * or slash-star to star-slash). SQLite's other placeholder forms (:name,
 * @name, $name) are refused: src/db never writes them.
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

char *
db_sql_to_pg(const char *sql, int *nparams, char **cause)
{
	struct strbuf b = STRBUF_INIT;
	const char *p = sql, *run = sql, *end;
	char *num_end;
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
		if ((*p == ':' || *p == '@' || *p == '$') &&
		    (isalpha((unsigned char)p[1]) || p[1] == '_')) {
			*cause = xasprintf("a named placeholder (%.*s...) "
			    "in SQL for PostgreSQL", 8, p);
			strbuf_finish(&b);
			return NULL;
		}
		if (*p != '?') {
			p++;
			continue;
		}
		strbuf_add(&b, run, (size_t)(p - run));
		p++;
		if (isdigit((unsigned char)*p)) {
			n = strtol(p, &num_end, 10);
			p = num_end;
		} else {
			n = max + 1;
		}
		if (n < 1 || n > DB_SQL_MAX_PARAMS) {
			*cause = xasprintf("placeholder ?%ld out of range "
			    "(1..%d)", n, DB_SQL_MAX_PARAMS);
			strbuf_finish(&b);
			return NULL;
		}
		if (n > max)
			max = (int)n;
		strbuf_addf(&b, "$%ld", n);
		run = p;
	}
	strbuf_add(&b, run, (size_t)(p - run));
	*nparams = max;
	return strbuf_take(&b);
}
