/*
 * proxy.h - HAProxy PROXY protocol header parser, versions 1 (text) and 2
 * (binary), as specified in haproxy's doc/proxy-protocol.txt.
 *
 * Stateless and pure: the caller hands every byte read so far and calls
 * again with more when told to; no I/O, no allocation, no logging.
 */
#ifndef WSB_PROXY_H
#define WSB_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PROXY_INCOMPLETE 0		/* more bytes are needed */
#define PROXY_V1_MAX	107		/* longest v1 line, CRLF included */
#define PROXY_V2_MAX	(16 + 65535)	/* longest v2 header */

/* What the proxy in front of us says about the connection. */
struct proxy_info {
	bool		local;		/* no addresses: use the socket's own */
	int		family;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	struct sockaddr_storage src;	/* the client, with its port */
	struct sockaddr_storage dst;	/* where the client connected to */
};

/*
 * proxy_parse(buf, len, out):
 * Parse a PROXY header at the start of buf (v2 by its 12-byte signature, v1
 * by "PROXY ").  Returns the header length (> 0) when it is complete and
 * valid, PROXY_INCOMPLETE when more bytes are needed, or -1 as soon as the
 * bytes seen so far cannot start a valid header.  The bytes after the header
 * belong to the caller.  out is filled only on success: src and dst are a
 * sockaddr_in or sockaddr_in6 with ports; out->local is true (family
 * AF_UNSPEC, addresses zero) for v1 "UNKNOWN", v2 LOCAL, and v2 PROXY with a
 * family/protocol we do not take addresses from (UNSPEC, UDP, AF_UNIX).
 * v2 TLVs are skipped after their lengths are checked; a PP2_TYPE_CRC32C TLV
 * is verified.
 */
int	proxy_parse(const uint8_t *, size_t, struct proxy_info *);

#endif
