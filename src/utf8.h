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

#endif
