/*
 * mlmon-db: store maintenance across backends. One command today:
 *
 *	mlmon-db copy SRC DST
 *
 * copies a whole store from SRC to DST, each a SQLite path or a
 * PostgreSQL target (db-copy.h): resumable, verified by row counts and
 * a digest of the reports, a progress line on a terminal.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlmon-version.h"
#include "core/sanitize.h"
#include "db/db-copy.h"
#include "db/db-target.h"

static const char usage_text[] =
"usage: mlmon-db copy SRC DST\n"
"\n"
"Copy the whole store SRC into DST. Each is a SQLite path or a\n"
"PostgreSQL URI or connection string (postgresql://user@host/db, or\n"
"'host=... dbname=...'); DST gets the schema if it has none. Run again\n"
"after an interruption: it goes on where it stopped. At the end every\n"
"table's rows are counted and the reports compared on both sides.\n"
"\n"
"  -q, --quiet     no progress line\n"
"  -h, --help      this text\n"
"  -V, --version   the version\n";

/* The progress line, rewritten in place on a terminal. */
static void
progress(const struct db_copy_progress *p, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rmlmon-db: copying %-16s %lld / %lld rows\033[K",
	    p->table, (long long)p->done, (long long)p->total);
	if (p->done >= p->total)
		fputc('\n', stderr);
}

/* The copy, then what it did. 0, or 1 with the reason on stderr. */
static int
copy(const char *src, const char *dst, bool quiet)
{
	struct db_copy_result res;
	char *cause = NULL, *a, *b, *msg;

	if (db_copy(src, dst, quiet || !isatty(STDERR_FILENO) ? NULL :
	    progress, NULL, &res, &cause) == -1) {
		msg = sanitize_dup(cause, 4096);
		fprintf(stderr, "mlmon-db: copy: %s\n", msg);
		free(msg);
		free(cause);
		return 1;
	}
	a = db_target_redact(src);
	b = db_target_redact(dst);
	printf("copied %s to %s: %lld rows written, %lld in %d tables, "
	    "%lld reports (digest %016llx), the same on both\n", a, b,
	    (long long)res.copied, (long long)res.rows, res.tables,
	    (long long)res.reports, (unsigned long long)res.digest);
	free(a);
	free(b);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("mlmon-db %s\n", MLMON_VERSION_STRING);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3 || strcmp(argv[0], "copy") != 0) {
		fputs(usage_text, stderr);
		return 2;
	}
	return copy(argv[1], argv[2], quiet);
}
