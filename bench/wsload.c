/*
 * wsload.c - load generator for the wsbridge benchmarks.  An RFC 6455 client
 * (or, with --raw, plain TCP) on epoll that checks every echoed byte against
 * the byte stream it sent.  Benchmark code: one file, no threads; OpenSSL for
 * --tls (wss://), zlib for --deflate (permessage-deflate, RFC 7692).
 *
 * Modes: bulk (throughput), pingpong (round trips and latency), connect
 * (connections per second), idle (hold N connections open, then verify).
 * Prints one line of key=value pairs on stdout; exit status 0 ok, 1 error,
 * 2 usage, 3 stalled or timed out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#define PATLEN		(4u << 20)	/* pattern the byte streams come from */
#define RBUFLEN		(256u << 10)	/* one read(2) at most */
#define MAXEV		256
#define ZOUTLEN		(256u << 10)	/* inflate output chunk */
#define TLSREC		16384		/* largest TLS record plaintext */

enum mode { M_BULK, M_PINGPONG, M_CONNECT, M_IDLE };
enum cstate { C_FREE, C_CONNECTING, C_TLS, C_HANDSHAKE, C_OPEN, C_CLOSING };
enum phase { P_OPENING, P_WARM, P_RUN, P_DRAIN, P_READY, P_VERIFY, P_CLOSE, P_END };

struct conn {
	int		 fd;
	enum cstate	 state;
	uint32_t	 idx;		/* slot number */
	uint32_t	 gen;		/* bumped per connection in this slot */
	uint32_t	 events;	/* epoll interest set now */
	uint32_t	 base;		/* where this stream starts in pat */
	uint64_t	 tx;		/* payload bytes queued for sending */
	uint64_t	 rx;		/* payload bytes echoed and verified */
	uint8_t		*ring;		/* pending output */
	size_t		 rcap, rhead, rlen;
	bool		 want_shut;	/* raw: shutdown(SHUT_WR) once flushed */
	char		 hs[4096];	/* handshake response so far */
	size_t		 hslen;
	char		 accept[32];	/* expected Sec-WebSocket-Accept */
	uint8_t		 fh[14];	/* frame header so far */
	size_t		 fhlen, fhneed;
	bool		 in_frame;
	uint64_t	 frem;		/* payload bytes left in this frame */
	int		 fop;
	uint8_t		 ctrl[128];	/* control frame payload */
	size_t		 ctrllen;
	bool		 close_sent, close_rcvd;
	bool		 verified;	/* idle: the final echo came back */
	uint64_t	 t0;		/* ns: message sent / connect started */
	SSL		*ssl;		/* --tls */
	bool		 ffin;		/* this frame has FIN */
	bool		 in_msg;	/* a data message is being received */
	bool		 msg_z;		/* ... and it is compressed (RSV1) */
	bool		 pmd;		/* permessage-deflate negotiated */
	bool		 tls_more;	/* rbuf filled up: OpenSSL may hold more */
	bool		 cnct;		/* client_no_context_takeover */
	int		 cbits;		/* client_max_window_bits */
	z_stream	 zd, zi;	/* deflate (to server), inflate (from) */
};

static struct {
	enum mode	 mode;
	const char	*host;
	const char	*port;
	bool		 raw;
	uint32_t	 conns;
	size_t		 size;
	size_t		 window;
	double		 duration;
	uint64_t	 bytes;
	double		 timeout;
	double		 stall;
	const char	*path;
	const char	*proto;
	const char	*ready_file;
	double		 hold;
	uint32_t	 opening;	/* idle: handshakes in progress at most */
	bool		 nodelay;
	bool		 tls;
	bool		 deflate;
	int		 zlevel;
	bool		 text;		/* --payload text */
} o = {
	.mode = M_BULK, .host = "127.0.0.1", .port = NULL, .conns = 1,
	.size = 0, .window = 0, .duration = 5, .bytes = 0, .timeout = 0,
	.stall = 5, .path = "/", .proto = "binary", .hold = 0,
	.opening = 256, .nodelay = true, .zlevel = 6,
};

static uint8_t		*pat;
static uint8_t		*rbuf;
static struct conn	*conns;
static int		 ep;
static int		 sigfd = -1;
static struct sockaddr_storage dst;
static socklen_t	 dstlen;
static uint64_t		 rng = 88172645463325252ULL;
static SSL_CTX		*sslctx;
static uint8_t		*zbuf;			/* deflate output */
static size_t		 zcap;
static uint8_t		*zout;			/* inflate output */
static uint64_t		 wire_tx, wire_rx;	/* bytes on the socket */

static enum phase	 phase = P_OPENING;
static const char	*status = "ok";
static char		 errmsg[160];
static uint64_t		 t_start, t_end, t_progress;
static uint64_t		 total_rx, total_tx, snap_rx, queued, warm_rx;
static uint64_t		 count, count_snap;	/* round trips / connections */
static uint32_t		 nopen, nstarted, nverified, nlive;
static uint32_t		*samples;		/* ns */
static size_t		 nsamples, capsamples;
static bool		 stopping;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static uint64_t
xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
fail(const char *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(const char *st, const char *fmt, ...)
{
	va_list ap;

	if (phase == P_END)
		return;
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "wsload: %s: %s\n", st, errmsg);
	status = st;
	if (t_end == 0)
		t_end = now_ns();
	phase = P_END;
}

/* --- SHA-1 and base64, for Sec-WebSocket-Accept (RFC 6455 §4.2.2) --- */

static uint32_t
rol(uint32_t x, int n)
{
	return ((x << n) | (x >> (32 - n)));
}

static void
sha1(const uint8_t *msg, size_t len, uint8_t out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
	    0xC3D2E1F0 };
	uint8_t blk[64];
	uint64_t bits = (uint64_t)len * 8;
	size_t total = ((len + 8) / 64 + 1) * 64, off, i;

	for (off = 0; off < total; off += 64) {
		uint32_t w[80], a, b, c, d, e, f, k, t;

		for (i = 0; i < 64; i++) {
			size_t p = off + i;
			if (p < len)
				blk[i] = msg[p];
			else if (p == len)
				blk[i] = 0x80;
			else if (p >= total - 8)
				blk[i] = (uint8_t)(bits >> (8 * (total - 1 - p)));
			else
				blk[i] = 0;
		}
		for (i = 0; i < 16; i++)
			w[i] = (uint32_t)blk[4 * i] << 24 |
			    (uint32_t)blk[4 * i + 1] << 16 |
			    (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
		for (i = 16; i < 80; i++)
			w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16],
			    1);
		a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];
		for (i = 0; i < 80; i++) {
			if (i < 20) {
				f = (b & c) | (~b & d); k = 0x5A827999;
			} else if (i < 40) {
				f = b ^ c ^ d; k = 0x6ED9EBA1;
			} else if (i < 60) {
				f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC;
			} else {
				f = b ^ c ^ d; k = 0xCA62C1D6;
			}
			t = rol(a, 5) + f + e + k + w[i];
			e = d; d = c; c = rol(b, 30); b = a; a = t;
		}
		h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
	}
	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void
b64(const uint8_t *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* --- output ring --- */

static void
mask_copy(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t *key,
    size_t phase_)
{
	uint8_t k8[8];
	uint64_t k, v;
	size_t i;

	if (key == NULL) {
		memcpy(dst, src, n);
		return;
	}
	for (i = 0; i < 8; i++)
		k8[i] = key[(phase_ + i) & 3];
	memcpy(&k, k8, 8);
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, src + i, 8);
		v ^= k;
		memcpy(dst + i, &v, 8);
	}
	for (; i < n; i++)
		dst[i] = src[i] ^ key[(phase_ + i) & 3];
}

/* Make room for n more bytes (compressed messages may exceed the estimate). */
static void
ring_reserve(struct conn *c, size_t n)
{
	size_t cap, first;
	uint8_t *r;

	if (c->rlen + n <= c->rcap)
		return;
	cap = (c->rlen + n) * 2;
	r = malloc(cap);
	if (r == NULL) {
		perror("wsload: malloc");
		exit(1);
	}
	first = c->rcap - c->rhead < c->rlen ? c->rcap - c->rhead : c->rlen;
	memcpy(r, c->ring + c->rhead, first);
	memcpy(r + first, c->ring, c->rlen - first);
	free(c->ring);
	c->ring = r;
	c->rcap = cap;
	c->rhead = 0;
}

static void
ring_put(struct conn *c, const uint8_t *src, size_t n, const uint8_t *key,
    size_t phase_)
{
	size_t tail = (c->rhead + c->rlen) % c->rcap;
	size_t first;

	ring_reserve(c, n);
	tail = (c->rhead + c->rlen) % c->rcap;
	first = c->rcap - tail < n ? c->rcap - tail : n;
	mask_copy(c->ring + tail, src, first, key, phase_);
	if (n > first)
		mask_copy(c->ring, src + first, n - first, key, phase_ + first);
	c->rlen += n;
}

static void
set_events(struct conn *c, uint32_t ev)
{
	struct epoll_event e;

	if (c->events == ev)
		return;
	e.events = ev;
	e.data.u64 = (uint64_t)c->gen << 32 | c->idx;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) == -1)
		fail("error", "epoll_ctl: %s", strerror(errno));
	c->events = ev;
}

static void conn_fail(struct conn *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
conn_fail(struct conn *c, const char *fmt, ...)
{
	char m[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	fail("error", "conn %u: %s (state %d, tx %llu, rx %llu)", c->idx, m,
	    (int)c->state, (unsigned long long)c->tx,
	    (unsigned long long)c->rx);
}

static const char *
tls_err(int e)
{
	static char buf[160];
	unsigned long q = ERR_get_error();

	if (q != 0)
		ERR_error_string_n(q, buf, sizeof(buf));
	else if (e == SSL_ERROR_SYSCALL)
		snprintf(buf, sizeof(buf), "syscall: %s",
		    errno ? strerror(errno) : "EOF");
	else
		snprintf(buf, sizeof(buf), "SSL error %d", e);
	return (buf);
}

static int
flush_tls(struct conn *c)
{
	while (c->rlen > 0) {
		size_t first = c->rcap - c->rhead;
		size_t len = first < c->rlen ? first : c->rlen;
		int n, e;

		if (len > (1u << 30))
			len = 1u << 30;
		ERR_clear_error();
		/* partial writes and a moving buffer are allowed (see
		 * tls_init): a retry may pass more bytes, from elsewhere */
		n = SSL_write(c->ssl, c->ring + c->rhead, (int)len);
		if (n <= 0) {
			e = SSL_get_error(c->ssl, n);
			if (e == SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ) {
				set_events(c, EPOLLIN | EPOLLOUT);
				return (0);
			}
			conn_fail(c, "SSL_write: %s", tls_err(e));
			return (-1);
		}
		c->rhead = (c->rhead + (size_t)n) % c->rcap;
		c->rlen -= (size_t)n;
	}
	c->rhead = 0;
	set_events(c, EPOLLIN);
	return (0);
}

static int
flush(struct conn *c)
{
	if (c->ssl != NULL)
		return (flush_tls(c));
	while (c->rlen > 0) {
		struct iovec iov[2];
		size_t first = c->rcap - c->rhead;
		ssize_t n;
		int niov = 1;

		iov[0].iov_base = c->ring + c->rhead;
		iov[0].iov_len = first < c->rlen ? first : c->rlen;
		if (c->rlen > first) {
			iov[1].iov_base = c->ring;
			iov[1].iov_len = c->rlen - first;
			niov = 2;
		}
		n = writev(c->fd, iov, niov);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				set_events(c, EPOLLIN | EPOLLOUT);
				return (0);
			}
			conn_fail(c, "write: %s", strerror(errno));
			return (-1);
		}
		wire_tx += (uint64_t)n;
		c->rhead = (c->rhead + (size_t)n) % c->rcap;
		c->rlen -= (size_t)n;
	}
	c->rhead = 0;
	set_events(c, EPOLLIN);
	if (c->want_shut) {
		c->want_shut = false;
		shutdown(c->fd, SHUT_WR);
	}
	return (0);
}

/* The whole message through deflate, Z_SYNC_FLUSH, without the final
 * 00 00 ff ff (RFC 7692 §7.2.1).  Returns the compressed length in zbuf. */
static size_t
compress_msg(struct conn *c, const uint8_t *src, size_t n)
{
	z_stream *z = &c->zd;
	size_t len = 0;
	int r;

	z->next_in = (Bytef *)(uintptr_t)src;
	z->avail_in = (uInt)n;
	do {
		if (zcap - len < 64) {
			zcap *= 2;
			zbuf = realloc(zbuf, zcap);
			if (zbuf == NULL) {
				perror("wsload: realloc");
				exit(1);
			}
		}
		z->next_out = zbuf + len;
		z->avail_out = (uInt)(zcap - len);
		r = deflate(z, Z_SYNC_FLUSH);
		if (r != Z_OK && r != Z_BUF_ERROR) {
			fprintf(stderr, "wsload: deflate: %d\n", r);
			exit(1);
		}
		len = zcap - z->avail_out;
	} while (z->avail_out == 0 || z->avail_in > 0);
	if (len >= 4 && memcmp(zbuf + len - 4, "\0\0\377\377", 4) == 0)
		len -= 4;
	if (c->cnct)
		deflateReset(z);
	return (len);
}

/* Queue one data message of n payload bytes from this connection's stream. */
static void
queue_msg(struct conn *c, size_t n)
{
	const uint8_t *src = pat + (c->base + c->tx) % PATLEN;

	if (!o.raw) {
		uint8_t h[14];
		size_t hl = 2, plen = n;	/* frame payload length */
		uint64_t r = xrand();
		const uint8_t *body = src;

		h[0] = 0x82;			/* FIN, binary */
		if (c->pmd) {
			plen = compress_msg(c, src, n);
			body = zbuf;
			h[0] |= 0x40;		/* RSV1: compressed */
		}
		if (plen < 126)
			h[1] = (uint8_t)(0x80 | plen);
		else if (plen < 65536) {
			h[1] = 0x80 | 126;
			h[2] = (uint8_t)(plen >> 8);
			h[3] = (uint8_t)plen;
			hl = 4;
		} else {
			int i;

			h[1] = 0x80 | 127;
			for (i = 0; i < 8; i++)
				h[2 + i] = (uint8_t)((uint64_t)plen >>
				    (56 - 8 * i));
			hl = 10;
		}
		memcpy(h + hl, &r, 4);		/* RFC 6455 §5.3 masking key */
		ring_put(c, h, hl + 4, NULL, 0);
		ring_put(c, body, plen, h + hl, 0);
	} else
		ring_put(c, src, n, NULL, 0);
	c->tx += n;
	total_tx += n;
}

static void
queue_close(struct conn *c)
{
	c->state = C_CLOSING;
	if (o.raw) {
		c->want_shut = true;
	} else if (!c->close_sent) {
		uint8_t h[8], pl[2] = { 0x03, 0xe8 };	/* 1000 */
		uint64_t r = xrand();

		h[0] = 0x88;
		h[1] = 0x80 | 2;
		memcpy(h + 2, &r, 4);
		ring_put(c, h, 6, NULL, 0);
		ring_put(c, pl, 2, h + 2, 0);
		c->close_sent = true;
	}
	flush(c);
}

static void
add_sample(uint64_t ns)
{
	if (nsamples == capsamples) {
		capsamples = capsamples ? capsamples * 2 : 65536;
		samples = realloc(samples, capsamples * sizeof(*samples));
		if (samples == NULL) {
			perror("wsload: realloc");
			exit(1);
		}
	}
	samples[nsamples++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
}

static void start_conn(struct conn *);

/* TLS wire counts: the socket BIO's, taken when the session goes away. */
static void
tls_count(struct conn *c)
{
	if (c->ssl == NULL)
		return;
	wire_tx += BIO_number_written(SSL_get_wbio(c->ssl));
	wire_rx += BIO_number_read(SSL_get_rbio(c->ssl));
}

static void
conn_release(struct conn *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);		/* best effort close_notify */
		tls_count(c);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->pmd) {
		deflateEnd(&c->zd);
		inflateEnd(&c->zi);
		c->pmd = false;
	}
}

/* The connection is over: close it and decide what the slot does next. */
static void
conn_done(struct conn *c)
{
	uint64_t t = now_ns();

	conn_release(c);
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = C_FREE;
	nlive--;
	t_progress = t;
	if (o.mode == M_CONNECT && phase == P_RUN) {
		count++;
		add_sample(t - c->t0);
		if (!stopping)
			start_conn(c);
	}
}

/* Echoed bytes arrived (already verified): move the mode along. */
static void
progress(struct conn *c)
{
	uint64_t t;

	if (c->state != C_OPEN)
		return;
	switch (o.mode) {
	case M_BULK:
		if (phase != P_RUN)
			return;
		while (!stopping) {
			uint64_t inflight = c->tx - c->rx;

			if (inflight > 0 && inflight + o.size > o.window)
				break;
			if (o.bytes > 0 && queued >= o.bytes) {
				stopping = true;
				break;
			}
			queue_msg(c, o.size);
			queued += o.size;
		}
		flush(c);
		break;
	case M_PINGPONG:
		if (phase != P_RUN || c->rx != c->tx)
			return;
		t = now_ns();
		if (c->t0 != 0) {
			count++;
			add_sample(t - c->t0);
		}
		c->t0 = 0;
		if (stopping)
			return;
		c->t0 = t;
		queue_msg(c, o.size);
		flush(c);
		break;
	case M_CONNECT:
		if (c->tx == 0) {
			queue_msg(c, o.size);
			flush(c);
		} else if (c->rx == c->tx)
			queue_close(c);
		break;
	case M_IDLE:
		if (phase == P_VERIFY && !c->verified && c->tx > 0 &&
		    c->rx == c->tx) {
			c->verified = true;
			nverified++;
		}
		break;
	}
}

static void
handshake_sent_ok(struct conn *c)
{
	c->state = C_OPEN;
	t_progress = now_ns();
	if (o.mode == M_CONNECT) {
		progress(c);
		return;
	}
	nopen++;
	if (o.mode == M_IDLE && nstarted < o.conns)
		start_conn(&conns[nstarted]);
	if (phase == P_RUN)
		progress(c);
}

static void
send_handshake(struct conn *c)
{
	uint8_t key[16], dig[20];
	char k64[32], buf[700], cat[80];
	int n;

	if (o.raw) {
		handshake_sent_ok(c);
		return;
	}
	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		for (n = 0; n < 16; n++)
			key[n] = (uint8_t)xrand();
	}
	b64(key, sizeof(key), k64);
	snprintf(cat, sizeof(cat), "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
	    k64);
	sha1((const uint8_t *)cat, strlen(cat), dig);
	b64(dig, 20, c->accept);
	n = snprintf(buf, sizeof(buf),
	    "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n%s%s%s%s\r\n", o.path, o.host,
	    o.port, k64, *o.proto ? "Sec-WebSocket-Protocol: " : "", o.proto,
	    *o.proto ? "\r\n" : "", o.deflate ? "Sec-WebSocket-Extensions: "
	    "permessage-deflate; client_max_window_bits\r\n" : "");
	ring_put(c, (const uint8_t *)buf, (size_t)n, NULL, 0);
	c->state = C_HANDSHAKE;
	c->hslen = 0;
	flush(c);
}

static void on_readable(struct conn *);

/* Non-blocking TLS handshake: one step per readiness event. */
static void
tls_step(struct conn *c)
{
	int r, e;

	ERR_clear_error();
	r = SSL_connect(c->ssl);
	if (r == 1) {
		set_events(c, EPOLLIN);
		t_progress = now_ns();
		send_handshake(c);
		/* read-ahead may have taken more than the handshake */
		if (phase != P_END && c->ssl != NULL &&
		    SSL_has_pending(c->ssl)) {
			c->tls_more = true;
			on_readable(c);
		}
		return;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		set_events(c, EPOLLIN);
	else if (e == SSL_ERROR_WANT_WRITE)
		set_events(c, EPOLLIN | EPOLLOUT);
	else
		conn_fail(c, "TLS handshake: %s", tls_err(e));
}

static void
finish_connect(struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l) == -1)
		err = errno;
	if (err != 0) {
		conn_fail(c, "connect: %s", strerror(err));
		return;
	}
	set_events(c, EPOLLIN);
	if (o.tls) {
		c->ssl = SSL_new(sslctx);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
			conn_fail(c, "SSL_new: %s", tls_err(0));
			return;
		}
		SSL_set_connect_state(c->ssl);
		c->state = C_TLS;
		tls_step(c);
		return;
	}
	send_handshake(c);
}

static void
start_conn(struct conn *c)
{
	struct epoll_event e;
	int one = 1;

	c->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		fail("error", "socket: %s", strerror(errno));
		return;
	}
	if (o.nodelay)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->gen++;
	c->tx = c->rx = 0;
	c->rhead = c->rlen = 0;
	c->want_shut = false;
	c->in_frame = false;
	c->fhlen = 0;
	c->fhneed = 2;
	c->close_sent = c->close_rcvd = c->verified = false;
	c->in_msg = c->msg_z = false;
	c->base = (uint32_t)(xrand() % PATLEN);
	c->t0 = now_ns();
	c->state = C_CONNECTING;
	c->events = EPOLLOUT;
	nlive++;
	if (c->idx >= nstarted)
		nstarted = c->idx + 1;
	e.events = EPOLLOUT;
	e.data.u64 = (uint64_t)c->gen << 32 | c->idx;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) == -1) {
		fail("error", "epoll_ctl: %s", strerror(errno));
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&dst, dstlen) == 0)
		finish_connect(c);
	else if (errno != EINPROGRESS)
		conn_fail(c, "connect: %s", strerror(errno));
}

/* Echoed payload: it must be the next bytes of what this connection sent. */
static int
verify(struct conn *c, const uint8_t *p, size_t n)
{
	const uint8_t *want = pat + (c->base + c->rx) % PATLEN;

	if (c->rx + n > c->tx) {
		conn_fail(c, "got %zu bytes more than were sent",
		    (size_t)(c->rx + n - c->tx));
		return (-1);
	}
	if (memcmp(p, want, n) != 0) {
		size_t i;

		for (i = 0; i < n && p[i] == want[i]; i++)
			;
		conn_fail(c, "echoed byte %llu differs (got 0x%02x, sent "
		    "0x%02x)", (unsigned long long)(c->rx + i), p[i], want[i]);
		return (-1);
	}
	c->rx += n;
	total_rx += n;
	t_progress = now_ns();
	return (0);
}

/* Compressed payload in: inflate it and verify what comes out. */
static int
inflate_feed(struct conn *c, const uint8_t *p, size_t n)
{
	z_stream *z = &c->zi;
	size_t got;
	int r;

	z->next_in = (Bytef *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	for (;;) {
		z->next_out = zout;
		z->avail_out = ZOUTLEN;
		r = inflate(z, Z_SYNC_FLUSH);
		got = ZOUTLEN - z->avail_out;
		if (got > 0 && verify(c, zout, got) == -1)
			return (-1);
		if (r == Z_STREAM_END) {
			/* a final block (BFINAL) ends this message's stream */
			inflateReset(z);
			if (z->avail_in == 0)
				return (0);
			continue;
		}
		if (r != Z_OK && !(r == Z_BUF_ERROR && got == 0 &&
		    z->avail_in == 0)) {
			conn_fail(c, "inflate: %s", z->msg ? z->msg :
			    "error");
			return (-1);
		}
		if (z->avail_in == 0 && z->avail_out != 0)
			return (0);
	}
}

static int
frame_end(struct conn *c)
{
	if (c->fop < 8) {
		if (c->ffin) {
			static const uint8_t tail[4] = { 0, 0, 0xff, 0xff };

			c->in_msg = false;
			if (c->msg_z && inflate_feed(c, tail, 4) == -1)
				return (-1);
		}
		return (0);
	}
	if (c->fop == 0x8) {
		c->close_rcvd = true;
		if (!c->close_sent) {
			/* the client always closes first in these runs */
			conn_fail(c, "server closed the connection (code %d)",
			    c->ctrllen >= 2 ? c->ctrl[0] << 8 | c->ctrl[1] : 0);
			return (-1);
		}
	} else if (c->fop == 0x9) {
		uint8_t h[6];
		uint64_t r = xrand();

		h[0] = 0x8a;
		h[1] = (uint8_t)(0x80 | c->ctrllen);
		memcpy(h + 2, &r, 4);
		ring_put(c, h, 6, NULL, 0);
		ring_put(c, c->ctrl, c->ctrllen, h + 2, 0);
		flush(c);
	}
	return (0);
}

/* Incremental RFC 6455 §5.2 frame parser for server-to-client frames. */
static int
parse_frames(struct conn *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k;

		if (!c->in_frame) {
			k = c->fhneed - c->fhlen;
			if (k > n)
				k = n;
			memcpy(c->fh + c->fhlen, p, k);
			c->fhlen += k;
			p += k;
			n -= k;
			if (c->fhlen < c->fhneed)
				return (0);
			if (c->fhlen == 2) {
				uint8_t l7 = c->fh[1] & 0x7f;

				if (c->fh[1] & 0x80) {
					conn_fail(c, "masked server frame");
					return (-1);
				}
				if ((c->fh[0] & 0x70) != 0 && !(c->pmd &&
				    (c->fh[0] & 0x70) == 0x40 &&
				    ((c->fh[0] & 0x0f) == 1 ||
				    (c->fh[0] & 0x0f) == 2))) {
					conn_fail(c, "RSV bits set (0x%02x)",
					    c->fh[0]);
					return (-1);
				}
				c->fhneed = l7 == 126 ? 4 : l7 == 127 ? 10 : 2;
				if (c->fhlen < c->fhneed)
					continue;
			}
			c->fop = c->fh[0] & 0x0f;
			if (c->fhneed == 2)
				c->frem = c->fh[1] & 0x7f;
			else if (c->fhneed == 4)
				c->frem = (uint64_t)c->fh[2] << 8 | c->fh[3];
			else {
				int i;

				c->frem = 0;
				for (i = 0; i < 8; i++)
					c->frem = c->frem << 8 | c->fh[2 + i];
			}
			c->fhlen = 0;
			c->fhneed = 2;
			if (c->fop != 0 && c->fop != 1 && c->fop != 2 &&
			    c->fop != 8 && c->fop != 9 && c->fop != 10) {
				conn_fail(c, "opcode %d", c->fop);
				return (-1);
			}
			if (c->fop >= 8 && (c->frem > 125 ||
			    !(c->fh[0] & 0x80))) {
				conn_fail(c, "bad control frame");
				return (-1);
			}
			c->ffin = (c->fh[0] & 0x80) != 0;
			if (c->fop == 1 || c->fop == 2) {
				if (c->in_msg) {
					conn_fail(c, "new message inside a "
					    "fragmented one");
					return (-1);
				}
				c->in_msg = true;
				c->msg_z = (c->fh[0] & 0x40) != 0;
			} else if (c->fop == 0 && !c->in_msg) {
				conn_fail(c, "continuation frame outside a "
				    "message");
				return (-1);
			}
			c->ctrllen = 0;
			c->in_frame = true;
			if (c->frem == 0) {
				c->in_frame = false;
				if (frame_end(c) == -1)
					return (-1);
			}
			continue;
		}
		k = c->frem < n ? (size_t)c->frem : n;
		if (c->fop < 8) {
			if (c->close_rcvd) {
				conn_fail(c, "data after close");
				return (-1);
			}
			if (c->msg_z) {
				if (inflate_feed(c, p, k) == -1)
					return (-1);
			} else if (verify(c, p, k) == -1)
				return (-1);
		} else {
			memcpy(c->ctrl + c->ctrllen, p, k);
			c->ctrllen += k;
		}
		p += k;
		n -= k;
		c->frem -= k;
		if (c->frem == 0) {
			c->in_frame = false;
			if (frame_end(c) == -1)
				return (-1);
		}
	}
	return (0);
}

/* The server's Sec-WebSocket-Extensions answer (RFC 7692 §7.1): one
 * permessage-deflate with known parameters, within what we offered. */
static int
accept_extensions(struct conn *c, const char *v)
{
	char buf[256], *tok, *save = NULL;
	bool first = true, snct = false;
	int cbits = 15, sbits = 15;

	if (!o.deflate) {
		conn_fail(c, "extension we did not offer: %s", v);
		return (-1);
	}
	if (c->pmd || strchr(v, ',') != NULL) {
		conn_fail(c, "more than one extension: %s", v);
		return (-1);
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		char *e, *val;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (e = tok + strlen(tok); e > tok && (e[-1] == ' ' ||
		    e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (first) {
			if (strcasecmp(tok, "permessage-deflate") != 0) {
				conn_fail(c, "extension %s", tok);
				return (-1);
			}
			first = false;
			continue;
		}
		val = strchr(tok, '=');
		if (val != NULL) {
			*val++ = '\0';
			if (*val == '"')
				val++;
		}
		if (strcasecmp(tok, "server_no_context_takeover") == 0 &&
		    val == NULL)
			snct = true;
		else if (strcasecmp(tok, "client_no_context_takeover") == 0 &&
		    val == NULL)
			c->cnct = true;
		else if (strcasecmp(tok, "server_max_window_bits") == 0 &&
		    val != NULL)
			sbits = atoi(val);
		else if (strcasecmp(tok, "client_max_window_bits") == 0 &&
		    val != NULL)
			cbits = atoi(val);
		else {
			conn_fail(c, "permessage-deflate parameter %s", tok);
			return (-1);
		}
	}
	if (first || sbits < 8 || sbits > 15 || cbits < 8 || cbits > 15) {
		conn_fail(c, "bad permessage-deflate answer: %s", v);
		return (-1);
	}
	(void)snct;	/* inflate keeps its window either way */
	if (cbits == 8) {
		/* zlib cannot deflate raw with a 256-byte window */
		conn_fail(c, "client_max_window_bits=8 not supported");
		return (-1);
	}
	c->cbits = cbits;
	memset(&c->zd, 0, sizeof(c->zd));
	memset(&c->zi, 0, sizeof(c->zi));
	if (deflateInit2(&c->zd, o.zlevel, Z_DEFLATED, -cbits, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		conn_fail(c, "deflateInit2 failed");
		return (-1);
	}
	if (inflateInit2(&c->zi, -15) != Z_OK) {
		deflateEnd(&c->zd);
		conn_fail(c, "inflateInit2 failed");
		return (-1);
	}
	c->pmd = true;
	return (0);
}

/* Handshake response: returns bytes used, 0 for more, -1 on error. */
static ssize_t
parse_handshake(struct conn *c, const uint8_t *p, size_t n)
{
	size_t k = sizeof(c->hs) - 1 - c->hslen, used;
	char *end, *h;

	if (k > n)
		k = n;
	memcpy(c->hs + c->hslen, p, k);
	c->hslen += k;
	c->hs[c->hslen] = '\0';
	end = strstr(c->hs, "\r\n\r\n");
	if (end == NULL) {
		if (c->hslen == sizeof(c->hs) - 1) {
			conn_fail(c, "handshake response too long");
			return (-1);
		}
		return (0);
	}
	used = (size_t)(end + 4 - c->hs) - (c->hslen - k);
	*end = '\0';
	if (strncmp(c->hs, "HTTP/1.1 101", 12) != 0) {
		char *eol = strchr(c->hs, '\r');

		if (eol)
			*eol = '\0';
		conn_fail(c, "handshake refused: %s", c->hs);
		return (-1);
	}
	for (h = strstr(c->hs, "\r\n"); h != NULL; h = strstr(h + 2, "\r\n"))
		if (strncasecmp(h + 2, "Sec-WebSocket-Accept:", 21) == 0)
			break;
	if (h == NULL) {
		conn_fail(c, "no Sec-WebSocket-Accept");
		return (-1);
	}
	h += 2 + 21;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncmp(h, c->accept, 28) != 0) {
		conn_fail(c, "wrong Sec-WebSocket-Accept");
		return (-1);
	}
	c->cnct = false;
	for (h = strstr(c->hs, "\r\n"); h != NULL; h = strstr(h + 2, "\r\n")) {
		char v[256], *e;
		size_t l;

		if (strncasecmp(h + 2, "Sec-WebSocket-Extensions:", 25) != 0)
			continue;
		h += 2 + 25;
		while (*h == ' ' || *h == '\t')
			h++;
		e = strstr(h, "\r\n");
		l = e ? (size_t)(e - h) : strlen(h);
		if (l >= sizeof(v))
			l = sizeof(v) - 1;
		memcpy(v, h, l);
		v[l] = '\0';
		if (accept_extensions(c, v) == -1)
			return (-1);
		h -= 2;
	}
	if (o.deflate && !c->pmd) {
		conn_fail(c, "server did not accept permessage-deflate");
		return (-1);
	}
	handshake_sent_ok(c);
	return ((ssize_t)used);
}

/* Read into rbuf: from the socket, or decrypted records as long as a whole
 * one fits.  With read-ahead OpenSSL reads the socket in big gulps and may
 * keep whole records that epoll cannot see: tls_more says the loop stopped
 * for want of room, not because the socket was drained (on_readable then
 * reads again).  -1 with errno EAGAIN: nothing yet; -2: failed (reported). */
static ssize_t
conn_read(struct conn *c)
{
	size_t got = 0;
	ssize_t n;

	if (c->ssl == NULL) {
		n = read(c->fd, rbuf, RBUFLEN);
		if (n > 0)
			wire_rx += (uint64_t)n;
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			conn_fail(c, "read: %s", strerror(errno));
			return (-2);
		}
		return (n);
	}
	c->tls_more = false;
	for (;;) {
		int r, e;

		if (RBUFLEN - got < TLSREC) {
			c->tls_more = true;
			break;
		}
		ERR_clear_error();
		r = SSL_read(c->ssl, rbuf + got, (int)(RBUFLEN - got));
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ)
			break;
		if (e == SSL_ERROR_WANT_WRITE) {
			set_events(c, EPOLLIN | EPOLLOUT);
			break;
		}
		if (e == SSL_ERROR_ZERO_RETURN) {
			if (got > 0)
				break;	/* EOF again on the next event */
			return (0);
		}
		conn_fail(c, "SSL_read: %s", tls_err(e));
		return (-2);
	}
	if (got == 0) {
		errno = EAGAIN;
		return (-1);
	}
	return ((ssize_t)got);
}

static void on_readable1(struct conn *);

static void
on_readable(struct conn *c)
{
	uint32_t gen = c->gen;

	do
		on_readable1(c);
	while (phase != P_END && c->gen == gen && c->state != C_FREE &&
	    c->ssl != NULL && (SSL_pending(c->ssl) > 0 ||
	    (c->tls_more && SSL_has_pending(c->ssl))));
}

static void
on_readable1(struct conn *c)
{
	ssize_t n = conn_read(c);
	const uint8_t *p = rbuf;

	if (n < 0)
		return;
	if (n == 0) {
		if (c->state == C_CLOSING && (o.raw || c->close_sent)) {
			/* raw: the echo server's EOF; ws: a server that
			 * closed TCP without a close frame, tolerated */
			if (o.raw && c->rx != c->tx) {
				conn_fail(c, "EOF with %llu bytes missing",
				    (unsigned long long)(c->tx - c->rx));
				return;
			}
			conn_done(c);
			return;
		}
		conn_fail(c, "unexpected EOF");
		return;
	}
	if (c->state == C_HANDSHAKE) {
		ssize_t u = parse_handshake(c, p, (size_t)n);

		if (u <= 0)
			return;
		p += u;
		n -= u;
	}
	if (n > 0) {
		if (o.raw) {
			if (verify(c, p, (size_t)n) == -1)
				return;
		} else if (parse_frames(c, p, (size_t)n) == -1)
			return;
	}
	if (phase == P_END)
		return;
	if (c->state == C_CLOSING && c->close_rcvd && c->rlen == 0) {
		conn_done(c);
		return;
	}
	progress(c);
}

static int
resolve(void)
{
	struct addrinfo hints, *res;
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	e = getaddrinfo(o.host, o.port, &hints, &res);
	if (e != 0) {
		fprintf(stderr, "wsload: %s:%s: %s\n", o.host, o.port,
		    gai_strerror(e));
		return (-1);
	}
	memcpy(&dst, res->ai_addr, res->ai_addrlen);
	dstlen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(double q)
{
	size_t i;

	if (nsamples == 0)
		return (0);
	i = (size_t)(q * (double)nsamples);
	if (i >= nsamples)
		i = nsamples - 1;
	return (samples[i] / 1000.0);
}

static void
report(void)
{
	static const char *names[] = { "bulk", "pingpong", "connect", "idle" };
	double secs = (double)(t_end - t_start) / 1e9;
	uint32_t i;

	if (t_start == 0 || t_end < t_start)
		secs = 0;
	for (i = 0; i < o.conns; i++)
		tls_count(&conns[i]);		/* sessions still open */
	printf("mode=%s proto=%s conns=%u size=%zu status=%s", names[o.mode],
	    o.raw ? "raw" : o.tls ? "wss" : "ws", o.conns, o.size, status);
	if (o.deflate)
		printf(" payload=%s deflate=%d", o.text ? "text" : "random",
		    o.zlevel);
	else
		printf(" payload=%s deflate=off", o.text ? "text" : "random");
	switch (o.mode) {
	case M_BULK:
		printf(" window=%zu secs=%.3f bytes=%llu mbps=%.1f"
		    " sent=%llu echoed=%llu", o.window, secs,
		    (unsigned long long)snap_rx,
		    secs > 0 ? (double)snap_rx / secs / 1e6 : 0.0,
		    (unsigned long long)total_tx,
		    (unsigned long long)total_rx);
		break;
	case M_PINGPONG:
	case M_CONNECT:
		qsort(samples, nsamples, sizeof(*samples), cmp_u32);
		printf(" secs=%.3f count=%llu rate=%.1f p50_us=%.1f "
		    "p99_us=%.1f p999_us=%.1f max_us=%.1f", secs,
		    (unsigned long long)count_snap,
		    secs > 0 ? (double)count_snap / secs : 0.0, pct(0.5),
		    pct(0.99), pct(0.999), pct(1.0));
		break;
	case M_IDLE:
		printf(" opened=%u verified=%u", nopen, nverified);
		break;
	}
	/* everything on the socket (TLS records, frame headers, compressed
	 * payload, handshakes), whole run, next to the payload totals
	 * (sent=, echoed=) of the whole run */
	printf(" wire_tx=%llu wire_rx=%llu", (unsigned long long)wire_tx,
	    (unsigned long long)wire_rx);
	if (o.mode == M_BULK)
		printf(" wire_per_byte_tx=%.4f wire_per_byte_rx=%.4f",
		    total_tx ? (double)wire_tx / (double)total_tx : 0.0,
		    total_rx ? (double)wire_rx / (double)total_rx : 0.0);
	if (errmsg[0]) {
		char *s;

		for (s = errmsg; *s; s++)
			if (*s == ' ')
				*s = '_';
		printf(" error=%s", errmsg);
	}
	printf("\n");
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr,
"usage: wsload --port PORT [--host H] [--mode bulk|pingpong|connect|idle]\n"
"              [--raw] [-c CONNS] [--size BYTES] [--window BYTES]\n"
"              [--duration S] [--bytes N] [--timeout S] [--stall S]\n"
"              [--path P] [--protocol NAME|''] [--ready-file F] [--hold S]\n"
"              [--tls] [--deflate] [--deflate-level N] [--payload text|random]\n"
"  --tls: wss:// (no certificate verification); --deflate: offer\n"
"  permessage-deflate and compress every message (zlib level N, default 6);\n"
"  --payload text: ls -l like lines instead of random bytes\n"
"  bulk: CONNS connections, SIZE-byte binary messages (default 65536),\n"
"        at most WINDOW bytes in flight each, for S seconds or N bytes\n"
"  pingpong: SIZE (default 32) bytes, one in flight per connection\n"
"  connect: CONNS at once: open, handshake, one echo, close; for S seconds\n"
"  idle: open CONNS, print 'ready', wait for SIGUSR1 (or --hold S), then\n"
"        verify each echoes one message\n");
	exit(2);
}

static uint64_t
parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		usage();
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	}
	if (*end != '\0')
		usage();
	return ((uint64_t)v);
}

static void
options(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "raw", no_argument, NULL, 'r' },
		{ "conns", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stall", required_argument, NULL, 'S' },
		{ "path", required_argument, NULL, 'P' },
		{ "protocol", required_argument, NULL, 'o' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "hold", required_argument, NULL, 'h' },
		{ "opening", required_argument, NULL, 'O' },
		{ "no-nodelay", no_argument, NULL, 'N' },
		{ "tls", no_argument, NULL, 'T' },
		{ "deflate", no_argument, NULL, 'D' },
		{ "deflate-level", required_argument, NULL, 'L' },
		{ "payload", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:", lo, NULL)) != -1) {
		switch (ch) {
		case 'H': o.host = optarg; break;
		case 'p': o.port = optarg; break;
		case 'm':
			if (strcmp(optarg, "bulk") == 0)
				o.mode = M_BULK;
			else if (strcmp(optarg, "pingpong") == 0)
				o.mode = M_PINGPONG;
			else if (strcmp(optarg, "connect") == 0)
				o.mode = M_CONNECT;
			else if (strcmp(optarg, "idle") == 0)
				o.mode = M_IDLE;
			else
				usage();
			break;
		case 'r': o.raw = true; break;
		case 'c': o.conns = (uint32_t)parse_size(optarg); break;
		case 's': o.size = (size_t)parse_size(optarg); break;
		case 'w': o.window = (size_t)parse_size(optarg); break;
		case 'd': o.duration = strtod(optarg, NULL); break;
		case 'b': o.bytes = parse_size(optarg); break;
		case 't': o.timeout = strtod(optarg, NULL); break;
		case 'S': o.stall = strtod(optarg, NULL); break;
		case 'P': o.path = optarg; break;
		case 'o': o.proto = optarg; break;
		case 'R': o.ready_file = optarg; break;
		case 'h': o.hold = strtod(optarg, NULL); break;
		case 'O': o.opening = (uint32_t)parse_size(optarg); break;
		case 'N': o.nodelay = false; break;
		case 'T': o.tls = true; break;
		case 'D': o.deflate = true; break;
		case 'L':
			o.zlevel = atoi(optarg);
			if (o.zlevel < 0 || o.zlevel > 9)
				usage();
			break;
		case 'y':
			if (strcmp(optarg, "text") == 0)
				o.text = true;
			else if (strcmp(optarg, "random") == 0)
				o.text = false;
			else
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc || o.port == NULL || o.conns == 0)
		usage();
	if (o.raw && (o.tls || o.deflate))
		usage();
	if (o.size == 0)
		o.size = o.mode == M_BULK ? 65536 : 32;
	if (o.size > PATLEN || (o.mode != M_BULK && o.size > 100))
		usage();
	if (o.window == 0)
		o.window = o.size * 4 > (256u << 10) ? o.size * 4 : 256u << 10;
	if (o.opening == 0)
		o.opening = 1;
	if (o.timeout <= 0)
		o.timeout = (o.mode == M_IDLE ? 120 : o.duration) + 30;
}

/* A terminal session's worth of `ls -l` listings: compressible like real
 * terminal output, not like a repeated string.  The same every run (its own
 * seed); each connection starts at a random offset and is verified there. */
static void
fill_text(uint8_t *dst, size_t len)
{
	static const char *perms[] = { "-rw-r--r--", "-rw-r--r--",
	    "-rw-r--r--", "-rw-------", "-rwxr-xr-x", "drwxr-xr-x",
	    "drwxr-xr-x", "lrwxrwxrwx", "-rw-rw-r--" };
	static const char *users[] = { "root", "alice", "bob", "www-data",
	    "postgres", "build", "deploy", "mlee" };
	static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const char *words[] = { "report", "main", "config", "index",
	    "README", "build", "test", "util", "server", "client", "data",
	    "backup", "notes", "image", "access", "module", "handler",
	    "parser", "schema", "session", "cache", "worker", "bench",
	    "vendor", "assets", "Makefile", "setup", "requirements" };
	static const char *ext[] = { ".c", ".h", ".txt", ".log", ".json",
	    ".md", ".py", ".tar.gz", ".png", ".conf", "", ".go", ".rs",
	    ".yaml", ".sh", ".o" };
	static const char *dirs[] = { "src", "lib", "var/log", "etc",
	    "projects/web", "tmp", "build/out", "docs" };
	uint64_t save = rng;
	size_t off = 0;
	unsigned line = 0;
	char l[256];

	rng = 0x9E3779B97F4A7C15ULL;	/* fixed: the same text every run */
	while (off < len) {
		int n, w = (int)(xrand() % 28);
		const char *pm = perms[xrand() % 9];
		unsigned num = xrand() % 3 == 0 ? 1 + (unsigned)(xrand() % 999) :
		    0;
		uint64_t size;

		if (line % 40 == 0)
			n = snprintf(l, sizeof(l), "%s@devbox:~/%s$ ls -l\n"
			    "total %u\n", users[xrand() % 8],
			    dirs[xrand() % 8], (unsigned)(xrand() % 90000));
		else {
			size = pm[0] == 'd' ? 4096 : xrand() %
			    ((uint64_t)1 << (xrand() % 30 + 1));
			n = snprintf(l, sizeof(l), "%s %2u %-8s %-8s %9llu %s "
			    "%2u %02u:%02u %s%s%.0u%s%s\n", pm,
			    pm[0] == 'd' ? (unsigned)(2 + xrand() % 20) : 1,
			    users[xrand() % 8], users[xrand() % 4],
			    (unsigned long long)size, mon[xrand() % 12],
			    (unsigned)(1 + xrand() % 28),
			    (unsigned)(xrand() % 24), (unsigned)(xrand() % 60),
			    words[w], num ? "_" : "", num,
			    pm[0] == 'd' ? "" : ext[xrand() % 16],
			    pm[0] == 'l' ? " -> ../shared/lib" : "");
		}
		if (n <= 0)
			break;
		if ((size_t)n > len - off)
			n = (int)(len - off);
		memcpy(dst + off, l, (size_t)n);
		off += (size_t)n;
		line++;
	}
	rng = save;
}

static int
tls_init(void)
{
	sslctx = SSL_CTX_new(TLS_client_method());
	if (sslctx == NULL) {
		fprintf(stderr, "wsload: SSL_CTX_new: %s\n", tls_err(0));
		return (-1);
	}
	SSL_CTX_set_verify(sslctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(sslctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* a peer that closes without close_notify: plain EOF */
	SSL_CTX_set_options(sslctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* read the socket 256 KiB at a time, not 5 bytes of record header
	 * and then the record: a third of the read(2) calls */
	SSL_CTX_set_read_ahead(sslctx, 1);
	SSL_CTX_set_default_read_buffer_len(sslctx, RBUFLEN);
	return (0);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[MAXEV];
	uint64_t t0, deadline = 0, phase_t = 0, unit;
	sigset_t ss;
	uint32_t i, first;
	size_t rcap;

	options(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&ss);
	sigaddset(&ss, SIGUSR1);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	if (resolve() == -1)
		return (1);
	if (getrandom(&rng, sizeof(rng), 0) != sizeof(rng) || rng == 0)
		rng = now_ns() | 1;
	pat = malloc(2 * (size_t)PATLEN);
	rbuf = malloc(RBUFLEN);
	conns = calloc(o.conns, sizeof(*conns));
	if (pat == NULL || rbuf == NULL || conns == NULL) {
		perror("wsload: malloc");
		return (1);
	}
	/* doubled, so any slice up to PATLEN bytes is contiguous */
	if (o.text)
		fill_text(pat, PATLEN);
	else
		for (i = 0; i < PATLEN / 8; i++) {
			uint64_t v = xrand();

			memcpy(pat + 8 * (size_t)i, &v, 8);
		}
	memcpy(pat + PATLEN, pat, PATLEN);
	if (o.deflate) {
		zcap = o.size + o.size / 8 + 4096;
		zbuf = malloc(zcap);
		zout = malloc(ZOUTLEN);
		if (zbuf == NULL || zout == NULL) {
			perror("wsload: malloc");
			return (1);
		}
	}
	if (o.tls && tls_init() == -1)
		return (1);
	unit = o.size + 14;
	rcap = o.mode == M_BULK ? o.window + unit * (o.window / o.size + 2) +
	    256 : 4096;
	ep = epoll_create1(EPOLL_CLOEXEC);
	sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (ep == -1 || sigfd == -1) {
		perror("wsload: epoll/signalfd");
		return (1);
	}
	{
		struct epoll_event e = { .events = EPOLLIN,
		    .data.u64 = UINT64_MAX };
		epoll_ctl(ep, EPOLL_CTL_ADD, sigfd, &e);
	}
	for (i = 0; i < o.conns; i++) {
		conns[i].idx = i;
		conns[i].fd = -1;
		conns[i].rcap = rcap;
		conns[i].ring = malloc(rcap);
		if (conns[i].ring == NULL) {
			perror("wsload: malloc");
			return (1);
		}
	}

	t0 = t_progress = now_ns();
	first = o.mode == M_IDLE && o.opening < o.conns ? o.opening : o.conns;
	if (o.mode == M_CONNECT) {
		/* connect: the clock runs from the first connection */
		phase = P_RUN;
		t_start = t0;
		deadline = t0 + (uint64_t)(o.duration * 1e9);
	}
	for (i = 0; i < first && phase != P_END; i++)
		start_conn(&conns[i]);

	while (phase != P_END) {
		uint64_t t;
		int n, k, tmo = 20;

		n = epoll_wait(ep, evs, MAXEV, tmo);
		if (n == -1 && errno != EINTR) {
			fail("error", "epoll_wait: %s", strerror(errno));
			break;
		}
		for (k = 0; k < n && phase != P_END; k++) {
			struct conn *c;

			if (evs[k].data.u64 == UINT64_MAX) {
				struct signalfd_siginfo si;

				while (read(sigfd, &si, sizeof(si)) > 0)
					if (phase == P_READY)
						phase_t = 1;
				continue;
			}
			c = &conns[(uint32_t)evs[k].data.u64];
			if (c->gen != (uint32_t)(evs[k].data.u64 >> 32) ||
			    c->state == C_FREE)
				continue;	/* stale event for a closed fd */
			if (c->state == C_CONNECTING) {
				finish_connect(c);
				continue;
			}
			if (c->state == C_TLS) {
				tls_step(c);
				continue;
			}
			if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c);
			if (phase != P_END && c->state != C_FREE &&
			    (evs[k].events & EPOLLOUT))
				flush(c);
		}
		if (phase == P_END)
			break;
		t = now_ns();

		if (t - t0 > (uint64_t)(o.timeout * 1e9)) {
			fail("timeout", "no result after %.0f s", o.timeout);
			break;
		}
		if (o.stall > 0 && t - t_progress > (uint64_t)(o.stall * 1e9) &&
		    phase != P_READY && phase != P_END) {
			fail("stalled", "no progress for %.1f s (phase %d, "
			    "echoed %llu of %llu)", o.stall, (int)phase,
			    (unsigned long long)total_rx,
			    (unsigned long long)total_tx);
			break;
		}
		switch (phase) {
		case P_OPENING:
			if (nopen < o.conns)
				break;
			if (o.mode == M_IDLE) {
				printf("ready opened=%u\n", nopen);
				fflush(stdout);
				if (o.ready_file) {
					FILE *f = fopen(o.ready_file, "w");

					if (f) {
						fprintf(f, "%u\n", nopen);
						fclose(f);
					}
				}
				phase = P_READY;
				phase_t = 0;
				deadline = t + (uint64_t)(o.hold * 1e9);
				break;
			}
			/* warm-up: one echo each, so that servers which fork
			 * per connection have done so before the clock runs */
			phase = P_WARM;
			t_progress = t;
			for (i = 0; i < o.conns; i++) {
				queue_msg(&conns[i], o.size);
				flush(&conns[i]);
			}
			break;
		case P_WARM:
			if (total_rx != total_tx)
				break;
			phase = P_RUN;
			warm_rx = total_rx;
			t_start = t_progress = now_ns();
			deadline = t_start + (uint64_t)(o.duration * 1e9);
			for (i = 0; i < o.conns; i++) {
				conns[i].t0 = 0;
				progress(&conns[i]);
			}
			break;
		case P_RUN:
			if (o.bytes == 0 && t >= deadline && !stopping) {
				stopping = true;
				t_end = t;
				snap_rx = total_rx - warm_rx;
				count_snap = count;
			}
			if (o.mode == M_BULK && o.bytes > 0 && stopping &&
			    total_rx == total_tx) {
				t_end = t;
				snap_rx = total_rx - warm_rx;
			}
			if (!stopping)
				break;
			if (o.mode == M_CONNECT) {
				if (nlive == 0)
					phase = P_END;
				break;
			}
			/* wait for what is in flight, then close */
			if (total_rx == total_tx) {
				phase = P_CLOSE;
				t_progress = t;
				for (i = 0; i < o.conns; i++)
					if (conns[i].state == C_OPEN)
						queue_close(&conns[i]);
			}
			break;
		case P_READY:
			if (phase_t || (o.hold > 0 && t >= deadline)) {
				phase = P_VERIFY;
				t_progress = t;
				for (i = 0; i < o.conns; i++) {
					queue_msg(&conns[i], o.size);
					flush(&conns[i]);
				}
			}
			break;
		case P_VERIFY:
			if (nverified == o.conns) {
				phase = P_CLOSE;
				t_progress = t;
				for (i = 0; i < o.conns; i++)
					if (conns[i].state == C_OPEN)
						queue_close(&conns[i]);
			}
			break;
		case P_CLOSE:
			/* closing is not measured; give it 2 s at most */
			if (nlive == 0 || t - t_progress > 2000000000ULL)
				phase = P_END;
			break;
		default:
			break;
		}
	}
	if (o.mode == M_CONNECT && count_snap == 0 && strcmp(status, "ok") != 0)
		count_snap = count;
	report();
	if (strcmp(status, "ok") == 0)
		return (0);
	return (strcmp(status, "error") == 0 ? 1 : 3);
}
