/*
 * handshake.h - RFC 6455 §4.2 opening handshake, server side: checks an
 * upgrade request, chooses the subprotocol, computes Sec-WebSocket-Accept and
 * writes the 101 answer or an HTTP error reply.
 *
 * Pure code (SHA-1 and base64 come from OpenSSL): no I/O, no allocation.
 */
#ifndef WSB_HANDSHAKE_H
#define WSB_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

#define HS_ACCEPT_LEN	28	/* base64 of a SHA-1 digest */

enum hs_subproto {
	HS_PROTO_NONE,		/* no Sec-WebSocket-Protocol in the answer */
	HS_PROTO_BINARY,	/* "binary" */
	HS_PROTO_BASE64,	/* "base64": data carried as base64 text */
	HS_PROTO_TTY,		/* "wsbridge-tty": a terminal, control
				   messages as JSON text */
	HS_PROTO_TTYD		/* "tty": ttyd's terminal protocol */
};

/* What a valid upgrade request asked for; pointers into the request buffer. */
struct handshake {
	const char	*path;		/* request-target up to '?' */
	size_t		path_len;
	const char	*query;		/* after '?', or NULL */
	size_t		query_len;
	const char	*host;
	size_t		host_len;
	const char	*origin;	/* NULL when absent */
	size_t		origin_len;
	const char	*key;		/* Sec-WebSocket-Key, 24 characters */
	enum hs_subproto subproto;
	bool		offers_tty;	/* "wsbridge-tty" was offered */
	bool		offers_ttyd;	/* "tty" was offered */
	char		accept[HS_ACCEPT_LEN + 1];	/* NUL-terminated */
};

/* handshake_is_upgrade(req): the request asks for a WebSocket upgrade. */
bool	handshake_is_upgrade(const struct http_request *);

/*
 * handshake_check(req, hs):
 * Validate an upgrade request (GET, HTTP/1.1, Host, Upgrade: websocket,
 * Connection containing "upgrade", Sec-WebSocket-Version: 13, a key that is
 * base64 of 16 bytes) and fill hs.  Returns 0, or the HTTP status to answer:
 * 400 (426 for a missing or unsupported version, 405 for a method other than
 * GET).  *why is set to a static text for the log.
 */
int	handshake_check(const struct http_request *, struct handshake *,
	    const char **);

/*
 * handshake_terminal(hs, pty): the subprotocol for a target that is (pty)
 * or is not a terminal: a terminal's subprotocol, "wsbridge-tty" before
 * ttyd's "tty", wins over the others when offered; for other targets they
 * are never chosen.
 */
void	handshake_terminal(struct handshake *, bool);

/*
 * handshake_accept(key, key_len, out): Sec-WebSocket-Accept for key into out
 * (HS_ACCEPT_LEN + 1 bytes, NUL-terminated).  Returns 0, or -1 when OpenSSL
 * fails.
 */
int	handshake_accept(const char *, size_t, char *);

/*
 * handshake_response(out, cap, hs, extra):
 * Write the "101 Switching Protocols" answer for hs into out; extra (may be
 * NULL) is more header lines, each ending in CRLF (Sec-WebSocket-Extensions,
 * user headers).  Returns the length, or -1 if it does not fit in cap.
 */
int	handshake_response(char *, size_t, const struct handshake *,
	    const char *);

/*
 * handshake_error(out, cap, status, extra, body):
 * Write a complete HTTP/1.1 error reply with a text/plain body (a default
 * text when body is NULL) and "Connection: close".  extra (may be NULL) is
 * more header lines ending in CRLF; a 426 always carries
 * "Sec-WebSocket-Version: 13".  Returns the length, or -1 if it does not fit.
 */
int	handshake_error(char *, size_t, int, const char *, const char *);

#endif
