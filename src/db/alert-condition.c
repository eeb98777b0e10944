/*
 * The alert conditions a write transaction has read or written, kept so
 * that the engine's look-ups (each batch: the open set, then each
 * finding's condition) are read from the store once per transaction,
 * not once per batch.
 *
 * A write transaction holds its model's turn (store-tx.c; SQLite's write
 * lock), and only writers write alert_conditions, so while it is open
 * nobody else changes the model's conditions: a row read or written in it
 * stays what the store holds until it ends. The cache is that and no
 * more. It holds one model's entries for one transaction (tx_seq, which
 * each write transaction and each judgement undone by ROLLBACK TO judge
 * moves on), and a look-up outside a write transaction reads the store.
 * An entry is a condition as last read or written, or a key known
 * absent; open_known says every open condition of the model is an entry
 * (the open set was read in this transaction, and every write since went
 * through alert_cache_put). The families' last batches evaluated (meta
 * alert.last_batch.<family>, raised at every batch) are kept the same
 * way: as last read or written in the transaction, or known absent.
 *
 * Values round-trip exactly: the store gives back what was bound (times
 * 0 <-> NULL, text, integers; doubles in shortest round-trip form).
 */
#include "db/alert-condition.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "db/store-internal.h"

struct alert_cache_entry {
	struct alert_condition	 c;	/* c.key always set */
	bool			 absent;	/* no such row */
};

/* A family's last batch: meta's key and value (absent: no such row). */
struct alert_cache_last {
	char				 key[ALERT_LAST_KEY_MAX];
	int64_t				 batch;
	bool				 absent;
};

#define ALERT_CACHE_LAST	4	/* families kept (two are raised) */

struct alert_cache {
	uint64_t			 tx;	/* the transaction's tx_seq */
	int64_t				 model;	/* its model_id */
	bool				 open_known;
	struct alert_cache_entry	*e;	/* owned */
	size_t				 n, cap;
	struct alert_cache_last		 last[ALERT_CACHE_LAST];
	size_t				 n_last;
};

static char *
dup_or_null(const char *t)
{
	return t != NULL ? xstrdup(t) : NULL;
}

void
alert_condition_copy(struct alert_condition *dst,
    const struct alert_condition *src)
{
	*dst = *src;
	dst->key = dup_or_null(src->key);
	dst->rule = dup_or_null(src->rule);
	dst->severity = dup_or_null(src->severity);
	dst->features = dup_or_null(src->features);
}

void
alert_condition_finish(struct alert_condition *c)
{
	free(c->key);
	free(c->rule);
	free(c->severity);
	free(c->features);
	memset(c, 0, sizeof *c);
}

static void
cache_clear(struct alert_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		alert_condition_finish(&c->e[i].c);
	c->n = 0;
	c->open_known = false;
	c->n_last = 0;
}

/* store_close's hook: the cache freed with the store. */
static void
cache_free(struct store *s)
{
	cache_clear(s->alert_cache);
	free(s->alert_cache->e);
	free(s->alert_cache);
	s->alert_cache = NULL;
}

/* The cache of this write transaction and model, or NULL outside one. */
static struct alert_cache *
cache_live(struct store *s)
{
	struct alert_cache *c;

	if (!s->in_tx || !s->model_known || !s->schema_ready)
		return NULL;
	if (s->alert_cache == NULL) {
		s->alert_cache = xcalloc(1, sizeof *s->alert_cache);
		s->alert_cache_free = cache_free;
	}
	c = s->alert_cache;
	if (c->tx != s->tx_seq || c->model != s->model_id) {
		cache_clear(c);
		c->tx = s->tx_seq;
		c->model = s->model_id;
	}
	return c;
}

static struct alert_cache_entry *
cache_find(struct alert_cache *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].c.key, key) == 0)
			return &c->e[i];
	return NULL;
}

/* The entry of key, made (absent) if there is none. */
static struct alert_cache_entry *
cache_entry(struct alert_cache *c, const char *key)
{
	struct alert_cache_entry *e;

	if ((e = cache_find(c, key)) != NULL)
		return e;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->e = xreallocarray(c->e, c->cap, sizeof *c->e);
	}
	e = &c->e[c->n++];
	memset(e, 0, sizeof *e);
	e->c.key = xstrdup(key);
	e->absent = true;
	return e;
}

/* Entry e now holds cond (NULL: absent). */
static void
cache_set(struct alert_cache_entry *e, const struct alert_condition *cond)
{
	char *key = e->c.key;

	e->c.key = NULL;
	alert_condition_finish(&e->c);
	if (cond != NULL)
		alert_condition_copy(&e->c, cond);
	free(e->c.key);
	e->c.key = key;
	e->absent = cond == NULL;
}

int
alert_cache_get(struct store *s, const char *key,
    struct alert_condition *out)
{
	struct alert_cache *c = cache_live(s);
	struct alert_cache_entry *e;

	if (c == NULL || (e = cache_find(c, key)) == NULL)
		return -1;
	if (e->absent)
		return 1;
	alert_condition_copy(out, &e->c);
	return 0;
}

const struct alert_condition *
alert_cache_find(struct store *s, const char *key)
{
	struct alert_cache *c = cache_live(s);
	struct alert_cache_entry *e;

	if (c == NULL || (e = cache_find(c, key)) == NULL || e->absent)
		return NULL;
	return &e->c;
}

void
alert_cache_put(struct store *s, const char *key,
    const struct alert_condition *cond)
{
	struct alert_cache *c = cache_live(s);

	if (c != NULL)
		cache_set(cache_entry(c, key), cond);
}

static int
cache_cmp(const void *a, const void *b)
{
	const struct alert_condition *x = a, *y = b;

	return strcmp(x->key, y->key);
}

bool
alert_cache_open(struct store *s, struct alert_condition **out, size_t *n)
{
	struct alert_cache *c = cache_live(s);
	size_t i, k = 0;

	if (c == NULL || !c->open_known)
		return false;
	for (i = 0; i < c->n; i++)
		k += !c->e[i].absent && c->e[i].c.open;
	*out = k > 0 ? xreallocarray(NULL, k, sizeof **out) : NULL;
	*n = k;
	for (i = 0, k = 0; i < c->n; i++)
		if (!c->e[i].absent && c->e[i].c.open)
			alert_condition_copy(&(*out)[k++], &c->e[i].c);
	/* The store's order (ORDER BY condition_key, bytewise). */
	if (k > 1)
		qsort(*out, k, sizeof **out, cache_cmp);
	return true;
}

void
alert_cache_open_read(struct store *s, const struct alert_condition *open,
    size_t n)
{
	struct alert_cache *c = cache_live(s);
	size_t i;

	if (c == NULL)
		return;
	/* Cached entries are as new as the store's rows, or newer. */
	for (i = 0; i < n; i++)
		if (cache_find(c, open[i].key) == NULL)
			cache_set(cache_entry(c, open[i].key), &open[i]);
	c->open_known = true;
}

/* Key's place among the last batches kept (NULL: none). */
static struct alert_cache_last *
cache_last(struct alert_cache *c, const char *key)
{
	size_t i;

	for (i = 0; i < c->n_last; i++)
		if (strcmp(c->last[i].key, key) == 0)
			return &c->last[i];
	return NULL;
}

int
alert_cache_last_batch(struct store *s, const char *key, int64_t *batch)
{
	struct alert_cache *c = cache_live(s);
	struct alert_cache_last *l;

	if (c == NULL || (l = cache_last(c, key)) == NULL)
		return -1;
	if (l->absent)
		return 1;
	*batch = l->batch;
	return 0;
}

void
alert_cache_last_batch_put(struct store *s, const char *key, int64_t batch,
    bool absent)
{
	struct alert_cache *c = cache_live(s);
	struct alert_cache_last *l;

	if (c == NULL || strlen(key) >= ALERT_LAST_KEY_MAX)
		return;
	if ((l = cache_last(c, key)) == NULL) {
		if (c->n_last == ALERT_CACHE_LAST)
			return;	/* not kept: read again */
		l = &c->last[c->n_last++];
		memcpy(l->key, key, strlen(key) + 1);
	}
	l->batch = batch;
	l->absent = absent;
}
