/*
 * fuzz_ws_frame.c - libFuzzer entry for the frame parser.  The first bytes
 * choose the role, RSV1 and max_frame; the rest is fed whole, byte by byte
 * and in pieces chosen by the input, each piece in its own heap block so
 * any overread is caught, and all must give the same events.  Every header
 * parsed is written back by ws_frame_header and must give the same bytes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct trace {
	uint8_t		*pay;		/* all payload, concatenated */
	size_t		plen;
	uint8_t		*evs;		/* one byte per event, PAYLOAD merged */
	uint64_t	*lens;		/* HEADER length per event */
	size_t		nev;
	uint16_t	code;		/* 0, or the error */
};

struct cfg {
	enum ws_role	role;
	bool		rsv1_ok;
	uint64_t	max_frame;
};

static void
trace_add(struct trace *t, uint8_t type, uint64_t len)
{

	if (type == WS_FRAME_PAYLOAD && t->nev > 0 &&
	    t->evs[t->nev - 1] == WS_FRAME_PAYLOAD)
		return;
	t->evs[t->nev] = type;
	t->lens[t->nev] = len;
	t->nev++;
}

/*
 * Feed in[0..len) in pieces whose sizes come from sizes[] (0 or none left:
 * the rest; NULL: byte by byte).  When whole, each header is also written
 * back with ws_frame_header and compared with the input.
 */
static void
run(struct trace *t, const struct cfg *c, const uint8_t *in, size_t len,
    const uint8_t *sizes, size_t nsizes, bool whole)
{
	struct ws_parser p;
	struct ws_frame_ev ev;
	uint8_t hdr[WS_HEADER_MAX], *chunk;
	size_t off = 0, n, left, si = 0, hn, used;
	uint64_t frame_pay = 0;
	ssize_t r;

	t->plen = t->nev = 0;
	t->code = 0;
	ws_parser_init(&p, c->role);
	p.rsv1_ok = c->rsv1_ok;
	p.max_frame = c->max_frame;
	for (;;) {
		if (sizes == NULL)
			n = 1;
		else if (si < nsizes && sizes[si] != 0)
			n = sizes[si++];
		else
			n = len - off;
		if (n > len - off)
			n = len - off;
		/* an exact-size block: ASan sees any read past n */
		chunk = malloc(n > 0 ? n : 1);
		if (chunk == NULL)
			abort();
		memcpy(chunk, in + off, n);
		left = n;
		used = 0;
		for (;;) {
			r = ws_frame_parse(&p, chunk + used, left, &ev);
			if (r < 0) {
				if (ev.close_code != 1002 &&
				    ev.close_code != 1009)
					abort();
				if (ev.reason == NULL)
					abort();
				t->code = ev.close_code;
				free(chunk);
				return;
			}
			if ((size_t)r > left)
				abort();
			if (ev.type == WS_FRAME_NONE) {
				if ((size_t)r != left)
					abort();
				break;
			}
			switch (ev.type) {
			case WS_FRAME_HEADER:
				if (whole) {
					/* minimal encodings round-trip */
					hn = ws_frame_header(hdr, ev.opcode,
					    ev.fin, ev.rsv1, ev.length,
					    p.masked ? p.mask : NULL);
					if (hn != (size_t)r || memcmp(hdr,
					    in + off + used, hn) != 0)
						abort();
				}
				if ((ev.opcode & 8) && (ev.length > 125 ||
				    !ev.fin || ev.rsv1))
					abort();
				if (c->max_frame && ev.length > c->max_frame)
					abort();
				if (ev.rsv1 && !c->rsv1_ok)
					abort();
				frame_pay = 0;
				break;
			case WS_FRAME_PAYLOAD:
				if (ev.data != chunk + used || ev.len == 0 ||
				    (size_t)r != ev.len)
					abort();
				memcpy(t->pay + t->plen, ev.data, ev.len);
				t->plen += ev.len;
				frame_pay += ev.len;
				break;
			case WS_FRAME_END:
				if (r != 0 || frame_pay != ev.length)
					abort();
				break;
			default:
				abort();
			}
			trace_add(t, (uint8_t)ev.type, ev.length);
			used += (size_t)r;
			left -= (size_t)r;
		}
		free(chunk);
		off += n;
		if (off == len)
			break;
	}
}

static bool
trace_eq(const struct trace *a, const struct trace *b)
{

	return (a->plen == b->plen && a->nev == b->nev && a->code == b->code &&
	    memcmp(a->pay, b->pay, a->plen) == 0 &&
	    memcmp(a->evs, b->evs, a->nev) == 0 &&
	    memcmp(a->lens, b->lens, a->nev * sizeof(a->lens[0])) == 0);
}

static void
trace_alloc(struct trace *t, size_t len)
{

	/* at most one payload byte, or three events, per input byte */
	t->pay = malloc(len + 1);
	t->evs = malloc(3 * len + 4);
	t->lens = malloc((3 * len + 4) * sizeof(t->lens[0]));
	if (t->pay == NULL || t->evs == NULL || t->lens == NULL)
		abort();
}

static void
trace_free(struct trace *t)
{

	free(t->pay);
	free(t->evs);
	free(t->lens);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t maxes[4] = { 0, 125, 65536, 1ULL << 40 };
	struct trace a, b;
	struct cfg c;
	const uint8_t *sizes;
	size_t nsizes, len;

	if (size < 2)
		return (0);
	c.role = (data[0] & 1) ? WS_CLIENT : WS_SERVER;
	c.rsv1_ok = (data[0] & 2) != 0;
	c.max_frame = maxes[(data[0] >> 2) & 3];
	if (data[0] & 0x10)
		c.max_frame = data[1];
	/* data[1]: how many of the next bytes are piece sizes */
	nsizes = (size_t)(data[1] & 7);
	if (nsizes > size - 2)
		nsizes = size - 2;
	sizes = data + 2;
	data += 2 + nsizes;
	len = size - 2 - nsizes;

	trace_alloc(&a, len);
	trace_alloc(&b, len);
	run(&a, &c, data, len, (const uint8_t *)"", 0, true);
	run(&b, &c, data, len, NULL, 0, false);
	if (!trace_eq(&a, &b))
		abort();
	run(&b, &c, data, len, sizes, nsizes, false);
	if (!trace_eq(&a, &b))
		abort();
	trace_free(&a);
	trace_free(&b);
	return (0);
}
