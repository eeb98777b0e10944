/*
 * The mlmon-gen suites' shared part (gen-run.h): the binary as a black
 * box, its output parsed, the protocol's checks of one record.
 */
#include "gen-run.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MLMON_GEN
#error "MLMON_GEN must name the mlmon-gen binary"
#endif

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
void
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

void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Parse every line; fails the test on invalid JSON or a missing '\n'. */
void
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

void
stream_free(struct stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		cJSON_Delete(s->line[i]);
	free(s->line);
}

/* "prediction" for a line without "type". */
const char *
line_type(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");

	return cJSON_IsString(t) ? t->valuestring : "prediction";
}

const cJSON *
field(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

int
int_field(const cJSON *o, const char *name)
{
	const cJSON *v = field(o, name);

	ck_assert_msg(cJSON_IsNumber(v), "missing integer '%s'", name);
	ck_assert_msg(v->valuedouble == floor(v->valuedouble),
	    "'%s' is not an integer", name);
	return v->valueint;
}

/* Load a stream of a run that must succeed. */
void
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
void
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

int
gen_case_run(TCase *tc)
{
	Suite *s = suite_create("gen");
	SRunner *sr;
	int failed;

	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
