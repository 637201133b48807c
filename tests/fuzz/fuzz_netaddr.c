/*
 * fuzz_netaddr.c - libFuzzer target for netaddr: the input's first line is
 * a CIDR to parse, the rest header lines of a request whose Forwarded /
 * X-Forwarded-For address (with no proxy trusted, and with that CIDR
 * trusted) must, when found, be an IP address that parses back to itself
 * and matches its own /32 or /128.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http.h"
#include "netaddr.h"

#define NHDR	16

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_addr(const char *a)
{
	struct netaddr_cidr c;
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char back[NETADDR_STRLEN];

	FUZZ_ASSERT(netaddr_cidr_parse(a, &c) == 0);
	FUZZ_ASSERT(c.prefix == (c.family == AF_INET ? 32U : 128U));
	memset(&ss, 0, sizeof(ss));
	if (c.family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, c.addr, 4);
		memcpy(&ss, &sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, c.addr, 16);
		memcpy(&ss, &sin6, sizeof(sin6));
	}
	FUZZ_ASSERT(netaddr_cidr_match(&c, (struct sockaddr *)&ss));
	FUZZ_ASSERT(inet_ntop(c.family, c.addr, back, sizeof(back)) != NULL);
	FUZZ_ASSERT(strcmp(back, a) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[NHDR];
	struct http_request req;
	struct netaddr_cidr c, c2;
	char *buf, *nl, out[NETADDR_STRLEN], small[8];
	char text[NETADDR_STRLEN + 8];
	size_t first, n;
	enum netaddr_header which;
	bool have_cidr = false, https;
	int k, r;

	nl = memchr(data, '\n', size);
	first = nl != NULL ? (size_t)(nl - (const char *)data) : size;
	if ((buf = malloc(first + 1)) == NULL)
		return (0);
	memcpy(buf, data, first);
	buf[first] = '\0';
	if (netaddr_cidr_parse(buf, &c) == 0) {
		have_cidr = true;
		FUZZ_ASSERT(c.family == AF_INET || c.family == AF_INET6);
		FUZZ_ASSERT(c.prefix <= (c.family == AF_INET ? 32U : 128U));
		/* Parsing the block's own network gives the same block. */
		if (inet_ntop(c.family, c.addr, out, sizeof(out)) != NULL) {
			snprintf(text, sizeof(text), "%s/%u", out, c.prefix);
			FUZZ_ASSERT(netaddr_cidr_parse(text, &c2) == 0);
			FUZZ_ASSERT(memcmp(&c, &c2, sizeof(c)) == 0);
		}
	}
	free(buf);

	/* The rest: header lines after a fixed request line. */
	n = size - first;
	if ((buf = malloc(n + 32)) == NULL)
		return (0);
	memcpy(buf, "GET / HTTP/1.1", 14);
	memcpy(buf + 14, data + first, n);
	memset(&req, 0, sizeof(req));
	req.headers = h;
	if (http_parse_request(buf, n + 14, &req, NHDR) > 0) {
		for (k = 0; k < 2; k++) {
			which = k == 0 ? NETADDR_XFF : NETADDR_FORWARDED;
			r = netaddr_client(&req, which, NULL, 0, out,
			    sizeof(out), &https);
			FUZZ_ASSERT(r == 0 || r == -1);
			if (r == 0)
				check_addr(out);
			/* With the first line's block trusted: the same. */
			if (have_cidr && netaddr_client(&req, which, &c, 1,
			    out, sizeof(out), NULL) == 0)
				check_addr(out);
			if (netaddr_client(&req, which, NULL, 0, small,
			    sizeof(small), NULL) == 0)
				FUZZ_ASSERT(strlen(small) < sizeof(small));
		}
	}
	free(buf);
	return (0);
}
