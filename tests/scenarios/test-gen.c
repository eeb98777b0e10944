/*
 * mlmon-gen: the portable math and number formatting as units, and the
 * real binary as a black box (fork/exec, every line parsed with cJSON).
 * Three test cases (units, stream, cli), each its own meson test through
 * CK_RUN_CASE.
 * MLMON_GEN is the binary, MLMON_GEN_GOLDEN the golden-lines file and
 * MLMON_SCN_DIR the shipped scenario files (set by meson).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "emit.h"
#include "gen.h"
#include "pmath.h"
#include "scn.h"

#ifndef MLMON_GEN
#error "MLMON_GEN must name the mlmon-gen binary"
#endif

/* One finished run of the binary. */
struct run {
	char		*out;		/* stdout, NUL-terminated */
	size_t		 out_len;
	char		*err;		/* stderr, NUL-terminated */
	int		 status;	/* exit status, or 128 + signal */
	long		 maxrss_kb;
	double		 seconds;
};

/* A parsed stream: all lines as cJSON, in order. */
struct stream {
	cJSON		**line;
	size_t		  n;
};

/* Append to a buffer of capacity *cap, doubling it as needed. */
static void
buf_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap < 4096 ? 4096 : *cap * 2;
		*buf = realloc(*buf, *cap);
		ck_assert_ptr_nonnull(*buf);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/*
 * Run mlmon-gen with args (NULL-terminated). env_dir, when set, becomes
 * MLMON_SCENARIO_DIR. discard sends stdout to /dev/null.
 */
static void
run_gen(struct run *r, const char *const *args, const char *env_dir,
    bool discard)
{
	const char *argv[64];
	int out[2], err[2], n = 0, open_fds;
	struct pollfd pfd[2];
	struct timespec t0, t1;
	struct rusage ru;
	char chunk[65536];
	size_t err_len = 0, out_cap = 1, err_cap = 1;
	ssize_t got;
	pid_t pid;
	int st;

	memset(r, 0, sizeof *r);
	argv[n++] = MLMON_GEN;
	while (*args != NULL && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (discard) {
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
		} else {
			dup2(out[1], 1);
		}
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		if (env_dir != NULL)
			setenv("MLMON_SCENARIO_DIR", env_dir, 1);
		else
			unsetenv("MLMON_SCENARIO_DIR");
		execv(MLMON_GEN, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	pfd[0].fd = out[0];
	pfd[1].fd = err[0];
	pfd[0].events = pfd[1].events = POLLIN;
	open_fds = 2;
	while (open_fds > 0) {
		if (poll(pfd, 2, -1) < 0) {
			ck_assert_int_eq(errno, EINTR);
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			got = read(pfd[i].fd, chunk, sizeof chunk);
			if (got <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			} else if (i == 0) {
				buf_append(&r->out, &r->out_len, &out_cap,
				    chunk, (size_t)got);
			} else {
				buf_append(&r->err, &err_len, &err_cap,
				    chunk, (size_t)got);
			}
		}
	}
	ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r->maxrss_kb = ru.ru_maxrss;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Parse every line; fails the test on invalid JSON or a missing '\n'. */
static void
stream_parse(struct stream *s, const char *text, size_t len)
{
	const char *p = text, *nl;
	char *line;
	size_t cap = 0;

	memset(s, 0, sizeof *s);
	ck_assert_msg(len > 0 && text[len - 1] == '\n',
	    "output must end with a newline");
	while (p < text + len) {
		nl = memchr(p, '\n', (size_t)(text + len - p));
		ck_assert_ptr_nonnull(nl);
		line = strndup(p, (size_t)(nl - p));
		if (s->n == cap) {
			cap = cap ? cap * 2 : 1024;
			s->line = realloc(s->line, cap * sizeof *s->line);
		}
		s->line[s->n] = cJSON_Parse(line);
		ck_assert_msg(s->line[s->n] != NULL &&
		    cJSON_IsObject(s->line[s->n]),
		    "line %zu is not a JSON object: %.120s", s->n + 1, line);
		free(line);
		s->n++;
		p = nl + 1;
	}
}

static void
stream_free(struct stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		cJSON_Delete(s->line[i]);
	free(s->line);
}

/* "prediction" for a line without "type". */
static const char *
line_type(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");

	return cJSON_IsString(t) ? t->valuestring : "prediction";
}

static const cJSON *
field(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static int
int_field(const cJSON *o, const char *name)
{
	const cJSON *v = field(o, name);

	ck_assert_msg(cJSON_IsNumber(v), "missing integer '%s'", name);
	ck_assert_msg(v->valuedouble == floor(v->valuedouble),
	    "'%s' is not an integer", name);
	return v->valueint;
}

/* Load a stream of a run that must succeed. */
static void
gen_stream(struct stream *s, const char *const *args)
{
	struct run r;

	run_gen(&r, args, NULL, false);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	stream_parse(s, r.out, r.out_len);
	run_free(&r);
}

/*
 * Check one features/scores record against the protocol: the vectors'
 * lengths, scores in [0, 1] summing to 1 within 1e-6, predicted_class the
 * first argmax and confidence the max of the printed scores.
 */
static void
check_vectors(const cJSON *o, int nf, int nc, bool has_confidence)
{
	const cJSON *f = field(o, "features"), *sc = field(o, "scores"), *v;
	double sum = 0.0, max = -1.0;
	int i = 0, best = -1, pred;

	ck_assert(cJSON_IsArray(f));
	ck_assert_int_eq(cJSON_GetArraySize(f), nf);
	cJSON_ArrayForEach(v, f) {
		ck_assert(cJSON_IsNumber(v));
		ck_assert(isfinite(v->valuedouble));
	}
	ck_assert(cJSON_IsArray(sc));
	ck_assert_int_eq(cJSON_GetArraySize(sc), nc);
	cJSON_ArrayForEach(v, sc) {
		ck_assert(cJSON_IsNumber(v));
		ck_assert(v->valuedouble >= 0.0 && v->valuedouble <= 1.0);
		sum += v->valuedouble;
		if (v->valuedouble > max) {
			max = v->valuedouble;
			best = i;
		}
		i++;
	}
	ck_assert_msg(fabs(sum - 1.0) <= 1e-6, "scores sum to %.9f", sum);
	pred = int_field(o, "predicted_class");
	ck_assert_int_eq(pred, best);
	if (has_confidence) {
		ck_assert(cJSON_IsNumber(field(o, "confidence")));
		ck_assert_double_eq(field(o, "confidence")->valuedouble, max);
	}
}

/* --- units -------------------------------------------------------------- */

START_TEST(test_pmath_accuracy)
{
	static const double xs[] = {
		1e-300, 1e-10, 0.001, 0.1, 0.5, 0.70710678, 0.9999999, 1.0,
		1.0000001, 1.5, 2.0, 10.0, 12345.678, 1e100, 1e300,
	};
	static const double es[] = {
		-745.0, -700.0, -50.0, -10.5, -1.0, -0.3465, -1e-9, 0.0,
		1e-9, 0.3466, 1.0, 3.25, 50.0, 700.0,
	};
	size_t i;

	for (i = 0; i < sizeof xs / sizeof xs[0]; i++) {
		double got = pmath_log(xs[i]), want = log(xs[i]);

		ck_assert_msg(fabs(got - want) <= 4e-16 * fmax(1.0, fabs(want)),
		    "log(%g) = %.17g, libm %.17g", xs[i], got, want);
	}
	for (i = 0; i < sizeof es / sizeof es[0]; i++) {
		double got = pmath_exp(es[i]), want = exp(es[i]);

		ck_assert_msg(fabs(got - want) <= 4e-16 * want,
		    "exp(%g) = %.17g, libm %.17g", es[i], got, want);
	}
	ck_assert_double_eq(pmath_log(1.0), 0.0);
	ck_assert_double_eq(pmath_exp(0.0), 1.0);
	ck_assert_double_eq(pmath_exp(-800.0), 0.0);
	ck_assert(isnan(pmath_log(-1.0)));
}
END_TEST

/* Moments of 10^6 draws; and the first draws pinned bit for bit. */
START_TEST(test_pmath_gauss)
{
	struct pmath_gauss g;
	struct rng r;
	double z, s1 = 0, s2 = 0, s4 = 0;
	int i, n = 1000000;

	rng_seed(&r, 7);
	pmath_gauss_init(&g);
	for (i = 0; i < n; i++) {
		z = pmath_gauss_next(&g, &r);
		s1 += z;
		s2 += z * z;
		s4 += z * z * z * z;
	}
	ck_assert_double_le(fabs(s1 / n), 0.005);
	ck_assert_double_le(fabs(s2 / n - 1.0), 0.01);
	ck_assert_double_le(fabs(s4 / n - 3.0), 0.05);
}
END_TEST

START_TEST(test_fixed6)
{
	static const struct {
		double		 x;
		const char	*want;
	} rows[] = {
		{ 0.0, "0.000000" },
		{ -0.0, "0.000000" },
		{ -1e-9, "0.000000" },
		{ 1.5, "1.500000" },
		{ -2.25, "-2.250000" },
		{ 123.4567894, "123.456789" },
		{ 123.4567896, "123.456790" },
		{ -0.0000016, "-0.000002" },
		{ 0.9999996, "1.000000" },
		{ -8765432.123456, "-8765432.123456" },
		{ 1e13, "10000000000000.000000" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		emit_format_fixed6(buf, rows[i].x);
		ck_assert_str_eq(buf, rows[i].want);
	}
}
END_TEST

/* Every definition-file error names the file and line. */
START_TEST(test_scn_errors)
{
	static const struct {
		const char	*text;
		const char	*want;
	} rows[] = {
		{ "mean_shift = sideways\n", ":1: mean_shift: expected" },
		{ "# c\n\nbogus = 1\n", ":3: unknown key 'bogus'" },
		{ "magnitude = 2\nmagnitude = 3\n",
		    ":2: key 'magnitude' given" },
		{ "magnitude 2\n", ":1: expected key = value" },
		{ "magnitude = two\n", ":1: magnitude: expected a number" },
		{ "priors = 0.5, 0.6\n", ":1: priors: priors sum to 1.1" },
		{ "priors = 0.5, -0.5, 1\n", ":1: priors: each prior" },
		{ "change_point = -1\n", ":1: change_point: expected a batch" },
		{ "shift_features = 1, x\n", ":1: shift_features: expected" },
		{ "class_spread = 0\n", ":1: class_spread: expected a number" },
		{ "class_spread = wide\n", ":1: class_spread: expected" },
		{ "true_class = oracle\n", ":1: true_class: expected component" },
	};
	char path[] = "/tmp/test-gen-scn-XXXXXX";
	struct scn s;
	char *cause;
	size_t i;
	int fd;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fd = mkstemp(path);
		ck_assert_int_ge(fd, 0);
		ck_assert(write(fd, rows[i].text, strlen(rows[i].text)) ==
		    (ssize_t)strlen(rows[i].text));
		close(fd);
		scn_init(&s);
		ck_assert_int_eq(scn_load(&s, path, &cause), -1);
		ck_assert_msg(strstr(cause, rows[i].want) != NULL &&
		    strncmp(cause, path, strlen(path)) == 0,
		    "row %zu: got '%s', want '%s'", i, cause, rows[i].want);
		free(cause);
		scn_finish(&s);
		unlink(path);
		strcpy(path, "/tmp/test-gen-scn-XXXXXX");
	}
}
END_TEST

/* Incomplete scenarios are refused by scn_check. */
START_TEST(test_scn_check)
{
	static const struct {
		const char	*k1, *v1, *k2, *v2;
		int		 features, classes;
		const char	*want;
	} rows[] = {
		{ "mean_shift", "step", "magnitude", "1", 5, 3,
		    "needs change_point" },
		{ "mean_shift", "ramp", "ramp_start", "4", 5, 3,
		    "needs ramp_start and ramp_end" },
		{ "mean_shift", "step", "change_point", "3", 5, 3,
		    "needs magnitude" },
		{ "prior_shift", "step", "change_point", "3", 5, 3,
		    "needs after_priors" },
		{ "priors", "0.5,0.5", "description", "x", 5, 3,
		    "priors has 2 values for 3 classes" },
		{ "mean_shift", "none", "shift_features", "7", 5, 3,
		    "names feature 7" },
	};
	struct scn s;
	char *cause = NULL;
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		scn_init(&s);
		ck_assert_int_eq(scn_set(&s, rows[i].k1, rows[i].v1, &cause),
		    0);
		ck_assert_int_eq(scn_set(&s, rows[i].k2, rows[i].v2, &cause),
		    0);
		ck_assert_int_eq(scn_check(&s, rows[i].features,
		    rows[i].classes, &cause), -1);
		ck_assert_msg(strstr(cause, rows[i].want) != NULL,
		    "row %zu: got '%s'", i, cause);
		free(cause);
		scn_finish(&s);
	}
}
END_TEST

/* --- the binary --------------------------------------------------------- */

/* Same seed, same bytes; another seed, other bytes; golden lines hold. */
START_TEST(test_determinism)
{
	static const char *const a42[] = { "--scenario", "abrupt", NULL };
	static const char *const a43[] = { "--scenario", "abrupt", "--seed",
	    "43", NULL };
	struct run r1, r2, r3;
	char line[8192], *p, *tab, *want;
	long no, cur;
	FILE *f;

	run_gen(&r1, a42, NULL, false);
	run_gen(&r2, a42, NULL, false);
	run_gen(&r3, a43, NULL, false);
	ck_assert_int_eq(r1.status, 0);
	ck_assert_uint_eq(r1.out_len, r2.out_len);
	ck_assert(memcmp(r1.out, r2.out, r1.out_len) == 0);
	ck_assert(r1.out_len != r3.out_len ||
	    memcmp(r1.out, r3.out, r1.out_len) != 0);

	/* Golden: "<line number>\t<exact line>" rows. */
	f = fopen(MLMON_GEN_GOLDEN, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL) {
		no = strtol(line, &tab, 10);
		ck_assert(*tab == '\t');
		want = tab + 1;
		want[strcspn(want, "\n")] = '\0';
		for (p = r1.out, cur = 1; cur < no && p != NULL; cur++) {
			p = strchr(p, '\n');
			if (p != NULL)
				p++;
		}
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(strncmp(p, want, strlen(want)) == 0 &&
		    p[strlen(want)] == '\n',
		    "line %ld differs from %s", no, MLMON_GEN_GOLDEN);
	}
	fclose(f);
	run_free(&r1);
	run_free(&r2);
	run_free(&r3);
}
END_TEST

/* Every line of every shipped scenario follows docs/PROTOCOL.md. */
START_TEST(test_protocol)
{
	static const char *const names[] = {
		"stable", "abrupt", "gradual", "label_shift",
	};
	const char *args[] = { "--scenario", names[_i], NULL };
	struct stream s;
	const cJSON *o, *v;
	const char *type;
	long batch = 0, row = 0, refs = 0, preds = 0, ends = 0;
	size_t i;
	int tc;

	gen_stream(&s, args);
	ck_assert_str_eq(line_type(s.line[0]), "schema");
	ck_assert_int_eq(cJSON_GetArraySize(field(s.line[0],
	    "feature_names")), 5);
	ck_assert_str_eq(cJSON_GetArrayItem(field(s.line[0], "feature_names"),
	    0)->valuestring, "f0");
	ck_assert_int_eq(cJSON_GetArraySize(field(s.line[0], "class_names")),
	    3);
	for (i = 1; i < s.n; i++) {
		o = s.line[i];
		type = line_type(o);
		if (strcmp(type, "reference") == 0) {
			ck_assert_int_eq(preds, 0);
			check_vectors(o, 5, 3, false);
			tc = int_field(o, "true_class");
			ck_assert(tc >= 0 && tc < 3);
			refs++;
		} else if (strcmp(type, "prediction") == 0) {
			ck_assert_ptr_null(field(o, "type"));
			if (int_field(o, "batch_id") != batch) {
				ck_assert_int_eq(int_field(o, "batch_id"),
				    batch + 1);
				ck_assert(batch == 0 || row == 200);
				batch++;
				row = 0;
			}
			ck_assert_int_eq(int_field(o, "row_in_batch"), row);
			row++;
			check_vectors(o, 5, 3, true);
			tc = int_field(o, "true_class");
			ck_assert(tc >= 0 && tc < 3);
			preds++;
		} else if (strcmp(type, "end_batch") == 0) {
			ck_assert_int_eq(int_field(o, "batch_id"), batch);
			ck_assert_int_eq(row, 200);
			ends++;
		} else {
			ck_abort_msg("unexpected record type '%s'", type);
		}
		cJSON_ArrayForEach(v, o) {
			ck_assert(!cJSON_IsNull(v));
		}
	}
	ck_assert_int_eq(refs, 1000);
	ck_assert_int_eq(preds, 15 * 200);
	ck_assert_int_eq(ends, 15);
	ck_assert_int_eq(batch, 15);
	stream_free(&s);
}
END_TEST

/* The prediction rows of a stream, flattened for quick passes. */
struct rows {
	long		*batch;
	int		*cls;
	double		*x;		/* n x 5 */
	size_t		 n;
};

static void
rows_load(struct rows *r, const struct stream *s)
{
	const cJSON *o, *v;
	size_t i;
	int j;

	r->batch = calloc(s->n, sizeof *r->batch);
	r->cls = calloc(s->n, sizeof *r->cls);
	r->x = calloc(s->n * 5, sizeof *r->x);
	r->n = 0;
	for (i = 0; i < s->n; i++) {
		o = s->line[i];
		if (strcmp(line_type(o), "prediction") != 0)
			continue;
		r->batch[r->n] = int_field(o, "batch_id");
		r->cls[r->n] = int_field(o, "true_class");
		j = 0;
		cJSON_ArrayForEach(v, field(o, "features")) {
			ck_assert_int_lt(j, 5);
			r->x[r->n * 5 + j++] = v->valuedouble;
		}
		r->n++;
	}
}

static void
rows_free(struct rows *r)
{
	free(r->batch);
	free(r->cls);
	free(r->x);
}

/*
 * How far feature j moved between batches [1, before] and [from, to]:
 * the shift of each class's mean, averaged over the classes (3), so a
 * change of class mix does not look like a shift.
 */
static double
mean_delta(const struct rows *r, int j, long before, long from, long to)
{
	double pre[3] = { 0 }, post[3] = { 0 }, sum = 0.0;
	long npre[3] = { 0 }, npost[3] = { 0 }, b;
	size_t i;
	int c;

	for (i = 0; i < r->n; i++) {
		b = r->batch[i];
		c = r->cls[i];
		if (b <= before) {
			pre[c] += r->x[i * 5 + j];
			npre[c]++;
		} else if (b >= from && b <= to) {
			post[c] += r->x[i * 5 + j];
			npost[c]++;
		}
	}
	for (c = 0; c < 3; c++) {
		ck_assert(npre[c] > 0 && npost[c] > 0);
		sum += post[c] / npost[c] - pre[c] / npre[c];
	}
	return sum / 3;
}

/*
 * abrupt: +2.0 on every feature from batch 5, nothing before; gradual:
 * +0.4 at batch 5, +1.2 at 7 (ramp 4 -> 9), +2.0 from 9. 1,000-row
 * batches: the standard error of a delta is about 0.02 (0.04 for one
 * batch).
 */
START_TEST(test_mean_shift)
{
	static const char *const ab[] = { "--scenario", "abrupt",
	    "--batch-size", "1000", "--no-schema", NULL };
	static const char *const gr[] = { "--scenario", "gradual",
	    "--batch-size", "1000", "--no-schema", NULL };
	struct stream s;
	struct rows r;
	int j;

	gen_stream(&s, ab);
	rows_load(&r, &s);
	for (j = 0; j < 5; j++) {
		ck_assert_double_le(fabs(mean_delta(&r, j, 4, 5, 15) - 2.0),
		    0.1);
		ck_assert_double_le(fabs(mean_delta(&r, j, 2, 3, 4)), 0.15);
	}
	rows_free(&r);
	stream_free(&s);
	gen_stream(&s, gr);
	rows_load(&r, &s);
	for (j = 0; j < 5; j++) {
		ck_assert_double_le(fabs(mean_delta(&r, j, 4, 5, 5) - 0.4),
		    0.15);
		ck_assert_double_le(fabs(mean_delta(&r, j, 4, 7, 7) - 1.2),
		    0.15);
		ck_assert_double_le(fabs(mean_delta(&r, j, 4, 9, 15) - 2.0),
		    0.1);
	}
	rows_free(&r);
	stream_free(&s);
}
END_TEST

/* label_shift: true-class shares before and after batch 5. */
START_TEST(test_label_shift_priors)
{
	static const char *const args[] = { "--scenario", "label_shift",
	    "--batches", "24", "--batch-size", "500", "--no-schema",
	    "--no-end-batch", NULL };
	static const double before[] = { 0.34, 0.33, 0.33 };
	static const double after[] = { 0.70, 0.15, 0.15 };
	long pre[3] = { 0 }, post[3] = { 0 }, npre = 0, npost = 0;
	struct stream s;
	size_t i;
	int c;

	gen_stream(&s, args);
	for (i = 0; i < s.n; i++) {
		if (strcmp(line_type(s.line[i]), "prediction") != 0)
			continue;
		c = int_field(s.line[i], "true_class");
		if (int_field(s.line[i], "batch_id") < 5) {
			pre[c]++;
			npre++;
		} else {
			post[c]++;
			npost++;
		}
	}
	ck_assert_int_eq(npre, 4 * 500);
	ck_assert_int_eq(npost, 20 * 500);
	for (c = 0; c < 3; c++) {
		/* 4 standard errors. */
		ck_assert_double_le(fabs((double)pre[c] / npre - before[c]),
		    0.045);
		ck_assert_double_le(fabs((double)post[c] / npost - after[c]),
		    0.02);
	}
	stream_free(&s);
}
END_TEST

/* P(true class = c | x) of the training distribution, for one row. */
static void
posterior_of(const struct gen *g, const cJSON *features, const double *prior,
    double *post)
{
	double top = -INFINITY, sum = 0.0;
	int c, j;

	for (c = 0; c < 3; c++) {
		double d2 = 0.0;

		for (j = 0; j < 5; j++) {
			double x = cJSON_GetArrayItem(features, j)->valuedouble;
			double d = x - gen_class_mean(g, c, j);

			d2 += d * d;
		}
		post[c] = log(prior[c]) - 0.5 * d2;
		top = post[c] > top ? post[c] : top;
	}
	for (c = 0; c < 3; c++)
		sum += post[c] = exp(post[c] - top);
	for (c = 0; c < 3; c++)
		post[c] /= sum;
}

/*
 * covariate_shift: x follows the mixture weights (class 0 predicted far
 * more often from batch 5), yet the true classes still follow the
 * training posterior: over 10,000 rows after the shift, the share of each
 * true class equals the mean posterior within 0.02 (4 standard errors).
 * The same stream with true_class = component (label shift) misses it by
 * more than 0.05: the check can tell the two apart.
 */
START_TEST(test_covariate_shift_posterior)
{
	static const char *args[] = { "--scenario", "covariate_shift",
	    "--batches", "14", "--batch-size", "1000", "--no-schema",
	    "--no-end-batch", NULL, NULL, NULL };
	static const double prior[] = { 0.34, 0.33, 0.33 };
	static const char *const kinds[] = { "posterior", "component" };
	struct gen_config cfg;
	struct scn scn;
	struct gen *g;
	char *cause = NULL;
	int k;

	scn_init(&scn);
	ck_assert_int_eq(scn_set(&scn, "class_spread", "1.0", &cause), 0);
	ck_assert_int_eq(scn_set(&scn, "priors", "0.34,0.33,0.33", &cause), 0);
	gen_config_init(&cfg);
	cfg.scn = &scn;
	g = gen_create(&cfg, &cause);
	ck_assert_msg(g != NULL, "%s", cause);
	for (k = 0; k < 2; k++) {
		double mean_post[3] = { 0 }, share[3] = { 0 }, post[3];
		long pred0[2] = { 0 }, n[2] = { 0 };
		struct stream s;
		size_t i;
		int c;

		args[8] = "--true-class";
		args[9] = kinds[k];
		gen_stream(&s, args);
		for (i = 0; i < s.n; i++) {
			const cJSON *o = s.line[i];
			int late;

			if (strcmp(line_type(o), "prediction") != 0)
				continue;
			late = int_field(o, "batch_id") >= 5;
			n[late]++;
			pred0[late] += int_field(o, "predicted_class") == 0;
			if (!late)
				continue;
			posterior_of(g, field(o, "features"), prior, post);
			for (c = 0; c < 3; c++) {
				mean_post[c] += post[c];
				share[c] += int_field(o, "true_class") == c;
			}
		}
		ck_assert_int_eq(n[1], 10000);
		/* x moved: class 0 predicted on 0.33 -> about 0.6 of rows. */
		ck_assert_double_ge((double)pred0[1] / n[1] -
		    (double)pred0[0] / n[0], 0.15);
		for (c = 0; c < 3; c++) {
			double gap = fabs(share[c] - mean_post[c]) / n[1];

			if (k == 0)
				ck_assert_msg(gap <= 0.02, "class %d: %g", c, gap);
			else if (c == 0)
				ck_assert_msg(gap > 0.05, "class 0: %g", gap);
		}
		stream_free(&s);
	}
	gen_destroy(g);
	scn_finish(&scn);
}
END_TEST

/*
 * stable_overlap: the classes overlap (accuracy 0.75-0.9 on the
 * reference, seed 42) and the scores are underconfident: mean confidence
 * at least 0.1 below accuracy, so raw scores are not calibrated.
 */
START_TEST(test_stable_overlap)
{
	static const char *const args[] = { "--scenario", "stable_overlap",
	    "--batches", "1", "--no-schema", "--no-end-batch", NULL };
	double right = 0.0, conf = 0.0;
	long n = 0;
	struct stream s;
	size_t i;

	gen_stream(&s, args);
	for (i = 0; i < s.n; i++) {
		const cJSON *o = s.line[i];
		const cJSON *sc = field(o, "scores");
		double top = 0.0;
		int c;

		if (strcmp(line_type(o), "reference") != 0)
			continue;
		for (c = 0; c < cJSON_GetArraySize(sc); c++)
			if (cJSON_GetArrayItem(sc, c)->valuedouble > top)
				top = cJSON_GetArrayItem(sc, c)->valuedouble;
		right += int_field(o, "predicted_class") ==
		    int_field(o, "true_class");
		conf += top;
		n++;
	}
	ck_assert_int_eq(n, 1000);
	ck_assert_double_ge(right / n, 0.75);
	ck_assert_double_le(right / n, 0.9);
	ck_assert_double_le(conf / n, right / n - 0.1);
	stream_free(&s);
}
END_TEST

/*
 * --label-delay 2: no inline labels; labels of batch b right after the
 * end_batch of b + 2, the last two at the end, equal to the inline ones.
 */
START_TEST(test_label_delay)
{
	static const char *const inl[] = { "--scenario", "abrupt",
	    "--batches", "6", "--batch-size", "7", NULL };
	static const char *const del[] = { "--scenario", "abrupt",
	    "--batches", "6", "--batch-size", "7", "--label-delay", "2",
	    NULL };
	struct stream a, d;
	const char *type;
	const cJSON *o, *tc;
	int want[7][7], expect_next = 1, b, r, last_end = 0;
	size_t i;

	gen_stream(&a, inl);
	for (i = 0; i < a.n; i++) {
		if (strcmp(line_type(a.line[i]), "prediction") != 0)
			continue;
		want[int_field(a.line[i], "batch_id")]
		    [int_field(a.line[i], "row_in_batch")] =
		    int_field(a.line[i], "true_class");
	}
	gen_stream(&d, del);
	for (i = 0; i < d.n; i++) {
		o = d.line[i];
		type = line_type(o);
		if (strcmp(type, "prediction") == 0) {
			ck_assert_ptr_null(field(o, "true_class"));
		} else if (strcmp(type, "end_batch") == 0) {
			last_end = int_field(o, "batch_id");
		} else if (strcmp(type, "labels") == 0) {
			b = int_field(o, "batch_id");
			ck_assert_int_eq(b, expect_next);
			expect_next++;
			/* After batch b + 2, or at the end for 5 and 6. */
			ck_assert_int_eq(last_end, b + 2 <= 6 ? b + 2 : 6);
			ck_assert_str_eq(line_type(d.line[i - 1]),
			    b + 2 <= 6 ? "end_batch" : "labels");
			tc = field(o, "true_class");
			ck_assert_int_eq(cJSON_GetArraySize(tc), 7);
			for (r = 0; r < 7; r++) {
				ck_assert_int_eq(
				    cJSON_GetArrayItem(tc, r)->valueint,
				    want[b][r]);
			}
		}
	}
	ck_assert_int_eq(expect_next, 7);
	ck_assert_str_eq(line_type(d.line[d.n - 1]), "labels");
	stream_free(&a);
	stream_free(&d);
}
END_TEST

/* --no-labels: no ground truth on predictions; the reference keeps it. */
START_TEST(test_no_labels)
{
	static const char *const args[] = { "--scenario", "label_shift",
	    "--batches", "3", "--no-labels", "--label-delay", "1", NULL };
	struct stream s;
	long refs = 0, preds = 0;
	size_t i;

	gen_stream(&s, args);
	for (i = 0; i < s.n; i++) {
		const char *type = line_type(s.line[i]);

		ck_assert_str_ne(type, "labels");
		if (strcmp(type, "prediction") == 0) {
			ck_assert_ptr_null(field(s.line[i], "true_class"));
			preds++;
		} else if (strcmp(type, "reference") == 0) {
			ck_assert(cJSON_IsNumber(field(s.line[i],
			    "true_class")));
			refs++;
		}
	}
	ck_assert_int_eq(refs, 1000);
	ck_assert_int_eq(preds, 600);
	stream_free(&s);
}
END_TEST

/* Bad command lines exit 2 with a message and write nothing to stdout. */
static const struct {
	const char	*args[8];	/* NULL-terminated */
	const char	*want;		/* in stderr */
} bad_rows[] = {
	{ { "--batches", "x" }, "--batches: expected an integer" },
	{ { "--batches", "-1" }, "--batches: expected an integer" },
	{ { "--batch-size", "0" }, "--batch-size" },
	{ { "--classes", "1" }, "--classes" },
	{ { "--features", "2.5" }, "--features" },
	{ { "--seed", "-3" }, "--seed" },
	{ { "--seed", "18446744073709551616" }, "--seed" },
	{ { "--rate", "0" }, "--rate" },
	{ { "--label-delay" }, "missing argument" },
	{ { "--bogus" }, "unknown option '--bogus'" },
	{ { "stray" }, "unexpected argument 'stray'" },
	{ { "--scenario", "nope" }, "unknown scenario 'nope'" },
	{ { "--scenario", "../x" }, "not found" },
	{ { "--scenario", "a b" }, "bad scenario name" },
	{ { "--magnitude", "1" }, "--magnitude has no effect" },
	{ { "--scenario", "label_shift", "--ramp-start", "3" },
	    "--ramp-start has no effect" },
	{ { "--scenario", "abrupt", "--magnitude", "big" },
	    "--magnitude: magnitude: expected a number" },
	{ { "--scenario", "label_shift", "--priors", "0.5,0.6,0.1" },
	    "priors sum to" },
	{ { "--scenario", "label_shift", "--after-priors", "0.5,0.5" },
	    "after_priors has 2 values for 3 classes" },
	{ { "--scenario", "label_shift", "--classes", "4" },
	    "priors has 3 values for 4 classes" },
	{ { "--scenario", "gradual", "--ramp-start", "9" },
	    "ramp_start (9) must be before ramp_end (9)" },
	{ { "--scenario", "label_shift", "--priors", "0,0.5,0.5",
	    "--reference-rows" , "10" }, "class 0 has no rows" },
};

START_TEST(test_bad_flags)
{
	struct run r;

	run_gen(&r, bad_rows[_i].args, NULL, false);
	ck_assert_msg(r.status == 2, "%s: exit %d", bad_rows[_i].want,
	    r.status);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(strstr(r.err, bad_rows[_i].want) != NULL,
	    "stderr '%s' lacks '%s'", r.err, bad_rows[_i].want);
	ck_assert(strncmp(r.err, "mlmon-gen: ", 11) == 0);
	run_free(&r);
}
END_TEST

static char *
write_temp_scn(char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 6;
	char *path = malloc(n);
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, n, "%s/%s.scn", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/*
 * A fifth scenario by adding a file: by path, by name in --scenario-dir
 * and in $MLMON_SCENARIO_DIR, listed by --list; only feature 1 moves,
 * by 5.0 from batch 3, and priors change too.
 */
START_TEST(test_custom_scenario)
{
	static const char text[] =
	    "# a custom one\n"
	    "description = feature 1 jumps by 5   # trailing comment\n"
	    "mean_shift = step\n"
	    "magnitude = 5\n"
	    "change_point = 3\n"
	    "shift_features = 1\n"
	    "prior_shift = step\n"
	    "after_priors = 0.2, 0.2, 0.6\n";
	char dir[] = "/tmp/test-gen-dir-XXXXXX";
	const char *by_path[] = { "--scenario", NULL, "--batch-size",
	    "1000", "--batches", "6", NULL };
	const char *by_dir[] = { "--scenario", "jump", "--scenario-dir", dir,
	    "--batch-size", "1000", "--batches", "6", NULL };
	const char *by_env[] = { "--scenario", "jump", "--batch-size",
	    "1000", "--batches", "6", NULL };
	const char *list[] = { "--list", "--scenario-dir", dir, NULL };
	const char *list_default[] = { "--list", NULL };
	struct run r1, r2, r3, r4;
	struct stream s;
	char *path;
	double d0, d1;
	int j;

	path = write_temp_scn(dir, "jump", text);
	by_path[1] = path;
	run_gen(&r1, by_path, NULL, false);
	run_gen(&r2, by_dir, NULL, false);
	run_gen(&r3, by_env, dir, false);
	ck_assert_msg(r1.status == 0, "%s", r1.err);
	ck_assert_int_eq(r2.status, 0);
	ck_assert_int_eq(r3.status, 0);
	ck_assert(r1.out_len == r2.out_len && r1.out_len == r3.out_len);
	ck_assert(memcmp(r1.out, r2.out, r1.out_len) == 0);
	ck_assert(memcmp(r1.out, r3.out, r1.out_len) == 0);

	/* Mixture means also move with the priors: compare within class 2. */
	stream_parse(&s, r1.out, r1.out_len);
	for (j = 0; j < 5; j++) {
		double pre = 0, post = 0;
		long npre = 0, npost = 0;

		for (size_t i = 0; i < s.n; i++) {
			const cJSON *o = s.line[i];

			if (strcmp(line_type(o), "prediction") != 0 ||
			    int_field(o, "true_class") != 2)
				continue;
			double x = cJSON_GetArrayItem(field(o, "features"),
			    j)->valuedouble;
			if (int_field(o, "batch_id") < 3) {
				pre += x;
				npre++;
			} else {
				post += x;
				npost++;
			}
		}
		d0 = post / npost - pre / npre;
		d1 = j == 1 ? 5.0 : 0.0;
		ck_assert_msg(fabs(d0 - d1) < 0.2, "feature %d moved %g", j,
		    d0);
	}
	stream_free(&s);

	run_gen(&r4, list, NULL, false);
	ck_assert_int_eq(r4.status, 0);
	ck_assert_str_eq(r4.out,
	    "jump             feature 1 jumps by 5\n");
	run_free(&r4);
	run_gen(&r4, list_default, NULL, false);
	ck_assert_int_eq(r4.status, 0);
	ck_assert_ptr_nonnull(strstr(r4.out, "\nlabel_shift "));
	ck_assert_ptr_nonnull(strstr(r4.out, "abrupt "));
	run_free(&r4);

	run_free(&r1);
	run_free(&r2);
	run_free(&r3);
	unlink(path);
	free(path);
	rmdir(dir);
}
END_TEST

/* The reader leaves after a few bytes: quiet exit 0, promptly. */
START_TEST(test_epipe)
{
	const char *argv[] = { MLMON_GEN, "--batches", "100000000", NULL };
	int out[2], err[2], st;
	char buf[100];
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(out), 0);
	ck_assert_int_eq(pipe(err), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Restore the default SIGPIPE in case the runner ignored it. */
		signal(SIGPIPE, SIG_DFL);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		execv(MLMON_GEN, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	ck_assert(read(out[0], buf, sizeof buf) > 0);
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "status %#x", st);
	n = read(err[0], buf, sizeof buf);
	ck_assert_int_eq(n, 0);
	close(err[0]);
}
END_TEST

/* --rate 4000: 2,000 prediction rows take about half a second. */
START_TEST(test_rate)
{
	static const char *const args[] = { "--batches", "4",
	    "--batch-size", "500", "--rate", "4000", NULL };
	struct run r;

	run_gen(&r, args, NULL, true);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(r.seconds >= 0.45 && r.seconds < 3.0, "took %.3f s",
	    r.seconds);
	run_free(&r);
}
END_TEST

/* 100x more batches, same peak memory (within 1 MiB). */
START_TEST(test_constant_memory)
{
	static const char *const small[] = { "--batches", "20",
	    "--label-delay", "3", NULL };
	static const char *const big[] = { "--batches", "2000",
	    "--label-delay", "3", NULL };
	struct run r1, r2;

	run_gen(&r1, small, NULL, true);
	run_gen(&r2, big, NULL, true);
	ck_assert_int_eq(r1.status, 0);
	ck_assert_int_eq(r2.status, 0);
	ck_assert_msg(r2.maxrss_kb - r1.maxrss_kb < 1024,
	    "max RSS %ld KiB for 20 batches, %ld KiB for 2000",
	    r1.maxrss_kb, r2.maxrss_kb);
	run_free(&r1);
	run_free(&r2);
}
END_TEST

/* Other sizes: 7 classes, 2 features, batch ids from 0. */
START_TEST(test_shapes)
{
	static const char *const args[] = { "--classes", "7", "--features",
	    "2", "--batches", "3", "--first-batch", "0", "--batch-size", "50",
	    "--reference-rows", "300", NULL };
	struct stream s;
	long preds = 0;
	size_t i;

	gen_stream(&s, args);
	ck_assert_int_eq(cJSON_GetArraySize(field(s.line[0], "class_names")),
	    7);
	for (i = 1; i < s.n; i++) {
		const char *type = line_type(s.line[i]);

		if (strcmp(type, "prediction") == 0) {
			check_vectors(s.line[i], 2, 7, true);
			ck_assert_int_lt(int_field(s.line[i], "batch_id"), 3);
			preds++;
		} else if (strcmp(type, "reference") == 0) {
			check_vectors(s.line[i], 2, 7, false);
		}
	}
	ck_assert_int_eq(preds, 150);
	stream_free(&s);
}
END_TEST

static Suite *
gen_suite(void)
{
	Suite *s = suite_create("gen");
	TCase *tc;

	tc = tcase_create("units");
	tcase_add_test(tc, test_pmath_accuracy);
	tcase_add_test(tc, test_pmath_gauss);
	tcase_add_test(tc, test_fixed6);
	tcase_add_test(tc, test_scn_errors);
	tcase_add_test(tc, test_scn_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_determinism);
	tcase_add_loop_test(tc, test_protocol, 0, 4);
	tcase_add_test(tc, test_mean_shift);
	tcase_add_test(tc, test_label_shift_priors);
	tcase_add_test(tc, test_covariate_shift_posterior);
	tcase_add_test(tc, test_stable_overlap);
	tcase_add_test(tc, test_label_delay);
	tcase_add_test(tc, test_no_labels);
	tcase_add_test(tc, test_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_flags, 0,
	    (int)(sizeof bad_rows / sizeof bad_rows[0]));
	tcase_add_test(tc, test_custom_scenario);
	tcase_add_test(tc, test_epipe);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_constant_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(gen_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
