/*
 * b64.c - strict base64 (RFC 4648 §4) on top of OpenSSL's block coder.
 * We check the alphabet and the padding ourselves, since EVP_DecodeBlock
 * skips blanks and decodes '=' as zero bits; no I/O, no malloc.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <openssl/evp.h>

#include "b64.h"

/* Characters per EVP call: a multiple of 4 (and of 3 for input bytes). */
#define B64_CHUNK	(4 * 1024 * 1024)
#define B64_RAW_CHUNK	(3 * 1024 * 1024)

size_t
b64_encode(char *out, const uint8_t *in, size_t len)
{
	size_t done = 0, n, total = 0;
	int w;

	/* EVP_EncodeBlock counts in int; whole triples keep chunks joinable. */
	do {
		n = len - done;
		if (n > B64_RAW_CHUNK)
			n = B64_RAW_CHUNK;
		w = EVP_EncodeBlock((unsigned char *)out + total, in + done,
		    (int)n);
		done += n;
		total += (size_t)w;
	} while (done < len);

	return (total);
}

/* RFC 4648 §4 alphabet, '=' excluded. */
static bool
is_b64(unsigned char c)
{

	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/');
}

/*
 * quad_pad(q): number of '=' closing the quad q (0, 1 or 2), or -1 when q is
 * not four alphabet characters with padding only at its end.
 */
static int
quad_pad(const char *q)
{
	const unsigned char *u = (const unsigned char *)q;

	if (!is_b64(u[0]) || !is_b64(u[1]))
		return (-1);
	if (is_b64(u[2]))
		return (is_b64(u[3]) ? 0 : u[3] == '=' ? 1 : -1);
	return (u[2] == '=' && u[3] == '=' ? 2 : -1);
}

/* quad_prefix_ok(q, k): the first k < 4 characters of q can begin a quad. */
static bool
quad_prefix_ok(const char *q, size_t k)
{
	const unsigned char *u = (const unsigned char *)q;
	size_t i;

	for (i = 0; i < k; i++)
		if (!is_b64(u[i]) && !(i == 2 && u[i] == '='))
			return (false);
	return (true);
}

/*
 * decode_run(out, in, n): decode n characters (a multiple of 4) already
 * known to be alphabet characters, without padding.  Returns bytes written.
 */
static ssize_t
decode_run(uint8_t *out, const char *in, size_t n)
{
	size_t done = 0, c, total = 0;
	int w;

	while (done < n) {
		c = n - done;
		if (c > B64_CHUNK)
			c = B64_CHUNK;
		w = EVP_DecodeBlock(out + total,
		    (const unsigned char *)in + done, (int)c);
		if (w < 0)
			return (-1);
		done += c;
		total += (size_t)w;
	}
	return ((ssize_t)total);
}

/*
 * decode_last(out, q, pad): decode the padded quad q into out, writing only
 * its 3 - pad real bytes.  Returns that count, or -1 when the bits under the
 * padding are not zero (RFC 4648 §3.5: not canonical).
 */
static ssize_t
decode_last(uint8_t *out, const char *q, int pad)
{
	unsigned char t[4], b[3];

	/* 'A' stands for the padding so the spare bits are exactly q's. */
	memcpy(t, q, 4);
	t[3] = 'A';
	if (pad == 2)
		t[2] = 'A';
	if (EVP_DecodeBlock(b, t, 4) != 3)
		return (-1);
	if (b[3 - pad] != 0)
		return (-1);
	memcpy(out, b, (size_t)(3 - pad));
	return (3 - pad);
}

/*
 * quads(out, in, n, d): decode n characters, a multiple of 4.  A padded quad
 * must be the last of them; it marks d done.  Returns bytes written or -1.
 */
static ssize_t
quads(uint8_t *out, const char *in, size_t n, struct b64_dec *d)
{
	size_t i;
	ssize_t w, l;
	int pad = 0;

	for (i = 0; i < n; i += 4) {
		if ((pad = quad_pad(in + i)) < 0)
			return (-1);
		if (pad > 0 && i + 4 != n)
			return (-1);
	}
	if (pad == 0)
		return (decode_run(out, in, n));

	if ((w = decode_run(out, in, n - 4)) < 0)
		return (-1);
	if ((l = decode_last(out + w, in + n - 4, pad)) < 0)
		return (-1);
	d->done = 1;
	return (w + l);
}

void
b64_dec_init(struct b64_dec *d)
{

	memset(d, 0, sizeof(*d));
}

ssize_t
b64_dec_update(struct b64_dec *d, uint8_t *out, const char *in, size_t len)
{
	size_t take, whole;
	ssize_t w, total = 0;

	if (len == 0)
		return (0);
	/* Padding ends the message: nothing may follow it. */
	if (d->done)
		goto err0;

	/* Complete the quad left over from the last call first. */
	if (d->ncarry > 0) {
		take = 4 - d->ncarry;
		if (take > len)
			take = len;
		memcpy(d->carry + d->ncarry, in, take);
		d->ncarry += take;
		in += take;
		len -= take;
		if (d->ncarry < 4) {
			if (!quad_prefix_ok(d->carry, d->ncarry))
				goto err0;
			return (0);
		}
		if ((w = quads(out, d->carry, 4, d)) < 0)
			goto err0;
		d->ncarry = 0;
		total = w;
		if (d->done && len > 0)
			goto err0;
	}

	whole = len - len % 4;
	if (whole > 0) {
		if ((w = quads(out + total, in, whole, d)) < 0)
			goto err0;
		total += w;
	}
	if (len > whole) {
		if (d->done)
			goto err0;
		memcpy(d->carry, in + whole, len - whole);
		d->ncarry = len - whole;
		/* Fail at the first bad character, not when its quad is whole. */
		if (!quad_prefix_ok(d->carry, d->ncarry))
			goto err0;
	}

	return (total);

err0:
	/* Sticky: a broken message stays broken. */
	d->done = 1;
	return (-1);
}

int
b64_dec_final(const struct b64_dec *d)
{

	return (d->ncarry == 0 ? 0 : -1);
}

ssize_t
b64_decode(uint8_t *out, const char *in, size_t len)
{
	struct b64_dec d;
	ssize_t n;

	if (len % 4 != 0)
		return (-1);
	b64_dec_init(&d);
	if ((n = b64_dec_update(&d, out, in, len)) < 0)
		return (-1);
	return (n);
}
