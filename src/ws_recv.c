/*
 * ws_recv.c - the receive path, client frames to backend bytes: message
 * rules, base64 decoding, inflating and line mode, into a window the caller
 * gives.  No I/O, no libev, no logging; it never writes past the window.
 */
#include <string.h>
#include <sys/types.h>

#include "ws_recv.h"

void
ws_recv_init(struct ws_recv *r, uint64_t max_message, enum ws_recv_mode mode,
    bool lines, struct pmd_inflate *inf, bool inf_idle)
{

	memset(r, 0, sizeof(*r));
	ws_msg_init(&r->msg, WS_SERVER, max_message);
	r->msg.parser.rsv1_ok = inf != NULL;
	r->mode = mode;
	r->lines = lines;
	r->inf = inf;
	r->inf_idle = inf_idle;
	r->max_message = max_message;
}

static enum ws_recv_status
fail(struct ws_recv_out *o, uint16_t code, const char *reason)
{

	o->code = code;
	o->reason = reason;
	o->reason_len = strlen(reason);
	return (WS_RECV_ERROR);
}

/* Output room for payload: line mode keeps a byte for the newline. */
static size_t
out_room(const struct ws_recv *r, size_t outcap, const struct ws_recv_out *o)
{
	size_t avail = outcap - o->made;

	if (r->lines)
		avail = avail > 0 ? avail - 1 : 0;
	return (avail);
}

/*
 * How many payload bytes ws_msg may hand over: n base64 characters decode
 * to at most n / 4 * 3 + 3 bytes (with what the decoder carries), which is
 * what deliver() checks.
 */
static size_t
payload_room(const struct ws_recv *r, size_t avail)
{

	if (r->mode == WS_RECV_BASE64)
		return (avail > 3 ? (avail - 3) / 3 * 4 : 0);
	return (avail);
}

static size_t
deliver_size(const struct ws_recv *r, size_t len)
{

	return (r->mode == WS_RECV_BASE64 ? len / 4 * 3 + 3 : len);
}

static enum ws_recv_status
deliver(struct ws_recv *r, const struct ws_msg_ev *ev, uint8_t *out,
    size_t outcap, struct ws_recv_out *o)
{
	ssize_t n;

	if (out == NULL)
		return (WS_RECV_MORE);		/* nowhere to go */
	if (deliver_size(r, ev->len) > out_room(r, outcap, o)) {
		/* payload_room() and this disagree: never write past */
		o->internal = true;
		return (fail(o, WS_CLOSE_INTERNAL, "internal error"));
	}
	if (r->mode == WS_RECV_BASE64) {
		n = b64_dec_update(&r->b64, out + o->made,
		    (const char *)ev->data, ev->len);
		if (n < 0)
			return (fail(o, WS_CLOSE_BAD_DATA,
			    "invalid base64 in text message"));
	} else {
		memcpy(out + o->made, ev->data, ev->len);
		n = (ssize_t)ev->len;
	}
	o->made += (size_t)n;
	o->payload += (size_t)n;
	return (WS_RECV_MORE);
}

/*
 * Inflate the compressed payload waiting at the input's head (and, at the
 * message's end, its trailer) into out.  Text is checked as UTF-8 and
 * max_message applies to what comes out.
 */
static enum ws_recv_status
inflate_pending(struct ws_recv *r, const uint8_t *in, uint8_t *out,
    size_t outcap, struct ws_recv_out *o)
{
	size_t avail, used, made;
	int e;

	if (out == NULL || r->drop_input) {
		/* Nowhere to go: the bytes are only parsed past. */
		o->used += r->pending;
		r->pending = 0;
		r->fin = false;
		return (WS_RECV_MORE);
	}
	while (r->pending > 0 || r->fin) {
		if ((avail = out_room(r, outcap, o)) == 0)
			return (WS_RECV_FULL);
		e = pmd_inflate_feed(r->inf, in + o->used, r->pending, r->fin,
		    out + o->made, avail, &used, &made);
		if (e == PMD_ERR_NOMEM) {
			o->internal = true;
			return (fail(o, WS_CLOSE_INTERNAL, "out of memory"));
		}
		if (e == PMD_ERR_LIMIT)
			return (fail(o, WS_CLOSE_POLICY,
			    "too many deflate stream ends"));
		if (e != 0)
			return (fail(o, WS_CLOSE_BAD_DATA,
			    "invalid compressed data"));
		o->used += used;
		r->pending -= used;
		r->z_len += made;
		if (r->max_message != 0 && r->z_len > r->max_message)
			return (fail(o, WS_CLOSE_TOO_BIG, "message too big"));
		if (r->text && utf8_feed(&r->utf8, out + o->made, made) != made)
			return (fail(o, WS_CLOSE_BAD_DATA,
			    "invalid UTF-8 in text message"));
		o->made += made;
		o->payload += made;
		if (made == avail || r->pending > 0)
			continue;
		if (r->fin) {
			/* The whole message is out. */
			if (r->text && !utf8_complete(&r->utf8))
				return (fail(o, WS_CLOSE_BAD_DATA,
				    "truncated UTF-8 in text message"));
			r->fin = false;
			if (r->lines)
				out[o->made++] = '\n';
			if (r->inf_idle)
				pmd_inflate_idle(r->inf);
		}
	}
	return (WS_RECV_MORE);
}

/* A compressed message begins: its own UTF-8 check and size count. */
static void
compressed_start(struct ws_recv *r, const struct ws_msg_ev *ev)
{

	if (!ev->compressed)
		return;
	r->text = ev->opcode == WS_OP_TEXT;
	r->z_len = 0;
	utf8_init(&r->utf8);
}

/*
 * The base64 subprotocol carries bytes as base64 text (websockify's
 * clients send nothing else); a binary message there is a client that
 * misunderstood it, refused rather than passed raw.
 */
static bool
binary_refused(const struct ws_recv *r, const struct ws_msg_ev *ev)
{

	return (r->mode == WS_RECV_BASE64 && ev->opcode != WS_OP_TEXT);
}

/*
 * What a message is, from its opcode and first chunk (NULL for an empty
 * message): wsbridge-tty's text and ttyd's commands other than '0' are
 * control messages.
 */
static enum ws_recv_kind
classify(const struct ws_recv *r, uint8_t opcode, const uint8_t *first)
{
	enum ws_recv_kind k = WS_RECV_KIND_INPUT;

	if (r->mode == WS_RECV_TTY && opcode == WS_OP_TEXT)
		k = WS_RECV_KIND_CONTROL;
	else if (r->mode == WS_RECV_TTYD)
		k = first == NULL ? WS_RECV_KIND_DROP : first[0] == '0' ?
		    WS_RECV_KIND_INPUT : WS_RECV_KIND_CONTROL;
	if (k == WS_RECV_KIND_INPUT && r->drop_input)
		k = WS_RECV_KIND_DROP;
	return (k);
}

/* A chunk of a control message: kept, up to its limit. */
static enum ws_recv_status
collect(struct ws_recv *r, const struct ws_msg_ev *ev, struct ws_recv_out *o)
{

	if (ev->len > sizeof(r->ctl) - r->ctl_len)
		return (fail(o, WS_CLOSE_TOO_BIG, "control message too big"));
	memcpy(r->ctl + r->ctl_len, ev->data, ev->len);
	r->ctl_len += ev->len;
	return (WS_RECV_MORE);
}

/* A data chunk of a message already classified. */
static enum ws_recv_status
data_chunk(struct ws_recv *r, const struct ws_msg_ev *ev, bool first,
    uint8_t *out, size_t outcap, struct ws_recv_out *o)
{
	struct ws_msg_ev in = *ev;

	switch (r->kind) {
	case WS_RECV_KIND_CONTROL:
		return (collect(r, ev, o));
	case WS_RECV_KIND_DROP:
	case WS_RECV_KIND_NONE:
		return (WS_RECV_MORE);
	case WS_RECV_KIND_INPUT:
		break;
	}
	/* ttyd's input: its command byte is not input. */
	if (first && r->mode == WS_RECV_TTYD) {
		in.data++;
		in.len--;
		if (in.len == 0)
			return (WS_RECV_MORE);
	}
	return (deliver(r, &in, out, outcap, o));
}

enum ws_recv_status
ws_recv_feed(struct ws_recv *r, uint8_t *in, size_t inlen, uint8_t *out,
    size_t outcap, struct ws_recv_out *o)
{
	struct ws_msg_ev ev;
	enum ws_recv_status st;
	size_t room;
	ssize_t n;
	bool first;

	memset(o, 0, sizeof(*o));
	for (;;) {
		if (r->pending > 0 || r->fin) {
			st = inflate_pending(r, in, out, outcap, o);
			if (st != WS_RECV_MORE)
				return (st);
		}
		if (out == NULL)
			room = SIZE_MAX;	/* parse and drop */
		else if (r->lines && o->made == outcap)
			return (WS_RECV_FULL);	/* not even a newline fits */
		else if (r->in_message && r->kind != WS_RECV_KIND_INPUT)
			room = SIZE_MAX;	/* collect() bounds it */
		else
			room = payload_room(r, out_room(r, outcap, o));
		n = ws_msg_feed(&r->msg, in + o->used, inlen - o->used, room,
		    &ev);
		if (n < 0)
			return (fail(o, ev.code, ev.reason));
		/* A compressed chunk stays at the head until inflated. */
		o->used += (size_t)n - (ev.type == WS_MSG_DATA &&
		    ev.compressed ? ev.len : 0);
		switch (ev.type) {
		case WS_MSG_NONE:
			if (n > 0)
				break;
			if (ws_parser_in_payload(&r->msg.parser) &&
			    o->used < inlen)
				return (WS_RECV_FULL);
			return (WS_RECV_MORE);
		case WS_MSG_DATA:
			if (binary_refused(r, &ev))
				return (fail(o, WS_CLOSE_UNSUPPORTED,
				    "binary message under the base64 "
				    "subprotocol"));
			first = !r->in_message;
			if (first) {
				r->in_message = true;
				b64_dec_init(&r->b64);
				compressed_start(r, &ev);
				r->kind = classify(r, ev.opcode, ev.data);
				r->ctl_len = 0;
			}
			if (ev.compressed) {
				r->pending = ev.len;
				break;
			}
			if ((st = data_chunk(r, &ev, first, out, outcap, o)) !=
			    WS_RECV_MORE)
				return (st);
			break;
		case WS_MSG_END:
			if (binary_refused(r, &ev))
				return (fail(o, WS_CLOSE_UNSUPPORTED,
				    "binary message under the base64 "
				    "subprotocol"));
			if (!r->in_message) {
				compressed_start(r, &ev);
				r->kind = classify(r, ev.opcode, NULL);
				r->ctl_len = 0;
			}
			if (ev.compressed) {
				r->fin = true;
				r->in_message = false;
				break;
			}
			if (r->in_message && r->mode == WS_RECV_BASE64 &&
			    out != NULL && b64_dec_final(&r->b64) == -1)
				return (fail(o, WS_CLOSE_BAD_DATA,
				    "invalid base64 in text message"));
			r->in_message = false;
			if (r->kind == WS_RECV_KIND_CONTROL) {
				r->kind = WS_RECV_KIND_NONE;
				o->data = r->ctl;
				o->len = r->ctl_len;
				return (WS_RECV_CONTROL);
			}
			/* Line mode: each message is one line of input. */
			if (r->lines && out != NULL &&
			    r->kind != WS_RECV_KIND_DROP)
				out[o->made++] = '\n';
			r->kind = WS_RECV_KIND_NONE;
			break;
		case WS_MSG_PING:
		case WS_MSG_PONG:
			o->data = ev.data;
			o->len = ev.len;
			return (ev.type == WS_MSG_PING ? WS_RECV_PING :
			    WS_RECV_PONG);
		case WS_MSG_CLOSE:
			o->code = ev.code;
			o->reason = ev.reason;
			o->reason_len = ev.reason_len;
			return (WS_RECV_CLOSE);
		}
	}
}
