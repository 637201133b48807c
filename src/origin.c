/*
 * origin.c - parse Origin values, Host values and allow-list patterns, and
 * compare them.  Works on (pointer, length) pairs of the caller's; no I/O,
 * no malloc, no logging.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "origin.h"

#define NO_PORT	(-1)

/* An origin split into its parts; pointers into the parsed text. */
struct origin {
	const char	*scheme;	/* NULL for a bare host */
	size_t		scheme_len;
	const char	*host;		/* "[...]" kept for IPv6 */
	size_t		host_len;
	long		port;		/* explicit port, or NO_PORT */
};

static bool
is_alpha(char c)
{

	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static bool
is_digit(char c)
{

	return (c >= '0' && c <= '9');
}

static char
lower(char c)
{

	return ((c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
}

static bool
ci_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return (false);
	for (i = 0; i < alen; i++)
		if (lower(a[i]) != lower(b[i]))
			return (false);
	return (true);
}

/*
 * host_end(s, len): length of the host at the start of s: a bracketed IPv6
 * literal, or a DNS-ish name (letters, digits, '-', '.', '_', '~').  0 when
 * there is none.
 */
static size_t
host_end(const char *s, size_t len)
{
	size_t i;

	if (len > 0 && s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!is_digit(s[i]) && s[i] != ':' && s[i] != '.' &&
			    !(lower(s[i]) >= 'a' && lower(s[i]) <= 'f'))
				return (0);
		return ((i < len && i > 1) ? i + 1 : 0);
	}
	for (i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != '_' && s[i] != '~')
			break;
	return (i);
}

/* port(s, len, out): 1-5 digits, no leading zero, at most 65535. */
static bool
port(const char *s, size_t len, long *out)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return (false);
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return (false);
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return (false);
	*out = v;
	return (true);
}

/* hostport(s, len, o): host [":" port], all of s. */
static bool
hostport(const char *s, size_t len, struct origin *o)
{
	size_t h;

	h = host_end(s, len);
	if (h == 0)
		return (false);
	o->host = s;
	o->host_len = h;
	o->port = NO_PORT;
	if (h == len)
		return (true);
	return (s[h] == ':' && port(s + h + 1, len - h - 1, &o->port));
}

/* parse_origin(s, len, o): scheme "://" host [":" port], nothing more. */
static bool
parse_origin(const char *s, size_t len, struct origin *o)
{
	size_t i;

	if (len == 0 || !is_alpha(s[0]))
		return (false);
	for (i = 1; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '+' &&
		    s[i] != '-' && s[i] != '.')
			break;
	if (len - i < 3 || memcmp(s + i, "://", 3) != 0)
		return (false);
	o->scheme = s;
	o->scheme_len = i;
	return (hostport(s + i + 3, len - i - 3, o));
}

static long
default_port(const struct origin *o)
{

	if (ci_eq(o->scheme, o->scheme_len, "http", 4) ||
	    ci_eq(o->scheme, o->scheme_len, "ws", 2))
		return (80);
	if (ci_eq(o->scheme, o->scheme_len, "https", 5) ||
	    ci_eq(o->scheme, o->scheme_len, "wss", 3))
		return (443);
	return (NO_PORT);
}

static long
eff_port(const struct origin *o)
{

	return (o->port != NO_PORT ? o->port : default_port(o));
}

enum pattern_kind {
	PAT_BAD,
	PAT_EXACT,		/* scheme://host[:port] */
	PAT_SUFFIX,		/* *.host: o is the suffix after '*' */
	PAT_HOST		/* host */
};

static enum pattern_kind
parse_pattern(const char *p, struct origin *o)
{
	size_t len = strlen(p);

	if (strstr(p, "://") != NULL)
		return (parse_origin(p, len, o) ? PAT_EXACT : PAT_BAD);
	if (len > 2 && p[0] == '*' && p[1] == '.') {
		/* Keep the dot: "*.example.com" matches "*.example.com". */
		if (host_end(p + 2, len - 2) != len - 2 || p[2] == '[')
			return (PAT_BAD);
		o->host = p + 1;
		o->host_len = len - 1;
		return (PAT_SUFFIX);
	}
	if (host_end(p, len) != len || len == 0)
		return (PAT_BAD);
	o->host = p;
	o->host_len = len;
	return (PAT_HOST);
}

bool
origin_pattern_valid(const char *pattern)
{
	struct origin o;

	return (parse_pattern(pattern, &o) != PAT_BAD);
}

static bool
pattern_match(const char *p, const struct origin *o)
{
	struct origin q;
	size_t off;

	switch (parse_pattern(p, &q)) {
	case PAT_EXACT:
		return (ci_eq(q.scheme, q.scheme_len, o->scheme,
		    o->scheme_len) && ci_eq(q.host, q.host_len, o->host,
		    o->host_len) && eff_port(&q) == eff_port(o));
	case PAT_SUFFIX:
		/* At least one label before the ".example.com". */
		if (o->host_len <= q.host_len || o->host[0] == '.')
			return (false);
		off = o->host_len - q.host_len;
		return (ci_eq(o->host + off, q.host_len, q.host, q.host_len));
	case PAT_HOST:
		return (ci_eq(o->host, o->host_len, q.host, q.host_len));
	default:
		return (false);
	}
}

bool
origin_allowed(const char *origin, size_t len, const char *const *patterns,
    size_t n)
{
	struct origin o;
	size_t i;

	/* RFC 6454 §7.3: "null" is an opaque origin, never on a list. */
	if (!parse_origin(origin, len, &o))
		return (false);
	for (i = 0; i < n; i++)
		if (patterns[i] != NULL && pattern_match(patterns[i], &o))
			return (true);
	return (false);
}

bool
origin_same(const char *origin, size_t len, const char *host,
    size_t hostlen, bool tls)
{
	struct origin o, h;
	long op, hp;

	if (!parse_origin(origin, len, &o) || !hostport(host, hostlen, &h))
		return (false);
	op = eff_port(&o);
	hp = h.port != NO_PORT ? h.port : (tls ? 443 : 80);
	return (op != NO_PORT && op == hp &&
	    ci_eq(o.host, o.host_len, h.host, h.host_len));
}

/*
 * host_name(host, len, o): the name part of a Host value (host [":" port])
 * in o, with one trailing dot of a DNS name dropped ("example.org." is
 * "example.org").  False when it is not host [":" port].
 */
static bool
host_name(const char *host, size_t len, struct origin *o)
{

	if (!hostport(host, len, o))
		return (false);
	if (o->host[0] != '[' && o->host_len > 1 &&
	    o->host[o->host_len - 1] == '.')
		o->host_len--;
	return (true);
}

bool
origin_name_valid(const char *name)
{
	struct origin o;

	if (strcmp(name, "*") == 0)
		return (true);
	return (strstr(name, "://") == NULL &&
	    parse_pattern(name, &o) != PAT_BAD);
}

bool
origin_host_allowed(const char *host, size_t len, const char *const *names,
    size_t n)
{
	struct origin o;
	size_t i;

	if (!host_name(host, len, &o))
		return (false);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL || strstr(names[i], "://") != NULL)
			continue;
		if (strcmp(names[i], "*") == 0 || pattern_match(names[i], &o))
			return (true);
	}
	return (false);
}

/* ipv4_loopback(s, len): s is a dotted-quad address in 127.0.0.0/8. */
static bool
ipv4_loopback(const char *s, size_t len)
{
	size_t i, digits = 0, dots = 0;
	unsigned v = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (digits == 0 || ++dots > 3)
				return (false);
			digits = 0;
			v = 0;
			continue;
		}
		/* No leading zeros: "0127.0.0.1" is octal to some. */
		if (!is_digit(s[i]) || (digits == 1 && v == 0) ||
		    ++digits > 3 || (v = v * 10 + (unsigned)(s[i] - '0')) >
		    255)
			return (false);
	}
	return (dots == 3 && digits > 0 && len >= 4 && s[0] == '1' &&
	    s[1] == '2' && s[2] == '7' && s[3] == '.');
}

bool
origin_host_loopback(const char *host, size_t len)
{
	static const char sub[] = ".localhost";
	struct origin o;
	size_t n = sizeof(sub) - 1;

	if (!host_name(host, len, &o))
		return (false);
	if (ci_eq(o.host, o.host_len, "localhost", 9) ||
	    ci_eq(o.host, o.host_len, "[::1]", 5))
		return (true);
	/* RFC 6761 §6.3: names under .localhost are loopback too. */
	if (o.host_len > n && o.host[0] != '.' &&
	    ci_eq(o.host + o.host_len - n, n, sub, n))
		return (true);
	return (ipv4_loopback(o.host, o.host_len));
}
