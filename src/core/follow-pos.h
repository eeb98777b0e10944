/*
 * Where a followed input file stands (ingest/follow.h hands it out and
 * resumes from it; the store keeps it with the rows read up to it,
 * db/store.h struct store_position): the file by device and inode, the
 * bytes and lines handed out, and a hash of the bytes just before the
 * offset, so a truncated file that grew back is not taken for the old
 * one. A value only: no I/O here.
 */
#ifndef MLMON_CORE_FOLLOW_POS_H
#define MLMON_CORE_FOLLOW_POS_H

#include <stdint.h>

struct follow_pos {
	uint64_t	 dev;
	uint64_t	 ino;
	int64_t		 offset;	/* bytes handed out as lines */
	int64_t		 line;		/* lines handed out */
	uint64_t	 hash;		/* FNV-1a of the tail before offset */
};

#endif
