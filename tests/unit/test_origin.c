/*
 * test_origin.c - Origin allow-list patterns (exact, *.suffix, bare host),
 * same-origin checks against Host, malformed and "null" origins.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"
#include "unit.h"

#define GUARD_MAX	4096	/* the longest input */

static bool
allowed1(const char *origin, const char *pattern)
{
	const char *const pats[1] = { pattern };

	return (origin_allowed(unit_guarded(origin, strlen(origin)),
	    strlen(origin), pats, 1));
}

static bool
same(const char *origin, const char *host, bool tls)
{
	char o[256];

	/* Origin and Host each end at a page edge, one after the other. */
	memcpy(o, origin, strlen(origin));
	return (origin_same(o, strlen(origin), unit_guarded(host, strlen(host)),
	    strlen(host), tls) &&
	    origin_same(unit_guarded(origin, strlen(origin)), strlen(origin),
	    host, strlen(host), tls));
}

static void
test_origin_exact(void)
{

	CHECK(allowed1("https://example.com", "https://example.com"));
	CHECK(allowed1("HTTPS://Example.COM", "https://example.com"));
	CHECK(allowed1("https://example.com", "HTTPS://EXAMPLE.com"));
	CHECK(allowed1("https://example.com:8443", "https://example.com:8443"));
	CHECK(!allowed1("https://example.com", "https://example.com:8443"));
	CHECK(!allowed1("https://example.com:8443", "https://example.com"));
	CHECK(!allowed1("http://example.com", "https://example.com"));
	CHECK(!allowed1("https://www.example.com", "https://example.com"));
	CHECK(!allowed1("https://example.com.evil.net", "https://example.com"));
	CHECK(!allowed1("https://example.co", "https://example.com"));
	/* Default ports are the same origin. */
	CHECK(allowed1("https://example.com", "https://example.com:443"));
	CHECK(allowed1("https://example.com:443", "https://example.com"));
	CHECK(allowed1("http://example.com:80", "http://example.com"));
	CHECK(!allowed1("http://example.com:443", "https://example.com"));
	CHECK(allowed1("http://[::1]:8080", "http://[::1]:8080"));
	CHECK(allowed1("http://[::A]", "http://[::a]"));
	CHECK(allowed1("chrome-extension://abcdef",
	    "chrome-extension://abcdef"));
	CHECK(!allowed1("chrome-extension://abcdef:1",
	    "chrome-extension://abcdef"));
}

static void
test_origin_wildcard(void)
{

	CHECK(allowed1("https://a.example.com", "*.example.com"));
	CHECK(allowed1("http://a.b.example.com:8080", "*.example.com"));
	CHECK(allowed1("wss://A.EXAMPLE.COM", "*.Example.Com"));
	CHECK(!allowed1("https://example.com", "*.example.com"));
	CHECK(!allowed1("https://badexample.com", "*.example.com"));
	CHECK(!allowed1("https://example.com.evil.net", "*.example.com"));
	CHECK(!allowed1("https://.example.com", "*.example.com"));
	CHECK(!allowed1("https://a.example.co", "*.example.com"));
	CHECK(!allowed1("https://aexample.com", "*.example.com"));
}

static void
test_origin_host(void)
{

	CHECK(allowed1("https://example.com", "example.com"));
	CHECK(allowed1("http://example.com:9999", "example.com"));
	CHECK(allowed1("http://EXAMPLE.com", "Example.COM"));
	CHECK(!allowed1("https://a.example.com", "example.com"));
	CHECK(!allowed1("https://example.com.", "example.com"));
	CHECK(allowed1("http://[::1]:1", "[::1]"));
	CHECK(allowed1("http://127.0.0.1:8080", "127.0.0.1"));
	CHECK(!allowed1("http://127.0.0.2:8080", "127.0.0.1"));
}

static void
test_origin_bad(void)
{
	static const char *bad[] = {
		"null", "NULL", "", "example.com", "//example.com",
		"https:/example.com", "https://", "https://:443",
		"https://example.com/", "https://example.com/path",
		"https://example.com?", "https://example.com#",
		"https://user@example.com", "https://example.com:",
		"https://example.com:0443", "https://example.com:65536",
		"https://example.com:-1", "https://example.com:443:443",
		"https://exa mple.com", " https://example.com",
		"https://example.com ",
		"1https://example.com", "https://[::1", "https://[]",
		"https://[::1]x", "https://[::g]", "https://ex%61mple.com",
	};
	const char *pats[] = { "https://example.com", "example.com", "*.com",
	    "null", "[::1]" };
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		if (origin_allowed(unit_guarded(bad[i], n), n, pats, 5))
			fprintf(stderr, "  allowed \"%s\"\n", bad[i]);
		CHECK(!origin_allowed(unit_guarded(bad[i], n), n, pats, 5));
		CHECK(!origin_same(unit_guarded(bad[i], n), n, "example.com",
		    11, true));
	}
	CHECK(!origin_allowed(unit_guarded("https://exam\0ple.com", 20), 20,
	    pats, 5));
	CHECK(!origin_same("http://a\0", 9, "a", 1, false));
	CHECK(!origin_same("http://a", 8, "a\0", 2, false));
	/* A length shorter than the text: only the first len bytes count. */
	CHECK(origin_allowed("https://example.comX", 19, pats, 1));
	CHECK(!origin_allowed("https://example.com", 18, pats, 1));
}

static void
test_origin_list(void)
{
	const char *const pats[] = {
		"https://app.example.org", "*.example.net", "localhost",
		NULL, "not a pattern", "*", "https://x.test:8443",
	};
	size_t n = sizeof(pats) / sizeof(pats[0]);

#define ALLOWED(o) origin_allowed((o), strlen(o), pats, n)
	CHECK(ALLOWED("https://app.example.org"));
	CHECK(!ALLOWED("http://app.example.org"));
	CHECK(ALLOWED("https://www.example.net"));
	CHECK(!ALLOWED("https://example.net"));
	CHECK(ALLOWED("http://localhost:3000"));
	CHECK(ALLOWED("https://x.test:8443"));
	CHECK(!ALLOWED("https://x.test"));
	CHECK(!ALLOWED("https://anything.invalid"));
	CHECK(!ALLOWED("null"));
#undef ALLOWED
	CHECK(!origin_allowed("https://a.com", 13, pats, 0));
	CHECK(!origin_allowed("https://a.com", 13, NULL, 0));
}

static void
test_origin_pattern_valid(void)
{
	static const char *good[] = {
		"https://example.com", "http://example.com:8080",
		"*.example.com",
		"*.com", "example.com", "localhost", "[::1]", "http://[::1]:80",
		"127.0.0.1", "wss://a.b.c",
	};
	static const char *bad[] = {
		"", "*", "*.", "**.example.com", "*example.com", "a.*.com",
		"example.com:8080", "https://example.com/", "https://",
		"null", "https://example.com:99999", "*.[::1]", "ex ample.com",
		"https://*.example.com", "example.com/", "[::1",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!origin_pattern_valid(good[i]))
			fprintf(stderr, "  rejected \"%s\"\n", good[i]);
		CHECK(origin_pattern_valid(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* "null" is a valid host pattern that no Origin can match. */
		if (strcmp(bad[i], "null") == 0) {
			CHECK(!allowed1("null", bad[i]));
			continue;
		}
		if (origin_pattern_valid(bad[i]))
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		CHECK(!origin_pattern_valid(bad[i]));
	}
}

static void
test_origin_same(void)
{

	CHECK(same("http://example.com", "example.com", false));
	CHECK(same("https://example.com", "example.com", true));
	CHECK(same("https://example.com", "example.com:443", true));
	CHECK(same("https://example.com", "example.com:443", false));
	CHECK(same("http://example.com:8080", "example.com:8080", false));
	CHECK(same("https://EXAMPLE.com:8443", "example.COM:8443", true));
	CHECK(same("http://[::1]:8080", "[::1]:8080", false));
	CHECK(same("ws://example.com", "example.com", false));
	CHECK(same("wss://example.com", "example.com", true));
	CHECK(same("http://example.com:80", "example.com", false));
	CHECK(same("foo://example.com:81", "example.com:81", false));

	CHECK(!same("https://example.com", "example.com", false));
	CHECK(!same("http://example.com", "example.com", true));
	CHECK(!same("http://example.com", "example.com:8080", false));
	CHECK(!same("http://example.com:8080", "example.com", false));
	CHECK(!same("http://www.example.com", "example.com", false));
	CHECK(!same("http://example.com", "www.example.com", false));
	CHECK(!same("foo://example.com", "example.com", false));
	CHECK(!same("null", "example.com", false));
	CHECK(!same("http://example.com", "", false));
	CHECK(!same("http://example.com", "example.com:", false));
	CHECK(!same("http://example.com", "example.com:80x", false));
	CHECK(!same("http://example.com", "example.com/", false));
	CHECK(!same("http://example.com", "user@example.com", false));
	CHECK(!same("http://[::1]", "::1", false));
}

/* host_ok(host, names...): origin_host_allowed() with the NULL-ended names. */
static bool
host_ok(const char *host, const char *const *names)
{
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	return (origin_host_allowed(unit_guarded(host, strlen(host)),
	    strlen(host), names, n));
}

/* --server-name: the Host must name the server, whatever its port. */
static void
test_origin_server_name(void)
{
	static const char *const one[] = { "app.example.org", NULL };
	static const char *const wild[] = { "*.example.org", "[::1]", NULL };
	static const char *const any[] = { "*", NULL };
	static const char *const bad[] = { "https://app.example.org", NULL };

	CHECK(host_ok("app.example.org", one));
	CHECK(host_ok("APP.Example.ORG:8443", one));
	CHECK(host_ok("app.example.org.", one));
	CHECK(host_ok("app.example.org.:80", one));
	CHECK(!host_ok("evil.example", one));
	CHECK(!host_ok("app.example.org.evil.example", one));
	CHECK(!host_ok("xapp.example.org", one));
	CHECK(!host_ok("app.example.org..", one));
	CHECK(!host_ok("app.example.org:x", one));
	CHECK(!host_ok("app.example.org:99999", one));
	CHECK(!host_ok("", one));
	CHECK(!host_ok("u@app.example.org", one));
	CHECK(host_ok("a.example.org", wild));
	CHECK(host_ok("b.a.example.org:1", wild));
	CHECK(!host_ok("example.org", wild));
	CHECK(host_ok("[::1]:8080", wild));
	CHECK(!host_ok("[::2]", wild));
	CHECK(host_ok("anything.example:1", any));
	CHECK(host_ok("[2001:db8::1]", any));
	CHECK(!host_ok("not a host", any));
	/* Origins are not names: they match nothing. */
	CHECK(!host_ok("app.example.org", bad));

	CHECK(origin_name_valid("app.example.org"));
	CHECK(origin_name_valid("*.example.org"));
	CHECK(origin_name_valid("*"));
	CHECK(origin_name_valid("[::1]"));
	CHECK(!origin_name_valid("https://app.example.org"));
	CHECK(!origin_name_valid("**"));
	CHECK(!origin_name_valid("*."));
	CHECK(!origin_name_valid(""));
	CHECK(!origin_name_valid("a b"));
}

static bool
loopback(const char *host)
{

	return (origin_host_loopback(unit_guarded(host, strlen(host)),
	    strlen(host)));
}

/* The names a DNS rebinding page cannot take: only this machine's. */
static void
test_origin_host_loopback(void)
{
	static const char *yes[] = {
		"localhost", "localhost:8080", "LocalHost", "localhost.",
		"localhost.:80", "app.localhost", "a.b.localhost:1",
		"127.0.0.1", "127.0.0.1:8080", "127.1.2.3", "127.255.255.255",
		"[::1]", "[::1]:8080",
	};
	static const char *no[] = {
		"", "evil.example", "localhost.evil.example", "evillocalhost",
		".localhost", "localhost:x", "127.0.0.1.evil.example",
		"127.0.0", "127.0.0.1.1", "127.0.0.256", "0127.0.0.1",
		"127.00.0.1", "128.0.0.1", "10.0.0.1", "0.0.0.0",
		"[::2]", "[::ffff:127.0.0.1]", "::1", "[::1", "127.0.0.1:",
		"2130706433", "localhost..",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!loopback(yes[i]))
			fprintf(stderr, "  not loopback: %s\n", yes[i]);
		CHECK(loopback(yes[i]));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (loopback(no[i]))
			fprintf(stderr, "  loopback: %s\n", no[i]);
		CHECK(!loopback(no[i]));
	}
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_origin_exact);
	UNIT_RUN(test_origin_wildcard);
	UNIT_RUN(test_origin_host);
	UNIT_RUN(test_origin_bad);
	UNIT_RUN(test_origin_list);
	UNIT_RUN(test_origin_pattern_valid);
	UNIT_RUN(test_origin_same);
	UNIT_RUN(test_origin_server_name);
	UNIT_RUN(test_origin_host_loopback);
	return (UNIT_END("test_origin"));
}
