/*
 * fuzz_http.c - libFuzzer target for http_parse_request() and
 * http_scan_head(): lengths and pointers stay inside the input, every prefix
 * agrees with the whole, the scan agrees with the parser, and the list
 * helpers stay inside each value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define NHDR	8
#define BIGHDR	64

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
inside(const char *p, size_t n, const char *buf, size_t len)
{

	FUZZ_ASSERT(p >= buf && n <= len && (size_t)(p - buf) <= len - n);
}

static int
parse(const char *buf, size_t len, struct http_request *req,
    struct http_header *h, size_t max)
{

	memset(req, 0, sizeof(*req));
	req->headers = h;
	return (http_parse_request(buf, len, req, max));
}

static void
check_head(const char *buf, int r, const struct http_request *req)
{
	const struct http_header *h;
	const char *e;
	size_t i, pos, prev, elen, len = (size_t)r;

	inside(req->method, req->method_len, buf, len);
	inside(req->target, req->target_len, buf, len);
	FUZZ_ASSERT(req->method_len > 0 && req->target_len > 0);
	FUZZ_ASSERT(req->minor_version >= 0 && req->minor_version <= 9);
	for (i = 0; i < req->num_headers; i++) {
		h = &req->headers[i];
		inside(h->name, h->name_len, buf, len);
		inside(h->value, h->value_len, buf, len);
		FUZZ_ASSERT(h->name_len > 0);
		FUZZ_ASSERT(memchr(h->name, ':', h->name_len) == NULL);
		if (h->value_len > 0) {
			FUZZ_ASSERT(h->value[0] != ' ' && h->value[0] != '\t');
			FUZZ_ASSERT(h->value[h->value_len - 1] != ' ' &&
			    h->value[h->value_len - 1] != '\t');
		}
		FUZZ_ASSERT(memchr(h->value, '\0', h->value_len) == NULL);
		FUZZ_ASSERT(memchr(h->value, '\r', h->value_len) == NULL);
		FUZZ_ASSERT(memchr(h->value, '\n', h->value_len) == NULL);

		pos = 0;
		for (;;) {
			prev = pos;
			if (!http_list_next(h->value, h->value_len, &pos, &e,
			    &elen))
				break;
			FUZZ_ASSERT(pos > prev && pos <= h->value_len);
			inside(e, elen, h->value, h->value_len);
			FUZZ_ASSERT(elen > 0 && memchr(e, ',', elen) == NULL);
			FUZZ_ASSERT(http_list_has(req, "x", "x") ||
			    !http_token_eq(h->name, h->name_len, "x") ||
			    !http_token_eq(e, elen, "x"));
		}
		FUZZ_ASSERT(http_find_header(req, "Host", i) == -1 ||
		    (size_t)http_find_header(req, "Host", i) >= i);
	}
	(void)http_reason(-r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header h[NHDR], hb[BIGHDR], hp[NHDR];
	struct http_request req, big, pre;
	struct http_scan sc;
	const char *buf = (const char *)data;
	size_t p, step;
	int r, rb, rp, rs;

	r = parse(buf, size, &req, h, NHDR);
	FUZZ_ASSERT(r == HTTP_INCOMPLETE || r == -400 || r == -431 ||
	    r == -505 || (r > 0 && (size_t)r <= size));
	if (r > 0)
		check_head(buf, r, &req);

	/* More room for headers changes nothing but -431. */
	rb = parse(buf, size, &big, hb, BIGHDR);
	if (r != -431) {
		FUZZ_ASSERT(rb == r);
		FUZZ_ASSERT(big.num_headers == req.num_headers || r <= 0);
	}
	if (rb > 0)
		check_head(buf, rb, &big);

	/*
	 * The scan, fed a byte at a time or whole, agrees with itself and
	 * with the parser: a head the parser finds is found at the same
	 * length; a length the scan finds gives the parser that head or an
	 * error; a byte the scan refuses is one the parser never accepts.
	 */
	http_scan_init(&sc);
	rs = HTTP_INCOMPLETE;
	for (p = 1; p <= size && rs == HTTP_INCOMPLETE; p++)
		rs = http_scan_head(&sc, buf, p);
	http_scan_init(&sc);
	FUZZ_ASSERT(http_scan_head(&sc, buf, size) == rs);
	if (r > 0)
		FUZZ_ASSERT(rs == r);
	if (rs > 0) {
		rp = parse(buf, (size_t)rs, &pre, hp, NHDR);
		FUZZ_ASSERT(rp == rs || rp < 0);
	}
	if (rs < 0)
		FUZZ_ASSERT(rs == -400 && r <= 0);

	/* A prefix is incomplete, or already decided the same way. */
	step = size <= 2048 ? 1 : size / 512;
	for (p = 0; p < size; p += step) {
		rp = parse(buf, p, &pre, hp, NHDR);
		if (r > 0 && p < (size_t)r)
			FUZZ_ASSERT(rp == HTTP_INCOMPLETE);
		else if (r > 0)
			FUZZ_ASSERT(rp == r);
		else
			FUZZ_ASSERT(rp == HTTP_INCOMPLETE || rp == r);
	}
	return (0);
}
