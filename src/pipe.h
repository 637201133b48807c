/*
 * pipe.h - one direction of a bridge: a bounded buffer and where the flow
 * stands.  The source endpoint writes into it while it is open and has
 * room (the backpressure rule); the sink endpoint takes from it; once the
 * source has ended, what is buffered drains, then the sink gets its EOF.
 * No I/O: the connection asks and acts.
 */
#ifndef WSB_PIPE_H
#define WSB_PIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum pipe_state {
	PIPE_OPEN,		/* the source may send more */
	PIPE_DRAINING,		/* the source has ended: the rest goes out */
	PIPE_SHUT		/* done: the sink has its EOF, or what comes is
				   dropped */
};

struct pipe {
	struct buf	buf;		/* bytes from the source, not yet taken */
	enum pipe_state	state;
};

/* pipe_init(p, max): an open pipe holding up to max bytes. */
void	pipe_init(struct pipe *, size_t);

/*
 * pipe_source_ended(p): the source will send no more: an open pipe
 * drains what it holds.  Nothing changes once it drains or is shut.
 */
void	pipe_source_ended(struct pipe *);

/*
 * pipe_drained(p): true once, when a draining pipe has given the sink its
 * last byte: it is shut now and the caller gives the sink its EOF.
 */
bool	pipe_drained(struct pipe *);

/*
 * pipe_shut(p, keep): nothing more goes through: the pipe is shut and all
 * but the first keep buffered bytes (a frame already under way) dropped.
 */
void	pipe_shut(struct pipe *, size_t);

/*
 * pipe_wants_source(p): the backpressure rule: read the source only while
 * the pipe is open and has room.
 */
bool	pipe_wants_source(const struct pipe *);

/* pipe_open(p), pipe_shut_down(p): the state, for readability. */
static inline bool
pipe_is_open(const struct pipe *p)
{
	return (p->state == PIPE_OPEN);
}

static inline bool
pipe_is_shut(const struct pipe *p)
{
	return (p->state == PIPE_SHUT);
}

#endif
