/*
 * netaddr.c - CIDR blocks and the client address reported by a trusted
 * proxy (Forwarded, X-Forwarded-For).  Reads the request's header values in
 * place; no I/O, no malloc, no logging.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"
#include "netaddr.h"

#define ADDR_TEXT_MAX	45	/* longest IPv6 text, no NUL */
#define FWD_VALUE_MAX	63	/* longest for= value we look at */

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* pton(af, s, n, addr): s[0..n) is an address of family af. */
static int
pton(int af, const char *s, size_t n, uint8_t *addr)
{
	char buf[ADDR_TEXT_MAX + 1];

	if (n == 0 || n > ADDR_TEXT_MAX || memchr(s, '\0', n) != NULL)
		return (-1);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return (inet_pton(af, buf, addr) == 1 ? 0 : -1);
}

int
netaddr_cidr_parse(const char *s, struct netaddr_cidr *out)
{
	const char *slash;
	size_t alen, i, nbytes;
	unsigned int max, prefix;
	uint8_t addr[16];
	int af;

	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	memset(addr, 0, sizeof(addr));
	if (pton(AF_INET, s, alen, addr) == 0) {
		af = AF_INET;
		max = 32;
	} else if (pton(AF_INET6, s, alen, addr) == 0) {
		af = AF_INET6;
		max = 128;
	} else
		return (-1);

	prefix = max;
	if (slash != NULL) {
		/* 1-3 digits, no sign, no blank, no leading zero. */
		if (slash[1] == '\0' || (slash[1] == '0' && slash[2] != '\0'))
			return (-1);
		prefix = 0;
		for (i = 1; slash[i] != '\0'; i++) {
			if (slash[i] < '0' || slash[i] > '9' || i > 3)
				return (-1);
			prefix = prefix * 10 + (unsigned int)(slash[i] - '0');
		}
		if (prefix > max)
			return (-1);
	}

	/* Clear the host bits so that matching is a plain comparison. */
	nbytes = max / 8;
	for (i = 0; i < nbytes; i++) {
		if (prefix >= 8 * (i + 1))
			continue;
		if (prefix <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 * (i + 1) - prefix));
	}
	memset(out, 0, sizeof(*out));
	out->family = af;
	memcpy(out->addr, addr, sizeof(addr));
	out->prefix = prefix;
	return (0);
}

/* prefix_eq(a, b, bits): the first bits bits of a and b are equal. */
static bool
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	size_t whole = bits / 8;
	unsigned int rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return (false);
	if (rest == 0)
		return (true);
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[whole] & mask) == (b[whole] & mask));
}

bool
netaddr_cidr_match(const struct netaddr_cidr *c, const struct sockaddr *sa)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint8_t a[16];

	if (sa == NULL)
		return (false);
	if (sa->sa_family == AF_INET) {
		/* Copy by the real size: the caller's object may be small. */
		memcpy(&sin, sa, sizeof(sin));
		if (c->family == AF_INET)
			return (prefix_eq(c->addr,
			    (const uint8_t *)&sin.sin_addr, c->prefix));
		if (c->family != AF_INET6)
			return (false);
		memcpy(a, v4mapped, 12);
		memcpy(a + 12, &sin.sin_addr, 4);
		return (prefix_eq(c->addr, a, c->prefix));
	}
	if (sa->sa_family != AF_INET6)
		return (false);
	memcpy(&sin6, sa, sizeof(sin6));
	memcpy(a, &sin6.sin6_addr, 16);
	if (c->family == AF_INET6)
		return (prefix_eq(c->addr, a, c->prefix));
	if (c->family != AF_INET || memcmp(a, v4mapped, 12) != 0)
		return (false);
	return (prefix_eq(c->addr, a + 12, c->prefix));
}

static bool
is_digit(char c)
{

	return (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{

	return (is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'));
}

/* RFC 9110 §5.6.2: tchar. */
static bool
is_tchar(char c)
{

	return (is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c)
	    != NULL));
}

static bool
is_ows(char c)
{

	return (c == ' ' || c == '\t');
}

/* RFC 7239 §6: port = 1*5DIGIT (at most 65535); obfport = "_" 1*(...). */
static bool
port_ok(const char *p, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0)
		return (false);
	if (p[0] == '_') {
		for (i = 1; i < n; i++)
			if (!is_alnum(p[i]) && p[i] != '.' && p[i] != '_' &&
			    p[i] != '-')
				return (false);
		return (n > 1);
	}
	if (n > 5)
		return (false);
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return (false);
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return (v <= 65535);
}

/* An address as the headers give it: family and bytes. */
struct ip {
	int		af;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order */
};

/*
 * node_addr(v, n, ip): RFC 7239 §6 node ("192.0.2.1", "192.0.2.1:80",
 * "[2001:db8::1]", "[2001:db8::1]:80"), or a bare IPv6 address as some
 * X-Forwarded-For writers send it.  "unknown" and obfuscated names are not
 * addresses: -1.
 */
static int
node_addr(const char *v, size_t n, struct ip *ip)
{
	const char *host, *colon, *close;
	size_t hlen, i, colons = 0;
	int af;

	if (n == 0)
		return (-1);
	if (v[0] == '[') {
		close = memchr(v, ']', n);
		if (close == NULL)
			return (-1);
		host = v + 1;
		hlen = (size_t)(close - host);
		af = AF_INET6;
		i = (size_t)(close - v) + 1;
		if (i < n && (v[i] != ':' || !port_ok(v + i + 1, n - i - 1)))
			return (-1);
	} else {
		for (i = 0; i < n; i++)
			colons += v[i] == ':';
		host = v;
		hlen = n;
		af = colons >= 2 ? AF_INET6 : AF_INET;
		if (colons == 1) {
			colon = memchr(v, ':', n);
			hlen = (size_t)(colon - v);
			if (!port_ok(colon + 1, n - hlen - 1))
				return (-1);
		}
	}
	memset(ip, 0, sizeof(*ip));
	ip->af = af;
	return (pton(af, host, hlen, ip->addr));
}

/*
 * split_next(s, len, pos, sep, e, elen): the next non-empty element of s
 * separated by sep outside quoted strings, OWS trimmed.  Returns 1, 0 at the
 * end, or -1 for an unterminated quoted string: that element is bad, and
 * *pos goes past the first sep after its start, so that what a proxy
 * appended to a client's open quote is still split off and read.
 */
static int
split_next(const char *s, size_t len, size_t *pos, char sep, const char **e,
    size_t *elen)
{
	size_t i = *pos, start, end;
	bool quoted;

	for (;;) {
		while (i < len && (is_ows(s[i]) || s[i] == sep))
			i++;
		if (i >= len) {
			*pos = i;
			return (0);
		}
		start = i;
		quoted = false;
		for (; i < len; i++) {
			if (quoted && s[i] == '\\') {
				if (++i >= len)
					break;
			} else if (s[i] == '"')
				quoted = !quoted;
			else if (!quoted && s[i] == sep)
				break;
		}
		if (quoted) {
			for (i = start; i < len && s[i] != sep; i++)
				;
			*pos = i < len ? i + 1 : len;
			return (-1);
		}
		end = i;
		while (end > start && is_ows(s[end - 1]))
			end--;
		if (end > start) {
			*e = s + start;
			*elen = end - start;
			*pos = i;
			return (1);
		}
	}
}

/*
 * fwd_for(e, n, ip, https): the for= node of one forwarded-element
 * ("for=192.0.2.1;proto=https;by=...").  Each parameter at most once.
 * *https tells whether proto= says https.
 */
static int
fwd_for(const char *e, size_t n, struct ip *ip, bool *https)
{
	char val[FWD_VALUE_MAX + 1];
	const char *pair, *eq, *v;
	size_t pos = 0, plen, nlen, vlen, i, k = 0;
	bool found = false;
	int r;

	*https = false;
	while ((r = split_next(e, n, &pos, ';', &pair, &plen)) == 1) {
		eq = memchr(pair, '=', plen);
		if (eq == NULL || eq == pair)
			return (-1);
		nlen = (size_t)(eq - pair);
		for (i = 0; i < nlen; i++)
			if (!is_tchar(pair[i]))
				return (-1);
		v = eq + 1;
		vlen = plen - nlen - 1;
		if (vlen == 0)
			return (-1);
		if (!http_token_eq(pair, nlen, "for")) {
			if (v[0] != '"')
				for (i = 0; i < vlen; i++)
					if (!is_tchar(v[i]) && v[i] != ':' &&
					    v[i] != '[' && v[i] != ']')
						return (-1);
			if (http_token_eq(pair, nlen, "proto"))
				*https = http_token_eq(v, vlen, "https") ||
				    http_token_eq(v, vlen, "\"https\"");
			continue;
		}
		if (found)
			return (-1);
		found = true;
		if (v[0] == '"') {
			/* quoted-string: must close exactly at the end. */
			if (vlen < 2 || v[vlen - 1] != '"')
				return (-1);
			for (i = 1, k = 0; i < vlen - 1; i++) {
				if (v[i] == '"')
					return (-1);
				if (v[i] == '\\')
					i++;
				if (k >= FWD_VALUE_MAX)
					return (-1);
				val[k++] = v[i];
			}
		} else {
			/* Lenient: ':' and brackets outside quotes too. */
			for (i = 0, k = 0; i < vlen; i++) {
				if ((!is_tchar(v[i]) && v[i] != ':' &&
				    v[i] != '[' && v[i] != ']') ||
				    k >= FWD_VALUE_MAX)
					return (-1);
				val[k++] = v[i];
			}
		}
	}
	if (r < 0 || !found)
		return (-1);
	return (node_addr(val, k, ip));
}

/* One list element, or NULL for a field that did not split. */
struct hop {
	const char	*p;
	size_t		len;
};

/* trusted(ip, cidrs, n): ip lies in one of the n blocks. */
static bool
trusted(const struct ip *ip, const struct netaddr_cidr *cidrs, size_t n)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	size_t i;

	if (ip->af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, ip->addr, 4);
		sa = (const struct sockaddr *)&sin;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, ip->addr, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	for (i = 0; i < n; i++)
		if (netaddr_cidr_match(&cidrs[i], sa))
			return (true);
	return (false);
}

int
netaddr_client(const struct http_request *req, enum netaddr_header which,
    const struct netaddr_cidr *cidrs, size_t ncidrs, char *out,
    size_t outlen, bool *https)
{
	const char *name = which == NETADDR_FORWARDED ? "Forwarded" :
	    "X-Forwarded-For";
	struct hop ring[NETADDR_HOPS_MAX];
	const struct http_header *h;
	struct hop *slot;
	const struct hop *e;
	struct ip ip, last;
	char text[ADDR_TEXT_MAX + 1];
	size_t pos, nhops = 0, k, len;
	bool have = false, tls = false, etls;
	int i, r;

	/*
	 * Several fields are one list, in order (RFC 9110 §5.3).  Only the
	 * last NETADDR_HOPS_MAX elements can matter, so only they are kept:
	 * one pass, no allocation, however long the list.
	 */
	for (i = 0; (i = http_find_header(req, name, (size_t)i)) >= 0; i++) {
		h = &req->headers[i];
		pos = 0;
		for (;;) {
			slot = &ring[nhops % NETADDR_HOPS_MAX];
			r = split_next(h->value, h->value_len, &pos, ',',
			    &slot->p, &slot->len);
			if (r == 0)
				break;
			nhops++;
			/* An open quoted string: a bad element, which stops
			 * the walk; the elements after it are read. */
			if (r < 0)
				slot->p = NULL;
		}
	}

	/*
	 * From the right: each element was added by the hop after it, and
	 * only trusted hops tell the truth.  A trusted address is one more
	 * proxy: go on (nginx's real_ip_recursive).  Anything that is not an
	 * address stops the walk, for nothing left of it can be believed.
	 */
	for (k = 0; k < nhops && k < NETADDR_HOPS_MAX; k++) {
		e = &ring[(nhops - 1 - k) % NETADDR_HOPS_MAX];
		etls = false;
		if (e->p == NULL)
			break;
		if (which == NETADDR_FORWARDED)
			r = fwd_for(e->p, e->len, &ip, &etls);
		else {
			len = e->len;
			/* Some writers quote it, as Forwarded would. */
			if (len >= 2 && e->p[0] == '"' && e->p[len - 1] == '"')
				r = node_addr(e->p + 1, len - 2, &ip);
			else
				r = node_addr(e->p, len, &ip);
		}
		if (r != 0)
			break;
		last = ip;
		tls = etls;
		have = true;
		if (!trusted(&ip, cidrs, ncidrs))
			break;
	}
	if (!have)
		return (-1);
	if (inet_ntop(last.af, last.addr, text, sizeof(text)) == NULL ||
	    strlen(text) >= outlen)
		return (-1);
	memcpy(out, text, strlen(text) + 1);
	if (https != NULL)
		*https = tls;
	return (0);
}
