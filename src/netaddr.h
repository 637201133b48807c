/*
 * netaddr.h - client addresses: CIDR blocks for trusted-proxy lists, and the
 * client address a trusted proxy reports in Forwarded (RFC 7239) or
 * X-Forwarded-For.
 *
 * Pure code: no I/O, no allocation, no logging.
 */
#ifndef WSB_NETADDR_H
#define WSB_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http.h"

#define NETADDR_STRLEN	46	/* INET6_ADDRSTRLEN: room for any result */

struct netaddr_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order, host bits zero */
	unsigned int	prefix;		/* 0-32 or 0-128 */
};

/*
 * netaddr_cidr_parse(s, out):
 * Parse "10.0.0.0/8", "::1/128", "::ffff:0:0/96" or a lone address (a host:
 * /32 or /128).  Host bits set under the prefix ("10.1.2.3/8") are cleared.
 * No blanks, brackets, zone ids or leading zeros in the prefix length.
 * Returns 0, or -1 when s is not a CIDR block.
 */
int	netaddr_cidr_parse(const char *, struct netaddr_cidr *);

/*
 * netaddr_cidr_match(cidr, sa): sa (AF_INET or AF_INET6; anything else never
 * matches) lies inside cidr.  IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * match IPv4 blocks, and IPv4 addresses match IPv6 blocks in their mapped
 * form, so "::ffff:0:0/96" matches every IPv4 client.
 */
bool	netaddr_cidr_match(const struct netaddr_cidr *,
	    const struct sockaddr *);

/*
 * netaddr_forwarded_for(req, out, outlen):
 * The client address reported by the proxy in front of us, to be used only
 * when the peer is a trusted proxy.  When any Forwarded header is present,
 * the for= parameter of the last element of the list (all Forwarded fields
 * together) is the answer, and X-Forwarded-For is not consulted; otherwise
 * the last element of the X-Forwarded-For list.  A port is stripped
 * ("[2001:db8::1]:443", "192.0.2.1:80"); "unknown", obfuscated identifiers
 * ("_hidden") and anything that is not an IP address give -1.  The address
 * is written in its canonical text form (inet_ntop), NUL-terminated, into
 * out (NETADDR_STRLEN bytes always suffice).  Returns 0, or -1 (out is then
 * unspecified) when there is no usable address or it does not fit.
 */
int	netaddr_forwarded_for(const struct http_request *, char *, size_t);

/* netaddr_forwarded(req, out, outlen): the same, from Forwarded only. */
int	netaddr_forwarded(const struct http_request *, char *, size_t);

/*
 * netaddr_xff(req, out, outlen): the same, from the last element of
 * X-Forwarded-For only (for proxies that set XFF and pass a client's
 * Forwarded header through untouched).
 */
int	netaddr_xff(const struct http_request *, char *, size_t);

#endif
