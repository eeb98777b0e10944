/*
 * What the console suite's files share (test-console: one executable, one
 * suite on both backends, tests/db/fixture.c):
 *
 *   test-console.c          the helpers below, options and keys, the s
 *                           snapshot, the suite's table of cases
 *   test-console-export.c   --once --format json and csv
 *   test-console-live.c     the live console: mouse, highlights of what
 *                           arrived, the stale badge
 *
 * Each part appends its cases to the table (its functions below).
 */
#ifndef MLMON_TESTS_TUI_CONSOLE_TEST_H
#define MLMON_TESTS_TUI_CONSOLE_TEST_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/fixture.h"
#include "tui/app.h"

#define NOW	1700001300.0	/* the goldens' MLMON_NOW: 22:35:00 UTC */
/* Room in the suite's table of cases. */
#define CONSOLE_CASES_MAX	32

/* The fixture (tests/tui/fixture.h) of batches first..last, 14 alerts. */
void		 write_fixture(int64_t first, int64_t last, int64_t labelled);
/* An app on the fixture as the live console has it: loaded, w x h. */
void		 open_app(struct app *a, const char *const *args, int w, int h);
/* Row y of the canvas as text (a static buffer). */
char		*row_text(const struct canvas *c, int y);
/* Cells of role r anywhere on the canvas. */
int		 count_role(const struct canvas *c, enum role r);
/* mlmon-top --once --db db_target args... into a string. Caller frees. */
char		*run_once(const char *const *args, int *rc);
/* run_once's one line of JSON (no raw control byte), parsed. */
cJSON		*once_json(const char *const *args);
double		 jnum(const cJSON *o, const char *k);
bool		 jnull(const cJSON *o, const char *k);
const char	*jstr(const cJSON *o, const char *k);
int		 jlen(const cJSON *o, const char *k);
/* Lines in s and the one starting with prefix (NULL if none). */
int		 count_lines(const char *s);
const char	*line_with(const char *s, const char *prefix);

/* Each part's cases appended to cases at n: the new n. */
size_t		 console_export_cases(struct fixture_case *cases, size_t n);
size_t		 console_live_cases(struct fixture_case *cases, size_t n);

#endif
