/*
 * fuzz_b64.c - libFuzzer target for base64: streaming in random chunks
 * equals whole decoding, a decoded string re-encodes to itself, and any
 * bytes survive an encode/decode round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "b64.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Chunk lengths from a small generator seeded by the input. */
static size_t
next_chunk(uint32_t *s)
{

	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s % 4 == 0 ? (*s >> 8) % 64 : (*s >> 8) % 6);
}

static ssize_t
stream(uint8_t *out, const char *in, size_t len, uint32_t seed)
{
	struct b64_dec d;
	size_t off = 0, n;
	ssize_t total = 0, w;

	b64_dec_init(&d);
	while (off < len) {
		n = next_chunk(&seed);
		if (n > len - off)
			n = len - off;
		/* out holds n / 4 * 3 + 3 per call, per the contract */
		if ((w = b64_dec_update(&d, out + total, in + off, n)) < 0)
			return (-1);
		FUZZ_ASSERT((size_t)w <= n / 4 * 3 + 3);
		total += w;
		off += n;
	}
	if (b64_dec_final(&d) != 0)
		return (-1);
	return (total);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *whole, *part, *dec;
	char *enc;
	uint32_t seed = 2463534242u;
	ssize_t nw, np;
	size_t i, ne;

	for (i = 0; i < size && i < 4; i++)
		seed = seed * 31 + data[i];
	whole = malloc(size / 4 * 3 + 3);
	part = malloc(size / 4 * 3 + 3 + 64);
	enc = malloc(B64_ENCODED_LEN(size) + 1);
	dec = malloc(size + 3);
	if (whole == NULL || part == NULL || enc == NULL || dec == NULL)
		abort();

	/* The input as base64 text. */
	nw = b64_decode(whole, (const char *)data, size);
	np = stream(part, (const char *)data, size, seed);
	FUZZ_ASSERT(nw == np);
	if (nw >= 0) {
		FUZZ_ASSERT(memcmp(whole, part, (size_t)nw) == 0);
		FUZZ_ASSERT(size % 4 == 0 && (size_t)nw <= size / 4 * 3);
		/* Strict means canonical: it encodes back to the input. */
		ne = b64_encode(enc, whole, (size_t)nw);
		FUZZ_ASSERT(ne == size && memcmp(enc, data, size) == 0);
	}

	/* The input as bytes. */
	ne = b64_encode(enc, data, size);
	FUZZ_ASSERT(ne == B64_ENCODED_LEN(size) && enc[ne] == '\0');
	FUZZ_ASSERT(b64_decode(dec, enc, ne) == (ssize_t)size);
	FUZZ_ASSERT(size == 0 || memcmp(dec, data, size) == 0);
	FUZZ_ASSERT(stream(dec, enc, ne, seed ^ 0x5555) == (ssize_t)size);
	FUZZ_ASSERT(size == 0 || memcmp(dec, data, size) == 0);

	free(whole);
	free(part);
	free(enc);
	free(dec);
	return (0);
}
