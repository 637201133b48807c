/*
 * http.h - pure HTTP/1.1 request-head parser (RFC 9112 §2-§5) and a few
 * helpers to read header values.
 *
 * The parser is handed (buf, len) and returns pointers and lengths into the
 * caller's buffer; it never allocates, logs or does I/O.  It is reused for
 * WebSocket upgrades and plain requests (static files) alike.
 */
#ifndef WSB_HTTP_H
#define WSB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_INCOMPLETE	0	/* returned while the head is not complete */

struct http_header {
	const char	*name;		/* not NUL-terminated */
	size_t		name_len;
	const char	*value;		/* leading/trailing blanks removed */
	size_t		value_len;
};

struct http_request {
	const char	*method;
	size_t		method_len;
	const char	*target;	/* request-target as sent */
	size_t		target_len;
	int		minor_version;	/* HTTP/1.x */
	struct http_header *headers;	/* caller's array */
	size_t		num_headers;	/* filled in */
};

/* How far the search for the end of a request head got. */
struct http_scan {
	size_t		pos;		/* bytes already looked at */
	int		state;		/* where in a line pos is */
};

/*
 * http_parse_request(buf, len, req, max_headers):
 * Parse a request head (request line, header fields, empty line).  The caller
 * points req->headers at an array of max_headers entries.  Returns the length
 * of the head (> 0) when it is complete, HTTP_INCOMPLETE when more bytes are
 * needed, or a negative HTTP status on error: -400 malformed, -431 more than
 * max_headers fields, -505 not HTTP/1.x.  Obsolete line folding, a bare CR,
 * NUL or other control characters, and whitespace before a colon are errors.
 * A lone LF is accepted as a line end, and empty lines before the request
 * line are skipped (RFC 9112 §2.2).  Bytes after the head belong to the
 * caller.  Each call reads from buf[0]: a caller receiving the head piece by
 * piece finds its end with http_scan_head() first.
 */
int	http_parse_request(const char *, size_t, struct http_request *, size_t);

/* http_scan_init(s): start looking for the end of a new head. */
void	http_scan_init(struct http_scan *);

/*
 * http_scan_head(s, buf, len):
 * Look for the empty line that ends a request head in buf[0..len), going on
 * from where the last call on the same (grown) buffer stopped, so that each
 * byte is looked at once however the head arrives (picohttpparser's
 * last_len).  Returns the head's length once the empty line is there: that
 * many bytes then give http_parse_request() a whole head or an error, never
 * HTTP_INCOMPLETE.  Returns HTTP_INCOMPLETE before, and -400 at the first
 * byte no head can hold: NUL or another control character but HTAB, CR and
 * LF, DEL, or a CR not followed by LF.  Empty lines before the request line
 * are skipped as http_parse_request() does.
 */
int	http_scan_head(struct http_scan *, const char *, size_t);

/*
 * http_host(req, host, len, why):
 * The authority a request is for (RFC 9112 §3.2): the host[:port] of an
 * absolute-form target (http, https, ws, wss), else the Host field's value.
 * Returns 1 with *host and *len set (pointers into the request), 0 when
 * there is none (HTTP/1.0 without Host), or -1 with *why set when the
 * request must get 400: HTTP/1.1 without Host, more than one Host, or a
 * Host or authority that is not host[:port].
 */
int	http_host(const struct http_request *, const char **, size_t *,
	    const char **);

/*
 * http_method_known(method, len): method is one RFC 9110 §9 defines (or
 * PATCH), compared case-sensitively.  An unknown one deserves 501.
 */
bool	http_method_known(const char *, size_t);

/*
 * http_body(req, len): how the request frames a body (RFC 9112 §6).
 * Returns 0 with *len the Content-Length (0 when there is none), 1 when
 * Transfer-Encoding is present (the body's length is not known here), or
 * -1 when the framing is invalid: a Content-Length that is not a number,
 * several that differ, or Content-Length with Transfer-Encoding.
 */
int	http_body(const struct http_request *, uint64_t *);

/*
 * http_find_header(req, name, from): index of the first header at or after
 * index from whose name equals name (case-insensitive), or -1.
 */
int	http_find_header(const struct http_request *, const char *, size_t);

/* http_token_eq(s, len, token): s equals token, case-insensitive. */
bool	http_token_eq(const char *, size_t, const char *);

/*
 * http_list_has(req, name, token): true if any header called name carries
 * token in its comma-separated list (case-insensitive, blanks ignored).
 */
bool	http_list_has(const struct http_request *, const char *, const char *);

/*
 * http_list_next(s, len, pos, elem, elem_len): walk a comma-separated list.
 * Starting at *pos, store the next non-empty element (blanks trimmed) and
 * advance *pos.  Returns false at the end of the list.
 */
bool	http_list_next(const char *, size_t, size_t *, const char **,
	    size_t *);

/*
 * http_pct_byte(p, left): the byte a percent escape at p ('%' and two hex
 * digits, within the left bytes from p) stands for, or -1 when it is not
 * one.  Callers decide which bytes they accept.
 */
int	http_pct_byte(const char *, size_t);

/* http_reason(status): the reason phrase for status ("Bad Request"). */
const char *http_reason(int);

#endif
