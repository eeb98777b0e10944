/*
 * mlmon-gen's streams through the real binary (test case "stream" of
 * suite "gen"): determinism and the golden lines, the protocol on every
 * shipped scenario, each scenario's change where it says, label delay,
 * no labels, other shapes. MLMON_GEN_GOLDEN is the golden-lines file
 * (set by meson).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-run.h"
#include "gen.h"
#include "scn.h"

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

int
main(void)
{
	TCase *tc = tcase_create("stream");

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
	return gen_case_run(tc);
}
