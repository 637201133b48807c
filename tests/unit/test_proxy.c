/*
 * test_proxy.c - PROXY protocol v1/v2: valid headers, every malformation we
 * reject, every proper prefix incomplete, split feeding, inputs ending at an
 * unmapped page.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"
#include "unit.h"

#define GUARD_MAX	4096	/* the longest input */

static struct proxy_info info;

static int
parse_n(const void *s, size_t len)
{

	memset(&info, 0xa5, sizeof(info));
	return (proxy_parse(unit_guarded(s, len), len, &info));
}

static int
parse(const char *s)
{

	return (parse_n(s, strlen(s)));
}

/* Every proper prefix is incomplete (or already -1 when want is -1). */
static void
check_prefixes(const void *s, size_t len, int want)
{
	size_t i;
	int r;

	for (i = 0; i < len; i++) {
		r = parse_n(s, i);
		if (want > 0 && r != PROXY_INCOMPLETE)
			fprintf(stderr, "  prefix %zu of %zu: %d\n", i, len, r);
		if (want > 0)
			CHECK_EQ(r, PROXY_INCOMPLETE);
		else
			CHECK(r == PROXY_INCOMPLETE || r == -1);
	}
	CHECK_EQ(parse_n(s, len), want);
}

static void
check_v4(const struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in sin;
	struct in_addr a;

	memcpy(&sin, ss, sizeof(sin));
	CHECK_EQ(sin.sin_family, AF_INET);
	CHECK_EQ(ntohs(sin.sin_port), port);
	CHECK(inet_pton(AF_INET, addr, &a) == 1);
	CHECK_MEM(&sin.sin_addr, &a, sizeof(a));
}

static void
check_v6(const struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in6 sin6;
	struct in6_addr a;

	memcpy(&sin6, ss, sizeof(sin6));
	CHECK_EQ(sin6.sin6_family, AF_INET6);
	CHECK_EQ(ntohs(sin6.sin6_port), port);
	CHECK_EQ(sin6.sin6_scope_id, 0);
	CHECK(inet_pton(AF_INET6, addr, &a) == 1);
	CHECK_MEM(&sin6.sin6_addr, &a, sizeof(a));
}

static void
test_proxy_v1_tcp4(void)
{
	const char *s = "PROXY TCP4 192.168.0.1 10.0.0.11 56324 443\r\nGET /";

	CHECK_EQ(parse(s), (int)strlen(s) - 5);
	CHECK(!info.local);
	CHECK_EQ(info.family, AF_INET);
	check_v4(&info.src, "192.168.0.1", 56324);
	check_v4(&info.dst, "10.0.0.11", 443);

	s = "PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n";
	CHECK_EQ(parse(s), (int)strlen(s));
	check_v4(&info.src, "255.255.255.255", 65535);
	check_v4(&info.dst, "0.0.0.0", 0);
	check_prefixes(s, strlen(s), (int)strlen(s));
}

static void
test_proxy_v1_tcp6(void)
{
	const char *s = "PROXY TCP6 2001:db8::1 ::1 1 65535\r\n";
	const char *max = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF 65535 65535\r\n";
	const char *mapped = "PROXY TCP6 ::ffff:192.0.2.1 "
	    "::ffff:255.255.255.255 80 8080\r\n";

	CHECK_EQ(parse(s), (int)strlen(s));
	CHECK(!info.local);
	CHECK_EQ(info.family, AF_INET6);
	check_v6(&info.src, "2001:db8::1", 1);
	check_v6(&info.dst, "::1", 65535);
	check_prefixes(s, strlen(s), (int)strlen(s));

	CHECK_EQ(strlen(max), 104);
	CHECK_EQ(parse(max), 104);
	check_v6(&info.dst, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	check_prefixes(max, strlen(max), 104);

	CHECK_EQ(parse(mapped), (int)strlen(mapped));
	check_v6(&info.src, "::ffff:192.0.2.1", 80);
}

static void
test_proxy_v1_unknown(void)
{
	char line[PROXY_V1_MAX + 2];
	const char *s = "PROXY UNKNOWN\r\n";
	size_t n;

	CHECK_EQ(parse(s), 15);
	CHECK(info.local);
	CHECK_EQ(info.family, AF_UNSPEC);
	check_prefixes(s, strlen(s), 15);

	/* The receiver ignores whatever comes before the CRLF. */
	s = "PROXY UNKNOWN ffff:f::1 whatever 1 2\r\nX";
	CHECK_EQ(parse(s), (int)strlen(s) - 1);
	CHECK(info.local);
	check_prefixes(s, strlen(s) - 1, (int)strlen(s) - 1);

	/* Exactly 107 bytes is the longest line. */
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'x', sizeof(line) - 14);
	memcpy(line + PROXY_V1_MAX - 2, "\r\n", 2);
	CHECK_EQ(parse_n(line, PROXY_V1_MAX), PROXY_V1_MAX);
	check_prefixes(line, PROXY_V1_MAX, PROXY_V1_MAX);
	n = PROXY_V1_MAX + 1;
	memset(line + 14, 'x', sizeof(line) - 14);
	memcpy(line + n - 2, "\r\n", 2);
	CHECK_EQ(parse_n(line, n), -1);
	/* Decided at byte 107, without waiting for the CRLF. */
	CHECK_EQ(parse_n(line, PROXY_V1_MAX - 1), PROXY_INCOMPLETE);
	CHECK_EQ(parse_n(line, PROXY_V1_MAX), -1);
}

static const char *v1_bad[] = {
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 123456 2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 0x10\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n",
	"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8\r\n",
	" PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n",
	"proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n",
	"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX",
	"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
	"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",
	"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",
	"PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n",
	"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
	"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
	"PROXY TCP6 ::1 1.2.3.4 1 2\r\n",
	"PROXY TCP6 ::1::2 ::1 1 2\r\n",
	"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
	"PROXY TCP6 [::1] ::1 1 2\r\n",
	"PROXY TCP6 ::g ::1 1 2\r\n",
	"PROXY UNKNOWNX\r\n",
	"PROXY UNKNOWN\n",
	"PROXY UNKNOWN\r\r\n",
	"PROXY UNKNOWN x\ny\r\n",
	"PROXY UNKNOWN x\rx\r\n",
	"PROXY \r\n",
	"PROXY\r\n",
	"GET / HTTP/1.1\r\n",
};

static void
test_proxy_v1_malformed(void)
{
	size_t i, len;
	int r;

	for (i = 0; i < sizeof(v1_bad) / sizeof(v1_bad[0]); i++) {
		len = strlen(v1_bad[i]);
		r = parse_n(v1_bad[i], len);
		if (r != -1)
			fprintf(stderr, "  v1_bad[%zu]: got %d\n", i, r);
		CHECK_EQ(r, -1);
		check_prefixes(v1_bad[i], len, -1);
	}
}

static void
test_proxy_v1_too_long(void)
{
	char buf[200];
	size_t i;

	/* A TCP6 line over 107 bytes: too long before its CRLF. */
	snprintf(buf, sizeof(buf), "PROXY TCP6 %s %s 65535 65535\r\n",
	    "0000:0000:0000:0000:0000:ffff:255.255.255.255",
	    "0000:0000:0000:0000:0000:ffff:255.255.255.255");
	CHECK(strlen(buf) > PROXY_V1_MAX);
	CHECK_EQ(parse(buf), -1);
	for (i = 0; i < PROXY_V1_MAX; i++)
		CHECK_EQ(parse_n(buf, i), PROXY_INCOMPLETE);
	/* An address longer than any IPv6 text, or a port over 5 digits. */
	CHECK_EQ(parse("PROXY TCP6 1111:2222:3333:4444:5555:6666:"
	    "7777:8888:9999:0"), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4 5.6.7.8 000000"), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4.5.6.7.8.9.10.11"), -1);
	/* Missing CRLF: a line of junk that never ends. */
	memset(buf, '1', sizeof(buf));
	memcpy(buf, "PROXY UNKNOWN ", 14);
	CHECK_EQ(parse_n(buf, sizeof(buf)), -1);
}

static void
test_proxy_fail_early(void)
{

	CHECK_EQ(parse("G"), -1);
	CHECK_EQ(parse("\x16"), -1);
	CHECK_EQ(parse("\n"), -1);
	CHECK_EQ(parse("PROXZ"), -1);
	CHECK_EQ(parse("PROXY T"), PROXY_INCOMPLETE);
	CHECK_EQ(parse("PROXY TCP"), PROXY_INCOMPLETE);
	CHECK_EQ(parse("PROXY TCPX"), -1);
	CHECK_EQ(parse("PROXY U"), PROXY_INCOMPLETE);
	CHECK_EQ(parse("PROXY UX"), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4x"), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.999 "), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4 5.6.7.8 99999 "), -1);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r"), PROXY_INCOMPLETE);
	CHECK_EQ(parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2"), PROXY_INCOMPLETE);
	CHECK_EQ(parse("\r\n"), PROXY_INCOMPLETE);
	CHECK_EQ(parse_n("\r\n\r\n\x00\r\nQUIT\n", 12), PROXY_INCOMPLETE);
	CHECK_EQ(parse_n("\r\n\r\n\x01", 5), -1);
	CHECK_EQ(parse_n("\r\r", 2), -1);
	CHECK_EQ(parse_n("\r\n\r\n\x00\r\nQUIT\n\x10", 13), -1);
	CHECK_EQ(parse_n("\r\n\r\n\x00\r\nQUIT\n\x22", 13), -1);
	CHECK_EQ(parse_n("\r\n\r\n\x00\r\nQUIT\n\x21\x41", 14), -1);
	CHECK_EQ(parse_n("\r\n\r\n\x00\r\nQUIT\n\x21\x13", 14), -1);
	CHECK_EQ(parse_n("", 0), PROXY_INCOMPLETE);
}

/* Build a v2 header: ver_cmd, fam, then body; returns its length. */
static size_t
v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const void *body,
    size_t blen)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
	    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	memcpy(out, sig, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(blen >> 8);
	out[15] = (uint8_t)blen;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return (16 + blen);
}

static const uint8_t v4_body[12] = {
	192, 0, 2, 1,  198, 51, 100, 7,  0xdc, 0x04,  0x01, 0xbb
};

static void
test_proxy_v2_ipv4(void)
{
	uint8_t h[64];
	size_t n = v2(h, 0x21, 0x11, v4_body, sizeof(v4_body));

	CHECK_EQ(n, 28);
	memcpy(h + n, "GET", 3);
	CHECK_EQ(parse_n(h, n + 3), 28);
	CHECK(!info.local);
	CHECK_EQ(info.family, AF_INET);
	check_v4(&info.src, "192.0.2.1", 56324);
	check_v4(&info.dst, "198.51.100.7", 443);
	check_prefixes(h, n, 28);
}

static void
test_proxy_v2_ipv6(void)
{
	uint8_t body[36], h[64];
	size_t n;
	struct in6_addr a;

	CHECK(inet_pton(AF_INET6, "2001:db8::42", &a) == 1);
	memcpy(body, &a, 16);
	CHECK(inet_pton(AF_INET6, "::1", &a) == 1);
	memcpy(body + 16, &a, 16);
	memcpy(body + 32, "\x00\x01\xff\xff", 4);
	n = v2(h, 0x21, 0x21, body, sizeof(body));
	CHECK_EQ(parse_n(h, n), 52);
	CHECK_EQ(info.family, AF_INET6);
	CHECK(!info.local);
	check_v6(&info.src, "2001:db8::42", 1);
	check_v6(&info.dst, "::1", 65535);
	check_prefixes(h, n, 52);
}

static void
test_proxy_v2_local(void)
{
	uint8_t h[64];
	size_t n;

	n = v2(h, 0x20, 0x00, NULL, 0);
	CHECK_EQ(parse_n(h, n), 16);
	CHECK(info.local);
	CHECK_EQ(info.family, AF_UNSPEC);
	check_prefixes(h, n, 16);
	/* LOCAL: the block is skipped whatever the family says. */
	n = v2(h, 0x20, 0x11, v4_body, sizeof(v4_body));
	CHECK_EQ(parse_n(h, n), 28);
	CHECK(info.local);
	n = v2(h, 0x20, 0x21, "abc", 3);
	CHECK_EQ(parse_n(h, n), 19);
	CHECK(info.local);
	/* PROXY with UNSPEC: treated as unknown, block skipped. */
	n = v2(h, 0x21, 0x00, "\x01\x00\x05", 3);
	CHECK_EQ(parse_n(h, n), 19);
	CHECK(info.local);
	CHECK_EQ(info.family, AF_UNSPEC);
	/* UDP falls back to UNSPEC. */
	n = v2(h, 0x21, 0x12, v4_body, sizeof(v4_body));
	CHECK_EQ(parse_n(h, n), 28);
	CHECK(info.local);
}

static void
test_proxy_v2_unix(void)
{
	uint8_t body[216], h[256];
	size_t n;

	memset(body, 0, sizeof(body));
	memcpy(body, "/run/haproxy.sock", 17);
	n = v2(h, 0x21, 0x31, body, sizeof(body));
	CHECK_EQ(parse_n(h, n), 232);
	CHECK(info.local);
	CHECK_EQ(info.family, AF_UNSPEC);
	n = v2(h, 0x21, 0x31, body, 215);
	CHECK_EQ(parse_n(h, n), -1);
}

/* CRC-32C the slow way, for building test headers. */
static uint32_t
crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffU;
	int k;

	while (n-- > 0) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78U : c >> 1;
	}
	return (c ^ 0xffffffffU);
}

static void
test_proxy_v2_tlvs(void)
{
	uint8_t body[128], h[160];
	size_t n, bl;
	uint32_t crc;
	int total;

	CHECK_EQ(crc32c_ref((const uint8_t *)"123456789", 9), 0xe3069283U);

	memcpy(body, v4_body, 12);
	bl = 12;
	memcpy(body + bl, "\x01\x00\x02h2", 5);		/* ALPN */
	bl += 5;
	memcpy(body + bl, "\x04\x00\x00", 3);		/* empty NOOP */
	bl += 3;
	memcpy(body + bl, "\x20\x00\x08\x01\x00\x00\x00\x00\x21\x00\x00", 11);
	bl += 11;					/* SSL + sub-TLV */
	memcpy(body + bl, "\x05\x00\x03" "abc", 6);	/* UNIQUE_ID */
	bl += 6;
	n = v2(h, 0x21, 0x11, body, bl);
	total = (int)n;
	memcpy(h + n, "\x88\x77", 2);
	CHECK_EQ(parse_n(h, n + 2), total);
	check_v4(&info.src, "192.0.2.1", 56324);
	check_prefixes(h, n, total);

	/* A TLV running past the declared length... */
	h[16 + 12 + 2] = 3;
	CHECK_EQ(parse_n(h, n), -1);
	h[16 + 12 + 2] = 2;
	/* ...known as soon as that TLV's header is in. */
	h[16 + 12 + 1] = 1;
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 16 + 12 + 3), -1);
	h[16 + 12 + 1] = 0;
	CHECK_EQ(parse_n(h, n), total);

	/* One or two stray bytes where a TLV header must be. */
	n = v2(h, 0x21, 0x11, body, 14);
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 16), -1);
	n = v2(h, 0x21, 0x11, body, 13);
	CHECK_EQ(parse_n(h, n), -1);
	n = v2(h, 0x21, 0x11, body, 15);
	CHECK_EQ(parse_n(h, n), -1);

	/* CRC32C: checked over the whole header with its value zeroed. */
	memcpy(body + 12, "\x03\x00\x04\x00\x00\x00\x00", 7);
	memcpy(body + 19, "\x02\x00\x03" "a.b", 6);
	n = v2(h, 0x21, 0x11, body, 25);
	crc = crc32c_ref(h, n);
	h[31] = (uint8_t)(crc >> 24);
	h[32] = (uint8_t)(crc >> 16);
	h[33] = (uint8_t)(crc >> 8);
	h[34] = (uint8_t)crc;
	CHECK_EQ(parse_n(h, n), (int)n);
	check_prefixes(h, n, (int)n);
	h[40] ^= 1;
	CHECK_EQ(parse_n(h, n), -1);
	h[40] ^= 1;
	h[34] ^= 0x80;
	CHECK_EQ(parse_n(h, n), -1);
	/* A CRC32C value that is not 4 bytes. */
	memcpy(body + 12, "\x03\x00\x03\x00\x00\x00", 6);
	n = v2(h, 0x21, 0x11, body, 18);
	CHECK_EQ(parse_n(h, n), -1);
}

static void
test_proxy_v2_bad(void)
{
	uint8_t h[64], body[40];
	size_t n;

	n = v2(h, 0x11, 0x11, v4_body, 12);		/* version 1 */
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 13), -1);
	n = v2(h, 0x31, 0x11, v4_body, 12);		/* version 3 */
	CHECK_EQ(parse_n(h, n), -1);
	n = v2(h, 0x22, 0x11, v4_body, 12);		/* command 2 */
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 13), -1);
	n = v2(h, 0x2f, 0x11, v4_body, 12);
	CHECK_EQ(parse_n(h, n), -1);
	n = v2(h, 0x21, 0x41, v4_body, 12);		/* family 4 */
	CHECK_EQ(parse_n(h, n), -1);
	n = v2(h, 0x21, 0x13, v4_body, 12);		/* protocol 3 */
	CHECK_EQ(parse_n(h, n), -1);
	n = v2(h, 0x20, 0x13, NULL, 0);
	CHECK_EQ(parse_n(h, n), -1);

	/* Length shorter than the address block: known at byte 16. */
	n = v2(h, 0x21, 0x11, v4_body, 11);
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 16), -1);
	n = v2(h, 0x21, 0x11, NULL, 0);
	CHECK_EQ(parse_n(h, n), -1);
	memset(body, 0, sizeof(body));
	n = v2(h, 0x21, 0x21, body, 35);
	CHECK_EQ(parse_n(h, n), -1);
	CHECK_EQ(parse_n(h, 16), -1);

	/* Signature damaged anywhere. */
	for (n = 0; n < 12; n++) {
		v2(h, 0x21, 0x11, v4_body, 12);
		h[n] ^= 0x40;
		CHECK_EQ(parse_n(h, 28), -1);
		CHECK_EQ(parse_n(h, n + 1), -1);
	}
}

static void
test_proxy_v2_truncated(void)
{
	uint8_t h[64];
	size_t n;

	/* A long declared length keeps asking for more. */
	n = v2(h, 0x21, 0x11, v4_body, 12);
	h[14] = 0xff;
	h[15] = 0xff;
	CHECK_EQ(parse_n(h, n), PROXY_INCOMPLETE);
	/* A big declared length is fine once it all arrives (NOOP TLV). */
	{
		static uint8_t big[PROXY_V2_MAX];
		size_t tl = PROXY_V2_MAX - 16 - 12 - 3;

		memset(big, 0, sizeof(big));
		v2(big, 0x21, 0x11, v4_body, 12);
		big[14] = 0xff;
		big[15] = 0xff;
		big[28] = 0x04;
		big[29] = (uint8_t)(tl >> 8);
		big[30] = (uint8_t)tl;
		CHECK_EQ(proxy_parse(big, sizeof(big), &info), PROXY_V2_MAX);
		CHECK_EQ(proxy_parse(big, sizeof(big) - 1, &info),
		    PROXY_INCOMPLETE);
	}
}

/*
 * Feed a header in chunks of every size into a growing buffer, as a
 * connection would; only the call that completes it returns its length.
 */
static void
check_split(const uint8_t *s, size_t len)
{
	uint8_t buf[256];
	size_t chunk, have;
	int r;

	for (chunk = 1; chunk <= len; chunk++) {
		have = 0;
		r = PROXY_INCOMPLETE;
		while (have < len + 4) {
			have += chunk;
			if (have > len + 4)
				have = len + 4;
			memcpy(buf, s, have < len ? have : len);
			if (have > len)
				memset(buf + len, 'x', have - len);
			r = parse_n(buf, have);
			if (have < len)
				CHECK_EQ(r, PROXY_INCOMPLETE);
			else {
				CHECK_EQ(r, (int)len);
				break;
			}
		}
		CHECK_EQ(r, (int)len);
	}
}

static void
test_proxy_split(void)
{
	uint8_t h[64];
	const char *s = "PROXY TCP6 2001:db8::1 2001:db8::2 1234 80\r\n";
	size_t n;

	check_split((const uint8_t *)s, strlen(s));
	check_split((const uint8_t *)"PROXY UNKNOWN\r\n", 15);
	n = v2(h, 0x21, 0x11, v4_body, sizeof(v4_body));
	check_split(h, n);
	n = v2(h, 0x20, 0x00, NULL, 0);
	check_split(h, n);
}

static void
test_proxy_untouched(void)
{
	struct proxy_info before;

	/* out is written only on success. */
	memset(&info, 0x5a, sizeof(info));
	memcpy(&before, &info, sizeof(before));
	CHECK_EQ(proxy_parse((const uint8_t *)"PROXY TCP4 1.2", 14, &info),
	    PROXY_INCOMPLETE);
	CHECK_MEM(&info, &before, sizeof(info));
	CHECK_EQ(proxy_parse((const uint8_t *)"PROXY TCP4 x", 12, &info), -1);
	CHECK_MEM(&info, &before, sizeof(info));
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_proxy_v1_tcp4);
	UNIT_RUN(test_proxy_v1_tcp6);
	UNIT_RUN(test_proxy_v1_unknown);
	UNIT_RUN(test_proxy_v1_malformed);
	UNIT_RUN(test_proxy_v1_too_long);
	UNIT_RUN(test_proxy_fail_early);
	UNIT_RUN(test_proxy_v2_ipv4);
	UNIT_RUN(test_proxy_v2_ipv6);
	UNIT_RUN(test_proxy_v2_local);
	UNIT_RUN(test_proxy_v2_unix);
	UNIT_RUN(test_proxy_v2_tlvs);
	UNIT_RUN(test_proxy_v2_bad);
	UNIT_RUN(test_proxy_v2_truncated);
	UNIT_RUN(test_proxy_split);
	UNIT_RUN(test_proxy_untouched);
	return (UNIT_END("test_proxy"));
}
