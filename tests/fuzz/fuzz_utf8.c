/*
 * fuzz_utf8.c - libFuzzer entry for the UTF-8 validator: the input fed
 * whole, in two pieces and byte by byte must give the same first invalid
 * offset and final state, and agree with a slow reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* May p[0..k) start a valid encoding?  (The range of values it can reach
 * must meet a scalar value needing exactly that many bytes.) */
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
			lo <<= 6;
			hi = hi << 6 | 0x3f;
		}
	}
	if (lo < minv[n])
		lo = minv[n];
	if (hi > 0x10ffff)
		hi = 0x10ffff;
	return (lo <= hi && !(lo >= 0xd800 && hi <= 0xdfff));
}

static size_t
ref_check(const uint8_t *p, size_t len, int *complete)
{
	size_t start = 0, i, n;

	*complete = 0;
	for (i = 0; i < len; i++) {
		if (!ref_viable(p + start, i - start + 1))
			return (i);
		n = p[start] < 0x80 ? 1 : p[start] < 0xe0 ? 2 :
		    p[start] < 0xf0 ? 3 : 4;
		if (i - start + 1 == n)
			start = i + 1;
	}
	*complete = (start == len);
	return (len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct utf8 u;
	size_t whole, cut, k, i, ref;
	uint32_t state;
	int c;

	utf8_init(&u);
	whole = utf8_feed(&u, data, size);
	state = u.state;
	if (whole > size)
		abort();
	if (utf8_valid(data, size) != (whole == size && utf8_complete(&u)))
		abort();
	if (whole < size && state != UTF8_REJECT)
		abort();

	/* Two pieces, cut where the first byte says */
	cut = size > 0 ? data[0] % (size + 1) : 0;
	utf8_init(&u);
	k = utf8_feed(&u, data, cut);
	if (k == cut)
		k += utf8_feed(&u, data + cut, size - cut);
	if (k != whole || u.state != state)
		abort();

	/* Byte by byte */
	utf8_init(&u);
	for (i = 0; i < size; i++)
		if (utf8_feed(&u, data + i, 1) != 1)
			break;
	if (i != whole || u.state != state)
		abort();

	ref = ref_check(data, size, &c);
	if (ref != whole || (whole == size && c != (state == UTF8_ACCEPT)))
		abort();
	return (0);
}
