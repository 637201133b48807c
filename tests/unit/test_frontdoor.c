/*
 * test_frontdoor.c - the front door's decisions without a socket: which
 * requests get 501, 400 or 421 (DNS rebinding: loopback names for
 * programs on loopback, --server-name), whether a body follows, the
 * Origin policy, routes by whole path segments, and the token of an
 * upgrade.  Requests are parsed from text ending at the guard page.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "frontdoor.h"
#include "handshake.h"
#include "http.h"
#include "unit.h"

static struct http_header hdrs[32];
static struct http_request req;

/* Parse text (CRLFs spelled \r\n) as a request head; 1 if it parsed. */
static int
parse(const char *text)
{
	const char *p = unit_guarded(text, strlen(text));

	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	return (http_parse_request(p, strlen(text), &req, 32) > 0);
}

static int
decide(const struct frontdoor *fd, const char *text, bool *body,
    char *why, size_t whylen)
{
	if (!parse(text))
		return (-1);
	why[0] = '\0';
	return (frontdoor_request(fd, &req, body, why, whylen));
}

static void
test_frontdoor_request(void)
{
	static char cat[] = "/bin/cat";
	static char *prog_argv[] = { cat, NULL };
	struct config cfg;
	struct frontdoor fd = { &cfg, true, false };
	char why[200];
	bool body = true;

	memset(&cfg, 0, sizeof(cfg));
	cfg.connect.kind = TARGET_TCP;
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
	    &body, why, sizeof(why)), 0);
	CHECK(!body);
	CHECK_EQ(decide(&fd, "get / HTTP/1.1\r\nHost: x\r\n\r\n", &body, why,
	    sizeof(why)), 501);
	CHECK(strcmp(why, "unknown method get") == 0);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\n\r\n", &body, why,
	    sizeof(why)), 400);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.0\r\n\r\n", &body, why,
	    sizeof(why)), 0);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
	    "\r\n\r\n", &body, why, sizeof(why)), 0);
	CHECK(body);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
	    "\r\nContent-Length: 6\r\n\r\n", &body, why, sizeof(why)), 400);

	/* A program on loopback: loopback names only (DNS rebinding). */
	cfg.connect.kind = TARGET_PROGRAM;
	cfg.connect.argv = prog_argv;
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: evil.example:8080\r\n"
	    "\r\n", &body, why, sizeof(why)), 421);
	CHECK(strncmp(why, "Host evil.example:8080 is not a loopback name",
	    45) == 0);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
	    &body, why, sizeof(why)), 0);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", &body,
	    why, sizeof(why)), 0);
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: 127.0.0.1.evil.example"
	    "\r\n\r\n", &body, why, sizeof(why)), 421);
	/* not reached over loopback: no such rule */
	fd.loopback = false;
	CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n",
	    &body, why, sizeof(why)), 0);
	/* --server-name holds everywhere */
	{
		static char n1[] = "app.example", n2[] = "*.app.example";
		static char *names[] = { n1, n2, NULL };

		cfg.server_names = names;
		CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: evil.example"
		    "\r\n\r\n", &body, why, sizeof(why)), 421);
		CHECK(strcmp(why, "Host evil.example is not a --server-name")
		    == 0);
		CHECK_EQ(decide(&fd, "GET / HTTP/1.1\r\nHost: a.app.example:1"
		    "\r\n\r\n", &body, why, sizeof(why)), 0);
		cfg.server_names = NULL;
	}
}

static void
test_frontdoor_origin(void)
{
	static char good[] = "https://good.example";
	static char *origins[] = { good, NULL };
	struct config cfg;
	struct frontdoor fd = { &cfg, false, false };
	struct handshake hs;
	const char *why;
	char buf[200];

	memset(&cfg, 0, sizeof(cfg));
	memset(&hs, 0, sizeof(hs));
	hs.origin = "https://evil.example";
	hs.origin_len = strlen(hs.origin);
	hs.host = "good.example";
	hs.host_len = strlen(hs.host);
	/* no policy: anyone */
	CHECK(frontdoor_origin(&fd, &hs, buf, sizeof(buf)) == NULL);
	cfg.origins = origins;
	why = frontdoor_origin(&fd, &hs, buf, sizeof(buf));
	CHECK(why != NULL && strcmp(why,
	    "Origin not allowed: https://evil.example") == 0);
	hs.origin = "https://good.example";
	hs.origin_len = strlen(hs.origin);
	CHECK(frontdoor_origin(&fd, &hs, buf, sizeof(buf)) == NULL);
	/* --same-origin: the scheme must be what the client used */
	cfg.origins = NULL;
	cfg.same_origin = true;
	CHECK(frontdoor_origin(&fd, &hs, buf, sizeof(buf)) != NULL);
	fd.https = true;
	CHECK(frontdoor_origin(&fd, &hs, buf, sizeof(buf)) == NULL);
	/* no Origin: not a browser */
	hs.origin = NULL;
	hs.origin_len = 0;
	CHECK(frontdoor_origin(&fd, &hs, buf, sizeof(buf)) == NULL);
}

static void
test_frontdoor_route(void)
{
	static char p0[] = "/vnc", p1[] = "/vnc/admin", p2[] = "/",
	    dflt[] = "127.0.0.1:5900";
	struct route routes[3];
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memset(routes, 0, sizeof(routes));
	routes[0].prefix = p0;
	routes[0].prefix_len = 4;
	routes[1].prefix = p1;
	routes[1].prefix_len = 10;
	routes[2].prefix = p2;
	routes[2].prefix_len = 1;
	cfg.routes = routes;
	cfg.nroutes = 2;
	CHECK(frontdoor_route(&cfg, "/vnc", 4) == &routes[0].target);
	CHECK(frontdoor_route(&cfg, "/vnc/x", 6) == &routes[0].target);
	CHECK(frontdoor_route(&cfg, "/vnc/admin/y", 12) == &routes[1].target);
	/* whole segments only */
	CHECK(frontdoor_route(&cfg, "/vncx", 5) == NULL);
	CHECK(frontdoor_route(&cfg, "/vnc/adminx", 11) == &routes[0].target);
	/* no match: the default backend, when there is one */
	cfg.connect.display = dflt;
	CHECK(frontdoor_route(&cfg, "/other", 6) == &cfg.connect);
	cfg.nroutes = 3;
	CHECK(frontdoor_route(&cfg, "/other", 6) == &routes[2].target);
}

static void
test_frontdoor_token(void)
{
	struct handshake hs;
	char tok[16];

	memset(&hs, 0, sizeof(hs));
	hs.path = "/websockify";
	hs.path_len = strlen(hs.path);
	hs.query = "token=abc&x=1";
	hs.query_len = strlen(hs.query);
	CHECK(frontdoor_token(&hs, tok, sizeof(tok)));
	CHECK(strcmp(tok, "abc") == 0);
	hs.query = NULL;
	hs.query_len = 0;
	hs.path = "/vnc/host42";
	hs.path_len = strlen(hs.path);
	CHECK(frontdoor_token(&hs, tok, sizeof(tok)));
	CHECK(strcmp(tok, "host42") == 0);
	hs.path = "/vnc/";
	hs.path_len = strlen(hs.path);
	CHECK(!frontdoor_token(&hs, tok, sizeof(tok)));
	hs.path = "/a-token-much-too-long-for-it";
	hs.path_len = strlen(hs.path);
	CHECK(!frontdoor_token(&hs, tok, sizeof(tok)));
}

static void
test_frontdoor_escape(void)
{
	char out[32], small[16];

	frontdoor_escape(out, sizeof(out), "a'b\"c%\n", 7);
	CHECK(strcmp(out, "a%27b%22c%25%0A") == 0);
	/* cut to fit, with "..." */
	frontdoor_escape(small, sizeof(small), "0123456789abcdefghij", 20);
	CHECK(strcmp(small, "0123456789ab...") == 0);
}

int
main(void)
{

	unit_guard_init(4096);
	UNIT_RUN(test_frontdoor_request);
	UNIT_RUN(test_frontdoor_origin);
	UNIT_RUN(test_frontdoor_route);
	UNIT_RUN(test_frontdoor_token);
	UNIT_RUN(test_frontdoor_escape);
	return (UNIT_END("test_frontdoor"));
}
