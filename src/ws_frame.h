/*
 * ws_frame.h - RFC 6455 §5.2 frame codec: an incremental header parser that is
 * pushed bytes, a header writer and the masking transform.
 *
 * Pure code: no I/O, no allocation, no logging.  The same input split at any
 * byte boundary yields the same events.
 */
#ifndef WSB_WS_FRAME_H
#define WSB_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

#define WS_CONTROL_MAX	125	/* RFC 6455 §5.5 */
#define WS_HEADER_MAX	14	/* 2 + 8 (length) + 4 (mask key) */

/* Close codes, RFC 6455 §7.4.1. */
#define WS_CLOSE_NORMAL		1000
#define WS_CLOSE_GOING_AWAY	1001
#define WS_CLOSE_PROTOCOL	1002
#define WS_CLOSE_UNSUPPORTED	1003
#define WS_CLOSE_NO_STATUS	1005
#define WS_CLOSE_ABNORMAL	1006
#define WS_CLOSE_BAD_DATA	1007
#define WS_CLOSE_POLICY		1008
#define WS_CLOSE_TOO_BIG	1009
#define WS_CLOSE_INTERNAL	1011

enum ws_role {
	WS_SERVER,		/* parses masked client frames */
	WS_CLIENT		/* parses unmasked server frames */
};

enum ws_frame_ev_type {
	WS_FRAME_NONE,		/* more bytes needed */
	WS_FRAME_HEADER,	/* a complete, well-formed header */
	WS_FRAME_PAYLOAD,	/* a chunk of payload, unmasked in place */
	WS_FRAME_END		/* the frame's payload is complete */
};

struct ws_frame_ev {
	enum ws_frame_ev_type type;
	/* WS_FRAME_HEADER (also kept in the parser until the next header) */
	uint8_t		opcode;
	bool		fin;
	bool		rsv1;		/* only when rsv1_ok */
	uint64_t	length;		/* payload length of the frame */
	/* WS_FRAME_PAYLOAD */
	uint8_t		*data;		/* points into the caller's buffer */
	size_t		len;
	/* on error (parse returned -1) */
	uint16_t	close_code;	/* 1002, or 1009 for a too long frame */
	const char	*reason;	/* static text for the log / close frame */
};

struct ws_parser {
	enum ws_role	role;
	bool		rsv1_ok;	/* permessage-deflate negotiated */
	uint64_t	max_frame;	/* 0 = no limit; else larger → 1009 */
	/* internal */
	int		state;		/* header byte, ext length, mask, payload */
	uint8_t		hdr[WS_HEADER_MAX];	/* header bytes gathered so far */
	size_t		hdr_have;
	size_t		hdr_need;
	uint8_t		opcode;
	bool		fin;
	bool		rsv1;
	bool		masked;
	uint8_t		mask[4];
	uint64_t	length;
	uint64_t	remaining;	/* payload bytes still to come */
	uint64_t	mask_off;	/* payload bytes unmasked so far */
};

/* ws_parser_init(p, role): reset p for a new stream. */
void	ws_parser_init(struct ws_parser *, enum ws_role);

/*
 * ws_frame_parse(p, buf, len, ev):
 * Consume bytes from buf and report at most one event in ev.  Returns the
 * number of bytes consumed (possibly 0 with WS_FRAME_NONE when len is 0, or
 * with WS_FRAME_END for an empty payload), or -1 on a protocol error with
 * ev->close_code and ev->reason set; the parser is then unusable.
 * Payload is unmasked in place: ev->data points into buf.  A caller that can
 * take only n payload bytes passes len = n while ws_parser_in_payload(p).
 */
ssize_t	ws_frame_parse(struct ws_parser *, uint8_t *, size_t,
	    struct ws_frame_ev *);

/* ws_parser_in_payload(p): true while the parser is inside a payload. */
bool	ws_parser_in_payload(const struct ws_parser *);

/*
 * ws_frame_header(out, opcode, fin, rsv1, len, mask):
 * Write a frame header with the minimal length encoding into out (at least
 * WS_HEADER_MAX bytes).  mask is NULL for an unmasked (server) frame, else
 * the 4-byte key to write.  Returns the header length.
 */
size_t	ws_frame_header(uint8_t *, uint8_t, bool, bool, uint64_t,
	    const uint8_t *);

/*
 * ws_mask(buf, len, key, off): XOR buf with the masking key, starting at
 * payload offset off (so a payload can be masked in pieces).
 */
void	ws_mask(uint8_t *, size_t, const uint8_t *, uint64_t);

#endif
