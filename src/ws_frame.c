/*
 * ws_frame.c - RFC 6455 §5.2 frame codec: an incremental parser pushed bytes
 * by the caller, the header writer and the masking transform.
 * Pure code: no I/O, no allocation, no logging; never reads past len.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ws_frame.h"

/* Parser states (p->state). */
enum {
	ST_HEADER,		/* gathering hdr[] */
	ST_PAYLOAD,		/* p->remaining > 0 payload bytes to come */
	ST_END,			/* payload done; report WS_FRAME_END */
	ST_FAILED		/* a protocol error was reported */
};

/* Bits of the first two header bytes. */
#define B0_FIN		0x80
#define B0_RSV1		0x40
#define B0_RSV23	0x30
#define B0_OPCODE	0x0f
#define B1_MASK		0x80
#define B1_LEN		0x7f

#define LEN16		126	/* 7-bit length: a 16-bit length follows */
#define LEN64		127	/* 7-bit length: a 64-bit length follows */

static bool
op_is_control(uint8_t op)
{

	return ((op & 0x8) != 0);
}

static bool
op_is_known(uint8_t op)
{

	return (op <= WS_OP_BINARY ||
	    (op >= WS_OP_CLOSE && op <= WS_OP_PONG));
}

/*
 * Check header byte p->hdr[i] (just gathered) with what came before it.
 * Returns 0, or the close code with *reason set.  Each test runs at the first
 * byte that decides it, so a bad frame fails however the input is split.
 */
static uint16_t
header_byte(struct ws_parser *p, size_t i, const char **reason)
{
	uint8_t b = p->hdr[i];
	uint8_t len7;
	size_t last;

	if (i == 0) {
		p->opcode = b & B0_OPCODE;
		p->fin = (b & B0_FIN) != 0;
		p->rsv1 = (b & B0_RSV1) != 0;
		if (b & B0_RSV23) {
			*reason = "reserved bit set";
			return (WS_CLOSE_PROTOCOL);
		}
		if (!op_is_known(p->opcode)) {
			*reason = "reserved opcode";
			return (WS_CLOSE_PROTOCOL);
		}
		/* RFC 6455 §5.5: control frames are never fragmented. */
		if (op_is_control(p->opcode) && !p->fin) {
			*reason = "fragmented control frame";
			return (WS_CLOSE_PROTOCOL);
		}
		if (p->rsv1) {
			if (!p->rsv1_ok) {
				*reason = "RSV1 not negotiated";
				return (WS_CLOSE_PROTOCOL);
			}
			/* RFC 7692 §6: RSV1 is for a message's first frame. */
			if (op_is_control(p->opcode)) {
				*reason = "RSV1 on a control frame";
				return (WS_CLOSE_PROTOCOL);
			}
			if (p->opcode == WS_OP_CONT) {
				*reason = "RSV1 on a continuation frame";
				return (WS_CLOSE_PROTOCOL);
			}
		}
		return (0);
	}

	if (i == 1) {
		p->masked = (b & B1_MASK) != 0;
		/* RFC 6455 §5.1: clients mask, servers do not. */
		if (p->role == WS_SERVER && !p->masked) {
			*reason = "unmasked frame";
			return (WS_CLOSE_PROTOCOL);
		}
		if (p->role == WS_CLIENT && p->masked) {
			*reason = "masked frame from a server";
			return (WS_CLOSE_PROTOCOL);
		}
		len7 = b & B1_LEN;
		if (op_is_control(p->opcode) && len7 > WS_CONTROL_MAX) {
			*reason = "control frame too long";
			return (WS_CLOSE_PROTOCOL);
		}
		p->hdr_need = 2 + (p->masked ? 4 : 0);
		p->length = 0;
		if (len7 == LEN16)
			p->hdr_need += 2;
		else if (len7 == LEN64)
			p->hdr_need += 8;
		else {
			p->length = len7;
			if (p->max_frame != 0 && p->length > p->max_frame)
				goto toobig;
		}
		return (0);
	}

	len7 = p->hdr[1] & B1_LEN;
	last = (len7 == LEN16) ? 3 : (len7 == LEN64) ? 9 : 1;
	if (i > last) {
		/* A byte of the masking key. */
		p->mask[i - last - 1] = b;
		return (0);
	}

	/* A byte of the extended length, most significant first. */
	if (len7 == LEN64 && i == 2 && (b & 0x80)) {
		*reason = "64-bit length with the top bit set";
		return (WS_CLOSE_PROTOCOL);
	}
	p->length = (p->length << 8) | b;

	/* RFC 6455 §5.2: the minimal number of bytes must be used. */
	if (len7 == LEN16 && i == last && p->length < LEN16) {
		*reason = "non-minimal length encoding";
		return (WS_CLOSE_PROTOCOL);
	}
	if (len7 == LEN64 && i == 7 && p->length == 0) {
		/* The first six of eight bytes are zero: value < 65536. */
		*reason = "non-minimal length encoding";
		return (WS_CLOSE_PROTOCOL);
	}

	/*
	 * The bytes still to come can only make the length larger, so fail
	 * as soon as what is known already exceeds the limit.  No overflow:
	 * the top bit is clear, so the shifted value stays below 2^63.
	 */
	if (p->max_frame != 0 &&
	    (p->length << (8 * (last - i))) > p->max_frame)
		goto toobig;
	return (0);

toobig:
	*reason = "frame too big";
	return (WS_CLOSE_TOO_BIG);
}

static void
fill_frame(const struct ws_parser *p, struct ws_frame_ev *ev,
    enum ws_frame_ev_type type)
{

	ev->type = type;
	ev->opcode = p->opcode;
	ev->fin = p->fin;
	ev->rsv1 = p->rsv1;
	ev->length = p->length;
}

void
ws_parser_init(struct ws_parser *p, enum ws_role role)
{

	memset(p, 0, sizeof(*p));
	p->role = role;
	p->state = ST_HEADER;
	p->hdr_need = 2;
}

ssize_t
ws_frame_parse(struct ws_parser *p, uint8_t *buf, size_t len,
    struct ws_frame_ev *ev)
{
	const char *reason = NULL;
	uint16_t code;
	size_t off = 0;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	ev->type = WS_FRAME_NONE;

	switch (p->state) {
	case ST_HEADER:
		while (p->hdr_have < p->hdr_need && off < len) {
			p->hdr[p->hdr_have] = buf[off++];
			code = header_byte(p, p->hdr_have, &reason);
			p->hdr_have++;
			if (code != 0) {
				p->state = ST_FAILED;
				ev->close_code = code;
				ev->reason = reason;
				return (-1);
			}
		}
		if (p->hdr_have < p->hdr_need)
			return ((ssize_t)off);

		/* The whole header, mask key included, is in. */
		p->remaining = p->length;
		p->mask_off = 0;
		p->hdr_have = 0;
		p->hdr_need = 2;
		p->state = (p->remaining > 0) ? ST_PAYLOAD : ST_END;
		fill_frame(p, ev, WS_FRAME_HEADER);
		return ((ssize_t)off);

	case ST_PAYLOAD:
		n = len;
		if (n > p->remaining)
			n = (size_t)p->remaining;
		if (n == 0)
			return (0);
		if (p->masked)
			ws_mask(buf, n, p->mask, p->mask_off);
		p->mask_off += n;
		p->remaining -= n;
		if (p->remaining == 0)
			p->state = ST_END;
		fill_frame(p, ev, WS_FRAME_PAYLOAD);
		ev->data = buf;
		ev->len = n;
		return ((ssize_t)n);

	case ST_END:
		p->state = ST_HEADER;
		fill_frame(p, ev, WS_FRAME_END);
		return (0);

	default:
		ev->close_code = WS_CLOSE_PROTOCOL;
		ev->reason = "frame parser used after an error";
		return (-1);
	}
}

bool
ws_parser_in_payload(const struct ws_parser *p)
{

	return (p->state == ST_PAYLOAD);
}

size_t
ws_frame_header(uint8_t *out, uint8_t opcode, bool fin, bool rsv1,
    uint64_t len, const uint8_t *mask)
{
	size_t n = 0;
	int i;

	out[n++] = (uint8_t)((fin ? B0_FIN : 0) | (rsv1 ? B0_RSV1 : 0) |
	    (opcode & B0_OPCODE));
	if (len < LEN16)
		out[n++] = (uint8_t)len;
	else if (len <= 0xffff) {
		out[n++] = LEN16;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = LEN64;
		for (i = 7; i >= 0; i--)
			out[n++] = (uint8_t)(len >> (8 * i));
	}
	if (mask != NULL) {
		out[1] |= B1_MASK;
		memcpy(out + n, mask, 4);
		n += 4;
	}
	return (n);
}

void
ws_mask(uint8_t *buf, size_t len, const uint8_t *key, uint64_t off)
{
	uint8_t k8[8];
	uint64_t k, w;
	size_t i;

	/*
	 * Byte i of the payload is XORed with key[(off + i) % 4].  Eight is a
	 * multiple of four, so one rotated 8-byte key serves every word;
	 * memcpy keeps the loads legal at any alignment.
	 */
	for (i = 0; i < 8; i++)
		k8[i] = key[(off + i) & 3];
	memcpy(&k, k8, 8);

	for (i = 0; len - i >= 8; i += 8) {
		memcpy(&w, buf + i, 8);
		w ^= k;
		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] ^= k8[i & 7];
}
