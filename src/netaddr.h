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

/* Which header a trusted proxy reports the client in. */
enum netaddr_header {
	NETADDR_XFF,		/* X-Forwarded-For (the default) */
	NETADDR_FORWARDED	/* Forwarded, RFC 7239 */
};

#define NETADDR_HOPS_MAX 32	/* list elements looked at, from the right */

/*
 * netaddr_client(req, which, cidrs, ncidrs, out, outlen, https):
 * The client address reported in the header which (all its fields, in
 * order, one list), to be used only when the peer is a trusted proxy.  The
 * list is walked from the right, the element the nearest proxy added
 * first: an address inside one of the ncidrs blocks is another trusted
 * proxy and the walk goes on; the first address that is not is the client
 * (nginx's real_ip_recursive).  When all are trusted, the leftmost one
 * looked at is the answer; at most the last NETADDR_HOPS_MAX elements are.
 * An element that is not an address ("unknown", "_hidden", garbage, a
 * Forwarded element without for=) ends the walk: the answer is the last
 * address before it, or none.  For Forwarded the address is for='s; a
 * port is stripped ("[2001:db8::1]:443", "192.0.2.1:80").  The address is
 * written in its canonical text form (inet_ntop), NUL-terminated, into out
 * (NETADDR_STRLEN bytes always suffice), and *https (unless NULL) tells
 * whether the answer's Forwarded element says proto=https.  Returns 0, or
 * -1 (out untouched) when there is no usable address or it does not fit.
 */
int	netaddr_client(const struct http_request *, enum netaddr_header,
	    const struct netaddr_cidr *, size_t, char *, size_t, bool *);

#endif
