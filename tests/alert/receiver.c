/* Test receivers: spawn, find the port, read what arrived, stop. */
#define _GNU_SOURCE
#include "receiver.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

void
tmpdir_make(char *buf, size_t size)
{
	const char *t = getenv("TMPDIR");

	snprintf(buf, size, "%s/mlmon-alert-XXXXXX", t != NULL ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

void
tmpdir_remove(const char *dir)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

char *
file_read(const char *path, size_t *len)
{
	char *buf;
	long n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	if (n > 0)
		ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

int
mem_has(const char *hay, size_t len_h, const char *needle)
{
	return memmem(hay, len_h, needle, strlen(needle)) != NULL;
}

void
receiver_start(struct receiver *r, const char *script, const char *mode)
{
	const char *root = getenv("MLMON_SOURCE_ROOT");
	char path[512], errlog[512], line[32];
	struct pollfd pfd;
	int fds[2], fd;
	ssize_t n;
	size_t o = 0;
	pid_t parent = getpid();

	ck_assert_msg(root != NULL, "MLMON_SOURCE_ROOT not set (run via "
	    "meson test)");
	ck_assert_msg(access("/usr/bin/python3", X_OK) == 0,
	    "/usr/bin/python3 missing: run scripts/install-deps");
	snprintf(path, sizeof path, "%s/tests/alert/%s", root, script);
	tmpdir_make(r->dir, sizeof r->dir);
	snprintf(errlog, sizeof errlog, "%s/receiver.stderr", r->dir);
	ck_assert_int_eq(pipe(fds), 0);
	r->pid = fork();
	ck_assert_int_ge(r->pid, 0);
	if (r->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		dup2(fds[1], 1);
		fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd != -1)
			dup2(fd, 2);
		close(fds[0]);
		close(fds[1]);
		execl("/usr/bin/python3", "python3", path, r->dir, mode,
		    (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while (o < sizeof line - 1) {
		ck_assert_msg(poll(&pfd, 1, 15000) == 1,
		    "%s did not report its port", script);
		n = read(fds[0], line + o, 1);
		ck_assert_msg(n == 1, "%s exited before reporting its port "
		    "(see %s)", script, errlog);
		if (line[o] == '\n')
			break;
		o++;
	}
	line[o] = '\0';
	close(fds[0]);
	r->port = atoi(line);
	ck_assert_int_gt(r->port, 0);
}

void
receiver_stop(struct receiver *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		r->pid = 0;
	}
	tmpdir_remove(r->dir);
}

int
receiver_count(const struct receiver *r, const char *prefix, const char *ext)
{
	char path[512];
	int n = 0;

	for (;;) {
		snprintf(path, sizeof path, "%s/%s-%d.%s", r->dir, prefix,
		    n + 1, ext);
		if (access(path, F_OK) != 0)
			return n;
		n++;
	}
}

char *
receiver_read(const struct receiver *r, const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof path, "%s/%s", r->dir, name);
	return file_read(path, len);
}
