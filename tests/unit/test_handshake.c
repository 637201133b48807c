/*
 * test_handshake.c - RFC 6455 §4.2 upgrade checks, Sec-WebSocket-Accept,
 * subprotocol choice and the exact bytes of the replies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"
#include "http.h"
#include "unit.h"

#define NHDR	32

static char reqbuf[4096];
static struct http_header hdrs[NHDR];
static struct http_request req;
static struct handshake hs;
static const char *why;

#define RFC_KEY		"dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT	"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* The RFC 6455 §1.3 request, minus what each test changes. */
#define HOST	"Host: server.example.com\r\n"
#define UPG	"Upgrade: websocket\r\n"
#define CONN	"Connection: Upgrade\r\n"
#define KEY	"Sec-WebSocket-Key: " RFC_KEY "\r\n"
#define VER	"Sec-WebSocket-Version: 13\r\n"
#define GOOD	HOST UPG CONN KEY VER

static int
streq(const char *p, size_t n, const char *s)
{

	return (p != NULL && n == strlen(s) && memcmp(p, s, n) == 0);
}

/* Parse line + headers + CRLF and run handshake_check on it. */
static int
check(const char *line, const char *headers)
{
	int n;

	n = snprintf(reqbuf, sizeof(reqbuf), "%s\r\n%s\r\n", line, headers);
	if (n < 0 || (size_t)n >= sizeof(reqbuf))
		abort();
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	if (http_parse_request(reqbuf, (size_t)n, &req, NHDR) != n) {
		fprintf(stderr, "  does not parse: %s\n", reqbuf);
		return (-1);
	}
	why = NULL;
	return (handshake_check(&req, &hs, &why));
}

static void
test_handshake_rfc_example(void)
{

	CHECK_EQ(check("GET /chat HTTP/1.1", HOST UPG CONN KEY
	    "Origin: http://example.com\r\n"
	    "Sec-WebSocket-Protocol: chat, superchat\r\n" VER), 0);
	CHECK(streq(hs.path, hs.path_len, "/chat"));
	CHECK(hs.query == NULL);
	CHECK_EQ(hs.query_len, 0);
	CHECK(streq(hs.host, hs.host_len, "server.example.com"));
	CHECK(streq(hs.origin, hs.origin_len, "http://example.com"));
	CHECK(hs.key != NULL && memcmp(hs.key, RFC_KEY, 24) == 0);
	CHECK_EQ(hs.subproto, HS_PROTO_NONE);
	CHECK(strcmp(hs.accept, RFC_ACCEPT) == 0);
	CHECK(handshake_is_upgrade(&req));
}

static void
test_handshake_accept(void)
{
	char out[HS_ACCEPT_LEN + 1];
	char big[200];

	memset(out, 'x', sizeof(out));
	CHECK_EQ(handshake_accept(RFC_KEY, 24, out), 0);
	CHECK(strcmp(out, RFC_ACCEPT) == 0);
	/* Another pair, computed with sha1sum | base64. */
	CHECK_EQ(handshake_accept("x3JJHMbDL1EzLkh9GBhXDw==", 24, out), 0);
	CHECK(strcmp(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=") == 0);
	memset(big, 'A', sizeof(big));
	CHECK_EQ(handshake_accept(big, sizeof(big), out), -1);
}

struct fail {
	const char	*line;
	const char	*headers;
	int		 status;
	const char	*why;		/* a word of *why */
};

static const struct fail fails[] = {
	{ "POST /chat HTTP/1.1", GOOD, 405, "GET" },
	{ "get /chat HTTP/1.1", GOOD, 405, "GET" },
	{ "HEAD /chat HTTP/1.1", GOOD, 405, "GET" },
	{ "GET /chat HTTP/1.0", GOOD, 400, "version" },
	{ "GET /chat HTTP/1.1", UPG CONN KEY VER, 400, "Host" },
	{ "GET /chat HTTP/1.1", HOST HOST UPG CONN KEY VER, 400, "Host" },
	{ "GET /chat HTTP/1.1", "Host:\r\n" UPG CONN KEY VER, 400, "Host" },
	{ "GET * HTTP/1.1", GOOD, 400, "target" },
	{ "GET chat HTTP/1.1", GOOD, 400, "target" },
	{ "GET http://example.com HTTP/1.1", GOOD, 400, "target" },
	{ "GET http://example.com?x HTTP/1.1", GOOD, 400, "target" },
	{ "GET http:///chat HTTP/1.1", GOOD, 400, "target" },
	{ "GET ftp://example.com/chat HTTP/1.1", GOOD, 400, "target" },
	{ "GET /chat#frag HTTP/1.1", GOOD, 400, "target" },
	{ "GET /chat HTTP/1.1", HOST CONN KEY VER, 400, "Upgrade" },
	{ "GET /chat HTTP/1.1", HOST "Upgrade: h2c\r\n" CONN KEY VER, 400,
	    "Upgrade" },
	{ "GET /chat HTTP/1.1", HOST "Upgrade: websocket/13\r\n" CONN KEY VER,
	    400, "Upgrade" },
	{ "GET /chat HTTP/1.1", HOST UPG KEY VER, 400, "Connection" },
	{ "GET /chat HTTP/1.1", HOST UPG "Connection: keep-alive\r\n" KEY VER,
	    400, "Connection" },
	{ "GET /chat HTTP/1.1", HOST UPG "Connection: upgrades\r\n" KEY VER,
	    400, "Connection" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY, 426, "Version" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY
	    "Sec-WebSocket-Version: 8\r\n", 426, "Version" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY
	    "Sec-WebSocket-Version: 13, 8\r\n", 426, "Version" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY
	    "Sec-WebSocket-Version: 130\r\n", 426, "Version" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY VER VER, 426, "Version" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN VER, 400, "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN KEY KEY VER, 400, "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN "Sec-WebSocket-Key:\r\n" VER,
	    400, "Key" },
	/* base64 of 15 and of 17 bytes */
	{ "GET /chat HTTP/1.1", HOST UPG CONN
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n" VER, 400, "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXM=\r\n" VER, 400,
	    "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=!\r\n" VER, 400,
	    "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n" VER, 400,
	    "Key" },
	{ "GET /chat HTTP/1.1", HOST UPG CONN
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" VER, 400, "Key" },
};

static void
test_handshake_failures(void)
{
	size_t i;
	int r;

	for (i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		r = check(fails[i].line, fails[i].headers);
		if (r != fails[i].status)
			fprintf(stderr, "  fails[%zu]: got %d (%s)\n", i, r,
			    why ? why : "-");
		CHECK_EQ(r, fails[i].status);
		CHECK(why != NULL && strstr(why, fails[i].why) != NULL);
	}
}

static void
test_handshake_case(void)
{

	CHECK_EQ(check("GET / HTTP/1.1", "host: h\r\nUPGRADE: WebSocket\r\n"
	    "connection: UPGRADE\r\nsec-websocket-key: " RFC_KEY "\r\n"
	    "SEC-WEBSOCKET-VERSION: 13\r\n"), 0);
	CHECK(strcmp(hs.accept, RFC_ACCEPT) == 0);
	CHECK(strcmp(why, "ok") == 0);
}

static void
test_handshake_connection_lists(void)
{

	/* Firefox sends this one. */
	CHECK_EQ(check("GET / HTTP/1.1", HOST UPG
	    "Connection: keep-alive, Upgrade\r\n" KEY VER), 0);
	CHECK_EQ(check("GET / HTTP/1.1", HOST UPG
	    "Connection: keep-alive\r\nConnection: upgrade\r\n" KEY VER), 0);
	CHECK_EQ(check("GET / HTTP/1.1", HOST "Upgrade: h2c, websocket\r\n"
	    "Connection: ,Upgrade,\r\n" KEY VER), 0);
	CHECK_EQ(check("GET / HTTP/1.1", HOST "Upgrade: h2c\r\n"
	    "Upgrade: websocket\r\n" CONN KEY VER), 0);
}

static void
test_handshake_minor_version(void)
{

	CHECK_EQ(check("GET / HTTP/1.9", GOOD), 0);
	CHECK_EQ(req.minor_version, 9);
}

static void
test_handshake_target(void)
{

	CHECK_EQ(check("GET /a/b?x=1&y=?2 HTTP/1.1", GOOD), 0);
	CHECK(streq(hs.path, hs.path_len, "/a/b"));
	CHECK(streq(hs.query, hs.query_len, "x=1&y=?2"));

	CHECK_EQ(check("GET /? HTTP/1.1", GOOD), 0);
	CHECK(streq(hs.path, hs.path_len, "/"));
	CHECK(hs.query != NULL);
	CHECK_EQ(hs.query_len, 0);

	CHECK_EQ(check("GET / HTTP/1.1", GOOD), 0);
	CHECK(streq(hs.path, hs.path_len, "/"));
	CHECK(hs.query == NULL);

	/* absolute-form: path from the target, host from its authority */
	CHECK_EQ(check("GET ws://example.com:8080/chat?x HTTP/1.1", GOOD), 0);
	CHECK(streq(hs.path, hs.path_len, "/chat"));
	CHECK(streq(hs.query, hs.query_len, "x"));
	CHECK(streq(hs.host, hs.host_len, "example.com:8080"));
	CHECK_EQ(check("GET HTTPS://h/ HTTP/1.1", GOOD), 0);
	CHECK(streq(hs.path, hs.path_len, "/"));
	CHECK(streq(hs.host, hs.host_len, "h"));
}

static void
test_handshake_origin(void)
{

	CHECK_EQ(check("GET / HTTP/1.1", GOOD), 0);
	CHECK(hs.origin == NULL);
	CHECK_EQ(check("GET / HTTP/1.1", GOOD "origin: https://a.b\r\n"), 0);
	CHECK(streq(hs.origin, hs.origin_len, "https://a.b"));
}

static void
test_handshake_subproto(void)
{

	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: binary\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BINARY);
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: base64\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BASE64);
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: base64, binary\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BINARY);
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: chat,base64 , x\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BASE64);
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: chat, superchat\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_NONE);
	CHECK_EQ(check("GET / HTTP/1.1", GOOD), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_NONE);
	/* in separate headers */
	CHECK_EQ(check("GET / HTTP/1.1", GOOD
	    "Sec-WebSocket-Protocol: base64\r\n"
	    "sec-websocket-protocol: chat, binary\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BINARY);
	CHECK_EQ(check("GET / HTTP/1.1", GOOD
	    "Sec-WebSocket-Protocol: chat\r\n"
	    "Sec-WebSocket-Protocol: base64\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_BASE64);
	/* Case-sensitive: the answer must be a string the client sent. */
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: Binary, BASE64\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_NONE);
	CHECK_EQ(check("GET / HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: binaryx, xbase64\r\n"), 0);
	CHECK_EQ(hs.subproto, HS_PROTO_NONE);
}

static void
test_handshake_is_upgrade(void)
{

	check("GET /index.html HTTP/1.1", HOST);
	CHECK(!handshake_is_upgrade(&req));
	check("GET / HTTP/1.1", HOST "Upgrade: h2c\r\n" CONN);
	CHECK(!handshake_is_upgrade(&req));
	check("GET / HTTP/1.1", HOST "Upgrade: WebSocket\r\n");
	CHECK(handshake_is_upgrade(&req));
	check("POST / HTTP/1.0", "Upgrade: foo, websocket\r\n");
	CHECK(handshake_is_upgrade(&req));
}

static void
test_handshake_response(void)
{
	static const char want[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "\r\n";
	static const char want_bin[] = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "Sec-WebSocket-Protocol: binary\r\n"
	    "X-A: 1\r\nX-B: 2\r\n"
	    "\r\n";
	char out[512];
	size_t cap;

	CHECK_EQ(check("GET /chat HTTP/1.1", GOOD), 0);
	CHECK_EQ(handshake_response(out, sizeof(out), &hs, NULL),
	    sizeof(want) - 1);
	CHECK_MEM(out, want, sizeof(want) - 1);

	CHECK_EQ(check("GET /chat HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: binary\r\n"), 0);
	CHECK_EQ(handshake_response(out, sizeof(out), &hs,
	    "X-A: 1\r\nX-B: 2\r\n"), sizeof(want_bin) - 1);
	CHECK_MEM(out, want_bin, sizeof(want_bin) - 1);

	CHECK_EQ(check("GET /chat HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: base64\r\n"), 0);
	CHECK(handshake_response(out, sizeof(out), &hs, NULL) > 0);
	CHECK(strstr(out, "\r\nSec-WebSocket-Protocol: base64\r\n\r\n") !=
	    NULL);

	/* Too small by any amount: -1. */
	CHECK_EQ(check("GET /chat HTTP/1.1",
	    GOOD "Sec-WebSocket-Protocol: binary\r\n"), 0);
	for (cap = 0; cap < sizeof(want_bin) - 1; cap++)
		CHECK_EQ(handshake_response(out, cap, &hs,
		    "X-A: 1\r\nX-B: 2\r\n"), -1);
	CHECK_EQ(handshake_response(out, cap, &hs, "X-A: 1\r\nX-B: 2\r\n"),
	    sizeof(want_bin) - 1);
}

static void
test_handshake_error_426(void)
{
	static const char want[] = "HTTP/1.1 426 Upgrade Required\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 21\r\n"
	    "Connection: close\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n"
	    "426 Upgrade Required\n";
	char out[512];
	size_t cap;

	CHECK_EQ(handshake_error(out, sizeof(out), 426, NULL, NULL),
	    sizeof(want) - 1);
	CHECK_MEM(out, want, sizeof(want) - 1);
	for (cap = 0; cap < sizeof(want) - 1; cap++)
		CHECK_EQ(handshake_error(out, cap, 426, NULL, NULL), -1);
}

static void
test_handshake_error_other(void)
{
	static const char want400[] = "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 16\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "400 Bad Request\n";
	static const char want405[] = "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 8\r\n"
	    "Connection: close\r\n"
	    "Allow: GET\r\n"
	    "\r\n"
	    "use GET\n";
	char out[512];

	CHECK_EQ(handshake_error(out, sizeof(out), 400, NULL, NULL),
	    sizeof(want400) - 1);
	CHECK_MEM(out, want400, sizeof(want400) - 1);
	CHECK_EQ(handshake_error(out, sizeof(out), 405, "Allow: GET\r\n",
	    "use GET\n"), sizeof(want405) - 1);
	CHECK_MEM(out, want405, sizeof(want405) - 1);
	/* An empty body is still a body of length 0. */
	CHECK(handshake_error(out, sizeof(out), 404, NULL, "") > 0);
	CHECK(strstr(out, "Content-Length: 0\r\n") != NULL);
	CHECK_EQ(handshake_error(out, sizeof(out), 42, NULL, NULL), -1);
}

int
main(void)
{

	UNIT_RUN(test_handshake_rfc_example);
	UNIT_RUN(test_handshake_accept);
	UNIT_RUN(test_handshake_failures);
	UNIT_RUN(test_handshake_case);
	UNIT_RUN(test_handshake_connection_lists);
	UNIT_RUN(test_handshake_minor_version);
	UNIT_RUN(test_handshake_target);
	UNIT_RUN(test_handshake_origin);
	UNIT_RUN(test_handshake_subproto);
	UNIT_RUN(test_handshake_is_upgrade);
	UNIT_RUN(test_handshake_response);
	UNIT_RUN(test_handshake_error_426);
	UNIT_RUN(test_handshake_error_other);
	return (UNIT_END("test_handshake"));
}
