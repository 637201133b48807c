/*
 * fuzz_ws_recv.c - libFuzzer entry for the receive path with a slow
 * consumer.  The first bytes choose the subprotocol (none, base64), line
 * mode, permessage-deflate (window bits, context takeover), --max-message
 * and a schedule of output windows; the rest are frame specs turned into
 * masked client frames.  Input arrives in pieces and every call gets an
 * output window of exactly the scheduled size, fresh from malloc, so ASan
 * sees any write past it.  ws_recv must never report its own internal
 * error (the room it offered and what it wrote disagreeing).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmd.h"
#include "ws_frame.h"
#include "ws_recv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define STREAM_MAX	(256 * 1024)

/* Frame specs: flags byte (opcode, FIN, RSV1), 16-bit length, payload. */
static size_t
build_stream(const uint8_t *d, size_t n, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0, len, hl;
	uint8_t hdr[WS_HEADER_MAX], key[4] = { 0, 0, 0, 0 };
	static const uint8_t ops[8] = { WS_OP_TEXT, WS_OP_BINARY, WS_OP_CONT,
	    WS_OP_CONT, WS_OP_PING, WS_OP_PONG, WS_OP_CLOSE, WS_OP_TEXT };
	uint8_t f;

	while (i + 3 <= n) {
		f = d[i];
		len = ((size_t)d[i + 1] << 8 | d[i + 2]) % 2048;
		i += 3;
		if (len > n - i)
			len = n - i;
		if (ops[f & 7] >= 8 && len > WS_CONTROL_MAX)
			len = WS_CONTROL_MAX;
		hl = ws_frame_header(hdr, ops[f & 7], (f & 8) == 0,
		    (f & 16) != 0, len, key);
		if (o + hl + len > cap)
			break;
		memcpy(out + o, hdr, hl);
		memcpy(out + o + hl, d + i, len);	/* mask key 0 */
		o += hl + len;
		i += len;
	}
	return (o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t stream[STREAM_MAX];
	struct pmd_inflate inf;
	struct ws_recv r;
	struct ws_recv_out o;
	enum ws_recv_status st;
	const uint8_t *sched;
	size_t slen, len, off = 0, have = 0, cap, step, calls = 0, k = 0;
	uint64_t max_message;
	uint8_t *out, c0, c1;
	bool deflate, full = false, gone;

	if (size < 8)
		return (0);
	c0 = data[0];
	c1 = data[1];
	deflate = (c0 & 4) != 0;
	max_message = (c0 & 8) ? (uint64_t)data[2] * 64 : 0;
	step = (size_t)data[3] * 37 % 4096 + 1;
	sched = data + 4;
	slen = 4;
	if (deflate && pmd_inflate_init(&inf, 8 + (c1 & 7),
	    (c1 & 8) != 0) != 0)
		return (0);
	ws_recv_init(&r, max_message, (c0 & 1) ? WS_RECV_BASE64 :
	    WS_RECV_RAW, (c0 & 2) != 0, deflate ? &inf : NULL,
	    deflate && (c1 & 8) != 0);
	len = build_stream(data + 8, size - 8, stream, sizeof(stream));

	for (;;) {
		if (++calls > 20000)
			break;	/* windows too small for base64 to go on */
		/* a slow consumer: windows of 0 to ~4 KiB, never 0 twice
		   after a FULL (the backend took something) */
		cap = (size_t)sched[k++ % slen] * 17 % 4099;
		if (full && cap == 0)
			cap = 1;
		/* malloc(0) is a valid pointer no byte may be written to */
		if ((out = malloc(cap)) == NULL)
			abort();
		/* the backend goes away part way: parse and drop */
		gone = (c1 & 16) != 0 && calls > (size_t)data[2] * 4;
		st = ws_recv_feed(&r, stream + off, have - off,
		    gone ? NULL : out, gone ? 0 : cap, &o);
		free(out);
		if (o.used > have - off || o.made > cap || o.payload > o.made)
			abort();
		off += o.used;
		full = st == WS_RECV_FULL;
		if (st == WS_RECV_ERROR) {
			if (o.internal && o.code != WS_CLOSE_INTERNAL)
				abort();
			/* the room offered and the bytes written disagree */
			if (o.internal && strcmp(o.reason, "out of memory"))
				abort();
			break;
		}
		if (st == WS_RECV_CLOSE)
			break;
		if (st == WS_RECV_MORE) {
			if (have == len)
				break;
			have = have + step > len ? len : have + step;
		}
	}
	if (deflate)
		pmd_inflate_end(&inf);
	return (0);
}
