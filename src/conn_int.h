/*
 * conn_int.h - private to conn.c, conn_http.c and conn_ws.c, the three files
 * one connection is made of: what they call in each other.  Nothing else
 * includes it; the rest of the server sees only conn.h.
 */
#ifndef WSB_CONN_INT_H
#define WSB_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "backend.h"
#include "config.h"
#include "conn.h"
#include "ws_msg.h"

/* Seconds without progress on a static file before the reader is cut. */
#define CONN_RESPONSE_TIMEOUT	60.
/* Static file bytes sent per turn of the loop. */
#define CONN_FILE_TURN		(1024 * 1024)

/* Room kept in wire so a pong and our close always fit. */
#define WIRE_RESERVE	(2 * (WS_CONTROL_MAX + 4))

/*
 * The longest HTTP answer built (head, and the short body of an error):
 * --header's lines and at most 2 KiB of our own (status line, Location,
 * WWW-Authenticate, Sec-WebSocket-* lines, the help text).
 */
#define ANSWER_MAX	(CONFIG_HEADERS_MAX + 2048)

enum rx_result {
	RX_MORE,		/* all parsed: waiting for bytes */
	RX_BLOCKED,		/* stopped: the output side is full */
	RX_DONE			/* no more client input is wanted */
};

/* conn_client_gone(c): the client's socket is closed. */
static inline bool
conn_client_gone(const struct conn *c)
{
	return (bridge_is_gone(&c->br, BRIDGE_CLIENT));
}

/* conn_phase.c: the only code that changes c->state or the timer. */

/* conn_set_timer(c, secs): (re)arm the connection's one timer for secs. */
void	conn_set_timer(struct conn *, double);

/*
 * conn_enter(c, state, secs): go to state, with the timer set to secs;
 * CONN_TIMER_KEEP leaves it as it is, CONN_TIMER_OFF stops it.
 */
#define CONN_TIMER_KEEP	(-1.)
#define CONN_TIMER_OFF	(-2.)
void	conn_enter(struct conn *, enum conn_state, double);

/*
 * conn_drop_frombe(c): backend bytes will not reach the client: drop them,
 * keeping only what the frame under way still has to send.
 */
void	conn_drop_frombe(struct conn *);

/*
 * conn_begin_close(c, code, reason, drain, by): start the close handshake
 * (CONN_CLOSING, close timeout): our close frame with code and reason goes
 * out after the frame being written and, with drain, after what the backend
 * already sent.  by ("client", "server", "backend") is logged as the closer
 * unless one is set.  Does nothing once a close is under way.
 */
void	conn_begin_close(struct conn *, uint16_t, const char *, bool,
	    const char *);

/*
 * conn_protocol_error(c, code, reason): the client broke the protocol: log
 * reason (debug), take no more client input and close with code.
 */
void	conn_protocol_error(struct conn *, uint16_t, const char *);

/*
 * conn_client_finish(c): the client side is finished: its watchers stopped,
 * its socket closed, its output dropped.  An open connection goes to
 * CONN_CLOSING, bounding the time the backend gets to take the rest.
 */
void	conn_client_finish(struct conn *);

/*
 * conn_client_close(c): close the client's socket (and its TLS state) and
 * take it off the server's descriptor count; twice is fine.
 */
void	conn_client_close(struct conn *);

/*
 * conn_file_close(c): close the static file being sent, if any, and take
 * it off the server's descriptor count.
 */
void	conn_file_close(struct conn *);

/* conn_http.c */

/*
 * conn_set_peer(c, sa): fill c->peer, peer_addr and peer_port (for the log
 * and the backend) from the socket's peer address.
 */
void	conn_set_peer(struct conn *, const struct sockaddr *);

/*
 * conn_read_proxy_header(c): read the PROXY protocol header, which comes
 * before anything else, TLS included: peeked from the socket and consumed
 * only as far as it goes.  Returns 0 while it is being read (or done), -1
 * when it is bad.
 */
int	conn_read_proxy_header(struct conn *);

/*
 * conn_try_handshake(c): parse the request head in c->rx.  Once it is whole,
 * answer it (an HTTP error, the help text, a static file) or, for an upgrade
 * that passes every check, keep the 101 in c->reply, open the backend and go
 * to CONN_CONNECTING.  Incomplete: nothing changes.
 */
void	conn_try_handshake(struct conn *);

/* How a refusal is logged: ordinary browser traffic is not a warning. */
enum refusal_log {
	REFUSE_QUIET,		/* not at all (counted or logged elsewhere) */
	REFUSE_INFO,		/* redirect, missing file, 401 challenge */
	REFUSE_WARN		/* anything else */
};

/*
 * conn_http_error(c, status, why, extra): refuse with status (extra: more
 * header lines, or NULL), logging why; closes the backend, drops the
 * buffers, then lingers in CONN_HTTP_ERROR so the reply is not lost.
 */
void	conn_http_error(struct conn *, int, const char *, const char *);

/*
 * conn_refuse(c, why): a limit refuses the connection: 503 with
 * Retry-After, logged at most once a second (the others are counted in the
 * next line), then as conn_http_error().
 */
void	conn_refuse(struct conn *, const char *);

/* conn_auth.c */

struct http_request;

enum conn_auth_verdict {
	CONN_AUTH_PASS,		/* go on: c->user set, or no login needed */
	CONN_AUTH_WAIT,		/* the password is being checked */
	CONN_AUTH_REPLY		/* answer with the reply given */
};

struct conn_auth_reply {
	int		status;		/* 401, 429, 500 or 503 */
	const char	*why;		/* for the log */
	const char	*extra;		/* header lines, or NULL */
	enum refusal_log level;
	char		retry[32];	/* room for a Retry-After line */
};

/*
 * conn_front_door_auth(c, req, reply): --basic-auth for this request.
 * CONN_AUTH_WAIT: its password is being checked off the loop, and c's
 * auth_done callback brings the request back with the verdict.
 * CONN_AUTH_REPLY: the caller answers with *reply (401, 429, 500, 503).
 * Each request of a keep-alive connection is checked on its own.
 */
enum conn_auth_verdict conn_front_door_auth(struct conn *,
	    const struct http_request *, struct conn_auth_reply *);

/*
 * conn_auth_abandon(c): the connection goes away: a password check still
 * under way is cancelled (its result will never reach c) and, unless it
 * passed, counts as a failed login, so that guesses dropped before their
 * answer are throttled like the others.
 */
void	conn_auth_abandon(struct conn *);

/* conn_ws.c */

/*
 * conn_queue_control(c, opcode, data, len): append a control frame to
 * c->wire; conn_process_rx() keeps WIRE_RESERVE free, so it fits.
 */
void	conn_queue_control(struct conn *, uint8_t, const uint8_t *, size_t);

/*
 * conn_process_rx(c): parse what the client sent and hand payload to the
 * backend buffer, answering pings and a close.  Returns RX_MORE when all is
 * parsed, RX_BLOCKED when the output side is full, RX_DONE when no more
 * client input is wanted.
 */
enum rx_result conn_process_rx(struct conn *);

/*
 * conn_flush_backend(c): write the up pipe to the backend until it would
 * block; on a write error the backend gets EOF and the rest is dropped.
 */
void	conn_flush_backend(struct conn *);

/*
 * conn_flush_client(c): write what is ready for the client: wire bytes, then
 * data frames (or a static file), then our close.  A write error finishes the
 * client side.
 */
void	conn_flush_client(struct conn *);

/*
 * conn_tty_greet(c): queue a terminal subprotocol's first messages in
 * c->wire (after the 101): wsbridge-tty's hello, ttyd's title and
 * preferences.  Nothing for other subprotocols.
 */
void	conn_tty_greet(struct conn *);

/* conn_has_output(c): whether anything is waiting to go to the client. */
bool	conn_has_output(const struct conn *);

#endif
