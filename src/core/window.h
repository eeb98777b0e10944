/*
 * Windowing a prediction stream that carries no batch_id
 * (docs/PROTOCOL.md, "--window"): which batch each event belongs to and
 * when a batch closes, as a pure state machine. Events and clock ticks go
 * in; "close batch B" decisions come out, in ascending batch order. No
 * I/O: the caller passes the time (any monotonic microsecond clock) and
 * stores what must survive a restart (struct window_state).
 *
 * rows:N   the k-th prediction (from 0, counted across restarts through
 *          the stored state) goes to batch k / N; batch B closes when its
 *          N-th row arrives.
 * time:D   an event at ts goes to batch floor(ts / D), so independent
 *          processes agree. Batch B (covering [B*D, (B+1)*D)) closes when
 *          an event at or after (B+1)*D + lateness arrives, or when no
 *          event arrived for idle microseconds of the caller's clock. An
 *          event for a closed batch is placed there and marked late.
 *
 * The arithmetic never multiplies a batch id: the closing frontier is
 * floor((max_ts - lateness) / D), so no ts or duration can overflow it.
 */
#ifndef MLMON_CORE_WINDOW_H
#define MLMON_CORE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum window_kind {
	WINDOW_NONE,		/* batch_id comes with every prediction */
	WINDOW_ROWS,
	WINDOW_TIME,
};

struct window_spec {
	enum window_kind kind;
	int64_t		 rows;		/* WINDOW_ROWS: rows per batch */
	int64_t		 length;	/* WINDOW_TIME: us */
	int64_t		 lateness;	/* us, >= 0 */
	int64_t		 idle;		/* us of the caller's clock; 0: never */
};

/* What a restart needs to continue exactly (stored with the input
 * position). */
struct window_state {
	int64_t		 next_row;	/* rows: predictions placed so far */
	int64_t		 frontier;	/* time: batches below are closed */
	int64_t		 max_ts;	/* time: latest event, -1 for none */
};

struct window {
	struct window_spec	 spec;
	struct window_state	 st;
	int64_t			 last_event;	/* caller's clock, us */
	int64_t			*open;		/* ascending; batches with
						 * events, not closed */
	size_t			 n_open;
	size_t			 open_size;
	int64_t			*closing;	/* decisions not yet taken */
	size_t			 n_closing;
	size_t			 closing_size;
	size_t			 closing_next;
};

/* Where one event goes. */
struct window_place {
	int64_t		 batch;
	bool		 late;		/* its batch had already closed */
};

/*
 * "30s", "5m", "1h", "7d" (a whole count and one unit), or "0" when
 * zero_ok, into microseconds. False with *cause (caller frees).
 */
bool	window_duration_parse(const char *s, bool zero_ok, int64_t *us,
	    char **cause);
/*
 * "rows:N" or "time:DURATION" into *out (lateness 0, idle = length).
 * False with *cause (caller frees).
 */
bool	window_spec_parse(const char *s, struct window_spec *out,
	    char **cause);

void	window_init(struct window *w, const struct window_spec *spec);
void	window_finish(struct window *w);
/* Continue from a stored state (before the first event); the idle
 * clock starts at now. */
void	window_restore(struct window *w, const struct window_state *st,
	    int64_t now);
/* Mark batch b as open again (it holds rows but is not closed). */
void	window_reopen(struct window *w, int64_t b);

/*
 * Place one event: ts (us, >= 0) for time windows, ignored for rows;
 * now is the caller's clock in us.
 */
struct window_place window_add(struct window *w, int64_t ts, int64_t now);
/* Close what the idle rule closes at now. */
void	window_tick(struct window *w, int64_t now);
/* Close every open batch (end of input). */
void	window_close_all(struct window *w);
/* The next close decision, ascending; false when none is pending. */
bool	window_next_close(struct window *w, int64_t *batch);
/* When window_tick may next close something (us), or -1 for never. */
int64_t	window_deadline(const struct window *w);

#endif
