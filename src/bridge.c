/*
 * bridge.c - the rules joining a bridge's two sides through its two pipes.
 * No I/O, no libev, no logging: the owner acts on what bridge_next() says.
 */
#include "bridge.h"

/* The pipe that carries bytes to side s, and the one carrying its bytes. */
static struct pipe *
into(struct bridge *br, enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? &br->down : &br->up);
}

static struct pipe *
out_of(struct bridge *br, enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? &br->up : &br->down);
}

static const struct pipe *
into_c(const struct bridge *br, enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? &br->down : &br->up);
}

static const struct pipe *
out_of_c(const struct bridge *br, enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? &br->up : &br->down);
}

void
bridge_init(struct bridge *br, size_t up_max, size_t down_max)
{
	pipe_init(&br->up, up_max);
	pipe_init(&br->down, down_max);
	br->end[BRIDGE_CLIENT] = END_OPEN;
	br->end[BRIDGE_BACKEND] = END_PENDING;
	br->detachable = false;
}

void
bridge_opened(struct bridge *br, enum bridge_side s)
{
	if (br->end[s] == END_PENDING)
		br->end[s] = END_OPEN;
}

void
bridge_read_done(struct bridge *br, enum bridge_side s)
{
	if (br->end[s] == END_OPEN)
		br->end[s] = END_READ_DONE;
	pipe_source_ended(out_of(br, s));
}

void
bridge_cut(struct bridge *br, enum bridge_side s, size_t keep)
{
	pipe_shut(into(br, s), keep);
}

void
bridge_gone(struct bridge *br, enum bridge_side s)
{
	if (br->end[s] == END_CLOSED)
		return;
	br->end[s] = END_CLOSED;
	pipe_shut(into(br, s), 0);
	pipe_source_ended(out_of(br, s));
}

/* Is side s done with: it has had its EOF and sends nothing more? */
static bool
closable(const struct bridge *br, enum bridge_side s)
{
	if (!bridge_is_live(br, s) || !pipe_is_shut(into_c(br, s)))
		return (false);
	if (br->end[s] == END_READ_DONE)
		return (true);
	return (s == BRIDGE_BACKEND && br->detachable &&
	    bridge_is_gone(br, BRIDGE_CLIENT));
}

enum bridge_action
bridge_next(struct bridge *br, enum bridge_side *side)
{
	static const enum bridge_side sides[] = {
		BRIDGE_BACKEND, BRIDGE_CLIENT
	};
	enum bridge_side s;
	size_t i;

	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		s = sides[i];
		if (bridge_is_live(br, s) && pipe_drained(into(br, s))) {
			*side = s;
			return (BRIDGE_SEND_EOF);
		}
	}
	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		s = sides[i];
		if (closable(br, s)) {
			br->end[s] = END_CLOSING;
			*side = s;
			return (BRIDGE_CLOSE);
		}
	}
	/* A backend still being reached goes with the client. */
	if (bridge_is_gone(br, BRIDGE_CLIENT) &&
	    (br->end[BRIDGE_BACKEND] == END_PENDING ||
	    bridge_is_gone(br, BRIDGE_BACKEND))) {
		br->end[BRIDGE_BACKEND] = END_CLOSED;
		*side = BRIDGE_CLIENT;
		return (BRIDGE_DONE);
	}
	return (BRIDGE_IDLE);
}

bool
bridge_wants_read(const struct bridge *br, enum bridge_side s)
{
	const struct pipe *p = out_of_c(br, s);
	enum bridge_side o = s == BRIDGE_CLIENT ? BRIDGE_BACKEND :
	    BRIDGE_CLIENT;

	/* Nothing is taken for a side not yet reached. */
	return (br->end[s] == END_OPEN && br->end[o] != END_PENDING &&
	    (pipe_wants_source(p) || pipe_is_shut(p)));
}

bool
bridge_wants_write(const struct bridge *br, enum bridge_side s)
{
	const struct pipe *p = into_c(br, s);

	return (bridge_is_live(br, s) && !pipe_is_shut(p) &&
	    buf_len(&p->buf) > 0);
}
