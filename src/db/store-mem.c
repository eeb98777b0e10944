/*
 * SQLite's memory allocator: malloc, with a per-thread cache of freed
 * blocks. Debian's libsqlite3 is built with SQLITE_OMIT_LOOKASIDE,
 * so every execution of a statement allocates and frees its cursors and
 * record buffers through malloc (about five blocks per logged row, ~5% of
 * an ingest's instructions). Here a freed block of up to MEM_SMALL bytes
 * goes on its size class's list and the next allocation of that class
 * takes it back.
 *
 * The lists hold up to MEM_KEEP_BYTES in all, not a few blocks a class:
 * while rows are logged SQLite keeps hundreds of 1 KiB blocks live over
 * many rows and frees them in bursts (20,000 rows: 34,575 allocations of
 * that size, up to 261 live at once), so a cache of 16 blocks a class
 * missed on most of them (malloc and free: ~1,000 instructions a logged
 * row; issue 14's throughput, docs/BENCHMARKS.md section 6). What the
 * lists keep is memory SQLite had live at once before, capped.
 *
 * Every block has a MEM_HDR byte header holding its usable size (what
 * xSize answers); sizes are rounded up to MEM_GRAIN bytes up to MEM_SMALL
 * and to 8 above it (xRoundup). The lists are per thread (_Thread_local):
 * no locking, and a block freed by another thread than the one that
 * allocated it simply joins the freeing thread's list. A thread that ends
 * leaves at most MEM_KEEP_BYTES behind; mlmon does not use SQLite from
 * more than one thread.
 */
#include "db/store-internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define MEM_HDR		16	/* bytes; keeps malloc's 16-byte alignment */
#define MEM_GRAIN	64	/* bytes per size class */
#define MEM_CLASSES	16
#define MEM_SMALL	(MEM_GRAIN * MEM_CLASSES)	/* 1 KiB */
#define MEM_KEEP_BYTES	((size_t)4 << 20)	/* cached, all classes */

struct mem_free {
	struct mem_free	*next;	/* mem_cache::head[class] */
};

static _Thread_local struct {
	struct mem_free	*head[MEM_CLASSES];
	size_t		 bytes;		/* on the lists */
} mem_cache;

static size_t
mem_round(size_t n)
{
	if (n <= MEM_SMALL)
		return (n + MEM_GRAIN - 1) & ~(size_t)(MEM_GRAIN - 1);
	return (n + 7) & ~(size_t)7;
}

static size_t
mem_size_of(void *p)
{
	size_t sz;

	memcpy(&sz, (char *)p - MEM_HDR, sizeof sz);
	return sz;
}

static void *
mem_malloc(int n)
{
	struct mem_free *f;
	size_t sz, c;
	char *h;

	if (n <= 0)
		return NULL;
	sz = mem_round((size_t)n);
	if (sz <= MEM_SMALL) {
		c = sz / MEM_GRAIN - 1;
		if ((f = mem_cache.head[c]) != NULL) {
			mem_cache.head[c] = f->next;
			mem_cache.bytes -= sz;
			return f;
		}
	}
	if ((h = malloc(sz + MEM_HDR)) == NULL)
		return NULL;
	memcpy(h, &sz, sizeof sz);
	return h + MEM_HDR;
}

static void
mem_free(void *p)
{
	struct mem_free *f = p;
	size_t sz, c;

	if (p == NULL)
		return;
	sz = mem_size_of(p);
	if (sz <= MEM_SMALL) {
		c = sz / MEM_GRAIN - 1;
		if (mem_cache.bytes + sz <= MEM_KEEP_BYTES) {
			f->next = mem_cache.head[c];
			mem_cache.head[c] = f;
			mem_cache.bytes += sz;
			return;
		}
	}
	free((char *)p - MEM_HDR);
}

static int
mem_size(void *p)
{
	return p == NULL ? 0 : (int)mem_size_of(p);
}

static void *
mem_realloc(void *p, int n)
{
	size_t sz, old;
	char *h;
	void *q;

	if (p == NULL)
		return mem_malloc(n);
	if (n <= 0)
		return NULL;
	sz = mem_round((size_t)n);
	old = mem_size_of(p);
	if (sz == old)
		return p;
	if (sz > MEM_SMALL && old > MEM_SMALL) {
		if ((h = realloc((char *)p - MEM_HDR, sz + MEM_HDR)) == NULL)
			return NULL;
		memcpy(h, &sz, sizeof sz);
		return h + MEM_HDR;
	}
	if ((q = mem_malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < sz ? old : sz);
	mem_free(p);
	return q;
}

static int
mem_roundup(int n)
{
	return n <= 0 ? n : (int)mem_round((size_t)n);
}

static int
mem_init(void *arg)
{
	(void)arg;
	return SQLITE_OK;
}

static void
mem_shutdown(void *arg)
{
	(void)arg;
}

static const sqlite3_mem_methods mem_methods = {
	.xMalloc = mem_malloc,
	.xFree = mem_free,
	.xRealloc = mem_realloc,
	.xSize = mem_size,
	.xRoundup = mem_roundup,
	.xInit = mem_init,
	.xShutdown = mem_shutdown,
	.pAppData = NULL,
};

int
store_mem_install(void)
{
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &mem_methods);
}
