/*
 * test_term_page.c - the terminal page's request paths (page, files,
 * redirect, 404, not ours) under the default target and a route's prefix,
 * the answer's head (ETag, 304), and the files built into the binary.
 */
#include <stdint.h>
#include <string.h>

#include "term_page.h"
#include "unit.h"

#define GUARD_MAX	4096

/* The path whole, ending at the guard page: no read past len. */
static int
match(const char *path, size_t base)
{

	return (term_page_match((const char *)unit_guarded(path,
	    strlen(path)), strlen(path), base));
}

static int
index_of(const char *name)
{
	size_t i;

	for (i = 0; i < term_page_nfiles; i++)
		if (strcmp(term_page_files[i].name, name) == 0)
			return ((int)i);
	return (-100);
}

static void
test_term_page_default(void)
{
	CHECK_EQ(match("/", 0), 0);
	CHECK(strcmp(term_page_files[0].name, "index.html") == 0);
	CHECK_EQ(match("/_wsbridge/term/xterm.js", 0), index_of("xterm.js"));
	CHECK_EQ(match("/_wsbridge/term/xterm.css", 0),
	    index_of("xterm.css"));
	CHECK_EQ(match("/_wsbridge/term/addon-fit.js", 0),
	    index_of("addon-fit.js"));
	CHECK_EQ(match("/_wsbridge/term/term.js", 0), index_of("term.js"));
	CHECK_EQ(match("/_wsbridge/term/index.html", 0), 0);
	/* Under the prefix, nothing else. */
	CHECK_EQ(match("/_wsbridge/term/", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/term/xterm.js.map", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/term/xterm.j", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/term/../xterm.js", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/term/sub/xterm.js", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/term", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge", 0), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/_wsbridge/x", 0), TERM_PAGE_NO_FILE);
	/* Other paths are someone else's answer. */
	CHECK_EQ(match("/_wsbridgex", 0), TERM_PAGE_NOT_OURS);
	CHECK_EQ(match("/index.html", 0), TERM_PAGE_NOT_OURS);
	CHECK_EQ(match("/xterm.js", 0), TERM_PAGE_NOT_OURS);
	CHECK_EQ(match("//", 0), TERM_PAGE_NOT_OURS);
	CHECK_EQ(match("/favicon.ico", 0), TERM_PAGE_NOT_OURS);
}

static void
test_term_page_route(void)
{
	/* --route /shell=...: the page is /shell/, its files below. */
	CHECK_EQ(match("/shell/", 6), 0);
	CHECK_EQ(match("/shell", 6), TERM_PAGE_REDIRECT);
	CHECK_EQ(match("/shell/_wsbridge/term/xterm.js", 6),
	    index_of("xterm.js"));
	CHECK_EQ(match("/shell/_wsbridge/term/nope", 6), TERM_PAGE_NO_FILE);
	CHECK_EQ(match("/shell/other", 6), TERM_PAGE_NOT_OURS);
	CHECK_EQ(match("/a/b/", 4), 0);
	/* A route "/" is the default's place. */
	CHECK_EQ(match("/", 1), 0);
	CHECK_EQ(match("/_wsbridge/term/term.js", 1), index_of("term.js"));
	/* A base longer than the path is treated as none. */
	CHECK_EQ(match("/", 5), 0);
}

static int
head(const char *inm, char *out, size_t cap, int *status)
{
	struct http_header hdrs[8];
	struct http_request req;
	char raw[512];
	int n;

	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: x\r\n%s%s%s"
	    "\r\n", inm != NULL ? "If-None-Match: " : "",
	    inm != NULL ? inm : "", inm != NULL ? "\r\n" : "");
	if (http_parse_request(raw, (size_t)n, &req, 8) != n)
		return (-2);
	return (term_page_head(out, cap, &req, "text/css", 1234,
	    "\"abc123\"", true, "X-A: b\r\n", status));
}

static void
test_term_page_head(void)
{
	static const char want[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/css\r\n"
	    "Content-Length: 1234\r\n"
	    "ETag: \"abc123\"\r\n"
	    "Cache-Control: no-cache\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: keep-alive\r\n"
	    "X-A: b\r\n\r\n";
	char out[512];
	int status = 0;

	CHECK_EQ(head(NULL, out, sizeof(out), &status), strlen(want));
	CHECK(strcmp(out, want) == 0);
	CHECK_EQ(status, 200);
	CHECK(head("\"abc123\"", out, sizeof(out), &status) > 0);
	CHECK_EQ(status, 304);
	CHECK(strncmp(out, "HTTP/1.1 304 Not Modified\r\n", 27) == 0);
	CHECK(head("W/\"x\", \"abc123\"", out, sizeof(out), &status) > 0);
	CHECK_EQ(status, 304);
	CHECK(head("*", out, sizeof(out), &status) > 0);
	CHECK_EQ(status, 304);
	CHECK(head("\"abc12\"", out, sizeof(out), &status) > 0);
	CHECK_EQ(status, 200);
	CHECK(head("\"abc1234\"", out, sizeof(out), &status) > 0);
	CHECK_EQ(status, 200);
	/* Too small: -1, never a cut head. */
	CHECK_EQ(head(NULL, out, strlen(want), &status), -1);
	CHECK_EQ(head(NULL, out, strlen(want) + 1, &status), strlen(want));
}

/* Every file the page names is built in, and nothing else is. */
static void
test_term_page_built_in(void)
{
	const struct term_blob *b;
	size_t i, n = 0;

	for (i = 0; i < term_page_nfiles; i++) {
		for (b = term_blobs; b->name != NULL; b++)
			if (strcmp(b->name, term_page_files[i].name) == 0)
				break;
		CHECK(b->name != NULL);
		if (b->name == NULL)
			continue;
		CHECK(b->len > 0);
		CHECK(b->etag[0] == '"' && b->etag[strlen(b->etag) - 1] == '"');
	}
	for (b = term_blobs; b->name != NULL; b++)
		n++;
	CHECK_EQ(n, term_page_nfiles);
	/* The page loads the other files, relative to its own path. */
	for (b = term_blobs; b->name != NULL; b++)
		if (strcmp(b->name, "index.html") == 0)
			break;
	CHECK(b->name != NULL);
	if (b->name != NULL) {
		CHECK(memmem(b->data, b->len, "src=\"_wsbridge/term/xterm.js\"",
		    29) != NULL);
		CHECK(memmem(b->data, b->len, "src=\"_wsbridge/term/term.js\"",
		    28) != NULL);
	}
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_term_page_default);
	UNIT_RUN(test_term_page_route);
	UNIT_RUN(test_term_page_head);
	UNIT_RUN(test_term_page_built_in);
	return (UNIT_END("test_term_page"));
}
