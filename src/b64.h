/*
 * b64.h - base64 (RFC 4648) for the WebSocket key and the "base64"
 * subprotocol, built on OpenSSL's block coder; the streaming decoder carries
 * an incomplete quad from one chunk to the next.
 */
#ifndef WSB_B64_H
#define WSB_B64_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Encoded length of n bytes (with padding), without a terminating NUL. */
#define B64_ENCODED_LEN(n)	((((n) + 2) / 3) * 4)

/*
 * b64_encode(out, in, len): encode len bytes into out, which must hold
 * B64_ENCODED_LEN(len) + 1 bytes (a NUL is written).  Returns the encoded
 * length.
 */
size_t	b64_encode(char *, const uint8_t *, size_t);

struct b64_dec {
	char		carry[4];	/* an incomplete quad */
	size_t		ncarry;
	int		done;		/* padding seen: nothing may follow */
};

/* b64_dec_init(d): start decoding a new message. */
void	b64_dec_init(struct b64_dec *);

/*
 * b64_dec_update(d, out, in, len): decode len characters into out, which must
 * hold len / 4 * 3 + 3 bytes.  Returns the number of bytes written, or -1 on
 * a character outside the alphabet or data after padding.
 */
ssize_t	b64_dec_update(struct b64_dec *, uint8_t *, const char *, size_t);

/* b64_dec_final(d): 0 if the message ended on a quad boundary, else -1. */
int	b64_dec_final(const struct b64_dec *);

/*
 * b64_decode(out, in, len): decode a whole base64 string; returns the decoded
 * length or -1 when it is not canonical base64 with padding.
 */
ssize_t	b64_decode(uint8_t *, const char *, size_t);

#endif
