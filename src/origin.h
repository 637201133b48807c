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

#endif
