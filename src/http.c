/*
 * http.c - pure HTTP/1.x request-head parser and header-list helpers.
 * Owns nothing: every pointer it hands out points into the caller's buffer.
 * No I/O, no malloc, no logging, and never a read at or past buf[len].
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
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
	size_t i = 0, start, k;
	int major, r;

	while (i < len && is_tchar(p[i]))
		i++;
	if (i == len)
		return (HTTP_INCOMPLETE);
	if (i == 0 || p[i] != ' ')
		return (HTTP_BAD);
	req->method = (const char *)p;
	req->method_len = i;
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
