/*
 * proxy.c - PROXY protocol v1/v2 header parser.  Re-reads the whole prefix
 * on every call and fails at the first byte that rules out a valid header.
 * No I/O, no malloc, no logging, and never a read at or past buf[len].
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

#define V2_HDR_LEN	16		/* signature, ver_cmd, fam, len */
#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1
#define V2_AF_UNSPEC	0x0
#define V2_AF_INET	0x1
#define V2_AF_INET6	0x2
#define V2_AF_UNIX	0x3
#define V2_PROTO_UNSPEC	0x0
#define V2_PROTO_STREAM	0x1
#define V2_PROTO_DGRAM	0x2
#define V2_TLV_CRC32C	0x03

#define V1_ADDR4_MAX	15		/* INET_ADDRSTRLEN - 1 */
#define V1_ADDR_MAX	45		/* INET6_ADDRSTRLEN - 1 */
#define V1_PORT_MAX	5

static const uint8_t v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/*
 * lit(p, len, i, s): the literal s at p[i].  Returns 1 when it is there
 * whole, PROXY_INCOMPLETE when the buffer ends inside a match, -1 otherwise.
 */
static int
lit(const uint8_t *p, size_t len, size_t i, const char *s)
{
	size_t n = strlen(s), k;

	for (k = 0; k < n; k++) {
		if (i + k >= len)
			return (PROXY_INCOMPLETE);
		if (p[i + k] != (uint8_t)s[k])
			return (-1);
	}
	return (1);
}

static bool
v1_char_ok(uint8_t c, int kind)
{

	if (c >= '0' && c <= '9')
		return (true);
	if (kind == AF_INET)
		return (c == '.');
	if (kind == AF_INET6)
		return (c == ':' || c == '.' || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F'));
	return (false);			/* a port: digits only */
}

/*
 * v1_word(p, len, i, kind, end, word, wlen): the field at p[*i] up to the
 * byte end; kind is AF_INET, AF_INET6 or 0 for a port.  Returns 1 and steps
 * *i past end, PROXY_INCOMPLETE when the buffer ends first, -1 for a byte
 * outside the field's alphabet, an empty or an overlong field.
 */
static int
v1_word(const uint8_t *p, size_t len, size_t *i, int kind, uint8_t end,
    const uint8_t **word, size_t *wlen)
{
	size_t max, k;

	max = kind == AF_INET ? V1_ADDR4_MAX :
	    kind == AF_INET6 ? V1_ADDR_MAX : V1_PORT_MAX;

	for (k = *i; k < len; k++) {
		if (p[k] == end) {
			if (k == *i)
				return (-1);
			*word = p + *i;
			*wlen = k - *i;
			*i = k + 1;
			return (1);
		}
		if (!v1_char_ok(p[k], kind) || k - *i >= max)
			return (-1);
	}
	return (PROXY_INCOMPLETE);
}

/* v1_port(w, n, port): decimal 0-65535 without leading zeros. */
static int
v1_port(const uint8_t *w, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t k;

	if (n > 1 && w[0] == '0')
		return (-1);
	for (k = 0; k < n; k++)
		v = v * 10 + (unsigned long)(w[k] - '0');
	if (v > 65535)
		return (-1);
	*port = (uint16_t)v;
	return (0);
}

static int
v1_addr(const uint8_t *w, size_t n, int af, void *addr)
{
	char s[V1_ADDR_MAX + 1];

	memcpy(s, w, n);
	s[n] = '\0';
	return (inet_pton(af, s, addr) == 1 ? 0 : -1);
}

static void
set_sa(struct sockaddr_storage *ss, int af, const void *addr, uint16_t port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, addr, 4);
		memcpy(ss, &sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memcpy(&sin6.sin6_addr, addr, 16);
		memcpy(ss, &sin6, sizeof(sin6));
	}
}

/* v1_unknown(p, len, i): "UNKNOWN" was matched; anything up to CRLF. */
static int
v1_unknown(const uint8_t *p, size_t len, size_t i)
{

	if (i >= len)
		return (PROXY_INCOMPLETE);
	if (p[i] != ' ' && p[i] != '\r')
		return (-1);
	for (; i < len; i++) {
		if (p[i] == '\n')
			return (-1);
		if (p[i] != '\r')
			continue;
		if (i + 1 >= len)
			return (PROXY_INCOMPLETE);
		if (p[i + 1] != '\n')
			return (-1);
		return ((int)(i + 2));
	}
	return (PROXY_INCOMPLETE);
}

/*
 * v1_parse(p, len, pi): "PROXY TCP4|TCP6 src dst sport dport\r\n" or
 * "PROXY UNKNOWN[ anything]\r\n", single spaces, at most PROXY_V1_MAX bytes.
 */
static int
v1_parse(const uint8_t *p, size_t len, struct proxy_info *pi)
{
	uint8_t src[16], dst[16];
	const uint8_t *w;
	size_t lim, i, wn;
	uint16_t sport, dport;
	int af, r, r4, r6, ru;

	/* Whatever is not done within the first 107 bytes never will be. */
	lim = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	if ((r = lit(p, lim, 0, "PROXY ")) != 1)
		goto out;
	i = 6;
	r4 = lit(p, lim, i, "TCP4 ");
	r6 = lit(p, lim, i, "TCP6 ");
	ru = lit(p, lim, i, "UNKNOWN");
	if (ru == 1) {
		r = v1_unknown(p, lim, i + 7);
		if (r > 0) {
			pi->local = true;
			pi->family = AF_UNSPEC;
		}
		goto out;
	}
	if (r4 == 1 || r6 == 1) {
		af = r4 == 1 ? AF_INET : AF_INET6;
		i += 5;
	} else {
		r = (r4 == 0 || r6 == 0 || ru == 0) ? PROXY_INCOMPLETE : -1;
		goto out;
	}

	if ((r = v1_word(p, lim, &i, af, ' ', &w, &wn)) != 1)
		goto out;
	if (v1_addr(w, wn, af, src) != 0)
		return (-1);
	if ((r = v1_word(p, lim, &i, af, ' ', &w, &wn)) != 1)
		goto out;
	if (v1_addr(w, wn, af, dst) != 0)
		return (-1);
	if ((r = v1_word(p, lim, &i, 0, ' ', &w, &wn)) != 1)
		goto out;
	if (v1_port(w, wn, &sport) != 0)
		return (-1);
	if ((r = v1_word(p, lim, &i, 0, '\r', &w, &wn)) != 1)
		goto out;
	if (v1_port(w, wn, &dport) != 0)
		return (-1);
	if ((r = lit(p, lim, i, "\n")) != 1)
		goto out;

	pi->local = false;
	pi->family = af;
	set_sa(&pi->src, af, src, sport);
	set_sa(&pi->dst, af, dst, dport);
	return ((int)(i + 1));

out:
	if (r == PROXY_INCOMPLETE && len >= PROXY_V1_MAX)
		return (-1);
	return (r);
}

/* CRC-32C (Castagnoli, RFC 4960 appendix B), skipping 4 bytes at zero. */
static uint32_t
crc32c(const uint8_t *p, size_t len, size_t zero_at)
{
	uint32_t crc = 0xffffffffU;
	size_t i;
	int k;
	uint8_t b;

	for (i = 0; i < len; i++) {
		b = (i >= zero_at && i - zero_at < 4) ? 0 : p[i];
		crc ^= b;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & (0U - (crc & 1U)));
	}
	return (crc ^ 0xffffffffU);
}

/*
 * v2_tlvs(p, len, off, total, crc_at): walk the TLVs in p[off..total).
 * Each must fit inside the header; a CRC32C value is 4 bytes, once.  Checks
 * what has arrived and returns PROXY_INCOMPLETE for the rest, 1 when all are
 * well-formed, -1 otherwise.  *crc_at is the CRC32C value's offset or 0.
 */
static int
v2_tlvs(const uint8_t *p, size_t len, size_t off, size_t total,
    size_t *crc_at)
{
	size_t tl;

	*crc_at = 0;
	while (off < total) {
		if (total - off < 3)
			return (-1);
		if (len < off + 3)
			return (PROXY_INCOMPLETE);
		tl = (size_t)p[off + 1] << 8 | p[off + 2];
		if (tl > total - off - 3)
			return (-1);
		if (p[off] == V2_TLV_CRC32C) {
			if (tl != 4 || *crc_at != 0)
				return (-1);
			*crc_at = off + 3;
		}
		off += 3 + tl;
	}
	return (len < total ? PROXY_INCOMPLETE : 1);
}

static int
v2_parse(const uint8_t *p, size_t len, struct proxy_info *pi)
{
	const uint8_t *q;
	size_t n, total, alen, crc_at;
	uint32_t want;
	uint16_t sport, dport;
	uint8_t cmd, fam, proto;
	int r;

	n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);
	if (memcmp(p, v2_sig, n) != 0)
		return (-1);
	if (len < 13)
		return (PROXY_INCOMPLETE);
	cmd = p[12] & 0x0f;
	if ((p[12] & 0xf0) != 0x20 || cmd > V2_CMD_PROXY)
		return (-1);
	if (len < 14)
		return (PROXY_INCOMPLETE);
	fam = (uint8_t)(p[13] >> 4);
	proto = p[13] & 0x0f;
	/* Other values "must be rejected as invalid by receivers". */
	if (fam > V2_AF_UNIX || proto > V2_PROTO_DGRAM)
		return (-1);
	if (len < V2_HDR_LEN)
		return (PROXY_INCOMPLETE);
	total = V2_HDR_LEN + ((size_t)p[14] << 8 | p[15]);

	/*
	 * LOCAL: "discard the protocol block including the family".  UNSPEC
	 * family or protocol: the block has no defined layout, so it is
	 * skipped whole as well.
	 */
	if (cmd == V2_CMD_LOCAL || fam == V2_AF_UNSPEC ||
	    proto == V2_PROTO_UNSPEC) {
		if (len < total)
			return (PROXY_INCOMPLETE);
		pi->local = true;
		pi->family = AF_UNSPEC;
		return ((int)total);
	}

	alen = fam == V2_AF_INET ? 12 : fam == V2_AF_INET6 ? 36 : 216;
	if (total - V2_HDR_LEN < alen)
		return (-1);
	if ((r = v2_tlvs(p, len, V2_HDR_LEN + alen, total, &crc_at)) != 1)
		return (r);
	if (crc_at != 0) {
		want = (uint32_t)p[crc_at] << 24 |
		    (uint32_t)p[crc_at + 1] << 16 |
		    (uint32_t)p[crc_at + 2] << 8 | p[crc_at + 3];
		if (crc32c(p, total, crc_at) != want)
			return (-1);
	}

	/* UDP and AF_UNIX fall back to UNSPEC, as the spec allows. */
	if (proto != V2_PROTO_STREAM || fam == V2_AF_UNIX) {
		pi->local = true;
		pi->family = AF_UNSPEC;
		return ((int)total);
	}
	/* src addr, dst addr, src port, dst port, all in network order. */
	q = p + V2_HDR_LEN;
	n = fam == V2_AF_INET ? 4 : 16;
	sport = (uint16_t)(q[2 * n] << 8 | q[2 * n + 1]);
	dport = (uint16_t)(q[2 * n + 2] << 8 | q[2 * n + 3]);
	pi->local = false;
	pi->family = fam == V2_AF_INET ? AF_INET : AF_INET6;
	set_sa(&pi->src, pi->family, q, sport);
	set_sa(&pi->dst, pi->family, q + n, dport);
	return ((int)total);
}

int
proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *out)
{
	struct proxy_info pi;
	int r;

	if (len == 0)
		return (PROXY_INCOMPLETE);
	memset(&pi, 0, sizeof(pi));
	if (buf[0] == v2_sig[0])
		r = v2_parse(buf, len, &pi);
	else if (buf[0] == 'P')
		r = v1_parse(buf, len, &pi);
	else
		r = -1;
	if (r > 0)
		*out = pi;
	return (r);
}
