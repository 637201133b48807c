/*
 * fuzz_handshake.c - libFuzzer target for the upgrade checks: any parsed
 * request gets a known status, an accepted one points into the input and
 * yields a well-formed 101, and every status yields an error reply.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"
#include "http.h"

#define NHDR	32

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const char *p, size_t n, const char *buf, size_t len)
{

	FUZZ_ASSERT(p >= buf && n <= len && (size_t)(p - buf) <= len - n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[NHDR];
	struct http_request req;
	struct handshake hs;
	const char *buf = (const char *)data, *why = NULL;
	char out[1024], acc[HS_ACCEPT_LEN + 1];
	size_t len;
	int r, st, n;

	memset(&req, 0, sizeof(req));
	req.headers = h;
	r = http_parse_request(buf, size, &req, NHDR);
	if (r <= 0) {
		/* The caller answers parse errors with the same writer. */
		if (r < 0)
			FUZZ_ASSERT(handshake_error(out, sizeof(out), -r, NULL,
			    NULL) > 0);
		return (0);
	}
	len = (size_t)r;

	(void)handshake_is_upgrade(&req);
	st = handshake_check(&req, &hs, &why);
	FUZZ_ASSERT(why != NULL);
	FUZZ_ASSERT(st == 0 || st == 400 || st == 405 || st == 426);
	if (st != 0) {
		n = handshake_error(out, sizeof(out), st, NULL, NULL);
		FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof(out));
		FUZZ_ASSERT(memcmp(out, "HTTP/1.1 ", 9) == 0);
		return (0);
	}

	FUZZ_ASSERT(handshake_is_upgrade(&req));
	FUZZ_ASSERT(req.minor_version >= 1);
	inside(hs.path, hs.path_len, buf, len);
	FUZZ_ASSERT(hs.path_len > 0 && hs.path[0] == '/');
	FUZZ_ASSERT(memchr(hs.path, '?', hs.path_len) == NULL);
	if (hs.query != NULL)
		inside(hs.query, hs.query_len, buf, len);
	inside(hs.host, hs.host_len, buf, len);
	FUZZ_ASSERT(hs.host_len > 0);
	if (hs.origin != NULL)
		inside(hs.origin, hs.origin_len, buf, len);
	inside(hs.key, 24, buf, len);
	FUZZ_ASSERT(strlen(hs.accept) == HS_ACCEPT_LEN);
	FUZZ_ASSERT(handshake_accept(hs.key, 24, acc) == 0);
	FUZZ_ASSERT(strcmp(acc, hs.accept) == 0);

	n = handshake_response(out, sizeof(out), &hs, NULL);
	FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof(out));
	FUZZ_ASSERT(memcmp(out, "HTTP/1.1 101 ", 13) == 0);
	FUZZ_ASSERT(memcmp(out + n - 4, "\r\n\r\n", 4) == 0);
	FUZZ_ASSERT(handshake_response(out, (size_t)n - 1, &hs, NULL) == -1);
	return (0);
}
