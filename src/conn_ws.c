/*
 * conn_ws.c - a connection's WebSocket data path: client frames parsed (and
 * inflated) into the backend buffer, backend bytes framed (and compressed)
 * for the client, pongs and close frames queued between data frames.  It
 * starts no watcher: conn.c does, from the state this leaves behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "conn.h"
#include "ttyproto.h"
#include "utf8.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "conn_int.h"

static int	compress_frame(struct conn *, const uint8_t *, size_t);

void
conn_queue_control(struct conn *c, uint8_t opcode, const uint8_t *data,
    size_t len)
{
	uint8_t hdr[WS_HEADER_MAX];
	size_t n;

	n = ws_frame_header(hdr, opcode, true, false, len, NULL);
	/* conn_process_rx() keeps WIRE_RESERVE free, so both fit. */
	buf_append(&c->wire, hdr, n);
	buf_append(&c->wire, data, len);
}

/*
 * A terminal subprotocol's first messages, right after the 101 and before
 * any output: wsbridge-tty's hello; ttyd's window title ("PROGRAM (HOST)",
 * as ttyd words it) and its preferences (none: "{}").
 */
void
conn_tty_greet(struct conn *c)
{
	char msg[256], title[255], host[64];
	size_t n;

	if (c->proto == HS_PROTO_TTY) {
		if ((n = ttyproto_hello(msg, sizeof(msg), c->snap->cfg->readonly,
		    c->tty_cols, c->tty_rows)) > 0)
			conn_queue_control(c, WS_OP_TEXT, (const uint8_t *)msg,
			    n);
	} else if (c->proto == HS_PROTO_TTYD) {
		if (gethostname(host, sizeof(host)) == -1)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		snprintf(title, sizeof(title), "%s (%s)", c->be.peer, host);
		n = ttyproto_ttyd_title(msg, sizeof(msg), title);
		conn_queue_control(c, WS_OP_BINARY, (const uint8_t *)msg, n);
		msg[0] = TTYD_PREFS;
		memcpy(msg + 1, "{}", 2);
		conn_queue_control(c, WS_OP_BINARY, (const uint8_t *)msg, 3);
	}
}

/* The terminal is cols x rows, unless clients only watch. */
static void
tty_resize(struct conn *c, unsigned cols, unsigned rows)
{
	if (c->snap->cfg->readonly || c->be.ops->resize == NULL ||
	    c->state != CONN_OPEN || !bridge_is_live(&c->br, BRIDGE_BACKEND))
		return;
	c->be.ops->resize(&c->be, cols, rows);
	c->tty_cols = (unsigned short)cols;
	c->tty_rows = (unsigned short)rows;
	log_debug("#%" PRIu64 " terminal size %ux%u", c->id, cols, rows);
}

/*
 * A control message from a terminal subprotocol, whole: act on it.
 * Returns -1 when it was bad and the connection is closing (1007).
 */
static int
tty_control(struct conn *c, const uint8_t *p, size_t len)
{
	struct ttyproto_msg m;

	if (c->proto == HS_PROTO_TTYD)
		ttyproto_ttyd(p, len, &m);
	else
		ttyproto_control(p, len, &m);
	switch (m.kind) {
	case TTYPROTO_RESIZE:
		tty_resize(c, m.cols, m.rows);
		break;
	case TTYPROTO_INIT:
		/* ttyd's first message; its AuthToken is not ours to check
		 * (--basic-auth was, on the upgrade).  Later ones: nothing. */
		if (!c->ttyd_started && m.has_size)
			tty_resize(c, m.cols, m.rows);
		c->ttyd_started = true;
		break;
	case TTYPROTO_PAUSE:
		c->tty_paused = true;
		break;
	case TTYPROTO_RESUME:
		c->tty_paused = false;
		break;
	case TTYPROTO_IGNORE:
		log_debug("#%" PRIu64 " control message of unknown type "
		    "\"%s\" ignored", c->id, m.type);
		break;
	case TTYPROTO_BAD:
		conn_protocol_error(c, WS_CLOSE_BAD_DATA,
		    "bad control message");
		return (-1);
	}
	return (0);
}

/*
 * The client's close reason, kept for the log line: a control byte (NUL,
 * LF, ESC...) becomes \xHH and a backslash two, so the reason can neither
 * end the line nor forge another.  Cut, if long, before the escape or the
 * UTF-8 character that does not fit.
 */
static void
escape_reason(char *out, size_t outlen, const uint8_t *p, size_t len)
{
	size_t i, o = 0, k, need;
	int n;

	for (i = 0; i < len; i++) {
		/* A character's bytes go in together or not at all. */
		if (p[i] >= 0xc0) {
			need = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
			for (k = 1; k < need && i + k < len &&
			    (p[i + k] & 0xc0) == 0x80; k++)
				;
			if (o + k >= outlen)
				break;
			memcpy(out + o, p + i, k);
			o += k;
			i += k - 1;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7f)
			n = snprintf(out + o, outlen - o, "\\x%02x", p[i]);
		else if (p[i] == '\\')
			n = snprintf(out + o, outlen - o, "\\\\");
		else
			n = snprintf(out + o, outlen - o, "%c", p[i]);
		if (n < 0 || (size_t)n >= outlen - o)
			break;
		o += (size_t)n;
	}
	out[o] = '\0';
}

static void
client_close_received(struct conn *c, const struct ws_recv_out *ev)
{
	bridge_read_done(&c->br, BRIDGE_CLIENT);
	log_debug("#%" PRIu64 " close frame from the client: code=%u",
	    c->id, ev->code);
	if (!c->close_queued && c->state != CONN_CLOSING) {
		conn_begin_close(c, ev->code, "", false, "client");
		/* 1005 means "no code": the echo has an empty payload. */
		c->echo_empty = ev->code == WS_CLOSE_NO_STATUS;
		escape_reason(c->close_reason, sizeof(c->close_reason),
		    (const uint8_t *)ev->reason, ev->reason_len);
	} else if (!c->close_queued)
		conn_drop_frombe(c);	/* no point finishing the drain */
}

/* Parse what the client sent and hand payload to the backend buffer. */
enum rx_result
conn_process_rx(struct conn *c)
{
	struct ws_recv_out o;
	enum ws_recv_status st;
	uint8_t *out = NULL;
	size_t avail = 0;

	c->rx_wants_backend = false;
	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return (RX_DONE);
	if (c->br.end[BRIDGE_CLIENT] != END_OPEN)
		return (RX_DONE);
	for (;;) {
		if (buf_space(&c->wire) < WIRE_RESERVE)
			return (RX_BLOCKED);
		/* No backend to take it: parse and drop (out stays NULL). */
		if (bridge_is_live(&c->br, BRIDGE_BACKEND) &&
		    !pipe_is_shut(&c->br.up) &&
		    (out = buf_reserve(&c->br.up.buf, &avail)) == NULL) {
			c->rx_wants_backend = true;
			return (RX_BLOCKED);
		}
		st = ws_recv_feed(&c->recv, buf_data(&c->rx), buf_len(&c->rx),
		    out, avail, &o);
		buf_consume(&c->rx, o.used);
		if (out != NULL)
			buf_commit(&c->br.up.buf, o.made);
		c->rx_bytes += o.payload;
		if (o.payload > 0)
			c->last_data = ev_now(c->srv->loop);
		switch (st) {
		case WS_RECV_MORE:
			return (RX_MORE);
		case WS_RECV_FULL:
			c->rx_wants_backend = true;
			return (RX_BLOCKED);
		case WS_RECV_PING:
			if (!c->close_queued)
				conn_queue_control(c, WS_OP_PONG, o.data,
				    o.len);
			break;
		case WS_RECV_PONG:
			break;
		case WS_RECV_CONTROL:
			if (tty_control(c, o.data, o.len) == -1)
				return (RX_DONE);
			break;
		case WS_RECV_CLOSE:
			client_close_received(c, &o);
			buf_free(&c->rx);
			return (RX_DONE);
		case WS_RECV_ERROR:
			if (o.internal)
				log_warnx("#%" PRIu64 " %s", c->id, o.reason);
			conn_protocol_error(c, o.code, o.reason);
			return (RX_DONE);
		}
	}
}

void
conn_flush_backend(struct conn *c)
{
	ssize_t n;

	while (bridge_wants_write(&c->br, BRIDGE_BACKEND)) {
		n = c->be.ops->write(&c->be, buf_data(&c->br.up.buf),
		    buf_len(&c->br.up.buf));
		if (n < 0) {
			if (errno != EAGAIN) {
				/* It takes no more input; what it says and
				 * how it ends is up to its read side. */
				log_debug("#%" PRIu64 " backend write: %s",
				    c->id, strerror(errno));
				bridge_cut(&c->br, BRIDGE_BACKEND, 0);
				c->be.ops->shutdown_write(&c->be);
			}
			return;
		}
		buf_consume(&c->br.up.buf, (size_t)n);
	}
}

/* Is there a frame's worth of backend bytes? In line mode: a whole line,
 * a full buffer, or the last bytes before EOF. */
static bool
frame_ready(const struct conn *c)
{
	if (buf_len(&c->br.down.buf) == 0)
		return (false);
	if (!c->lines)
		return (true);
	return (memchr(buf_data(&c->br.down.buf), '\n', buf_len(&c->br.down.buf)) !=
	    NULL || buf_space(&c->br.down.buf) == 0 || c->be.eof);
}

static bool
can_start_frame(const struct conn *c)
{
	return (c->out_hdr_len == 0 && !c->close_queued && frame_ready(c) &&
	    (c->state == CONN_OPEN || (c->state == CONN_CLOSING &&
	    c->br.down.state == PIPE_DRAINING)));
}

static bool
close_ready(const struct conn *c)
{
	return (c->state == CONN_CLOSING && !c->close_queued &&
	    !conn_client_gone(c) && c->out_hdr_len == 0 &&
	    (c->br.down.state != PIPE_DRAINING || buf_len(&c->br.down.buf) == 0));
}

bool
conn_has_output(const struct conn *c)
{
	return (!conn_client_gone(c) && (c->t.pending > 0 ||
	    c->file_left > 0 || buf_len(&c->wire) > 0 ||
	    c->out_hdr_len > 0 || can_start_frame(c) || close_ready(c)));
}

/*
 * Line mode: a line (without its CR LF) is a text message.  A line longer
 * than the buffer goes out as a fragmented message, cut on a character
 * boundary; invalid UTF-8 becomes U+FFFD, as a text frame must be valid.
 */
static int
start_line_frame(struct conn *c)
{
	uint8_t *data = buf_data(&c->br.down.buf), *nl;
	size_t len = buf_len(&c->br.down.buf), plen, skip = 0, n;
	uint8_t op = c->out_continuing ? WS_OP_CONT : WS_OP_TEXT;
	bool fin, rsv1, in_place;
	int cr;

	if ((nl = memchr(data, '\n', len)) != NULL) {
		plen = (size_t)(nl - data);
		skip = 1;
		fin = true;
		if (plen > 0 && data[plen - 1] == '\r') {
			plen--;
			skip++;
		}
	} else {
		plen = len;
		fin = c->be.eof;
		if (!fin) {
			plen -= utf8_incomplete_tail(data, len);
			/* A CR may be the start of the line's CR LF. */
			if (plen > 1 && data[plen - 1] == '\r')
				plen--;
		}
	}
	c->tx_bytes += plen;
	if (utf8_valid(data, plen)) {
		c->out_skip = skip;
		c->out_pl_left = plen;
	} else {
		if ((c->out_scratch = malloc(3 * plen)) == NULL)
			return (-1);
		n = utf8_sanitize(c->out_scratch, data, plen);
		buf_consume(&c->br.down.buf, plen + skip);
		c->out_scratch_off = 0;
		c->out_skip = 0;
		c->out_pl_left = n;
	}
	/* Only whole messages are compressed (one frame, RSV1 on it). */
	in_place = c->out_scratch == NULL;
	cr = fin && op == WS_OP_TEXT ? compress_frame(c,
	    in_place ? data : c->out_scratch, c->out_pl_left) : 0;
	if (cr < 0) {
		/* closing: the line is not sent */
		c->tx_bytes -= plen;
		free(c->out_scratch);
		c->out_scratch = NULL;
		c->out_pl_left = c->out_skip = 0;
		return (0);
	}
	rsv1 = cr > 0;
	if (rsv1 && in_place) {
		/* The line was going out of the pipe in place: drop it now. */
		buf_consume(&c->br.down.buf, plen + c->out_skip);
		c->out_skip = 0;
	}
	c->out_hdr_len = ws_frame_header(c->out_hdr, op, fin, rsv1,
	    c->out_pl_left, NULL);
	c->out_hdr_off = 0;
	c->out_continuing = !fin;
	return (0);
}

/*
 * Compress one whole message into a new scratch buffer.  Once deflate has
 * seen the bytes they must be sent compressed (the client's window will
 * have them), so the buffer grows until everything fits.  Returns the
 * length, or 0 when memory is short or zlib failed: the compressor may then
 * be out of step with the client's inflater, and nothing more can be sent.
 */
static size_t
deflate_message(struct conn *c, const uint8_t *src, size_t len,
    uint8_t **out)
{
	struct conn_pmd *z = c->pmd;
	size_t cap = len + len / 16 + 64, have = 0, used, made, off = 0;
	uint8_t *buf, *nb;
	int r;

	if ((buf = malloc(cap)) == NULL)
		return (0);
	for (;;) {
		r = pmd_deflate_feed(&z->def, src + off, len - off, true,
		    buf + have, cap - have, &used, &made);
		if (r != 0) {
			free(buf);
			return (0);
		}
		off += used;
		have += made;
		if (off == len && have < cap)
			break;
		if ((nb = realloc(buf, cap * 2)) == NULL) {
			free(buf);
			return (0);
		}
		buf = nb;
		cap *= 2;
	}
	if (z->params.server_no_context_takeover)
		pmd_deflate_idle(&z->def);
	*out = buf;
	return (have);
}

/*
 * Compression failed part way: the client's inflater and our deflater no
 * longer agree on the window, so no further message can go out, compressed
 * or not.  Close with 1011, dropping what the backend sent.
 */
static void
compress_failed(struct conn *c)
{
	log_warnx("#%" PRIu64 " compression failed: closing with 1011",
	    c->id);
	if (c->state == CONN_CLOSING && !c->close_queued) {
		c->close_code = WS_CLOSE_INTERNAL;
		snprintf(c->close_reason, sizeof(c->close_reason), "%s",
		    "compression failed");
		conn_drop_frombe(c);
	} else
		conn_begin_close(c, WS_CLOSE_INTERNAL, "compression failed",
		    false, "server");
}

/*
 * The frame being started is a whole message at p: send it compressed
 * when that was negotiated and the bytes look compressible.  Returns 1 when
 * out_scratch now holds the compressed payload, 0 to send it as it is, -1
 * when compression failed (the connection is closing: send nothing).
 */
static int
compress_frame(struct conn *c, const uint8_t *p, size_t len)
{
	uint8_t *z = NULL;
	size_t n;

	if (c->pmd == NULL || !pmd_worth_compressing(p, len))
		return (0);
	if ((n = deflate_message(c, p, len, &z)) == 0) {
		compress_failed(c);
		return (-1);
	}
	free(c->out_scratch);
	c->out_scratch = z;
	c->out_scratch_off = 0;
	c->out_pl_left = n;
	return (1);
}

static int
start_frame(struct conn *c)
{
	size_t len = buf_len(&c->br.down.buf), enc;
	int cr;

	c->last_data = ev_now(c->srv->loop);
	if (c->lines)
		return (start_line_frame(c));
	if (c->proto == HS_PROTO_BASE64) {
		if (len > CONN_B64_CHUNK)
			len = CONN_B64_CHUNK;
		if ((c->out_scratch = malloc(B64_ENCODED_LEN(len) + 1)) ==
		    NULL)
			return (-1);
		enc = b64_encode((char *)c->out_scratch, buf_data(&c->br.down.buf),
		    len);
		buf_consume(&c->br.down.buf, len);
		c->out_scratch_off = 0;
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_TEXT, true,
		    false, enc, NULL);
		c->out_pl_left = enc;
	} else if ((cr = compress_frame(c, buf_data(&c->br.down.buf), len)) < 0) {
		return (0);	/* closing: nothing is sent */
	} else if (cr > 0) {
		buf_consume(&c->br.down.buf, len);
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_BINARY,
		    true, true, c->out_pl_left, NULL);
	} else if (c->proto == HS_PROTO_TTYD) {
		/* ttyd's output command byte goes out after the header, as
		 * part of it: the payload stays in the pipe, uncopied. */
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_BINARY,
		    true, false, len + 1, NULL);
		c->out_hdr[c->out_hdr_len++] = TTYD_INPUT;
		c->out_pl_left = len;
	} else {
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_BINARY,
		    true, false, len, NULL);
		c->out_pl_left = len;
	}
	c->out_hdr_off = 0;
	c->tx_bytes += len;
	return (0);
}

/*
 * Send more of a static file: sendfile(2) on plain sockets, through the
 * transport's buffer under TLS (a built-in file: from memory, through the
 * transport), adding what went out to *turn.  0 to go
 * on, -1 to stop (blocked, failed).
 */
static int
send_file(struct conn *c, size_t *turn)
{
	uint8_t chunk[16384];
	struct iovec iov = { NULL, 0 };
	ssize_t n;
	size_t want;

	if (c->file_mem != NULL) {
		/* Built in: no file to read, the bytes are at hand. */
		iov.iov_base = (void *)(uintptr_t)(c->file_mem + c->file_off);
		iov.iov_len = c->file_left < (off_t)(1 << 20) ?
		    (size_t)c->file_left : (1 << 20);
		n = transport_writev(&c->t, &iov, 1);
	} else if (c->tls) {
		want = c->file_left < (off_t)sizeof(chunk) ?
		    (size_t)c->file_left : sizeof(chunk);
		if (c->t.pending > 0)
			n = transport_writev(&c->t, &iov, 0);
		else if ((n = pread(c->file_fd, chunk, want,
		    c->file_off)) > 0) {
			iov.iov_base = chunk;
			iov.iov_len = (size_t)n;
			n = transport_writev(&c->t, &iov, 1);
		} else if (n == 0)
			errno = EIO;	/* the file shrank */
	} else {
		off_t off = c->file_off;

		want = c->file_left < (off_t)(1 << 20) ?
		    (size_t)c->file_left : (1 << 20);
		if ((n = sendfile(c->t.fd, c->file_fd, &off, want)) == 0)
			errno = EIO;	/* the file shrank */
	}
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return (-1);
		log_info("#%" PRIu64 " sending %s: %s", c->id, c->path,
		    strerror(errno));
		conn_client_finish(c);
		return (-1);
	}
	c->file_off += n;
	c->file_left -= n;
	*turn += (size_t)n;
	/* A slow reader is cut only when it makes no progress at all. */
	conn_set_timer(c, CONN_RESPONSE_TIMEOUT);
	return (0);
}

static void
queue_close(struct conn *c)
{
	uint8_t payload[WS_CONTROL_MAX];
	size_t n;

	n = ws_msg_close_payload(payload, c->echo_empty ? 0 : c->close_code,
	    c->closed_by != NULL && strcmp(c->closed_by, "client") == 0 ?
	    "" : c->close_reason);
	conn_queue_control(c, WS_OP_CLOSE, payload, n);
	c->close_queued = true;
	/* After our close no data frame may follow: what comes is dropped. */
	bridge_cut(&c->br, BRIDGE_CLIENT, 0);
	if (n >= 2)
		log_debug("#%" PRIu64 " close frame to the client: code=%u",
		    c->id, (unsigned)payload[0] << 8 | payload[1]);
	else
		log_debug("#%" PRIu64 " close frame to the client: no code",
		    c->id);
}

/* Write what is ready for the client: wire bytes, then data frames. */
void
conn_flush_client(struct conn *c)
{
	struct iovec iov[3] = { 0 };
	size_t wire_n, hdr_n, r, file_turn = 0;
	ssize_t n;
	int niov;

	c->write_wants_read = false;
	if (!conn_client_gone(c) && c->t.pending > 0 &&
	    transport_writev(&c->t, iov, 0) < 0) {
		if (errno != EAGAIN)
			goto fail;
		c->write_wants_read = c->t.want == TRANSPORT_WANT_READ;
		return;
	}
	while (!conn_client_gone(c)) {
		niov = 0;
		wire_n = hdr_n = 0;
		if (c->out_hdr_len == 0 && buf_len(&c->wire) > 0) {
			wire_n = buf_len(&c->wire);
			iov[niov].iov_base = buf_data(&c->wire);
			iov[niov++].iov_len = wire_n;
		} else if (c->file_left > 0) {
			/* One turn's worth, then back to the loop (the
			 * watcher stays on): a reader that keeps up must
			 * not hold it for the whole file. */
			if (file_turn >= CONN_FILE_TURN ||
			    send_file(c, &file_turn) == -1)
				return;
			continue;
		}
		if (close_ready(c)) {
			queue_close(c);
			continue;
		}
		if (can_start_frame(c)) {
			if (start_frame(c) == -1) {
				log_warnx("#%" PRIu64 " out of memory", c->id);
				conn_client_finish(c);
				return;
			}
			if (c->out_hdr_len == 0)
				continue;	/* compression failed */
		}
		if (c->out_hdr_len > 0) {
			hdr_n = c->out_hdr_len - c->out_hdr_off;
			iov[niov].iov_base = c->out_hdr + c->out_hdr_off;
			iov[niov++].iov_len = hdr_n;
			iov[niov].iov_base = c->out_scratch != NULL ?
			    c->out_scratch + c->out_scratch_off :
			    buf_data(&c->br.down.buf);
			iov[niov++].iov_len = c->out_pl_left;
		}
		if (niov == 0)
			return;
		n = transport_writev(&c->t, iov, niov);
		if (n < 0) {
			if (errno != EAGAIN)
				goto fail;
			c->write_wants_read = c->t.want == TRANSPORT_WANT_READ;
			return;
		}
		r = (size_t)n;
		if (wire_n > 0) {
			buf_consume(&c->wire, r < wire_n ? r : wire_n);
			if (r < wire_n)
				return;
			r -= wire_n;
		}
		if (c->out_hdr_len > 0) {
			c->out_hdr_off += r < hdr_n ? r : hdr_n;
			if (r < hdr_n)
				return;
			r -= hdr_n;
			c->out_pl_left -= r;
			if (c->out_scratch != NULL)
				c->out_scratch_off += r;
			else
				buf_consume(&c->br.down.buf, r);
			if (c->out_pl_left > 0)
				return;
			if (c->out_skip > 0) {
				buf_consume(&c->br.down.buf, c->out_skip);
				c->out_skip = 0;
			}
			c->out_hdr_len = 0;
			free(c->out_scratch);
			c->out_scratch = NULL;
		}
	}
	return;

fail:
	if (c->t.errmsg[0] != '\0')
		log_info("#%" PRIu64 " peer=%s %s", c->id, c->peer,
		    c->t.errmsg);
	else
		log_debug("#%" PRIu64 " client write: %s", c->id,
		    strerror(errno));
	conn_client_finish(c);
}
