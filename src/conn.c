/*
 * conn.c - the per-connection state machine.  It alone starts and stops a
 * connection's watchers; it reads the request, asks the backend to connect,
 * answers 101 and then moves payload both ways through bounded buffers,
 * reading a side only while the buffer it fills has room.  Every way out goes
 * through conn_free(), which logs the connection once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "auth.h"
#include "conn.h"
#include "netaddr.h"
#include "origin.h"
#include "tokenfile.h"
#include "proxy.h"
#include "static.h"
#include "tls.h"
#include "utf8.h"
#include "log.h"
#include "server.h"

#define CONN_OF(ptr, field)						\
	conn_check((struct conn *)(void *)((char *)(ptr) -		\
	    offsetof(struct conn, field)))

#define MAX_HEADERS	100
#define RESPONSE_TIMEOUT 60.	/* seconds without progress on a file */
#define STALL_CHECK	1.	/* look at an unread client this often */
/* Room kept in wire so a pong and our close always fit. */
#define WIRE_RESERVE	(2 * (WS_CONTROL_MAX + 4))

enum rx_result {
	RX_MORE,		/* all parsed: waiting for bytes */
	RX_BLOCKED,		/* stopped: the output side is full */
	RX_DONE			/* no more client input is wanted */
};

static void	conn_step(struct conn *);
static void	on_backend_event(struct backend *, enum backend_event);
static void	conn_free(struct conn *);
static void	open_timer(struct conn *);
static bool	compress_frame(struct conn *, const uint8_t *, size_t);

static struct conn *
conn_check(struct conn *c)
{
	assert(c->magic == CONN_MAGIC);
	return (c);
}

static void
set_timer(struct conn *c, double secs)
{
	ev_timer_stop(c->srv->loop, &c->timer);
	ev_timer_set(&c->timer, secs, 0.);
	ev_timer_start(c->srv->loop, &c->timer);
}

static void
set_peer(struct conn *c, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, c->peer_addr,
		    sizeof(c->peer_addr));
		snprintf(c->peer_port, sizeof(c->peer_port), "%u",
		    ntohs(sin->sin_port));
		snprintf(c->peer, sizeof(c->peer), "%s:%s", c->peer_addr,
		    c->peer_port);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, c->peer_addr,
		    sizeof(c->peer_addr));
		snprintf(c->peer_port, sizeof(c->peer_port), "%u",
		    ntohs(sin6->sin6_port));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%s", c->peer_addr,
		    c->peer_port);
	} else {
		snprintf(c->peer_addr, sizeof(c->peer_addr), "local");
		snprintf(c->peer, sizeof(c->peer), "local");
	}
}

/* Copy a request path for the log: printable ASCII only, cut if long. */
static void
copy_path(char *out, size_t outlen, const char *p, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outlen; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch > 0x20 && ch < 0x7f && ch != '%' && ch != '"')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X",
			    ch);
	}
	if (i < len && outlen > 4)
		memcpy(out + (o < outlen - 4 ? o : outlen - 4), "...",
		    4);
	else
		out[o] = '\0';
}

/*
 * Refuse the request with an HTTP error, then linger so the reply is not
 * lost to a reset.
 */
static void
http_reply(struct conn *c, int status, const char *why, const char *extra,
    bool log)
{
	char reply[1024];
	int n;

	if (log)
		log_warnx("#%" PRIu64 " peer=%s %d %s: %s", c->id, c->peer,
		    status, http_reason(status), why);
	c->be.ops->close(&c->be);
	buf_free(&c->rx);
	buf_free(&c->wire);
	free(c->reply);
	c->reply = NULL;
	n = handshake_error(reply, sizeof(reply), status, extra, NULL);
	if (n > 0)
		buf_append(&c->wire, reply, (size_t)n);
	c->state = CONN_HTTP_ERROR;
	set_timer(c, c->srv->cfg->close_timeout);
}

static void
http_error(struct conn *c, int status, const char *why, const char *extra)
{
	http_reply(c, status, why, extra, true);
}

/* A limit refuses the upgrade: 503, logged at most once a second. */
static void
limit_refuse(struct conn *c, const char *why)
{
	struct server *srv = c->srv;
	ev_tstamp now = ev_now(srv->loop);

	if (now - srv->limit_logged >= 1.) {
		if (srv->limit_suppressed > 0)
			log_warnx("%u more connection(s) refused by limits",
			    srv->limit_suppressed);
		srv->limit_logged = now;
		srv->limit_suppressed = 0;
		http_reply(c, 503, why, "Retry-After: 1\r\n", true);
	} else {
		srv->limit_suppressed++;
		http_reply(c, 503, why, "Retry-After: 1\r\n", false);
	}
}

/* --max-connections and --max-connections-per-ip; 0 when within them. */
static const char *
over_limit(struct conn *c)
{
	const struct config *cfg = c->srv->cfg;
	struct conn *o;
	unsigned n = 0;

	if (cfg->max_conns > 0 && c->srv->nactive >= cfg->max_conns)
		return ("--max-connections reached");
	if (cfg->max_conns_ip == 0)
		return (NULL);
	for (o = c->srv->conns; o != NULL; o = o->next)
		if (o->counted && strcmp(o->peer_addr, c->peer_addr) == 0)
			n++;
	return (n >= cfg->max_conns_ip ?
	    "--max-connections-per-ip reached" : NULL);
}

/* Behind a trusted proxy the client's address is the one it reports. */
static void
front_door_peer(struct conn *c, const struct http_request *req)
{
	struct server *srv = c->srv;
	char addr[NETADDR_STRLEN];
	size_t i;
	int h;

	for (i = 0; i < srv->ntrusted; i++)
		if (netaddr_cidr_match(&srv->trusted[i],
		    (struct sockaddr *)&c->peer_sa))
			break;
	if (i == srv->ntrusted)
		return;
	/* X-Forwarded-For first: what nginx and HAProxy append to; a
	 * Forwarded header only when there is none (a proxy that only
	 * appends to one of them passes the client's other one along). */
	if (netaddr_xff(req, addr, sizeof(addr)) == -1 &&
	    netaddr_forwarded(req, addr, sizeof(addr)) == -1)
		return;
	/* TLS ended at the proxy: the browser's Origin says https. */
	if ((h = http_find_header(req, "X-Forwarded-Proto", 0)) >= 0 &&
	    http_token_eq(req->headers[h].value, req->headers[h].value_len,
	    "https"))
		c->forwarded_tls = true;
	log_debug("#%" PRIu64 " peer=%s forwarded for %s", c->id, c->peer,
	    addr);
	snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", addr);
	snprintf(c->peer_port, sizeof(c->peer_port), "0");
	snprintf(c->peer, sizeof(c->peer), strchr(addr, ':') != NULL ?
	    "[%s]" : "%s", addr);
}

/*
 * --origin and --same-origin; NULL when the Origin may connect.  A request
 * without Origin comes from no browser, so no other site can have made it.
 */
static const char *
front_door_origin(struct conn *c, const struct handshake *hs)
{
	const struct config *cfg = c->srv->cfg;
	size_t n = 0;

	if ((cfg->origins == NULL && !cfg->same_origin) || hs->origin == NULL)
		return (NULL);
	while (cfg->origins != NULL && cfg->origins[n] != NULL)
		n++;
	if (n > 0 && origin_allowed(hs->origin, hs->origin_len,
	    (const char *const *)cfg->origins, n))
		return (NULL);
	if (cfg->same_origin && origin_same(hs->origin, hs->origin_len,
	    hs->host, hs->host_len, c->tls || c->forwarded_tls))
		return (NULL);
	return ("Origin not allowed");
}

/* The token of a request: ?token=, else the path's last segment. */
static bool
request_token(const struct handshake *hs, char *out, size_t len)
{
	const char *seg;
	size_t n;

	if (hs->query != NULL &&
	    tokens_from_query(hs->query, hs->query_len, out, len) == 0)
		return (true);
	seg = hs->path + hs->path_len;
	while (seg > hs->path && seg[-1] != '/')
		seg--;
	n = (size_t)(hs->path + hs->path_len - seg);
	if (n == 0 || n >= len)
		return (false);
	memcpy(out, seg, n);
	out[n] = '\0';
	return (true);
}

/* Where this upgrade goes: --route, --token-file or the default. */
static const struct target *
front_door_target(struct conn *c, const struct handshake *hs)
{
	const struct config *cfg = c->srv->cfg;
	const struct target *t = config_route(cfg, hs->path, hs->path_len);
	const char *dest;
	char token[256], err[200];

	if (c->srv->tokens == NULL || (t != NULL && t != &cfg->connect))
		return (t);
	if (!request_token(hs, token, sizeof(token)) ||
	    (dest = tokenfile_lookup(c->srv->tokens, ev_now(c->srv->loop),
	    token, strlen(token))) == NULL)
		return (t);
	if ((c->own_target = calloc(1, sizeof(*c->own_target))) == NULL ||
	    config_parse_target(dest, false, c->own_target, err,
	    sizeof(err)) == -1) {
		log_warnx("#%" PRIu64 " token target '%s': %s", c->id, dest,
		    c->own_target != NULL ? err : "out of memory");
		return (NULL);
	}
	return (c->own_target);
}

/*
 * permessage-deflate when the client offers it and --deflate allows; ext
 * gets the answer's header line (or ""). Not with the base64 subprotocol,
 * whose text is decoded as it streams.  -1 when memory is short.
 */
static int
negotiate_deflate(struct conn *c, const struct http_request *req, char *ext,
    size_t extlen)
{
	const struct config *cfg = c->srv->cfg;
	struct pmd_config pc = { cfg->deflate, cfg->deflate_level, 15, false };
	struct pmd_params params;
	char answer[PMD_ANSWER_MAX];

	ext[0] = '\0';
	if (!cfg->deflate || c->proto == HS_PROTO_BASE64 ||
	    pmd_negotiate(req, &pc, &params, answer, sizeof(answer)) != 1)
		return (0);
	if ((c->pmd = calloc(1, sizeof(*c->pmd))) == NULL)
		return (-1);
	c->pmd->params = params;
	/* zlib state is allocated by the first message that needs it. */
	if (pmd_inflate_init(&c->pmd->inf, params.client_window_bits,
	    params.client_no_context_takeover) != 0 ||
	    pmd_deflate_init(&c->pmd->def, cfg->deflate_level,
	    params.server_window_bits, params.server_no_context_takeover) !=
	    0) {
		free(c->pmd);
		c->pmd = NULL;
		return (-1);
	}
	c->msg.parser.rsv1_ok = true;
	snprintf(ext, extlen, "Sec-WebSocket-Extensions: %s\r\n", answer);
	return (0);
}

/* Extra header lines for an answer: --header's, then the answer's own. */
static const char *
extra_headers(struct conn *c, char *buf, size_t len, const char *own)
{
	const char *user = c->srv->cfg->headers;

	if (user == NULL)
		return (own);
	snprintf(buf, len, "%s%s", user, own != NULL ? own : "");
	return (buf);
}

static void
reply_status(struct conn *c, int status, const char *why, const char *own)
{
	char extra[2048];

	http_error(c, status, why, extra_headers(c, extra, sizeof(extra),
	    own));
}

/* The request path: the target up to '?', for plain requests. */
static size_t
target_path_len(const struct http_request *req)
{
	const char *q = memchr(req->target, '?', req->target_len);

	return (q != NULL ? (size_t)(q - req->target) : req->target_len);
}

static const char help_text[] =
    "wsbridge " WSB_VERSION ": this address is a WebSocket endpoint.\n"
    "Connect to it with a WebSocket client (ws:// or wss://); see\n"
    "wsbridge(1) for what it bridges to.\n";

/* A request without Upgrade: a static file, the help text, or an error. */
static void
serve_plain(struct conn *c, const struct http_request *req, size_t headlen)
{
	const struct config *cfg = c->srv->cfg;
	struct static_file f;
	char head[2048], extra[1024], location[1024];
	const char *own;
	bool head_only;
	size_t plen = target_path_len(req);
	int n, status;

	head_only = http_token_eq(req->method, req->method_len, "HEAD");
	if (!head_only && !http_token_eq(req->method, req->method_len,
	    "GET")) {
		reply_status(c, 405, "method not allowed", "Allow: GET, HEAD\r\n");
		return;
	}
	if (cfg->static_dir == NULL) {
		if (plen == 1 && req->target[0] == '/') {
			buf_free(&c->rx);
			n = handshake_error(head, sizeof(head), 200,
			    extra_headers(c, extra, sizeof(extra), NULL),
			    help_text);
			if (n > 0)
				buf_append(&c->wire, head, (size_t)n);
			c->state = CONN_HTTP_ERROR;
			set_timer(c, cfg->close_timeout);
			return;
		}
		reply_status(c, 426, "not a WebSocket upgrade request",
		    "Upgrade: websocket\r\n");
		return;
	}
	status = static_open(c->srv->static_root, req->target, plen, &f,
	    location, sizeof(location));
	if (status == 301) {
		snprintf(extra, sizeof(extra), "Location: %.900s\r\n",
		    location);
		reply_status(c, 301, "moved", extra);
		return;
	}
	if (status != 0) {
		reply_status(c, status, status == 404 ? "no such file" :
		    "forbidden", NULL);
		return;
	}
	own = extra_headers(c, extra, sizeof(extra), NULL);
	n = static_head(head, sizeof(head), req, &f, c->keep_alive, own,
	    &status);
	if (n < 0) {
		close(f.fd);
		reply_status(c, 500, "answer too large", NULL);
		return;
	}
	buf_consume(&c->rx, headlen);
	buf_append(&c->wire, head, (size_t)n);
	log_info("#%" PRIu64 " peer=%s%s%s %s %s %d %lld", c->id, c->peer,
	    c->user != NULL ? " user=" : "", c->user != NULL ? c->user : "",
	    head_only ? "HEAD" : "GET", c->path, status,
	    head_only || status == 304 ? 0LL : (long long)f.size);
	if (head_only || status == 304 || f.size == 0)
		close(f.fd);
	else {
		c->file_fd = f.fd;
		c->file_off = 0;
		c->file_left = f.size;
	}
	c->state = CONN_HTTP_RESPONSE;
	set_timer(c, RESPONSE_TIMEOUT);
}

static void
try_handshake(struct conn *c)
{
	const struct config *cfg = c->srv->cfg;
	struct http_header hdrs[MAX_HEADERS];
	struct http_request req;
	struct handshake hs;
	struct backend_req breq;
	const struct target *target;
	char dn[256], extra[1024], ext[PMD_ANSWER_MAX + 40];
	const char *why;
	char reply[1536];
	int r, n, status;

	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	r = http_parse_request((const char *)buf_data(&c->rx),
	    buf_len(&c->rx), &req, MAX_HEADERS);
	if (r == HTTP_INCOMPLETE) {
		if (buf_len(&c->rx) >= cfg->max_header)
			http_error(c, 431, "request head too large", NULL);
		return;
	}
	if (r < 0) {
		http_error(c, -r, r == -431 ? "too many header fields" :
		    "malformed request", NULL);
		return;
	}
	if ((size_t)r > cfg->max_header) {
		http_error(c, 431, "request head too large", NULL);
		return;
	}
	copy_path(c->path, sizeof(c->path), req.target, req.target_len);
	c->keep_alive = req.minor_version >= 1 ?
	    !http_list_has(&req, "Connection", "close") :
	    http_list_has(&req, "Connection", "keep-alive");
	front_door_peer(c, &req);
	if (c->srv->auth != NULL) {
		if ((c->user = auth_check(c->srv->auth, &req)) == NULL) {
			reply_status(c, 401, "authentication required",
			    "WWW-Authenticate: Basic realm=\"wsbridge\", "
			    "charset=\"UTF-8\"\r\n");
			return;
		}
	}
	/* No Upgrade header at all: a plain request (an Upgrade to
	 * something else is a bad upgrade: handshake_check says 400). */
	if (!handshake_is_upgrade(&req) &&
	    http_find_header(&req, "Upgrade", 0) < 0) {
		serve_plain(c, &req, (size_t)r);
		return;
	}
	if ((status = handshake_check(&req, &hs, &why)) != 0) {
		reply_status(c, status, why, status == 405 ?
		    "Allow: GET\r\n" : NULL);
		return;
	}
	copy_path(c->path, sizeof(c->path), hs.path, hs.path_len);
	if ((why = front_door_origin(c, &hs)) != NULL) {
		reply_status(c, 403, why, NULL);
		return;
	}
	if ((target = front_door_target(c, &hs)) == NULL) {
		reply_status(c, 404, "no route for this path", NULL);
		return;
	}
	c->proto = hs.subproto;
	if (negotiate_deflate(c, &req, ext, sizeof(ext)) == -1) {
		http_error(c, 500, "out of memory", NULL);
		return;
	}
	if ((n = handshake_response(reply, sizeof(reply), &hs,
	    extra_headers(c, extra, sizeof(extra), ext))) < 0 ||
	    (c->reply = strndup(reply, (size_t)n)) == NULL) {
		http_error(c, 500, "out of memory", NULL);
		return;
	}
	if ((why = over_limit(c)) != NULL) {
		limit_refuse(c, why);
		return;
	}
	memset(&breq, 0, sizeof(breq));
	breq.req = &req;
	breq.hs = &hs;
	breq.peer_addr = c->peer_addr;
	breq.peer_port = c->peer_port;
	breq.remote_user = c->user;
	breq.conn_id = c->id;
	breq.tls = c->tls;
	if (c->tls && transport_tls_peer(&c->t, dn, sizeof(dn)) == 0) {
		breq.client_dn = dn;
		log_info("#%" PRIu64 " client certificate: %s", c->id, dn);
	}
	c->lines = target->lines;
	backend_init(&c->be, c->srv->loop, backend_ops_for(target),
	    on_backend_event, c);
	/* The request is still in rx: the backend reads it during open. */
	if (c->be.ops->open(&c->be, target, &breq) == -1) {
		reply_status(c, c->be.fail_status, c->be.error, NULL);
		return;
	}
	/* What follows the head is WebSocket data: it stays in rx. */
	buf_consume(&c->rx, (size_t)r);
	c->counted = true;
	c->srv->nactive++;
	c->state = CONN_CONNECTING;
	set_timer(c, cfg->connect_timeout);
}

/* Backend bytes will not reach the client: keep the frame under way. */
static void
drop_frombe(struct conn *c)
{
	size_t keep;

	c->drain_frombe = false;
	keep = c->out_hdr_len > 0 && c->out_scratch == NULL ?
	    c->out_pl_left + c->out_skip : 0;
	c->frombe.len = keep;
	if (keep == 0)
		buf_free(&c->frombe);
}

/*
 * Start the close handshake: our close frame goes out after the frame being
 * written, and, with drain, after what the backend already sent.
 */
static void
begin_close(struct conn *c, uint16_t code, const char *reason, bool drain,
    const char *by)
{

	if (c->close_queued || c->client_done || c->state == CONN_CLOSING)
		return;
	c->state = CONN_CLOSING;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	if (c->closed_by == NULL)
		c->closed_by = by;
	c->drain_frombe = drain;
	if (!drain)
		drop_frombe(c);
	set_timer(c, c->srv->cfg->close_timeout);
}

static void
protocol_error(struct conn *c, uint16_t code, const char *reason)
{
	log_debug("#%" PRIu64 " protocol error: %s", c->id, reason);
	c->client_input_done = true;
	buf_free(&c->rx);
	if (c->state == CONN_CLOSING && c->close_code == 0)
		c->close_code = code;
	begin_close(c, code, reason, false, "server");
}

static void
close_backend(struct conn *c)
{
	c->be.ops->close(&c->be);
	c->backend_open = false;
	buf_free(&c->tobe);
}

static void
backend_io_error(struct conn *c, const char *what, int err)
{
	log_warnx("#%" PRIu64 " backend %s: %s: %s", c->id, c->be.peer, what,
	    strerror(err));
	close_backend(c);
	begin_close(c, WS_CLOSE_INTERNAL, "backend error", true, "backend");
}

/* The client side is finished: its socket is closed, its output dropped. */
static void
client_finish(struct conn *c)
{
	ev_io_stop(c->srv->loop, &c->crio);
	ev_io_stop(c->srv->loop, &c->cwio);
	transport_close(&c->t);
	c->client_done = true;
	c->client_input_done = true;
	buf_free(&c->rx);
	buf_free(&c->frombe);
	buf_free(&c->wire);
	free(c->out_scratch);
	c->out_scratch = NULL;
	c->out_hdr_len = 0;
	if (c->closed_by == NULL) {
		/* Gone without a close frame. */
		c->closed_by = "client";
		c->close_code = WS_CLOSE_ABNORMAL;
	}
	if (c->state == CONN_OPEN) {
		c->state = CONN_CLOSING;
		/* Bound the time the backend gets to take the rest. */
		set_timer(c, c->srv->cfg->close_timeout);
	}
}

static void
queue_control(struct conn *c, uint8_t opcode, const uint8_t *data,
    size_t len)
{
	uint8_t hdr[WS_HEADER_MAX];
	size_t n;

	n = ws_frame_header(hdr, opcode, true, false, len, NULL);
	/* process_rx() keeps WIRE_RESERVE free, so both fit. */
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

static void
client_close_received(struct conn *c, const struct ws_msg_ev *ev)
{
	c->close_received = true;
	c->client_input_done = true;
	if (!c->close_queued && c->state != CONN_CLOSING) {
		begin_close(c, ev->code, "", false, "client");
		/* 1005 means "no code": the echo has an empty payload. */
		c->echo_empty = ev->code == WS_CLOSE_NO_STATUS;
		snprintf(c->close_reason, sizeof(c->close_reason), "%.*s",
		    (int)ev->reason_len, ev->reason);
	} else if (!c->close_queued)
		drop_frombe(c);	/* no point finishing the drain */
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
			protocol_error(c, r == PMD_ERR_NOMEM ?
			    WS_CLOSE_INTERNAL : WS_CLOSE_BAD_DATA,
			    r == PMD_ERR_NOMEM ? "out of memory" :
			    "invalid compressed data");
			return (-1);
		}
		buf_consume(&c->rx, used);
		z->pending -= used;
		z->msg_len += made;
		if (max != 0 && z->msg_len > max) {
			protocol_error(c, WS_CLOSE_TOO_BIG, "message too big");
			return (-1);
		}
		if (z->text && utf8_feed(&z->utf8, p, made) != made) {
			protocol_error(c, WS_CLOSE_BAD_DATA,
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
				protocol_error(c, WS_CLOSE_BAD_DATA,
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
static enum rx_result
process_rx(struct conn *c)
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
			protocol_error(c, ev.code, ev.reason);
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
				protocol_error(c, WS_CLOSE_BAD_DATA,
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
				protocol_error(c, WS_CLOSE_BAD_DATA,
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
				queue_control(c, WS_OP_PONG, ev.data, ev.len);
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

static void
flush_backend(struct conn *c)
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

static bool
has_output(const struct conn *c)
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
	queue_control(c, WS_OP_CLOSE, payload, n);
	c->close_queued = true;
}

/*
 * Send more of a static file: sendfile(2) on plain sockets, through the
 * transport's buffer under TLS.  0 to go on, -1 to stop (blocked, failed).
 */
static int
send_file(struct conn *c)
{
	uint8_t chunk[16384];
	struct iovec iov = { NULL, 0 };
	ssize_t n;
	size_t want;

	if (c->tls) {
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
		client_finish(c);
		return (-1);
	}
	c->file_off += n;
	c->file_left -= n;
	/* A slow reader is cut only when it makes no progress at all. */
	set_timer(c, RESPONSE_TIMEOUT);
	return (0);
}

/* Write what is ready for the client: wire bytes, then data frames. */
static void
flush_client(struct conn *c)
{
	struct iovec iov[3];
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
			if (send_file(c) == -1)
				return;
			continue;
		}
		if (close_ready(c)) {
			queue_close(c);
			continue;
		}
		if (can_start_frame(c) && start_frame(c) == -1) {
			log_warnx("#%" PRIu64 " out of memory", c->id);
			client_finish(c);
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
	client_finish(c);
}

/* Is backend input thrown away (the client will not get it)? */
static bool
backend_discarding(const struct conn *c)
{
	return (c->client_done || c->close_queued ||
	    (c->state == CONN_CLOSING && !c->drain_frombe) ||
	    c->state == CONN_LINGER);
}

static void
backend_readable(struct conn *c)
{
	uint8_t sink[16384];
	uint8_t *p;
	size_t avail;
	ssize_t n;

	if (backend_discarding(c)) {
		n = c->be.ops->read(&c->be, sink, sizeof(sink));
	} else {
		if ((p = buf_reserve(&c->frombe, &avail)) == NULL ||
		    avail == 0)
			return;
		if ((n = c->be.ops->read(&c->be, p, avail)) > 0)
			buf_commit(&c->frombe, (size_t)n);
	}
	if (n > 0)
		return;
	if (n == 0) {
		c->backend_eof = true;
		begin_close(c, c->be.eof_code != 0 ? c->be.eof_code :
		    WS_CLOSE_NORMAL, c->be.eof_reason, true, "backend");
	} else if (errno != EAGAIN) {
		if (backend_discarding(c)) {
			close_backend(c);
			return;
		}
		backend_io_error(c, "read", errno);
	}
}

static void
on_backend_event(struct backend *b, enum backend_event ev)
{
	struct conn *c = conn_check(b->owner);

	switch (ev) {
	case BACKEND_CONNECTED:
		if (c->state != CONN_CONNECTING)
			break;
		ev_timer_stop(c->srv->loop, &c->timer);
		c->backend_open = true;
		c->state = CONN_OPEN;
		c->last_data = c->last_rx = ev_now(c->srv->loop);
		open_timer(c);
		buf_append(&c->wire, c->reply, strlen(c->reply));
		free(c->reply);
		c->reply = NULL;
		c->logged_open = true;
		log_info("#%" PRIu64 " open peer=%s%s%s path=%s backend=%s",
		    c->id, c->peer, c->user != NULL ? " user=" : "",
		    c->user != NULL ? c->user : "", c->path, c->be.peer);
		break;
	case BACKEND_FAILED:
		if (c->state == CONN_CONNECTING)
			http_error(c, 502, c->be.error, NULL);
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
 * The PROXY protocol header comes before anything else, TLS included, so
 * it is read from the socket itself: peeked, and consumed only as far as
 * it goes.  Returns 0 while it is being read (or done), -1 when it is bad.
 */
static int
read_proxy_header(struct conn *c)
{
	struct proxy_info info;
	uint8_t *p;
	size_t avail, have = buf_len(&c->proxybuf), take;
	ssize_t n;
	int r;

	if ((p = buf_reserve(&c->proxybuf, &avail)) == NULL || avail == 0)
		return (-1);
	do
		n = recv(c->t.fd, p, avail < 4096 ? avail : 4096, MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n == 0) {
		c->client_eof = true;
		return (0);
	}
	if (n < 0)
		return (errno == EAGAIN ? 0 : -1);
	r = proxy_parse(buf_data(&c->proxybuf), have + (size_t)n, &info);
	if (r < 0)
		return (-1);
	/* All peeked bytes are header bytes until it is complete. */
	take = r > 0 ? (size_t)r - have : (size_t)n;
	if (recv(c->t.fd, p, take, 0) != (ssize_t)take)
		return (-1);
	if (r == 0) {
		buf_commit(&c->proxybuf, take);
		return (0);
	}
	buf_free(&c->proxybuf);
	c->proxy_pending = false;
	if (!info.local)
		set_peer(c, (struct sockaddr *)&info.src);
	log_debug("#%" PRIu64 " PROXY header: client %s", c->id, c->peer);
	return (0);
}

static void
client_read(struct conn *c)
{
	uint8_t sink[16384], *p;
	size_t avail;
	ssize_t n;

	c->read_wants_write = false;
	if (c->proxy_pending) {
		if (read_proxy_header(c) == -1) {
			log_info("#%" PRIu64 " peer=%s bad PROXY protocol "
			    "header", c->id, c->peer);
			client_finish(c);
		}
		return;
	}
	if (c->state == CONN_LINGER) {
		n = transport_read(&c->t, sink, sizeof(sink));
		if (n == 0 || (n < 0 && errno != EAGAIN))
			client_finish(c);
		else if (n < 0)
			c->read_wants_write = c->t.want == TRANSPORT_WANT_WRITE;
		return;
	}
	if ((p = buf_reserve(&c->rx, &avail)) == NULL) {
		log_warnx("#%" PRIu64 " out of memory", c->id);
		client_finish(c);
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
	c->client_eof = true;
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
	const struct config *cfg = c->srv->cfg;
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
		set_timer(c, next > now ? next - now : 0.001);
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
	const struct config *cfg = c->srv->cfg;
	ev_tstamp now = ev_now(c->srv->loop);
	uint8_t payload[8];

	if (c->client_blocked) {
		if (client_vanished(c)) {
			log_debug("#%" PRIu64 " client went away while not "
			    "read", c->id);
			c->client_eof = true;
			c->client_gone = true;
			return;
		}
		/* Its FIN may wait behind the bytes we do not read; a ping
		 * to a closed socket brings back a reset we can see. */
		if (buf_len(&c->wire) == 0 && !c->close_queued)
			queue_control(c, WS_OP_PING, (const uint8_t *)"?", 1);
	}
	if (cfg->idle_timeout > 0 && now - c->last_data >=
	    cfg->idle_timeout) {
		begin_close(c, WS_CLOSE_GOING_AWAY, "idle timeout", false,
		    "server");
		return;
	}
	if (cfg->ping_interval > 0) {
		if (c->ping_sent != 0 && now - c->ping_sent >=
		    cfg->ping_interval) {
			log_info("#%" PRIu64 " no pong for %.1fs", c->id,
			    now - c->ping_sent);
			begin_close(c, WS_CLOSE_INTERNAL, "ping timeout",
			    false, "server");
			return;
		}
		if (c->ping_sent == 0 && now - c->last_rx >=
		    cfg->ping_interval &&
		    buf_space(&c->wire) >= WIRE_RESERVE) {
			memcpy(payload, &now, sizeof(payload));
			queue_control(c, WS_OP_PING, payload, sizeof(payload));
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
		http_error(c, 502, why, NULL);
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

	if (!c->client_done && !c->client_eof) {
		switch (c->state) {
		case CONN_HANDSHAKE:
		case CONN_OPEN:
		case CONN_CLOSING:
			rd = !c->client_input_done && buf_space(&c->rx) > 0;
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
	blocked = !c->client_done && !c->client_eof &&
	    (c->state == CONN_OPEN || c->state == CONN_CLOSING) &&
	    !c->client_input_done && buf_space(&c->rx) == 0;
	if (blocked != c->client_blocked) {
		c->client_blocked = blocked;
		if (blocked && c->state == CONN_OPEN)
			open_timer(c);
	}
	wr = has_output(c);
	/* TLS may need the other direction's readiness to make progress. */
	if (!c->client_done) {
		if (wr && c->write_wants_read) {
			wr = false;
			rd = true;
		}
		if (c->read_wants_write && rd)
			wr = true;
	}
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
	if (c->backend_open) {
		if (!c->backend_eof)
			brd = backend_discarding(c) ||
			    (c->state == CONN_OPEN &&
			    buf_space(&c->frombe) > 0);
		/* Parsed client bytes waiting for room (inflated data can
		 * outgrow the buffer with no new client read to come): the
		 * backend turning writable is the next chance. */
		bwr = !c->backend_shut && (buf_len(&c->tobe) > 0 ||
		    c->rx_wants_backend);
		c->be.ops->want(&c->be, brd, bwr);
	}
}

/* One pass of work after any event; may free c. */
static void
conn_step(struct conn *c)
{
	enum rx_result rr = RX_MORE;

	if (c->state == CONN_HANDSHAKE && !c->client_eof && !c->proxy_pending)
		try_handshake(c);
	if (c->state == CONN_OPEN || c->state == CONN_CLOSING)
		rr = process_rx(c);
	flush_backend(c);
	flush_client(c);
	if (c->client_eof && !c->client_done && (rr != RX_BLOCKED ||
	    c->client_gone))
		client_finish(c);

	/* A file answer is out: the next request, or the end. */
	if (c->state == CONN_HTTP_RESPONSE && !c->client_done &&
	    !has_output(c)) {
		if (c->file_fd != -1) {
			close(c->file_fd);
			c->file_fd = -1;
		}
		if (c->keep_alive) {
			c->state = CONN_HANDSHAKE;
			set_timer(c, c->srv->cfg->handshake_timeout);
			if (buf_len(&c->rx) > 0) {
				/* A pipelined request is already here. */
				conn_step(c);
				return;
			}
		} else {
			transport_shutdown(&c->t);
			c->state = CONN_LINGER;
			set_timer(c, c->srv->cfg->close_timeout);
		}
	}
	/* Our close is out and no more input is wanted: close politely. */
	if (!c->client_done && (c->state == CONN_CLOSING ||
	    c->state == CONN_HTTP_ERROR) && !has_output(c) &&
	    (c->state == CONN_HTTP_ERROR || (c->close_queued &&
	    c->client_input_done))) {
		transport_shutdown(&c->t);
		c->state = CONN_LINGER;
	}
	/* The client will send no more: the backend gets EOF once fed. */
	if (c->backend_open && !c->backend_shut && c->client_input_done &&
	    buf_len(&c->tobe) == 0) {
		c->be.ops->shutdown_write(&c->be);
		c->backend_shut = true;
	}
	/* A socket is read to EOF so it is not reset under the peer; a
	 * program is left to the orphan reaper once the client is gone. */
	if (c->backend_open && c->backend_shut && (c->backend_eof ||
	    (c->client_done && c->be.detachable)))
		close_backend(c);
	if (c->client_done && !c->backend_open) {
		conn_free(c);
		return;
	}
	if (buf_len(&c->tobe) == 0)
		buf_release(&c->tobe);
	if (buf_len(&c->frombe) == 0)
		buf_release(&c->frombe);
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
	transport_close(&c->t);
	c->be.ops->close(&c->be);
	if (c->file_fd != -1)
		close(c->file_fd);
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
	buf_free(&c->tobe);
	buf_free(&c->frombe);
	buf_free(&c->wire);
	buf_free(&c->proxybuf);
	free(c->out_scratch);
	free(c->reply);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	if (c->counted)
		srv->nactive--;
	c->magic = 0;
	free(c);
	srv->nconns--;
	server_conn_gone(srv);
}

struct conn *
conn_new(struct server *srv, int fd, const struct sockaddr *sa, bool tls,
    bool proxy)
{
	const struct config *cfg = srv->cfg;
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return (NULL);
	}
	if (tls) {
		if (transport_tls(&c->t, fd, srv->tls_ctx) == -1) {
			free(c);
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
	c->state = CONN_HANDSHAKE;
	c->file_fd = -1;
	ev_io_init(&c->crio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->cwio, client_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, timer_cb);
	backend_init(&c->be, srv->loop, backend_ops_for(&cfg->connect),
	    on_backend_event, c);
	buf_init(&c->rx, cfg->max_header > CONN_RX_SIZE ? cfg->max_header :
	    CONN_RX_SIZE);
	buf_init(&c->tobe, CONN_TOBE_SIZE);
	buf_init(&c->frombe, CONN_FROMBE_SIZE);
	buf_init(&c->wire, CONN_WIRE_SIZE);
	ws_msg_init(&c->msg, WS_SERVER, cfg->max_message);
	c->lines = cfg->connect.lines;
	memcpy(&c->peer_sa, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sa->sa_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_un));
	set_peer(c, sa);
	snprintf(c->path, sizeof(c->path), "-");
	c->started = ev_now(srv->loop);
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	set_timer(c, cfg->handshake_timeout);
	update_watchers(c);
	return (c);
}

void
conn_shutdown(struct conn *c)
{
	conn_check(c);
	switch (c->state) {
	case CONN_OPEN:
		begin_close(c, WS_CLOSE_GOING_AWAY, "server shutting down",
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
