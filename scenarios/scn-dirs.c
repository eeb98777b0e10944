/*
 * The built-in scenario directories. A binary run from its build
 * directory reads the source tree's scenarios/ (so an edit to a .scn file
 * is seen without installing). Any other binary is an installed one: it
 * reads the scenarios installed next to it, found from its own path
 * (/proc/self/exe) and the bindir-to-datadir path fixed at configure
 * time, so a tree installed with DESTDIR, or moved to another prefix,
 * uses its own files and never the source tree. The configured absolute
 * datadir comes last, for when /proc is not mounted. The three paths come
 * from scenarios/meson.build.
 */
#include "scn-dirs.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xalloc.h"

#ifndef MLMON_GEN_BUILDDIR
#define MLMON_GEN_BUILDDIR ""
#endif
#ifndef MLMON_GEN_SCN_SRCDIR
#define MLMON_GEN_SCN_SRCDIR "scenarios"
#endif
#ifndef MLMON_GEN_SCN_DATADIR
#define MLMON_GEN_SCN_DATADIR "/usr/local/share/mlmon/scenarios"
#endif
/* The data dir relative to the bindir; "" when one of them is absolute. */
#ifndef MLMON_GEN_SCN_RELDIR
#define MLMON_GEN_SCN_RELDIR "../share/mlmon/scenarios"
#endif

/* The directory of the running binary, or NULL. Caller frees. */
static char *
scn_dirs_self(void)
{
	char buf[PATH_MAX], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0 || (size_t)n >= sizeof buf - 1)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

/* Is the running binary the one in the build directory? */
static int
scn_dirs_in_build(const char *self)
{
	char build[PATH_MAX];

	if (*MLMON_GEN_BUILDDIR == '\0' ||
	    realpath(MLMON_GEN_BUILDDIR, build) == NULL)
		return 0;
	return strcmp(self, build) == 0;
}

void
scn_dirs_default(const char *dirs[SCN_DIRS_MAX], char **own)
{
	char *self;
	int n = 0;

	*own = NULL;
	self = scn_dirs_self();
	if (self != NULL && scn_dirs_in_build(self)) {
		dirs[n++] = MLMON_GEN_SCN_SRCDIR;
	} else {
		if (self != NULL && *MLMON_GEN_SCN_RELDIR != '\0') {
			*own = xasprintf("%s/%s", self, MLMON_GEN_SCN_RELDIR);
			dirs[n++] = *own;
		}
		dirs[n++] = MLMON_GEN_SCN_DATADIR;
	}
	dirs[n] = NULL;
	free(self);
}
