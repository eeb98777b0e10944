/* Snapshots of the current tab (see snapshot.h). */
#include "tui/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/render.h"

#define SNAP_APP	"mlmon-top"
#define SNAP_TRIES	100	/* names tried within one second */

char *
snapshot_dir(const char *xdg_state, const char *home, char **cause)
{
	/* The XDG spec: a relative value is invalid and ignored. */
	if (xdg_state != NULL && xdg_state[0] == '/')
		return xasprintf("%s/" SNAP_APP, xdg_state);
	if (home != NULL && home[0] != '\0')
		return xasprintf("%s/.local/state/" SNAP_APP, home);
	*cause = xstrdup("neither XDG_STATE_HOME nor HOME is set");
	return NULL;
}

/* mkdir -p with 0700 for what it creates; existing parts stay as they are. */
static int
snapshot_mkdirs(const char *dir, char **cause)
{
	char *p = xstrdup(dir), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {	/* skip "//" */
			char was = *s;

			*s = '\0';
			if (mkdir(p, 0700) == -1 && (errno != EEXIST ||
			    stat(p, &st) == -1 || !S_ISDIR(st.st_mode))) {
				*cause = xasprintf("%s: %s", p, errno ==
				    EEXIST ? "not a directory" :
				    strerror(errno));
				rc = -1;
			}
			*s = was;
		}
		if (*s == '\0')
			break;
	}
	free(p);
	return rc;
}

/* Write all of buf to fd, retrying short writes. */
static int
snapshot_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

char *
snapshot_write(const char *dir, double now, const char *text, size_t len,
    char **cause)
{
	char stamp[32], *tmp, *path = NULL;
	struct stat st;
	struct tm tm;
	time_t t = (time_t)now;
	int fd, i, err = 0;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0) {
		*cause = xstrdup("cannot format the time");
		return NULL;
	}
	if (snapshot_mkdirs(dir, cause) == -1)
		return NULL;
	tmp = xasprintf("%s/.snap-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		free(tmp);
		return NULL;
	}
	if (snapshot_write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		err = errno;
		goto fail;
	}
	for (i = 1; i <= SNAP_TRIES && path == NULL; i++) {
		path = i == 1 ? xasprintf("%s/snap-%s.txt", dir, stamp) :
		    xasprintf("%s/snap-%s-%d.txt", dir, stamp, i);
		if (lstat(path, &st) == 0 || errno != ENOENT) {
			free(path);
			path = NULL;
		}
	}
	if (path == NULL) {
		err = EEXIST;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		err = errno;
		free(path);
		goto fail;
	}
	free(tmp);
	return path;

fail:
	*cause = xasprintf("%s: %s", dir, strerror(err));
	unlink(tmp);
	free(tmp);
	return NULL;
}

int
snapshot_take(struct app *a, int w, int h)
{
	struct app shown = *a;	/* a shallow copy, only read by app_draw */
	struct canvas c;
	char *text = NULL, *dir, *path = NULL, *cause = NULL, *msg;
	size_t len = 0;
	FILE *f;

	/* What --once would print: no highlight, no status or note. */
	shown.highlight = false;
	shown.status[0] = '\0';
	shown.note[0] = '\0';
	canvas_init(&c, w, h);
	app_draw(&shown, &c);
	if ((f = open_memstream(&text, &len)) == NULL) {
		canvas_finish(&c);
		app_set_status(a, true, "snapshot: out of memory");
		return -1;
	}
	canvas_print(&c, f);
	fclose(f);
	canvas_finish(&c);
	dir = snapshot_dir(getenv("XDG_STATE_HOME"), getenv("HOME"), &cause);
	if (dir != NULL)
		path = snapshot_write(dir, a->now, text, len, &cause);
	free(text);
	free(dir);
	if (path == NULL) {
		msg = xasprintf("snapshot failed: %s", cause);
		app_set_status(a, true, msg);
		free(msg);
		free(cause);
		return -1;
	}
	msg = xasprintf("saved %s", path);
	app_set_status(a, false, msg);
	free(msg);
	free(path);
	return 0;
}
