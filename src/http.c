/*
 * http.c - pure HTTP/1.x request-head parser and header-list helpers.
 * Owns nothing: every pointer it hands out points into the caller's buffer.
 * No I/O, no malloc, no logging, and never a read at or past buf[len].
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

#define HTTP_BAD	(-400)
#define HTTP_TOO_MANY	(-431)
#define HTTP_VERSION	(-505)

/* RFC 9110 §5.6.2: tchar. */
static bool
is_tchar(unsigned char c)
{

	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return (true);
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return (true);
	default:
		return (false);
	}
}

static bool
is_blank(unsigned char c)
{

	return (c == ' ' || c == '\t');
}

static unsigned char
lower(unsigned char c)
{

	/* ASCII only: header names and tokens never depend on the locale. */
	if (c >= 'A' && c <= 'Z')
		return ((unsigned char)(c - 'A' + 'a'));
	return (c);
}

/*
 * eol(p, len, i): a line must end at p[*i], with CRLF or a lone LF
 * (RFC 9112 §2.2).  Steps past it and returns 1; returns HTTP_INCOMPLETE when
 * the buffer ends first, or -400 for anything else (a bare CR included).
 */
static int
eol(const unsigned char *p, size_t len, size_t *i)
{

	if (*i >= len)
		return (HTTP_INCOMPLETE);
	if (p[*i] == '\n') {
		*i += 1;
		return (1);
	}
	if (p[*i] != '\r')
		return (HTTP_BAD);
	if (*i + 1 >= len)
		return (HTTP_INCOMPLETE);
	if (p[*i + 1] != '\n')
		return (HTTP_BAD);
	*i += 2;
	return (1);
}

/*
 * request_line(p, len, req, i): RFC 9112 §3: method SP request-target SP
 * HTTP-version line-end.  Same returns as eol().
 */
static int
request_line(const unsigned char *p, size_t len, struct http_request *req,
    size_t *ip)
{
	static const char name[] = "HTTP/";
	size_t i = *ip, start, k;
	int major, r;

	start = i;
	while (i < len && is_tchar(p[i]))
		i++;
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (i == start || p[i] != ' ')
		return (HTTP_BAD);
	req->method = (const char *)p + start;
	req->method_len = i - start;
	i++;

	/* Visible ASCII only; the caller decides what the target means. */
	start = i;
	while (i < len && p[i] > 0x20 && p[i] < 0x7f)
		i++;
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (i == start || p[i] != ' ')
		return (HTTP_BAD);
	req->target = (const char *)p + start;
	req->target_len = i - start;
	i++;

	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3). */
	for (k = 0; k < sizeof(name) - 1; k++, i++) {
		if (i == len)
			return (HTTP_INCOMPLETE);
		if (p[i] != (unsigned char)name[k])
			return (HTTP_BAD);
	}
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (p[i] < '0' || p[i] > '9')
		return (HTTP_BAD);
	major = p[i++] - '0';
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (p[i++] != '.')
		return (HTTP_BAD);
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (p[i] < '0' || p[i] > '9')
		return (HTTP_BAD);
	req->minor_version = p[i++] - '0';
	if ((r = eol(p, len, &i)) != 1)
		return (r);
	/* Well-formed but not ours: HTTP/0.9, HTTP/2.0 and so on. */
	if (major != 1)
		return (HTTP_VERSION);

	*ip = i;
	return (1);
}

/*
 * header_line(p, len, h, i): RFC 9112 §5: field-name ":" OWS field-value OWS
 * line-end.  Same returns as eol().
 */
static int
header_line(const unsigned char *p, size_t len, struct http_header *h,
    size_t *ip)
{
	size_t i = *ip, start, vstart, vend;
	unsigned char c;
	int r;

	start = i;
	while (i < len && is_tchar(p[i]))
		i++;
	if (i == len)
		return (HTTP_INCOMPLETE);
	/* §5.1: no whitespace between the name and the colon. */
	if (i == start || p[i] != ':')
		return (HTTP_BAD);
	h->name = (const char *)p + start;
	h->name_len = i - start;
	i++;

	while (i < len && is_blank(p[i]))
		i++;
	vstart = vend = i;
	for (; i < len; i++) {
		c = p[i];
		if (c == '\r' || c == '\n')
			break;
		/* §5.5: VCHAR, obs-text, SP, HTAB; no NUL or other CTL. */
		if (is_blank(c))
			continue;
		if (c < 0x20 || c == 0x7f)
			return (HTTP_BAD);
		vend = i + 1;
	}
	if ((r = eol(p, len, &i)) != 1)
		return (r);
	h->value = (const char *)p + vstart;
	h->value_len = vend - vstart;

	*ip = i;
	return (1);
}

int
http_parse_request(const char *buf, size_t len, struct http_request *req,
    size_t max_headers)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i, n;
	int r;

	/* The length is returned as an int; a longer head never completes. */
	if (len > INT_MAX)
		len = INT_MAX;

	req->num_headers = 0;
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	i = 0;
	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		if ((r = eol(p, len, &i)) != 1)
			return (r);
	if ((r = request_line(p, len, req, &i)) != 1)
		return (r);

	for (n = 0;; n++) {
		if (i == len)
			return (HTTP_INCOMPLETE);
		if (p[i] == '\r' || p[i] == '\n')
			break;
		/* RFC 9112 §5.2: obs-fold is rejected, not unfolded. */
		if (is_blank(p[i]))
			return (HTTP_BAD);
		if (n == max_headers)
			return (HTTP_TOO_MANY);
		if ((r = header_line(p, len, &req->headers[n], &i)) != 1)
			return (r);
		req->num_headers = n + 1;
	}
	if ((r = eol(p, len, &i)) != 1)
		return (r);

	return ((int)i);
}

/* Where http_scan_head() is in the head. */
enum {
	SCAN_START,		/* before the request line; 0: a new scan */
	SCAN_START_CR,		/* a CR there */
	SCAN_LINE,		/* inside a line */
	SCAN_LINE_CR,		/* a CR inside a line */
	SCAN_BOL,		/* at the start of a line after the first */
	SCAN_BOL_CR,		/* a CR there: the empty line, unless bad */
	SCAN_DONE		/* the empty line was found */
};

void
http_scan_init(struct http_scan *s)
{

	s->pos = 0;
	s->state = SCAN_START;
}

int
http_scan_head(struct http_scan *s, const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i;
	unsigned char c;
	int st = s->state;

	if (len > INT_MAX)
		len = INT_MAX;
	for (i = s->pos; i < len && st != SCAN_DONE; i++) {
		c = p[i];
		/* No head holds these anywhere (see http_parse_request). */
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') ||
		    c == 0x7f)
			goto bad;
		switch (st) {
		case SCAN_START:
			st = c == '\n' ? SCAN_START : c == '\r' ?
			    SCAN_START_CR : SCAN_LINE;
			break;
		case SCAN_LINE:
		case SCAN_BOL:
			if (c == '\n')
				st = st == SCAN_BOL ? SCAN_DONE : SCAN_BOL;
			else if (c == '\r')
				st = st == SCAN_BOL ? SCAN_BOL_CR :
				    SCAN_LINE_CR;
			else
				st = SCAN_LINE;
			break;
		default:
			/* After a CR only LF may come (§2.2: no bare CR). */
			if (c != '\n')
				goto bad;
			st = st == SCAN_START_CR ? SCAN_START :
			    st == SCAN_LINE_CR ? SCAN_BOL : SCAN_DONE;
			break;
		}
	}
	s->pos = i;
	s->state = st;
	return (st == SCAN_DONE ? (int)i : HTTP_INCOMPLETE);

bad:
	s->pos = i;
	s->state = st;
	return (HTTP_BAD);
}

/* RFC 3986 §2.2-2.3: unreserved and sub-delims, and '%' of an escape. */
static bool
is_regname(unsigned char c)
{

	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return (true);
	return (c != '\0' && strchr("-._~!$&'()*+,;=%", c) != NULL);
}

/*
 * authority_ok(s, len): RFC 3986 §3.2.2-3.2.3 host [":" port], without
 * userinfo: a reg-name or IPv4 address, or an IP literal in brackets.
 */
static bool
authority_ok(const char *s, size_t len)
{
	size_t i = 0;
	unsigned char c;

	if (len == 0)
		return (false);
	if (s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++) {
			c = (unsigned char)s[i];
			if (!((c >= '0' && c <= '9') ||
			    (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
			    c == ':' || c == '.'))
				return (false);
		}
		if (i == len || i == 1)
			return (false);
		i++;
	} else {
		while (i < len && s[i] != ':' &&
		    is_regname((unsigned char)s[i]))
			i++;
		if (i == 0)
			return (false);
	}
	if (i == len)
		return (true);
	if (s[i] != ':')
		return (false);
	/* An empty port is allowed (§3.2.3); at most five digits. */
	if (len - i - 1 > 5)
		return (false);
	for (i++; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return (false);
	return (true);
}

int
http_host(const struct http_request *req, const char **host, size_t *len,
    const char **why)
{
	static const char *schemes[] = {
		"http://", "https://", "ws://", "wss://"
	};
	const struct http_header *h = NULL;
	const char *t = req->target, *a;
	size_t tl = req->target_len, i, n, alen;
	int k;

	if ((k = http_find_header(req, "Host", 0)) >= 0) {
		h = &req->headers[k];
		if (http_find_header(req, "Host", (size_t)k + 1) >= 0) {
			*why = "more than one Host";
			return (-1);
		}
	}
	/* RFC 9112 §3.2: HTTP/1.1 needs Host, even with an absolute URI. */
	if (h == NULL && req->minor_version >= 1) {
		*why = "missing Host";
		return (-1);
	}
	if (h != NULL && !authority_ok(h->value, h->value_len)) {
		*why = "malformed Host";
		return (-1);
	}
	*host = h != NULL ? h->value : NULL;
	*len = h != NULL ? h->value_len : 0;

	/* §3.2.2: the authority of an absolute-form target wins. */
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i]);
		if (tl < n || !http_token_eq(t, n, schemes[i]))
			continue;
		a = t + n;
		for (alen = 0; alen < tl - n && a[alen] != '/' &&
		    a[alen] != '?' && a[alen] != '#'; alen++)
			;
		if (!authority_ok(a, alen)) {
			*why = "malformed authority in the request-target";
			return (-1);
		}
		*host = a;
		*len = alen;
		break;
	}
	*why = "ok";
	return (*host != NULL ? 1 : 0);
}

bool
http_method_known(const char *m, size_t len)
{
	static const char *methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
		"TRACE", "PATCH"
	};
	size_t i;

	/* RFC 9110 §9.1: case-sensitive, unlike header names. */
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strlen(methods[i]) == len &&
		    memcmp(methods[i], m, len) == 0)
			return (true);
	return (false);
}

int
http_body(const struct http_request *req, uint64_t *len)
{
	const struct http_header *h;
	const char *e;
	size_t i, k, pos, elen;
	uint64_t v, d;
	bool seen = false;

	*len = 0;
	if (http_find_header(req, "Transfer-Encoding", 0) >= 0) {
		/* §6.1: both is how requests are smuggled: refuse. */
		if (http_find_header(req, "Content-Length", 0) >= 0)
			return (-1);
		return (1);
	}
	/* §6.3: a list of one repeated value is that value; else 400. */
	for (i = 0; i < req->num_headers; i++) {
		h = &req->headers[i];
		if (!http_token_eq(h->name, h->name_len, "Content-Length"))
			continue;
		pos = 0;
		if (!http_list_next(h->value, h->value_len, &pos, &e, &elen))
			return (-1);
		do {
			v = 0;
			for (k = 0; k < elen; k++) {
				if (e[k] < '0' || e[k] > '9')
					return (-1);
				d = (uint64_t)(e[k] - '0');
				if (v > (UINT64_MAX - d) / 10)
					return (-1);
				v = v * 10 + d;
			}
			if (seen && v != *len)
				return (-1);
			*len = v;
			seen = true;
		} while (http_list_next(h->value, h->value_len, &pos, &e,
		    &elen));
	}
	return (0);
}

int
http_find_header(const struct http_request *req, const char *name,
    size_t from)
{
	const struct http_header *h;
	size_t i;

	for (i = from; i < req->num_headers; i++) {
		h = &req->headers[i];
		if (http_token_eq(h->name, h->name_len, name))
			return (i > INT_MAX ? -1 : (int)i);
	}
	return (-1);
}

bool
http_token_eq(const char *s, size_t len, const char *token)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (token[i] == '\0' ||
		    lower((unsigned char)s[i]) != lower((unsigned char)token[i]))
			return (false);
	}
	return (token[len] == '\0');
}

bool
http_list_next(const char *s, size_t len, size_t *pos, const char **elem,
    size_t *elem_len)
{
	size_t i = *pos, start, end;

	/* RFC 9110 §5.6.1: empty elements and blanks around commas are fine. */
	while (i < len && (is_blank((unsigned char)s[i]) || s[i] == ','))
		i++;
	if (i >= len) {
		*pos = i;
		return (false);
	}
	start = i;
	while (i < len && s[i] != ',')
		i++;
	end = i;
	while (end > start && is_blank((unsigned char)s[end - 1]))
		end--;

	*elem = s + start;
	*elem_len = end - start;
	*pos = i;
	return (true);
}

bool
http_list_has(const struct http_request *req, const char *name,
    const char *token)
{
	const struct http_header *h;
	const char *e;
	size_t i, pos, elen;

	/* §5.3: several fields of one name are one comma-separated list. */
	for (i = 0; i < req->num_headers; i++) {
		h = &req->headers[i];
		if (!http_token_eq(h->name, h->name_len, name))
			continue;
		pos = 0;
		while (http_list_next(h->value, h->value_len, &pos, &e, &elen))
			if (http_token_eq(e, elen, token))
				return (true);
	}
	return (false);
}

/* RFC 9110 §15 */
static const struct {
	int		status;
	const char	*reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 204, "No Content" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 421, "Misdirected Request" },
	{ 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" },
};

const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return (reasons[i].reason);
	return ("Unknown");
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
http_pct_byte(const char *p, size_t left)
{
	int hi, lo;

	if (left < 3 || p[0] != '%' || (hi = hexval(p[1])) < 0 ||
	    (lo = hexval(p[2])) < 0)
		return (-1);
	return (hi << 4 | lo);
}
