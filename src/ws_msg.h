/*
 * ws_msg.h - RFC 6455 message rules on top of the frame codec: fragmentation,
 * control frames, close payloads, UTF-8 of text messages, size limits.
 *
 * Pure code: no I/O, no allocation, no logging.  Data messages are streamed in
 * chunks and never assembled; only control payloads (at most 125 bytes) are
 * held whole.
 */
#ifndef WSB_WS_MSG_H
#define WSB_WS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "utf8.h"
#include "ws_frame.h"

enum ws_msg_ev_type {
	WS_MSG_NONE,		/* more bytes needed */
	WS_MSG_DATA,		/* a chunk of a data message (never empty) */
	WS_MSG_END,		/* the current data message is complete */
	WS_MSG_PING,		/* a whole ping; answer with a pong */
	WS_MSG_PONG,		/* a whole pong */
	WS_MSG_CLOSE		/* a valid close frame */
};

struct ws_msg_ev {
	enum ws_msg_ev_type type;
	uint8_t		opcode;		/* DATA/END: WS_OP_TEXT or WS_OP_BINARY */
	bool		compressed;	/* DATA/END: message had RSV1 set */
	const uint8_t	*data;		/* DATA: into buf; PING/PONG: into m */
	size_t		len;
	uint16_t	code;		/* CLOSE: code (1005 if none);
					   error: the close code to send */
	const char	*reason;	/* CLOSE: reason bytes (len in
					   reason_len); error: static text */
	size_t		reason_len;
};

struct ws_msg {
	struct ws_parser parser;
	uint64_t	max_message;	/* 0 = no limit; else larger → 1009 */
	/* internal */
	bool		in_message;	/* a data message is open */
	uint8_t		msg_opcode;	/* its opcode */
	bool		msg_compressed;
	uint64_t	msg_len;	/* payload bytes so far */
	struct utf8	utf8;		/* text message validation state */
	uint8_t		frame_opcode;	/* opcode of the current frame */
	bool		frame_fin;
	uint8_t		ctrl[WS_CONTROL_MAX];	/* control payload so far */
	size_t		ctrl_len;
	uint16_t	err_code;	/* 0, or the error every call returns */
	const char	*err_reason;
};

/*
 * ws_msg_init(m, role, max_message): reset m.  Set m->parser.rsv1_ok after
 * this when permessage-deflate was negotiated.
 */
void	ws_msg_init(struct ws_msg *, enum ws_role, uint64_t);

/*
 * ws_msg_feed(m, buf, len, max_data, ev):
 * Consume bytes from buf (payload is unmasked in place) and report at most one
 * event.  At most max_data payload bytes of a data message are consumed per
 * call, so a caller can stop while its output buffer is full (max_data 0:
 * only headers and control frames are consumed).  Returns the number of bytes
 * consumed, or -1 on a protocol violation with ev->code (1002, 1007, 1009) and
 * ev->reason set; m is then unusable.
 * Text messages are validated as they stream (failing at the first invalid
 * byte) unless compressed, in which case the caller validates the inflated
 * bytes with utf8_feed() and applies max_message to the inflated size.
 *
 * Event order: a data message gives DATA events for its non-empty payload
 * chunks, then one END; an empty message (all frames empty) gives END alone.
 * Invalid UTF-8: every byte before the first invalid one is delivered as
 * DATA, however the input is split, and the call after that DATA (or this
 * call, if there is none) fails with 1007.  After an error every call
 * returns -1 with the same code.  PING/PONG data and the CLOSE reason point
 * into m and stay valid until the next call.
 */
ssize_t	ws_msg_feed(struct ws_msg *, uint8_t *, size_t, size_t,
	    struct ws_msg_ev *);

/*
 * ws_msg_close_payload(out, code, reason): build a close payload (code in
 * network order, then reason cut to fit 125 bytes on a UTF-8 boundary) into
 * out (at least WS_CONTROL_MAX bytes) and return its length.  code 0 means an
 * empty payload; reason may be NULL.
 */
size_t	ws_msg_close_payload(uint8_t *, uint16_t, const char *);

/*
 * ws_msg_close_code_valid(code): 1 if a peer may send code in a close frame
 * (RFC 6455 §7.4: 1000-1003, 1007-1011, 1012-1014, 3000-4999).
 */
int	ws_msg_close_code_valid(uint16_t);

#endif
