/*
 * term_page.c - the terminal page's request paths and answer heads: pure
 * (no I/O, no allocation).  The bytes themselves are elsewhere: built in
 * (term_blobs) or under --terminal-assets.
 */
#include <stdio.h>
#include <string.h>

#include "term_page.h"

#define JS	"text/javascript; charset=utf-8"	/* RFC 9239, as mime.c */

/* Index 0 is the page. */
const struct term_file term_page_files[] = {
	{ "index.html",		"text/html; charset=utf-8" },
	{ "term.js",		JS },
	{ "xterm.js",		JS },
	{ "xterm.css",		"text/css; charset=utf-8" },
	{ "addon-fit.js",	JS },
};
const size_t term_page_nfiles = sizeof(term_page_files) /
    sizeof(term_page_files[0]);

int
term_page_match(const char *path, size_t len, size_t base)
{
	static const char prefix[] = TERM_PAGE_PREFIX, ours[] = "/_wsbridge";
	const size_t plen = sizeof(prefix) - 1, olen = sizeof(ours) - 1;
	const char *rest;
	size_t i, n;

	/* A route "/" is the default's place: its page is "/". */
	if (base > len || (base == 1 && path[0] == '/'))
		base = 0;
	rest = path + base;
	n = len - base;
	if (n == 0)
		return (TERM_PAGE_REDIRECT);
	if (n == 1 && rest[0] == '/')
		return (0);
	if (n < plen || memcmp(rest, prefix, plen) != 0) {
		/* "/_wsbridge" and anything below it is ours. */
		if (n >= olen && memcmp(rest, ours, olen) == 0 &&
		    (n == olen || rest[olen] == '/'))
			return (TERM_PAGE_NO_FILE);
		return (TERM_PAGE_NOT_OURS);
	}
	rest += plen;
	n -= plen;
	for (i = 0; i < term_page_nfiles; i++)
		if (strlen(term_page_files[i].name) == n &&
		    memcmp(term_page_files[i].name, rest, n) == 0)
			return ((int)i);
	return (TERM_PAGE_NO_FILE);
}

/* Does an If-None-Match list name etag (or say "*")? */
static bool
none_match(const struct http_request *req, const char *etag)
{
	size_t elen = strlen(etag);
	const char *v;
	size_t vlen, i, from = 0;
	int h;

	while ((h = http_find_header(req, "If-None-Match", from)) >= 0) {
		from = (size_t)h + 1;
		v = req->headers[from - 1].value;
		vlen = req->headers[from - 1].value_len;
		if (vlen == 1 && v[0] == '*')
			return (true);
		/* Quoted entity tags cannot contain '"': a match of the
		 * whole quoted tag is a match of a list member. */
		for (i = 0; i + elen <= vlen; i++)
			if (memcmp(v + i, etag, elen) == 0)
				return (true);
	}
	return (false);
}

int
term_page_head(char *out, size_t cap, const struct http_request *req,
    const char *type, size_t len, const char *etag, bool keep_alive,
    const char *extra, int *status)
{
	int n;

	*status = none_match(req, etag) ? 304 : 200;
	n = snprintf(out, cap, "HTTP/1.1 %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %zu\r\n"
	    "ETag: %s\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: %s\r\n"
	    "%s\r\n",
	    *status == 304 ? "304 Not Modified" : "200 OK", type, len, etag,
	    keep_alive ? "keep-alive" : "close", extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= cap)
		return (-1);
	return (n);
}
