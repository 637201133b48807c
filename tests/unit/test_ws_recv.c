/*
 * test_ws_recv.c - the receive path: base64 text decoded through output
 * windows of every size from 1 byte, binary under base64 refused before a
 * byte is written, line mode's newline, a full window stopping the parser
 * mid-payload, pings between fragments, a backend gone (parse and drop).
 * Output windows are exactly their size, from the guard page's end.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "ws_frame.h"
#include "ws_recv.h"
#include "unit.h"

static uint8_t stream[1 << 16];
static size_t slen;

/* Append a masked client frame. */
static void
put_frame(uint8_t op, bool fin, const void *payload, size_t len)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	const uint8_t *p = payload;
	size_t i;

	slen += ws_frame_header(stream + slen, op, fin, false, len, key);
	for (i = 0; i < len; i++)
		stream[slen + i] = p[i] ^ key[i % 4];
	slen += len;
}

/*
 * Feed the whole stream through windows of cap bytes (a fresh window after
 * each call, as a backend that takes everything).  Collects the output in
 * got; returns the last status.
 */
static enum ws_recv_status
run(struct ws_recv *r, size_t cap, uint8_t *got, size_t *glen,
    struct ws_recv_out *o)
{
	uint8_t *in = malloc(slen), *w;
	size_t off = 0;
	enum ws_recv_status st;
	int calls = 0;

	memcpy(in, stream, slen);
	*glen = 0;
	for (;;) {
		w = unit_guard_end - cap;	/* the window ends at the guard */
		st = ws_recv_feed(r, in + off, slen - off, w, cap, o);
		memcpy(got + *glen, w, o->made);
		*glen += o->made;
		off += o->used;
		if (st == WS_RECV_PING || st == WS_RECV_PONG ||
		    (st == WS_RECV_FULL && ++calls < 100000))
			continue;
		break;
	}
	free(in);
	return (st);
}

static void
test_ws_recv_base64_windows(void)
{
	static uint8_t raw[3000], got[4000];
	char enc[4100];
	struct ws_recv r;
	struct ws_recv_out o;
	size_t i, cap, n, glen;
	bool ok = true;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + 3);
	n = b64_encode(enc, raw, sizeof(raw));
	slen = 0;
	put_frame(WS_OP_TEXT, false, enc, 1001);
	put_frame(WS_OP_PING, true, "hi", 2);
	put_frame(WS_OP_CONT, true, enc + 1001, n - 1001);
	/* 6 bytes hold a quad's 3 and what the decoder may carry */
	for (cap = 6; cap <= 300 && ok; cap++) {
		ws_recv_init(&r, 0, WS_RECV_BASE64, false, NULL, false);
		if (run(&r, cap, got, &glen, &o) != WS_RECV_MORE ||
		    glen != sizeof(raw) || memcmp(got, raw, glen) != 0)
			ok = false;
	}
	CHECK(ok);
}

static void
test_ws_recv_base64_binary_refused(void)
{
	static uint8_t got[8192], bin[4096];
	struct ws_recv r;
	struct ws_recv_out o;
	size_t cap, glen;

	memset(bin, 0xa5, sizeof(bin));
	for (cap = 64; cap <= 4096; cap += 64) {
		slen = 0;
		put_frame(WS_OP_BINARY, true, bin, sizeof(bin));
		ws_recv_init(&r, 0, WS_RECV_BASE64, false, NULL, false);
		CHECK_EQ(run(&r, cap, got, &glen, &o), WS_RECV_ERROR);
		CHECK_EQ(o.code, WS_CLOSE_UNSUPPORTED);
		CHECK(!o.internal);
		CHECK_EQ(glen, 0);
	}
	/* an empty binary message too */
	slen = 0;
	put_frame(WS_OP_BINARY, true, "", 0);
	ws_recv_init(&r, 0, WS_RECV_BASE64, false, NULL, false);
	CHECK_EQ(run(&r, 16, got, &glen, &o), WS_RECV_ERROR);
	CHECK_EQ(o.code, WS_CLOSE_UNSUPPORTED);
}

static void
test_ws_recv_lines_and_full(void)
{
	static uint8_t got[256];
	struct ws_recv r;
	struct ws_recv_out o;
	uint8_t *in, *w;
	size_t glen;

	slen = 0;
	put_frame(WS_OP_TEXT, true, "one", 3);
	put_frame(WS_OP_BINARY, false, "tw", 2);
	put_frame(WS_OP_CONT, true, "o", 1);
	put_frame(WS_OP_TEXT, true, "", 0);
	ws_recv_init(&r, 0, WS_RECV_RAW, true, NULL, false);
	CHECK_EQ(run(&r, 2, got, &glen, &o), WS_RECV_MORE);
	CHECK_EQ(glen, 9);
	CHECK_MEM(got, "one\ntwo\n\n", 9);

	/* a window of 0: FULL with the payload waiting, nothing written */
	in = malloc(slen);
	memcpy(in, stream, slen);
	ws_recv_init(&r, 0, WS_RECV_RAW, false, NULL, false);
	w = unit_guard_end;
	CHECK_EQ(ws_recv_feed(&r, in, slen, w, 0, &o), WS_RECV_FULL);
	CHECK_EQ(o.made, 0);
	CHECK(o.used < slen);
	/* the backend is gone: everything is parsed past, nothing written */
	CHECK_EQ(ws_recv_feed(&r, in + o.used, slen - o.used, NULL, 0, &o),
	    WS_RECV_MORE);
	CHECK_EQ(o.made, 0);
	free(in);
}

/*
 * Feed the stream through windows of cap bytes, as run() does, noting each
 * control message in ctl (each followed by '|').  Returns the last status.
 */
static enum ws_recv_status
run_ctl(struct ws_recv *r, size_t cap, uint8_t *got, size_t *glen,
    char *ctl, size_t *clen, struct ws_recv_out *o)
{
	uint8_t *in = malloc(slen), *w;
	size_t off = 0;
	enum ws_recv_status st;
	int calls = 0;

	memcpy(in, stream, slen);
	*glen = *clen = 0;
	for (;;) {
		w = unit_guard_end - cap;
		st = ws_recv_feed(r, in + off, slen - off, w, cap, o);
		memcpy(got + *glen, w, o->made);
		*glen += o->made;
		off += o->used;
		if (st == WS_RECV_CONTROL) {
			memcpy(ctl + *clen, o->data, o->len);
			*clen += o->len;
			ctl[(*clen)++] = '|';
		}
		if (st == WS_RECV_PING || st == WS_RECV_CONTROL ||
		    (st == WS_RECV_FULL && ++calls < 100000))
			continue;
		break;
	}
	free(in);
	return (st);
}

/* wsbridge-tty: binary is input, each text message one control message,
 * however fragmented, a ping between its frames. */
static void
test_ws_recv_tty_control(void)
{
	static const char want_ctl[] = "{\"type\":\"x\"}||";
	uint8_t got[64];
	char ctl[64];
	struct ws_recv r;
	struct ws_recv_out o;
	size_t cap, glen, clen;

	slen = 0;
	put_frame(WS_OP_BINARY, true, "ab", 2);
	put_frame(WS_OP_TEXT, false, "{\"type\"", 7);
	put_frame(WS_OP_PING, true, "p", 1);
	put_frame(WS_OP_CONT, true, ":\"x\"}", 5);
	put_frame(WS_OP_BINARY, false, "c", 1);
	put_frame(WS_OP_CONT, true, "de", 2);
	put_frame(WS_OP_TEXT, true, "", 0);	/* empty: still a message */
	for (cap = 1; cap <= 8; cap++) {
		ws_recv_init(&r, 0, WS_RECV_TTY, false, NULL, false);
		CHECK_EQ(run_ctl(&r, cap, got, &glen, ctl, &clen, &o),
		    WS_RECV_MORE);
		CHECK_EQ(glen, 5);
		CHECK_MEM(got, "abcde", 5);
		CHECK_EQ(clen, strlen(want_ctl));
		CHECK_MEM(ctl, want_ctl, strlen(want_ctl));
	}
	/* --readonly: the input is dropped, control messages still come. */
	ws_recv_init(&r, 0, WS_RECV_TTY, false, NULL, false);
	r.drop_input = true;
	CHECK_EQ(run_ctl(&r, 4, got, &glen, ctl, &clen, &o), WS_RECV_MORE);
	CHECK_EQ(glen, 0);
	CHECK_EQ(clen, strlen(want_ctl));
}

/* Beyond WS_RECV_CONTROL_MAX bytes a control message is refused (1009)
 * before any of it is returned; at the limit it passes. */
static void
test_ws_recv_control_limit(void)
{
	static uint8_t big[WS_RECV_CONTROL_MAX + 1], got[16];
	static char ctl[WS_RECV_CONTROL_MAX + 8];
	struct ws_recv r;
	struct ws_recv_out o;
	size_t glen, clen;

	memset(big, ' ', sizeof(big));
	slen = 0;
	put_frame(WS_OP_TEXT, false, big, WS_RECV_CONTROL_MAX - 1);
	put_frame(WS_OP_CONT, true, big, 1);
	ws_recv_init(&r, 0, WS_RECV_TTY, false, NULL, false);
	CHECK_EQ(run_ctl(&r, 8, got, &glen, ctl, &clen, &o), WS_RECV_MORE);
	CHECK_EQ(clen, WS_RECV_CONTROL_MAX + 1);
	slen = 0;
	put_frame(WS_OP_TEXT, false, big, WS_RECV_CONTROL_MAX);
	put_frame(WS_OP_CONT, true, big, 1);
	ws_recv_init(&r, 0, WS_RECV_TTY, false, NULL, false);
	CHECK_EQ(run_ctl(&r, 8, got, &glen, ctl, &clen, &o), WS_RECV_ERROR);
	CHECK_EQ(o.code, WS_CLOSE_TOO_BIG);
	CHECK_EQ(clen, 0);
}

/* ttyd: '0' + input (the '0' dropped, the rest across frames), any other
 * first byte a control message with its command byte, empty dropped. */
static void
test_ws_recv_ttyd(void)
{
	static const char want_ctl[] = "1{\"columns\":9}|2|{}|";
	uint8_t got[64];
	char ctl[64];
	struct ws_recv r;
	struct ws_recv_out o;
	size_t cap, glen, clen;

	slen = 0;
	put_frame(WS_OP_BINARY, true, "0ab", 3);
	put_frame(WS_OP_TEXT, true, "1{\"columns\":9}", 14);
	put_frame(WS_OP_BINARY, true, "0", 1);
	put_frame(WS_OP_BINARY, true, "", 0);
	put_frame(WS_OP_BINARY, true, "2", 1);
	put_frame(WS_OP_BINARY, false, "0", 1);
	put_frame(WS_OP_CONT, true, "c0", 2);
	put_frame(WS_OP_BINARY, true, "{}", 2);
	for (cap = 1; cap <= 8; cap++) {
		ws_recv_init(&r, 0, WS_RECV_TTYD, false, NULL, false);
		CHECK_EQ(run_ctl(&r, cap, got, &glen, ctl, &clen, &o),
		    WS_RECV_MORE);
		CHECK_EQ(glen, 4);
		CHECK_MEM(got, "abc0", 4);
		CHECK_EQ(clen, strlen(want_ctl));
		CHECK_MEM(ctl, want_ctl, strlen(want_ctl));
	}
}

int
main(void)
{

	unit_guard_init(1 << 16);
	UNIT_RUN(test_ws_recv_tty_control);
	UNIT_RUN(test_ws_recv_control_limit);
	UNIT_RUN(test_ws_recv_ttyd);
	UNIT_RUN(test_ws_recv_base64_windows);
	UNIT_RUN(test_ws_recv_base64_binary_refused);
	UNIT_RUN(test_ws_recv_lines_and_full);
	return (UNIT_END("test_ws_recv"));
}
