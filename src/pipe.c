/*
 * pipe.c - one direction of a bridge: its buffer's state and the
 * backpressure rule.  No I/O, no libev, no logging.
 */
#include "pipe.h"

void
pipe_init(struct pipe *p, size_t max)
{
	buf_init(&p->buf, max);
	p->state = PIPE_OPEN;
}

void
pipe_source_ended(struct pipe *p)
{
	if (p->state == PIPE_OPEN)
		p->state = PIPE_DRAINING;
}

bool
pipe_drained(struct pipe *p)
{
	if (p->state != PIPE_DRAINING || buf_len(&p->buf) > 0)
		return (false);
	p->state = PIPE_SHUT;
	return (true);
}

void
pipe_shut(struct pipe *p, size_t keep)
{
	p->state = PIPE_SHUT;
	if (keep < buf_len(&p->buf))
		p->buf.len = keep;
	if (buf_len(&p->buf) == 0)
		buf_free(&p->buf);
}

bool
pipe_wants_source(const struct pipe *p)
{
	return (p->state == PIPE_OPEN && buf_space(&p->buf) > 0);
}
