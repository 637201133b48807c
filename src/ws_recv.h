/*
 * ws_recv.h - the receive path from client frames to backend bytes, pure:
 * message rules (ws_msg), the base64 subprotocol, permessage-deflate and
 * line mode meet here.  The caller owns the input and output buffers and
 * acts on the status each call returns.
 */
#ifndef WSB_WS_RECV_H
#define WSB_WS_RECV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "b64.h"
#include "pmd.h"
#include "utf8.h"
#include "ws_msg.h"

enum ws_recv_mode {
	WS_RECV_RAW,		/* payload bytes as they are */
	WS_RECV_BASE64,		/* text messages are base64: decoded */
	WS_RECV_TTY,		/* wsbridge-tty: binary is input, text a
				   control message */
	WS_RECV_TTYD		/* ttyd's tty: '0' + input, any other first
				   byte a control message */
};

/* What the message being received is, once its first byte is known. */
enum ws_recv_kind {
	WS_RECV_KIND_NONE,	/* not known yet */
	WS_RECV_KIND_INPUT,	/* payload for the backend */
	WS_RECV_KIND_CONTROL,	/* collected, returned whole */
	WS_RECV_KIND_DROP	/* parsed past */
};

#define WS_RECV_CONTROL_MAX	1024	/* a control message's bytes */

struct ws_recv {
	struct ws_msg	msg;		/* message rules, frame parser */
	enum ws_recv_mode mode;
	bool		lines;		/* a newline after each message */
	struct pmd_inflate *inf;	/* permessage-deflate, or NULL */
	bool		inf_idle;	/* drop zlib state between messages */
	uint64_t	max_message;	/* inflated size limit, 0 = none */
	bool		in_message;	/* inside a data message */
	struct b64_dec	b64;		/* its base64 state */
	size_t		pending;	/* compressed bytes at the input's
					   head, not inflated yet */
	bool		fin;		/* the message's end is to inflate */
	bool		text;		/* the compressed message is text */
	uint64_t	z_len;		/* its inflated bytes so far */
	struct utf8	utf8;		/* and their UTF-8 state */
	bool		drop_input;	/* --readonly: input parsed past */
	enum ws_recv_kind kind;		/* the current message's */
	uint8_t		ctl[WS_RECV_CONTROL_MAX]; /* a control message */
	size_t		ctl_len;
};

enum ws_recv_status {
	WS_RECV_MORE,		/* all input used: call again with more */
	WS_RECV_FULL,		/* the output is full: drain it, call again */
	WS_RECV_PING,		/* answer with a pong of out->data, call again */
	WS_RECV_PONG,		/* a pong came: call again */
	WS_RECV_CLOSE,		/* the client's close: code, reason */
	WS_RECV_CONTROL,	/* a whole control message in data, len
				   (TTY: the JSON; TTYD: with its command
				   byte): act on it, call again */
	WS_RECV_ERROR		/* close with code; reason says why */
};

struct ws_recv_out {
	size_t		used;		/* input bytes consumed */
	size_t		made;		/* output bytes written */
	size_t		payload;	/* of which message payload (not
					   line-mode newlines) */
	const uint8_t	*data;		/* PING/PONG payload, CONTROL message
					   (valid until the next call) */
	size_t		len;
	uint16_t	code;		/* CLOSE, ERROR: the close code */
	const char	*reason;	/* CLOSE: the client's reason (len in
					   reason_len); ERROR: static text */
	size_t		reason_len;
	bool		internal;	/* ERROR: our fault, not the client's */
};

/*
 * ws_recv_init(r, max_message, mode, lines, inf, inf_idle): a new receive
 * path for a server connection.  inf (inflate state owned by the caller,
 * already pmd_inflate_init()ed) is given when permessage-deflate was agreed;
 * inf_idle is the agreed client_no_context_takeover.
 */
void	ws_recv_init(struct ws_recv *, uint64_t, enum ws_recv_mode, bool,
	    struct pmd_inflate *, bool);

/*
 * ws_recv_feed(r, in, inlen, out, outcap, o):
 * Parse client bytes from in (unmasked in place) and write what the backend
 * is to get into out, never more than outcap bytes; out NULL means there is
 * no backend any more: everything is parsed and dropped.  Stops at the
 * first status other than going on; o->used input bytes must then be
 * consumed and o->made output bytes committed by the caller, whatever the
 * status.  After WS_RECV_CLOSE or WS_RECV_ERROR, r must not be fed again.
 * Under WS_RECV_BASE64 a binary message is an error (1003); text must be
 * base64 (1007).  Under WS_RECV_TTY a text message, and under WS_RECV_TTYD
 * a message not starting with '0' (that byte is not input), is a control
 * message: collected and returned whole as WS_RECV_CONTROL, or an error
 * (1009) beyond WS_RECV_CONTROL_MAX bytes; an empty ttyd message is
 * dropped.  Control messages are not inflated: the terminal subprotocols
 * are never agreed with permessage-deflate.  With r->drop_input set, input
 * is parsed past, never written to out.
 */
enum ws_recv_status ws_recv_feed(struct ws_recv *, uint8_t *, size_t,
	    uint8_t *, size_t, struct ws_recv_out *);

#endif
