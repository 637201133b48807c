/*
 * fuzz_pmd.c - libFuzzer entry for permessage-deflate.  The first byte
 * picks what the rest is:
 *   0: compressed messages for pmd_inflate_feed(), inflated whole with a
 *      big buffer and in small pieces into a small buffer (byte 1: window
 *      bits, context takeover, piece size, outcap; byte 2: where the first
 *      message ends).  Both must agree on bytes and errors (on an error,
 *      up to the call that failed) and never write past outcap.  Output
 *      is cut at a limit, as the caller does.
 *   1: Sec-WebSocket-Extensions values (one field per line) for
 *      pmd_negotiate() (byte 1: the server's config).  An accepted answer
 *      is well-formed, in range, and accepted unchanged when offered back.
 *   2: message bytes through pmd_deflate_feed() with a small buffer and
 *      back through pmd_inflate_feed(); they must come back the same.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "pmd.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

#define LIMIT_BIG	(1 << 20)	/* output cut-off, 4 KiB buffer */
#define LIMIT_SMALL	(64 << 10)	/* output cut-off, tiny buffer */
#define NFIELD		4

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t out_big[LIMIT_BIG + 4096], out_small[LIMIT_SMALL + 64];

struct result {
	int		status;		/* 0 ok, PMD_ERR_*, 1 cut at limit */
	size_t		len;		/* bytes produced in total */
	size_t		msg_end;	/* len when message 1 was complete */
};

/*
 * Inflate messages in[0..split) and in[split..len) in pieces of step bytes
 * (0: whole) with outcap bytes per call, appending to res until limit.
 */
static void
inflate_run(int bits, bool nct, const uint8_t *in, size_t len, size_t split,
    size_t step, size_t outcap, uint8_t *res, size_t limit, struct result *r)
{
	struct pmd_inflate z;
	uint8_t *buf;
	size_t m, off, end, n, used, c, p;
	bool fin;
	int st;

	memset(r, 0, sizeof(*r));
	FUZZ_ASSERT(pmd_inflate_init(&z, bits, nct) == 0);
	buf = malloc(outcap);		/* exact size: ASan sees overruns */
	FUZZ_ASSERT(buf != NULL);
	for (m = 0, off = 0; m < 2; m++) {
		end = m == 0 ? split : len;
		do {
			n = step == 0 || step > end - off ? end - off : step;
			fin = off + n == end;
			used = 0;
			for (;;) {
				st = pmd_inflate_feed(&z, in + off + used,
				    n - used, fin, buf, outcap, &c, &p);
				if (st != 0) {
					FUZZ_ASSERT(st == PMD_ERR_DATA);
					r->status = st;
					goto out;
				}
				FUZZ_ASSERT(c <= n - used && p <= outcap);
				if (r->len + p > limit) {
					r->status = 1;
					goto out;
				}
				memcpy(res + r->len, buf, p);
				r->len += p;
				used += c;
				if (used == n && p < outcap)
					break;
			}
			off += n;
		} while (off < end);
		if (m == 0)
			r->msg_end = r->len;
		pmd_inflate_idle(&z);
		FUZZ_ASSERT(!nct || !z.active);
	}
out:
	free(buf);
	pmd_inflate_end(&z);
}

static void
fuzz_inflate(const uint8_t *data, size_t size)
{
	struct result a, b;
	int bits;
	size_t split, step, outcap, n;
	bool nct;

	if (size < 2)
		return;
	bits = 8 + (data[0] & 7);
	nct = (data[0] & 8) != 0;
	step = (data[0] >> 4) & 7;		/* 0: whole */
	outcap = 1 + (size_t)(data[1] & 15);
	split = size - 2 == 0 ? 0 : data[1] % (size - 2 + 1);
	if (split > size - 2)
		split = size - 2;
	data += 2;
	size -= 2;

	inflate_run(bits, nct, data, size, split, 0, 4096, out_big, LIMIT_BIG,
	    &a);
	inflate_run(bits, nct, data, size, split, step, outcap, out_small,
	    LIMIT_SMALL, &b);
	n = a.len < b.len ? a.len : b.len;
	FUZZ_ASSERT(memcmp(out_big, out_small, n) == 0);
	/* what a failing call wrote is not reported, so on an error only
	   the prefix before it has to agree */
	if (a.status != 1 && b.status != 1) {
		FUZZ_ASSERT(a.status == b.status);
		FUZZ_ASSERT(a.msg_end == b.msg_end);
		FUZZ_ASSERT(a.status != 0 || a.len == b.len);
	}
}

static void
check_answer(const struct pmd_config *cfg, const struct pmd_params *p,
    const char *answer)
{
	struct http_header h;
	struct http_request req;
	struct pmd_params p2;
	char again[PMD_ANSWER_MAX];
	int max = cfg->max_window_bits < 9 ? 9 : cfg->max_window_bits;

	FUZZ_ASSERT(strlen(answer) < PMD_ANSWER_MAX);
	FUZZ_ASSERT(strncmp(answer, "permessage-deflate", 18) == 0);
	FUZZ_ASSERT(p->server_window_bits >= 9 &&
	    p->server_window_bits <= max);
	FUZZ_ASSERT(p->client_window_bits >= 8 &&
	    p->client_window_bits <= 15);
	FUZZ_ASSERT(!cfg->server_no_context_takeover ||
	    p->server_no_context_takeover);
	FUZZ_ASSERT((strstr(answer, "server_no_context_takeover") != NULL) ==
	    p->server_no_context_takeover);
	FUZZ_ASSERT((strstr(answer, "client_no_context_takeover") != NULL) ==
	    p->client_no_context_takeover);

	/* our answer, offered back, is accepted as it is */
	memset(&req, 0, sizeof(req));
	h.name = "Sec-WebSocket-Extensions";
	h.name_len = strlen(h.name);
	h.value = answer;
	h.value_len = strlen(answer);
	req.headers = &h;
	req.num_headers = 1;
	FUZZ_ASSERT(pmd_negotiate(&req, cfg, &p2, again, sizeof(again)) == 1);
	FUZZ_ASSERT(strcmp(again, answer) == 0);
	FUZZ_ASSERT(p2.server_window_bits == p->server_window_bits &&
	    p2.server_no_context_takeover == p->server_no_context_takeover &&
	    p2.client_window_bits == p->client_window_bits &&
	    p2.client_no_context_takeover == p->client_no_context_takeover);
}

static void
fuzz_negotiate(const uint8_t *data, size_t size)
{
	struct http_header h[NFIELD + 1];
	struct http_request req;
	struct pmd_config cfg;
	struct pmd_params p;
	char answer[PMD_ANSWER_MAX], small[24];
	const char *s, *nl;
	size_t len, n = 0;
	int r;

	if (size < 1)
		return;
	cfg.enabled = true;
	cfg.level = 6;
	cfg.max_window_bits = 8 + (data[0] & 7);
	cfg.server_no_context_takeover = (data[0] & 8) != 0;
	s = (const char *)data + 1;
	len = size - 1;
	memset(&req, 0, sizeof(req));
	req.headers = h;
	/* one field per line; a decoy field in between */
	while (n < NFIELD + 1) {
		nl = memchr(s, '\n', len);
		h[n].name = n == 1 ? "Sec-WebSocket-Protocol" :
		    "sec-websocket-extensions";
		h[n].name_len = strlen(h[n].name);
		h[n].value = s;
		h[n].value_len = nl != NULL ? (size_t)(nl - s) : len;
		n++;
		if (nl == NULL)
			break;
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	req.num_headers = n;

	memset(answer, 'x', sizeof(answer));
	r = pmd_negotiate(&req, &cfg, &p, answer, sizeof(answer));
	FUZZ_ASSERT(r == 0 || r == 1);
	if (r == 0)
		FUZZ_ASSERT(answer[0] == '\0');
	else
		check_answer(&cfg, &p, answer);
	/* a small buffer: an answer that fits, or none */
	r = pmd_negotiate(&req, &cfg, &p, small, sizeof(small));
	FUZZ_ASSERT((r == 1 && strlen(small) < sizeof(small)) ||
	    (r == 0 && small[0] == '\0'));
	cfg.enabled = false;
	FUZZ_ASSERT(pmd_negotiate(&req, &cfg, &p, answer, sizeof(answer)) ==
	    0);
}

static void
fuzz_roundtrip(const uint8_t *data, size_t size)
{
	static uint8_t comp[1 << 20], back[LIMIT_BIG + 4096];
	struct pmd_deflate d;
	struct result r;
	uint8_t buf[16];
	size_t clen = 0, used = 0, c, p, outcap;
	int level, bits;
	bool nct;

	if (size < 1 || size > 65536)
		return;
	(void)pmd_worth_compressing(data, size);
	level = data[0] % 10;
	bits = 8 + ((data[0] >> 4) & 7);
	nct = (data[0] & 0x80) != 0;
	outcap = 1 + (size_t)(data[0] % 16);
	FUZZ_ASSERT(pmd_deflate_init(&d, level, bits, nct) == 0);
	for (;;) {
		FUZZ_ASSERT(pmd_deflate_feed(&d, data + 1 + used, size - 1 -
		    used, true, buf, outcap, &c, &p) == 0);
		FUZZ_ASSERT(p <= outcap && clen + p <= sizeof(comp));
		memcpy(comp + clen, buf, p);
		clen += p;
		used += c;
		if (used == size - 1 && p < outcap)
			break;
	}
	pmd_deflate_end(&d);
	inflate_run(bits, nct, comp, clen, clen, 1, outcap, back, LIMIT_BIG,
	    &r);
	FUZZ_ASSERT(r.status == 0 && r.len == size - 1);
	FUZZ_ASSERT(memcmp(back, data + 1, size - 1) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{

	if (size < 1)
		return (0);
	switch (data[0] % 3) {
	case 0:
		fuzz_inflate(data + 1, size - 1);
		break;
	case 1:
		fuzz_negotiate(data + 1, size - 1);
		break;
	default:
		fuzz_roundtrip(data + 1, size - 1);
		break;
	}
	return (0);
}
