/*
 * Every row a statement steps to, read into a growing array: the loop the
 * alert outbox, the open conditions and the live mutes each wrote for
 * their own struct (alert-store.c, alert-mute.c).
 */
#ifndef MLMON_DB_ROWS_H
#define MLMON_DB_ROWS_H

#include <stddef.h>

struct db_stmt;

/* How to read one row into an element, and release one (may be NULL). */
struct rows_reader {
	size_t	  size;				/* of one element */
	void	(*read)(struct db_stmt *st, void *elem);
	void	(*finish)(void *elem);
};

/*
 * Step st to its end, each row read by r into a new element of *out
 * (caller frees; NULL without rows), *n of them. Returns the last step:
 * DB_DONE, or the error, when the elements read are released, *out is
 * NULL and *n 0. The caller resets or releases st.
 */
int	rows_read(struct db_stmt *st, const struct rows_reader *r, void **out,
	    size_t *n);

#endif
