/*
 * handshake.c - RFC 6455 §4.2 server handshake: checks a parsed upgrade
 * request, picks the subprotocol and writes the 101 or error reply.
 * Pure: no I/O, no malloc; SHA-1 and base64 come from OpenSSL.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64.h"
#include "handshake.h"
#include "http.h"

/* RFC 6455 §1.3 */
#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN	24	/* base64 of 16 bytes */
#define WS_KEY_MAX	128	/* longest key handshake_accept() hashes */

bool
handshake_is_upgrade(const struct http_request *req)
{

	return (http_list_has(req, "Upgrade", "websocket"));
}

/*
 * one_header(req, name, h): the only header called name into *h.  Returns 1,
 * 0 when there is none, -1 when there are several.
 */
static int
one_header(const struct http_request *req, const char *name,
    const struct http_header **h)
{
	int i;

	if ((i = http_find_header(req, name, 0)) < 0)
		return (0);
	if (http_find_header(req, name, (size_t)i + 1) >= 0)
		return (-1);
	*h = &req->headers[i];
	return (1);
}

/*
 * offers(req, proto): some Sec-WebSocket-Protocol list names proto.
 * Case-sensitive, unlike http_list_has(): a browser fails the connection
 * when the answer is not one of the strings it offered (RFC 6455 §4.1).
 */
static bool
offers(const struct http_request *req, const char *proto)
{
	const struct http_header *h;
	const char *e;
	size_t i, pos, elen, plen = strlen(proto);

	for (i = 0; i < req->num_headers; i++) {
		h = &req->headers[i];
		if (!http_token_eq(h->name, h->name_len,
		    "Sec-WebSocket-Protocol"))
			continue;
		pos = 0;
		while (http_list_next(h->value, h->value_len, &pos, &e, &elen))
			if (elen == plen && memcmp(e, proto, plen) == 0)
				return (true);
	}
	return (false);
}

/*
 * has_prefix(s, len, prefix): s starts with prefix, case-insensitive.
 */
static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return (len >= n && http_token_eq(s, n, prefix));
}

/*
 * split_target(req, hs): path and query from the request-target.  The
 * origin-form "/path?query" is what RFC 6455 §4.1 clients send; the
 * absolute-form "ws://host/path?query" (also wss, http, https) is accepted
 * too, and then its authority is the host (RFC 9112 §3.2.2).  Returns -1 for
 * anything else: "*", no path, or a fragment.
 */
static int
split_target(const struct http_request *req, struct handshake *hs)
{
	static const char *schemes[] = {
		"ws://", "wss://", "http://", "https://"
	};
	const char *t = req->target, *q;
	size_t tl = req->target_len, i, a;

	if (memchr(t, '#', tl) != NULL)
		return (-1);
	if (tl == 0 || t[0] != '/') {
		for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
			if (has_prefix(t, tl, schemes[i]))
				break;
		if (i == sizeof(schemes) / sizeof(schemes[0]))
			return (-1);
		a = strlen(schemes[i]);
		t += a;
		tl -= a;
		for (a = 0; a < tl && t[a] != '/' && t[a] != '?'; a++)
			;
		if (a == 0 || a == tl || t[a] != '/')
			return (-1);
		hs->host = t;
		hs->host_len = a;
		t += a;
		tl -= a;
	}

	hs->path = t;
	if ((q = memchr(t, '?', tl)) != NULL) {
		hs->path_len = (size_t)(q - t);
		hs->query = q + 1;
		hs->query_len = tl - hs->path_len - 1;
	} else {
		hs->path_len = tl;
		hs->query = NULL;
		hs->query_len = 0;
	}
	return (0);
}

int
handshake_check(const struct http_request *req, struct handshake *hs,
    const char **why)
{
	const struct http_header *h;
	uint8_t raw[WS_KEY_LEN / 4 * 3];
	int i, r;

	memset(hs, 0, sizeof(*hs));

	/* RFC 6455 §4.2.1, in the order listed there. */
	if (req->method_len != 3 || memcmp(req->method, "GET", 3) != 0) {
		*why = "method is not GET";
		return (405);
	}
	if (req->minor_version < 1) {
		*why = "HTTP version below 1.1";
		return (400);
	}
	if ((r = one_header(req, "Host", &h)) != 1) {
		*why = r == 0 ? "missing Host" : "more than one Host";
		return (400);
	}
	if (h->value_len == 0) {
		*why = "empty Host";
		return (400);
	}
	hs->host = h->value;
	hs->host_len = h->value_len;
	/* May replace host with the authority of an absolute-form target. */
	if (split_target(req, hs) != 0) {
		*why = "request-target is not a path";
		return (400);
	}
	if (!http_list_has(req, "Upgrade", "websocket")) {
		*why = "Upgrade does not name websocket";
		return (400);
	}
	if (!http_list_has(req, "Connection", "upgrade")) {
		*why = "Connection does not name upgrade";
		return (400);
	}

	/* §4.4: an unknown version is answered with the one we speak. */
	if ((r = one_header(req, "Sec-WebSocket-Version", &h)) != 1) {
		*why = r == 0 ? "missing Sec-WebSocket-Version" :
		    "more than one Sec-WebSocket-Version";
		return (426);
	}
	if (h->value_len != 2 || memcmp(h->value, "13", 2) != 0) {
		*why = "Sec-WebSocket-Version is not 13";
		return (426);
	}

	if ((r = one_header(req, "Sec-WebSocket-Key", &h)) != 1) {
		*why = r == 0 ? "missing Sec-WebSocket-Key" :
		    "more than one Sec-WebSocket-Key";
		return (400);
	}
	if (h->value_len != WS_KEY_LEN ||
	    b64_decode(raw, h->value, h->value_len) != 16) {
		*why = "Sec-WebSocket-Key is not base64 of 16 bytes";
		return (400);
	}
	hs->key = h->value;

	if ((i = http_find_header(req, "Origin", 0)) >= 0) {
		hs->origin = req->headers[i].value;
		hs->origin_len = req->headers[i].value_len;
	}

	/* Ours first: raw bytes need no recoding. */
	if (offers(req, "binary"))
		hs->subproto = HS_PROTO_BINARY;
	else if (offers(req, "base64"))
		hs->subproto = HS_PROTO_BASE64;
	else
		hs->subproto = HS_PROTO_NONE;
	hs->offers_tty = offers(req, "wsbridge-tty");
	hs->offers_ttyd = offers(req, "tty");

	if (handshake_accept(hs->key, WS_KEY_LEN, hs->accept) != 0) {
		*why = "SHA-1 failed";
		return (500);
	}

	*why = "ok";
	return (0);
}

void
handshake_terminal(struct handshake *hs, bool pty)
{

	if (pty && hs->offers_tty)
		hs->subproto = HS_PROTO_TTY;
	else if (pty && hs->offers_ttyd)
		hs->subproto = HS_PROTO_TTYD;
}

int
handshake_accept(const char *key, size_t key_len, char *out)
{
	unsigned char buf[WS_KEY_MAX + sizeof(WS_GUID) - 1];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	/* A real key is 24 characters; a bound keeps the buffer on the stack. */
	if (key_len > WS_KEY_MAX)
		return (-1);
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, WS_GUID, sizeof(WS_GUID) - 1);
	if (EVP_Digest(buf, key_len + sizeof(WS_GUID) - 1, md, &mdlen,
	    EVP_sha1(), NULL) != 1 || mdlen != 20)
		return (-1);
	if (b64_encode(out, md, mdlen) != HS_ACCEPT_LEN)
		return (-1);
	return (0);
}

/*
 * put(out, cap, off, s, n): append n bytes of s at out + *off.  Returns -1
 * when they do not fit in cap.
 */
static int
put(char *out, size_t cap, size_t *off, const char *s, size_t n)
{

	if (n > cap - *off)
		return (-1);
	memcpy(out + *off, s, n);
	*off += n;
	return (0);
}

static int
put_str(char *out, size_t cap, size_t *off, const char *s)
{

	return (put(out, cap, off, s, strlen(s)));
}

int
handshake_response(char *out, size_t cap, const struct handshake *hs,
    const char *extra)
{
	size_t off = 0;

	if (cap > INT_MAX)
		cap = INT_MAX;
	if (put_str(out, cap, &off, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: ") ||
	    put(out, cap, &off, hs->accept, HS_ACCEPT_LEN) ||
	    put_str(out, cap, &off, "\r\n"))
		return (-1);
	if (hs->subproto == HS_PROTO_BINARY &&
	    put_str(out, cap, &off, "Sec-WebSocket-Protocol: binary\r\n"))
		return (-1);
	if (hs->subproto == HS_PROTO_BASE64 &&
	    put_str(out, cap, &off, "Sec-WebSocket-Protocol: base64\r\n"))
		return (-1);
	if (hs->subproto == HS_PROTO_TTY && put_str(out, cap, &off,
	    "Sec-WebSocket-Protocol: wsbridge-tty\r\n"))
		return (-1);
	if (hs->subproto == HS_PROTO_TTYD &&
	    put_str(out, cap, &off, "Sec-WebSocket-Protocol: tty\r\n"))
		return (-1);
	if (extra != NULL && put_str(out, cap, &off, extra))
		return (-1);
	if (put_str(out, cap, &off, "\r\n"))
		return (-1);

	return ((int)off);
}

int
handshake_error(char *out, size_t cap, int status, const char *extra,
    const char *body)
{
	char line[256], defbody[128];
	const char *reason = http_reason(status);
	size_t off = 0, blen;
	int n;

	if (status < 100 || status > 999)
		return (-1);
	if (cap > INT_MAX)
		cap = INT_MAX;
	if (body == NULL) {
		n = snprintf(defbody, sizeof(defbody), "%d %s\n", status,
		    reason);
		if (n < 0 || (size_t)n >= sizeof(defbody))
			return (-1);
		body = defbody;
	}
	blen = strlen(body);

	n = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n", status, reason, blen);
	if (n < 0 || (size_t)n >= sizeof(line))
		return (-1);
	if (put(out, cap, &off, line, (size_t)n))
		return (-1);
	/* RFC 6455 §4.4: tell the client which version we speak. */
	if (status == 426 &&
	    put_str(out, cap, &off, "Sec-WebSocket-Version: 13\r\n"))
		return (-1);
	if (extra != NULL && put_str(out, cap, &off, extra))
		return (-1);
	if (put_str(out, cap, &off, "\r\n") || put(out, cap, &off, body, blen))
		return (-1);

	return ((int)off);
}
