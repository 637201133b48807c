/*
 * utf8.h - streaming UTF-8 validator (RFC 3629).
 *
 * The state survives across calls, so a text message can be checked chunk by
 * chunk as it arrives, failing at the first byte that cannot start or continue
 * a valid sequence.
 */
#ifndef WSB_UTF8_H
#define WSB_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_ACCEPT	0	/* at a character boundary */
#define UTF8_REJECT	1	/* invalid; sticky until utf8_init() */

struct utf8 {
	uint32_t	state;		/* UTF8_ACCEPT, UTF8_REJECT or mid-sequence */
};

/* utf8_init(u): start a new validation (at a character boundary). */
void	utf8_init(struct utf8 *);

/*
 * utf8_feed(u, buf, len):
 * Validate len more bytes.  Returns the number of bytes accepted: len when all
 * of them can be part of valid UTF-8 (the input may end mid-character), or the
 * offset of the first invalid byte, after which u is in UTF8_REJECT.
 */
size_t	utf8_feed(struct utf8 *, const uint8_t *, size_t);

/* utf8_complete(u): 1 if the input so far ends on a character boundary. */
int	utf8_complete(const struct utf8 *);

/* utf8_valid(buf, len): 1 if buf is complete, valid UTF-8. */
int	utf8_valid(const uint8_t *, size_t);

/*
 * utf8_sanitize(out, in, len): copy in to out replacing each maximal invalid
 * subpart (and a truncated sequence at the end) with U+FFFD, so the output
 * is valid UTF-8.  out must hold 3 * len bytes.  Returns the output length.
 */
size_t	utf8_sanitize(uint8_t *, const uint8_t *, size_t);

/*
 * utf8_incomplete_tail(buf, len): how many bytes (0-3) at the end of buf
 * start a multi-byte sequence that is not finished yet, so a writer that
 * cuts text into pieces can keep them for the next piece.
 */
size_t	utf8_incomplete_tail(const uint8_t *, size_t);

#endif
