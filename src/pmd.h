/*
 * pmd.h - permessage-deflate (RFC 7692): offer negotiation, and streaming
 * inflate/deflate of message payloads with bounded output.
 *
 * No I/O, no logging, no libev.  Negotiation never allocates; the codecs
 * allocate zlib state on first use and give it back on _end() (and on
 * _idle() between messages without context takeover).
 *
 * zlib heap per connection and direction, measured with zlib 1.2.13:
 *   inflate: 7,160 B state + the window (1 << bits) once output is
 *            produced: 39,928 B at 15 bits, 15,352 B at 13, 7,672 B at 9.
 *   deflate: (1 << (bits + 2)) + (1 << (PMD_MEM_LEVEL + 9)) + ~5.9 KiB:
 *            169,792 B at 15 bits / memLevel 6 (memLevel 8: 268,096 B;
 *            13 bits / memLevel 6: 71,488 B).
 * memLevel 6 is 63 % of memLevel 8's memory for the same (or slightly
 * better: more, smaller Huffman blocks) ratio on text; below 5 the ratio
 * drops (memLevel 4: +0.5 %, 1: +12 % output).
 */
#ifndef WSB_PMD_H
#define WSB_PMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "http.h"

#define PMD_ANSWER_MAX	160	/* room for the longest answer we write */
#define PMD_MEM_LEVEL	6	/* deflateInit2() memLevel, see above */
#define PMD_MIN_SIZE	64	/* pmd_worth_compressing(): shorter: no */

/* pmd_*_feed() errors. */
#define PMD_ERR_DATA	(-1)	/* corrupt compressed data (close 1007) */
#define PMD_ERR_NOMEM	(-2)	/* zlib could not allocate (close 1011) */
#define PMD_ERR_LIMIT	(-3)	/* deflate streams ended too often for the
				   data they carried (close 1008) */

/*
 * Each deflate stream that ends (a BFINAL block, RFC 7692 §7.2.3.4) and is
 * followed by more data costs a copy of the window out of zlib and back in.
 * That work is paid from a budget: it starts at PMD_RESTART_BURST bytes,
 * earns PMD_RESTART_PER_IN per compressed byte and one per inflated byte,
 * and never holds more than PMD_RESTART_BURST.  A restart costs at least
 * PMD_RESTART_MIN, the work of the zlib calls around it.  A stream of empty
 * final blocks earns next to nothing and runs out: PMD_ERR_LIMIT.
 */
#define PMD_RESTART_BURST	(4 * 1024 * 1024)
#define PMD_RESTART_PER_IN	64
#define PMD_RESTART_MIN		256

struct pmd_config {
	bool		enabled;
	int		level;		/* 1-9, zlib compression level */
	int		max_window_bits; /* our own limit, 9..15 (default 15) */
	bool		server_no_context_takeover; /* we prefer it */
};

/* What an accepted offer agreed on, per direction. */
struct pmd_params {
	int		server_window_bits;	/* our deflate window, 9..15 */
	bool		server_no_context_takeover; /* reset ours per msg */
	int		client_window_bits;	/* the peer's window, 8..15 */
	bool		client_no_context_takeover; /* peer resets per msg */
};

struct pmd_inflate {
	z_stream	zs;		/* valid while active */
	bool		active;		/* inflateInit2() done */
	int		window_bits;	/* zlib window bits, 9..15 */
	bool		no_context_takeover; /* forget the window per msg */
	bool		in_msg;		/* a message is being inflated */
	bool		after_final;	/* a BFINAL block ended the stream
					   and no byte came after it */
	uint64_t	msg_in;		/* payload bytes of this message */
	uint8_t		tail_fed;	/* bytes of the 00 00 ff ff tail fed */
	bool		boundary;	/* inflate stopped between blocks */
	bool		ended;		/* a final block ended the zlib stream:
					   restart it before more input */
	uint64_t	credit;		/* restart budget left, in bytes */
};

#define PMD_QCAP	20	/* 4 held back + 16 of staging */

struct pmd_deflate {
	z_stream	zs;		/* valid while active */
	bool		active;		/* deflateInit2() done */
	int		level;		/* 0-9 */
	int		window_bits;	/* zlib window bits, 9..15 */
	bool		no_context_takeover; /* reset after each message */
	int		phase;		/* data, sync flush, done */
	uint64_t	msg_in;		/* input bytes of this message */
	uint8_t		q[PMD_QCAP];	/* output not yet handed out; the
					   last 4 bytes are always held */
	size_t		qlen;
};

/*
 * pmd_negotiate(req, server, out, answer, answer_len):
 * Walk every Sec-WebSocket-Extensions field of req in order and accept the
 * first permessage-deflate offer we can honour (RFC 7692 §5, §7.1).  An
 * offer is declined, and the next one tried, when it is malformed (RFC 6455
 * §9.1 syntax; values are tokens or quoted-strings), repeats a parameter,
 * has an unknown parameter or a value that is missing, unexpected or not
 * 8..15 without leading zeros, or asks for server_max_window_bits=8: zlib
 * cannot deflate raw with a 256-byte window (it refuses windowBits -8 since
 * 1.2.9), and we never answer a larger window than asked for.
 * On acceptance fills *out and writes the field value (no name, no CRLF,
 * NUL-terminated) to answer, e.g. "permessage-deflate;
 * client_max_window_bits=15", and returns 1.  Returns 0 when nothing was
 * accepted (server->enabled false, no acceptable offer, or answer_len below
 * the answer's length; PMD_ANSWER_MAX always fits): the connection goes on
 * without the extension.  Never fails otherwise; no allocation.
 * server_max_window_bits / client_max_window_bits are answered only when
 * offered, with min(offer, server->max_window_bits); server_no_context_
 * takeover when offered or server prefers it; client_no_context_takeover
 * when offered.
 */
int	pmd_negotiate(const struct http_request *, const struct pmd_config *,
	    struct pmd_params *, char *, size_t);

/*
 * pmd_inflate_init(z, window_bits, no_context_takeover):
 * Set z up for the peer's messages (client_window_bits and
 * client_no_context_takeover of the agreed params).  zlib state is allocated
 * on the first feed.  A window of 8 bits is inflated with 9 (512 B more):
 * zlib-based peers told to use 8 compress with 9.  Returns 0, or -1 when
 * window_bits is not 8..15.
 */
int	pmd_inflate_init(struct pmd_inflate *, int, bool);

/*
 * pmd_inflate_feed(z, in, inlen, fin, out, outcap, consumed, produced):
 * Inflate compressed payload bytes of one message into out, never writing
 * more than outcap (> 0) bytes.  fin says the message ends with the last
 * byte of in; the RFC 7692 §7.2.2 tail 00 00 ff ff is then appended
 * internally.  Returns 0 with *consumed bytes of in used and *produced
 * bytes written; call again with the rest (same fin) while *consumed <
 * inlen or *produced == outcap.  With fin, the message is complete after
 * the first call returning 0 with all input consumed and *produced <
 * outcap.  A caller can stop calling at any time (e.g. at --max-message):
 * no output is made or buffered beyond what was asked for.
 * Returns PMD_ERR_DATA for corrupt data (also a message not ending on a
 * block boundary), PMD_ERR_NOMEM, and PMD_ERR_LIMIT when final blocks come
 * too often for the data around them (see PMD_RESTART_BURST); z must then
 * only be ended.
 * A compressed message with an empty payload is an empty message.
 */
int	pmd_inflate_feed(struct pmd_inflate *, const uint8_t *, size_t, bool,
	    uint8_t *, size_t, size_t *, size_t *);

/*
 * pmd_inflate_idle(z): between messages without context takeover, free
 * the zlib state (allocated again by the next feed).  Otherwise no-op.
 */
void	pmd_inflate_idle(struct pmd_inflate *);

/* pmd_inflate_end(z): free zlib state; z may be init'ed again.  Idempotent. */
void	pmd_inflate_end(struct pmd_inflate *);

/*
 * pmd_deflate_init(d, level, window_bits, no_context_takeover):
 * Set d up for our messages (server_window_bits and server_no_context_
 * takeover of the agreed params).  zlib state is allocated on the first
 * feed.  window_bits 8 is taken as 9 (see pmd_negotiate(), which never
 * agrees to 8).  Returns 0, or -1 when level is not 0..9 or window_bits
 * not 8..15.
 */
int	pmd_deflate_init(struct pmd_deflate *, int, int, bool);

/*
 * pmd_deflate_feed(d, in, inlen, fin, out, outcap, consumed, produced):
 * Compress message bytes into the payload to send with RSV1, writing at
 * most outcap (> 0) bytes.  fin says in ends the message: the message is
 * then flushed (Z_SYNC_FLUSH) and its final 00 00 ff ff removed (RFC 7692
 * §7.2.1); those four bytes are held back from every call until it is known
 * whether they are the tail.  An empty message compresses to the one byte
 * 00 (§7.2.3.6).  Returns 0 with *consumed and *produced; call again with
 * the rest (same fin) while *consumed < inlen or *produced == outcap.  With
 * fin, the payload is complete after the first call returning 0 with all
 * input consumed and *produced < outcap.  Returns PMD_ERR_NOMEM when zlib
 * cannot allocate, PMD_ERR_DATA on an internal zlib error; d must then only
 * be ended.
 */
int	pmd_deflate_feed(struct pmd_deflate *, const uint8_t *, size_t, bool,
	    uint8_t *, size_t, size_t *, size_t *);

/* pmd_deflate_idle(d): as pmd_inflate_idle(). */
void	pmd_deflate_idle(struct pmd_deflate *);

/* pmd_deflate_end(d): free zlib state; d may be init'ed again.  Idempotent. */
void	pmd_deflate_end(struct pmd_deflate *);

/*
 * pmd_worth_compressing(p, len): a cheap guess whether deflate would shrink
 * the message.  No below PMD_MIN_SIZE bytes.  Otherwise up to 1 KiB is
 * sampled (the whole message, or four 256-byte pieces spread over it) and
 * the answer is yes when bytes repeat like text or most binary formats do
 * (collision entropy at most 7 bits per byte), or when at least 1/8 of the
 * sampled positions start a 4-byte string seen before in its piece (LZ77
 * matches that a byte histogram misses).  Already compressed or encrypted
 * data (VNC tight/zlib rectangles, JPEG, PNG, TLS) looks random: no.
 */
bool	pmd_worth_compressing(const uint8_t *, size_t);

#endif
