/*
 * bridge.h - two endpoints joined by two pipes: the client side and the
 * backend side, "up" carrying what the client sends to the backend and
 * "down" the other way.  This module holds the rules that join them: when
 * a side has had all it will get (its EOF is due), when a side may be
 * closed, when the bridge is over.  The owner does the I/O, tells the
 * bridge what happened, and asks bridge_next() what to do, until it says
 * BRIDGE_IDLE.  No I/O, no libev, no logging.
 */
#ifndef WSB_BRIDGE_H
#define WSB_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "pipe.h"

enum bridge_side {
	BRIDGE_CLIENT,
	BRIDGE_BACKEND
};

/* One side, in the only order it goes (a step may be skipped). */
enum bridge_end {
	END_PENDING,		/* not there yet (the backend being reached) */
	END_OPEN,		/* read and written */
	END_READ_DONE,		/* its input has ended: only written to */
	END_CLOSING,		/* told to close: done with, not yet gone */
	END_CLOSED		/* gone, or never reached */
};

struct bridge {
	struct pipe	up;		/* client → backend */
	struct pipe	down;		/* backend → client */
	enum bridge_end	end[2];		/* by enum bridge_side */
	/* The backend may be closed before its EOF once the client is
	 * gone (a program: the reaper takes it); a socket is read to its
	 * EOF instead, so that it is not reset under its peer. */
	bool		detachable;
};

enum bridge_action {
	BRIDGE_IDLE,		/* nothing to do before the next event */
	BRIDGE_SEND_EOF,	/* the side has had all it gets: shut down
				   its write side (a close frame, SHUT_WR) */
	BRIDGE_CLOSE,		/* the side is done with: close it, then
				   bridge_gone() once it is */
	BRIDGE_DONE		/* both sides gone: free it now */
};

/*
 * bridge_init(br, up_max, down_max): the client side open, the backend
 * pending, both pipes open and empty; not detachable until the owner says.
 */
void	bridge_init(struct bridge *, size_t, size_t);

/* bridge_opened(br, side): a pending side is reached. */
void	bridge_opened(struct bridge *, enum bridge_side);

/*
 * bridge_read_done(br, side): the side will send no more (EOF, a close
 * frame, an error in what it sent): what it sent drains to the other.
 */
void	bridge_read_done(struct bridge *, enum bridge_side);

/*
 * bridge_cut(br, side, keep): the side gets no more: what waits for it is
 * dropped but for the first keep bytes (a frame already under way), and so
 * is what comes for it.  For a failed write (keep 0), a close that does not
 * wait for the rest (a timer, a close frame received).
 */
void	bridge_cut(struct bridge *, enum bridge_side, size_t);

/*
 * bridge_gone(br, side): the side is closed (or was never reached): what
 * it sent still drains to the other side, what waits for it is dropped.
 */
void	bridge_gone(struct bridge *, enum bridge_side);

/*
 * bridge_next(br, side): what to do now, and to which side.  Each
 * BRIDGE_SEND_EOF and BRIDGE_CLOSE is said once; BRIDGE_DONE ends the
 * bridge (a pending backend is dropped with it).
 */
enum bridge_action bridge_next(struct bridge *, enum bridge_side *);

/*
 * bridge_wants_read(br, side): read the side now?  Once the other side is
 * reached, while the pipe it fills is open and has room (the backpressure
 * rule), or, once that pipe is shut, to find its EOF (what it sends then
 * is dropped).
 */
bool	bridge_wants_read(const struct bridge *, enum bridge_side);

/* bridge_wants_write(br, side): is anything waiting for the side? */
bool	bridge_wants_write(const struct bridge *, enum bridge_side);

/* bridge_is_live(br, side): open or read done: its descriptor in use. */
static inline bool
bridge_is_live(const struct bridge *br, enum bridge_side s)
{
	return (br->end[s] == END_OPEN || br->end[s] == END_READ_DONE);
}

/* bridge_is_gone(br, side): closed, or never reached. */
static inline bool
bridge_is_gone(const struct bridge *br, enum bridge_side s)
{
	return (br->end[s] == END_CLOSED);
}

#endif
