/*
 * What the mlmon-gen suites share (test-gen-units.c, test-gen-stream.c,
 * test-gen-cli.c; one meson test each): the real binary run as a black
 * box (fork/exec, stdout and stderr kept, exit status, max RSS, time),
 * its output parsed line by line with cJSON, the protocol's checks of
 * one record, and the runner of a test case as suite "gen".
 * MLMON_GEN is the binary (set by meson).
 */
#ifndef MLMON_TESTS_SCENARIOS_GEN_RUN_H
#define MLMON_TESTS_SCENARIOS_GEN_RUN_H

#include <check.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

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

/*
 * Run mlmon-gen with args (NULL-terminated). env_dir, when set, becomes
 * MLMON_SCENARIO_DIR. discard sends stdout to /dev/null.
 */
void		 run_gen(struct run *r, const char *const *args,
		    const char *env_dir, bool discard);
void		 run_free(struct run *r);
/* Parse every line; fails the test on invalid JSON or a missing '\n'. */
void		 stream_parse(struct stream *s, const char *text, size_t len);
void		 stream_free(struct stream *s);
/* "prediction" for a line without "type". */
const char	*line_type(const cJSON *o);
const cJSON	*field(const cJSON *o, const char *name);
int		 int_field(const cJSON *o, const char *name);
/* Load a stream of a run that must succeed. */
void		 gen_stream(struct stream *s, const char *const *args);
/*
 * Check one features/scores record against the protocol: the vectors'
 * lengths, scores in [0, 1] summing to 1 within 1e-6, predicted_class the
 * first argmax and confidence the max of the printed scores.
 */
void		 check_vectors(const cJSON *o, int nf, int nc,
		    bool has_confidence);
/* Run tc as the one test case of suite "gen": the process's exit status. */
int		 gen_case_run(TCase *tc);

#endif
