/*
 * A string interner: an array of the strings by code and an
 * open-addressing hash (FNV-1a, linear probing, at most half full) from a
 * string to its code + 1 (0: empty slot).
 */
#include "cat-dict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct cat_dict {
	char		**names;	/* n, by code; owned */
	size_t		 n;
	size_t		 cap;
	uint32_t	*slots;		/* n_slots: code + 1, 0 empty */
	size_t		 n_slots;	/* a power of two */
};

uint64_t
cat_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot holding s[0..n), or the empty slot where it would go. */
static size_t
dict_slot(const struct cat_dict *d, const char *s, size_t n)
{
	size_t mask = d->n_slots - 1, i = (size_t)cat_hash(s, n) & mask;
	const char *name;

	while (d->slots[i] != 0) {
		name = d->names[d->slots[i] - 1];
		if (strncmp(name, s, n) == 0 && name[n] == '\0')
			break;
		i = (i + 1) & mask;
	}
	return i;
}

static void
dict_rehash(struct cat_dict *d, size_t n_slots)
{
	size_t i;

	free(d->slots);
	d->n_slots = n_slots;
	d->slots = xcalloc(n_slots, sizeof *d->slots);
	for (i = 0; i < d->n; i++)
		d->slots[dict_slot(d, d->names[i], strlen(d->names[i]))] =
		    (uint32_t)i + 1;
}

struct cat_dict *
cat_dict_create(void)
{
	struct cat_dict *d = xcalloc(1, sizeof *d);

	d->n_slots = 64;
	d->slots = xcalloc(d->n_slots, sizeof *d->slots);
	return d;
}

void
cat_dict_destroy(struct cat_dict *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->slots);
	free(d);
}

uint32_t
cat_dict_intern(struct cat_dict *d, const char *s, size_t n)
{
	size_t slot = dict_slot(d, s, n);
	char *copy;

	if (d->slots[slot] != 0)
		return d->slots[slot] - 1;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->names = xreallocarray(d->names, d->cap, sizeof *d->names);
	}
	copy = xmalloc(n + 1);
	memcpy(copy, s, n);
	copy[n] = '\0';
	d->names[d->n] = copy;
	d->slots[slot] = (uint32_t)++d->n;
	if (2 * d->n > d->n_slots)
		dict_rehash(d, 2 * d->n_slots);
	return (uint32_t)d->n - 1;
}

long
cat_dict_find(const struct cat_dict *d, const char *s, size_t n)
{
	return (long)d->slots[dict_slot(d, s, n)] - 1;
}

const char *
cat_dict_name(const struct cat_dict *d, double code)
{
	if (d == NULL || !(code >= 0) || code >= (double)d->n ||
	    code != floor(code))
		return NULL;
	return d->names[(size_t)code];
}

size_t
cat_dict_size(const struct cat_dict *d)
{
	return d->n;
}
