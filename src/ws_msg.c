/*
 * ws_msg.c - RFC 6455 message rules over ws_frame: fragmentation, control
 * frames, close payloads, UTF-8 of text messages and size limits.
 * Pure code: no I/O, no allocation, no logging.  Data is streamed, never
 * assembled; only control payloads (at most 125 bytes) are copied, into m.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"
#include "ws_frame.h"
#include "ws_msg.h"

static bool
op_is_control(uint8_t op)
{

	return ((op & 0x8) != 0);
}

static ssize_t
fail(struct ws_msg *m, struct ws_msg_ev *ev, uint16_t code,
    const char *reason)
{

	m->err_code = code;
	m->err_reason = reason;
	ev->type = WS_MSG_NONE;
	ev->code = code;
	ev->reason = reason;
	ev->reason_len = strlen(reason);
	return (-1);
}

/* A new frame header: apply the sequencing and size rules. */
static ssize_t
msg_header(struct ws_msg *m, const struct ws_frame_ev *fev,
    struct ws_msg_ev *ev)
{

	m->frame_opcode = fev->opcode;
	m->frame_fin = fev->fin;
	if (op_is_control(fev->opcode)) {
		/* RFC 6455 §5.4: control frames may come between fragments. */
		m->ctrl_len = 0;
		return (0);
	}

	if (fev->opcode == WS_OP_CONT) {
		if (!m->in_message)
			return (fail(m, ev, WS_CLOSE_PROTOCOL,
			    "continuation frame without a message"));
	} else {
		if (m->in_message)
			return (fail(m, ev, WS_CLOSE_PROTOCOL,
			    "new message inside a fragmented one"));
		m->in_message = true;
		m->msg_opcode = fev->opcode;
		m->msg_compressed = fev->rsv1;
		m->msg_len = 0;
		utf8_init(&m->utf8);
	}

	/*
	 * The header announces the frame's whole length, so a message that
	 * will be too long fails here, before any of its payload is taken.
	 * A compressed message is limited by its inflated size, which only
	 * the caller knows.
	 */
	if (m->max_message != 0 && !m->msg_compressed &&
	    (m->msg_len > m->max_message ||
	    fev->length > m->max_message - m->msg_len))
		return (fail(m, ev, WS_CLOSE_TOO_BIG, "message too big"));
	return (0);
}

/* The whole control payload is in m->ctrl: report it. */
static ssize_t
msg_control(struct ws_msg *m, struct ws_msg_ev *ev)
{
	uint16_t code;

	switch (m->frame_opcode) {
	case WS_OP_PING:
	case WS_OP_PONG:
		ev->type = (m->frame_opcode == WS_OP_PING) ? WS_MSG_PING :
		    WS_MSG_PONG;
		ev->data = m->ctrl;
		ev->len = m->ctrl_len;
		return (0);
	default:
		break;
	}

	/* RFC 6455 §5.5.1: empty, or a 2-byte code and a UTF-8 reason. */
	if (m->ctrl_len == 0) {
		ev->type = WS_MSG_CLOSE;
		ev->code = WS_CLOSE_NO_STATUS;
		ev->reason = "";
		ev->reason_len = 0;
		return (0);
	}
	if (m->ctrl_len == 1)
		return (fail(m, ev, WS_CLOSE_PROTOCOL,
		    "close payload of one byte"));
	code = (uint16_t)(m->ctrl[0] << 8 | m->ctrl[1]);
	if (!ws_msg_close_code_valid(code))
		return (fail(m, ev, WS_CLOSE_PROTOCOL, "invalid close code"));
	if (!utf8_valid(m->ctrl + 2, m->ctrl_len - 2))
		return (fail(m, ev, WS_CLOSE_BAD_DATA,
		    "invalid UTF-8 in close reason"));
	ev->type = WS_MSG_CLOSE;
	ev->code = code;
	ev->reason = (const char *)(m->ctrl + 2);
	ev->reason_len = m->ctrl_len - 2;
	return (0);
}

void
ws_msg_init(struct ws_msg *m, enum ws_role role, uint64_t max_message)
{

	memset(m, 0, sizeof(*m));
	ws_parser_init(&m->parser, role);
	m->max_message = max_message;
	utf8_init(&m->utf8);
}

ssize_t
ws_msg_feed(struct ws_msg *m, uint8_t *buf, size_t len, size_t max_data,
    struct ws_msg_ev *ev)
{
	struct ws_frame_ev fev;
	size_t off = 0;
	size_t avail;
	size_t good;
	ssize_t n;
	bool text;

	memset(ev, 0, sizeof(*ev));
	ev->type = WS_MSG_NONE;
	if (m->err_code != 0)
		return (fail(m, ev, m->err_code, m->err_reason));

	/* Frame events that are not message events are absorbed here. */
	for (;;) {
		avail = len - off;
		if (ws_parser_in_payload(&m->parser) &&
		    !op_is_control(m->frame_opcode)) {
			/* Backpressure: take no more data than asked. */
			if (avail > max_data)
				avail = max_data;
			if (avail == 0)
				return ((ssize_t)off);
		}

		n = ws_frame_parse(&m->parser, buf + off, avail, &fev);
		if (n < 0)
			return (fail(m, ev, fev.close_code, fev.reason));
		off += (size_t)n;

		switch (fev.type) {
		case WS_FRAME_NONE:
			return ((ssize_t)off);

		case WS_FRAME_HEADER:
			if (msg_header(m, &fev, ev) < 0)
				return (-1);
			break;

		case WS_FRAME_PAYLOAD:
			if (op_is_control(m->frame_opcode)) {
				/* ws_frame keeps control frames <= 125. */
				memcpy(m->ctrl + m->ctrl_len, fev.data,
				    fev.len);
				m->ctrl_len += fev.len;
				break;
			}
			text = m->msg_opcode == WS_OP_TEXT &&
			    !m->msg_compressed;
			good = text ? utf8_feed(&m->utf8, fev.data, fev.len) :
			    fev.len;
			if (good < fev.len) {
				/*
				 * Deliver the valid bytes before the bad one
				 * first, so the data does not depend on how
				 * the input was split; fail on the next call.
				 */
				m->err_code = WS_CLOSE_BAD_DATA;
				m->err_reason = "invalid UTF-8 in text message";
				if (good == 0)
					return (fail(m, ev, m->err_code,
					    m->err_reason));
			}
			m->msg_len += good;
			ev->type = WS_MSG_DATA;
			ev->opcode = m->msg_opcode;
			ev->compressed = m->msg_compressed;
			ev->data = fev.data;
			ev->len = good;
			return ((ssize_t)off);

		case WS_FRAME_END:
			if (op_is_control(m->frame_opcode)) {
				if (msg_control(m, ev) < 0)
					return (-1);
				return ((ssize_t)off);
			}
			if (!m->frame_fin)
				break;
			text = m->msg_opcode == WS_OP_TEXT &&
			    !m->msg_compressed;
			if (text && !utf8_complete(&m->utf8))
				return (fail(m, ev, WS_CLOSE_BAD_DATA,
				    "truncated UTF-8 in text message"));
			m->in_message = false;
			ev->type = WS_MSG_END;
			ev->opcode = m->msg_opcode;
			ev->compressed = m->msg_compressed;
			return ((ssize_t)off);
		}
	}
}

size_t
ws_msg_close_payload(uint8_t *out, uint16_t code, const char *reason)
{
	size_t n;

	if (code == 0)
		return (0);
	out[0] = (uint8_t)(code >> 8);
	out[1] = (uint8_t)code;
	n = (reason != NULL) ? strlen(reason) : 0;
	if (n > WS_CONTROL_MAX - 2) {
		/* Cut before a character, not inside one. */
		n = WS_CONTROL_MAX - 2;
		while (n > 0 && ((uint8_t)reason[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(out + 2, reason, n);
	return (2 + n);
}

int
ws_msg_close_code_valid(uint16_t code)
{

	/* RFC 6455 §7.4.1 and the IANA registry; 1004-1006, 1015 are never
	 * sent, 3000-4999 belong to libraries and applications. */
	return ((code >= 1000 && code <= 1003) ||
	    (code >= 1007 && code <= 1014) ||
	    (code >= 3000 && code <= 4999));
}
