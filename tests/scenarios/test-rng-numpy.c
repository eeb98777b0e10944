/*
 * mlmon-gen --rng numpy against numpy itself: every line of
 * tests/golden/numpy-streams.txt (written by make-numpy-streams.py from
 * Debian's python3-numpy and python3-sklearn) is checked against
 * scenarios/rng-numpy.c and scenarios/gen-numpy.c. Features and every
 * generator output must be bit-identical; scores within 1e-12.
 * The stream cases load the shipped scenario files, so they also check
 * that stable/abrupt/gradual/label_shift.scn mean what generators.py does.
 * MLMON_NUMPY_GOLDEN is the golden file, MLMON_SCN_SRCDIR the shipped
 * scenarios (set by meson).
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-numpy.h"
#include "gen.h"
#include "rng-numpy-zig.h"
#include "rng-numpy.h"
#include "scn.h"

#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL
#define MAX_TOK		64

/* One golden line split into words. */
struct line {
	char	*tok[MAX_TOK];
	int	 n;
	int	 no;		/* line number, for messages */
};

/* A stream case being checked. */
struct scase {
	struct scn	 scn;
	struct gen_config cfg;
	struct gen_numpy *np;
	double		*means;
	double		*cent;
	double		*dist;
	double		*score;
	char		 name[64];
	uint64_t	 seed;
};

static FILE *golden;
static int checked;		/* golden lines checked */

static uint64_t
fnv_bytes(uint64_t h, uint64_t v)
{
	int i;

	/* The value's 8 bytes, least significant first (little-endian). */
	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t
fnv_double(uint64_t h, double x)
{
	uint64_t v;

	memcpy(&v, &x, sizeof v);
	return fnv_bytes(h, v);
}

/* Read the next non-comment line into l; false at the end. */
static bool
next_line(struct line *l, char *buf, size_t size)
{
	char *save, *t;

	while (fgets(buf, (int)size, golden) != NULL) {
		l->no++;
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		ck_assert_msg(strchr(buf, '\n') != NULL, "golden:%d: too long",
		    l->no);
		l->n = 0;
		for (t = strtok_r(buf, " \n", &save); t != NULL;
		    t = strtok_r(NULL, " \n", &save)) {
			ck_assert_msg(l->n < MAX_TOK, "golden:%d: too many "
			    "words", l->no);
			l->tok[l->n++] = t;
		}
		return true;
	}
	return false;
}

static uint64_t
u64(const struct line *l, int i, int base)
{
	ck_assert_msg(i < l->n, "golden:%d: missing word %d", l->no, i);
	return strtoull(l->tok[i], NULL, base);
}

static double
dbl(const struct line *l, int i)
{
	ck_assert_msg(i < l->n, "golden:%d: missing word %d", l->no, i);
	return strtod(l->tok[i], NULL);
}

/* Bit-identical doubles (17 significant digits read back exactly). */
static void
same_double(const struct line *l, int i, double got, const char *what)
{
	double want = dbl(l, i);

	ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
	    "golden:%d: %s: got %.17g, numpy %.17g", l->no, what, got, want);
}

static void
check_seedstate(const struct line *l)
{
	uint32_t w[8];
	int i;

	rng_numpy_seed_state(u64(l, 1, 10), w, 8);
	for (i = 0; i < 8; i++)
		ck_assert_msg(w[i] == u64(l, 2 + i, 10),
		    "golden:%d: word %d: got %" PRIu32, l->no, i, w[i]);
}

static void
check_raw(const struct line *l)
{
	struct rng_numpy r;
	uint64_t x;
	int i;

	rng_numpy_seed(&r, u64(l, 1, 10));
	for (i = 0; i < 8; i++) {
		x = rng_numpy_next64(&r);
		ck_assert_msg(x == u64(l, 2 + i, 16),
		    "golden:%d: draw %d: got %016" PRIx64, l->no, i, x);
	}
}

/* The same calls as mixed_ops() in make-numpy-streams.py. */
static void
check_mixed(const struct line *l)
{
	static const double p3[] = { 0.7, 0.15, 0.15 };
	static const double p4[] = { 0.0, 0.5, 0.0, 0.5 };
	struct rng_numpy r;
	double cdf[4];
	int i, k = 2;

	rng_numpy_seed(&r, u64(l, 1, 10));
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(rng_numpy_below(&r, 3), u64(l, k++, 10));
	for (i = 0; i < 2; i++)
		same_double(l, k++, rng_numpy_uniform(&r), "random");
	ck_assert_uint_eq(rng_numpy_below(&r, 1000), u64(l, k++, 10));
	for (i = 0; i < 3; i++)
		same_double(l, k++, rng_numpy_normal(&r), "normal");
	rng_numpy_cdf(p3, 3, cdf);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(rng_numpy_choice(&r, cdf, 3),
		    (int)u64(l, k++, 10));
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(rng_numpy_below(&r, 0xffffffffU),
		    u64(l, k++, 10));
	rng_numpy_cdf(p4, 4, cdf);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(rng_numpy_choice(&r, cdf, 4),
		    (int)u64(l, k++, 10));
	ck_assert_uint_eq(rng_numpy_below(&r, 7), u64(l, k++, 10));
	ck_assert_int_eq(k, l->n);
}

/* "normals SEED N HASH SUM", then "normal SEED I V" lines. */
static void
check_normals(struct line *l, char *buf, size_t size)
{
	struct rng_numpy r;
	uint64_t h = FNV_OFFSET, n = u64(l, 2, 10), i, want_h;
	double *z, sum = 0.0;
	long pos;

	z = calloc(n, sizeof *z);
	ck_assert_ptr_nonnull(z);
	rng_numpy_seed(&r, u64(l, 1, 10));
	for (i = 0; i < n; i++) {
		z[i] = rng_numpy_normal(&r);
		h = fnv_double(h, z[i]);
		sum += z[i];
	}
	want_h = u64(l, 3, 16);
	ck_assert_msg(h == want_h, "golden:%d: hash of %" PRIu64 " normals "
	    "%016" PRIx64 ", numpy %016" PRIx64, l->no, n, h, want_h);
	same_double(l, 4, sum, "sum of normals");
	for (;;) {
		pos = ftell(golden);
		if (!next_line(l, buf, size) || strcmp(l->tok[0], "normal"))
			break;
		i = u64(l, 2, 10);
		ck_assert_uint_lt(i, n);
		same_double(l, 3, z[i], "normal");
		checked++;
	}
	/* Give the line that ended the run back. */
	fseek(golden, pos, SEEK_SET);
	l->no--;
	free(z);
}

static void
scase_start(struct scase *c, const struct line *l)
{
	char *cause = NULL, path[4096];
	size_t nc, nf;

	snprintf(c->name, sizeof c->name, "%s", l->tok[1]);
	c->seed = u64(l, 2, 10);
	scn_init(&c->scn);
	snprintf(path, sizeof path, "%s/%s.scn", MLMON_SCN_SRCDIR, c->name);
	ck_assert_msg(scn_load(&c->scn, path, &cause) == 0, "%s", cause);
	gen_config_init(&c->cfg);
	c->cfg.rng = GEN_RNG_NUMPY;
	c->cfg.seed = c->seed;
	c->cfg.features = (int)u64(l, 3, 10);
	c->cfg.classes = (int)u64(l, 4, 10);
	c->cfg.reference_rows = (long)u64(l, 5, 10);
	c->cfg.batches = (long)u64(l, 6, 10);
	c->cfg.batch_size = (long)u64(l, 7, 10);
	c->cfg.scn = &c->scn;
	nc = (size_t)c->cfg.classes;
	nf = (size_t)c->cfg.features;
	c->means = calloc(nc * nf, sizeof *c->means);
	c->cent = calloc(nc * nf, sizeof *c->cent);
	c->dist = calloc(nc, sizeof *c->dist);
	c->score = calloc(nc, sizeof *c->score);
	c->np = gen_numpy_create(&c->cfg, c->means, c->cent, &cause);
	ck_assert_msg(c->np != NULL, "%s", cause);
}

static void
scase_end(struct scase *c)
{
	if (c->np == NULL)
		return;
	gen_numpy_destroy(c->np);
	free(c->means);
	free(c->cent);
	free(c->dist);
	free(c->score);
	scn_finish(&c->scn);
	c->np = NULL;
}

static const double *
scase_row(const struct scase *c, long b, long i, int *y)
{
	return b == 0 ? gen_numpy_train_row(c->np, i, y) :
	    gen_numpy_batch_row(c->np, i, y);
}

/* "hash B HASH COUNTS PREDS"; draws batch B first. */
static void
check_hash(struct scase *c, const struct line *l)
{
	long b = (long)u64(l, 1, 10), n, i;
	int nf = c->cfg.features, nc = c->cfg.classes, y, j;
	long count[16] = { 0 }, pcount[16] = { 0 };
	uint64_t h = FNV_OFFSET;
	const double *x;
	char got[256], pgot[256];
	size_t glen = 0, plen = 0;

	ck_assert_int_le(nc, 16);
	if (b > 0)
		gen_numpy_draw_batch(c->np, b);
	n = b == 0 ? c->cfg.reference_rows : c->cfg.batch_size;
	for (i = 0; i < n; i++) {
		x = scase_row(c, b, i, &y);
		for (j = 0; j < nf; j++)
			h = fnv_double(h, x[j]);
	}
	for (i = 0; i < n; i++) {
		x = scase_row(c, b, i, &y);
		h = fnv_bytes(h, (uint64_t)y);
		count[y]++;
		pcount[gen_numpy_predict(c->cent, nc, nf, x, c->dist,
		    c->score)]++;
	}
	ck_assert_msg(h == u64(l, 2, 16), "golden:%d: %s seed %" PRIu64
	    " batch %ld: features or labels differ from numpy's", l->no,
	    c->name, c->seed, b);
	for (j = 0; j < nc; j++) {
		glen += (size_t)snprintf(got + glen, sizeof got - glen,
		    j > 0 ? ",%ld" : "%ld", count[j]);
		plen += (size_t)snprintf(pgot + plen, sizeof pgot - plen,
		    j > 0 ? ",%ld" : "%ld", pcount[j]);
	}
	ck_assert_str_eq(got, l->tok[3]);
	ck_assert_msg(strcmp(pgot, l->tok[4]) == 0, "golden:%d: predicted "
	    "classes %s, sklearn %s", l->no, pgot, l->tok[4]);
}

/* "row B I Y PRED X.. S.." */
static void
check_row(struct scase *c, const struct line *l)
{
	int nf = c->cfg.features, nc = c->cfg.classes, y, j, pred;
	const double *x;

	ck_assert_int_eq(l->n, 5 + nf + nc);
	x = scase_row(c, (long)u64(l, 1, 10), (long)u64(l, 2, 10), &y);
	ck_assert_int_eq(y, (int)u64(l, 3, 10));
	pred = gen_numpy_predict(c->cent, nc, nf, x, c->dist, c->score);
	ck_assert_int_eq(pred, (int)u64(l, 4, 10));
	for (j = 0; j < nf; j++)
		same_double(l, 5 + j, x[j], "feature");
	for (j = 0; j < nc; j++)
		ck_assert_msg(fabs(c->score[j] - dbl(l, 5 + nf + j)) <= 1e-12,
		    "golden:%d: score %d: %.17g vs %s", l->no, j,
		    c->score[j], l->tok[5 + nf + j]);
}

/*
 * "mean C V.." (bit-identical) or "centroid C V..": numpy may sum a
 * column pairwise rather than in row order (its reduction loop order
 * depends on the array's shape), so centroids agree to rounding only.
 */
static void
check_vector(struct scase *c, const struct line *l, const double *v)
{
	int nf = c->cfg.features, j;
	size_t row = (size_t)u64(l, 1, 10) * (size_t)nf;
	double want;

	ck_assert_int_eq(l->n, 2 + nf);
	for (j = 0; j < nf; j++) {
		if (strcmp(l->tok[0], "mean") == 0) {
			same_double(l, 2 + j, v[row + j], "mean");
			continue;
		}
		want = dbl(l, 2 + j);
		ck_assert_msg(fabs(v[row + j] - want) <=
		    1e-14 * fmax(1.0, fabs(want)), "golden:%d: centroid "
		    "%.17g, sklearn %.17g", l->no, v[row + j], want);
	}
}

START_TEST(golden_file)
{
	struct scase c = { .np = NULL };
	struct line l = { .n = 0, .no = 0 };
	char buf[8192];
	int streams = 0;

	golden = fopen(MLMON_NUMPY_GOLDEN, "r");
	ck_assert_msg(golden != NULL, "cannot open %s", MLMON_NUMPY_GOLDEN);
	while (next_line(&l, buf, sizeof buf)) {
		const char *k = l.tok[0];

		checked++;
		if (strcmp(k, "seedstate") == 0)
			check_seedstate(&l);
		else if (strcmp(k, "raw") == 0)
			check_raw(&l);
		else if (strcmp(k, "mixed") == 0)
			check_mixed(&l);
		else if (strcmp(k, "normals") == 0)
			check_normals(&l, buf, sizeof buf);
		else if (strcmp(k, "stream") == 0) {
			scase_end(&c);
			scase_start(&c, &l);
			streams++;
		} else if (strcmp(k, "mean") == 0)
			check_vector(&c, &l, c.means);
		else if (strcmp(k, "centroid") == 0)
			check_vector(&c, &l, c.cent);
		else if (strcmp(k, "hash") == 0)
			check_hash(&c, &l);
		else if (strcmp(k, "row") == 0)
			check_row(&c, &l);
		else
			ck_abort_msg("golden:%d: unknown record '%s'", l.no, k);
	}
	scase_end(&c);
	fclose(golden);
	/* 4 scenarios x 5 seeds + 2 shapes; every line was read. */
	ck_assert_int_eq(streams, 22);
	ck_assert_int_gt(checked, 1300);
}
END_TEST

/* Density of the standard normal without its constant, exp(-x^2/2). */
static double
zig_f(double x)
{
	return exp(-0.5 * x * x);
}

/*
 * The tables against the Marsaglia-Tsang recurrence recomputed in double:
 * a corrupted entry would be off by far more than the 1e-12 allowed.
 */
START_TEST(zig_tables)
{
	const double m = 0x1.0p52, r = RNG_NUMPY_ZIG_R;
	double v, x = r, prev = r, q;
	int i;

	v = r * zig_f(r) + sqrt(acos(-1.0) / 2.0) * erfc(r / sqrt(2.0));
	q = v / zig_f(r);
	ck_assert_double_eq_tol(rng_numpy_zig_w[0], q / m, 1e-12 * q / m);
	ck_assert_double_eq_tol((double)rng_numpy_zig_k[0], r / q * m,
	    1e-12 * m);
	ck_assert_double_eq_tol(rng_numpy_zig_w[255], r / m, 1e-12 * r / m);
	ck_assert_double_eq(rng_numpy_zig_f[0], 1.0);
	ck_assert_uint_eq(rng_numpy_zig_k[1], 0);
	for (i = 254; i >= 1; i--) {
		x = sqrt(-2.0 * log(v / x + zig_f(x)));
		ck_assert_double_eq_tol(rng_numpy_zig_w[i], x / m,
		    1e-12 * x / m);
		ck_assert_double_eq_tol(rng_numpy_zig_f[i], zig_f(x), 1e-12);
		ck_assert_double_eq_tol((double)rng_numpy_zig_k[i + 1],
		    x / prev * m, 1e-12 * m);
		prev = x;
	}
	ck_assert_double_eq(RNG_NUMPY_ZIG_INV_R, 1.0 / RNG_NUMPY_ZIG_R);
}
END_TEST

/* integers(0, 1) draws nothing; the 32-bit spare survives 64-bit draws. */
START_TEST(spare_and_empty_range)
{
	struct rng_numpy a, b;
	uint64_t x;
	uint32_t lo, hi;

	rng_numpy_seed(&a, 42);
	rng_numpy_seed(&b, 42);
	ck_assert_uint_eq(rng_numpy_below(&a, 1), 0);
	x = rng_numpy_next64(&b);
	ck_assert_uint_eq(rng_numpy_next64(&a), x);
	lo = rng_numpy_next32(&a);
	x = rng_numpy_next64(&b);
	ck_assert_uint_eq(lo, (uint32_t)x);
	(void)rng_numpy_next64(&a);
	(void)rng_numpy_next64(&b);
	hi = rng_numpy_next32(&a);
	ck_assert_uint_eq(hi, (uint32_t)(x >> 32));
}
END_TEST

static Suite *
rng_numpy_suite(void)
{
	Suite *s = suite_create("rng-numpy");
	TCase *tc = tcase_create("units");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, golden_file);
	tcase_add_test(tc, zig_tables);
	tcase_add_test(tc, spare_and_empty_range);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(rng_numpy_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
