/*
 * The --db argument: SQLite path or PostgreSQL target, and where its
 * passwords are. A password is a span of the argument's text: the URI's
 * user:PASSWORD@ (libpq's rule: the userinfo ends at the first '@' before
 * any '/'), a password=VALUE query parameter, the value of a connection
 * string's password key (bare, or quoted with '...' and backslash
 * escapes, libpq's conninfo_parse), and any connection string or URI
 * nested in a dbname value (libpq expands those), whose whole value is a
 * span. Redaction replaces the spans; scrubbing replaces their text
 * wherever it appears in a message, and the passwords libpq reads in the
 * argument (PQconninfoParse), should a malformed one make it read them
 * otherwise.
 */
#include "db/db-target.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/strbuf.h"
#include "core/xalloc.h"

#define TARGET_MAX_SPANS	8
#define TARGET_MASK		"***"

struct target_span {
	size_t	off;		/* into the argument, bytes */
	size_t	len;
};

/* In order and apart once target_spans is done. */
struct target_spans {
	struct target_span	 v[TARGET_MAX_SPANS + 1];
	size_t			 n;
	size_t			 rest;	/* mask from here on; SIZE_MAX: none */
};

static const char *const target_prefixes[] = {
	"postgresql://", "postgres://",
};

static size_t
target_uri_prefix(const char *arg)
{
	size_t i, n;

	for (i = 0; i < sizeof target_prefixes / sizeof *target_prefixes;
	    i++) {
		n = strlen(target_prefixes[i]);
		if (strncmp(arg, target_prefixes[i], n) == 0)
			return n;
	}
	return 0;
}

/* Is the word [key, key + n) one of libpq's connection keywords? */
static bool
target_pq_keyword(const char *key, size_t n)
{
	PQconninfoOption *opts, *o;
	bool found = false;

	opts = PQconndefaults();
	if (opts == NULL)
		return false;
	for (o = opts; o->keyword != NULL; o++) {
		if (strlen(o->keyword) == n &&
		    strncmp(o->keyword, key, n) == 0) {
			found = true;
			break;
		}
	}
	PQconninfoFree(opts);
	return found;
}

enum db_target_kind
db_target_kind(const char *arg)
{
	const char *p = arg, *key;
	size_t n;

	if (target_uri_prefix(arg) > 0)
		return DB_TARGET_PG_URI;
	while (isspace((unsigned char)*p))
		p++;
	key = p;
	while (*p == '_' || islower((unsigned char)*p))
		p++;
	n = (size_t)(p - key);
	if (n == 0)
		return DB_TARGET_SQLITE;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '=' || !target_pq_keyword(key, n))
		return DB_TARGET_SQLITE;
	return DB_TARGET_PG_CONNINFO;
}

bool
db_target_is_pg(const char *arg)
{
	return db_target_kind(arg) != DB_TARGET_SQLITE;
}

static void
target_span_add(struct target_spans *sp, size_t off, size_t len)
{
	if (sp->n == TARGET_MAX_SPANS) {
		/* More passwords than slots: mask the rest of it. */
		if (off < sp->rest)
			sp->rest = off;
		return;
	}
	sp->v[sp->n].off = off;
	sp->v[sp->n].len = len;
	sp->n++;
}

static int
target_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Caller frees. s[0..n) as libpq reads it: %XX decoded (invalid escapes
 * kept) for a URI, or without its quotes and backslashes for a value of a
 * connection string.
 */
static char *
target_decode(const char *s, size_t n, bool uri)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i = 0;
	int hi, lo;

	if (!uri && n >= 1 && s[0] == '\'') {
		i = 1;
		if (n >= 2 && s[n - 1] == '\'')
			n--;
	}
	for (; i < n; i++) {
		if (uri && s[i] == '%' && i + 2 < n &&
		    (hi = target_hex(s[i + 1])) >= 0 &&
		    (lo = target_hex(s[i + 2])) >= 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (!uri && s[i] == '\\' && i + 1 < n) {
			*o++ = s[++i];
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/*
 * The values of the URI's query parameters password and dbname (when it
 * holds a nested connection string or URI): every "password=" or
 * "dbname=" that follows a '?' or a '&' anywhere in the argument, so that
 * a '?' or a '&' inside the userinfo cannot hide one.
 */
static void
target_uri_params(const char *arg, struct target_spans *sp)
{
	static const char *const keys[] = { "password=", "dbname=" };
	const char *p, *val;
	size_t k, n;
	char *dec;

	for (p = arg; (p = strpbrk(p, "?&")) != NULL; p++) {
		for (k = 0; k < sizeof keys / sizeof *keys; k++) {
			if (strncmp(p + 1, keys[k], strlen(keys[k])) != 0)
				continue;
			val = p + 1 + strlen(keys[k]);
			n = strcspn(val, "&");
			dec = target_decode(val, n, true);
			if (k == 0 || strchr(dec, '=') != NULL ||
			    strstr(dec, "://") != NULL)
				target_span_add(sp, (size_t)(val - arg), n);
			free(dec);
		}
	}
}

/*
 * libpq ends the userinfo at the first '@' before any '/'; a password
 * with a '/' (which libpq then misreads) must not show either, so the
 * span runs from the first ':' to the last '@' of the argument.
 */
static void
target_uri_spans(const char *arg, struct target_spans *sp)
{
	const char *p = arg + target_uri_prefix(arg), *at, *colon;

	at = strrchr(p, '@');
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL)
			target_span_add(sp, (size_t)(colon + 1 - arg),
			    (size_t)(at - colon - 1));
	}
	target_uri_params(arg, sp);
}

/* libpq's conninfo_parse, keeping where each value is. */
static void
target_conninfo_spans(const char *arg, struct target_spans *sp)
{
	const char *p = arg, *key, *val;
	size_t klen;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return;
		key = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		klen = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			/* Malformed: libpq refuses it; show none of it. */
			if ((size_t)(key - arg) < sp->rest)
				sp->rest = (size_t)(key - arg);
			return;
		}
		p++;
		while (isspace((unsigned char)*p))
			p++;
		val = p;
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\'')
				p++;
		} else {
			for (; *p != '\0' && !isspace((unsigned char)*p); p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
		}
		if ((klen == 8 && strncmp(key, "password", 8) == 0) ||
		    (klen == 6 && strncmp(key, "dbname", 6) == 0 &&
		    strcspn(val, "=:") < (size_t)(p - val)))
			target_span_add(sp, (size_t)(val - arg),
			    (size_t)(p - val));
	}
}

/* Sort the spans, make the rest one of them, merge those that touch. */
static void
target_spans_order(const char *arg, struct target_spans *sp)
{
	struct target_span t;
	size_t i, j, out;

	if (sp->rest != SIZE_MAX) {
		sp->v[sp->n].off = sp->rest;
		sp->v[sp->n].len = strlen(arg) - sp->rest;
		sp->n++;
	}
	for (i = 1; i < sp->n; i++) {
		t = sp->v[i];
		for (j = i; j > 0 && sp->v[j - 1].off > t.off; j--)
			sp->v[j] = sp->v[j - 1];
		sp->v[j] = t;
	}
	for (i = 1, out = 0; i < sp->n; i++) {
		if (sp->v[i].off <= sp->v[out].off + sp->v[out].len) {
			if (sp->v[i].off + sp->v[i].len >
			    sp->v[out].off + sp->v[out].len)
				sp->v[out].len = sp->v[i].off +
				    sp->v[i].len - sp->v[out].off;
		} else {
			sp->v[++out] = sp->v[i];
		}
	}
	if (sp->n > 0)
		sp->n = out + 1;
}

static void
target_spans(const char *arg, struct target_spans *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->rest = SIZE_MAX;
	switch (db_target_kind(arg)) {
	case DB_TARGET_PG_URI:
		target_uri_spans(arg, sp);
		break;
	case DB_TARGET_PG_CONNINFO:
		target_conninfo_spans(arg, sp);
		break;
	case DB_TARGET_SQLITE:
		break;
	}
	target_spans_order(arg, sp);
}

char *
db_target_redact(const char *arg)
{
	struct target_spans sp;
	struct strbuf b = STRBUF_INIT;
	size_t i, at = 0;

	target_spans(arg, &sp);
	for (i = 0; i < sp.n; i++) {
		strbuf_add(&b, arg + at, sp.v[i].off - at);
		strbuf_add(&b, TARGET_MASK, strlen(TARGET_MASK));
		at = sp.v[i].off + sp.v[i].len;
	}
	strbuf_add(&b, arg + at, strlen(arg + at));
	return strbuf_take(&b);
}

/* Replace every occurrence of the non-empty secret in *msg with the mask. */
static void
target_scrub_one(char **msg, const char *secret)
{
	struct strbuf b = STRBUF_INIT;
	const char *p, *hit;
	size_t n = strlen(secret);

	if (n == 0 || strstr(*msg, secret) == NULL)
		return;
	for (p = *msg; (hit = strstr(p, secret)) != NULL; p = hit + n) {
		strbuf_add(&b, p, (size_t)(hit - p));
		strbuf_add(&b, TARGET_MASK, strlen(TARGET_MASK));
	}
	strbuf_add(&b, p, strlen(p));
	free(*msg);
	*msg = strbuf_take(&b);
}

/*
 * Scrub from *msg the passwords libpq itself reads in arg (and in a
 * dbname nesting a target): where a malformed argument makes libpq split
 * it otherwise than the spans do, its reading counts too.
 */
static void
target_scrub_libpq(char **msg, const char *arg, int depth)
{
	PQconninfoOption *opts, *o;
	char *err = NULL;

	if (depth > 2 || (opts = PQconninfoParse(arg, &err)) == NULL) {
		PQfreemem(err);
		return;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "password") == 0)
			target_scrub_one(msg, o->val);
		else if (strcmp(o->keyword, "dbname") == 0 &&
		    db_target_is_pg(o->val))
			target_scrub_libpq(msg, o->val, depth + 1);
	}
	PQconninfoFree(opts);
}

char *
db_target_scrub(const char *arg, const char *msg)
{
	struct target_spans sp;
	char *out = xstrdup(msg), *raw, *dec;
	bool uri = db_target_kind(arg) == DB_TARGET_PG_URI;
	size_t i;

	target_spans(arg, &sp);
	for (i = 0; i < sp.n; i++) {
		raw = xstrndup(arg + sp.v[i].off, sp.v[i].len);
		dec = target_decode(raw, sp.v[i].len, uri);
		target_scrub_one(&out, raw);
		target_scrub_one(&out, dec);
		free(dec);
		free(raw);
	}
	if (db_target_is_pg(arg))
		target_scrub_libpq(&out, arg, 0);
	return out;
}
