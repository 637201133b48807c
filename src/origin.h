/*
 * origin.h - Origin header policy (RFC 6454, RFC 6455 §10.2): is a
 * browser's Origin on the allow list, or the same as the Host it asked for.
 *
 * Pure code: no I/O, no allocation, no logging.
 */
#ifndef WSB_ORIGIN_H
#define WSB_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * origin_pattern_valid(pattern): pattern has one of the forms that
 * origin_allowed() understands (for checking a configuration):
 *   "https://example.com", "http://example.com:8080"  one exact origin
 *   "*.example.com"   any scheme and port, any subdomain (not example.com)
 *   "example.com"     any scheme and port, exactly this host
 * A host is a DNS name or a bracketed IPv6 address; "*" alone is not valid.
 */
bool	origin_pattern_valid(const char *);

/*
 * origin_allowed(origin, len, patterns, n):
 * The Origin value origin[0..len) matches one of the n patterns (see
 * origin_pattern_valid(); invalid patterns match nothing).  Scheme and host
 * compare case-insensitively; an exact pattern without a port means the
 * scheme's default (80 for http/ws, 443 for https/wss), so
 * "https://example.com:443" and "https://example.com" are the same.  An
 * Origin that is "null" or not a well-formed scheme://host[:port] never
 * matches.
 */
bool	origin_allowed(const char *, size_t, const char *const *, size_t);

/*
 * origin_same(origin, len, host, hostlen, tls):
 * The Origin's host and port equal those of the Host header value
 * host[0..hostlen); a missing port is the scheme's default for the Origin
 * and 443 (tls) or 80 for Host.  False for "null", malformed values and an
 * Origin with an unknown scheme and no port.
 */
bool	origin_same(const char *, size_t, const char *, size_t, bool);

/*
 * Host names, against DNS rebinding: a page whose name resolves to this
 * server sends its own name in Host, whatever its Origin says.
 *
 * origin_name_valid(name): name is a server name origin_host_allowed()
 * understands: "example.org" (any port), "*.example.org" (its subdomains,
 * not itself), "[::1]", or "*" (any Host).
 */
bool	origin_name_valid(const char *);

/*
 * origin_host_allowed(host, len, names, n):
 * The Host value host[0..len) (host [":" port]) names one of the n server
 * names (see origin_name_valid(); others match nothing), whatever its port.
 * Case-insensitive; a trailing dot on the Host's name is ignored.
 */
bool	origin_host_allowed(const char *, size_t, const char *const *,
	    size_t);

/*
 * origin_host_loopback(host, len): the Host value names this machine's
 * loopback, with or without a port: "localhost" or a name under
 * ".localhost" (RFC 6761 §6.3, which browsers resolve themselves), an IPv4
 * address in 127.0.0.0/8, or "[::1]".
 */
bool	origin_host_loopback(const char *, size_t);

#endif
