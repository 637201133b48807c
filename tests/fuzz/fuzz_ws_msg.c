/*
 * fuzz_ws_msg.c - libFuzzer entry for the message rules.  The first byte
 * chooses role, RSV1, max_message and max_data, and whether the rest is raw
 * bytes or frame specs turned into well-formed headers (so the fuzzer
 * reaches the message logic).  The stream is fed whole, byte by byte and in
 * pieces with a small max_data; all must agree, and each text message's
 * data must be valid UTF-8 (a valid prefix when it fails with 1007).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "ws_frame.h"
#include "ws_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct cfg {
	enum ws_role	role;
	bool		rsv1_ok;
	uint64_t	max_message;
};

struct trace {
	uint8_t		*out;		/* a digest of every event, in order */
	size_t		olen;
	size_t		ocap;
	uint8_t		*msg;		/* the current data message */
	size_t		mlen;
	uint16_t	code;		/* 0, or the error */
	int		last;		/* type of the last event */
};

static void
put(struct trace *t, const void *p, size_t n)
{

	if (t->olen + n > t->ocap) {
		t->ocap = (t->olen + n) * 2 + 64;
		t->out = realloc(t->out, t->ocap);
		if (t->out == NULL)
			abort();
	}
	if (n > 0)
		memcpy(t->out + t->olen, p, n);
	t->olen += n;
}

/* Record one event; consecutive DATA events are merged. */
static void
record(struct trace *t, const struct cfg *c, const struct ws_msg_ev *ev,
    size_t max_data)
{
	uint8_t hdr[4];

	switch (ev->type) {
	case WS_MSG_DATA:
		if (ev->len == 0 || ev->len > max_data)
			abort();
		memcpy(t->msg + t->mlen, ev->data, ev->len);
		t->mlen += ev->len;
		if (ev->opcode == WS_OP_TEXT && !ev->compressed) {
			struct utf8 u;

			/* always a valid prefix */
			utf8_init(&u);
			if (utf8_feed(&u, t->msg, t->mlen) != t->mlen)
				abort();
		}
		if (c->max_message && !ev->compressed &&
		    t->mlen > c->max_message)
			abort();
		if (t->last != WS_MSG_DATA) {
			hdr[0] = 'D';
			hdr[1] = ev->opcode;
			hdr[2] = ev->compressed;
			put(t, hdr, 3);
		}
		put(t, ev->data, ev->len);
		break;
	case WS_MSG_END:
		if (ev->opcode == WS_OP_TEXT && !ev->compressed &&
		    !utf8_valid(t->msg, t->mlen))
			abort();
		t->mlen = 0;
		hdr[0] = 'E';
		hdr[1] = ev->opcode;
		hdr[2] = ev->compressed;
		put(t, hdr, 3);
		break;
	case WS_MSG_PING:
	case WS_MSG_PONG:
		if (ev->len > WS_CONTROL_MAX)
			abort();
		hdr[0] = (ev->type == WS_MSG_PING) ? 'I' : 'O';
		hdr[1] = (uint8_t)ev->len;
		put(t, hdr, 2);
		put(t, ev->data, ev->len);
		break;
	case WS_MSG_CLOSE:
		if (ev->code == WS_CLOSE_NO_STATUS) {
			if (ev->reason_len != 0)
				abort();
		} else if (!ws_msg_close_code_valid(ev->code) ||
		    ev->reason_len > WS_CONTROL_MAX - 2 ||
		    !utf8_valid((const uint8_t *)ev->reason, ev->reason_len))
			abort();
		hdr[0] = 'C';
		hdr[1] = (uint8_t)(ev->code >> 8);
		hdr[2] = (uint8_t)ev->code;
		hdr[3] = (uint8_t)ev->reason_len;
		put(t, hdr, 4);
		put(t, ev->reason, ev->reason_len);
		break;
	default:
		abort();
	}
	t->last = (int)ev->type;
}

/* Feed in pieces of psize bytes (0: all at once) with max_data. */
static void
run(struct trace *t, const struct cfg *c, const uint8_t *in, size_t len,
    size_t psize, size_t max_data)
{
	struct ws_msg m;
	struct ws_msg_ev ev;
	uint8_t *chunk;
	size_t off = 0, n, left, used;
	ssize_t r;

	t->olen = t->mlen = 0;
	t->code = 0;
	t->last = -1;
	ws_msg_init(&m, c->role, c->max_message);
	m.parser.rsv1_ok = c->rsv1_ok;
	do {
		n = (psize == 0 || psize > len - off) ? len - off : psize;
		chunk = malloc(n > 0 ? n : 1);
		if (chunk == NULL)
			abort();
		memcpy(chunk, in + off, n);
		left = n;
		used = 0;
		for (;;) {
			r = ws_msg_feed(&m, chunk + used, left, max_data, &ev);
			if (r < 0) {
				if (ev.reason == NULL || (ev.code != 1002 &&
				    ev.code != 1007 && ev.code != 1009))
					abort();
				t->code = ev.code;
				free(chunk);
				return;
			}
			if ((size_t)r > left)
				abort();
			used += (size_t)r;
			left -= (size_t)r;
			if (ev.type == WS_MSG_NONE) {
				if (r == 0)
					break;
				continue;
			}
			record(t, c, &ev, max_data);
		}
		if (left != 0 && max_data != 0)
			abort();
		free(chunk);
		off += n;
	} while (off < len);
}

static bool
trace_eq(const struct trace *a, const struct trace *b)
{

	return (a->code == b->code && a->olen == b->olen &&
	    (a->olen == 0 || memcmp(a->out, b->out, a->olen) == 0));
}

/*
 * Frame specs: [first header byte][length][payload...], the length cut to
 * what is left; the header gets a mask key in the server role.
 */
static size_t
build(uint8_t *out, const uint8_t *in, size_t len, enum ws_role role)
{
	static const uint8_t key[4] = { 0x12, 0x9c, 0xff, 0x00 };
	size_t i = 0, o = 0, n, h;

	while (i + 2 <= len) {
		n = in[i + 1];
		if (n > len - i - 2)
			n = len - i - 2;
		h = ws_frame_header(out + o, in[i] & 0x0f, in[i] & 0x80,
		    in[i] & 0x40, n, role == WS_SERVER ? key : NULL);
		out[o] = in[i];		/* RSV2/3 too, when fuzzed */
		memcpy(out + o + h, in + i + 2, n);
		if (role == WS_SERVER)
			ws_mask(out + o + h, n, key, 0);
		o += h + n;
		i += 2 + n;
	}
	return (o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t maxes[4] = { 0, 3, 20, 300 };
	struct trace a, b;
	struct cfg c;
	uint8_t *in;
	size_t len, max_data, psize;

	if (size < 2)
		return (0);
	c.role = (data[0] & 1) ? WS_CLIENT : WS_SERVER;
	c.rsv1_ok = (data[0] & 2) != 0;
	c.max_message = maxes[(data[0] >> 2) & 3];
	max_data = (size_t)((data[1] & 7) + 1);
	psize = (size_t)(data[1] >> 3);
	/* each 2-byte spec grows to at most an 8-byte header */
	in = malloc(size * 4 + WS_HEADER_MAX);
	if (in == NULL)
		abort();
	if (data[0] & 0x80)
		len = build(in, data + 2, size - 2, c.role);
	else {
		len = size - 2;
		memcpy(in, data + 2, len);
	}

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.msg = malloc(len + 1);
	b.msg = malloc(len + 1);
	if (a.msg == NULL || b.msg == NULL)
		abort();
	run(&a, &c, in, len, 0, SIZE_MAX);
	run(&b, &c, in, len, 1, SIZE_MAX);
	if (!trace_eq(&a, &b))
		abort();
	run(&b, &c, in, len, psize, max_data);
	if (!trace_eq(&a, &b))
		abort();
	free(a.out);
	free(b.out);
	free(a.msg);
	free(b.msg);
	free(in);
	return (0);
}
