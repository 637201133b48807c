/*
 * test_cgi_env.c - the environment a program gets: the CGI variables, header
 * variables and what is filtered out of them, precedence of the sources.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_env.h"
#include "handshake.h"
#include "http.h"
#include "unit.h"

#define NHDR	32

static char reqbuf[4096];
static struct http_header hdrs[NHDR];
static struct http_request req;
static struct handshake hs;

#define BASE	"Host: example.org:8443\r\nUpgrade: websocket\r\n"	\
		"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"	\
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

static char **
build(const char *target, const char *extra_headers, char *const *inherit,
    char *const *extra)
{
	struct cgi_params p;
	const char *why;
	int n;

	snprintf(reqbuf, sizeof(reqbuf), "GET %s HTTP/1.1\r\n" BASE "%s\r\n",
	    target, extra_headers);
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	n = http_parse_request(reqbuf, strlen(reqbuf), &req, NHDR);
	CHECK(n > 0);
	CHECK_EQ(handshake_check(&req, &hs, &why), 0);
	memset(&p, 0, sizeof(p));
	p.req = &req;
	p.hs = &hs;
	p.software = "wsbridge/test";
	p.script_name = "/";
	p.path_info = "/chat";
	p.remote_addr = "192.0.2.7";
	p.remote_port = "40000";
	p.unique_id = "1-1";
	p.inherit = inherit;
	p.extra = extra;
	return (cgi_env_build(&p));
}

/* The value of name in env, or NULL; fails the case if it is there twice. */
static const char *
get(char **env, const char *name)
{
	const char *found = NULL;
	size_t nl = strlen(name);

	for (; *env != NULL; env++) {
		if (strncmp(*env, name, nl) == 0 && (*env)[nl] == '=') {
			CHECK(found == NULL);
			found = *env + nl + 1;
		}
	}
	return (found);
}

static int
has_prefix(char **env, const char *prefix)
{
	for (; *env != NULL; env++)
		if (strncmp(*env, prefix, strlen(prefix)) == 0)
			return (1);
	return (0);
}

#define CHECK_VAR(env, name, want) do {					\
	const char *v_ = get((env), (name));				\
	CHECK(v_ != NULL && strcmp(v_, (want)) == 0);			\
	if (v_ != NULL && strcmp(v_, (want)) != 0)			\
		fprintf(stderr, "  %s=%s, want %s\n", (name), v_, (want));\
} while (0)

static void
test_cgi_env_standard(void)
{
	char **env = build("/chat?room=1&x=%41", "", NULL, NULL);

	CHECK(env != NULL);
	if (env == NULL)
		return;
	CHECK_VAR(env, "SERVER_SOFTWARE", "wsbridge/test");
	CHECK_VAR(env, "SERVER_NAME", "example.org");
	CHECK_VAR(env, "SERVER_PORT", "8443");
	CHECK_VAR(env, "SERVER_PROTOCOL", "HTTP/1.1");
	CHECK_VAR(env, "GATEWAY_INTERFACE", "CGI/1.1");
	CHECK_VAR(env, "REQUEST_METHOD", "GET");
	CHECK_VAR(env, "REQUEST_URI", "/chat?room=1&x=%41");
	CHECK_VAR(env, "SCRIPT_NAME", "/");
	CHECK_VAR(env, "PATH_INFO", "/chat");
	CHECK_VAR(env, "PATH_TRANSLATED", "/chat");
	CHECK_VAR(env, "QUERY_STRING", "room=1&x=%41");
	CHECK_VAR(env, "REMOTE_ADDR", "192.0.2.7");
	CHECK_VAR(env, "REMOTE_HOST", "192.0.2.7");
	CHECK_VAR(env, "REMOTE_PORT", "40000");
	CHECK_VAR(env, "REMOTE_USER", "");
	CHECK_VAR(env, "REMOTE_IDENT", "");
	CHECK_VAR(env, "AUTH_TYPE", "");
	CHECK_VAR(env, "CONTENT_TYPE", "");
	CHECK_VAR(env, "CONTENT_LENGTH", "");
	CHECK_VAR(env, "UNIQUE_ID", "1-1");
	CHECK_VAR(env, "HTTP_HOST", "example.org:8443");
	CHECK_VAR(env, "HTTP_SEC_WEBSOCKET_VERSION", "13");
	CHECK(get(env, "HTTPS") == NULL);
	cgi_env_free(env);
}

static void
test_cgi_env_headers_filtered(void)
{
	char **env = build("/", "X_Foo: under\r\nX.Bar: dot\r\n"
	    "Proxy: http://evil.example/\r\nX-Ok: a=b; FOO=bar\r\n"
	    "x-ok: second\r\nX-Ctl: a\tb\r\n"
	    "Authorization: Basic YWxpY2U6c2VjcmV0\r\n"
	    "Proxy-Authorization: Basic eDp5\r\n", NULL, NULL);

	CHECK(env != NULL);
	if (env == NULL)
		return;
	CHECK(get(env, "HTTP_X_FOO") == NULL);
	CHECK(!has_prefix(env, "HTTP_X.BAR"));
	CHECK(!has_prefix(env, "HTTP_X_BAR"));
	CHECK(get(env, "HTTP_PROXY") == NULL);
	CHECK(get(env, "HTTP_AUTHORIZATION") == NULL);
	CHECK(get(env, "HTTP_PROXY_AUTHORIZATION") == NULL);
	CHECK(get(env, "FOO") == NULL);
	CHECK_VAR(env, "HTTP_X_OK", "a=b; FOO=bar, second");
	/* A tab is a control character: it becomes a space. */
	CHECK_VAR(env, "HTTP_X_CTL", "a b");
	cgi_env_free(env);
}

static void
test_cgi_env_precedence(void)
{
	static char i1[] = "PATH=/usr/bin", i2[] = "REMOTE_ADDR=spoofed";
	static char e1[] = "MODE=prod", e2[] = "PATH=/opt/bin";
	char *inherit[] = { i1, i2, NULL };
	char *extra[] = { e1, e2, NULL };
	char **env = build("/p%20q", "", inherit, extra);

	CHECK(env != NULL);
	if (env == NULL)
		return;
	CHECK_VAR(env, "REMOTE_ADDR", "192.0.2.7");	/* standard wins */
	CHECK_VAR(env, "PATH", "/opt/bin");		/* --env wins */
	CHECK_VAR(env, "MODE", "prod");
	CHECK_VAR(env, "PATH_TRANSLATED", "/p q");
	cgi_env_free(env);
}

static void
test_cgi_env_ipv6_host(void)
{
	char **env;

	snprintf(reqbuf, sizeof(reqbuf), "x");
	env = build("/", "", NULL, NULL);
	cgi_env_free(env);
	/* Rebuild with a bracketed host by hand. */
	hs.host = "[::1]:9000";
	hs.host_len = strlen(hs.host);
	{
		struct cgi_params p;

		memset(&p, 0, sizeof(p));
		p.req = &req;
		p.hs = &hs;
		p.script_name = "/";
		p.path_info = "";
		env = cgi_env_build(&p);
	}
	CHECK(env != NULL);
	if (env == NULL)
		return;
	CHECK_VAR(env, "SERVER_NAME", "::1");
	CHECK_VAR(env, "SERVER_PORT", "9000");
	cgi_env_free(env);
}

static void
test_cgi_env_name_ok(void)
{
	CHECK(cgi_env_name_ok("PATH", 4));
	CHECK(cgi_env_name_ok("_X1", 3));
	CHECK(!cgi_env_name_ok("1X", 2));
	CHECK(!cgi_env_name_ok("A-B", 3));
	CHECK(!cgi_env_name_ok("A=B", 3));
	CHECK(!cgi_env_name_ok("", 0));
}

int
main(void)
{
	UNIT_RUN(test_cgi_env_standard);
	UNIT_RUN(test_cgi_env_headers_filtered);
	UNIT_RUN(test_cgi_env_precedence);
	UNIT_RUN(test_cgi_env_ipv6_host);
	UNIT_RUN(test_cgi_env_name_ok);
	return (UNIT_END("test_cgi_env"));
}
