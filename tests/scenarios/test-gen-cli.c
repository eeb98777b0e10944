/*
 * mlmon-gen's command line through the real binary (test case "cli" of
 * suite "gen"): bad flags, a scenario added as a file, EPIPE, --rate,
 * constant memory. MLMON_GEN is the binary (set by meson).
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gen-run.h"

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

int
main(void)
{
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_flags, 0,
	    (int)(sizeof bad_rows / sizeof bad_rows[0]));
	tcase_add_test(tc, test_custom_scenario);
	tcase_add_test(tc, test_epipe);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_constant_memory);
	return gen_case_run(tc);
}
