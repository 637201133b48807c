/*
 * test_b64.c - base64: RFC 4648 §10 vectors, strictness (alphabet, padding,
 * blanks, canonical bits), streaming split at every offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "b64.h"
#include "unit.h"

struct vec {
	const char	*raw;
	const char	*enc;
};

/* RFC 4648 §10 */
static const struct vec rfc[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static const char *invalid[] = {
	/* alphabet */
	"Zm9v!A==", "Zm-v", "Zm_v", "Zm9\x80", "Zm9vYm.y", "Zm9v\"A==",
	/* blanks, which EVP_DecodeBlock would skip */
	" Zg==", "Zg== ", "Zg==\n", "Zm9v\r\nYmFy", "Zm 9v", "\tZm9v",
	"Zm9vYmFy\n", "Zm9vYmFy    ",
	/* length */
	"Z", "Zm", "Zm9", "Zm9vY", "Zg=",
	/* padding */
	"====", "Z===", "Zg=a", "Z=g=", "=Zg=", "Zg==Zg==", "Zm8=Zm8=",
	"Zg==Zm9v", "Zm8=A", "Zg==AAAA",
	/* bits under the padding are not zero (RFC 4648 §3.5) */
	"Zh==", "Zm9=", "Zm8/Zm+=",
};

static ssize_t
stream2(uint8_t *out, const char *in, size_t len, size_t cut)
{
	struct b64_dec d;
	ssize_t a, b;

	b64_dec_init(&d);
	if ((a = b64_dec_update(&d, out, in, cut)) < 0)
		return (-1);
	if ((b = b64_dec_update(&d, out + a, in + cut, len - cut)) < 0)
		return (-1);
	if (b64_dec_final(&d) != 0)
		return (-1);
	return (a + b);
}

static ssize_t
stream_bytes(uint8_t *out, const char *in, size_t len)
{
	struct b64_dec d;
	ssize_t n = 0, w;
	size_t i;

	b64_dec_init(&d);
	for (i = 0; i < len; i++) {
		if ((w = b64_dec_update(&d, out + n, in + i, 1)) < 0)
			return (-1);
		n += w;
	}
	if (b64_dec_final(&d) != 0)
		return (-1);
	return (n);
}

static void
test_b64_rfc_encode(void)
{
	char out[16];
	size_t i, n;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		memset(out, 'x', sizeof(out));
		n = b64_encode(out, (const uint8_t *)rfc[i].raw,
		    strlen(rfc[i].raw));
		CHECK_EQ(n, strlen(rfc[i].enc));
		CHECK_EQ(n, B64_ENCODED_LEN(strlen(rfc[i].raw)));
		CHECK(strcmp(out, rfc[i].enc) == 0);
	}
}

static void
test_b64_rfc_decode(void)
{
	uint8_t out[16];
	size_t i, rl;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		rl = strlen(rfc[i].raw);
		CHECK_EQ(b64_decode(out, rfc[i].enc, strlen(rfc[i].enc)),
		    rl);
		CHECK_MEM(out, rfc[i].raw, rl);
	}
}

static void
test_b64_exact_output(void)
{
	uint8_t out[8];

	/* Only the decoded bytes are written, not EVP's padding zeros. */
	memset(out, 0xaa, sizeof(out));
	CHECK_EQ(b64_decode(out, "Zm9vYg==", 8), 4);
	CHECK_MEM(out, "foob\xaa\xaa\xaa\xaa", 8);
	memset(out, 0xaa, sizeof(out));
	CHECK_EQ(b64_decode(out, "Zm9vYmE=", 8), 5);
	CHECK_MEM(out, "fooba\xaa\xaa\xaa", 8);
}

static void
test_b64_invalid(void)
{
	uint8_t out[64];
	size_t i, len, cut;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		len = strlen(invalid[i]);
		if (b64_decode(out, invalid[i], len) != -1)
			fprintf(stderr, "  accepted \"%s\"\n", invalid[i]);
		CHECK_EQ(b64_decode(out, invalid[i], len), -1);
		CHECK_EQ(stream_bytes(out, invalid[i], len), -1);
		for (cut = 0; cut <= len; cut++)
			CHECK_EQ(stream2(out, invalid[i], len, cut), -1);
	}
}

static void
test_b64_stream_splits(void)
{
	static const char *s[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYmFy", "Zm9vYmE=",
		"SGVsbG8sIFdvcmxkIQ==", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBka",
		"////++++AAAA", "dGhlIHNhbXBsZSBub25jZQ==",
	};
	uint8_t whole[64], part[64];
	ssize_t n;
	size_t i, cut, len;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		len = strlen(s[i]);
		n = b64_decode(whole, s[i], len);
		CHECK(n >= 0);
		for (cut = 0; cut <= len; cut++) {
			memset(part, 0, sizeof(part));
			CHECK_EQ(stream2(part, s[i], len, cut), n);
			CHECK_MEM(part, whole, (size_t)n);
		}
		memset(part, 0, sizeof(part));
		CHECK_EQ(stream_bytes(part, s[i], len), n);
		CHECK_MEM(part, whole, (size_t)n);
	}
}

static void
test_b64_stream_rules(void)
{
	struct b64_dec d;
	uint8_t out[16];

	/* A partial quad is carried, and fails only at the end. */
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Zm9vY", 5), 3);
	CHECK_EQ(b64_dec_final(&d), -1);
	CHECK_EQ(b64_dec_update(&d, out, "g==", 3), 1);
	CHECK_EQ(out[0], 'b');
	CHECK_EQ(b64_dec_final(&d), 0);
	/* Nothing after padding, not even in a later call. */
	CHECK_EQ(b64_dec_update(&d, out, "", 0), 0);
	CHECK_EQ(b64_dec_update(&d, out, "Zg==", 4), -1);

	/* A bad character fails at once, before its quad is complete. */
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Z!", 2), -1);
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Zm", 2), 0);
	CHECK_EQ(b64_dec_update(&d, out, " ", 1), -1);
	/* ... and stays failed. */
	CHECK_EQ(b64_dec_update(&d, out, "9v", 2), -1);
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Z=", 2), -1);
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Zg=", 3), 0);
	CHECK_EQ(b64_dec_update(&d, out, "=", 1), 1);
	CHECK_EQ(b64_dec_final(&d), 0);
	b64_dec_init(&d);
	CHECK_EQ(b64_dec_update(&d, out, "Zg=", 3), 0);
	CHECK_EQ(b64_dec_update(&d, out, "g", 1), -1);

	/* A NUL is just another bad character. */
	CHECK_EQ(b64_decode(out, "Zg==\0\0\0\0", 8), -1);
	CHECK_EQ(b64_decode(out, "Zm9\0", 4), -1);

	b64_dec_init(&d);
	CHECK_EQ(b64_dec_final(&d), 0);
}

static void
test_b64_round_trip(void)
{
	uint8_t raw[300], dec[300];
	char enc[B64_ENCODED_LEN(300) + 1];
	size_t len, i, n;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + 3);
	for (len = 0; len <= sizeof(raw); len++) {
		n = b64_encode(enc, raw, len);
		CHECK_EQ(n, B64_ENCODED_LEN(len));
		CHECK_EQ(enc[n], '\0');
		CHECK_EQ(b64_decode(dec, enc, n), len);
		CHECK_MEM(dec, raw, len);
	}
}

static void
test_b64_large(void)
{
	size_t len = 3 * 1024 * 1024 + 5, i, n;
	uint8_t *raw, *dec;
	char *enc;
	ssize_t w;

	/* Longer than one EVP call in both directions. */
	raw = malloc(len);
	dec = malloc(len + 3);
	enc = malloc(B64_ENCODED_LEN(len) + 1);
	if (raw == NULL || dec == NULL || enc == NULL) {
		CHECK(0);
		goto out;
	}
	for (i = 0; i < len; i++)
		raw[i] = (uint8_t)(i ^ (i >> 8));
	n = b64_encode(enc, raw, len);
	CHECK_EQ(n, B64_ENCODED_LEN(len));
	CHECK_EQ(strlen(enc), n);
	w = b64_decode(dec, enc, n);
	CHECK_EQ(w, len);
	CHECK_MEM(dec, raw, len);
	/* The two halves of a split encoding are each valid base64. */
	CHECK_EQ(b64_decode(dec, enc, 4 * 1024 * 1024), 3 * 1024 * 1024);
out:
	free(raw);
	free(dec);
	free(enc);
}

int
main(void)
{

	UNIT_RUN(test_b64_rfc_encode);
	UNIT_RUN(test_b64_rfc_decode);
	UNIT_RUN(test_b64_exact_output);
	UNIT_RUN(test_b64_invalid);
	UNIT_RUN(test_b64_stream_splits);
	UNIT_RUN(test_b64_stream_rules);
	UNIT_RUN(test_b64_round_trip);
	UNIT_RUN(test_b64_large);
	return (UNIT_END("test_b64"));
}
