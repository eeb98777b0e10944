/*
 * store-mem.c, SQLite's allocator with a per-thread cache of small
 * blocks: sizes as xRoundup/xSize report them, contents kept across
 * reallocations between the cached and the plain sizes, a freed small
 * block reused, and a real store working on top of it.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/xalloc.h"
#include "db/store-internal.h"
#include "db/store.h"

/* An allocation of n bytes and the size SQLite must see for it. */
static const struct size_case {
	int	n;
	int	size;
} size_cases[] = {
	{ 1, 64 },
	{ 8, 64 },
	{ 63, 64 },
	{ 64, 64 },
	{ 65, 128 },
	{ 300, 320 },
	{ 1000, 1024 },
	{ 1024, 1024 },
	{ 1025, 1032 },
	{ 4097, 4104 },
	{ 70000, 70000 },
};

/* Reallocations: from, to (bytes); the first min(from, to) must survive. */
static const int realloc_cases[][2] = {
	{ 10, 20 },		/* same class: same block */
	{ 10, 500 },		/* small to small */
	{ 500, 10 },
	{ 200, 3000 },		/* small to plain */
	{ 3000, 200 },		/* plain to small */
	{ 3000, 90000 },	/* plain to plain */
	{ 90000, 2000 },
};

static void
fill(unsigned char *p, int n, unsigned seed)
{
	int i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + (unsigned)i * 7u);
}

static int
filled(const unsigned char *p, int n, unsigned seed)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + (unsigned)i * 7u))
			return 0;
	return 1;
}

/* Installed before SQLite initialises: the first thing the suite does. */
START_TEST(test_sizes_and_reuse)
{
	unsigned char *p, *q;
	size_t i;

	ck_assert_int_eq(store_mem_install(), SQLITE_OK);
	for (i = 0; i < sizeof size_cases / sizeof size_cases[0]; i++) {
		p = sqlite3_malloc(size_cases[i].n);
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(((uintptr_t)p & 15) == 0, "%d: misaligned",
		    size_cases[i].n);
		ck_assert_msg(sqlite3_msize(p) == (sqlite3_uint64)
		    size_cases[i].size, "%d bytes: size %llu, want %d",
		    size_cases[i].n, (unsigned long long)sqlite3_msize(p),
		    size_cases[i].size);
		fill(p, (int)sqlite3_msize(p), (unsigned)i);
		ck_assert(filled(p, (int)sqlite3_msize(p), (unsigned)i));
		sqlite3_free(p);
	}
	/* A freed small block is the next one of its class. */
	p = sqlite3_malloc(200);
	sqlite3_free(p);
	q = sqlite3_malloc(250);
	ck_assert_ptr_eq(p, q);
	sqlite3_free(q);
	/* Not across classes. */
	p = sqlite3_malloc(200);
	sqlite3_free(p);
	q = sqlite3_malloc(700);
	ck_assert_ptr_ne(p, q);
	sqlite3_free(q);
	/* Once SQLite runs, the allocator stays. */
	ck_assert_int_eq(sqlite3_initialize(), SQLITE_OK);
	ck_assert_int_eq(store_mem_install(), SQLITE_MISUSE);
}
END_TEST

START_TEST(test_realloc)
{
	unsigned char *p;
	size_t i;
	int from, to;

	for (i = 0; i < sizeof realloc_cases / sizeof realloc_cases[0];
	    i++) {
		from = realloc_cases[i][0];
		to = realloc_cases[i][1];
		p = sqlite3_malloc(from);
		ck_assert_ptr_nonnull(p);
		fill(p, from, (unsigned)i + 11);
		p = sqlite3_realloc(p, to);
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(sqlite3_msize(p) >= (sqlite3_uint64)to,
		    "%d -> %d: size %llu", from, to,
		    (unsigned long long)sqlite3_msize(p));
		ck_assert_msg(filled(p, from < to ? from : to,
		    (unsigned)i + 11), "%d -> %d: contents lost", from, to);
		sqlite3_free(p);
	}
	/*
	 * Many blocks of one class at once, more bytes than the cache
	 * keeps (4 MiB): freed past the cap, and taken back again, twice.
	 */
	{
		enum { N = 5000 };
		void **v = xcalloc(N, sizeof *v);
		int round;

		for (round = 0; round < 2; round++) {
			for (i = 0; i < N; i++) {
				v[i] = sqlite3_malloc(1000);
				ck_assert_ptr_nonnull(v[i]);
				memset(v[i], (int)(i + round), 1000);
			}
			for (i = 0; i < N; i++) {
				ck_assert_int_eq(((unsigned char *)v[i])[999],
				    (unsigned char)(i + round));
				sqlite3_free(v[i]);
			}
		}
		free(v);
	}
}
END_TEST

/* A store on top of it: rows in, rows out. */
START_TEST(test_store_on_top)
{
	struct store_prediction p;
	struct store_batch b;
	struct store *s;
	char dir[] = "/tmp/mlmon-test-mem-XXXXXX", *path, *cause = NULL;
	char *cmd;
	int64_t r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/monitoring.db", dir);
	s = store_open(path, STORE_READ_WRITE, &cause);
	ck_assert_msg(s != NULL, "open: %s", cause);
	memset(&p, 0, sizeof p);
	p.batch_id = 1;
	p.features_json = "[1.5, -2.25]";
	p.scores_json = "[0.25, 0.75]";
	p.predicted_class = 1;
	p.confidence = 0.75;
	p.true_class = -1;
	p.logged_at = 1.7e9;
	for (r = 0; r < 500; r++) {
		p.row_in_batch = r;
		ck_assert_int_eq(store_prediction_add(s, &p, &cause), 1);
	}
	ck_assert_int_eq(store_batch_close(s, 1, &cause), 0);
	ck_assert_int_eq(store_flush(s, &cause), 0);
	memset(&b, 0, sizeof b);
	ck_assert_msg(store_batch_get(s, 1, &b, &cause) == 0, "get: %s",
	    cause);
	ck_assert_uint_eq(b.n_rows, 500);
	ck_assert(b.features[2 * 499 + 1] == -2.25);
	store_batch_finish(&b);
	store_close(s);
	cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(path);
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("store-mem");
	TCase *tc = tcase_create("store-mem");

	tcase_add_test(tc, test_sizes_and_reuse);
	tcase_add_test(tc, test_realloc);
	tcase_add_test(tc, test_store_on_top);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	int failed;

	/* One process: the first test installs the allocator. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
