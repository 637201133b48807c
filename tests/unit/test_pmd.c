/*
 * test_pmd.c - permessage-deflate: negotiation of every parameter with and
 * without values, quoting, duplicates, unknown parameters, several offers
 * and fields; the RFC 7692 §7.2.3 examples byte for byte; inflate with the
 * input split at every offset and 1-byte output; a decompression bomb cut
 * off by the caller; deflate→inflate round trips against plain zlib; the
 * compressibility guess.  Input pieces end at an unmapped page and output
 * buffers are exactly outcap bytes from malloc (ASan sees any overrun).
 */
#define ZLIB_CONST

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "http.h"
#include "pmd.h"
#include "unit.h"

#define GUARD_MAX	(12 * 1024 * 1024)
#define BIG		(12 * 1024 * 1024)

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t
rng(void)
{

	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((uint32_t)(rng_state >> 32));
}

static void
fill_random(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

/* Words and punctuation: compresses like prose or JSON. */
static void
fill_text(uint8_t *p, size_t n)
{
	static const char *const words[] = { "the", "socket", "frame",
	    "message", "deflate", "window", "bridge", "{\"id\":", "\"op\":",
	    "close", "ping", "of", "and", "a", "server", "client", "1024",
	    "payload", "zlib", "context", "takeover", "\n", ", ", "." };
	size_t i = 0, l;
	const char *w;

	while (i < n) {
		w = words[rng() % (sizeof(words) / sizeof(words[0]))];
		l = strlen(w);
		if (l > n - i)
			l = n - i;
		memcpy(p + i, w, l);
		i += l;
		if (i < n)
			p[i++] = ' ';
	}
}

/* ---- negotiation ---------------------------------------------------- */

static const struct pmd_config cfg_default = { true, 6, 15, false };

static char reqbuf[4096];
static struct http_header hdrs[16];

/*
 * Negotiate a request carrying one Sec-WebSocket-Extensions field per
 * non-NULL value.  Returns pmd_negotiate()'s result.
 */
static int
neg(const struct pmd_config *cfg, const char *v1, const char *v2,
    struct pmd_params *p, char *answer, size_t alen)
{
	struct http_request req;
	size_t n;
	int r;

	n = (size_t)snprintf(reqbuf, sizeof(reqbuf),
	    "GET / HTTP/1.1\r\nHost: x\r\n%s%s%s%s%s%s"
	    "Upgrade: websocket\r\n\r\n",
	    v1 ? "Sec-WebSocket-Extensions: " : "", v1 ? v1 : "",
	    v1 ? "\r\n" : "", v2 ? "sec-websocket-extensions:" : "",
	    v2 ? v2 : "", v2 ? "\r\n" : "");
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	r = http_parse_request(reqbuf, n, &req, 16);
	if (r <= 0)
		abort();
	return (pmd_negotiate(&req, cfg, p, answer, alen));
}

/* Expect v1 (and v2) to be accepted with exactly the answer want. */
static int
accepts(const struct pmd_config *cfg, const char *v1, const char *v2,
    const char *want, struct pmd_params *p)
{
	char answer[PMD_ANSWER_MAX];

	memset(p, 0xa5, sizeof(*p));
	if (neg(cfg, v1, v2, p, answer, sizeof(answer)) != 1) {
		fprintf(stderr, "  declined: %s | %s\n", v1, v2 ? v2 : "");
		return (0);
	}
	if (strcmp(answer, want) != 0) {
		fprintf(stderr, "  %s: answer \"%s\", want \"%s\"\n", v1,
		    answer, want);
		return (0);
	}
	return (1);
}

static int
declines(const struct pmd_config *cfg, const char *v1, const char *v2)
{
	struct pmd_params p;
	char answer[PMD_ANSWER_MAX];

	memset(answer, 'x', sizeof(answer));
	if (neg(cfg, v1, v2, &p, answer, sizeof(answer)) != 0) {
		fprintf(stderr, "  accepted: %s | %s -> %s\n", v1 ? v1 : "",
		    v2 ? v2 : "", answer);
		return (0);
	}
	return (answer[0] == '\0');
}

static void
test_pmd_negotiate_basic(void)
{
	struct pmd_config off = cfg_default;
	struct pmd_params p;

	CHECK(declines(&cfg_default, NULL, NULL));
	CHECK(declines(&cfg_default, "x-webkit-deflate-frame", NULL));
	CHECK(declines(&cfg_default, "permessage-deflate-x", NULL));
	off.enabled = false;
	CHECK(declines(&off, "permessage-deflate", NULL));

	CHECK(accepts(&cfg_default, "permessage-deflate", NULL,
	    "permessage-deflate", &p));
	CHECK_EQ(p.server_window_bits, 15);
	CHECK_EQ(p.server_no_context_takeover, false);
	CHECK_EQ(p.client_window_bits, 15);
	CHECK_EQ(p.client_no_context_takeover, false);
	/* extension names and parameter names are case-insensitive */
	CHECK(accepts(&cfg_default, "PerMessage-Deflate; Client_Max_Window_Bits",
	    NULL, "permessage-deflate; client_max_window_bits=15", &p));
	/* OWS around ";" and "=" (RFC 6455 §9.1 implied *LWS), tabs too */
	CHECK(accepts(&cfg_default,
	    "permessage-deflate ;\tclient_max_window_bits = 10 ", NULL,
	    "permessage-deflate; client_max_window_bits=10", &p));
	CHECK(accepts(&cfg_default, " , ,permessage-deflate,", NULL,
	    "permessage-deflate", &p));
}

static void
test_pmd_negotiate_params(void)
{
	struct pmd_params p;

	CHECK(accepts(&cfg_default, "permessage-deflate; client_max_window_bits",
	    NULL, "permessage-deflate; client_max_window_bits=15", &p));
	CHECK_EQ(p.client_window_bits, 15);
	CHECK(accepts(&cfg_default,
	    "permessage-deflate; client_max_window_bits=10", NULL,
	    "permessage-deflate; client_max_window_bits=10", &p));
	CHECK_EQ(p.client_window_bits, 10);
	CHECK_EQ(p.server_window_bits, 15);
	/* 8 is fine for the client: we inflate with 9 */
	CHECK(accepts(&cfg_default,
	    "permessage-deflate; client_max_window_bits=8", NULL,
	    "permessage-deflate; client_max_window_bits=8", &p));
	CHECK_EQ(p.client_window_bits, 8);

	CHECK(accepts(&cfg_default,
	    "permessage-deflate; server_max_window_bits=10", NULL,
	    "permessage-deflate; server_max_window_bits=10", &p));
	CHECK_EQ(p.server_window_bits, 10);
	CHECK_EQ(p.client_window_bits, 15);
	CHECK(accepts(&cfg_default,
	    "permessage-deflate; server_max_window_bits=9", NULL,
	    "permessage-deflate; server_max_window_bits=9", &p));
	CHECK_EQ(p.server_window_bits, 9);
	/* zlib cannot deflate raw with 8 bits, and we may not answer 9 */
	CHECK(declines(&cfg_default,
	    "permessage-deflate; server_max_window_bits=8", NULL));

	CHECK(accepts(&cfg_default,
	    "permessage-deflate; server_no_context_takeover", NULL,
	    "permessage-deflate; server_no_context_takeover", &p));
	CHECK_EQ(p.server_no_context_takeover, true);
	CHECK_EQ(p.client_no_context_takeover, false);
	CHECK(accepts(&cfg_default,
	    "permessage-deflate; client_no_context_takeover", NULL,
	    "permessage-deflate; client_no_context_takeover", &p));
	CHECK_EQ(p.server_no_context_takeover, false);
	CHECK_EQ(p.client_no_context_takeover, true);

	/* everything at once; the answer has a fixed order */
	CHECK(accepts(&cfg_default, "permessage-deflate; "
	    "client_max_window_bits=12; client_no_context_takeover; "
	    "server_max_window_bits=11; server_no_context_takeover", NULL,
	    "permessage-deflate; server_no_context_takeover; "
	    "client_no_context_takeover; server_max_window_bits=11; "
	    "client_max_window_bits=12", &p));
	CHECK_EQ(p.server_window_bits, 11);
	CHECK_EQ(p.client_window_bits, 12);
	CHECK(p.server_no_context_takeover && p.client_no_context_takeover);
	CHECK(strlen("permessage-deflate; server_no_context_takeover; "
	    "client_no_context_takeover; server_max_window_bits=11; "
	    "client_max_window_bits=12") < PMD_ANSWER_MAX);
}

static void
test_pmd_negotiate_quoted(void)
{
	struct pmd_params p;

	CHECK(accepts(&cfg_default,
	    "permessage-deflate; client_max_window_bits=\"10\"", NULL,
	    "permessage-deflate; client_max_window_bits=10", &p));
	CHECK(accepts(&cfg_default,
	    "permessage-deflate; server_max_window_bits=\"1\\3\"", NULL,
	    "permessage-deflate; server_max_window_bits=13", &p));
	CHECK_EQ(p.server_window_bits, 13);
	CHECK(declines(&cfg_default,
	    "permessage-deflate; server_max_window_bits=\"16\"", NULL));
	CHECK(declines(&cfg_default,
	    "permessage-deflate; server_max_window_bits=\"\"", NULL));
	CHECK(declines(&cfg_default,
	    "permessage-deflate; server_max_window_bits=\" 9\"", NULL));
	CHECK(declines(&cfg_default,
	    "permessage-deflate; client_max_window_bits=\"10", NULL));
	/* a quoted value on a flag parameter is still a value */
	CHECK(declines(&cfg_default,
	    "permessage-deflate; server_no_context_takeover=\"\"", NULL));
	/* commas inside a quoted-string do not split the list */
	CHECK(accepts(&cfg_default, "foo; bar=\"a, permessage-deflate, b\", "
	    "permessage-deflate; server_max_window_bits=12", NULL,
	    "permessage-deflate; server_max_window_bits=12", &p));
	CHECK(accepts(&cfg_default, "foo; bar=\"\\\", permessage-deflate\", "
	    "permessage-deflate; server_max_window_bits=12", NULL,
	    "permessage-deflate; server_max_window_bits=12", &p));
	/* an unterminated quote swallows the rest of the field */
	CHECK(declines(&cfg_default, "foo; bar=\"x, permessage-deflate", NULL));
	CHECK(accepts(&cfg_default, "foo; bar=\"x, permessage-deflate",
	    "permessage-deflate", "permessage-deflate", &p));
	/* ... and so does one ending in a backslash (found by fuzz_pmd) */
	CHECK(declines(&cfg_default, "permessage-deflate; a=\"\\", NULL));
	CHECK(accepts(&cfg_default, "foo; bar=\"x\\", "permessage-deflate",
	    "permessage-deflate", &p));
}

static void
test_pmd_negotiate_declined(void)
{
	static const char *const bad[] = {
		/* duplicates */
		"permessage-deflate; server_no_context_takeover; "
		    "server_no_context_takeover",
		"permessage-deflate; client_no_context_takeover; "
		    "client_no_context_takeover",
		"permessage-deflate; server_max_window_bits=10; "
		    "server_max_window_bits=10",
		"permessage-deflate; client_max_window_bits; "
		    "client_max_window_bits=10",
		"permessage-deflate; client_max_window_bits; "
		    "Client_Max_Window_Bits",
		/* unknown parameters */
		"permessage-deflate; foo",
		"permessage-deflate; foo=1",
		"permessage-deflate; x-webkit-max-window-bits=10",
		/* values where none belong, missing where one must be */
		"permessage-deflate; server_no_context_takeover=1",
		"permessage-deflate; client_no_context_takeover=true",
		"permessage-deflate; server_max_window_bits",
		/* bad values: range, leading zeros, not digits */
		"permessage-deflate; server_max_window_bits=7",
		"permessage-deflate; server_max_window_bits=16",
		"permessage-deflate; server_max_window_bits=0",
		"permessage-deflate; server_max_window_bits=08",
		"permessage-deflate; server_max_window_bits=010",
		"permessage-deflate; server_max_window_bits=1a",
		"permessage-deflate; server_max_window_bits=-9",
		"permessage-deflate; server_max_window_bits=9.0",
		"permessage-deflate; client_max_window_bits=7",
		"permessage-deflate; client_max_window_bits=16",
		"permessage-deflate; client_max_window_bits=100",
		"permessage-deflate; client_max_window_bits=",
		/* syntax */
		"permessage-deflate;",
		"permessage-deflate;;client_max_window_bits",
		"permessage-deflate; =10",
		"permessage-deflate x",
		"permessage-deflate; client_max_window_bits 10",
		"permessage-deflate; client_max_window_bits==10",
		"permessage-deflate; client_max_window_bits=10 11",
		"permessage-deflate; client_max_window_bits=\"10\"x",
		"permessage-deflate/1",
		";permessage-deflate",
		"\"permessage-deflate\"",
	};
	struct pmd_params p;
	char two[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!declines(&cfg_default, bad[i], NULL)) {
			fprintf(stderr, "  bad[%zu]\n", i);
			CHECK(0);
		}
		/* the next offer in the same field is taken instead */
		snprintf(two, sizeof(two), "%s, permessage-deflate; "
		    "client_max_window_bits=9", bad[i]);
		if (!accepts(&cfg_default, two, NULL,
		    "permessage-deflate; client_max_window_bits=9", &p)) {
			fprintf(stderr, "  bad[%zu] + good\n", i);
			CHECK(0);
		}
	}
	/* the first acceptable offer wins, not the best */
	CHECK(accepts(&cfg_default, "permessage-deflate; server_max_window_bits=8"
	    ", permessage-deflate; client_max_window_bits=11, "
	    "permessage-deflate", NULL,
	    "permessage-deflate; client_max_window_bits=11", &p));
}

static void
test_pmd_negotiate_fields(void)
{
	struct pmd_params p;

	/* several fields are one list, in order */
	CHECK(accepts(&cfg_default, "foo, bar; x=1",
	    "permessage-deflate; client_max_window_bits=9", 
	    "permessage-deflate; client_max_window_bits=9", &p));
	CHECK(accepts(&cfg_default, "permessage-deflate; bogus",
	    "permessage-deflate; server_no_context_takeover",
	    "permessage-deflate; server_no_context_takeover", &p));
	CHECK(accepts(&cfg_default, "permessage-deflate; server_max_window_bits=12",
	    "permessage-deflate; server_no_context_takeover",
	    "permessage-deflate; server_max_window_bits=12", &p));
	CHECK(declines(&cfg_default, "permessage-deflate; bogus",
	    "permessage-deflate; server_max_window_bits=8"));
	CHECK(declines(&cfg_default, "", ""));
}

static void
test_pmd_negotiate_config(void)
{
	struct pmd_config c = cfg_default;
	struct pmd_params p;
	char small[24];

	c.max_window_bits = 10;
	/* our limit applies where the protocol lets us say it */
	CHECK(accepts(&c, "permessage-deflate", NULL, "permessage-deflate",
	    &p));
	CHECK_EQ(p.server_window_bits, 10);
	CHECK_EQ(p.client_window_bits, 15);	/* cannot be limited */
	CHECK(accepts(&c, "permessage-deflate; client_max_window_bits", NULL,
	    "permessage-deflate; client_max_window_bits=10", &p));
	CHECK_EQ(p.client_window_bits, 10);
	CHECK(accepts(&c, "permessage-deflate; client_max_window_bits=9", NULL,
	    "permessage-deflate; client_max_window_bits=9", &p));
	CHECK(accepts(&c, "permessage-deflate; server_max_window_bits=12", NULL,
	    "permessage-deflate; server_max_window_bits=10", &p));
	CHECK_EQ(p.server_window_bits, 10);
	CHECK(accepts(&c, "permessage-deflate; server_max_window_bits=9", NULL,
	    "permessage-deflate; server_max_window_bits=9", &p));

	c.max_window_bits = 8;		/* taken as 9 */
	CHECK(accepts(&c, "permessage-deflate; server_max_window_bits=15", NULL,
	    "permessage-deflate; server_max_window_bits=9", &p));
	c.max_window_bits = 0;		/* unset: 15 */
	CHECK(accepts(&c, "permessage-deflate; client_max_window_bits", NULL,
	    "permessage-deflate; client_max_window_bits=15", &p));

	c = cfg_default;
	c.server_no_context_takeover = true;
	CHECK(accepts(&c, "permessage-deflate", NULL,
	    "permessage-deflate; server_no_context_takeover", &p));
	CHECK_EQ(p.server_no_context_takeover, true);

	/* an answer that does not fit declines (and stays a C string) */
	memset(small, 'x', sizeof(small));
	CHECK_EQ(neg(&cfg_default, "permessage-deflate; "
	    "client_max_window_bits", NULL, &p, small, sizeof(small)), 0);
	CHECK_EQ(small[0], '\0');
	CHECK_EQ(neg(&cfg_default, "permessage-deflate; "
	    "client_max_window_bits, permessage-deflate", NULL, &p, small,
	    sizeof(small)), 1);
	CHECK(strcmp(small, "permessage-deflate") == 0);
	CHECK_EQ(neg(&cfg_default, "permessage-deflate", NULL, &p, small, 18),
	    0);
	CHECK_EQ(neg(&cfg_default, "permessage-deflate", NULL, &p, small, 19),
	    1);
	CHECK_EQ(neg(&cfg_default, "permessage-deflate", NULL, &p, NULL, 0),
	    0);
}

/* ---- inflate -------------------------------------------------------- */

static uint8_t res[BIG];	/* inflated or deflated result */

/*
 * Inflate one message given in pieces of step bytes (0: whole) into at
 * most outcap bytes per call, following the calling rules.  Returns 0 with
 * *reslen bytes in res[], or the error.
 */
static int
inflate_msg(struct pmd_inflate *z, const uint8_t *in, size_t len,
    size_t step, size_t outcap, size_t *reslen)
{
	const uint8_t *chunk;
	uint8_t *out;
	size_t off = 0, n, used, c, p;
	bool fin;
	int r = 0;

	out = malloc(outcap);
	*reslen = 0;
	do {
		n = step == 0 || step > len - off ? len - off : step;
		fin = off + n == len;
		chunk = unit_guarded(in + off, n);
		used = 0;
		for (;;) {
			r = pmd_inflate_feed(z, chunk + used, n - used, fin,
			    out, outcap, &c, &p);
			if (r != 0)
				goto done;
			if (c > n - used || p > outcap ||
			    *reslen + p > sizeof(res))
				abort();
			memcpy(res + *reslen, out, p);
			*reslen += p;
			used += c;
			if (used == n && p < outcap)
				break;
		}
		off += n;
	} while (off < len);
done:
	free(out);
	return (r);
}

/* Inflate in whole, split at every offset, byte by byte, outcap 1 and 7. */
static int
inflate_all_ways(int bits, const uint8_t *in, size_t len, const void *want,
    size_t wantlen)
{
	struct pmd_inflate z;
	size_t got, a, i;
	static const size_t caps[] = { 1, 7, 4096, 1 << 20 };
	int ok = 1;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		pmd_inflate_init(&z, bits, false);
		if (inflate_msg(&z, in, len, 0, caps[i], &got) != 0 ||
		    got != wantlen || memcmp(res, want, got) != 0) {
			fprintf(stderr, "  whole, outcap %zu\n", caps[i]);
			ok = 0;
		}
		pmd_inflate_end(&z);
		pmd_inflate_init(&z, bits, false);
		if (inflate_msg(&z, in, len, 1, caps[i], &got) != 0 ||
		    got != wantlen || memcmp(res, want, got) != 0) {
			fprintf(stderr, "  byte by byte, outcap %zu\n", caps[i]);
			ok = 0;
		}
		pmd_inflate_end(&z);
	}
	/* two pieces: [0, a) then [a, len) */
	for (a = 1; a < len && len < 4096; a++) {
		pmd_inflate_init(&z, bits, false);
		if (inflate_msg(&z, in, len, a, 3, &got) != 0 || got != wantlen ||
		    memcmp(res, want, got) != 0) {
			fprintf(stderr, "  split at %zu\n", a);
			ok = 0;
		}
		pmd_inflate_end(&z);
	}
	return (ok);
}

/* RFC 7692 §7.2.3 payloads. */
static const uint8_t ex_hello[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
static const uint8_t ex_again[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
static const uint8_t ex_stored[] = { 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65,
    0x6c, 0x6c, 0x6f, 0x00 };
static const uint8_t ex_bfinal[] = { 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00,
    0x00 };
/* "LLLLLLLLLLL*O", 17 ff and fe in one final fixed block, then 00 */
static const uint8_t bfinal_long[] = {
    0xf3, 0x41, 0x00, 0x2d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x00 };
static const uint8_t bfinal_long_out[] = {
    'L', 'L', 'L', 'L', 'L', 'L', 'L', 'L', 'L', 'L', 'L', '*', 'O', 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xfe };
static const uint8_t ex_two[] = { 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff,
    0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00 };

static void
test_pmd_inflate_rfc_examples(void)
{
	struct pmd_inflate z;
	size_t got;

	CHECK(inflate_all_ways(15, ex_hello, sizeof(ex_hello), "Hello", 5));
	CHECK(inflate_all_ways(15, ex_stored, sizeof(ex_stored), "Hello", 5));
	CHECK(inflate_all_ways(15, ex_bfinal, sizeof(ex_bfinal), "Hello", 5));
	CHECK(inflate_all_ways(15, ex_two, sizeof(ex_two), "Hello", 5));
	CHECK(inflate_all_ways(8, ex_two, sizeof(ex_two), "Hello", 5));
	/* §7.2.3.6: an empty stored block is an empty message, and so is an
	   empty payload */
	CHECK(inflate_all_ways(15, (const uint8_t *)"", 1, "", 0));
	CHECK(inflate_all_ways(15, (const uint8_t *)"", 0, "", 0));

	/* §7.2.3.2: the second "Hello" refers back into the first */
	CHECK_EQ(pmd_inflate_init(&z, 15, false), 0);
	CHECK_EQ(inflate_msg(&z, ex_hello, sizeof(ex_hello), 0, 64, &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 1, 1, &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	/* an empty message in between changes nothing */
	CHECK_EQ(inflate_msg(&z, (const uint8_t *)"", 1, 0, 64, &got), 0);
	CHECK_EQ(got, 0);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 0, 64, &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	pmd_inflate_end(&z);
	pmd_inflate_end(&z);		/* twice is fine */

	/* a final block whose end waits for output room (found by
	   fuzz_pmd): the same with any outcap */
	CHECK(inflate_all_ways(15, bfinal_long, sizeof(bfinal_long),
	    bfinal_long_out, sizeof(bfinal_long_out)));

	/* after a BFINAL block the window is still there (§7.2.3.4) */
	CHECK_EQ(pmd_inflate_init(&z, 15, false), 0);
	CHECK_EQ(inflate_msg(&z, ex_bfinal, sizeof(ex_bfinal), 0, 64, &got),
	    0);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 0, 64, &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	/* ... and a BFINAL block ending the payload needs no trailing 00 */
	CHECK_EQ(inflate_msg(&z, ex_bfinal, sizeof(ex_bfinal) - 1, 0, 64,
	    &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 0, 64, &got), 0);
	CHECK(got == 5 && memcmp(res, "Hello", 5) == 0);
	pmd_inflate_end(&z);

	/* without context takeover the reference is out of the window */
	CHECK_EQ(pmd_inflate_init(&z, 15, true), 0);
	CHECK_EQ(inflate_msg(&z, ex_hello, sizeof(ex_hello), 0, 64, &got), 0);
	pmd_inflate_idle(&z);
	CHECK(!z.active);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 0, 64, &got),
	    PMD_ERR_DATA);
	pmd_inflate_end(&z);
	CHECK_EQ(pmd_inflate_init(&z, 15, true), 0);
	CHECK_EQ(inflate_msg(&z, ex_hello, sizeof(ex_hello), 0, 64, &got), 0);
	CHECK_EQ(inflate_msg(&z, ex_again, sizeof(ex_again), 0, 64, &got),
	    PMD_ERR_DATA);
	pmd_inflate_end(&z);

	CHECK_EQ(pmd_inflate_init(&z, 7, false), -1);
	CHECK_EQ(pmd_inflate_init(&z, 16, false), -1);
}

static void
test_pmd_inflate_corrupt(void)
{
	static const uint8_t btype3[] = { 0xff, 0xff, 0xff };
	static const uint8_t far[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };
	/* the sender forgot to remove the tail: not at a block boundary */
	static const uint8_t untrimmed[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9,
	    0x07, 0x00, 0x00, 0x00, 0xff, 0xff };
	/* stored block whose LEN and NLEN disagree */
	static const uint8_t badlen[] = { 0x00, 0x05, 0x00, 0xfb, 0xff, 0x48 };
	struct pmd_inflate z;
	size_t got, a;

	pmd_inflate_init(&z, 15, false);
	CHECK_EQ(inflate_msg(&z, btype3, sizeof(btype3), 0, 64, &got),
	    PMD_ERR_DATA);
	pmd_inflate_end(&z);
	pmd_inflate_init(&z, 15, false);
	CHECK_EQ(inflate_msg(&z, far, sizeof(far), 0, 64, &got), PMD_ERR_DATA);
	pmd_inflate_end(&z);
	for (a = 0; a <= sizeof(untrimmed); a++) {
		pmd_inflate_init(&z, 15, false);
		CHECK_EQ(inflate_msg(&z, untrimmed, sizeof(untrimmed), a, 1,
		    &got), PMD_ERR_DATA);
		pmd_inflate_end(&z);
	}
	pmd_inflate_init(&z, 15, false);
	CHECK_EQ(inflate_msg(&z, badlen, sizeof(badlen), 0, 64, &got),
	    PMD_ERR_DATA);
	pmd_inflate_end(&z);
	/* a message cut short of its last block (ex_two cut at 4 is "He") */
	for (a = 1; a < sizeof(ex_hello); a++) {
		pmd_inflate_init(&z, 15, false);
		CHECK_EQ(inflate_msg(&z, ex_hello, a, 0, 64, &got),
		    PMD_ERR_DATA);
		pmd_inflate_end(&z);
	}
	pmd_inflate_init(&z, 15, false);
	CHECK_EQ(inflate_msg(&z, ex_two, 4, 0, 64, &got), 0);
	CHECK(got == 2 && memcmp(res, "He", 2) == 0);
	pmd_inflate_end(&z);
}

/* ---- deflate -------------------------------------------------------- */

/*
 * Deflate one message given in pieces of step bytes (0: whole), outcap
 * bytes of output per call.  Returns 0 with *reslen bytes in res[].
 */
static int
deflate_msg(struct pmd_deflate *d, const uint8_t *in, size_t len,
    size_t step, size_t outcap, size_t *reslen)
{
	const uint8_t *chunk;
	uint8_t *out;
	size_t off = 0, n, used, c, p;
	bool fin;
	int r = 0;

	out = malloc(outcap);
	*reslen = 0;
	do {
		n = step == 0 || step > len - off ? len - off : step;
		fin = off + n == len;
		chunk = unit_guarded(in + off, n);
		used = 0;
		for (;;) {
			r = pmd_deflate_feed(d, chunk + used, n - used, fin,
			    out, outcap, &c, &p);
			if (r != 0)
				goto done;
			if (c > n - used || p > outcap ||
			    *reslen + p > sizeof(res))
				abort();
			memcpy(res + *reslen, out, p);
			*reslen += p;
			used += c;
			if (used == n && p < outcap)
				break;
		}
		off += n;
	} while (off < len);
done:
	free(out);
	return (r);
}

static void
test_pmd_deflate_rfc_examples(void)
{
	struct pmd_deflate d;
	static const size_t caps[] = { 1, 2, 5, 6, 7, 16, 4096 };
	/* zlib's third "Hello": now all of it matches 5 bytes back */
	static const uint8_t third[] = { 0x02, 0x13, 0x00, 0x00 };
	size_t got, i, step, n;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		for (step = 0; step <= 2; step++) {
			/* §7.2.3.1 and §7.2.3.2 */
			CHECK_EQ(pmd_deflate_init(&d, 6, 15, false), 0);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(ex_hello) &&
			    memcmp(res, ex_hello, got) == 0);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(ex_again) &&
			    memcmp(res, ex_again, got) == 0);
			/* an empty message is one 00, zlib untouched: the
			   third "Hello" is what it is without the 00 */
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"", 0, 0, caps[i], &got), 0);
			CHECK(got == 1 && res[0] == 0x00);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(third) &&
			    memcmp(res, third, got) == 0);
			pmd_deflate_end(&d);
			CHECK_EQ(pmd_deflate_init(&d, 6, 15, false), 0);
			for (n = 0; n < 3; n++)
				CHECK_EQ(deflate_msg(&d, (const uint8_t *)
				    "Hello", 5, step, caps[i], &got), 0);
			CHECK(got == sizeof(third) &&
			    memcmp(res, third, got) == 0);
			pmd_deflate_end(&d);

			/* no context takeover: the same bytes each time */
			CHECK_EQ(pmd_deflate_init(&d, 6, 15, true), 0);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(ex_hello) &&
			    memcmp(res, ex_hello, got) == 0);
			pmd_deflate_idle(&d);
			CHECK(!d.active);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(ex_hello) &&
			    memcmp(res, ex_hello, got) == 0);
			CHECK_EQ(deflate_msg(&d, (const uint8_t *)"Hello", 5,
			    step, caps[i], &got), 0);
			CHECK(got == sizeof(ex_hello) &&
			    memcmp(res, ex_hello, got) == 0);
			pmd_deflate_end(&d);
		}
	}
	CHECK_EQ(pmd_deflate_init(&d, 10, 15, false), -1);
	CHECK_EQ(pmd_deflate_init(&d, -1, 15, false), -1);
	CHECK_EQ(pmd_deflate_init(&d, 6, 7, false), -1);
	CHECK_EQ(pmd_deflate_init(&d, 6, 16, false), -1);
	pmd_deflate_end(&d);
}

/* Plain zlib, one sync flush over the whole message, tail removed. */
static size_t
ref_deflate(z_stream *zs, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap)
{
	zs->next_in = in;
	zs->avail_in = (uInt)len;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	if (deflate(zs, Z_SYNC_FLUSH) != Z_OK || zs->avail_out == 0)
		abort();
	return (cap - zs->avail_out - 4);
}

/* Plain zlib, tail put back. */
static int
ref_inflate(z_stream *zs, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap, size_t *outlen)
{
	static const uint8_t tail[4] = { 0, 0, 0xff, 0xff };
	size_t have = 0;
	int r;

	zs->next_in = in;
	zs->avail_in = (uInt)len;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	r = inflate(zs, Z_SYNC_FLUSH);
	if (r != Z_OK && r != Z_BUF_ERROR)
		return (-1);
	zs->next_in = tail;
	zs->avail_in = 4;
	r = inflate(zs, Z_SYNC_FLUSH);
	if (r != Z_OK || zs->avail_in != 0)
		return (-1);
	have = cap - zs->avail_out;
	*outlen = have;
	return (0);
}

static uint8_t msg[BIG], comp[BIG], back[BIG];

struct rt_way {
	size_t		dstep, dcap;	/* deflate: input piece, outcap */
	size_t		istep, icap;	/* inflate: input piece, outcap */
};

/*
 * Three messages of kind (0 text, 1 random, 2 mixed) and size len through
 * pmd_deflate and pmd_inflate with ways w, checked against plain zlib in
 * both directions.
 */
static int
roundtrip(int level, int bits, bool nct, int kind, size_t len,
    const struct rt_way *w)
{
	struct pmd_deflate d;
	struct pmd_inflate z;
	z_stream rd, ri;
	size_t clen, rlen, got, m;
	int ok = 1;

	memset(&rd, 0, sizeof(rd));
	memset(&ri, 0, sizeof(ri));
	if (deflateInit2(&rd, level, Z_DEFLATED, -(bits < 9 ? 9 : bits),
	    PMD_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK ||
	    inflateInit2(&ri, -bits) != Z_OK)
		abort();
	pmd_deflate_init(&d, level, bits, nct);
	pmd_inflate_init(&z, bits, nct);
	for (m = 0; m < 3 && ok; m++) {
		if (kind == 0 || (kind == 2 && m == 1))
			fill_text(msg, len);
		else
			fill_random(msg, len);
		if (deflate_msg(&d, msg, len, w->dstep, w->dcap, &clen) != 0) {
			ok = 0;
			break;
		}
		memcpy(comp, res, clen);
		/* the same bytes as zlib in one go (level 0 makes stored
		   blocks as the output buffer allows) */
		if (nct)
			deflateReset(&rd);
		rlen = len == 0 ? 1 : ref_deflate(&rd, msg, len, back,
		    sizeof(back));
		if (len == 0)
			back[0] = 0;
		if (level > 0 &&
		    (rlen != clen || memcmp(back, comp, clen) != 0)) {
			fprintf(stderr, "  deflate differs from zlib\n");
			ok = 0;
		}
		/* zlib reads it */
		if (nct)
			inflateReset(&ri);
		if (ref_inflate(&ri, comp, clen, back, sizeof(back), &got) != 0
		    || got != len || memcmp(back, msg, len) != 0) {
			fprintf(stderr, "  zlib cannot inflate it\n");
			ok = 0;
		}
		/* and so do we */
		if (inflate_msg(&z, comp, clen, w->istep, w->icap, &got) != 0
		    || got != len || memcmp(res, msg, len) != 0) {
			fprintf(stderr, "  pmd_inflate failed\n");
			ok = 0;
		}
		pmd_deflate_idle(&d);
		pmd_inflate_idle(&z);
		if (nct && (d.active || z.active))
			ok = 0;
		if (!nct && len > 0 && (!d.active || !z.active))
			ok = 0;
	}
	pmd_deflate_end(&d);
	pmd_inflate_end(&z);
	deflateEnd(&rd);
	inflateEnd(&ri);
	if (!ok)
		fprintf(stderr, "  level %d bits %d nct %d kind %d len %zu "
		    "ways %zu/%zu %zu/%zu\n", level, bits, nct, kind, len,
		    w->dstep, w->dcap, w->istep, w->icap);
	return (ok);
}

static void
test_pmd_roundtrip(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 31, 64,
	    100, 255, 256, 1000, 4095, 4096, 16384, 65537, 300000 };
	static const struct rt_way ways[] = {
		{ 0, 1 << 20, 0, 1 << 20 },	/* whole */
		{ 0, 1, 0, 1 },			/* one byte out */
		{ 1, 7, 1, 7 },			/* one byte in */
		{ 1000, 16, 333, 100 },
		{ 4096, 4096, 4096, 4096 },
		{ 0, 6, 7, 65536 },
	};
	static const int bits[] = { 9, 12, 15 };
	size_t s, w, b;
	int kind, nct;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (w = 0; w < sizeof(ways) / sizeof(ways[0]); w++)
			for (kind = 0; kind < 3; kind++)
				for (nct = 0; nct < 2; nct++) {
					/* byte steps over big inputs: slow */
					if (sizes[s] > 70000 &&
					    (ways[w].dcap < 16 ||
					    ways[w].istep == 1))
						continue;
					CHECK(roundtrip(6, 15, nct, kind,
					    sizes[s], &ways[w]));
				}
	for (b = 0; b < sizeof(bits) / sizeof(bits[0]); b++)
		for (kind = 0; kind < 3; kind++) {
			CHECK(roundtrip(1, bits[b], false, kind, 70000,
			    &ways[3]));
			CHECK(roundtrip(9, bits[b], true, kind, 70000,
			    &ways[0]));
			CHECK(roundtrip(0, bits[b], false, kind, 70000,
			    &ways[5]));
		}
}

/*
 * windowBits 8 is deflated with 9; zlib then never looks back more than
 * 512 - 262 = 250 bytes, so a 256-byte inflater reads it.  (pmd_negotiate
 * still declines server_max_window_bits=8; this keeps the claim honest.)
 */
static void
test_pmd_window_8(void)
{
	struct pmd_deflate d;
	z_stream ri;
	size_t i, clen, got, per;

	for (per = 240; per <= 300; per += 10) {
		/* random blocks repeated at distances around 256 */
		fill_random(msg, per);
		for (i = per; i < 20000; i++)
			msg[i] = msg[i - per];
		pmd_deflate_init(&d, 9, 8, false);
		CHECK_EQ(deflate_msg(&d, msg, 20000, 0, 1 << 20, &clen), 0);
		pmd_deflate_end(&d);
		memset(&ri, 0, sizeof(ri));
		CHECK_EQ(inflateInit2(&ri, -8), Z_OK);
		CHECK(ref_inflate(&ri, res, clen, back, sizeof(back), &got) ==
		    0 && got == 20000 && memcmp(back, msg, got) == 0);
		inflateEnd(&ri);
		if (per <= 250)
			CHECK(clen < 2000);	/* the repeats were found */
	}
}

static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

/*
 * 10 MiB of zeros compress to ~10 KiB.  The caller counts what comes out
 * and stops at its limit (here 1 MiB, --max-message): the inflater made no
 * more than the limit plus one buffer, used a few hundred bytes of input,
 * and allocated nothing after its first call.
 */
static void
test_pmd_inflate_bomb(void)
{
	struct pmd_deflate d;
	struct pmd_inflate z;
	static uint8_t out[4096];
	const size_t limit = 1 << 20;
	size_t clen, total = 0, used = 0, c, p, heap = 0;
	int calls = 0, r = 0;

	memset(msg, 0, 10 << 20);
	pmd_deflate_init(&d, 9, 15, false);
	CHECK_EQ(deflate_msg(&d, msg, 10 << 20, 0, 1 << 20, &clen), 0);
	pmd_deflate_end(&d);
	CHECK(clen < 12 * 1024);
	memcpy(comp, res, clen);

	pmd_inflate_init(&z, 15, false);
	while (total <= limit) {
		r = pmd_inflate_feed(&z, comp + used, clen - used, true, out,
		    sizeof(out), &c, &p);
		if (r != 0)
			break;
		if (calls++ == 0)
			heap = heap_in_use();
		else
			CHECK_EQ(heap_in_use(), heap);
		CHECK(p <= sizeof(out));
		used += c;
		total += p;
		if (used == clen && p < sizeof(out))
			break;
	}
	CHECK_EQ(r, 0);
	CHECK(total > limit && total <= limit + sizeof(out));
	CHECK(used < clen / 4);
	pmd_inflate_end(&z);

	/* the whole bomb, for the record, in 1 KiB pieces */
	pmd_inflate_init(&z, 15, false);
	CHECK_EQ(inflate_msg(&z, comp, clen, 1024, 65536, &c), 0);
	CHECK_EQ(c, 10 << 20);
	pmd_inflate_end(&z);
}

/*
 * Final blocks (RFC 7692 §7.2.3.4) end the zlib stream, and the window is
 * carried into the next one at a cost of its size.  A sender that ends a
 * stream after every few KiB is served without end; empty final blocks
 * (03 00) run out of budget within a bounded number, sooner after a full
 * window.
 */
static void
test_pmd_inflate_final_blocks(void)
{
	struct pmd_inflate z;
	z_stream zs;
	size_t clen, got, i, n;
	int r = 0;

	/* 400 messages of 2 KiB text, each its own stream ending BFINAL */
	pmd_inflate_init(&z, 15, false);
	for (i = 0; i < 400; i++) {
		fill_text(msg, 2048);
		memset(&zs, 0, sizeof(zs));
		CHECK_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8,
		    Z_DEFAULT_STRATEGY), Z_OK);
		zs.next_in = msg;
		zs.avail_in = 2048;
		zs.next_out = comp;
		zs.avail_out = 65536;
		CHECK_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
		clen = 65536 - zs.avail_out;
		deflateEnd(&zs);
		r = inflate_msg(&z, comp, clen, 0, 65536, &got);
		if (r != 0 || got != 2048 || memcmp(res, msg, got) != 0)
			break;
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(i, 400);
	pmd_inflate_end(&z);

	/* a full window, then messages of empty final blocks */
	pmd_inflate_init(&z, 15, false);
	fill_text(msg, 40000);
	memset(&zs, 0, sizeof(zs));
	CHECK_EQ(deflateInit2(&zs, 6, Z_DEFLATED, -15, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = msg;
	zs.avail_in = 40000;
	zs.next_out = comp;
	zs.avail_out = 65536;
	CHECK_EQ(deflate(&zs, Z_SYNC_FLUSH), Z_OK);
	clen = 65536 - zs.avail_out - 4;	/* without 00 00 ff ff */
	deflateEnd(&zs);
	CHECK_EQ(inflate_msg(&z, comp, clen, 0, 65536, &got), 0);
	CHECK_EQ(got, 40000);
	for (i = 0; i < 64; i++) {
		comp[2 * i] = 0x03;
		comp[2 * i + 1] = 0x00;
	}
	for (n = 0; n < 10000; n++) {
		r = inflate_msg(&z, comp, 128, 0, 4096, &got);
		if (r != 0)
			break;
		CHECK_EQ(got, 0);
	}
	CHECK_EQ(r, PMD_ERR_LIMIT);
	/* the budget lasts about PMD_RESTART_BURST / 32 KiB restarts */
	CHECK(n * 64 <= PMD_RESTART_BURST / 32768 + 64);
	pmd_inflate_end(&z);

	/* nothing in the window: a restart copies nothing, but the zlib
	   calls around it still cost PMD_RESTART_MIN */
	pmd_inflate_init(&z, 15, false);
	for (n = 0; n < 100000; n++)
		if ((r = inflate_msg(&z, comp, 128, 0, 4096, &got)) != 0)
			break;
	CHECK_EQ(r, PMD_ERR_LIMIT);
	CHECK(n * 64 >= PMD_RESTART_BURST / PMD_RESTART_MIN);
	CHECK(n * 64 <= PMD_RESTART_BURST / (PMD_RESTART_MIN -
	    2 * PMD_RESTART_PER_IN) + 64);
	pmd_inflate_end(&z);
}

/* ---- heuristic ------------------------------------------------------ */

static void
test_pmd_worth_compressing(void)
{
	struct pmd_deflate d;
	size_t i, n, clen, yes;
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	static const uint8_t vnc_hdr[] = { 0, 0, 0, 1, 0, 0, 0, 0x40, 0x02,
	    0x80, 0x00, 0x40, 0, 0, 0, 6, 0, 0, 0x12, 0x34 };

	/* short: never, whatever it is */
	memset(msg, 0, 64);
	CHECK(!pmd_worth_compressing(msg, 0));
	CHECK(!pmd_worth_compressing(msg, 63));
	CHECK(pmd_worth_compressing(msg, 64));
	for (n = 64; n <= 1 << 20; n *= 4) {
		fill_text(msg, n);
		CHECK(pmd_worth_compressing(msg, n));
		/* base64 of random bytes: 6 bits a byte, still worth it */
		for (i = 0; i < n; i++)
			msg[i] = (uint8_t)b64[rng() % 64];
		CHECK(pmd_worth_compressing(msg, n));
		/* a random block repeated: LZ77 finds it, a histogram not */
		fill_random(msg, 40);
		for (i = 40; i < n; i++)
			msg[i] = msg[i - 40];
		CHECK(pmd_worth_compressing(msg, n));
		if (n < 256)
			continue;
		fill_random(msg, n);
		CHECK(!pmd_worth_compressing(msg, n));
		/* already deflated text behind a VNC rectangle header
		   (update, x y w h, encoding 6 zlib, length) */
		fill_text(back, n * 3);
		pmd_deflate_init(&d, 6, 15, true);
		CHECK_EQ(deflate_msg(&d, back, n * 3, 0, 1 << 20, &clen), 0);
		pmd_deflate_end(&d);
		memcpy(res, vnc_hdr, sizeof(vnc_hdr));
		CHECK(clen > n / 2);
		CHECK(!pmd_worth_compressing(res, clen));
	}
	/* random and short: mostly no (the sample is small) */
	for (i = 0, yes = 0; i < 1000; i++) {
		fill_random(msg, 64);
		yes += pmd_worth_compressing(msg, 64);
	}
	CHECK(yes < 20);
	for (i = 0, yes = 0; i < 1000; i++) {
		fill_random(msg, 200);
		yes += pmd_worth_compressing(msg, 200);
	}
	CHECK(yes < 5);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_pmd_negotiate_basic);
	UNIT_RUN(test_pmd_negotiate_params);
	UNIT_RUN(test_pmd_negotiate_quoted);
	UNIT_RUN(test_pmd_negotiate_declined);
	UNIT_RUN(test_pmd_negotiate_fields);
	UNIT_RUN(test_pmd_negotiate_config);
	UNIT_RUN(test_pmd_inflate_rfc_examples);
	UNIT_RUN(test_pmd_inflate_corrupt);
	UNIT_RUN(test_pmd_inflate_final_blocks);
	UNIT_RUN(test_pmd_deflate_rfc_examples);
	UNIT_RUN(test_pmd_roundtrip);
	UNIT_RUN(test_pmd_window_8);
	UNIT_RUN(test_pmd_inflate_bomb);
	UNIT_RUN(test_pmd_worth_compressing);
	return (UNIT_END("test_pmd"));
}
