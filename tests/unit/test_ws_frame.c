/*
 * test_ws_frame.c - the frame codec: opcodes, the three length encodings,
 * header writer round trips, every error with its close code and the byte
 * it is detected at, masking at any offset, both roles.  Each input is fed
 * whole, byte by byte and split at every offset, every piece ending at an
 * unmapped page, and must give the same events.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ws_frame.h"
#include "unit.h"

#define GUARD_MAX	(256 * 1024)
#define MAXEV		64
#define MAXPAY		(200 * 1024)

struct cfg {
	enum ws_role	role;
	bool		rsv1_ok;
	uint64_t	max_frame;
};

/* Events with consecutive PAYLOAD chunks merged; type -1 is an error. */
struct tev {
	int		type;
	uint8_t		opcode;
	bool		fin;
	bool		rsv1;
	uint64_t	length;
	size_t		plen;		/* PAYLOAD: merged length */
	uint16_t	code;		/* error */
	size_t		err_at;		/* error: input offset of the call */
};

struct trace {
	int		nev;
	struct tev	ev[MAXEV];
	uint8_t		payload[MAXPAY];	/* all payload, concatenated */
	size_t		plen;
	const char	*reason;
};

static struct trace t_whole, t_other;

/*
 * Feed in[0..len) in pieces ending at cuts[0..ncuts) (the last is len), each
 * piece copied to end at the guard page, and record the events.
 */
static void
run(struct trace *t, const struct cfg *c, const uint8_t *in, size_t len,
    const size_t *cuts, size_t ncuts)
{
	struct ws_parser p;
	struct ws_frame_ev ev;
	struct tev *e;
	uint8_t *ptr;
	size_t start = 0, left, i;
	ssize_t r;

	if (ncuts == 0 || cuts[ncuts - 1] != len)
		abort();
	memset(t, 0, sizeof(*t));
	ws_parser_init(&p, c->role);
	p.rsv1_ok = c->rsv1_ok;
	p.max_frame = c->max_frame;
	for (i = 0; i < ncuts; i++) {
		left = cuts[i] - start;
		ptr = unit_guarded(in + start, left);
		for (;;) {
			r = ws_frame_parse(&p, ptr, left, &ev);
			if (r < 0) {
				e = &t->ev[t->nev++];
				e->type = -1;
				e->code = ev.close_code;
				e->err_at = cuts[i] - left;
				t->reason = ev.reason;
				CHECK(ev.reason != NULL);
				return;
			}
			CHECK((size_t)r <= left);
			if (ev.type == WS_FRAME_NONE) {
				CHECK_EQ(r, left);
				break;
			}
			if (ev.type == WS_FRAME_END)
				CHECK_EQ(r, 0);
			if (ev.type == WS_FRAME_PAYLOAD) {
				CHECK_EQ(r, ev.len);
				CHECK(ev.data == ptr);
				CHECK(ev.len > 0);
				if (t->plen + ev.len > MAXPAY)
					abort();
				memcpy(t->payload + t->plen, ev.data, ev.len);
				t->plen += ev.len;
				if (t->nev > 0 && t->ev[t->nev - 1].type ==
				    WS_FRAME_PAYLOAD) {
					t->ev[t->nev - 1].plen += ev.len;
					ptr += r;
					left -= (size_t)r;
					continue;
				}
			}
			if (t->nev == MAXEV)
				abort();
			e = &t->ev[t->nev++];
			e->type = (int)ev.type;
			e->opcode = ev.opcode;
			e->fin = ev.fin;
			e->rsv1 = ev.rsv1;
			e->length = ev.length;
			e->plen = ev.type == WS_FRAME_PAYLOAD ? ev.len : 0;
			ptr += r;
			left -= (size_t)r;
		}
		start = cuts[i];
	}
}

static int
trace_eq(const struct trace *a, const struct trace *b, bool err_at)
{
	int i;

	if (a->nev != b->nev || a->plen != b->plen ||
	    memcmp(a->payload, b->payload, a->plen) != 0)
		return (0);
	for (i = 0; i < a->nev; i++) {
		const struct tev *x = &a->ev[i], *y = &b->ev[i];

		if (x->type != y->type || x->opcode != y->opcode ||
		    x->fin != y->fin || x->rsv1 != y->rsv1 ||
		    x->length != y->length || x->plen != y->plen ||
		    x->code != y->code || (err_at && x->err_at != y->err_at))
			return (0);
	}
	return (1);
}

static size_t cuts[MAXPAY + 16];

/*
 * Feed in whole, byte by byte and split at every offset (three-way for
 * short inputs); all must agree.  Returns the byte-by-byte trace in t_whole,
 * whose err_at is the offset of the offending byte.
 */
static const struct trace *
feed_all(const struct cfg *c, const uint8_t *in, size_t len)
{
	size_t i, a, b;
	int ok = 1;

	cuts[0] = len;
	run(&t_other, c, in, len, cuts, 1);
	for (i = 0; i < len; i++)
		cuts[i] = i + 1;
	run(&t_whole, c, in, len, cuts, len > 0 ? len : 1);
	CHECK(trace_eq(&t_whole, &t_other, false));

	for (a = 0; a <= len && ok; a += (len > 4096) ? 997 : 1) {
		cuts[0] = a;
		cuts[1] = len;
		run(&t_other, c, in, len, cuts, 2);
		if (!trace_eq(&t_whole, &t_other, false)) {
			fprintf(stderr, "  split at %zu differs\n", a);
			ok = 0;
		}
		for (b = a; len <= 40 && b <= len && ok; b++) {
			cuts[1] = b;
			cuts[2] = len;
			run(&t_other, c, in, len, cuts, 3);
			if (!trace_eq(&t_whole, &t_other, false)) {
				fprintf(stderr, "  split at %zu/%zu\n", a, b);
				ok = 0;
			}
		}
	}
	CHECK(ok);
	return (&t_whole);
}

static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
static const struct cfg server = { WS_SERVER, false, 0 };
static const struct cfg client = { WS_CLIENT, false, 0 };

/* Append one frame with a payload (masked with key when mask). */
static size_t
mkframe(uint8_t *out, uint8_t opcode, bool fin, bool rsv1,
    const void *payload, size_t len, bool mask)
{
	size_t n;

	n = ws_frame_header(out, opcode, fin, rsv1, len,
	    mask ? key : NULL);
	if (len > 0)
		memcpy(out + n, payload, len);
	if (mask)
		ws_mask(out + n, len, key, 0);
	return (n + len);
}

static void
check_header(const struct tev *e, uint8_t op, bool fin, uint64_t len)
{

	CHECK_EQ(e->type, WS_FRAME_HEADER);
	CHECK_EQ(e->opcode, op);
	CHECK_EQ(e->fin, fin);
	CHECK_EQ(e->length, len);
}

static void
test_ws_frame_opcodes(void)
{
	static const uint8_t ops[] = { WS_OP_TEXT, WS_OP_BINARY, WS_OP_CONT,
	    WS_OP_CLOSE, WS_OP_PING, WS_OP_PONG };
	const struct trace *t;
	uint8_t in[64];
	size_t i, n;

	for (i = 0; i < sizeof(ops); i++) {
		n = mkframe(in, ops[i], true, false, "hello", 5, true);
		CHECK_EQ(n, 2 + 4 + 5);
		t = feed_all(&server, in, n);
		CHECK_EQ(t->nev, 3);
		check_header(&t->ev[0], ops[i], true, 5);
		CHECK_EQ(t->ev[1].type, WS_FRAME_PAYLOAD);
		CHECK_EQ(t->ev[1].plen, 5);
		CHECK_EQ(t->ev[2].type, WS_FRAME_END);
		CHECK_EQ(t->ev[2].opcode, ops[i]);
		CHECK_EQ(t->plen, 5);
		CHECK_MEM(t->payload, "hello", 5);
	}
	/* Data frames may be fragmented. */
	n = mkframe(in, WS_OP_TEXT, false, false, "ab", 2, true);
	t = feed_all(&server, in, n);
	CHECK_EQ(t->nev, 3);
	check_header(&t->ev[0], WS_OP_TEXT, false, 2);
}

static void
test_ws_frame_rfc_examples(void)
{
	/* RFC 6455 §5.7 */
	static const uint8_t hello[] = { 0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c,
	    0x6f };
	static const uint8_t mhello[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
	    0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	static const uint8_t frag[] = { 0x01, 0x03, 0x48, 0x65, 0x6c, 0x80,
	    0x02, 0x6c, 0x6f };
	static const uint8_t h256[] = { 0x82, 0x7e, 0x01, 0x00 };
	static const uint8_t h64k[] = { 0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0 };
	const struct trace *t;
	uint8_t out[WS_HEADER_MAX];

	t = feed_all(&client, hello, sizeof(hello));
	CHECK_EQ(t->nev, 3);
	CHECK_EQ(t->plen, 5);
	CHECK_MEM(t->payload, "Hello", 5);

	t = feed_all(&server, mhello, sizeof(mhello));
	CHECK_EQ(t->nev, 3);
	CHECK_EQ(t->plen, 5);
	CHECK_MEM(t->payload, "Hello", 5);

	t = feed_all(&client, frag, sizeof(frag));
	CHECK_EQ(t->nev, 6);
	check_header(&t->ev[0], WS_OP_TEXT, false, 3);
	check_header(&t->ev[3], WS_OP_CONT, true, 2);
	CHECK_MEM(t->payload, "Hello", 5);

	CHECK_EQ(ws_frame_header(out, WS_OP_TEXT, true, false, 5, NULL), 2);
	CHECK_MEM(out, hello, 2);
	CHECK_EQ(ws_frame_header(out, WS_OP_TEXT, true, false, 5, key), 6);
	CHECK_MEM(out, mhello, 6);
	CHECK_EQ(ws_frame_header(out, WS_OP_BINARY, true, false, 256, NULL),
	    4);
	CHECK_MEM(out, h256, 4);
	CHECK_EQ(ws_frame_header(out, WS_OP_BINARY, true, false, 65536,
	    NULL), 10);
	CHECK_MEM(out, h64k, 10);
}

static void
test_ws_frame_lengths(void)
{
	static const size_t lens[] = { 0, 1, 125, 126, 127, 65535, 65536,
	    100003 };
	static uint8_t pay[100003], in[100003 + WS_HEADER_MAX];
	const struct trace *t;
	size_t i, j, n, hl;

	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + i / 251);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = mkframe(in, WS_OP_BINARY, true, false, pay, lens[i], true);
		hl = lens[i] < 126 ? 6 : lens[i] <= 65535 ? 8 : 14;
		CHECK_EQ(n, hl + lens[i]);
		t = feed_all(&server, in, n);
		check_header(&t->ev[0], WS_OP_BINARY, true, lens[i]);
		CHECK_EQ(t->plen, lens[i]);
		CHECK_MEM(t->payload, pay, lens[i]);
		if (lens[i] == 0) {
			/* END right after HEADER, consuming nothing */
			CHECK_EQ(t->nev, 2);
			CHECK_EQ(t->ev[1].type, WS_FRAME_END);
		} else {
			CHECK_EQ(t->nev, 3);
			CHECK_EQ(t->ev[2].type, WS_FRAME_END);
		}
		/* Unmasked, as a client sees it */
		n = mkframe(in, WS_OP_BINARY, true, false, pay, lens[i],
		    false);
		CHECK_EQ(n, hl - 4 + lens[i]);
		t = feed_all(&client, in, n);
		CHECK_EQ(t->plen, lens[i]);
		CHECK_MEM(t->payload, pay, lens[i]);
		for (j = 0; j < t->plen && j < lens[i]; j++)
			if (t->payload[j] != pay[j])
				break;
		CHECK_EQ(j, lens[i]);
	}
}

static void
test_ws_frame_huge_length(void)
{
	static const uint64_t lens[] = { 1ULL << 32, 1ULL << 40,
	    0x7fffffffffffffffULL };
	struct ws_parser p;
	struct ws_frame_ev ev;
	uint8_t in[WS_HEADER_MAX + 8];
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = ws_frame_header(in, WS_OP_BINARY, true, false, lens[i],
		    key);
		CHECK_EQ(n, 14);
		memset(in + n, 0xaa, 8);
		ws_parser_init(&p, WS_SERVER);
		CHECK_EQ(ws_frame_parse(&p, unit_guarded(in, n + 8), n + 8,
		    &ev), 14);
		CHECK_EQ(ev.type, WS_FRAME_HEADER);
		CHECK(ev.length == lens[i]);
		CHECK(ws_parser_in_payload(&p));
		CHECK_EQ(ws_frame_parse(&p, unit_guard_end - 8, 8, &ev), 8);
		CHECK_EQ(ev.type, WS_FRAME_PAYLOAD);
		CHECK(p.remaining == lens[i] - 8);
	}
}

/* Every header ws_frame_header writes parses back to the same fields. */
static void
test_ws_frame_header_roundtrip(void)
{
	static const uint64_t lens[] = { 0, 1, 125, 126, 127, 255, 256,
	    65535, 65536, 65537, 1ULL << 31, 1ULL << 32, 1ULL << 62,
	    0x7fffffffffffffffULL };
	static const uint8_t ops[] = { WS_OP_CONT, WS_OP_TEXT, WS_OP_BINARY,
	    WS_OP_CLOSE, WS_OP_PING, WS_OP_PONG };
	struct ws_parser p;
	struct ws_frame_ev ev;
	uint8_t out[WS_HEADER_MAX];
	size_t i, j, n;
	int fin, rsv1, m;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
	for (j = 0; j < sizeof(ops); j++)
	for (fin = 0; fin < 2; fin++)
	for (rsv1 = 0; rsv1 < 2; rsv1++)
	for (m = 0; m < 2; m++) {
		bool ctl = (ops[j] & 8) != 0;

		/* Only combinations the parser accepts. */
		if (ctl && (!fin || rsv1 || lens[i] > 125))
			continue;
		if (ops[j] == WS_OP_CONT && rsv1)
			continue;
		n = ws_frame_header(out, ops[j], fin, rsv1, lens[i],
		    m ? key : NULL);
		CHECK_EQ(n, (lens[i] < 126 ? 2 : lens[i] < 65536 ? 4 : 10) +
		    (m ? 4 : 0));
		ws_parser_init(&p, m ? WS_SERVER : WS_CLIENT);
		p.rsv1_ok = true;
		CHECK_EQ(ws_frame_parse(&p, unit_guarded(out, n), n, &ev), n);
		CHECK_EQ(ev.type, WS_FRAME_HEADER);
		CHECK_EQ(ev.opcode, ops[j]);
		CHECK_EQ(ev.fin, fin);
		CHECK_EQ(ev.rsv1, rsv1);
		CHECK(ev.length == lens[i]);
		if (m)
			CHECK_MEM(p.mask, key, 4);
	}
}

struct errcase {
	const char	*name;
	enum ws_role	role;
	bool		rsv1_ok;
	uint64_t	max_frame;
	const char	*in;
	size_t		len;
	uint16_t	code;
	size_t		at;		/* offset of the offending byte */
};

#define S(x)	x, sizeof(x) - 1
#define K	"\x37\xfa\x21\x3d"

static const struct errcase errcases[] = {
	{ "unmasked", WS_SERVER, 0, 0, S("\x81\x05Hello"), 1002, 1 },
	{ "masked to client", WS_CLIENT, 0, 0, S("\x81\x85" K "Hello"),
	    1002, 1 },
	{ "rsv2", WS_SERVER, 1, 0, S("\xa1\x80" K), 1002, 0 },
	{ "rsv3", WS_SERVER, 1, 0, S("\x91\x80" K), 1002, 0 },
	{ "rsv1 off", WS_SERVER, 0, 0, S("\xc1\x80" K), 1002, 0 },
	{ "rsv1 ping", WS_SERVER, 1, 0, S("\xc9\x80" K), 1002, 0 },
	{ "rsv1 close", WS_SERVER, 1, 0, S("\xc8\x80" K), 1002, 0 },
	{ "rsv1 cont", WS_SERVER, 1, 0, S("\xc0\x80" K), 1002, 0 },
	{ "rsv1 cont nofin", WS_SERVER, 1, 0, S("\x40\x80" K), 1002, 0 },
	{ "op 3", WS_SERVER, 0, 0, S("\x83\x80" K), 1002, 0 },
	{ "op 4", WS_SERVER, 0, 0, S("\x84\x80" K), 1002, 0 },
	{ "op 5", WS_SERVER, 0, 0, S("\x85\x80" K), 1002, 0 },
	{ "op 6", WS_SERVER, 0, 0, S("\x86\x80" K), 1002, 0 },
	{ "op 7", WS_SERVER, 0, 0, S("\x87\x80" K), 1002, 0 },
	{ "op b", WS_SERVER, 0, 0, S("\x8b\x80" K), 1002, 0 },
	{ "op c", WS_SERVER, 0, 0, S("\x8c\x80" K), 1002, 0 },
	{ "op d", WS_SERVER, 0, 0, S("\x8d\x80" K), 1002, 0 },
	{ "op e", WS_SERVER, 0, 0, S("\x8e\x80" K), 1002, 0 },
	{ "op f", WS_SERVER, 0, 0, S("\x8f\x80" K), 1002, 0 },
	{ "op 3 nofin", WS_SERVER, 0, 0, S("\x03\x80" K), 1002, 0 },
	{ "ping nofin", WS_SERVER, 0, 0, S("\x09\x80" K), 1002, 0 },
	{ "close nofin", WS_SERVER, 0, 0, S("\x08\x80" K), 1002, 0 },
	{ "pong nofin", WS_CLIENT, 0, 0, S("\x0a\x00"), 1002, 0 },
	{ "ping 126", WS_SERVER, 0, 0, S("\x89\xfe\x00\x7e" K), 1002, 1 },
	{ "close 127", WS_SERVER, 0, 0, S("\x88\xff"), 1002, 1 },
	{ "pong 126 client", WS_CLIENT, 0, 0, S("\x8a\x7e\x00\x7e"), 1002,
	    1 },
	{ "16-bit 125", WS_SERVER, 0, 0, S("\x82\xfe\x00\x7d" K), 1002, 3 },
	{ "16-bit 0", WS_SERVER, 0, 0, S("\x82\xfe\x00\x00" K), 1002, 3 },
	{ "64-bit 0", WS_SERVER, 0, 0,
	    S("\x82\xff\x00\x00\x00\x00\x00\x00\x00\x00" K), 1002, 7 },
	{ "64-bit 65535", WS_SERVER, 0, 0,
	    S("\x82\xff\x00\x00\x00\x00\x00\x00\xff\xff" K), 1002, 7 },
	{ "64-bit 125", WS_CLIENT, 0, 0,
	    S("\x82\x7f\x00\x00\x00\x00\x00\x00\x00\x7d"), 1002, 7 },
	{ "64-bit top bit", WS_SERVER, 0, 0,
	    S("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00" K), 1002, 2 },
	{ "64-bit all ones", WS_SERVER, 0, 100,
	    S("\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff" K), 1002, 2 },
	{ "max 7-bit", WS_SERVER, 0, 100, S("\x82\xe5" K), 1009, 1 },
	{ "max 16-bit", WS_SERVER, 0, 200, S("\x82\xfe\x00\xc9" K), 1009,
	    3 },
	{ "max 16-bit early", WS_SERVER, 0, 100, S("\x82\xfe\x01\x00" K),
	    1009, 2 },
	{ "max 64-bit early", WS_SERVER, 0, 100,
	    S("\x82\xff\x00\x00\x01\x00\x00\x00\x00\x00" K), 1009, 4 },
	{ "max 64-bit", WS_SERVER, 0, 65536,
	    S("\x82\xff\x00\x00\x00\x00\x00\x01\x00\x01" K), 1009, 9 },
	{ "max 64-bit nonmin", WS_SERVER, 0, 10,
	    S("\x82\xff\x00\x00\x00\x00\x00\x00\x00\x01" K), 1002, 7 },
	/* errors in a later frame, after a good one */
	{ "second frame", WS_SERVER, 0, 0, S("\x82\x81" K "x\x83"), 1002, 7 },
	{ "after ping", WS_CLIENT, 0, 0, S("\x89\x00\x81\x85"), 1002, 3 },
};

static void
test_ws_frame_errors(void)
{
	const struct errcase *ec;
	const struct trace *t;
	struct cfg c;
	size_t i;

	for (i = 0; i < sizeof(errcases) / sizeof(errcases[0]); i++) {
		ec = &errcases[i];
		c.role = ec->role;
		c.rsv1_ok = ec->rsv1_ok;
		c.max_frame = ec->max_frame;
		t = feed_all(&c, (const uint8_t *)ec->in, ec->len);
		if (t->nev == 0 || t->ev[t->nev - 1].type != -1 ||
		    t->ev[t->nev - 1].code != ec->code ||
		    t->ev[t->nev - 1].err_at != ec->at) {
			fprintf(stderr, "  case \"%s\"\n", ec->name);
			CHECK(t->nev > 0 && t->ev[t->nev - 1].type == -1);
			if (t->nev > 0) {
				CHECK_EQ(t->ev[t->nev - 1].code, ec->code);
				CHECK_EQ(t->ev[t->nev - 1].err_at, ec->at);
			}
		}
	}
}

static void
test_ws_frame_after_error(void)
{
	struct ws_parser p;
	struct ws_frame_ev ev;
	uint8_t *b;

	ws_parser_init(&p, WS_SERVER);
	b = unit_guarded("\x81\x05Hello", 7);
	CHECK_EQ(ws_frame_parse(&p, b, 7, &ev), -1);
	CHECK_EQ(ev.close_code, 1002);
	CHECK(strcmp(ev.reason, "unmasked frame") == 0);
	/* unusable from then on */
	b = unit_guarded("\x81\x80" K, 6);
	CHECK_EQ(ws_frame_parse(&p, b, 6, &ev), -1);
	CHECK_EQ(ws_frame_parse(&p, b, 0, &ev), -1);
}

/* Limits that are met exactly are accepted; RSV1 when negotiated. */
static void
test_ws_frame_accepted(void)
{
	static const struct cfg c100 = { WS_SERVER, false, 100 };
	static const struct cfg deflate = { WS_SERVER, true, 0 };
	static uint8_t pay[200];
	const struct trace *t;
	uint8_t in[300];
	size_t n;

	memset(pay, 'p', sizeof(pay));
	n = mkframe(in, WS_OP_BINARY, true, false, pay, 100, true);
	t = feed_all(&c100, in, n);
	CHECK_EQ(t->nev, 3);
	CHECK_EQ(t->plen, 100);
	n = mkframe(in, WS_OP_BINARY, true, false, pay, 101, true);
	t = feed_all(&c100, in, n);
	CHECK_EQ(t->nev, 1);
	CHECK_EQ(t->ev[0].code, 1009);

	n = mkframe(in, WS_OP_PING, true, false, pay, 125, true);
	t = feed_all(&server, in, n);
	CHECK_EQ(t->nev, 3);
	CHECK_EQ(t->plen, 125);

	n = mkframe(in, WS_OP_TEXT, false, true, "abc", 3, true);
	n += mkframe(in + n, WS_OP_CONT, true, false, "de", 2, true);
	t = feed_all(&deflate, in, n);
	CHECK_EQ(t->nev, 6);
	CHECK(t->ev[0].rsv1);
	CHECK(!t->ev[3].rsv1);
	CHECK_MEM(t->payload, "abcde", 5);
}

/* A stream of frames: same events and payload however it is split. */
static void
test_ws_frame_stream(void)
{
	static uint8_t pay[300];
	const struct trace *t;
	uint8_t in[600];
	size_t n = 0, i;

	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)i;
	n += mkframe(in + n, WS_OP_TEXT, false, false, "frag", 4, true);
	n += mkframe(in + n, WS_OP_PING, true, false, "", 0, true);
	n += mkframe(in + n, WS_OP_CONT, false, false, "", 0, true);
	n += mkframe(in + n, WS_OP_PONG, true, false, "pp", 2, true);
	n += mkframe(in + n, WS_OP_CONT, true, false, "ment", 4, true);
	n += mkframe(in + n, WS_OP_BINARY, true, false, pay, 300, true);
	n += mkframe(in + n, WS_OP_CLOSE, true, false, "\x03\xe8", 2, true);
	t = feed_all(&server, in, n);
	CHECK_EQ(t->nev, 3 + 2 + 2 + 3 + 3 + 3 + 3);
	CHECK_EQ(t->plen, 4 + 2 + 4 + 300 + 2);
	CHECK_MEM(t->payload, "fragppment", 10);
	CHECK_MEM(t->payload + 10, pay, 300);
	CHECK_MEM(t->payload + 310, "\x03\xe8", 2);
	check_header(&t->ev[3], WS_OP_PING, true, 0);
	CHECK_EQ(t->ev[4].type, WS_FRAME_END);
	check_header(&t->ev[5], WS_OP_CONT, false, 0);
}

/* ws_parser_in_payload and the caller's way of taking n payload bytes. */
static void
test_ws_frame_in_payload(void)
{
	struct ws_parser p;
	struct ws_frame_ev ev;
	uint8_t in[32], *b;
	size_t n;

	n = mkframe(in, WS_OP_TEXT, true, false, "abcdef", 6, true);
	b = unit_guarded(in, n);
	ws_parser_init(&p, WS_SERVER);
	CHECK(!ws_parser_in_payload(&p));
	CHECK_EQ(ws_frame_parse(&p, b, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_FRAME_NONE);
	CHECK_EQ(ws_frame_parse(&p, b, n, &ev), 6);
	CHECK_EQ(ev.type, WS_FRAME_HEADER);
	CHECK(ws_parser_in_payload(&p));
	CHECK_EQ(ws_frame_parse(&p, b + 6, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_FRAME_NONE);
	CHECK_EQ(ws_frame_parse(&p, b + 6, 2, &ev), 2);
	CHECK_EQ(ev.type, WS_FRAME_PAYLOAD);
	CHECK_MEM(ev.data, "ab", 2);
	CHECK_EQ(ws_frame_parse(&p, b + 8, 4, &ev), 4);
	CHECK_MEM(ev.data, "cdef", 4);
	CHECK(!ws_parser_in_payload(&p));
	CHECK_EQ(ws_frame_parse(&p, b + 12, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_FRAME_END);
	CHECK_EQ(ev.opcode, WS_OP_TEXT);
	CHECK_EQ(ws_frame_parse(&p, b + 12, 0, &ev), 0);
	CHECK_EQ(ev.type, WS_FRAME_NONE);
}

static void
test_ws_frame_mask(void)
{
	static uint8_t orig[200], buf[208], ref[200];
	static const uint8_t k[4] = { 0x01, 0x80, 0xfe, 0x5a };
	size_t start, len, al, i, cut;
	uint64_t off;
	int bad = 0;

	for (i = 0; i < sizeof(orig); i++)
		orig[i] = (uint8_t)(i * 31 + 7);
	for (off = 0; off < 9; off++)
	for (al = 0; al < 8; al++)
	for (start = 0; start < 20; start++)
	for (len = 0; start + len <= 60; len++) {
		memcpy(buf + al, orig + start, len);
		ws_mask(buf + al, len, k, off + start);
		for (i = 0; i < len; i++)
			ref[i] = orig[start + i] ^ k[(off + start + i) & 3];
		if (memcmp(buf + al, ref, len) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);

	/* Masking in pieces is masking the whole, and twice is nothing. */
	for (cut = 0; cut <= sizeof(orig); cut++) {
		memcpy(buf, orig, sizeof(orig));
		ws_mask(buf, cut, k, 0);
		ws_mask(buf + cut, sizeof(orig) - cut, k, cut);
		memcpy(ref, orig, sizeof(orig));
		ws_mask(ref, sizeof(orig), k, 0);
		if (memcmp(buf, ref, sizeof(orig)) != 0)
			bad++;
		ws_mask(buf, sizeof(orig), k, 0);
		if (memcmp(buf, orig, sizeof(orig)) != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);

	/* A buffer ending at the guard page: no access past len. */
	ws_mask(unit_guarded(orig, 13), 13, k, 3);
	CHECK_EQ(unit_guard_end[-13], orig[0] ^ k[3]);
	CHECK_EQ(unit_guard_end[-1], orig[12] ^ k[(3 + 12) & 3]);
	ws_mask(unit_guard_end, 0, k, 0);
}

static void
test_ws_frame_client_role(void)
{
	static const struct cfg cdeflate = { WS_CLIENT, true, 10 };
	const struct trace *t;
	uint8_t in[64];
	size_t n;

	n = mkframe(in, WS_OP_BINARY, true, false, "\x00\xff\x10", 3,
	    false);
	n += mkframe(in + n, WS_OP_CLOSE, true, false, "", 0, false);
	t = feed_all(&client, in, n);
	CHECK_EQ(t->nev, 5);
	CHECK_EQ(t->plen, 3);
	CHECK_MEM(t->payload, "\x00\xff\x10", 3);
	/* a server would refuse these */
	t = feed_all(&server, in, n);
	CHECK_EQ(t->nev, 1);
	CHECK_EQ(t->ev[0].code, 1002);

	n = mkframe(in, WS_OP_TEXT, true, true, "0123456789", 10, false);
	t = feed_all(&cdeflate, in, n);
	CHECK_EQ(t->nev, 3);
	CHECK(t->ev[0].rsv1);
	n = mkframe(in, WS_OP_TEXT, true, true, "0123456789a", 11, false);
	t = feed_all(&cdeflate, in, n);
	CHECK_EQ(t->nev, 1);
	CHECK_EQ(t->ev[0].code, 1009);
	CHECK_EQ(t->ev[0].err_at, 1);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_ws_frame_opcodes);
	UNIT_RUN(test_ws_frame_rfc_examples);
	UNIT_RUN(test_ws_frame_lengths);
	UNIT_RUN(test_ws_frame_huge_length);
	UNIT_RUN(test_ws_frame_header_roundtrip);
	UNIT_RUN(test_ws_frame_errors);
	UNIT_RUN(test_ws_frame_after_error);
	UNIT_RUN(test_ws_frame_accepted);
	UNIT_RUN(test_ws_frame_stream);
	UNIT_RUN(test_ws_frame_in_payload);
	UNIT_RUN(test_ws_frame_mask);
	UNIT_RUN(test_ws_frame_client_role);
	return (UNIT_END("test_ws_frame"));
}
