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

#include "conn.h"
#include "utf8.h"
#include "log.h"
#include "server.h"
#include "conn_int.h"

static bool	compress_frame(struct conn *, const uint8_t *, size_t);

/* Backend bytes will not reach the client: keep the frame under way. */
void
conn_drop_frombe(struct conn *c)
{
	size_t keep;

	c->drain_frombe = false;
	keep = c->out_hdr_len > 0 && c->out_scratch == NULL ?
	    c->out_pl_left + c->out_skip : 0;
	c->frombe.len = keep;
	if (keep == 0)
		buf_free(&c->frombe);
}

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
 * How many payload bytes the backend side can take now; false when not even
 * the end of a message fits (line mode adds a newline there).
 */
static bool
rx_room(struct conn *c, size_t *room)
{
	size_t avail;

	*room = 0;
	if (!c->backend_open || c->backend_shut) {
		*room = SIZE_MAX;	/* nowhere to go: parse and drop */
		return (true);
	}
	if (buf_reserve(&c->tobe, &avail) == NULL)
		return (false);
	if (c->lines) {
		if (avail == 0)
			return (false);
		avail--;
	}
	if (c->proto == HS_PROTO_BASE64)
		*room = avail > 3 ? (avail - 3) / 3 * 4 : 0;
	else
		*room = avail;
	return (true);
}

static int
deliver(struct conn *c, const struct ws_msg_ev *ev)
{
	uint8_t *p;
	size_t avail;
	ssize_t n;

	if (!c->backend_open || c->backend_shut || ev->len == 0)
		return (0);
	p = buf_reserve(&c->tobe, &avail);
	if (c->proto == HS_PROTO_BASE64 && ev->opcode == WS_OP_TEXT) {
		n = b64_dec_update(&c->b64, p, (const char *)ev->data,
		    ev->len);
		if (n < 0)
			return (-1);
	} else {
		memcpy(p, ev->data, ev->len);
		n = (ssize_t)ev->len;
	}
	buf_commit(&c->tobe, (size_t)n);
	c->rx_bytes += (uint64_t)n;
	c->last_data = ev_now(c->srv->loop);
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
client_close_received(struct conn *c, const struct ws_msg_ev *ev)
{
	c->close_received = true;
	c->client_input_done = true;
	if (!c->close_queued && c->state != CONN_CLOSING) {
		conn_begin_close(c, ev->code, "", false, "client");
		/* 1005 means "no code": the echo has an empty payload. */
		c->echo_empty = ev->code == WS_CLOSE_NO_STATUS;
		escape_reason(c->close_reason, sizeof(c->close_reason),
		    (const uint8_t *)ev->reason, ev->reason_len);
	} else if (!c->close_queued)
		conn_drop_frombe(c);	/* no point finishing the drain */
}

/* A compressed message begins: its own UTF-8 check and size count. */
static void
compressed_start(struct conn *c, const struct ws_msg_ev *ev)
{
	if (!ev->compressed)
		return;
	c->pmd->text = ev->opcode == WS_OP_TEXT;
	c->pmd->msg_len = 0;
	utf8_init(&c->pmd->utf8);
}

/*
 * Inflate the compressed payload waiting at the head of rx (and, at the
 * message's end, its trailer) into the backend buffer.  Text is checked as
 * UTF-8 and --max-message applies to what comes out.  Returns 0 when done,
 * 1 when the backend buffer is full, -1 after failing the connection.
 */
static int
inflate_pending(struct conn *c)
{
	struct conn_pmd *z = c->pmd;
	size_t avail, used, made;
	uint64_t max = c->srv->cfg->max_message;
	uint8_t *p;
	int r;

	if (!c->backend_open || c->backend_shut) {
		/* Nowhere to go: the bytes are only parsed past. */
		buf_consume(&c->rx, z->pending);
		z->pending = 0;
		z->fin = false;
		return (0);
	}
	while (z->pending > 0 || z->fin) {
		if ((p = buf_reserve(&c->tobe, &avail)) == NULL)
			return (1);
		if (c->lines)
			avail = avail > 0 ? avail - 1 : 0;
		if (avail == 0)
			return (1);
		r = pmd_inflate_feed(&z->inf, buf_data(&c->rx), z->pending,
		    z->fin, p, avail, &used, &made);
		if (r != 0) {
			conn_protocol_error(c, r == PMD_ERR_NOMEM ?
			    WS_CLOSE_INTERNAL : WS_CLOSE_BAD_DATA,
			    r == PMD_ERR_NOMEM ? "out of memory" :
			    "invalid compressed data");
			return (-1);
		}
		buf_consume(&c->rx, used);
		z->pending -= used;
		z->msg_len += made;
		if (max != 0 && z->msg_len > max) {
			conn_protocol_error(c, WS_CLOSE_TOO_BIG,
			    "message too big");
			return (-1);
		}
		if (z->text && utf8_feed(&z->utf8, p, made) != made) {
			conn_protocol_error(c, WS_CLOSE_BAD_DATA,
			    "invalid UTF-8 in text message");
			return (-1);
		}
		buf_commit(&c->tobe, made);
		c->rx_bytes += made;
		if (made > 0)
			c->last_data = ev_now(c->srv->loop);
		if (made == avail || z->pending > 0)
			continue;
		if (z->fin) {
			/* The whole message is out. */
			if (z->text && !utf8_complete(&z->utf8)) {
				conn_protocol_error(c, WS_CLOSE_BAD_DATA,
				    "truncated UTF-8 in text message");
				return (-1);
			}
			z->fin = false;
			if (c->lines)
				buf_append(&c->tobe, "\n", 1);
			if (z->params.client_no_context_takeover)
				pmd_inflate_idle(&z->inf);
		}
	}
	return (0);
}

/* Parse what the client sent and hand payload to the backend buffer. */
enum rx_result
conn_process_rx(struct conn *c)
{
	struct ws_msg_ev ev;
	size_t room;
	ssize_t n;
	int r;

	c->rx_wants_backend = false;
	if (c->state != CONN_OPEN && c->state != CONN_CLOSING)
		return (RX_DONE);
	if (c->client_input_done)
		return (RX_DONE);
	for (;;) {
		if (c->pmd != NULL && (c->pmd->pending > 0 || c->pmd->fin)) {
			if ((r = inflate_pending(c)) != 0) {
				c->rx_wants_backend = r > 0;
				return (r > 0 ? RX_BLOCKED : RX_DONE);
			}
		}
		if (buf_space(&c->wire) < WIRE_RESERVE)
			return (RX_BLOCKED);
		if (!rx_room(c, &room)) {
			c->rx_wants_backend = true;
			return (RX_BLOCKED);
		}
		n = ws_msg_feed(&c->msg, buf_data(&c->rx), buf_len(&c->rx),
		    room, &ev);
		if (n < 0) {
			conn_protocol_error(c, ev.code, ev.reason);
			return (RX_DONE);
		}
		/* A compressed chunk is consumed as it is inflated. */
		buf_consume(&c->rx, (size_t)n - (ev.type == WS_MSG_DATA &&
		    ev.compressed ? ev.len : 0));
		switch (ev.type) {
		case WS_MSG_NONE:
			if (n > 0)
				break;
			if (ws_parser_in_payload(&c->msg.parser) &&
			    buf_len(&c->rx) > 0) {
				c->rx_wants_backend = true;
				return (RX_BLOCKED);
			}
			return (RX_MORE);
		case WS_MSG_DATA:
			if (!c->in_message) {
				c->in_message = true;
				b64_dec_init(&c->b64);
				compressed_start(c, &ev);
			}
			if (ev.compressed) {
				/* The payload stays at the head of rx (the
				 * header bytes before it are dropped) until
				 * inflate_pending() has taken it. */
				c->pmd->pending = ev.len;
				break;
			}
			if (deliver(c, &ev) == -1) {
				conn_protocol_error(c, WS_CLOSE_BAD_DATA,
				    "invalid base64 in text message");
				return (RX_DONE);
			}
			break;
		case WS_MSG_END:
			if (!c->in_message)
				compressed_start(c, &ev);
			if (ev.compressed) {
				c->pmd->fin = true;
				c->in_message = false;
				break;
			}
			if (c->in_message && c->proto == HS_PROTO_BASE64 &&
			    ev.opcode == WS_OP_TEXT &&
			    b64_dec_final(&c->b64) == -1) {
				conn_protocol_error(c, WS_CLOSE_BAD_DATA,
				    "invalid base64 in text message");
				return (RX_DONE);
			}
			c->in_message = false;
			/* Line mode: each message is one line of input. */
			if (c->lines && c->backend_open && !c->backend_shut)
				buf_append(&c->tobe, "\n", 1);
			break;
		case WS_MSG_PING:
			if (!c->close_queued)
				conn_queue_control(c, WS_OP_PONG, ev.data,
				    ev.len);
			break;
		case WS_MSG_PONG:
			break;
		case WS_MSG_CLOSE:
			client_close_received(c, &ev);
			buf_free(&c->rx);
			return (RX_DONE);
		}
	}
}

void
conn_flush_backend(struct conn *c)
{
	ssize_t n;

	while (c->backend_open && !c->backend_shut && buf_len(&c->tobe) > 0) {
		n = c->be.ops->write(&c->be, buf_data(&c->tobe),
		    buf_len(&c->tobe));
		if (n < 0) {
			if (errno != EAGAIN) {
				/* It takes no more input; what it says and
				 * how it ends is up to its read side. */
				log_debug("#%" PRIu64 " backend write: %s",
				    c->id, strerror(errno));
				buf_free(&c->tobe);
				c->be.ops->shutdown_write(&c->be);
				c->backend_shut = true;
			}
			return;
		}
		buf_consume(&c->tobe, (size_t)n);
	}
}

/* Is there a frame's worth of backend bytes? In line mode: a whole line,
 * a full buffer, or the last bytes before EOF. */
static bool
frame_ready(const struct conn *c)
{
	if (buf_len(&c->frombe) == 0)
		return (false);
	if (!c->lines)
		return (true);
	return (memchr(buf_data(&c->frombe), '\n', buf_len(&c->frombe)) !=
	    NULL || buf_space(&c->frombe) == 0 || c->backend_eof);
}

static bool
can_start_frame(const struct conn *c)
{
	return (c->out_hdr_len == 0 && !c->close_queued && frame_ready(c) &&
	    (c->state == CONN_OPEN || (c->state == CONN_CLOSING &&
	    c->drain_frombe)));
}

static bool
close_ready(const struct conn *c)
{
	return (c->state == CONN_CLOSING && !c->close_queued &&
	    !c->client_done && c->out_hdr_len == 0 &&
	    (!c->drain_frombe || buf_len(&c->frombe) == 0));
}

bool
conn_has_output(const struct conn *c)
{
	return (!c->client_done && (c->t.pending > 0 || c->file_left > 0 ||
	    buf_len(&c->wire) > 0 ||
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
	uint8_t *data = buf_data(&c->frombe), *nl;
	size_t len = buf_len(&c->frombe), plen, skip = 0, n;
	uint8_t op = c->out_continuing ? WS_OP_CONT : WS_OP_TEXT;
	bool fin, rsv1, in_place;

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
		fin = c->backend_eof;
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
		buf_consume(&c->frombe, plen + skip);
		c->out_scratch_off = 0;
		c->out_skip = 0;
		c->out_pl_left = n;
	}
	/* Only whole messages are compressed (one frame, RSV1 on it). */
	in_place = c->out_scratch == NULL;
	rsv1 = fin && op == WS_OP_TEXT && compress_frame(c,
	    in_place ? data : c->out_scratch, c->out_pl_left);
	if (rsv1 && in_place) {
		/* The line was going out of frombe in place: drop it now. */
		buf_consume(&c->frombe, plen + c->out_skip);
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
 * length, or 0 when memory is short (nothing was consumed then).
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
 * The frame being started is a whole message at p: send it compressed
 * when that was negotiated and the bytes look compressible.  True when
 * out_scratch now holds the compressed payload.
 */
static bool
compress_frame(struct conn *c, const uint8_t *p, size_t len)
{
	uint8_t *z = NULL;
	size_t n;

	if (c->pmd == NULL || !pmd_worth_compressing(p, len) ||
	    (n = deflate_message(c, p, len, &z)) == 0)
		return (false);
	free(c->out_scratch);
	c->out_scratch = z;
	c->out_scratch_off = 0;
	c->out_pl_left = n;
	return (true);
}

static int
start_frame(struct conn *c)
{
	size_t len = buf_len(&c->frombe), enc;

	c->last_data = ev_now(c->srv->loop);
	if (c->lines)
		return (start_line_frame(c));
	if (c->proto == HS_PROTO_BASE64) {
		if (len > CONN_B64_CHUNK)
			len = CONN_B64_CHUNK;
		if ((c->out_scratch = malloc(B64_ENCODED_LEN(len) + 1)) ==
		    NULL)
			return (-1);
		enc = b64_encode((char *)c->out_scratch, buf_data(&c->frombe),
		    len);
		buf_consume(&c->frombe, len);
		c->out_scratch_off = 0;
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_TEXT, true,
		    false, enc, NULL);
		c->out_pl_left = enc;
	} else if (compress_frame(c, buf_data(&c->frombe), len)) {
		buf_consume(&c->frombe, len);
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_BINARY,
		    true, true, c->out_pl_left, NULL);
	} else {
		c->out_hdr_len = ws_frame_header(c->out_hdr, WS_OP_BINARY,
		    true, false, len, NULL);
		c->out_pl_left = len;
	}
	c->out_hdr_off = 0;
	c->tx_bytes += len;
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
}

/* Write what is ready for the client: wire bytes, then data frames. */
void
conn_flush_client(struct conn *c)
{
	struct iovec iov[3] = { 0 };
	size_t wire_n, hdr_n, r;
	ssize_t n;
	int niov;

	c->write_wants_read = false;
	if (!c->client_done && c->t.pending > 0 &&
	    transport_writev(&c->t, iov, 0) < 0) {
		if (errno != EAGAIN)
			goto fail;
		c->write_wants_read = c->t.want == TRANSPORT_WANT_READ;
		return;
	}
	while (!c->client_done) {
		niov = 0;
		wire_n = hdr_n = 0;
		if (c->out_hdr_len == 0 && buf_len(&c->wire) > 0) {
			wire_n = buf_len(&c->wire);
			iov[niov].iov_base = buf_data(&c->wire);
			iov[niov++].iov_len = wire_n;
		} else if (c->file_left > 0) {
			if (conn_send_file(c) == -1)
				return;
			continue;
		}
		if (close_ready(c)) {
			queue_close(c);
			continue;
		}
		if (can_start_frame(c) && start_frame(c) == -1) {
			log_warnx("#%" PRIu64 " out of memory", c->id);
			conn_client_finish(c);
			return;
		}
		if (c->out_hdr_len > 0) {
			hdr_n = c->out_hdr_len - c->out_hdr_off;
			iov[niov].iov_base = c->out_hdr + c->out_hdr_off;
			iov[niov++].iov_len = hdr_n;
			iov[niov].iov_base = c->out_scratch != NULL ?
			    c->out_scratch + c->out_scratch_off :
			    buf_data(&c->frombe);
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
				buf_consume(&c->frombe, r);
			if (c->out_pl_left > 0)
				return;
			if (c->out_skip > 0) {
				buf_consume(&c->frombe, c->out_skip);
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
