/*
 * test_netaddr.c - CIDR parsing and matching (IPv4-mapped included), and the
 * client address taken from Forwarded / X-Forwarded-For.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"
#include "netaddr.h"
#include "unit.h"

#define NHDR	16

static struct sockaddr_storage ss;

/* A sockaddr for addr (v4 or v6), in a sockaddr_storage. */
static const struct sockaddr *
sa(const char *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&ss, 0, sizeof(ss));
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(1234);
		memcpy(&ss, &sin, sizeof(sin));
	} else if (inet_pton(AF_INET6, addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		memcpy(&ss, &sin6, sizeof(sin6));
	} else
		abort();
	return ((const struct sockaddr *)&ss);
}

static bool
match(const char *cidr, const char *addr)
{
	struct netaddr_cidr c;

	if (netaddr_cidr_parse(cidr, &c) != 0) {
		fprintf(stderr, "  cannot parse %s\n", cidr);
		return (false);
	}
	return (netaddr_cidr_match(&c, sa(addr)));
}

static void
test_netaddr_cidr_parse(void)
{
	struct netaddr_cidr c;

	CHECK_EQ(netaddr_cidr_parse("10.0.0.0/8", &c), 0);
	CHECK_EQ(c.family, AF_INET);
	CHECK_EQ(c.prefix, 8);
	CHECK_MEM(c.addr, "\x0a\x00\x00\x00", 4);

	CHECK_EQ(netaddr_cidr_parse("::1/128", &c), 0);
	CHECK_EQ(c.family, AF_INET6);
	CHECK_EQ(c.prefix, 128);
	CHECK_MEM(c.addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);

	CHECK_EQ(netaddr_cidr_parse("192.0.2.1", &c), 0);
	CHECK_EQ(c.family, AF_INET);
	CHECK_EQ(c.prefix, 32);
	CHECK_MEM(c.addr, "\xc0\x00\x02\x01", 4);

	CHECK_EQ(netaddr_cidr_parse("2001:db8::5", &c), 0);
	CHECK_EQ(c.prefix, 128);

	CHECK_EQ(netaddr_cidr_parse("::ffff:0:0/96", &c), 0);
	CHECK_EQ(c.family, AF_INET6);
	CHECK_EQ(c.prefix, 96);

	/* Host bits are cleared. */
	CHECK_EQ(netaddr_cidr_parse("10.1.255.3/12", &c), 0);
	CHECK_MEM(c.addr, "\x0a\x00\x00\x00", 4);
	CHECK_EQ(netaddr_cidr_parse("2001:db8:ffff::1/36", &c), 0);
	CHECK_MEM(c.addr, "\x20\x01\x0d\xb8\xf0\0\0\0\0\0\0\0\0\0\0\0", 16);

	CHECK_EQ(netaddr_cidr_parse("0.0.0.0/0", &c), 0);
	CHECK_EQ(c.prefix, 0);
	CHECK_EQ(netaddr_cidr_parse("::/0", &c), 0);
	CHECK_EQ(netaddr_cidr_parse("1.2.3.4/32", &c), 0);
	CHECK_EQ(netaddr_cidr_parse("::/128", &c), 0);
}

static void
test_netaddr_cidr_bad(void)
{
	static const char *bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/08",
		"10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0 /8",
		" 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0/8", "10.0.0.0.0/8",
		"010.0.0.0/8", "256.0.0.0/8", "10.0.0.0/8/8", "[::1]/128",
		"[::1]", "fe80::1%eth0/64", "::1/1280", "::1/0128", "host",
		"10.0.0.0/8x", "1:2:3:4:5:6:7:8:9/64", "10.0.0.0/0x8",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999/128",
	};
	struct netaddr_cidr c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (netaddr_cidr_parse(bad[i], &c) != -1)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		CHECK_EQ(netaddr_cidr_parse(bad[i], &c), -1);
	}
}

static void
test_netaddr_cidr_match(void)
{
	struct netaddr_cidr c;
	struct sockaddr_in sin;
	struct sockaddr sun;

	CHECK(match("10.0.0.0/8", "10.0.0.1"));
	CHECK(match("10.0.0.0/8", "10.255.255.255"));
	CHECK(!match("10.0.0.0/8", "11.0.0.0"));
	CHECK(!match("10.0.0.0/8", "9.255.255.255"));
	CHECK(match("192.168.16.0/20", "192.168.31.7"));
	CHECK(!match("192.168.16.0/20", "192.168.32.0"));
	CHECK(!match("192.168.16.0/20", "192.168.15.255"));
	CHECK(match("192.0.2.1", "192.0.2.1"));
	CHECK(!match("192.0.2.1", "192.0.2.2"));
	CHECK(match("0.0.0.0/0", "203.0.113.9"));
	CHECK(!match("0.0.0.0/0", "::1"));
	CHECK(match("::1/128", "::1"));
	CHECK(!match("::1/128", "::2"));
	CHECK(!match("::1/128", "127.0.0.1"));
	CHECK(match("2001:db8::/32", "2001:db8:1234::1"));
	CHECK(!match("2001:db8::/32", "2001:db9::1"));
	CHECK(match("2001:db8::/33", "2001:db8:7fff::1"));
	CHECK(!match("2001:db8::/33", "2001:db8:8000::1"));
	CHECK(match("::/0", "::1"));
	CHECK(match("fe80::/10", "febf::1"));
	CHECK(!match("fe80::/10", "fec0::1"));

	/* IPv4-mapped IPv6 clients match IPv4 blocks... */
	CHECK(match("10.0.0.0/8", "::ffff:10.1.2.3"));
	CHECK(!match("10.0.0.0/8", "::ffff:11.1.2.3"));
	CHECK(match("0.0.0.0/0", "::ffff:1.2.3.4"));
	/* ...but not other IPv6 addresses carrying the same low bits. */
	CHECK(!match("10.0.0.0/8", "::10.1.2.3"));
	CHECK(!match("10.0.0.0/8", "64:ff9b::10.1.2.3"));
	CHECK(!match("0.0.0.0/0", "::1"));
	/* IPv4 clients match mapped IPv6 blocks. */
	CHECK(match("::ffff:0:0/96", "192.0.2.1"));
	CHECK(match("::ffff:0:0/96", "::ffff:192.0.2.1"));
	CHECK(!match("::ffff:0:0/96", "2001:db8::1"));
	CHECK(match("::ffff:10.0.0.0/104", "10.9.9.9"));
	CHECK(!match("::ffff:10.0.0.0/104", "11.9.9.9"));
	CHECK(!match("2001:db8::/32", "10.0.0.1"));
	CHECK(match("::/0", "10.0.0.1"));

	/* A plain sockaddr_in (not a storage) is read within its size. */
	CHECK_EQ(netaddr_cidr_parse("127.0.0.0/8", &c), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000001);
	CHECK(netaddr_cidr_match(&c, (const struct sockaddr *)&sin));
	/* Other families and NULL never match. */
	memset(&sun, 0, sizeof(sun));
	sun.sa_family = AF_UNIX;
	CHECK(!netaddr_cidr_match(&c, &sun));
	CHECK(!netaddr_cidr_match(&c, NULL));
	CHECK_EQ(netaddr_cidr_parse("::/0", &c), 0);
	CHECK(!netaddr_cidr_match(&c, &sun));
}

static struct http_header hdrs[NHDR];
static struct http_request req;
static char reqbuf[2048];

/* Parse "GET / HTTP/1.1" plus the given header lines ("A: b\r\n..."). */
static void
request(const char *lines)
{
	int n, r;

	n = snprintf(reqbuf, sizeof(reqbuf), "GET / HTTP/1.1\r\nHost: x\r\n"
	    "%s\r\n", lines);
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	r = http_parse_request(reqbuf, (size_t)n, &req, NHDR);
	if (r != n) {
		fprintf(stderr, "  bad test request: %d\n%s", r, reqbuf);
		abort();
	}
}

/*
 * client(lines, which, trust): the address netaddr_client() reports for the
 * header lines with the comma-separated blocks of trust (or none), or "-".
 */
static bool client_https;

static const char *
client(const char *lines, enum netaddr_header which, const char *trust)
{
	static char out[NETADDR_STRLEN];
	struct netaddr_cidr cidrs[8];
	char list[256], *w, *save = NULL;
	size_t n = 0;

	request(lines);
	if (trust != NULL) {
		snprintf(list, sizeof(list), "%s", trust);
		for (w = strtok_r(list, ",", &save); w != NULL && n < 8;
		    w = strtok_r(NULL, ",", &save))
			if (netaddr_cidr_parse(w, &cidrs[n++]) != 0)
				abort();
	}
	memset(out, 'z', sizeof(out));
	client_https = false;
	if (netaddr_client(&req, which, cidrs, n, out, sizeof(out),
	    &client_https) != 0)
		return ("-");
	return (out);
}

#define CHECK_CL(lines, which, trust, want) do {			\
	const char *got_ = client(lines, which, trust);			\
	if (strcmp(got_, (want)) != 0)					\
		fprintf(stderr, "  %s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, got_, (want));			\
	CHECK(strcmp(got_, (want)) == 0);				\
} while (0)

/* The element the nearest proxy added, no proxy trusted beyond it. */
#define CHECK_FWD(lines, want) CHECK_CL(lines, NETADDR_FORWARDED, NULL, want)
#define CHECK_XFF(lines, want) CHECK_CL(lines, NETADDR_XFF, NULL, want)

static void
test_netaddr_forwarded(void)
{

	CHECK_FWD("Forwarded: for=192.0.2.60\r\n", "192.0.2.60");
	CHECK_FWD("Forwarded: For=\"192.0.2.60:47011\"\r\n", "192.0.2.60");
	CHECK_FWD("Forwarded: for=\"[2001:db8:cafe::17]\"\r\n",
	    "2001:db8:cafe::17");
	CHECK_FWD("Forwarded: for=\"[2001:DB8:CAFE:0::17]:4711\"\r\n",
	    "2001:db8:cafe::17");
	CHECK_FWD("Forwarded: for=192.0.2.43, for=198.51.100.17\r\n",
	    "198.51.100.17");
	CHECK_FWD("Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43\r\n",
	    "192.0.2.60");
	CHECK_FWD("Forwarded: by=203.0.113.43; FOR=192.0.2.60 ;proto=https\r\n",
	    "192.0.2.60");
	CHECK_FWD("Forwarded: for=192.0.2.43,for=\"[2001:db8:cafe::17]\"\r\n",
	    "2001:db8:cafe::17");
	/* Several fields are one list; the last element counts. */
	CHECK_FWD("Forwarded: for=192.0.2.1\r\nForwarded: for=192.0.2.2, "
	    "for=192.0.2.3\r\n", "192.0.2.3");
	CHECK_FWD("Forwarded: for=192.0.2.1, for=192.0.2.2\r\nForwarded: ,\r\n",
	    "192.0.2.2");
	/* Commas and semicolons inside quoted strings do not split. */
	CHECK_FWD("Forwarded: for=192.0.2.9;x=\"a,b;c\\\"d\"\r\n",
	    "192.0.2.9");
	CHECK_FWD("Forwarded: for=\"\\1\\9\\2.0.2.7\"\r\n", "192.0.2.7");
	CHECK_FWD("Forwarded: for=192.0.2.5:_port\r\n", "192.0.2.5");
	/* Lenient with a bare v6 address or an unquoted port. */
	CHECK_FWD("Forwarded: for=2001:db8::9\r\n", "2001:db8::9");
	CHECK_FWD("Forwarded: for=192.0.2.5:8080\r\n", "192.0.2.5");
	CHECK_FWD("Forwarded: for=[2001:db8::9]:80\r\n", "2001:db8::9");
	CHECK_FWD("Forwarded: for=\"::ffff:1.2.3.4\"\r\n", "::ffff:1.2.3.4");

	/* No usable address: obfuscated, unknown, missing, malformed. */
	CHECK_FWD("Forwarded: for=_hidden\r\n", "-");
	CHECK_FWD("Forwarded: for=\"_gazonk\"\r\n", "-");
	CHECK_FWD("Forwarded: for=unknown\r\n", "-");
	CHECK_FWD("Forwarded: for=192.0.2.1, for=unknown\r\n", "-");
	CHECK_FWD("Forwarded: for=192.0.2.1, by=192.0.2.2\r\n", "-");
	CHECK_FWD("Forwarded: proto=https\r\n", "-");
	CHECK_FWD("Forwarded:\r\n", "-");
	CHECK_FWD("Forwarded: for=\r\n", "-");
	CHECK_FWD("Forwarded: for\r\n", "-");
	CHECK_FWD("Forwarded: =1.2.3.4\r\n", "-");
	CHECK_FWD("Forwarded: for=192.0.2.1;for=192.0.2.2\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1\"x\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1\\\"\r\n", "-");
	CHECK_FWD("Forwarded: for=192.0.2.1 x\r\n", "-");
	CHECK_FWD("Forwarded: for=192.0.2.256\r\n", "-");
	CHECK_FWD("Forwarded: for=\"[192.0.2.1]\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"[2001:db8::1\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"[2001:db8::1]x\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"[2001:db8::1]:\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"[2001:db8::1]:65536\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1:123456\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1:_\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"192.0.2.1:a\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"fe80::1%eth0\"\r\n", "-");
	CHECK_FWD("Forwarded: for=\"1.2.3.4 \"\r\n", "-");
	CHECK_FWD("Forwarded: f(r=1.2.3.4\r\n", "-");
	/* No header at all. */
	CHECK_FWD("X-Real-IP: 192.0.2.1\r\n", "-");
}

static void
test_netaddr_xff(void)
{

	CHECK_XFF("X-Forwarded-For: 192.0.2.1\r\n", "192.0.2.1");
	CHECK_XFF("X-Forwarded-For: 203.0.113.5, 198.51.100.2\r\n",
	    "198.51.100.2");
	CHECK_XFF("X-Forwarded-For: 203.0.113.5,198.51.100.2 ,\r\n",
	    "198.51.100.2");
	CHECK_XFF("X-Forwarded-For: 203.0.113.5\r\nx-forwarded-for: "
	    "198.51.100.2, 198.51.100.3\r\n", "198.51.100.3");
	CHECK_XFF("X-Forwarded-For: 2001:db8::1\r\n", "2001:db8::1");
	CHECK_XFF("X-Forwarded-For: 2001:0DB8:0:0::1\r\n", "2001:db8::1");
	CHECK_XFF("X-Forwarded-For: [2001:db8::1]:8443\r\n", "2001:db8::1");
	CHECK_XFF("X-Forwarded-For: [2001:db8::1]\r\n", "2001:db8::1");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1:5555\r\n", "192.0.2.1");
	CHECK_XFF("X-Forwarded-For: \"192.0.2.1\"\r\n", "192.0.2.1");
	CHECK_XFF("X-Forwarded-For: 10.0.0.1, unknown\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1, garbage\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1 10.0.0.1\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1:\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1:99999\r\n", "-");
	CHECK_XFF("X-Forwarded-For: ::1]\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 1.2.3\r\n", "-");
	CHECK_XFF("X-Forwarded-For: \r\n", "-");
	CHECK_XFF("X-Forwarded-For: ,,\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For:\r\n",
	    "1.2.3.4");

}

/*
 * One header family per configuration: behind a proxy that writes only
 * Forwarded, a client's own X-Forwarded-For is passed along untouched and
 * must not count, nor a client's Forwarded behind one that writes XFF.
 */
static void
test_netaddr_one_family(void)
{

	CHECK_FWD("X-Forwarded-For: 6.6.6.6\r\nForwarded: for=192.0.2.7\r\n",
	    "192.0.2.7");
	CHECK_FWD("Forwarded: for=192.0.2.7\r\nX-Forwarded-For: 6.6.6.6\r\n",
	    "192.0.2.7");
	CHECK_FWD("X-Forwarded-For: 6.6.6.6\r\n", "-");
	CHECK_FWD("X-Forwarded-For: 6.6.6.6\r\nForwarded: for=_hidden\r\n",
	    "-");
	CHECK_XFF("Forwarded: for=6.6.6.6\r\nX-Forwarded-For: 192.0.2.1\r\n",
	    "192.0.2.1");
	CHECK_XFF("Forwarded: for=6.6.6.6\r\n", "-");
	CHECK_XFF("X-Forwarded-For: 192.0.2.1\r\nForwarded: for=_hidden\r\n",
	    "192.0.2.1");
}

/* From the right, past every element that is a trusted proxy itself. */
static void
test_netaddr_walk(void)
{
	char lines[2048];
	size_t n, i;

	CHECK_CL("X-Forwarded-For: 203.0.113.5, 10.0.0.2, 10.0.0.3\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	/* The first untrusted one from the right, not the leftmost. */
	CHECK_CL("X-Forwarded-For: 198.51.100.1, 203.0.113.5, 10.0.0.2\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	CHECK_CL("X-Forwarded-For: 198.51.100.1, 203.0.113.5\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	/* All trusted: the leftmost. */
	CHECK_CL("X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n", NETADDR_XFF,
	    "10.0.0.0/8", "10.0.0.1");
	/* Not an address: nothing left of it counts. */
	CHECK_CL("X-Forwarded-For: 203.0.113.5, unknown, 10.0.0.2\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "10.0.0.2");
	CHECK_CL("X-Forwarded-For: 203.0.113.5, garbage\r\n", NETADDR_XFF,
	    "10.0.0.0/8", "-");
	/* Several fields are one list, in order. */
	CHECK_CL("X-Forwarded-For: 203.0.113.5\r\nX-Forwarded-For: "
	    "10.0.0.9\r\n", NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	CHECK_CL("X-Forwarded-For: 10.0.0.9\r\nX-Forwarded-For: "
	    "203.0.113.5\r\n", NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	/* IPv6, ports, IPv4-mapped addresses against IPv4 blocks. */
	CHECK_CL("X-Forwarded-For: 2001:db9::1, [2001:db8::5]:443\r\n",
	    NETADDR_XFF, "2001:db8::/32", "2001:db9::1");
	CHECK_CL("X-Forwarded-For: 192.0.2.8, ::ffff:10.0.0.1\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "192.0.2.8");
	/* Forwarded: the same walk over for=, and that element's proto. */
	CHECK_CL("Forwarded: for=192.0.2.1;proto=https, for=10.0.0.5;"
	    "proto=http\r\n", NETADDR_FORWARDED, "10.0.0.0/8", "192.0.2.1");
	CHECK(client_https);
	CHECK_CL("Forwarded: for=192.0.2.1;proto=http, for=10.0.0.5;"
	    "proto=https\r\n", NETADDR_FORWARDED, "10.0.0.0/8", "192.0.2.1");
	CHECK(!client_https);
	CHECK_CL("Forwarded: for=192.0.2.1;proto=\"HTTPS\"\r\n",
	    NETADDR_FORWARDED, NULL, "192.0.2.1");
	CHECK(client_https);
	CHECK_CL("Forwarded: for=192.0.2.1, for=_hidden, for=10.0.0.5\r\n",
	    NETADDR_FORWARDED, "10.0.0.0/8", "10.0.0.5");
	/* An open quoted string ends its field's list: the walk stops. */
	CHECK_CL("Forwarded: for=192.0.2.1\r\nForwarded: for=\"10.0.0.1\r\n"
	    "Forwarded: for=10.0.0.2\r\n", NETADDR_FORWARDED, "10.0.0.0/8",
	    "10.0.0.2");
	/*
	 * nginx appends ", ADDR" to the client's own field: a quote the
	 * client left open must not swallow the element the proxy added
	 * (the client would be the proxy in the log and the limits).
	 */
	CHECK_CL("X-Forwarded-For: \", 203.0.113.5\r\n", NETADDR_XFF,
	    "127.0.0.0/8", "203.0.113.5");
	CHECK_CL("X-Forwarded-For: 198.51.100.1, \"x, 203.0.113.5\r\n",
	    NETADDR_XFF, "127.0.0.0/8", "203.0.113.5");
	CHECK_CL("X-Forwarded-For: \"\\, 203.0.113.5\r\n", NETADDR_XFF,
	    "127.0.0.0/8", "203.0.113.5");
	CHECK_CL("Forwarded: for=\", for=203.0.113.5\r\n",
	    NETADDR_FORWARDED, "127.0.0.0/8", "203.0.113.5");
	CHECK_CL("Forwarded: for=192.0.2.1;x=\", for=\"[2001:db8::5]\"\r\n",
	    NETADDR_FORWARDED, "127.0.0.0/8", "2001:db8::5");
	CHECK_CL("Forwarded: for=\"\\\r\nForwarded: for=203.0.113.5\r\n",
	    NETADDR_FORWARDED, "127.0.0.0/8", "203.0.113.5");
	CHECK_CL("X-Forwarded-For: 203.0.113.5, \"\\\r\n", NETADDR_XFF,
	    "127.0.0.0/8", "-");
	/* What the client put left of it still stops the walk. */
	CHECK_CL("X-Forwarded-For: 192.0.2.1, \"x, 10.0.0.2\r\n",
	    NETADDR_XFF, "10.0.0.0/8", "10.0.0.2");

	/* Only the last NETADDR_HOPS_MAX elements are looked at. */
	n = (size_t)snprintf(lines, sizeof(lines), "X-Forwarded-For: "
	    "203.0.113.5");
	for (i = 0; i < NETADDR_HOPS_MAX - 1; i++)
		n += (size_t)snprintf(lines + n, sizeof(lines) - n,
		    ", 10.0.0.%zu", i + 1);
	snprintf(lines + n, sizeof(lines) - n, "\r\n");
	CHECK_CL(lines, NETADDR_XFF, "10.0.0.0/8", "203.0.113.5");
	n = (size_t)snprintf(lines, sizeof(lines), "X-Forwarded-For: "
	    "203.0.113.5");
	for (i = 0; i < NETADDR_HOPS_MAX; i++)
		n += (size_t)snprintf(lines + n, sizeof(lines) - n,
		    ", 10.0.0.%zu", i + 1);
	snprintf(lines + n, sizeof(lines) - n, "\r\n");
	CHECK_CL(lines, NETADDR_XFF, "10.0.0.0/8", "10.0.0.1");
}

static void
test_netaddr_outlen(void)
{
	char out[NETADDR_STRLEN];

	request("X-Forwarded-For: 192.0.2.1\r\n");
	CHECK_EQ(netaddr_client(&req, NETADDR_XFF, NULL, 0, out, 10, NULL), 0);
	CHECK(strcmp(out, "192.0.2.1") == 0);
	CHECK_EQ(netaddr_client(&req, NETADDR_XFF, NULL, 0, out, 9, NULL), -1);
	CHECK_EQ(netaddr_client(&req, NETADDR_XFF, NULL, 0, out, 0, NULL), -1);
	request("X-Forwarded-For: ffff:ffff:ffff:ffff:ffff:ffff:"
	    "255.255.255.255\r\n");
	CHECK_EQ(netaddr_client(&req, NETADDR_XFF, NULL, 0, out, sizeof(out),
	    NULL), 0);
	CHECK(strcmp(out, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0);
}

int
main(void)
{

	UNIT_RUN(test_netaddr_cidr_parse);
	UNIT_RUN(test_netaddr_cidr_bad);
	UNIT_RUN(test_netaddr_cidr_match);
	UNIT_RUN(test_netaddr_forwarded);
	UNIT_RUN(test_netaddr_xff);
	UNIT_RUN(test_netaddr_one_family);
	UNIT_RUN(test_netaddr_walk);
	UNIT_RUN(test_netaddr_outlen);
	return (UNIT_END("test_netaddr"));
}
