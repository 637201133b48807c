/*
 * test_http.c - request-head parser: valid heads, every error status, every
 * proper prefix incomplete, inputs ending at an unmapped page.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "unit.h"

#define NHDR	32
#define GUARD_MAX	4096	/* the longest input */

static struct http_header hdrs[NHDR];
static struct http_request req;

static int
parse_n(const char *s, size_t len, size_t max)
{

	memset(&req, 0, sizeof(req));
	memset(hdrs, 0, sizeof(hdrs));
	req.headers = hdrs;
	return (http_parse_request(unit_guarded(s, len), len, &req, max));
}

static int
parse(const char *s)
{

	return (parse_n(s, strlen(s), NHDR));
}

static int
streq(const char *p, size_t n, const char *s)
{

	return (n == strlen(s) && memcmp(p, s, n) == 0);
}

/*
 * Every proper prefix is incomplete or fails with the same status as the
 * whole, and the whole gives want.
 */
static void
check_prefixes(const char *s, size_t len, int want)
{
	size_t i;
	int r;

	for (i = 0; i < len; i++) {
		r = parse_n(s, i, NHDR);
		if (want > 0)
			CHECK_EQ(r, HTTP_INCOMPLETE);
		else if (r != HTTP_INCOMPLETE)
			CHECK_EQ(r, want);
	}
	CHECK_EQ(parse_n(s, len, NHDR), want);
}

static const char *valid[] = {
	"GET / HTTP/1.1\r\n\r\n",
	"GET /chat?x=1 HTTP/1.1\r\nHost: server.example.com\r\n"
	"Upgrade: websocket\r\nConnection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Origin: http://example.com\r\n"
	"Sec-WebSocket-Protocol: chat, superchat\r\n"
	"Sec-WebSocket-Version: 13\r\n\r\n",
	"GET / HTTP/1.0\nHost: a\n\n",
	"OPTIONS * HTTP/1.1\r\nX: \t a\tb \t\r\nY:\r\nZ:  \n\r\n",
	"M-._~!#$%&'*+^`| /%7e HTTP/1.9\r\nObs: caf\xc3\xa9 \xff\r\n\r\n",
	"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"\n\r\n\nGET / HTTP/1.0\n\n",
};

static void
test_http_simple(void)
{
	const char *s = "GET /chat HTTP/1.1\r\nHost: example.com\r\n"
	    "X-Empty:\r\n\r\nBODY";
	int r;

	r = parse(s);
	CHECK_EQ(r, (int)strlen(s) - 4);
	CHECK(streq(req.method, req.method_len, "GET"));
	CHECK(streq(req.target, req.target_len, "/chat"));
	CHECK_EQ(req.minor_version, 1);
	CHECK_EQ(req.num_headers, 2);
	CHECK(streq(hdrs[0].name, hdrs[0].name_len, "Host"));
	CHECK(streq(hdrs[0].value, hdrs[0].value_len, "example.com"));
	CHECK(streq(hdrs[1].name, hdrs[1].name_len, "X-Empty"));
	CHECK_EQ(hdrs[1].value_len, 0);
}

static void
test_http_many_headers(void)
{
	char buf[2048];
	size_t n = 0, i;
	int r;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "GET /x HTTP/1.1\r\n");
	for (i = 0; i < NHDR; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
		    "H%zu: value %zu\r\n", i, i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");

	r = parse_n(buf, n, NHDR);
	CHECK_EQ(r, (int)n);
	CHECK_EQ(req.num_headers, NHDR);
	CHECK(streq(hdrs[31].name, hdrs[31].name_len, "H31"));
	CHECK(streq(hdrs[31].value, hdrs[31].value_len, "value 31"));
	/* One slot short: the 32nd header is one too many. */
	CHECK_EQ(parse_n(buf, n, NHDR - 1), -431);
	CHECK_EQ(req.num_headers, NHDR - 1);
}

static void
test_http_too_many(void)
{
	const char *two = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n";
	const char *none = "GET / HTTP/1.1\r\n\r\n";

	CHECK_EQ(parse_n(two, strlen(two), 2), (int)strlen(two));
	CHECK_EQ(parse_n(two, strlen(two), 1), -431);
	CHECK_EQ(parse_n(two, strlen(two), 0), -431);
	CHECK_EQ(parse_n(none, strlen(none), 0), (int)strlen(none));
	/* Known as soon as the extra line starts. */
	CHECK_EQ(parse_n(two, 23, 1), -431);
}

static void
test_http_lf_only(void)
{
	const char *s = "GET /a HTTP/1.1\nHost: h\nX: y\n\n";

	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK_EQ(req.num_headers, 2);
	CHECK(streq(hdrs[1].value, hdrs[1].value_len, "y"));
	s = "GET /a HTTP/1.1\r\nHost: h\nX: y\r\n\n";
	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK_EQ(req.num_headers, 2);
}

static void
test_http_values(void)
{
	const char *s = "GET / HTTP/1.0\r\nA: \t x\ty  z \t\r\n"
	    "B:caf\xc3\xa9\x80\xff\r\nC:   \r\nD: \"q,\" ;p=1\r\n\r\n";

	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK_EQ(req.minor_version, 0);
	CHECK_EQ(req.num_headers, 4);
	CHECK(streq(hdrs[0].value, hdrs[0].value_len, "x\ty  z"));
	CHECK(streq(hdrs[1].value, hdrs[1].value_len,
	    "caf\xc3\xa9\x80\xff"));
	CHECK_EQ(hdrs[2].value_len, 0);
	CHECK(streq(hdrs[3].value, hdrs[3].value_len, "\"q,\" ;p=1"));
}

static void
test_http_tokens(void)
{
	const char *s = "M-._~!#$%&'*+^`| /%7e?a=b&c HTTP/1.1\r\n"
	    "X-~!#$%&'*+.^_`|: v\r\n\r\n";

	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK(streq(req.method, req.method_len, "M-._~!#$%&'*+^`|"));
	CHECK(streq(req.target, req.target_len, "/%7e?a=b&c"));
	CHECK(streq(hdrs[0].name, hdrs[0].name_len, "X-~!#$%&'*+.^_`|"));
}

struct bad {
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	int		 status;
};

static const struct bad bads[] = {
	{ "G\0T / HTTP/1.1\r\n\r\n", 18, -400 },
	{ " GET / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "\rGET / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "\r\rGET / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "\r\n \r\nGET / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET\t/ HTTP/1.1\r\n\r\n", 0, -400 },
	{ "G(T / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET  / HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1 \r\n\r\n", 0, -400 },
	{ "GET /a b HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET /\x7f HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET /\xe9 HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET /\t HTTP/1.1\r\n\r\n", 0, -400 },
	{ "GET /\r\n\r\n", 0, -400 },
	{ "GET / \r\n\r\n", 0, -400 },
	{ "GET / http/1.1\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.10\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1,1\r\n\r\n", 0, -400 },
	{ "GET / HTTP/x.1\r\n\r\n", 0, -400 },
	{ "GET / HTTP/2\r\n\r\n", 0, -400 },
	{ "GET / HTTP/2.0\r\n\r\n", 0, -505 },
	{ "GET / HTTP/0.9\r\n\r\n", 0, -505 },
	{ "GET / HTTP/3.0\n\n", 0, -505 },
	{ "GET / HTTP/1.1\rX\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\n: x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nHost x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nHost\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX\xe9: x\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26, -400 },
	{ "GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\x1f" "b\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\x7f" "b\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\r\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\n X: a\r\n\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\r\n\r\r\n", 0, -400 },
	{ "GET / HTTP/1.1\r\nX: a\r\n\rX", 0, -400 },
};

static void
test_http_errors(void)
{
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = bads[i].len ? bads[i].len : strlen(bads[i].in);
		r = parse_n(bads[i].in, len, NHDR);
		if (r != bads[i].status)
			fprintf(stderr, "  bads[%zu]: got %d\n", i, r);
		CHECK_EQ(r, bads[i].status);
		check_prefixes(bads[i].in, len, bads[i].status);
	}
}

static void
test_http_fail_early(void)
{

	/* Decided before the head could be complete. */
	CHECK_EQ(parse_n("G\0", 2, NHDR), -400);
	CHECK_EQ(parse_n("GET /\x01", 6, NHDR), -400);
	CHECK_EQ(parse_n("GET / HTTX", 10, NHDR), -400);
	CHECK_EQ(parse_n("GET / HTTP/1.1\r\nX : ", 19, NHDR), -400);
	CHECK_EQ(parse_n("GET / HTTP/1.1\r\nX: \0", 20, NHDR), -400);
	CHECK_EQ(parse_n("GET / HTTP/1.1\r\n ", 17, NHDR), -400);
	CHECK_EQ(parse_n("GET / HTTP/2.0\r", 15, NHDR), HTTP_INCOMPLETE);
	CHECK_EQ(parse_n("GET / HTTP/2.0\r\n", 16, NHDR), -505);
}

static void
test_http_prefixes(void)
{
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		check_prefixes(valid[i], strlen(valid[i]),
		    (int)strlen(valid[i]));
}

static void
test_http_trailing(void)
{
	const char *s = "GET / HTTP/1.1\r\nA: b\r\n\r\n\x81\x85GARBAGE\0";
	size_t head = strlen("GET / HTTP/1.1\r\nA: b\r\n\r\n");
	size_t i;

	/* What follows the head belongs to the caller, whatever it is. */
	for (i = head; i < head + 10; i++)
		CHECK_EQ(parse_n(s, i, NHDR), (int)head);
}

static void
test_http_guard_edges(void)
{
	/* Heads that stop at the last readable byte in each state. */
	static const char *cut[] = {
		"GET", "GET ", "GET /x", "GET /x ", "GET /x HTTP/1.",
		"GET /x HTTP/1.1", "GET /x HTTP/1.1\r", "GET /x HTTP/1.1\n",
		"GET /x HTTP/1.1\nA", "GET /x HTTP/1.1\nA:", "GET /x HTTP/1.1\nA: ",
		"GET /x HTTP/1.1\nA: b", "GET /x HTTP/1.1\nA: b  ",
		"GET /x HTTP/1.1\nA: b\r", "GET /x HTTP/1.1\nA: b\n\r",
	};
	size_t i;

	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++)
		CHECK_EQ(parse(cut[i]), HTTP_INCOMPLETE);
	CHECK_EQ(parse("GET /x HTTP/1.1\nA: b\n\n"), 22);
	CHECK_EQ(parse("GET /x HTTP/1.1\nA: b\n\r\n"), 23);
}

static void
test_http_find_header(void)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nhost: b\r\n"
	    "x-a: 2\r\n\r\n";

	CHECK(parse(s) > 0);
	CHECK_EQ(http_find_header(&req, "host", 0), 0);
	CHECK_EQ(http_find_header(&req, "HOST", 1), 2);
	CHECK_EQ(http_find_header(&req, "Host", 3), -1);
	CHECK_EQ(http_find_header(&req, "X-A", 0), 1);
	CHECK_EQ(http_find_header(&req, "x-a", 2), 3);
	CHECK_EQ(http_find_header(&req, "X", 0), -1);
	CHECK_EQ(http_find_header(&req, "X-AB", 0), -1);
	CHECK_EQ(http_find_header(&req, "Host", 99), -1);
}

static void
test_http_token_eq(void)
{

	CHECK(http_token_eq("WebSocket", 9, "websocket"));
	CHECK(http_token_eq("websocketX", 9, "WEBSOCKET"));
	CHECK(!http_token_eq("websocket", 9, "websockets"));
	CHECK(!http_token_eq("websockets", 10, "websocket"));
	CHECK(!http_token_eq("websocket", 8, "websocket"));
	CHECK(http_token_eq("", 0, ""));
	CHECK(!http_token_eq("a", 1, ""));
	/* ASCII folding only. */
	CHECK(!http_token_eq("\xc9", 1, "\xe9"));
	CHECK(!http_token_eq("[", 1, "{"));
}

static void
test_http_list_next(void)
{
	const char *s = " a, ,b ,\tc d\t,,";
	const char *e;
	size_t pos = 0, elen;

	CHECK(http_list_next(s, strlen(s), &pos, &e, &elen));
	CHECK(streq(e, elen, "a"));
	CHECK(http_list_next(s, strlen(s), &pos, &e, &elen));
	CHECK(streq(e, elen, "b"));
	CHECK(http_list_next(s, strlen(s), &pos, &e, &elen));
	CHECK(streq(e, elen, "c d"));
	CHECK(!http_list_next(s, strlen(s), &pos, &e, &elen));
	CHECK(!http_list_next(s, strlen(s), &pos, &e, &elen));

	pos = 0;
	CHECK(!http_list_next("", 0, &pos, &e, &elen));
	pos = 0;
	CHECK(!http_list_next(" , ,\t", 5, &pos, &e, &elen));
	/* Stops at len, not at a NUL. */
	pos = 0;
	CHECK(http_list_next("xy,z", 1, &pos, &e, &elen));
	CHECK(streq(e, elen, "x"));
	CHECK(!http_list_next("xy,z", 1, &pos, &e, &elen));
}

static void
test_http_list_has(void)
{
	const char *s = "GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
	    "connection: , Upgrade ,\r\nUpgrade: h2c, WebSocket\r\n"
	    "X: upgrade\r\n\r\n";

	CHECK(parse(s) > 0);
	CHECK(http_list_has(&req, "Connection", "upgrade"));
	CHECK(http_list_has(&req, "CONNECTION", "keep-alive"));
	CHECK(!http_list_has(&req, "Connection", "close"));
	CHECK(!http_list_has(&req, "Connection", "upgrad"));
	CHECK(http_list_has(&req, "upgrade", "websocket"));
	CHECK(http_list_has(&req, "upgrade", "h2c"));
	CHECK(!http_list_has(&req, "Origin", "upgrade"));
	CHECK(!http_list_has(&req, "Upgrade", "h2c, websocket"));
}

static void
test_http_reason(void)
{
	static const int codes[] = { 101, 200, 204, 206, 301, 302, 304, 400,
	    401, 403, 404, 405, 408, 413, 414, 421, 426, 431, 500, 501, 502,
	    503, 504, 505 };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		CHECK(strcmp(http_reason(codes[i]), "Unknown") != 0);
	CHECK(strcmp(http_reason(101), "Switching Protocols") == 0);
	CHECK(strcmp(http_reason(400), "Bad Request") == 0);
	CHECK(strcmp(http_reason(426), "Upgrade Required") == 0);
	CHECK(strcmp(http_reason(421), "Misdirected Request") == 0);
	CHECK(strcmp(http_reason(431),
	    "Request Header Fields Too Large") == 0);
	CHECK(strcmp(http_reason(505), "HTTP Version Not Supported") == 0);
	CHECK(strcmp(http_reason(599), "Unknown") == 0);
	CHECK(strcmp(http_reason(-1), "Unknown") == 0);
}

/* RFC 9112 §2.2: empty lines before the request line are ignored. */
static void
test_http_leading_empty_lines(void)
{
	const char *s = "\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n";

	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK(streq(req.method, req.method_len, "GET"));
	CHECK(streq(req.target, req.target_len, "/x"));
	CHECK_EQ(req.num_headers, 1);
	CHECK_EQ(parse("\r\n"), HTTP_INCOMPLETE);
	CHECK_EQ(parse("\n\n\n"), HTTP_INCOMPLETE);
	CHECK_EQ(parse("\r\n\r"), HTTP_INCOMPLETE);
	CHECK_EQ(parse("\r\n\rG"), -400);
}

/* scan(s, len, step): http_scan_head() fed len bytes, step more a call. */
static int
scan(const char *s, size_t len, size_t step)
{
	struct http_scan sc;
	const char *p = unit_guarded(s, len);
	size_t have = 0;
	int r = HTTP_INCOMPLETE;

	http_scan_init(&sc);
	while (have < len && r == HTTP_INCOMPLETE) {
		have = len - have > step ? have + step : len;
		r = http_scan_head(&sc, p, have);
	}
	if (len == 0)
		r = http_scan_head(&sc, p, 0);
	return (r);
}

/*
 * The end the scan finds is where the parser ends the head, fed whole, a
 * byte at a time or in pieces of any size; a byte no head may hold is
 * refused as soon as it arrives.
 */
static void
test_http_scan(void)
{
	static const struct {
		const char	*in;
		size_t		len;		/* 0: strlen(in) */
		int		want;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 0, 18 },
		{ "GET / HTTP/1.1\n\nBODY", 0, 16 },
		{ "GET / HTTP/1.1\r\nA: b\n\r\nX", 0, 23 },
		{ "\r\n\nGET / HTTP/1.1\r\n\r\n", 0, 21 },
		{ "GET / HTTP/1.1\r\nA: \tb\r\n\r\n\x01", 0, 25 },
		{ "GET / HTTP/1.1\r\nA: caf\xc3\xa9\r\n", 0, HTTP_INCOMPLETE },
		{ "\r\n\r\n\n", 0, HTTP_INCOMPLETE },
		{ "GET / HTTP/1.1\r\n", 0, HTTP_INCOMPLETE },
		{ "GET / HTTP/1.1\r", 0, HTTP_INCOMPLETE },
		{ "\x16\x03\x01\x02\x00\x01", 6, -400 },
		{ "GET / HTTP/1.1\r\nA: \x00\r\n\r\n", 24, -400 },
		{ "GET / HTTP/1.1\r\nA: \x1b[31m\r\n\r\n", 0, -400 },
		{ "GET / HTTP/1.1\r\nA: \x7f\r\n\r\n", 0, -400 },
		{ "GET / HTTP/1.1\rA: b\r\n\r\n", 0, -400 },
		{ "GET / HTTP/1.1\r\n\rX", 0, -400 },
		{ "\rX", 0, -400 },
	};
	size_t i, len, step;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		for (step = 1; step <= len + 1; step++) {
			r = scan(cases[i].in, len, step);
			if (r != cases[i].want)
				fprintf(stderr, "  cases[%zu] step %zu: %d\n",
				    i, step, r);
			CHECK_EQ(r, cases[i].want);
		}
		/* The parser agrees on where the head ends. */
		if (cases[i].want > 0)
			CHECK_EQ(parse_n(cases[i].in, (size_t)cases[i].want,
			    NHDR), cases[i].want);
	}
	/* Every valid head: found at its end, whatever the pieces. */
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		for (step = 1; step < 8; step++)
			CHECK_EQ(scan(valid[i], strlen(valid[i]), step),
			    (int)strlen(valid[i]));
	/* A bad head the scan lets through is the parser's to refuse. */
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = bads[i].len ? bads[i].len : strlen(bads[i].in);
		r = scan(bads[i].in, len, 1);
		CHECK(r == HTTP_INCOMPLETE || r == -400 || (r > 0 &&
		    parse_n(bads[i].in, (size_t)r, NHDR) < 0));
	}
	/* Done is done: more calls give the same length. */
	{
		struct http_scan sc;
		const char *h = "GET / HTTP/1.1\r\n\r\nGET";

		http_scan_init(&sc);
		CHECK_EQ(http_scan_head(&sc, h, strlen(h)), 18);
		CHECK_EQ(http_scan_head(&sc, h, strlen(h)), 18);
	}
}

/*
 * Each byte is looked at once: after the first page of a head has been
 * scanned it is made unreadable, and finding the end must not touch it (a
 * parser starting from byte 0 on every read does: quadratic in the head).
 */
static void
test_http_scan_once(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), total = 3 * pg, i;
	struct http_scan sc;
	char *map;

	map = mmap(NULL, total, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memcpy(map, "GET / HTTP/1.1\r\nX: ", 19);
	memset(map + 19, 'a', total - 23);
	memcpy(map + total - 4, "\r\n\r\n", 4);
	http_scan_init(&sc);
	CHECK_EQ(http_scan_head(&sc, map, pg), HTTP_INCOMPLETE);
	CHECK_EQ(mprotect(map, pg, PROT_NONE), 0);
	for (i = pg + 1; i < 2 * pg; i += 97)
		CHECK_EQ(http_scan_head(&sc, map, i), HTTP_INCOMPLETE);
	CHECK_EQ(http_scan_head(&sc, map, 2 * pg), HTTP_INCOMPLETE);
	CHECK_EQ(mprotect(map + pg, pg, PROT_NONE), 0);
	for (i = 2 * pg + 1; i < total; i++)
		CHECK_EQ(http_scan_head(&sc, map, i), HTTP_INCOMPLETE);
	CHECK_EQ(http_scan_head(&sc, map, total), (int)total);
	munmap(map, total);
}

static void
test_http_host(void)
{
	static const struct {
		const char	*in;
		int		want;
		const char	*host;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n", 1,
		    "a.example:8080" },
		{ "GET / HTTP/1.1\r\nhost: [::1]:80\r\n\r\n", 1, "[::1]:80" },
		{ "GET / HTTP/1.1\r\nHost: a.example:\r\n\r\n", 1,
		    "a.example:" },
		{ "GET / HTTP/1.0\r\n\r\n", 0, NULL },
		{ "GET http://b.example/x HTTP/1.0\r\n\r\n", 1, "b.example" },
		/* §3.2.2: the target's authority wins over Host. */
		{ "GET http://b.example:81/x HTTP/1.1\r\nHost: a\r\n\r\n", 1,
		    "b.example:81" },
		{ "GET WS://b.example?q HTTP/1.1\r\nHost: a\r\n\r\n", 1,
		    "b.example" },
		{ "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 1, "a" },
		/* §3.2: 400 for these. */
		{ "GET / HTTP/1.1\r\n\r\n", -1, NULL },
		{ "GET http://b.example/ HTTP/1.1\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost:\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: []\r\n\r\n", -1, NULL },
		{ "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", -1, NULL },
		{ "GET http://u@b.example/ HTTP/1.1\r\nHost: a\r\n\r\n", -1,
		    NULL },
		{ "GET http:/// HTTP/1.1\r\nHost: a\r\n\r\n", -1, NULL },
	};
	const char *host, *why;
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(parse(cases[i].in) > 0);
		host = NULL;
		r = http_host(&req, &host, &len, &why);
		if (r != cases[i].want)
			fprintf(stderr, "  cases[%zu]: %d (%s)\n", i, r, why);
		CHECK_EQ(r, cases[i].want);
		if (r == 1)
			CHECK(streq(host, len, cases[i].host));
		if (r == -1)
			CHECK(strcmp(why, "ok") != 0);
	}
	CHECK(parse("GET / HTTP/1.1\r\n\r\n") > 0);
	CHECK_EQ(http_host(&req, &host, &len, &why), -1);
	CHECK(strcmp(why, "missing Host") == 0);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") > 0);
	CHECK_EQ(http_host(&req, &host, &len, &why), -1);
	CHECK(strcmp(why, "more than one Host") == 0);
}

static void
test_http_method_known(void)
{

	CHECK(http_method_known("GET", 3));
	CHECK(http_method_known("HEAD", 4));
	CHECK(http_method_known("PATCH", 5));
	CHECK(http_method_known("OPTIONS", 7));
	/* Case-sensitive (RFC 9110 §9.1). */
	CHECK(!http_method_known("get", 3));
	CHECK(!http_method_known("Get", 3));
	CHECK(!http_method_known("GE", 2));
	CHECK(!http_method_known("GETS", 4));
	CHECK(!http_method_known("BREW", 4));
	CHECK(!http_method_known("", 0));
}

static void
test_http_body(void)
{
	static const struct {
		const char	*hdrs;
		int		want;
		uint64_t	len;
	} cases[] = {
		{ "", 0, 0 },
		{ "Content-Length: 0\r\n", 0, 0 },
		{ "Content-Length: 42\r\n", 0, 42 },
		{ "content-length: 007\r\n", 0, 7 },
		{ "Content-Length: 5, 5\r\n", 0, 5 },
		{ "Content-Length: 5\r\nContent-Length: 5\r\n", 0, 5 },
		{ "Content-Length: 18446744073709551610\r\n", 0,
		    18446744073709551610ULL },
		{ "Transfer-Encoding: chunked\r\n", 1, 0 },
		{ "Transfer-Encoding: gzip, chunked\r\n", 1, 0 },
		{ "Content-Length: 5, 6\r\n", -1, 0 },
		{ "Content-Length: 5\r\nContent-Length: 6\r\n", -1, 0 },
		{ "Content-Length: -1\r\n", -1, 0 },
		{ "Content-Length: +1\r\n", -1, 0 },
		{ "Content-Length: 1 2\r\n", -1, 0 },
		{ "Content-Length: 0x10\r\n", -1, 0 },
		{ "Content-Length:\r\n", -1, 0 },
		{ "Content-Length: 99999999999999999999\r\n", -1, 0 },
		{ "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", -1,
		    0 },
	};
	char buf[512];
	uint64_t len;
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\n"
		    "%s\r\n", cases[i].hdrs);
		CHECK(parse(buf) > 0);
		r = http_body(&req, &len);
		if (r != cases[i].want)
			fprintf(stderr, "  cases[%zu]: %d\n", i, r);
		CHECK_EQ(r, cases[i].want);
		if (r == 0)
			CHECK(len == cases[i].len);
	}
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_http_simple);
	UNIT_RUN(test_http_many_headers);
	UNIT_RUN(test_http_too_many);
	UNIT_RUN(test_http_lf_only);
	UNIT_RUN(test_http_values);
	UNIT_RUN(test_http_tokens);
	UNIT_RUN(test_http_errors);
	UNIT_RUN(test_http_fail_early);
	UNIT_RUN(test_http_prefixes);
	UNIT_RUN(test_http_trailing);
	UNIT_RUN(test_http_guard_edges);
	UNIT_RUN(test_http_find_header);
	UNIT_RUN(test_http_token_eq);
	UNIT_RUN(test_http_list_next);
	UNIT_RUN(test_http_list_has);
	UNIT_RUN(test_http_reason);
	UNIT_RUN(test_http_leading_empty_lines);
	UNIT_RUN(test_http_scan);
	UNIT_RUN(test_http_scan_once);
	UNIT_RUN(test_http_host);
	UNIT_RUN(test_http_method_known);
	UNIT_RUN(test_http_body);
	return (UNIT_END("test_http"));
}
