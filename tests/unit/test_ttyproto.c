/*
 * test_ttyproto.c - terminal control messages: wsbridge-tty's JSON resize
 * and unknown types, ttyd's commands, what is refused, and the server's
 * hello and title; each input against an unmapped page.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ttyproto.h"
#include "unit.h"

static enum ttyproto_kind
control(const char *s, struct ttyproto_msg *m)
{
	size_t n = strlen(s);

	return (ttyproto_control(unit_guarded((const uint8_t *)s, n), n, m));
}

static enum ttyproto_kind
ttyd(const char *s, struct ttyproto_msg *m)
{
	size_t n = strlen(s);

	return (ttyproto_ttyd(unit_guarded((const uint8_t *)s, n), n, m));
}

static void
test_ttyproto_resize(void)
{
	struct ttyproto_msg m;

	CHECK_EQ(control("{\"type\":\"resize\",\"cols\":100,\"rows\":30}",
	    &m), TTYPROTO_RESIZE);
	CHECK_EQ(m.cols, 100);
	CHECK_EQ(m.rows, 30);
	/* Order, white space, members we do not know. */
	CHECK_EQ(control(" { \"rows\" : 1, \"x\": [1,{}], \"cols\": 1000, "
	    "\"type\": \"resize\" }\r\n", &m), TTYPROTO_RESIZE);
	CHECK_EQ(m.cols, 1000);
	CHECK_EQ(m.rows, 1);
}

static void
test_ttyproto_bad(void)
{
	static const char *bad[] = {
		"", " ", "[]", "\"resize\"", "42", "null",
		"{\"type\":\"resize\",\"cols\":100,\"rows\":30",
		"{\"type\":\"resize\",\"cols\":100,\"rows\":30}x",
		"{\"type\":\"resize\",\"cols\":100,\"rows\":30}{}",
		"{\"type\":\"resize\",\"cols\":0,\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":1001,\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":-5,\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":100.5,\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":1e2,\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":\"100\",\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":99999999999999999999,"
		    "\"rows\":30}",
		"{\"type\":\"resize\",\"cols\":100}",
		"{\"type\":\"resize\"}",
		"{\"type\":5}", "{\"cols\":1,\"rows\":1}", "{}",
		"{\"type\":\"resize\",\"cols\":true,\"rows\":30}",
	};
	struct ttyproto_msg m;
	uint8_t nul[] = "{\"type\":\"x\"}\0";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (control(bad[i], &m) != TTYPROTO_BAD)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_EQ(m.kind, TTYPROTO_BAD);
	}
	/* A NUL after the object, and input over the limit. */
	CHECK_EQ(ttyproto_control(unit_guarded(nul, sizeof(nul) - 1),
	    sizeof(nul) - 1, &m), TTYPROTO_BAD);
	{
		static uint8_t big[TTYPROTO_CONTROL_MAX + 1];

		memset(big, ' ', sizeof(big));
		memcpy(big, "{\"type\":\"x\"}", 12);
		CHECK_EQ(ttyproto_control(unit_guarded(big,
		    TTYPROTO_CONTROL_MAX), TTYPROTO_CONTROL_MAX, &m),
		    TTYPROTO_IGNORE);
		CHECK_EQ(ttyproto_control(unit_guarded(big, sizeof(big)),
		    sizeof(big), &m), TTYPROTO_BAD);
	}
}

static void
test_ttyproto_unknown_type(void)
{
	struct ttyproto_msg m;

	CHECK_EQ(control("{\"type\":\"title\",\"text\":\"x\"}", &m),
	    TTYPROTO_IGNORE);
	CHECK(strcmp(m.type, "title") == 0);
	/* Its name is kept printable and short for the log. */
	CHECK_EQ(control("{\"type\":\"a\\nb\\u00e9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxx\"}", &m), TTYPROTO_IGNORE);
	CHECK_EQ(strlen(m.type), sizeof(m.type) - 1);
	CHECK(strncmp(m.type, "a?b??x", 6) == 0);
}

static void
test_ttyproto_ttyd(void)
{
	struct ttyproto_msg m;

	CHECK_EQ(ttyd("1{\"columns\":120,\"rows\":40}", &m), TTYPROTO_RESIZE);
	CHECK_EQ(m.cols, 120);
	CHECK_EQ(m.rows, 40);
	CHECK_EQ(ttyd("2", &m), TTYPROTO_PAUSE);
	CHECK_EQ(ttyd("3", &m), TTYPROTO_RESUME);
	CHECK_EQ(ttyd("{\"AuthToken\":\"\",\"columns\":90,\"rows\":20}", &m),
	    TTYPROTO_INIT);
	CHECK(m.has_size);
	CHECK_EQ(m.cols, 90);
	CHECK_EQ(m.rows, 20);
	CHECK_EQ(ttyd("{\"AuthToken\":\"abc\"}", &m), TTYPROTO_INIT);
	CHECK(!m.has_size);
	CHECK_EQ(ttyd("{\"columns\":90}", &m), TTYPROTO_INIT);
	CHECK(!m.has_size);
	CHECK_EQ(ttyd("9whatever", &m), TTYPROTO_IGNORE);
	CHECK(strcmp(m.type, "9") == 0);
	CHECK_EQ(ttyd("1", &m), TTYPROTO_BAD);
	CHECK_EQ(ttyd("1{\"columns\":0,\"rows\":40}", &m), TTYPROTO_BAD);
	CHECK_EQ(ttyd("1{\"cols\":10,\"rows\":40}", &m), TTYPROTO_BAD);
	CHECK_EQ(ttyd("{\"columns\":\"90\",\"rows\":20}", &m), TTYPROTO_BAD);
	CHECK_EQ(ttyd("{\"columns\":90,\"rows\":20", &m), TTYPROTO_BAD);
	CHECK_EQ(ttyd("", &m), TTYPROTO_BAD);
}

static void
test_ttyproto_hello(void)
{
	char out[128];
	static const char want[] =
	    "{\"type\":\"hello\",\"readonly\":false,\"cols\":80,\"rows\":24}";
	static const char want_ro[] =
	    "{\"type\":\"hello\",\"readonly\":true,\"cols\":100,\"rows\":30}";

	CHECK_EQ(ttyproto_hello(out, sizeof(out), false, 80, 24),
	    strlen(want));
	CHECK(strcmp(out, want) == 0);
	CHECK_EQ(ttyproto_hello(out, sizeof(out), true, 100, 30),
	    strlen(want_ro));
	CHECK(strcmp(out, want_ro) == 0);
	/* Does not fit: nothing. */
	CHECK_EQ(ttyproto_hello(out, strlen(want), false, 80, 24), 0);
	CHECK_EQ(ttyproto_hello(out, strlen(want) + 1, false, 80, 24),
	    strlen(want));
}

static void
test_ttyproto_title(void)
{
	char out[8];

	CHECK_EQ(ttyproto_ttyd_title(out, sizeof(out), "sh (h)"), 7);
	CHECK_MEM(out, "1sh (h)", 7);
	CHECK_EQ(ttyproto_ttyd_title(out, sizeof(out), "abcdefgh"), 8);
	CHECK_MEM(out, "1abcdefg", 8);
	/* Cut before a character that does not fit whole. */
	CHECK_EQ(ttyproto_ttyd_title(out, sizeof(out), "abcdef\xc3\xa9"), 7);
	CHECK_MEM(out, "1abcdef", 7);
	CHECK_EQ(ttyproto_ttyd_title(out, sizeof(out), ""), 1);
	CHECK_EQ(ttyproto_ttyd_title(out, 0, "x"), 0);
}

int
main(void)
{

	unit_guard_init(TTYPROTO_CONTROL_MAX + 1);
	UNIT_RUN(test_ttyproto_resize);
	UNIT_RUN(test_ttyproto_bad);
	UNIT_RUN(test_ttyproto_unknown_type);
	UNIT_RUN(test_ttyproto_ttyd);
	UNIT_RUN(test_ttyproto_hello);
	UNIT_RUN(test_ttyproto_title);
	return (UNIT_END("ttyproto"));
}
