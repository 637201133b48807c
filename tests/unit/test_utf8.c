/*
 * test_utf8.c - the streaming UTF-8 validator: RFC 3629 boundaries, the
 * Autobahn 6.x cases, exact offsets of the first invalid byte, every split
 * of the input, and an exhaustive comparison with a slow reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "unit.h"

#define GUARD_MAX	(64 * 1024)

/* Feed s in three pieces ending at the guard; the first bad byte's offset. */
static size_t
feed_split(const char *s, size_t len, size_t a, size_t b, int *complete)
{
	struct utf8 u;
	size_t cut[3] = { a, b, len };
	size_t off = 0, i, k;

	utf8_init(&u);
	for (i = 0; i < 3; i++) {
		k = utf8_feed(&u, unit_guarded(s + off, cut[i] - off),
		    cut[i] - off);
		if (k < cut[i] - off) {
			*complete = 0;
			return (off + k);
		}
		off = cut[i];
	}
	*complete = utf8_complete(&u);
	return (len);
}

/*
 * Check s: whole, at every two- and three-way split and byte by byte, the
 * first invalid byte is at bad (len when none) and the end is complete or not.
 */
static void
check_str(const char *s, size_t len, size_t bad, int complete)
{
	size_t a, b, got;
	int c;

	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b++) {
			got = feed_split(s, len, a, b, &c);
			if (got != bad || c != (bad == len && complete)) {
				fprintf(stderr, "  split %zu/%zu of %zu\n", a,
				    b, len);
				CHECK_EQ(got, bad);
				CHECK_EQ(c, bad == len && complete);
				return;
			}
		}
	}
	CHECK_EQ(utf8_valid(unit_guarded(s, len), len), bad == len && complete);
}

#define VALID(s)	check_str((s), sizeof(s) - 1, sizeof(s) - 1, 1)
#define PARTIAL(s)	check_str((s), sizeof(s) - 1, sizeof(s) - 1, 0)
#define BAD_AT(s, n)	check_str((s), sizeof(s) - 1, (n), 0)

/*
 * Slow reference: may the bytes p[0..k) start a valid encoding?  The
 * remaining continuation bytes can give any value between all-zero and
 * all-one payload bits; a prefix is viable when that range meets a scalar
 * value that needs exactly this many bytes.
 */
static int
ref_viable(const uint8_t *p, size_t k)
{
	static const uint32_t minv[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	uint32_t lo, hi;
	size_t n, i;

	if (p[0] < 0x80)
		return (k == 1);
	if ((p[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return (0);
	if (k > n)
		return (0);
	lo = hi = p[0] & (0x7fu >> n);
	for (i = 1; i < n; i++) {
		if (i < k) {
			if ((p[i] & 0xc0) != 0x80)
				return (0);
			lo = lo << 6 | (p[i] & 0x3fu);
			hi = hi << 6 | (p[i] & 0x3fu);
		} else {
			lo = lo << 6;
			hi = hi << 6 | 0x3f;
		}
	}
	if (lo < minv[n])
		lo = minv[n];
	if (hi > 0x10ffff)
		hi = 0x10ffff;
	if (lo > hi)
		return (0);
	/* Only surrogates in range? */
	if (lo >= 0xd800 && hi <= 0xdfff)
		return (0);
	return (1);
}

/* Length of the sequence a lead byte starts (bad leads fail ref_viable). */
static size_t
ref_seqlen(uint8_t b)
{

	return (b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4);
}

/* Reference offset of the first invalid byte, or len; *complete as utf8. */
static size_t
ref_check(const uint8_t *p, size_t len, int *complete)
{
	size_t start = 0, i;

	*complete = 0;
	for (i = 0; i < len; i++) {
		if (!ref_viable(p + start, i - start + 1))
			return (i);
		if (i - start + 1 == ref_seqlen(p[start]))
			start = i + 1;
	}
	*complete = (start == len);
	return (len);
}

static void
test_utf8_empty(void)
{
	struct utf8 u;

	utf8_init(&u);
	CHECK_EQ(utf8_feed(&u, unit_guarded("", 0), 0), 0);
	CHECK(utf8_complete(&u));
	CHECK(utf8_valid(unit_guarded("", 0), 0));
}

static void
test_utf8_ascii(void)
{
	char s[300];
	size_t i, n, off;
	struct utf8 u;

	for (i = 0; i < sizeof(s); i++)
		s[i] = (char)(i % 128);
	/* Every length and alignment around the word-at-a-time loop. */
	for (off = 0; off < 9; off++) {
		for (n = 0; n + off <= 40; n++) {
			utf8_init(&u);
			CHECK_EQ(utf8_feed(&u, unit_guarded(s + off, n), n), n);
			CHECK(utf8_complete(&u));
		}
	}
	CHECK(utf8_valid(unit_guarded(s, sizeof(s)), sizeof(s)));

	/* A bad byte at every position in a long ASCII run. */
	for (i = 0; i < 40; i++) {
		memset(s, 'a', 40);
		s[i] = (char)0x80;
		utf8_init(&u);
		CHECK_EQ(utf8_feed(&u, unit_guarded(s, 40), 40), i);
		CHECK_EQ(u.state, UTF8_REJECT);
		/* and a valid two-byte character there */
		s[i] = (char)0xc3;
		if (i + 1 < 40)
			s[i + 1] = (char)0xa9;
		utf8_init(&u);
		CHECK_EQ(utf8_feed(&u, unit_guarded(s, 40), 40), 40);
		CHECK_EQ(utf8_complete(&u), i + 1 < 40);
	}
}

static void
test_utf8_boundaries(void)
{

	/* First and last code point of each length, RFC 3629 §4. */
	VALID("\x00");
	VALID("\x7f");
	VALID("\xc2\x80");
	VALID("\xdf\xbf");
	VALID("\xe0\xa0\x80");
	VALID("\xef\xbf\xbf");
	VALID("\xf0\x90\x80\x80");
	VALID("\xf4\x8f\xbf\xbf");
	/* Around the surrogates, the replacement character, noncharacters */
	VALID("\xed\x9f\xbf");		/* U+D7FF */
	VALID("\xee\x80\x80");		/* U+E000 */
	VALID("\xef\xbf\xbd");		/* U+FFFD */
	VALID("\xef\xbf\xbe");		/* U+FFFE */
	VALID("\xef\xb7\x90");		/* U+FDD0 */
	VALID("\xf3\xbf\xbf\xbf");	/* U+FFFFF */
	/* Beyond U+10FFFF: F4 90 cannot start anything valid. */
	BAD_AT("\xf4\x90\x80\x80", 1);	/* U+110000 */
	BAD_AT("\xf4\xbf\xbf\xbf", 1);
	BAD_AT("\xf5\x80\x80\x80", 0);
	BAD_AT("\xf7\xbf\xbf\xbf", 0);	/* U+1FFFFF */
}

static void
test_utf8_overlong(void)
{

	/* '/' in two, three and four bytes */
	BAD_AT("\xc0\xaf", 0);
	BAD_AT("\xe0\x80\xaf", 1);
	BAD_AT("\xf0\x80\x80\xaf", 1);
	/* NUL */
	BAD_AT("\xc0\x80", 0);
	BAD_AT("\xe0\x80\x80", 1);
	BAD_AT("\xf0\x80\x80\x80", 1);
	/* the largest overlongs */
	BAD_AT("\xc1\xbf", 0);
	BAD_AT("\xe0\x9f\xbf", 1);
	BAD_AT("\xf0\x8f\xbf\xbf", 1);
	/* five and six byte forms, Autobahn 6.8 */
	BAD_AT("\xf8\x88\x80\x80\x80", 0);
	BAD_AT("\xfc\x84\x80\x80\x80\x80", 0);
}

static void
test_utf8_surrogates(void)
{

	BAD_AT("\xed\xa0\x80", 1);	/* U+D800 */
	BAD_AT("\xed\xad\xbf", 1);	/* U+DB7F */
	BAD_AT("\xed\xae\x80", 1);	/* U+DB80 */
	BAD_AT("\xed\xaf\xbf", 1);	/* U+DBFF */
	BAD_AT("\xed\xb0\x80", 1);	/* U+DC00 */
	BAD_AT("\xed\xbe\x80", 1);	/* U+DF80 */
	BAD_AT("\xed\xbf\xbf", 1);	/* U+DFFF */
	/* paired surrogates, Autobahn 6.19 */
	BAD_AT("\xed\xa0\x80\xed\xb0\x80", 1);
	BAD_AT("\xed\xaf\xbf\xed\xbf\xbf", 1);
	/* CESU-8 style after valid text */
	BAD_AT("ab\xed\xa0\x80", 3);
}

static void
test_utf8_bad_bytes(void)
{
	uint8_t b[3];
	struct utf8 u;
	unsigned int c;

	for (c = 0x80; c <= 0xff; c++) {
		b[0] = 'x';
		b[1] = (uint8_t)c;
		b[2] = 'y';
		utf8_init(&u);
		if (c <= 0xc1 || c >= 0xf5)
			/* lone continuation byte, C0, C1, F5-FF */
			CHECK_EQ(utf8_feed(&u, unit_guarded(b, 3), 3), 1);
		else
			/* a lead byte cut short by 'y' */
			CHECK_EQ(utf8_feed(&u, unit_guarded(b, 3), 3), 2);
	}
	/* Autobahn 6.16: impossible bytes */
	BAD_AT("\xfe", 0);
	BAD_AT("\xff", 0);
	BAD_AT("\xfe\xfe\xff\xff", 0);
	/* Autobahn 6.11-6.12: unexpected continuation bytes */
	BAD_AT("\x80", 0);
	BAD_AT("\xbf", 0);
	BAD_AT("\x80\xbf", 0);
	BAD_AT("\xc2\x80\x80", 2);
}

static void
test_utf8_truncated(void)
{
	struct utf8 u;

	PARTIAL("\xc2");
	PARTIAL("\xe0\xa0");
	PARTIAL("\xf0\x90\x80");
	PARTIAL("\xf4\x8f\xbf");
	PARTIAL("abc\xe2\x82");
	/* Autobahn 6.13-6.15: lonely and incomplete start bytes */
	BAD_AT("\xc2\x20", 1);
	BAD_AT("\xe0\xa0\x20", 2);
	BAD_AT("\xf0\x90\x80\x20", 3);
	BAD_AT("\xdf\xe0\xa0\x80", 1);
	BAD_AT("\xe1\x80\xe1\x80\x80", 2);
	BAD_AT("\xc0\xe0\x80\xf0\x80\x80", 0);

	/* The state after a rejection is sticky. */
	utf8_init(&u);
	CHECK_EQ(utf8_feed(&u, unit_guarded("\xff", 1), 1), 0);
	CHECK_EQ(utf8_feed(&u, unit_guarded("a", 1), 1), 0);
	CHECK(!utf8_complete(&u));
	utf8_init(&u);
	CHECK_EQ(utf8_feed(&u, unit_guarded("a", 1), 1), 1);
	CHECK(utf8_complete(&u));
}

static void
test_utf8_autobahn(void)
{

	/* 6.2, 6.3 */
	VALID("Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0"
	    "\xc3\xa1-UTF-8!!");
	VALID("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
	/* 6.4: fail fast in the middle of otherwise valid text */
	BAD_AT("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64", 12);
	BAD_AT("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xed\xa0\x80\x65\x64\x69\x74\x65\x64", 12);
	/* 6.5-6.7 */
	VALID("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xf0\x9f\x98\x80 \xe2\x82\xac \xf4\x8f\xbf\xbf");
	/* 6.9-6.10: largest 4-byte value beyond range */
	BAD_AT("\xf7\xbf\xbf\xbf", 0);
	BAD_AT("\xf8\x88\x80\x80\x80", 0);
	/* 6.21-6.22: noncharacters are valid */
	VALID("\xf0\x9f\xbf\xbe\xf0\x9f\xbf\xbf\xf4\x8f\xbf\xbe");
}

/* Every 1- and 2-byte input, 3-byte inputs from C0 up, and 4-byte samples. */
static void
test_utf8_reference(void)
{
	static const uint8_t pick[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
	    0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0xff };
	uint8_t b[4];
	struct utf8 u;
	size_t want, got;
	unsigned int i, j, k, l;
	int c, bad = 0;

	for (i = 0; i < 256 && !bad; i++) {
		for (j = 0; j < 256 && !bad; j++) {
			for (k = (i < 0xc0) ? 256 : 0; k <= 256 && !bad; k++) {
				size_t n = (k == 256) ? 2 : 3;

				b[0] = (uint8_t)i;
				b[1] = (uint8_t)j;
				b[2] = (uint8_t)k;
				want = ref_check(b, n, &c);
				utf8_init(&u);
				got = utf8_feed(&u, b, n);
				if (got != want || (got == n &&
				    utf8_complete(&u) != c)) {
					fprintf(stderr, "  %02x %02x %02x\n",
					    i, j, k);
					bad = 1;
				}
			}
		}
	}
	for (i = 0xf0; i <= 0xf4; i++)
		for (j = 0; j < sizeof(pick); j++)
			for (k = 0; k < sizeof(pick); k++)
				for (l = 0; l < sizeof(pick); l++) {
					b[0] = (uint8_t)i;
					b[1] = pick[j];
					b[2] = pick[k];
					b[3] = pick[l];
					want = ref_check(b, 4, &c);
					utf8_init(&u);
					got = utf8_feed(&u, b, 4);
					if (got != want || (got == 4 &&
					    utf8_complete(&u) != c))
						bad = 1;
				}
	CHECK(!bad);
}

/* Every scalar value, encoded, is valid; every surrogate is not. */
static void
test_utf8_all_scalars(void)
{
	uint8_t b[4];
	uint32_t cp;
	size_t n;
	int bad = 0;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp < 0x80) {
			b[0] = (uint8_t)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (uint8_t)(0xc0 | cp >> 6);
			b[1] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (uint8_t)(0xe0 | cp >> 12);
			b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
			b[2] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			b[0] = (uint8_t)(0xf0 | cp >> 18);
			b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
			b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
			b[3] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 4;
		}
		if (utf8_valid(b, n) != !(cp >= 0xd800 && cp <= 0xdfff))
			bad++;
	}
	CHECK_EQ(bad, 0);
}

static int
sanitized_is(const char *in, size_t len, const char *want)
{
	uint8_t out[64];
	size_t n;

	n = utf8_sanitize(out, (const uint8_t *)in, len);
	if (n != strlen(want) || memcmp(out, want, n) != 0) {
		fprintf(stderr, "  sanitize gave %zu bytes\n", n);
		return (0);
	}
	return (utf8_valid(out, n));
}

#define FFFD	"\xef\xbf\xbd"
#define LIT(s)	s, sizeof(s) - 1

static void
test_utf8_sanitize(void)
{
	CHECK(sanitized_is(LIT("plain \xc3\xa9"), "plain \xc3\xa9"));
	CHECK(sanitized_is(LIT("bad \xff\xfe utf8"),
	    "bad " FFFD FFFD " utf8"));
	/* A broken sequence's valid prefix is one U+FFFD, then the byte
	 * that broke it is looked at again (Unicode §3.9, table 3-8). */
	CHECK(sanitized_is(LIT("\xe2\x82" "A"), FFFD "A"));
	CHECK(sanitized_is(LIT("\xf0\x80\x80"), FFFD FFFD FFFD));
	CHECK(sanitized_is(LIT("\xed\xa0\x80"), FFFD FFFD FFFD));
	CHECK(sanitized_is(LIT("\xc0\xaf"), FFFD FFFD));
	/* Truncated at the end. */
	CHECK(sanitized_is(LIT("ok\xe2\x82"), "ok" FFFD));
	CHECK(sanitized_is(LIT(""), ""));
}

static void
test_utf8_incomplete_tail(void)
{
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"abc", 3), 0);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"abc\xe2\x82", 5), 2);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"a\xe2\x82\xac", 4),
	    0);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"\xf0\x9f\x98", 3), 3);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"\xf0\x9f\x98\x80",
	    4), 0);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"\xc3", 1), 1);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"ab\x80", 3), 0);
	CHECK_EQ(utf8_incomplete_tail((const uint8_t *)"", 0), 0);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_utf8_empty);
	UNIT_RUN(test_utf8_ascii);
	UNIT_RUN(test_utf8_boundaries);
	UNIT_RUN(test_utf8_overlong);
	UNIT_RUN(test_utf8_surrogates);
	UNIT_RUN(test_utf8_bad_bytes);
	UNIT_RUN(test_utf8_truncated);
	UNIT_RUN(test_utf8_autobahn);
	UNIT_RUN(test_utf8_reference);
	UNIT_RUN(test_utf8_all_scalars);
	UNIT_RUN(test_utf8_sanitize);
	UNIT_RUN(test_utf8_incomplete_tail);
	return (UNIT_END("test_utf8"));
}
