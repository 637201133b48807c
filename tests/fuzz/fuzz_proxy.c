/*
 * fuzz_proxy.c - libFuzzer target for proxy_parse(): the result stays
 * inside the input, every prefix agrees with the whole, bytes after a
 * header change nothing, and a v1 TCP4 header prints back as it came.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_info(const uint8_t *buf, int r, const struct proxy_info *pi)
{
	struct sockaddr_in s4, d4;
	char line[PROXY_V1_MAX + 1], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int n;

	if (pi->local) {
		FUZZ_ASSERT(pi->family == AF_UNSPEC);
		return;
	}
	FUZZ_ASSERT(pi->family == AF_INET || pi->family == AF_INET6);
	FUZZ_ASSERT(pi->src.ss_family == pi->family);
	FUZZ_ASSERT(pi->dst.ss_family == pi->family);
	if (buf[0] != 'P' || pi->family != AF_INET)
		return;
	/* v1 TCP4 is strict enough to have one spelling. */
	memcpy(&s4, &pi->src, sizeof(s4));
	memcpy(&d4, &pi->dst, sizeof(d4));
	FUZZ_ASSERT(inet_ntop(AF_INET, &s4.sin_addr, a, sizeof(a)) != NULL);
	FUZZ_ASSERT(inet_ntop(AF_INET, &d4.sin_addr, b, sizeof(b)) != NULL);
	n = snprintf(line, sizeof(line), "PROXY TCP4 %s %s %u %u\r\n", a, b,
	    (unsigned)ntohs(s4.sin_port), (unsigned)ntohs(d4.sin_port));
	FUZZ_ASSERT(n == r && memcmp(line, buf, (size_t)n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_info pi, pp;
	uint8_t *more;
	size_t p, step;
	int r, rp, last;

	r = proxy_parse(data, size, &pi);
	FUZZ_ASSERT(r == -1 || r == PROXY_INCOMPLETE ||
	    (r > 0 && (size_t)r <= size));
	if (r > 0) {
		FUZZ_ASSERT(r <= PROXY_V2_MAX);
		FUZZ_ASSERT(data[0] != 'P' || r <= PROXY_V1_MAX);
		check_info(data, r, &pi);
	}
	if (r == PROXY_INCOMPLETE)
		FUZZ_ASSERT(data[0] != 'P' || size < PROXY_V1_MAX);

	/* Prefixes: incomplete, then decided once and for all. */
	last = PROXY_INCOMPLETE;
	step = size <= 4096 ? 1 : size / 1024;
	for (p = 0; p < size; p += step) {
		rp = proxy_parse(data, p, &pp);
		if (r > 0 && p < (size_t)r)
			FUZZ_ASSERT(rp == PROXY_INCOMPLETE);
		else if (r > 0)
			FUZZ_ASSERT(rp == r);
		else
			FUZZ_ASSERT(rp == PROXY_INCOMPLETE || rp == r);
		if (last == -1)
			FUZZ_ASSERT(rp == -1);
		last = rp;
	}

	/* What follows a complete header is none of its business. */
	if (r > 0 && (more = malloc(size + 3)) != NULL) {
		memcpy(more, data, size);
		memcpy(more + size, "\0\r\n", 3);
		rp = proxy_parse(more, size + 3, &pp);
		FUZZ_ASSERT(rp == r);
		FUZZ_ASSERT(pp.local == pi.local && pp.family == pi.family);
		FUZZ_ASSERT(memcmp(&pp.src, &pi.src, sizeof(pi.src)) == 0);
		free(more);
	}
	return (0);
}
