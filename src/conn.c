/*
 * conn.c - the per-connection state machine: conn_new() to conn_free(), the
 * phase timer, client reads and backend events.  It alone starts and stops a
 * connection's watchers, reading a side only while the buffer it fills has
 * room.  Every way out goes through conn_free(), which logs the connection.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "proxy.h"
#include "tls.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "conn_int.h"

#define CONN_OF(ptr, field)						\
	conn_check((struct conn *)(void *)((char *)(ptr) -		\
	    offsetof(struct conn, field)))

#define STALL_CHECK	1.	/* look at an unread client this often */

static void	conn_step(struct conn *);
static void	conn_free(struct conn *);
static void	open_timer(struct conn *);

static struct conn *
conn_check(struct conn *c)
{
	assert(c->magic == CONN_MAGIC);
	return (c);
}

static void
close_backend(struct conn *c)
{
	/* Reached (or being closed), not yet gone. */
	if (c->br.end[BRIDGE_BACKEND] > END_PENDING &&
	    !bridge_is_gone(&c->br, BRIDGE_BACKEND))
		log_debug("#%" PRIu64 " backend %s closed", c->id, c->be.peer);
	c->be.ops->close(&c->be);
	bridge_gone(&c->br, BRIDGE_BACKEND);
}

static void
backend_io_error(struct conn *c, const char *what, int err)
{
	log_warnx("#%" PRIu64 " backend %s: %s: %s", c->id, c->be.peer, what,
	    strerror(err));
	close_backend(c);
	conn_begin_close(c, WS_CLOSE_INTERNAL, "backend error", true,
	    "backend");
}

/* Is backend input thrown away (the client will not get it)? */
static bool
backend_discarding(const struct conn *c)
{
	return (pipe_is_shut(&c->br.down));
}

static void
backend_readable(struct conn *c)
{
	uint8_t sink[16384];
	uint8_t *p;
	size_t avail;
	ssize_t n;

	if (backend_discarding(c)) {
		n = backend_read(&c->be, sink, sizeof(sink));
	} else if (c->tty_paused) {
		return;		/* ttyd's pause: the terminal waits */
	} else {
		if ((p = buf_reserve(&c->br.down.buf, &avail)) == NULL ||
		    avail == 0)
			return;
		if ((n = backend_read(&c->be, p, avail)) > 0)
			buf_commit(&c->br.down.buf, (size_t)n);
	}
	if (n > 0)
		return;
	if (n == 0) {
		log_debug("#%" PRIu64 " backend %s: EOF", c->id, c->be.peer);
		bridge_read_done(&c->br, BRIDGE_BACKEND);
		conn_begin_close(c, c->be.eof_code != 0 ? c->be.eof_code :
		    WS_CLOSE_NORMAL, c->be.eof_reason, true, "backend");
	} else if (errno != EAGAIN) {
		if (backend_discarding(c)) {
			close_backend(c);
			return;
		}
		backend_io_error(c, "read", errno);
	}
}

/*
 * The backend's events: connected (queue the 101), failed (502),
 * readable; then one conn step.
 */
static void
conn_on_backend_event(struct backend *b, enum backend_event ev)
{
	struct conn *c = conn_check(b->owner);

	switch (ev) {
	case BACKEND_CONNECTED:
		if (c->state != CONN_CONNECTING)
			break;
		c->br.detachable = c->be.detachable;
		bridge_opened(&c->br, BRIDGE_BACKEND);
		conn_enter(c, CONN_OPEN, CONN_TIMER_OFF);
		c->last_data = c->last_rx = ev_now(c->srv->loop);
		open_timer(c);
		/* wire is empty and holds any answer (conn_http.c). */
		if (buf_append(&c->wire, c->reply, strlen(c->reply)) == -1)
			log_warnx("#%" PRIu64 " 101 answer dropped: no room",
			    c->id);
		free(c->reply);
		c->reply = NULL;
		conn_tty_greet(c);
		c->logged_open = true;
		log_info("#%" PRIu64 " open peer=%s%s%s path=%s backend=%s",
		    c->id, c->peer, c->user != NULL ? " user=" : "",
		    c->user != NULL ? c->user : "", c->path, c->be.peer);
		break;
	case BACKEND_FAILED:
		if (c->state == CONN_CONNECTING)
			conn_http_error(c, 502, c->be.error, NULL);
		break;
	case BACKEND_READABLE:
		backend_readable(c);
		break;
	case BACKEND_WRITABLE:
		break;			/* conn_step() flushes */
	}
	conn_step(c);
}

/*
 * An http:// request on a TLS port: tell the user to use https, in plain
 * HTTP as nginx does, instead of failing a handshake that shows nothing.
 */
static void
plain_http_on_tls(struct conn *c)
{
	static const char body[] = "This port speaks TLS: use https:// "
	    "(or wss://) instead.\n";
	char reply[512];
	int n;

	transport_tls_to_plain(&c->t);
	c->tls = false;
	log_warnx("#%" PRIu64 " peer=%s 400 Bad Request: plain HTTP request "
	    "on a TLS port", c->id, c->peer);
	if ((n = handshake_error(reply, sizeof(reply), 400, NULL, body)) > 0)
		buf_append(&c->wire, reply, (size_t)n);
	conn_enter(c, CONN_HTTP_ERROR, c->snap->cfg->close_timeout);
}

/* A password check is over: the request is looked at again. */
static void
conn_on_auth_result(void *arg, bool matched)
{
	struct conn *c = conn_check(arg);

	c->auth_job = NULL;
	c->auth_verdict = matched ? 1 : -1;
	conn_step(c);
}

static void
client_read(struct conn *c)
{
	uint8_t sink[16384], *p;
	size_t avail;
	ssize_t n;

	c->read_wants_write = false;
	if (c->proxy_pending) {
		if (conn_read_proxy_header(c) == -1) {
			log_info("#%" PRIu64 " peer=%s bad PROXY protocol "
			    "header", c->id, c->peer);
			conn_client_finish(c);
		}
		return;
	}
	if (c->tls && c->state == CONN_HANDSHAKE) {
		switch (transport_tls_sniff(&c->t)) {
		case -1:
			return;
		case 1:
			plain_http_on_tls(c);
			return;
		}
	}
	if (c->state == CONN_LINGER) {
		n = transport_read(&c->t, sink, sizeof(sink));
		if (n == 0 || (n < 0 && errno != EAGAIN))
			conn_client_finish(c);
		else if (n < 0)
			c->read_wants_write = c->t.want == TRANSPORT_WANT_WRITE;
		return;
	}
	if ((p = buf_reserve(&c->rx, &avail)) == NULL) {
		log_warnx("#%" PRIu64 " out of memory", c->id);
		conn_client_finish(c);
		return;
	}
	if (avail == 0)
		return;
	n = transport_read(&c->t, p, avail);
	if (n > 0) {
		buf_commit(&c->rx, (size_t)n);
		/* Anything from the client shows it is alive. */
		c->last_rx = ev_now(c->srv->loop);
		c->ping_sent = 0;
		return;
	}
	if (n < 0 && errno == EAGAIN) {
		c->read_wants_write = c->t.want == TRANSPORT_WANT_WRITE;
		return;
	}
	if (n < 0 && c->t.errmsg[0] != '\0')
		log_info("#%" PRIu64 " peer=%s %s", c->id, c->peer,
		    c->t.errmsg);
	else if (n < 0)
		log_debug("#%" PRIu64 " client read: %s", c->id,
		    strerror(errno));
	/* EOF: what is already in rx is still processed. */
	c->client = CLIENT_EOF;
}

static void
client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = CONN_OF(w, crio);

	(void)loop;
	(void)revents;
	client_read(c);
	conn_step(c);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = CONN_OF(w, cwio);

	(void)loop;
	(void)revents;
	if (c->read_wants_write)
		client_read(c);
	conn_step(c);
}

/* The OPEN phase's timer: the nearest of the idle and ping deadlines. */
static void
open_timer(struct conn *c)
{
	const struct config *cfg = c->snap->cfg;
	ev_tstamp now = ev_now(c->srv->loop), next = 0, t;

	if (cfg->idle_timeout > 0)
		next = c->last_data + cfg->idle_timeout;
	if (cfg->ping_interval > 0) {
		t = c->ping_sent != 0 ? c->ping_sent + cfg->ping_interval :
		    c->last_rx + cfg->ping_interval;
		if (next == 0 || t < next)
			next = t;
	}
	/* Not reading a client hides its going away: look now and then. */
	if (c->client_blocked && (next == 0 || now + STALL_CHECK < next))
		next = now + STALL_CHECK;
	if (next != 0)
		conn_set_timer(c, next > now ? next - now : 0.001);
}

/*
 * Has a client we stopped reading (backpressure) gone away?  Its FIN or
 * reset waits behind the data we do not read, so ask the kernel.
 */
static bool
client_vanished(const struct conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->t.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0)
		return (true);
	len = sizeof(ti);
	if (c->peer_sa.ss_family == AF_UNIX ||
	    getsockopt(c->t.fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return (false);
	return (ti.tcpi_state == TCP_CLOSE_WAIT || ti.tcpi_state == TCP_CLOSE);
}

static void
open_timeout(struct conn *c)
{
	const struct config *cfg = c->snap->cfg;
	ev_tstamp now = ev_now(c->srv->loop);
	uint8_t payload[8];

	if (c->client_blocked) {
		if (client_vanished(c)) {
			log_debug("#%" PRIu64 " client went away while not "
			    "read", c->id);
			c->client = CLIENT_GONE;
			return;
		}
		/* Its FIN may wait behind the bytes we do not read; a ping
		 * to a closed socket brings back a reset we can see. */
		if (buf_len(&c->wire) == 0 && !c->close_queued)
			conn_queue_control(c, WS_OP_PING, (const uint8_t *)"?",
			    1);
	}
	if (cfg->idle_timeout > 0 && now - c->last_data >=
	    cfg->idle_timeout) {
		conn_begin_close(c, WS_CLOSE_GOING_AWAY, "idle timeout", false,
		    "server");
		return;
	}
	if (cfg->ping_interval > 0) {
		if (c->ping_sent != 0 && now - c->ping_sent >=
		    cfg->ping_interval) {
			log_info("#%" PRIu64 " no pong for %.1fs", c->id,
			    now - c->ping_sent);
			conn_begin_close(c, WS_CLOSE_INTERNAL, "ping timeout",
			    false, "server");
			return;
		}
		if (c->ping_sent == 0 && now - c->last_rx >=
		    cfg->ping_interval &&
		    buf_space(&c->wire) >= WIRE_RESERVE) {
			memcpy(payload, &now, sizeof(payload));
			conn_queue_control(c, WS_OP_PING, payload,
			    sizeof(payload));
			c->ping_sent = now;
		}
	}
	open_timer(c);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct conn *c = CONN_OF(w, timer);
	char why[160];

	(void)loop;
	(void)revents;
	switch (c->state) {
	case CONN_HANDSHAKE:
		log_info("#%" PRIu64 " peer=%s handshake timeout", c->id,
		    c->peer);
		conn_free(c);
		return;
	case CONN_CONNECTING:
		snprintf(why, sizeof(why), "connect to %s: timed out",
		    c->be.peer);
		conn_http_error(c, 502, why, NULL);
		break;
	case CONN_OPEN:
		open_timeout(c);
		break;
	case CONN_CLOSING:
	case CONN_HTTP_ERROR:
	case CONN_HTTP_RESPONSE:
	case CONN_LINGER:
		log_debug("#%" PRIu64 " close timeout", c->id);
		conn_free(c);
		return;
	}
	conn_step(c);
}

static void
update_watchers(struct conn *c)
{
	struct ev_loop *loop = c->srv->loop;
	bool rd = false, wr, brd = false, bwr = false, blocked;

	if (c->client == CLIENT_OPEN && !conn_client_gone(c)) {
		switch (c->state) {
		case CONN_HANDSHAKE:
		case CONN_OPEN:
		case CONN_CLOSING:
			rd = c->br.end[BRIDGE_CLIENT] == END_OPEN &&
			    buf_space(&c->rx) > 0;
			break;
		case CONN_LINGER:
			rd = true;
			break;
		case CONN_CONNECTING:
		case CONN_HTTP_ERROR:
		case CONN_HTTP_RESPONSE:
			break;
		}
	}
	blocked = c->client == CLIENT_OPEN &&
	    (c->state == CONN_OPEN || c->state == CONN_CLOSING) &&
	    c->br.end[BRIDGE_CLIENT] == END_OPEN && buf_space(&c->rx) == 0;
	if (blocked != c->client_blocked) {
		c->client_blocked = blocked;
		if (blocked && c->state == CONN_OPEN)
			open_timer(c);
	}
	wr = conn_has_output(c);
	/* TLS may need the other direction's readiness to make progress. */
	if (!conn_client_gone(c)) {
		if (wr && c->write_wants_read) {
			wr = false;
			rd = true;
		}
		if (c->read_wants_write && rd)
			wr = true;
	}
	/* Input OpenSSL already holds gets no readiness event: make one. */
	if (rd && c->t.read_pending)
		ev_feed_event(loop, &c->crio, EV_READ);
	if (rd != (ev_is_active(&c->crio) != 0)) {
		if (rd)
			ev_io_start(loop, &c->crio);
		else
			ev_io_stop(loop, &c->crio);
	}
	if (wr != (ev_is_active(&c->cwio) != 0)) {
		if (wr)
			ev_io_start(loop, &c->cwio);
		else
			ev_io_stop(loop, &c->cwio);
	}
	if (bridge_is_live(&c->br, BRIDGE_BACKEND)) {
		/* Read to be dropped only what nobody else would read. */
		brd = bridge_wants_read(&c->br, BRIDGE_BACKEND) &&
		    ((c->state == CONN_OPEN && !c->tty_paused) ||
		    (backend_discarding(c) && !c->be.keep_input));
		/* Parsed client bytes waiting for room (inflated data can
		 * outgrow the buffer with no new client read to come): the
		 * backend turning writable is the next chance. */
		bwr = bridge_wants_write(&c->br, BRIDGE_BACKEND) ||
		    (c->rx_wants_backend && !pipe_is_shut(&c->br.up));
		c->be.ops->want(&c->be, brd, bwr);
	}
}

/*
 * What the bridge says is due: EOF to the backend once the client's bytes
 * are all in, the backend closed once done with.  The client side goes by
 * its close handshake (conn_step()).  Returns false when c is freed.
 */
static bool
bridge_actions(struct conn *c)
{
	enum bridge_side side;

	for (;;) {
		switch (bridge_next(&c->br, &side)) {
		case BRIDGE_IDLE:
			return (true);
		case BRIDGE_SEND_EOF:
			/* The client's: our close frame follows the drained
			 * bytes (conn_ws.c). */
			if (side == BRIDGE_BACKEND) {
				log_debug("#%" PRIu64 " backend %s: sending "
				    "EOF", c->id, c->be.peer);
				c->be.ops->shutdown_write(&c->be);
			}
			break;
		case BRIDGE_CLOSE:
			/* A socket is read to EOF so it is not reset under
			 * the peer; a program is left to the orphan reaper
			 * once the client is gone. */
			if (side == BRIDGE_BACKEND)
				close_backend(c);
			break;
		case BRIDGE_DONE:
			conn_free(c);
			return (false);
		}
	}
}

/* One pass of work after any event; may free c. */
static void
conn_step(struct conn *c)
{
	enum rx_result rr = RX_MORE;

	if (c->state == CONN_HANDSHAKE && c->client == CLIENT_OPEN &&
	    !conn_client_gone(c) && !c->proxy_pending)
		conn_try_handshake(c);
	if (c->state == CONN_OPEN || c->state == CONN_CLOSING)
		rr = conn_process_rx(c);
	conn_flush_backend(c);
	conn_flush_client(c);
	if ((c->client == CLIENT_EOF && rr != RX_BLOCKED) ||
	    c->client == CLIENT_GONE)
		conn_client_finish(c);

	/* A file answer is out: the next request, or the end. */
	if (c->state == CONN_HTTP_RESPONSE && !conn_client_gone(c) &&
	    !conn_has_output(c)) {
		conn_file_close(c);
		if (c->keep_alive) {
			conn_enter(c, CONN_HANDSHAKE,
			    c->snap->cfg->handshake_timeout);
			if (buf_len(&c->rx) > 0) {
				/* A pipelined request is already here. */
				conn_step(c);
				return;
			}
		} else {
			transport_shutdown(&c->t);
			conn_enter(c, CONN_LINGER, c->snap->cfg->close_timeout);
		}
	}
	if (!bridge_actions(c))
		return;
	/* Our close is out and no more input is wanted: close politely. */
	if (!conn_client_gone(c) && (c->state == CONN_CLOSING ||
	    c->state == CONN_HTTP_ERROR) && !conn_has_output(c) &&
	    (c->state == CONN_HTTP_ERROR || (c->close_queued &&
	    c->br.end[BRIDGE_CLIENT] != END_OPEN))) {
		log_debug("#%" PRIu64 " client: write side shut down, "
		    "waiting for its EOF", c->id);
		transport_shutdown(&c->t);
		conn_enter(c, CONN_LINGER, CONN_TIMER_KEEP);
	}
	if (!bridge_actions(c))
		return;
	if (buf_len(&c->br.up.buf) == 0)
		buf_release(&c->br.up.buf);
	if (buf_len(&c->br.down.buf) == 0)
		buf_release(&c->br.down.buf);
	if (buf_len(&c->rx) == 0)
		buf_release(&c->rx);
	if (buf_len(&c->wire) == 0)
		buf_release(&c->wire);
	update_watchers(c);
}

static void
conn_free(struct conn *c)
{
	struct server *srv = c->srv;
	struct ev_loop *loop = srv->loop;

	if (c->logged_open)
		log_info("#%" PRIu64 " close peer=%s path=%s backend=%s "
		    "rx=%" PRIu64 " tx=%" PRIu64 " time=%.3fs code=%u by=%s "
		    "reason=%s", c->id, c->peer, c->path, c->be.peer,
		    c->rx_bytes, c->tx_bytes, ev_now(loop) - c->started,
		    c->close_code != 0 ? c->close_code : WS_CLOSE_ABNORMAL,
		    c->closed_by != NULL ? c->closed_by : "server",
		    c->close_reason[0] != '\0' ? c->close_reason : "-");
	ev_io_stop(loop, &c->crio);
	ev_io_stop(loop, &c->cwio);
	ev_timer_stop(loop, &c->timer);
	conn_client_close(c);
	c->be.ops->close(&c->be);
	conn_file_close(c);
	conn_auth_abandon(c);
	if (c->pmd != NULL) {
		pmd_inflate_end(&c->pmd->inf);
		pmd_deflate_end(&c->pmd->def);
		free(c->pmd);
	}
	if (c->own_target != NULL) {
		config_free_target(c->own_target);
		free(c->own_target);
	}
	buf_free(&c->rx);
	buf_free(&c->br.up.buf);
	buf_free(&c->br.down.buf);
	buf_free(&c->wire);
	buf_free(&c->proxybuf);
	free(c->out_scratch);
	free(c->reply);
	/* Last: c->user and the log above read from it. */
	snapshot_release(c->snap);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->counted)
		srv->nactive--;
	quota_conn_release(srv->quota, &c->lim);
	if (c->refused)
		srv->nrefused--;
	c->magic = 0;
	free(c);
	srv->nconns--;
	server_conn_gone(srv);
}

struct conn *
conn_new(struct server *srv, int fd, const struct sockaddr *sa, bool tls,
    bool proxy, const struct quota_ticket *lim, const char *refuse)
{
	const struct config *cfg;
	struct quota_ticket own = *lim;
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		fdbudget_give(&srv->fds, 1);
		quota_conn_release(srv->quota, &own);
		return (NULL);
	}
	/* What it reads of the configuration is what it was accepted with,
	 * whatever a reload does meanwhile. */
	c->snap = snapshot_hold(server_snapshot(srv));
	cfg = c->snap->cfg;
	if (tls) {
		if (transport_tls(&c->t, fd, c->snap->tls_ctx) == -1) {
			/* It closed fd. */
			fdbudget_give(&srv->fds, 1);
			snapshot_release(c->snap);
			free(c);
			quota_conn_release(srv->quota, &own);
			return (NULL);
		}
	} else
		transport_plain(&c->t, fd);
	c->tls = tls;
	c->proxy_pending = proxy;
	buf_init(&c->proxybuf, PROXY_V2_MAX);
	c->magic = CONN_MAGIC;
	c->srv = srv;
	c->id = ++srv->next_id;
	conn_enter(c, CONN_HANDSHAKE, CONN_TIMER_KEEP);
	c->file_fd = -1;
	c->auth_done = conn_on_auth_result;
	http_scan_init(&c->head_scan);
	ev_io_init(&c->crio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->cwio, client_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, timer_cb);
	backend_init(&c->be, srv->loop, &srv->fds,
	    backend_ops_for(&cfg->connect), conn_on_backend_event, c);
	buf_init(&c->rx, cfg->max_header > CONN_RX_SIZE ? cfg->max_header :
	    CONN_RX_SIZE);
	bridge_init(&c->br, CONN_TOBE_SIZE, CONN_FROMBE_SIZE);
	buf_init(&c->wire, CONN_WIRE_SIZE);
	c->lines = cfg->connect.lines;
	memcpy(&c->peer_sa, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_un));
	conn_set_peer(c, sa);
	snprintf(c->path, sizeof(c->path), "-");
	c->started = ev_now(srv->loop);
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	c->lim = own;
	if (refuse != NULL) {
		/* The 503 goes out as soon as the socket is writable. */
		c->refused = true;
		srv->nrefused++;
		conn_refuse(c, refuse);
	} else
		conn_set_timer(c, cfg->handshake_timeout);
	update_watchers(c);
	return (c);
}

void
conn_shutdown(struct conn *c)
{
	conn_check(c);
	switch (c->state) {
	case CONN_OPEN:
		conn_begin_close(c, WS_CLOSE_GOING_AWAY, "server shutting down",
		    false, "server");
		conn_step(c);
		break;
	case CONN_CLOSING:
	case CONN_LINGER:
		break;		/* already on its way out */
	default:
		conn_free(c);
	}
}

void
conn_abort(struct conn *c)
{
	conn_free(conn_check(c));
}
