/*
 * test_pipe.c - one direction of a bridge: open while the source sends and
 * has room (the backpressure rule), draining once the source has ended,
 * shut once the sink has had the last byte (reported exactly once) or when
 * the flow is cut, keeping only a frame already under way.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "pipe.h"
#include "unit.h"

static void
test_pipe_backpressure(void)
{
	struct pipe p;
	uint8_t block[4096];

	memset(block, 'x', sizeof(block));
	pipe_init(&p, sizeof(block));
	CHECK(pipe_is_open(&p));
	CHECK(pipe_wants_source(&p));
	CHECK_EQ(buf_append(&p.buf, block, sizeof(block)), 0);
	/* full: the source is not read */
	CHECK(!pipe_wants_source(&p));
	buf_consume(&p.buf, 1);
	CHECK(pipe_wants_source(&p));
	/* ended: never read again, room or not */
	pipe_source_ended(&p);
	CHECK(!pipe_wants_source(&p));
	buf_free(&p.buf);
}

static void
test_pipe_drain(void)
{
	struct pipe p;

	pipe_init(&p, 64);
	/* an open pipe is never drained, empty or not */
	CHECK(!pipe_drained(&p));
	CHECK_EQ(buf_append(&p.buf, "abc", 3), 0);
	pipe_source_ended(&p);
	CHECK_EQ(p.state, PIPE_DRAINING);
	CHECK(!pipe_drained(&p));	/* bytes left for the sink */
	buf_consume(&p.buf, 3);
	CHECK(pipe_drained(&p));	/* the sink gets its EOF now ... */
	CHECK(pipe_is_shut(&p));
	CHECK(!pipe_drained(&p));	/* ... and only once */
	pipe_source_ended(&p);
	CHECK(pipe_is_shut(&p));	/* shut stays shut */
	buf_free(&p.buf);
}

static void
test_pipe_shut(void)
{
	struct pipe p;

	pipe_init(&p, 64);
	CHECK_EQ(buf_append(&p.buf, "frame-rest+more", 15), 0);
	/* the 10 bytes of a frame under way stay, the rest goes */
	pipe_shut(&p, 10);
	CHECK(pipe_is_shut(&p));
	CHECK_EQ(buf_len(&p.buf), 10);
	CHECK_MEM(buf_data(&p.buf), "frame-rest", 10);
	CHECK(!pipe_wants_source(&p));
	/* nothing kept: the memory goes back */
	pipe_shut(&p, 0);
	CHECK_EQ(buf_len(&p.buf), 0);
	CHECK(p.buf.mem == NULL);
	/* a keep beyond what is there keeps what is there */
	pipe_init(&p, 64);
	CHECK_EQ(buf_append(&p.buf, "ab", 2), 0);
	pipe_shut(&p, 10);
	CHECK_EQ(buf_len(&p.buf), 2);
	buf_free(&p.buf);
	buf_pool_drain();
}

int
main(void)
{

	UNIT_RUN(test_pipe_backpressure);
	UNIT_RUN(test_pipe_drain);
	UNIT_RUN(test_pipe_shut);
	return (UNIT_END("test_pipe"));
}
