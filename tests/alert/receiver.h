/*
 * Test receivers on 127.0.0.1: tests/alert/webhook-receiver.py (HTTP) and
 * smtp-receiver.py (aiosmtpd), run with Debian's /usr/bin/python3. Each
 * binds a free port (port 0) and says which on stdout, so parallel tests
 * never collide; each dies with the test process (PR_SET_PDEATHSIG).
 */
#ifndef MLMON_TESTS_ALERT_RECEIVER_H
#define MLMON_TESTS_ALERT_RECEIVER_H

#include <stddef.h>
#include <sys/types.h>

struct receiver {
	pid_t	pid;
	int	port;
	char	dir[256];	/* where requests land, removed at stop */
};

/* script: "webhook-receiver.py" or "smtp-receiver.py"; mode may be NULL. */
void	receiver_start(struct receiver *r, const char *script,
	    const char *mode);
void	receiver_stop(struct receiver *r);
/* Files named prefix-N.ext, N from 1 up, that exist now. */
int	receiver_count(const struct receiver *r, const char *prefix,
	    const char *ext);
/* Caller frees. The whole file dir/name, NUL-terminated; NULL if none. */
char	*receiver_read(const struct receiver *r, const char *name,
	    size_t *len);

/* A temp dir for a test; remove it with tmpdir_remove. */
void	tmpdir_make(char *buf, size_t size);
void	tmpdir_remove(const char *dir);
/* Caller frees: the whole file, NULL if missing. */
char	*file_read(const char *path, size_t *len);
/* True when needle (len bytes) occurs in the len_h bytes of hay. */
int	mem_has(const char *hay, size_t len_h, const char *needle);

#endif
