/*
 * test_bridge.c - the bridge's rules driven by two fake endpoints, in every
 * order of up to five events among: data, EOF, a close frame, a read error,
 * a write error and a stalled reader on either side, the backend being
 * reached, and the phase timer.  After the events the endpoints finish
 * (readers catch up, sources end) and each run must end in exactly one
 * BRIDGE_DONE, with every byte the bridge accepted delivered, in order and
 * once, unless the pipe it was in was cut on purpose (a failed write, a side
 * gone, a close frame, the timer); no side may be closed before all it had
 * to send was read, unless its input was ended early or nobody was left to
 * get it; each EOF must come after the last byte and only once, and no side
 * is read, written or told anything once it is closed.  As in conn.c, a
 * backend reached after its client has gone is never opened.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"
#include "unit.h"

#define PIPE_MAX	4096		/* small: data events fill it */
#define DATA_CHUNK	3000		/* bytes one data event offers */

enum ev {
	EV_C_DATA, EV_C_EOF, EV_C_CLOSEFRAME, EV_C_ERROR, EV_C_WFAIL,
	EV_C_STALL,
	EV_B_OPEN, EV_B_DATA, EV_B_EOF, EV_B_ERROR, EV_B_WFAIL, EV_B_STALL,
	EV_TIMER,
	EV_COUNT
};

static const char *const ev_names[] = {
	"client-data", "client-eof", "client-closeframe", "client-error",
	"client-wfail", "client-stall", "backend-open", "backend-data",
	"backend-eof", "backend-error", "backend-wfail", "backend-stall",
	"timer"
};

/* One fake endpoint: a source of numbered bytes and a checking sink. */
struct fake {
	uint64_t	offered;	/* bytes its peer may read from it */
	uint64_t	read;		/* of which the bridge has taken */
	bool		eof;		/* once offered is read: EOF */
	bool		closed;		/* BRIDGE_CLOSE or gone */
	bool		stalled;	/* takes nothing (backpressure) */
	bool		fail_write;	/* its next write fails */
	uint64_t	got;		/* bytes written to it, checked */
	bool		got_eof;
};

struct run {
	struct bridge	br;
	struct fake	side[2];
	uint64_t	accepted[2];	/* into the pipe toward side s */
	uint64_t	dropped[2];	/* read while that pipe was shut */
	bool		cut[2];		/* the pipe toward s was cut */
	bool		stopped[2];	/* s's input ended early: an error,
					   a close frame, the timer */
	int		done;		/* BRIDGE_DONE seen */
	bool		reached;	/* the backend was reached */
	const char	*failure;	/* first broken rule */
};

static struct pipe *
pipe_to(struct run *r, enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? &r->br.down : &r->br.up);
}

static enum bridge_side
other(enum bridge_side s)
{
	return (s == BRIDGE_CLIENT ? BRIDGE_BACKEND : BRIDGE_CLIENT);
}

static void
fail(struct run *r, const char *why)
{
	if (r->failure == NULL)
		r->failure = why;
}

static uint8_t
byte_at(enum bridge_side from, uint64_t i)
{
	return ((uint8_t)((i * 7 + (from == BRIDGE_CLIENT ? 1 : 2)) % 251));
}

/* The side's source is read while the bridge wants it: true on progress. */
static bool
pump_read(struct run *r, enum bridge_side s)
{
	struct fake *f = &r->side[s];
	enum bridge_side to = other(s);
	struct pipe *p = pipe_to(r, to);
	uint8_t *dst;
	size_t room, n, i;
	bool moved = false;

	while (!r->done && bridge_wants_read(&r->br, s)) {
		if (f->closed)
			fail(r, "a closed side is read");
		if (f->read == f->offered) {
			if (!f->eof)
				return (moved);
			bridge_read_done(&r->br, s);
			return (true);
		}
		n = (size_t)(f->offered - f->read);
		if (pipe_is_shut(p)) {
			/* Read to find the EOF; what comes is dropped. */
			f->read += n;
			r->dropped[to] += n;
			moved = true;
			continue;
		}
		if ((dst = buf_reserve(&p->buf, &room)) == NULL)
			return (moved);
		if (room == 0) {
			fail(r, "read wanted while its pipe is full");
			return (moved);
		}
		if (n > room)
			n = room;
		for (i = 0; i < n; i++)
			dst[i] = byte_at(s, f->read + i);
		buf_commit(&p->buf, n);
		f->read += n;
		r->accepted[to] += n;
		moved = true;
	}
	return (moved);
}

/* What waits for side s is written to it while it takes. */
static bool
pump_write(struct run *r, enum bridge_side s)
{
	struct fake *f = &r->side[s];
	struct pipe *p = pipe_to(r, s);
	const uint8_t *src;
	size_t n, i;

	if (!bridge_wants_write(&r->br, s) || f->stalled)
		return (false);
	if (f->closed)
		fail(r, "a closed side is written");
	if (f->got_eof)
		fail(r, "a side is written after its EOF");
	if (f->fail_write) {
		bridge_cut(&r->br, s, 0);
		r->cut[s] = true;
		return (true);
	}
	src = buf_data(&p->buf);
	n = buf_len(&p->buf);
	for (i = 0; i < n; i++)
		if (src[i] != byte_at(other(s), f->got + i)) {
			fail(r, "a byte is lost, repeated or out of order");
			break;
		}
	f->got += n;
	buf_consume(&p->buf, n);
	return (true);
}

/* Act on what the bridge says until it has nothing more. */
static bool
pump_actions(struct run *r)
{
	enum bridge_side s;
	bool moved = false;

	while (!r->done) {
		switch (bridge_next(&r->br, &s)) {
		case BRIDGE_IDLE:
			return (moved);
		case BRIDGE_SEND_EOF:
			if (r->side[s].got_eof || r->side[s].closed)
				fail(r, "EOF twice, or to a closed side");
			if (!r->cut[s] && r->side[s].got != r->accepted[s])
				fail(r, "EOF before the last byte");
			r->side[s].got_eof = true;
			break;
		case BRIDGE_CLOSE:
			if (r->side[s].closed)
				fail(r, "a side is closed twice");
			r->side[s].closed = true;
			bridge_gone(&r->br, s);
			break;
		case BRIDGE_DONE:
			r->done++;
			/* A backend never reached has nothing owed to it. */
			if (!r->reached)
				r->cut[BRIDGE_BACKEND] = true;
			if (!bridge_is_gone(&r->br, BRIDGE_CLIENT))
				fail(r, "done with the client still there");
			break;
		}
		moved = true;
	}
	return (moved);
}

static void
pump(struct run *r)
{
	bool moved;
	int turns = 0;

	do {
		moved = pump_actions(r);
		moved |= pump_read(r, BRIDGE_CLIENT);
		moved |= pump_read(r, BRIDGE_BACKEND);
		moved |= pump_write(r, BRIDGE_BACKEND);
		moved |= pump_write(r, BRIDGE_CLIENT);
		moved |= pump_actions(r);
		if (++turns > 10000) {
			fail(r, "the bridge spins");
			return;
		}
	} while (moved && !r->done);
}

/* A side fails or goes: the bridge is told, as its owner would. */
static void
side_gone(struct run *r, enum bridge_side s)
{
	if (r->side[s].closed || !bridge_is_live(&r->br, s))
		return;
	r->side[s].closed = true;
	r->cut[s] = true;
	r->stopped[s] = true;
	bridge_gone(&r->br, s);
}

static void
apply(struct run *r, enum ev e)
{
	enum bridge_side s = e < EV_B_OPEN ? BRIDGE_CLIENT : BRIDGE_BACKEND;
	struct fake *f = &r->side[s];

	switch (e) {
	case EV_C_DATA:
	case EV_B_DATA:
		if (!f->eof)
			f->offered += DATA_CHUNK;
		break;
	case EV_C_EOF:
	case EV_B_EOF:
		f->eof = true;
		break;
	case EV_C_CLOSEFRAME:
		/* The client's close: it sends no more, and what the backend
		 * sent is not finished (our close answers at once). */
		if (!bridge_is_live(&r->br, s))
			break;
		bridge_read_done(&r->br, s);
		bridge_cut(&r->br, s, 0);
		r->cut[s] = true;
		r->stopped[s] = true;
		break;
	case EV_C_ERROR:
	case EV_B_ERROR:
		side_gone(r, s);
		break;
	case EV_C_WFAIL:
	case EV_B_WFAIL:
		f->fail_write = true;
		break;
	case EV_C_STALL:
	case EV_B_STALL:
		f->stalled = true;
		break;
	case EV_B_OPEN:
		r->reached = r->br.end[BRIDGE_BACKEND] == END_PENDING ||
		    r->reached;
		bridge_opened(&r->br, BRIDGE_BACKEND);
		break;
	case EV_TIMER:
		/* The phase's deadline: both sides dropped. */
		r->stopped[BRIDGE_CLIENT] = r->stopped[BRIDGE_BACKEND] = true;
		side_gone(r, BRIDGE_CLIENT);
		side_gone(r, BRIDGE_BACKEND);
		if (r->br.end[BRIDGE_BACKEND] == END_PENDING)
			r->cut[BRIDGE_BACKEND] = true;
		break;
	case EV_COUNT:
		break;
	}
	pump(r);
}

/* After the events: readers catch up, sources send a last chunk and end,
 * the backend is reached; the bridge must then come to its end by itself. */
static void
finish(struct run *r)
{
	enum bridge_side s;

	for (s = BRIDGE_CLIENT; s <= BRIDGE_BACKEND; s++) {
		r->side[s].stalled = false;
		if (!r->side[s].eof)
			r->side[s].offered += DATA_CHUNK;
		r->side[s].eof = true;
	}
	/* As conn.c: a backend reached after its client left is ignored. */
	if (!bridge_is_gone(&r->br, BRIDGE_CLIENT))
		apply(r, EV_B_OPEN);
	else
		pump(r);
}

static void
check_end(struct run *r)
{
	enum bridge_side s;

	if (r->done != 1)
		fail(r, "not exactly one BRIDGE_DONE");
	for (s = BRIDGE_CLIENT; s <= BRIDGE_BACKEND; s++) {
		/* What a side had to say was all read, unless its input was
		 * ended early or nobody would get it. */
		if (!r->stopped[s] && !r->cut[other(s)] && r->reached &&
		    r->side[s].read != r->side[s].offered)
			fail(r, "a side was closed before all it sent was read");
	}
	for (s = BRIDGE_CLIENT; s <= BRIDGE_BACKEND; s++) {
		if (r->cut[s])
			continue;
		if (r->side[s].got != r->accepted[s])
			fail(r, "accepted bytes were not delivered");
		if (r->dropped[s] != 0)
			fail(r, "bytes dropped on a pipe not cut");
		if (!r->side[s].got_eof)
			fail(r, "a side never got its EOF");
	}
}

static const char *
play(const enum ev *evs, size_t n, bool detachable, bool *checked_bytes)
{
	static struct run r;
	size_t i;

	memset(&r, 0, sizeof(r));
	bridge_init(&r.br, PIPE_MAX, PIPE_MAX);
	r.br.detachable = detachable;
	for (i = 0; i < n && !r.done; i++)
		apply(&r, evs[i]);
	if (!r.done)
		finish(&r);
	check_end(&r);
	*checked_bytes = r.accepted[BRIDGE_CLIENT] + r.accepted[BRIDGE_BACKEND]
	    > 0;
	buf_free(&r.br.up.buf);
	buf_free(&r.br.down.buf);
	return (r.failure);
}

/* Every sequence of up to MAX_EVENTS events, both kinds of backend. */
#define MAX_EVENTS	5

static void
test_bridge_every_order(void)
{
	enum ev evs[MAX_EVENTS];
	size_t len, i, runs = 0, with_bytes = 0;
	const char *why;
	unsigned long code, k, total;
	int det;
	bool bytes;

	for (len = 0; len <= MAX_EVENTS; len++) {
		for (total = 1, i = 0; i < len; i++)
			total *= EV_COUNT;
		for (code = 0; code < total; code++) {
			for (k = code, i = 0; i < len; i++, k /= EV_COUNT)
				evs[i] = (enum ev)(k % EV_COUNT);
			for (det = 0; det < 2; det++) {
				runs++;
				why = play(evs, len, det != 0, &bytes);
				with_bytes += bytes;
				if (why == NULL)
					continue;
				fprintf(stderr, "  %s (detachable=%d):", why,
				    det);
				for (i = 0; i < len; i++)
					fprintf(stderr, " %s",
					    ev_names[evs[i]]);
				fprintf(stderr, "\n");
				CHECK(why == NULL);
				return;
			}
		}
	}
	/* Every order was played; many moved data (the others lose the
	 * client before the backend is reached: nothing is read then). */
	CHECK(runs == 2 * (1 + 13 + 169 + 2197 + 28561 + 371293));
	CHECK(with_bytes > runs / 10);
}

/* The ordinary end: both sides send, then end; each gets all, then EOF. */
static void
test_bridge_clean_end(void)
{
	static const enum ev evs[] = {
		EV_B_OPEN, EV_C_DATA, EV_B_DATA, EV_C_DATA, EV_B_EOF, EV_C_EOF
	};
	static struct run r;
	size_t i;

	memset(&r, 0, sizeof(r));
	bridge_init(&r.br, PIPE_MAX, PIPE_MAX);
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		apply(&r, evs[i]);
	CHECK(r.failure == NULL);
	CHECK_EQ(r.done, 1);
	CHECK_EQ(r.side[BRIDGE_BACKEND].got, 2 * DATA_CHUNK);
	CHECK_EQ(r.side[BRIDGE_CLIENT].got, DATA_CHUNK);
	CHECK(r.side[BRIDGE_BACKEND].got_eof && r.side[BRIDGE_CLIENT].got_eof);
}

/* Backpressure: a stalled backend stops the client being read once the
 * pipe is full; nothing is lost when it takes again. */
static void
test_bridge_backpressure(void)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	bridge_init(&r.br, PIPE_MAX, PIPE_MAX);
	apply(&r, EV_B_OPEN);
	apply(&r, EV_B_STALL);
	apply(&r, EV_C_DATA);
	apply(&r, EV_C_DATA);
	CHECK_EQ(r.accepted[BRIDGE_BACKEND], PIPE_MAX);
	CHECK(!bridge_wants_read(&r.br, BRIDGE_CLIENT));
	CHECK_EQ(r.side[BRIDGE_BACKEND].got, 0);
	r.side[BRIDGE_BACKEND].stalled = false;
	pump(&r);
	CHECK_EQ(r.side[BRIDGE_BACKEND].got, 2 * DATA_CHUNK);
	CHECK(r.failure == NULL);
	buf_free(&r.br.up.buf);
	buf_free(&r.br.down.buf);
}

/* A socket backend is read to its EOF after the client has gone (so it is
 * not reset); a program is let go at once. */
static void
test_bridge_client_gone(void)
{
	static struct run r;
	enum bridge_side s;
	int det;

	for (det = 0; det < 2; det++) {
		memset(&r, 0, sizeof(r));
		bridge_init(&r.br, PIPE_MAX, PIPE_MAX);
		r.br.detachable = det != 0;
		apply(&r, EV_B_OPEN);
		apply(&r, EV_C_ERROR);
		CHECK(r.side[BRIDGE_BACKEND].got_eof);
		CHECK_EQ(r.side[BRIDGE_BACKEND].closed, det != 0);
		CHECK_EQ(r.done, det != 0);
		if (det == 0) {
			CHECK(bridge_wants_read(&r.br, BRIDGE_BACKEND));
			CHECK_EQ(bridge_next(&r.br, &s), BRIDGE_IDLE);
			apply(&r, EV_B_DATA);
			CHECK_EQ(r.dropped[BRIDGE_CLIENT], DATA_CHUNK);
			apply(&r, EV_B_EOF);
			CHECK(r.side[BRIDGE_BACKEND].closed);
			CHECK_EQ(r.done, 1);
		}
		CHECK(r.failure == NULL);
	}
}

/* A cut keeps the bytes of a frame already under way, and only those. */
static void
test_bridge_cut_keeps_frame(void)
{
	struct bridge br;
	uint8_t block[3000];
	enum bridge_side s;

	memset(block, 'x', sizeof(block));
	bridge_init(&br, PIPE_MAX, PIPE_MAX);
	bridge_opened(&br, BRIDGE_BACKEND);
	CHECK_EQ(buf_append(&br.down.buf, block, sizeof(block)), 0);
	bridge_cut(&br, BRIDGE_CLIENT, 100);
	CHECK(pipe_is_shut(&br.down));
	CHECK_EQ(buf_len(&br.down.buf), 100);
	/* nothing more is taken for the client, and no EOF is due */
	CHECK(!bridge_wants_write(&br, BRIDGE_CLIENT));
	CHECK(bridge_wants_read(&br, BRIDGE_BACKEND));
	CHECK_EQ(bridge_next(&br, &s), BRIDGE_IDLE);
	/* a keep beyond what is there keeps it all */
	bridge_cut(&br, BRIDGE_CLIENT, 500);
	CHECK_EQ(buf_len(&br.down.buf), 100);
	buf_free(&br.up.buf);
	buf_free(&br.down.buf);
}

int
main(void)
{
	UNIT_RUN(test_bridge_clean_end);
	UNIT_RUN(test_bridge_backpressure);
	UNIT_RUN(test_bridge_client_gone);
	UNIT_RUN(test_bridge_cut_keeps_frame);
	UNIT_RUN(test_bridge_every_order);
	return (UNIT_END("bridge"));
}
