/*
 * fuzz_origin.c - libFuzzer target for origin: the input is
 * "origin\nhost\npattern...", and the answers must agree with each other
 * (an origin always matches itself as a pattern and its own host:port).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "origin.h"

#define NPAT	8

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *star = "*", *lh = "localhost", *sub = "*.localhost";
	const char *pats[NPAT + 1];
	char *copy, *p, *nl, *origin, *host, *self;
	const char *h, *close;
	size_t olen, hlen, n = 0, i;
	bool any, one, port;

	if ((copy = malloc(size + 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	copy[size] = '\0';
	origin = copy;
	nl = memchr(copy, '\n', size);
	olen = nl != NULL ? (size_t)(nl - copy) : size;
	host = nl != NULL ? nl + 1 : copy + size;
	nl = strchr(host, '\n');
	hlen = nl != NULL ? (size_t)(nl - host) : strlen(host);
	for (p = nl; p != NULL && n < NPAT; ) {
		*p++ = '\0';
		pats[n++] = p;
		p = strchr(p, '\n');
	}

	/* Lengths are honoured: the bytes after them do not matter. */
	any = origin_allowed(origin, olen, pats, n);
	for (one = false, i = 0; i < n; i++)
		one = one || origin_allowed(origin, olen, &pats[i], 1);
	FUZZ_ASSERT(any == one);
	if (any) {
		FUZZ_ASSERT(olen != 4 || memcmp(origin, "null", 4) != 0);
		for (i = 0; i < n; i++)
			if (origin_allowed(origin, olen, &pats[i], 1))
				FUZZ_ASSERT(origin_pattern_valid(pats[i]));
	}
	(void)origin_same(origin, olen, host, hlen, true);
	(void)origin_same(origin, olen, host, hlen, false);

	/* Server names: "*" takes any well-formed Host, and a loopback
	 * Host is one "localhost" or an address names. */
	any = origin_host_allowed(host, hlen, pats, n);
	for (one = false, i = 0; i < n; i++)
		one = one || origin_host_allowed(host, hlen, &pats[i], 1);
	FUZZ_ASSERT(any == one);
	if (origin_host_loopback(host, hlen)) {
		FUZZ_ASSERT(origin_host_allowed(host, hlen, &star, 1));
		FUZZ_ASSERT(hlen > 0 && (host[0] == '[' ||
		    (host[0] >= '0' && host[0] <= '9') ||
		    origin_host_allowed(host, hlen, &lh, 1) ||
		    origin_host_allowed(host, hlen, &sub, 1)));
	}

	/* A well-formed origin is allowed by itself as a pattern. */
	if ((self = malloc(olen + 1)) != NULL) {
		memcpy(self, origin, olen);
		self[olen] = '\0';
		pats[0] = self;
		if (strstr(self, "://") != NULL && origin_pattern_valid(self) &&
		    strlen(self) == olen)
			FUZZ_ASSERT(origin_allowed(origin, olen, pats, 1));
		if (origin_allowed(origin, olen, pats, 1)) {
			/*
			 * ...and has the same host:port as a Host header
			 * copied from it, unless its scheme has no default
			 * port and it gives none.
			 */
			h = strstr(self, "://") + 3;
			close = h[0] == '[' ? strchr(h, ']') : h - 1;
			port = close != NULL && strchr(close + 1, ':') != NULL;
			if (port)
				FUZZ_ASSERT(origin_same(origin, olen, h,
				    strlen(h), false) && origin_same(origin,
				    olen, h, strlen(h), true));
			else if (strncmp(self, "http://", 7) == 0)
				FUZZ_ASSERT(origin_same(origin, olen, h,
				    strlen(h), false));
			else if (strncmp(self, "https://", 8) == 0)
				FUZZ_ASSERT(origin_same(origin, olen, h,
				    strlen(h), true));
		}
		free(self);
	}
	free(copy);
	return (0);
}
