/*
 * test_ws_msg.c - message rules: fragmentation, control frames between
 * fragments, close payloads, streaming UTF-8 of text messages, max_message,
 * max_data backpressure and compressed messages.  Each input is fed whole,
 * byte by byte, split at every offset and with small max_data, every piece
 * ending at an unmapped page, and must give the same events.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "utf8.h"
#include "ws_frame.h"
#include "ws_msg.h"
#include "unit.h"

#define GUARD_MAX	(64 * 1024)
#define MAXEV		64
#define MAXPAY		(64 * 1024)

struct cfg {
	enum ws_role	role;
	bool		rsv1_ok;
	uint64_t	max_message;
};

/* Message events, consecutive DATA merged; type -1 is an error. */
struct tev {
	int		type;
	uint8_t		opcode;
	bool		compressed;
	size_t		len;		/* DATA (merged), PING, PONG */
	uint8_t		ctrl[WS_CONTROL_MAX];	/* PING/PONG data, reason */
	uint16_t	code;		/* CLOSE, error */
	size_t		reason_len;
	size_t		err_at;		/* error: input offset of the call */
};

struct trace {
	int		nev;
	struct tev	ev[MAXEV];
	uint8_t		payload[MAXPAY];	/* all DATA, concatenated */
	size_t		plen;
	const char	*reason;	/* error */
};

static struct trace t_ref, t_other;
static size_t cuts[MAXPAY + 16];

static struct tev *
add(struct trace *t)
{

	if (t->nev == MAXEV)
		abort();
	return (&t->ev[t->nev++]);
}

/*
 * Feed in[0..len) in pieces ending at cuts[] (the last is len), each copied
 * to end at the guard page, passing max_data, and record the events.
 */
static void
run(struct trace *t, const struct cfg *c, const uint8_t *in, size_t len,
    const size_t *cut, size_t ncuts, size_t max_data)
{
	struct ws_msg m;
	struct ws_msg_ev ev;
	struct tev *e;
	uint8_t *ptr;
	size_t start = 0, left, i;
	ssize_t r;

	if (ncuts == 0 || cut[ncuts - 1] != len)
		abort();
	memset(t, 0, sizeof(*t));
	ws_msg_init(&m, c->role, c->max_message);
	m.parser.rsv1_ok = c->rsv1_ok;
	for (i = 0; i < ncuts; i++) {
		left = cut[i] - start;
		ptr = unit_guarded(in + start, left);
		for (;;) {
			r = ws_msg_feed(&m, ptr, left, max_data, &ev);
			if (r < 0) {
				e = add(t);
				e->type = -1;
				e->code = ev.code;
				e->err_at = cut[i] - left;
				t->reason = ev.reason;
				CHECK(ev.reason != NULL);
				return;
			}
			CHECK((size_t)r <= left);
			ptr += r;
			left -= (size_t)r;
			if (ev.type == WS_MSG_NONE) {
				if (r == 0)
					break;
				continue;
			}
			if (ev.type == WS_MSG_DATA) {
				CHECK(ev.len > 0);
				CHECK(ev.len <= max_data);
				CHECK(ev.data + ev.len <= ptr);
				if (t->plen + ev.len > MAXPAY)
					abort();
				memcpy(t->payload + t->plen, ev.data, ev.len);
				t->plen += ev.len;
				if (t->nev > 0 &&
				    t->ev[t->nev - 1].type == WS_MSG_DATA) {
					t->ev[t->nev - 1].len += ev.len;
					continue;
				}
			}
			e = add(t);
			e->type = (int)ev.type;
			switch (ev.type) {
			case WS_MSG_DATA:
			case WS_MSG_END:
				e->opcode = ev.opcode;
				e->compressed = ev.compressed;
				e->len = (ev.type == WS_MSG_DATA) ? ev.len : 0;
				break;
			case WS_MSG_PING:
			case WS_MSG_PONG:
				CHECK(ev.len <= WS_CONTROL_MAX);
				e->len = ev.len;
				if (ev.len > 0)
					memcpy(e->ctrl, ev.data, ev.len);
				break;
			case WS_MSG_CLOSE:
				CHECK(ev.reason_len <= WS_CONTROL_MAX - 2);
				e->code = ev.code;
				e->reason_len = ev.reason_len;
				if (ev.reason_len > 0)
					memcpy(e->ctrl, ev.reason,
					    ev.reason_len);
				break;
			default:
				CHECK(0);
			}
		}
		start = cut[i];
	}
}

static int
trace_eq(const struct trace *a, const struct trace *b)
{
	int i;

	if (a->nev != b->nev || a->plen != b->plen ||
	    memcmp(a->payload, b->payload, a->plen) != 0)
		return (0);
	for (i = 0; i < a->nev; i++) {
		const struct tev *x = &a->ev[i], *y = &b->ev[i];

		if (x->type != y->type || x->opcode != y->opcode ||
		    x->compressed != y->compressed || x->len != y->len ||
		    x->code != y->code || x->reason_len != y->reason_len ||
		    memcmp(x->ctrl, y->ctrl, sizeof(x->ctrl)) != 0)
			return (0);
	}
	return (1);
}

/*
 * Feed in whole, byte by byte, split at every offset and with max_data 1
 * and 3; all must agree.  Returns the byte-by-byte trace, whose err_at is
 * the offset of the byte that made the input invalid.
 */
static const struct trace *
feed_all(const struct cfg *c, const uint8_t *in, size_t len)
{
	static const size_t mds[] = { 1, 3 };
	size_t i, a;
	int ok = 1;

	cuts[0] = len;
	run(&t_other, c, in, len, cuts, 1, SIZE_MAX);
	for (i = 0; i < len; i++)
		cuts[i] = i + 1;
	run(&t_ref, c, in, len, cuts, len > 0 ? len : 1, SIZE_MAX);
	if (!trace_eq(&t_ref, &t_other)) {
		fprintf(stderr, "  whole and byte by byte differ\n");
		ok = 0;
	}
	for (i = 0; i < 2 && ok; i++) {
		cuts[0] = len;
		run(&t_other, c, in, len, cuts, 1, mds[i]);
		if (!trace_eq(&t_ref, &t_other)) {
			fprintf(stderr, "  max_data %zu differs\n", mds[i]);
			ok = 0;
		}
	}
	for (a = 0; a <= len && ok; a++) {
		cuts[0] = a;
		cuts[1] = len;
		run(&t_other, c, in, len, cuts, 2, a % 2 ? 2 : SIZE_MAX);
		if (!trace_eq(&t_ref, &t_other)) {
			fprintf(stderr, "  split at %zu differs\n", a);
			ok = 0;
		}
	}
	CHECK(ok);
	return (&t_ref);
}

static const uint8_t key[4] = { 0xa5, 0x01, 0x7e, 0xc3 };
static const struct cfg server = { WS_SERVER, false, 0 };

/* Frames appended to a buffer, masked as a client sends them. */
struct frames {
	uint8_t		b[8192];
	size_t		n;
};

static void
fr(struct frames *f, uint8_t op, bool fin, bool rsv1, const void *p,
    size_t len)
{
	size_t h;

	if (f->n + WS_HEADER_MAX + len > sizeof(f->b))
		abort();
	h = ws_frame_header(f->b + f->n, op, fin, rsv1, len, key);
	if (len > 0)
		memcpy(f->b + f->n + h, p, len);
	ws_mask(f->b + f->n + h, len, key, 0);
	f->n += h + len;
}

#define FR(f, op, fin, s)	fr((f), (op), (fin), false, (s), sizeof(s) - 1)

/* The trace ends in an error with code, detected at input offset at. */
#define EXPECT_ERROR(tr, ecode, eat) do {				\
	CHECK((tr)->nev > 0 && (tr)->ev[(tr)->nev - 1].type == -1);	\
	if ((tr)->nev > 0) {						\
		CHECK_EQ((tr)->ev[(tr)->nev - 1].code, (ecode));	\
		CHECK_EQ((tr)->ev[(tr)->nev - 1].err_at, (eat));	\
	}								\
} while (0)

static void
test_ws_msg_simple(void)
{
	struct frames f = { .n = 0 };
	const struct trace *t;

	FR(&f, WS_OP_TEXT, true, "hello");
	FR(&f, WS_OP_BINARY, true, "\x00\xff");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[0].opcode, WS_OP_TEXT);
	CHECK_EQ(t->ev[0].len, 5);
	CHECK_EQ(t->ev[1].type, WS_MSG_END);
	CHECK_EQ(t->ev[1].opcode, WS_OP_TEXT);
	CHECK_EQ(t->ev[2].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[2].opcode, WS_OP_BINARY);
	CHECK_EQ(t->ev[3].type, WS_MSG_END);
	CHECK_EQ(t->ev[3].opcode, WS_OP_BINARY);
	CHECK_EQ(t->plen, 7);
	CHECK_MEM(t->payload, "hello\x00\xff", 7);
}

/* An empty message gives END alone, fragmented or not. */
static void
test_ws_msg_empty(void)
{
	struct frames f = { .n = 0 };
	const struct trace *t;

	FR(&f, WS_OP_TEXT, true, "");
	FR(&f, WS_OP_BINARY, false, "");
	FR(&f, WS_OP_CONT, false, "");
	FR(&f, WS_OP_CONT, true, "");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 2);
	CHECK_EQ(t->ev[0].type, WS_MSG_END);
	CHECK_EQ(t->ev[0].opcode, WS_OP_TEXT);
	CHECK_EQ(t->ev[1].type, WS_MSG_END);
	CHECK_EQ(t->ev[1].opcode, WS_OP_BINARY);
	CHECK_EQ(t->plen, 0);
}

static void
test_ws_msg_fragments(void)
{
	struct frames f = { .n = 0 };
	const struct trace *t;

	FR(&f, WS_OP_BINARY, false, "one ");
	FR(&f, WS_OP_CONT, false, "");
	FR(&f, WS_OP_CONT, false, "two ");
	FR(&f, WS_OP_CONT, true, "three");
	FR(&f, WS_OP_TEXT, true, "next");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[0].len, 13);
	CHECK_EQ(t->ev[1].type, WS_MSG_END);
	CHECK_EQ(t->ev[1].opcode, WS_OP_BINARY);
	CHECK_EQ(t->ev[3].opcode, WS_OP_TEXT);
	CHECK_MEM(t->payload, "one two threenext", 17);
}

static void
test_ws_msg_ping_between_fragments(void)
{
	struct frames f = { .n = 0 };
	const struct trace *t;

	FR(&f, WS_OP_TEXT, false, "ab");
	FR(&f, WS_OP_PING, true, "x");
	FR(&f, WS_OP_CONT, false, "cd");
	FR(&f, WS_OP_PONG, true, "");
	FR(&f, WS_OP_CLOSE, true, "\x03\xe8");
	FR(&f, WS_OP_CONT, true, "ef");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 7);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[1].type, WS_MSG_PING);
	CHECK_EQ(t->ev[1].len, 1);
	CHECK_EQ(t->ev[1].ctrl[0], 'x');
	CHECK_EQ(t->ev[2].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[3].type, WS_MSG_PONG);
	CHECK_EQ(t->ev[3].len, 0);
	CHECK_EQ(t->ev[4].type, WS_MSG_CLOSE);
	CHECK_EQ(t->ev[4].code, 1000);
	CHECK_EQ(t->ev[5].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[6].type, WS_MSG_END);
	CHECK_EQ(t->ev[6].opcode, WS_OP_TEXT);
	CHECK_MEM(t->payload, "abcdef", 6);
}

static void
test_ws_msg_fragment_errors(void)
{
	struct frames f;
	const struct trace *t;
	size_t at;

	/* A continuation with no message open */
	f.n = 0;
	FR(&f, WS_OP_CONT, true, "x");
	t = feed_all(&server, f.b, f.n);
	EXPECT_ERROR(t, 1002, 5);	/* the header's last mask byte */

	/* ... or after the message ended */
	f.n = 0;
	FR(&f, WS_OP_TEXT, true, "a");
	at = f.n;
	FR(&f, WS_OP_CONT, false, "");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 3);
	EXPECT_ERROR(t, 1002, at + 5);

	/* A new data message inside a fragmented one */
	f.n = 0;
	FR(&f, WS_OP_TEXT, false, "a");
	FR(&f, WS_OP_PING, true, "");
	at = f.n;
	FR(&f, WS_OP_TEXT, true, "b");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 3);
	EXPECT_ERROR(t, 1002, at + 5);
	CHECK(strcmp(t->reason, "new message inside a fragmented one") ==
	    0);

	f.n = 0;
	FR(&f, WS_OP_BINARY, false, "");
	FR(&f, WS_OP_BINARY, false, "");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 1);
	EXPECT_ERROR(t, 1002, 6 + 5);

	/* A frame error passes through with its code. */
	t = feed_all(&server, (const uint8_t *)"\x81\x01x", 3);
	EXPECT_ERROR(t, 1002, 1);
	CHECK(strcmp(t->reason, "unmasked frame") == 0);
}

static void
close_frame(struct frames *f, uint16_t code, const void *reason,
    size_t rlen)
{
	uint8_t p[WS_CONTROL_MAX + 10];

	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	memcpy(p + 2, reason, rlen);
	fr(f, WS_OP_CLOSE, true, false, p, 2 + rlen);
}

static void
test_ws_msg_close(void)
{
	static const uint16_t bad[] = { 0, 1, 999, 1004, 1005, 1006, 1015,
	    1016, 1100, 2000, 2999, 5000, 65535 };
	static const uint16_t good[] = { 1000, 1001, 1002, 1003, 1007, 1008,
	    1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999 };
	struct frames f;
	const struct trace *t;
	char r[WS_CONTROL_MAX];
	size_t i;

	/* empty: no status */
	f.n = 0;
	FR(&f, WS_OP_CLOSE, true, "");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 1);
	CHECK_EQ(t->ev[0].type, WS_MSG_CLOSE);
	CHECK_EQ(t->ev[0].code, 1005);
	CHECK_EQ(t->ev[0].reason_len, 0);

	/* one byte */
	f.n = 0;
	FR(&f, WS_OP_CLOSE, true, "\x03");
	t = feed_all(&server, f.b, f.n);
	EXPECT_ERROR(t, 1002, 6);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f.n = 0;
		close_frame(&f, bad[i], "", 0);
		t = feed_all(&server, f.b, f.n);
		/* reported when the frame ends, after its last byte */
		EXPECT_ERROR(t, 1002, f.n - 1);
		CHECK(strcmp(t->reason, "invalid close code") == 0);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		f.n = 0;
		close_frame(&f, good[i], "bye", 3);
		t = feed_all(&server, f.b, f.n);
		CHECK_EQ(t->nev, 1);
		CHECK_EQ(t->ev[0].type, WS_MSG_CLOSE);
		CHECK_EQ(t->ev[0].code, good[i]);
		CHECK_EQ(t->ev[0].reason_len, 3);
		CHECK_MEM(t->ev[0].ctrl, "bye", 3);
	}

	/* reasons: the longest, valid UTF-8, invalid, cut short */
	memset(r, 'r', sizeof(r));
	f.n = 0;
	close_frame(&f, 1000, r, 123);
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->ev[0].type, WS_MSG_CLOSE);
	CHECK_EQ(t->ev[0].reason_len, 123);
	f.n = 0;
	close_frame(&f, 4000, "\xce\xba\xe1\xbd\xb9\xcf\x83", 7);
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->ev[0].type, WS_MSG_CLOSE);
	CHECK_EQ(t->ev[0].reason_len, 7);
	f.n = 0;
	close_frame(&f, 1000, "ok\xed\xa0\x80", 5);
	t = feed_all(&server, f.b, f.n);
	EXPECT_ERROR(t, 1007, f.n - 1);
	CHECK(strcmp(t->reason, "invalid UTF-8 in close reason") == 0);
	f.n = 0;
	close_frame(&f, 1000, "ok\xe2\x82", 4);
	t = feed_all(&server, f.b, f.n);
	EXPECT_ERROR(t, 1007, f.n - 1);
	/* the code is checked before the reason */
	f.n = 0;
	close_frame(&f, 1005, "\xff", 1);
	t = feed_all(&server, f.b, f.n);
	EXPECT_ERROR(t, 1002, f.n - 1);
}

static void
test_ws_msg_close_code_valid(void)
{
	unsigned int c;
	int want, bad = 0;

	for (c = 0; c <= 65535; c++) {
		want = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) ||
		    (c >= 3000 && c <= 4999);
		if (ws_msg_close_code_valid((uint16_t)c) != want)
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static void
test_ws_msg_close_payload(void)
{
	static const char *const tails[] = { "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80" };
	uint8_t out[WS_CONTROL_MAX];
	char r[300];
	struct ws_msg m;
	struct ws_msg_ev ev;
	struct frames f;
	size_t n, pre, i, tl;

	CHECK_EQ(ws_msg_close_payload(out, 0, "ignored"), 0);
	CHECK_EQ(ws_msg_close_payload(out, 1000, NULL), 2);
	CHECK_MEM(out, "\x03\xe8", 2);
	CHECK_EQ(ws_msg_close_payload(out, 1001, "bye"), 5);
	CHECK_MEM(out, "\x03\xe9" "bye", 5);
	memset(r, 'a', sizeof(r));
	r[sizeof(r) - 1] = '\0';
	CHECK_EQ(ws_msg_close_payload(out, 1011, r), WS_CONTROL_MAX);

	/* Multi-byte characters around the cut are never split. */
	for (i = 0; i < 3; i++) {
		tl = strlen(tails[i]);
		for (pre = 115; pre <= 123; pre++) {
			memset(r, 'a', pre);
			memcpy(r + pre, tails[i], tl);
			memcpy(r + pre + tl, tails[i], tl);
			r[pre + 2 * tl] = '\0';
			n = ws_msg_close_payload(out, 4321, r);
			CHECK(n <= WS_CONTROL_MAX);
			CHECK(n >= WS_CONTROL_MAX - 3 ||
			    n == 2 + pre + 2 * tl);
			CHECK(utf8_valid(out + 2, n - 2));
			CHECK_MEM(out + 2, r, n - 2);

			/* and what is built is what a peer accepts */
			f.n = 0;
			fr(&f, WS_OP_CLOSE, true, false, out, n);
			ws_msg_init(&m, WS_SERVER, 0);
			CHECK_EQ(ws_msg_feed(&m, unit_guarded(f.b, f.n), f.n, 0,
			    &ev), f.n);
			CHECK_EQ(ev.type, WS_MSG_CLOSE);
			CHECK_EQ(ev.code, 4321);
			CHECK_EQ(ev.reason_len, n - 2);
		}
	}
}

static void
test_ws_msg_utf8_stream(void)
{
	static uint8_t big[1000];
	struct frames f;
	const struct trace *t;
	size_t at;

	/* A character split across fragments, with a ping between */
	f.n = 0;
	FR(&f, WS_OP_TEXT, false, "\xce\xba\xe1");
	FR(&f, WS_OP_PING, true, "");
	FR(&f, WS_OP_CONT, false, "\xbd");
	FR(&f, WS_OP_CONT, true, "\xb9\xf0\x9f\x98\x80");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[3].type, WS_MSG_END);
	CHECK_EQ(t->plen, 9);

	/* Bad in the second fragment: fails at that very byte. */
	f.n = 0;
	FR(&f, WS_OP_TEXT, false, "ok\xf4");
	at = f.n + 6;
	FR(&f, WS_OP_CONT, true, "\x90zzz");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 2);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	EXPECT_ERROR(t, 1007, at);
	CHECK(strcmp(t->reason, "invalid UTF-8 in text message") == 0);

	/*
	 * Fail fast: the rest of a long frame is not needed, and the bytes
	 * before the bad one come first however the input is split.
	 */
	memset(big, 'x', sizeof(big));
	memcpy(big, "abc\xc0", 4);
	f.n = 0;
	fr(&f, WS_OP_TEXT, true, false, big, sizeof(big));
	t = feed_all(&server, f.b, 8 + 6);
	CHECK_EQ(t->nev, 2);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[0].len, 3);
	CHECK_MEM(t->payload, "abc", 3);
	EXPECT_ERROR(t, 1007, 8 + 3);

	/* Incomplete at the end of the message */
	f.n = 0;
	FR(&f, WS_OP_TEXT, false, "ab");
	FR(&f, WS_OP_CONT, true, "\xe2\x82");
	t = feed_all(&server, f.b, f.n);
	/* on the call after the last DATA, which needs no more input */
	EXPECT_ERROR(t, 1007, f.n);
	CHECK_EQ(t->plen, 4);
	CHECK(strcmp(t->reason, "truncated UTF-8 in text message") == 0);

	/* ... but fine at the end of a fragment */
	f.n = 0;
	FR(&f, WS_OP_TEXT, false, "\xe2\x82");
	FR(&f, WS_OP_CONT, true, "\xac");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->ev[t->nev - 1].type, WS_MSG_END);

	/* Binary messages are not checked; text state starts afresh. */
	f.n = 0;
	FR(&f, WS_OP_BINARY, true, "\xff\xc0");
	FR(&f, WS_OP_TEXT, true, "\xc3\xa9");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[3].type, WS_MSG_END);

	/* An empty text message is valid. */
	f.n = 0;
	FR(&f, WS_OP_TEXT, true, "");
	t = feed_all(&server, f.b, f.n);
	CHECK_EQ(t->nev, 1);
	CHECK_EQ(t->ev[0].type, WS_MSG_END);
}

static void
test_ws_msg_max_message(void)
{
	static const struct cfg c10 = { WS_SERVER, false, 10 };
	static const struct cfg z10 = { WS_SERVER, true, 10 };
	struct frames f;
	const struct trace *t;
	size_t at;

	f.n = 0;
	FR(&f, WS_OP_TEXT, true, "0123456789");
	FR(&f, WS_OP_PING, true, "0123456789abcdef");	/* not counted */
	FR(&f, WS_OP_BINARY, false, "01234");
	FR(&f, WS_OP_CONT, true, "56789");
	t = feed_all(&c10, f.b, f.n);
	CHECK_EQ(t->nev, 5);
	CHECK_EQ(t->ev[4].type, WS_MSG_END);

	/* One byte over, announced by the header: nothing delivered. */
	f.n = 0;
	FR(&f, WS_OP_TEXT, true, "0123456789a");
	t = feed_all(&c10, f.b, f.n);
	CHECK_EQ(t->nev, 1);
	EXPECT_ERROR(t, 1009, 5);
	CHECK(strcmp(t->reason, "message too big") == 0);

	/* Over only in a later fragment */
	f.n = 0;
	FR(&f, WS_OP_BINARY, false, "012345");
	at = f.n;
	FR(&f, WS_OP_CONT, true, "6789a");
	t = feed_all(&c10, f.b, f.n);
	CHECK_EQ(t->nev, 2);
	CHECK_EQ(t->ev[0].len, 6);
	EXPECT_ERROR(t, 1009, at + 5);

	/* Compressed: neither the size nor UTF-8 is checked here. */
	f.n = 0;
	fr(&f, WS_OP_TEXT, false, true, "\xff\xfe 0123456789", 13);
	FR(&f, WS_OP_CONT, true, "\xc0");
	FR(&f, WS_OP_TEXT, true, "plain");
	t = feed_all(&z10, f.b, f.n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[0].len, 14);
	CHECK(t->ev[0].compressed);
	CHECK_EQ(t->ev[1].type, WS_MSG_END);
	CHECK(t->ev[1].compressed);
	CHECK_EQ(t->ev[1].opcode, WS_OP_TEXT);
	CHECK(!t->ev[2].compressed);
	CHECK(!t->ev[3].compressed);

	/* A compressed binary message, and an uncompressed text after it */
	f.n = 0;
	fr(&f, WS_OP_BINARY, true, true, "0123456789abc", 13);
	FR(&f, WS_OP_TEXT, true, "\xc0");
	t = feed_all(&z10, f.b, f.n);
	CHECK_EQ(t->nev, 3);
	EXPECT_ERROR(t, 1007, f.n - 1);
}

/* max_data 0 consumes headers and control frames and stops at data. */
static void
test_ws_msg_max_data(void)
{
	struct frames f;
	struct ws_msg m;
	struct ws_msg_ev ev;
	uint8_t *b;
	size_t off;

	f.n = 0;
	FR(&f, WS_OP_PING, true, "p");
	FR(&f, WS_OP_TEXT, true, "");
	FR(&f, WS_OP_BINARY, false, "abcd");
	FR(&f, WS_OP_CONT, true, "ef");
	b = unit_guarded(f.b, f.n);
	ws_msg_init(&m, WS_SERVER, 0);

	CHECK_EQ(ws_msg_feed(&m, b, f.n, 0, &ev), 7);
	CHECK_EQ(ev.type, WS_MSG_PING);
	off = 7;
	/* an empty message needs no payload room */
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 0, &ev), 6);
	CHECK_EQ(ev.type, WS_MSG_END);
	off += 6;
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 0, &ev), 6);
	CHECK_EQ(ev.type, WS_MSG_NONE);
	off += 6;
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_MSG_NONE);
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 3, &ev), 3);
	CHECK_EQ(ev.type, WS_MSG_DATA);
	CHECK_MEM(ev.data, "abc", 3);
	off += 3;
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 3, &ev), 1);
	CHECK_MEM(ev.data, "d", 1);
	off += 1;
	/* the next header is taken, its payload is not */
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 0, &ev), 6);
	CHECK_EQ(ev.type, WS_MSG_NONE);
	off += 6;
	CHECK_EQ(ws_msg_feed(&m, b + off, f.n - off, 100, &ev), 2);
	CHECK_EQ(ev.type, WS_MSG_DATA);
	CHECK_EQ(ev.opcode, WS_OP_BINARY);
	CHECK_MEM(ev.data, "ef", 2);
	off += 2;
	CHECK_EQ(off, f.n);
	CHECK_EQ(ws_msg_feed(&m, b + off, 0, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_MSG_END);
	CHECK_EQ(ev.opcode, WS_OP_BINARY);
	CHECK_EQ(ws_msg_feed(&m, b + off, 0, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_MSG_NONE);
}

static void
test_ws_msg_after_error(void)
{
	struct ws_msg m;
	struct ws_msg_ev ev;
	struct frames f;

	f.n = 0;
	FR(&f, WS_OP_CONT, true, "");
	ws_msg_init(&m, WS_SERVER, 0);
	CHECK_EQ(ws_msg_feed(&m, unit_guarded(f.b, f.n), f.n, 10, &ev), -1);
	CHECK_EQ(ev.code, 1002);
	f.n = 0;
	FR(&f, WS_OP_TEXT, true, "ok");
	CHECK_EQ(ws_msg_feed(&m, unit_guarded(f.b, f.n), f.n, 10, &ev), -1);
	CHECK_EQ(ws_msg_feed(&m, unit_guard_end, 0, 10, &ev), -1);
}

static void
test_ws_msg_client_role(void)
{
	static const struct cfg client = { WS_CLIENT, false, 0 };
	uint8_t in[64];
	const struct trace *t;
	size_t n;

	n = ws_frame_header(in, WS_OP_TEXT, false, false, 3, NULL);
	memcpy(in + n, "abc", 3);
	n += 3;
	n += ws_frame_header(in + n, WS_OP_PING, true, false, 0, NULL);
	n += ws_frame_header(in + n, WS_OP_CONT, true, false, 0, NULL);
	n += ws_frame_header(in + n, WS_OP_CLOSE, true, false, 2, NULL);
	memcpy(in + n, "\x0f\xa0", 2);	/* 4000 */
	n += 2;
	t = feed_all(&client, in, n);
	CHECK_EQ(t->nev, 4);
	CHECK_EQ(t->ev[0].type, WS_MSG_DATA);
	CHECK_EQ(t->ev[1].type, WS_MSG_PING);
	CHECK_EQ(t->ev[2].type, WS_MSG_END);
	CHECK_EQ(t->ev[3].type, WS_MSG_CLOSE);
	CHECK_EQ(t->ev[3].code, 4000);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_ws_msg_simple);
	UNIT_RUN(test_ws_msg_empty);
	UNIT_RUN(test_ws_msg_fragments);
	UNIT_RUN(test_ws_msg_ping_between_fragments);
	UNIT_RUN(test_ws_msg_fragment_errors);
	UNIT_RUN(test_ws_msg_close);
	UNIT_RUN(test_ws_msg_close_code_valid);
	UNIT_RUN(test_ws_msg_close_payload);
	UNIT_RUN(test_ws_msg_utf8_stream);
	UNIT_RUN(test_ws_msg_max_message);
	UNIT_RUN(test_ws_msg_max_data);
	UNIT_RUN(test_ws_msg_after_error);
	UNIT_RUN(test_ws_msg_client_role);
	return (UNIT_END("test_ws_msg"));
}
