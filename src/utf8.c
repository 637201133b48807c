/*
 * utf8.c - streaming UTF-8 validator (RFC 3629): a byte-class table and a
 * small DFA, with an 8-bytes-at-a-time shortcut over ASCII.
 * Pure code: no I/O, no allocation; reads exactly the bytes it is given.
 */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/*
 * Byte classes.  Each lead byte gets its own class when RFC 3629 §4 narrows
 * the range of the byte after it (E0, ED, F0, F4); continuation bytes are
 * split where those narrowed ranges end (8F, 9F).
 */
enum {
	C_ASCII,	/* 00-7F */
	C_CONT_8,	/* 80-8F */
	C_CONT_9,	/* 90-9F */
	C_CONT_AB,	/* A0-BF */
	C_BAD,		/* C0 C1 F5-FF: never in UTF-8 */
	C_LEAD2,	/* C2-DF */
	C_E0,		/* E0: A0-BF next, else overlong */
	C_LEAD3,	/* E1-EC EE EF */
	C_ED,		/* ED: 80-9F next, else a surrogate */
	C_F0,		/* F0: 90-BF next, else overlong */
	C_LEAD4,	/* F1-F3 */
	C_F4,		/* F4: 80-8F next, else above U+10FFFF */
	C_NCLASS
};

/* States beyond UTF8_ACCEPT (0) and UTF8_REJECT (1). */
enum {
	S_NEED1 = 2,	/* one continuation byte 80-BF to go */
	S_NEED2,	/* two to go, the next 80-BF */
	S_E0,		/* two to go, the next A0-BF */
	S_ED,		/* two to go, the next 80-9F */
	S_NEED3,	/* three to go, the next 80-BF */
	S_F0,		/* three to go, the next 90-BF */
	S_F4,		/* three to go, the next 80-8F */
	S_NSTATE
};

/* Class of each byte value: 0 ASCII ... 11 F4, in the order above. */
static const uint8_t utf8_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 00-0F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10-1F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 20-2F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 30-3F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40-4F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 50-5F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 60-6F */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 70-7F */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 80-8F */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,	/* 90-9F */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* A0-AF */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* B0-BF */
	4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,	/* C0-CF */
	5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,	/* D0-DF */
	6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 7,	/* E0-EF */
	9, 10, 10, 10, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* F0-FF */
};

/*
 * utf8_next[state][class]: the DFA.  A state that waits for a continuation
 * byte rejects anything else, so an error shows at the first byte that
 * cannot continue, e.g. the 90 of F4 90.
 */
#define A	UTF8_ACCEPT
#define R	UTF8_REJECT
#define N1	S_NEED1
#define N2	S_NEED2
#define N3	S_NEED3
static const uint8_t utf8_next[S_NSTATE][C_NCLASS] = {
	/* class:         00  80  90  A0  bad C2  E0  E1  ED  F0  F1  F4 */
	[UTF8_ACCEPT] = { A,  R,  R,  R,  R,  N1, S_E0, N2, S_ED, S_F0, N3,
			  S_F4 },
	[UTF8_REJECT] = { R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R,  R },
	[S_NEED1] =     { R,  A,  A,  A,  R,  R,  R,  R,  R,  R,  R,  R },
	[S_NEED2] =     { R,  N1, N1, N1, R,  R,  R,  R,  R,  R,  R,  R },
	[S_E0] =        { R,  R,  R,  N1, R,  R,  R,  R,  R,  R,  R,  R },
	[S_ED] =        { R,  N1, N1, R,  R,  R,  R,  R,  R,  R,  R,  R },
	[S_NEED3] =     { R,  N2, N2, N2, R,  R,  R,  R,  R,  R,  R,  R },
	[S_F0] =        { R,  R,  N2, N2, R,  R,  R,  R,  R,  R,  R,  R },
	[S_F4] =        { R,  N2, R,  R,  R,  R,  R,  R,  R,  R,  R,  R },
};
#undef A
#undef R
#undef N1
#undef N2
#undef N3

#define HIGH_BITS	0x8080808080808080ULL

void
utf8_init(struct utf8 *u)
{

	u->state = UTF8_ACCEPT;
}

size_t
utf8_feed(struct utf8 *u, const uint8_t *buf, size_t len)
{
	uint64_t w;
	uint32_t s = u->state;
	size_t i = 0;

	/* Sticky: nothing more is accepted once the input went bad. */
	if (s == UTF8_REJECT)
		return (0);

	while (i < len) {
		if (s == UTF8_ACCEPT) {
			/* Text is mostly ASCII: skip it a word at a time. */
			while (len - i >= 8) {
				memcpy(&w, buf + i, 8);
				if (w & HIGH_BITS)
					break;
				i += 8;
			}
			while (i < len && buf[i] < 0x80)
				i++;
			if (i == len)
				break;
		}
		s = utf8_next[s][utf8_class[buf[i]]];
		if (s == UTF8_REJECT) {
			u->state = UTF8_REJECT;
			return (i);
		}
		i++;
	}
	u->state = s;
	return (len);
}

int
utf8_complete(const struct utf8 *u)
{

	return (u->state == UTF8_ACCEPT);
}

int
utf8_valid(const uint8_t *buf, size_t len)
{
	struct utf8 u;

	utf8_init(&u);
	return (utf8_feed(&u, buf, len) == len && utf8_complete(&u));
}

size_t
utf8_sanitize(uint8_t *out, const uint8_t *in, size_t len)
{
	static const uint8_t fffd[3] = { 0xef, 0xbf, 0xbd };
	uint32_t s = UTF8_ACCEPT;
	size_t i = 0, start = 0, o = 0;

	while (i < len) {
		s = utf8_next[s][utf8_class[in[i]]];
		if (s == UTF8_REJECT) {
			/* One U+FFFD for the maximal subpart (Unicode §3.9):
			 * a broken sequence's valid prefix, or the lone byte
			 * that cannot start one; a byte that only failed to
			 * continue is looked at again as a start. */
			memcpy(out + o, fffd, 3);
			o += 3;
			if (i == start)
				i++;
			start = i;
			s = UTF8_ACCEPT;
			continue;
		}
		i++;
		if (s == UTF8_ACCEPT) {
			memcpy(out + o, in + start, i - start);
			o += i - start;
			start = i;
		}
	}
	if (start < len) {
		/* Truncated at the end. */
		memcpy(out + o, fffd, 3);
		o += 3;
	}
	return (o);
}

size_t
utf8_incomplete_tail(const uint8_t *buf, size_t len)
{
	size_t n, need;
	uint8_t b;

	/* Walk back over at most three continuation bytes to a lead. */
	for (n = 1; n <= 4 && n <= len; n++) {
		b = buf[len - n];
		if ((b & 0xc0) == 0x80)
			continue;
		if (b >= 0xf0)
			need = 4;
		else if (b >= 0xe0)
			need = 3;
		else if (b >= 0xc0)
			need = 2;
		else
			return (0);
		return (n < need ? n : 0);
	}
	return (0);
}
