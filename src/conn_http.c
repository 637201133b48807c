/*
 * conn_http.c - a connection's request phase: the PROXY header, the request
 * head and its checks (peer, auth, origin, route, limits, deflate offer), the
 * 101 answer or an HTTP error, and plain requests: help text, static files.
 * It starts no watcher: conn.c does, and its conn_set_timer() sets deadlines.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "auth.h"
#include "b64.h"
#include "conn.h"
#include "frontdoor.h"
#include "conntab.h"
#include "quota.h"
#include "netaddr.h"
#include "origin.h"
#include "snapshot.h"
#include "proxy.h"
#include "static.h"
#include "term_page.h"
#include "tls.h"
#include "log.h"
#include "server.h"
#include "conn_int.h"

#define MAX_HEADERS	100

/* Any answer, our 101 included, fits in wire with room for control frames. */
_Static_assert(ANSWER_MAX + WIRE_RESERVE <= CONN_WIRE_SIZE,
    "CONN_WIRE_SIZE cannot hold the longest answer");

void
conn_set_peer(struct conn *c, const struct sockaddr *sa)
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

/*
 * Refuse the request with an HTTP error, then linger so the reply is not
 * lost to a reset.  The answer is sent whole or not at all: one that does
 * not fit (which start-up checks rule out) loses its extra headers.
 */
static void
http_reply(struct conn *c, int status, const char *why, const char *extra,
    enum refusal_log level)
{
	char reply[ANSWER_MAX];
	const char *end;
	int n;

	static const char misdirected[] = "421 Misdirected Request: this "
	    "server does not answer to the name in Host (see --server-name "
	    "in wsbridge(1)).\n";

	if (level == REFUSE_WARN)
		log_warnx("#%" PRIu64 " peer=%s %d %s: %s", c->id, c->peer,
		    status, http_reason(status), why);
	else if (level == REFUSE_INFO)
		log_info("#%" PRIu64 " peer=%s %d %s: %s", c->id, c->peer,
		    status, http_reason(status), why);
	c->be.ops->close(&c->be);
	bridge_gone(&c->br, BRIDGE_BACKEND);
	buf_free(&c->rx);
	buf_free(&c->wire);
	free(c->reply);
	c->reply = NULL;
	/* A 421 says which option decides, to the user behind a proxy that
	 * sees only the answer. */
	if ((n = handshake_error(reply, sizeof(reply), status, extra,
	    status == 421 ? misdirected : NULL)) < 0) {
		log_warnx("#%" PRIu64 " %d answer too large: sent without "
		    "its extra headers", c->id, status);
		n = handshake_error(reply, sizeof(reply), status, NULL, NULL);
	}
	/* RFC 9110 §9.3.2: the head a GET would get, without the body. */
	if (n > 0 && c->head_only &&
	    (end = memmem(reply, (size_t)n, "\r\n\r\n", 4)) != NULL)
		n = (int)(end + 4 - reply);
	if (n > 0 && buf_append(&c->wire, reply, (size_t)n) == -1)
		log_warnx("#%" PRIu64 " %d answer dropped: no room", c->id,
		    status);
	conn_enter(c, CONN_HTTP_ERROR, c->snap->cfg->close_timeout);
}

void
conn_http_error(struct conn *c, int status, const char *why, const char *extra)
{
	http_reply(c, status, why, extra, REFUSE_WARN);
}

void
conn_refuse(struct conn *c, const char *why)
{
	struct server *srv = c->srv;
	const struct config *cfg = c->snap->cfg;
	ev_tstamp now = ev_now(srv->loop);
	char buf[160];

	why = quota_explain(why, cfg, c->peer_addr, buf, sizeof(buf));

	if (now - srv->limit_logged >= 1.) {
		if (srv->limit_suppressed > 0)
			log_warnx("%u more connection(s) refused by limits",
			    srv->limit_suppressed);
		srv->limit_logged = now;
		srv->limit_suppressed = 0;
		http_reply(c, 503, why, "Retry-After: 1\r\n", REFUSE_WARN);
	} else {
		srv->limit_suppressed++;
		http_reply(c, 503, why, "Retry-After: 1\r\n", REFUSE_QUIET);
	}
}

/* Is the socket's peer a --trust-proxy? */
static bool
trusted_peer(const struct conn *c)
{
	size_t i;

	for (i = 0; i < c->snap->gen->ntrusted; i++)
		if (netaddr_cidr_match(&c->snap->gen->trusted[i],
		    (const struct sockaddr *)&c->peer_sa))
			return (true);
	return (false);
}

/*
 * The connection is from addr (text) after all: counted there from now on
 * (--max-connections-per-ip).  NULL, or why it does not fit there.
 */
static const char *
count_under(struct conn *c, const char *addr)
{
	uint8_t key[CONNTAB_KEYLEN];

	if (conntab_key_text(addr, key) == -1)
		conntab_key_sockaddr((const struct sockaddr *)&c->peer_sa,
		    key);
	return (quota_conn_readdress(c->srv->quota, c->snap->cfg, key,
	    &c->lim));
}

/*
 * Behind a trusted proxy the client's address is the one it reports; the
 * connection is counted under it from now on.  NULL, or why that address
 * has no room for it.
 */
static const char *
front_door_peer(struct conn *c, const struct http_request *req)
{
	const struct snapshot *snap = c->snap;
	const struct config *cfg = snap->cfg;
	char addr[NETADDR_STRLEN];
	bool https = false;
	int h;

	if (!trusted_peer(c))
		return (NULL);
	/* One header family only: a client's own header of the other
	 * family passes the proxy untouched (nginx's real_ip_header). */
	if (netaddr_client(req, cfg->trust_forwarded ? NETADDR_FORWARDED :
	    NETADDR_XFF, snap->gen->trusted, snap->gen->ntrusted, addr,
	    sizeof(addr),
	    &https) == -1)
		return (count_under(c, c->peer_addr));
	/* TLS ended at the proxy: the browser's Origin says https. */
	if (cfg->trust_forwarded)
		c->forwarded_tls = https;
	else if ((h = http_find_header(req, "X-Forwarded-Proto", 0)) >= 0 &&
	    http_token_eq(req->headers[h].value, req->headers[h].value_len,
	    "https"))
		c->forwarded_tls = true;
	log_debug("#%" PRIu64 " peer=%s forwarded for %s", c->id, c->peer,
	    addr);
	snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", addr);
	snprintf(c->peer_port, sizeof(c->peer_port), "0");
	snprintf(c->peer, sizeof(c->peer), strchr(addr, ':') != NULL ?
	    "[%s]" : "%s", addr);
	return (count_under(c, addr));
}

/* Did the connection come in over loopback (to 127/8 or ::1)? */
static bool
reached_over_loopback(const struct conn *c)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const uint8_t *a;
	socklen_t len = sizeof(ss);

	if (getsockname(c->t.fd, (struct sockaddr *)&ss, &len) == -1)
		return (false);
	if (ss.ss_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)&ss;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	}
	if (ss.ss_family != AF_INET6)
		return (false);
	sin6 = (const struct sockaddr_in6 *)(const void *)&ss;
	a = sin6->sin6_addr.s6_addr;
	return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
	    (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127));
}

/* Where this upgrade goes: --route, --token-file or the default. */
static const struct target *
front_door_target(struct conn *c, const struct handshake *hs, char *why,
    size_t whylen)
{
	const struct config *cfg = c->snap->cfg;
	const struct target *t = frontdoor_route(cfg, hs->path, hs->path_len);
	const struct tokens *tokens = snapshot_tokens(c->snap);
	const char *dest;
	char token[256], err[200], shown[64];

	snprintf(why, whylen, "no route for this path: %s", c->path);
	if (tokens == NULL || (t != NULL && t != &cfg->connect))
		return (t);
	/* dest lives in the pinned snapshot; the target parsed from it is
	 * the connection's own. */
	if (!frontdoor_token(hs, token, sizeof(token)))
		return (t);
	if ((dest = tokens_lookup(tokens, token, strlen(token))) == NULL) {
		/* The path is fine: the token is what is wrong. */
		frontdoor_escape(shown, sizeof(shown), token, strlen(token));
		snprintf(why, whylen, "unknown token %s (path %s)", shown,
		    c->path);
		return (t);
	}
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
 * whose text is decoded as it streams, nor with a terminal's, whose
 * control messages are read as they come.  -1 when memory is short.
 */
static int
negotiate_deflate(struct conn *c, const struct http_request *req, char *ext,
    size_t extlen)
{
	const struct config *cfg = c->snap->cfg;
	struct pmd_config pc = { cfg->deflate, cfg->deflate_level, 15, false };
	struct pmd_params params;
	char answer[PMD_ANSWER_MAX];

	ext[0] = '\0';
	if (!cfg->deflate || c->proto == HS_PROTO_BASE64 ||
	    c->proto == HS_PROTO_TTY || c->proto == HS_PROTO_TTYD ||
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
	snprintf(ext, extlen, "Sec-WebSocket-Extensions: %s\r\n", answer);
	return (0);
}

/*
 * Every field called name, joined with ", " and quoted, for the debug log:
 * printable ASCII only, cut if long; "none" when there is none.
 */
static void
header_values(const struct http_request *req, const char *name, char *out,
    size_t outlen)
{
	const struct http_header *f;
	size_t i, o = 0, from = 0;
	int h;

	while ((h = http_find_header(req, name, from)) >= 0) {
		f = &req->headers[h];
		if (o + 8 >= outlen) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (o == 0)
			out[o++] = '"';
		else {
			out[o++] = ',';
			out[o++] = ' ';
		}
		for (i = 0; i < f->value_len && o + 5 < outlen; i++) {
			unsigned char ch = (unsigned char)f->value[i];

			out[o++] = ch >= 0x20 && ch < 0x7f && ch != '"' ?
			    (char)ch : '?';
		}
		if (i < f->value_len) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		from = (size_t)h + 1;
	}
	if (o == 0)
		snprintf(out, outlen, "none");
	else {
		out[o++] = '"';
		out[o] = '\0';
	}
}

/* The handshake's outcome, for the debug log: what was offered, agreed. */
static void
log_negotiated(const struct conn *c, const struct http_request *req,
    const char *ext)
{
	static const char prefix[] = "Sec-WebSocket-Extensions: ";
	char protos[256], exts[512];
	size_t n = strlen(ext);

	if (!log_enabled(LOG_DEBUG))
		return;
	header_values(req, "Sec-WebSocket-Protocol", protos, sizeof(protos));
	header_values(req, "Sec-WebSocket-Extensions", exts, sizeof(exts));
	/* ext is the answer's header line, CRLF included, or "". */
	if (n >= sizeof(prefix) + 1) {
		ext += sizeof(prefix) - 1;
		n -= sizeof(prefix) + 1;
	}
	log_debug("#%" PRIu64 " handshake: subprotocol=%s (offered %s), "
	    "extensions=%s%.*s%s (offered %s)", c->id,
	    c->proto == HS_PROTO_BINARY ? "binary" :
	    c->proto == HS_PROTO_BASE64 ? "base64" :
	    c->proto == HS_PROTO_TTY ? "wsbridge-tty" :
	    c->proto == HS_PROTO_TTYD ? "tty" : "none", protos,
	    n > 0 ? "\"" : "none", (int)n, ext, n > 0 ? "\"" : "", exts);
}

/*
 * Extra header lines for an answer into *out (NULL for none): --header's,
 * then the answer's own, in buf if need be.  -1 when they do not fit in len:
 * never cut short.
 */
static int
extra_headers(struct conn *c, char *buf, size_t len, const char *own,
    const char **out)
{
	const char *user = c->snap->cfg->headers;
	int n;

	*out = own;
	if (user == NULL)
		return (0);
	n = snprintf(buf, len, "%s%s", user, own != NULL ? own : "");
	if (n < 0 || (size_t)n >= len)
		return (-1);
	*out = buf;
	return (0);
}

static void
reply_status(struct conn *c, int status, const char *why, const char *own,
    enum refusal_log level)
{
	char extra[ANSWER_MAX];
	const char *e;

	if (extra_headers(c, extra, sizeof(extra), own, &e) == -1) {
		log_warnx("#%" PRIu64 " %d answer too large: sent without "
		    "--header's lines", c->id, status);
		e = own;
	}
	http_reply(c, status, why, e, level);
}

/* The request path: the target up to '?', for plain requests. */
static size_t
target_path_len(const struct http_request *req)
{
	const char *q = memchr(req->target, '?', req->target_len);

	return (q != NULL ? (size_t)(q - req->target) : req->target_len);
}

/*
 * A file's answer: head (n bytes) now, then size bytes of the file or of
 * the memory that c->file_fd or c->file_mem holds, unless the answer has
 * no body; the request (headlen bytes of rx) is done with.
 */
static void
send_answer(struct conn *c, size_t headlen, const char *head, size_t n,
    int status, off_t size)
{
	bool head_only = c->head_only;

	buf_consume(&c->rx, headlen);
	http_scan_init(&c->head_scan);
	buf_append(&c->wire, head, n);
	log_info("#%" PRIu64 " peer=%s%s%s %s %s %d %lld", c->id, c->peer,
	    c->user != NULL ? " user=" : "", c->user != NULL ? c->user : "",
	    head_only ? "HEAD" : "GET", c->path, status,
	    head_only || status == 304 ? 0LL : (long long)size);
	if (head_only || status == 304 || size == 0)
		conn_file_close(c);
	else {
		c->file_off = 0;
		c->file_left = size;
	}
	conn_enter(c, CONN_HTTP_RESPONSE, CONN_RESPONSE_TIMEOUT);
}

/* The built-in copy of one of the terminal page's files, or NULL. */
static const struct term_blob *
term_blob(const char *name)
{
	const struct term_blob *b;

	for (b = term_blobs; b->name != NULL; b++)
		if (strcmp(b->name, name) == 0)
			return (b);
	return (NULL);
}

/*
 * The terminal page and its files (term_page.h), for a plain request to a
 * --pty target when there is no --static: built in, or from
 * --terminal-assets.  false: not one of the page's paths, the caller
 * answers it.
 */
static bool
serve_term_page(struct conn *c, const struct http_request *req,
    size_t headlen, size_t plen)
{
	const struct config *cfg = c->snap->cfg;
	const struct target *t = frontdoor_route(cfg, req->target, plen);
	const char *root = c->snap->gen->term_root, *own;
	const struct term_file *tf;
	const struct term_blob *b;
	struct static_file f;
	char head[ANSWER_MAX], extra[ANSWER_MAX], why[1200], file[80];
	size_t base = 0;
	int i, n, status;

	if (t == NULL || !t->pty)
		return (false);
	if (t != &cfg->connect)
		base = ((const struct route *)(const void *)((const char *)t -
		    offsetof(struct route, target)))->prefix_len;
	if ((i = term_page_match(req->target, plen, base)) ==
	    TERM_PAGE_NOT_OURS)
		return (false);
	if (i == TERM_PAGE_REDIRECT) {
		/* The page's files are named relative to its directory. */
		snprintf(extra, sizeof(extra), "Location: %.*s/\r\n",
		    (int)plen, req->target);
		snprintf(why, sizeof(why), "%s -> %s/", c->path, c->path);
		reply_status(c, 301, why, extra, REFUSE_INFO);
		return (true);
	}
	if (i < 0) {
		snprintf(why, sizeof(why), "%s: no such file", c->path);
		reply_status(c, 404, why, NULL, REFUSE_INFO);
		return (true);
	}
	tf = &term_page_files[i];
	if (root != NULL) {
		snprintf(file, sizeof(file), "/%s", tf->name);
		if ((status = static_open(root, file, strlen(file), &f, why,
		    sizeof(why))) != 0) {
			snprintf(why, sizeof(why), "%s: %s/%s: %s", c->path,
			    root, tf->name, status == 403 ?
			    "permission denied" : "no such file");
			reply_status(c, status == 403 ? 403 : 404, why, NULL,
			    REFUSE_WARN);
			return (true);
		}
		c->file_fd = f.fd;
		fdbudget_take(&c->srv->fds, 1);
		if (extra_headers(c, extra, sizeof(extra), NULL, &own) == -1 ||
		    (n = static_head(head, sizeof(head), req, &f,
		    c->keep_alive, own, &status)) < 0) {
			conn_file_close(c);
			reply_status(c, 500, "answer too large", NULL,
			    REFUSE_WARN);
			return (true);
		}
		send_answer(c, headlen, head, (size_t)n, status, f.size);
		return (true);
	}
	if ((b = term_blob(tf->name)) == NULL) {
		snprintf(why, sizeof(why), "%s: not built in", c->path);
		reply_status(c, 404, why, NULL, REFUSE_WARN);
		return (true);
	}
	if (extra_headers(c, extra, sizeof(extra), NULL, &own) == -1 ||
	    (n = term_page_head(head, sizeof(head), req, tf->type, b->len,
	    b->etag, c->keep_alive, own, &status)) < 0) {
		reply_status(c, 500, "answer too large", NULL, REFUSE_WARN);
		return (true);
	}
	c->file_mem = b->data;
	send_answer(c, headlen, head, (size_t)n, status, (off_t)b->len);
	return (true);
}

static const char help_text[] =
    "wsbridge " WSB_VERSION ": this address is a WebSocket endpoint.\n"
    "Connect to it with a WebSocket client (ws:// or wss://); see\n"
    "wsbridge(1) for what it bridges to.\n";

/* A request without Upgrade: a static file, the help text, or an error. */
static void
serve_plain(struct conn *c, const struct http_request *req, size_t headlen)
{
	const struct config *cfg = c->snap->cfg;
	struct static_file f;
	char head[ANSWER_MAX], extra[ANSWER_MAX], location[1024], why[1200];
	const char *own, *end;
	bool head_only = c->head_only;
	size_t plen = target_path_len(req);
	int n, status;

	if (!head_only && !(req->method_len == 3 &&
	    memcmp(req->method, "GET", 3) == 0)) {
		snprintf(why, sizeof(why), "method %.*s not allowed for %s",
		    (int)req->method_len, req->method, c->path);
		reply_status(c, 405, why, "Allow: GET, HEAD\r\n", REFUSE_WARN);
		return;
	}
	if (cfg->static_dir == NULL &&
	    serve_term_page(c, req, headlen, plen))
		return;
	if (cfg->static_dir == NULL) {
		if (plen == 1 && req->target[0] == '/') {
			if (extra_headers(c, extra, sizeof(extra), NULL,
			    &own) == -1 || (n = handshake_error(head,
			    sizeof(head), 200, own, help_text)) < 0) {
				reply_status(c, 500, "answer too large", NULL,
				    REFUSE_WARN);
				return;
			}
			if (head_only && (end = memmem(head, (size_t)n,
			    "\r\n\r\n", 4)) != NULL)
				n = (int)(end + 4 - head);
			buf_free(&c->rx);
			buf_append(&c->wire, head, (size_t)n);
			conn_enter(c, CONN_HTTP_ERROR, cfg->close_timeout);
			return;
		}
		/* A browser asking for /favicon.ico, say: not a warning. */
		snprintf(why, sizeof(why), "%s is not a WebSocket upgrade "
		    "request", c->path);
		reply_status(c, 426, why, "Upgrade: websocket\r\n",
		    REFUSE_INFO);
		return;
	}
	status = static_open(c->snap->gen->static_root, req->target, plen, &f,
	    location, sizeof(location));
	if (status == 301) {
		snprintf(extra, sizeof(extra), "Location: %s\r\n", location);
		snprintf(why, sizeof(why), "%s -> %s", c->path, location);
		reply_status(c, 301, why, extra, REFUSE_INFO);
		return;
	}
	if (status != 0) {
		snprintf(why, sizeof(why), "%s: %s", c->path, status == 404 ?
		    "no such file" : status == 414 ? "path too long" :
		    "permission denied");
		reply_status(c, status, why, NULL, status == 404 ?
		    REFUSE_INFO : REFUSE_WARN);
		return;
	}
	c->file_fd = f.fd;
	fdbudget_take(&c->srv->fds, 1);
	if (extra_headers(c, extra, sizeof(extra), NULL, &own) == -1 ||
	    (n = static_head(head, sizeof(head), req, &f, c->keep_alive, own,
	    &status)) < 0) {
		conn_file_close(c);
		reply_status(c, 500, "answer too large", NULL, REFUSE_WARN);
		return;
	}
	send_answer(c, headlen, head, (size_t)n, status, f.size);
}

/*
 * Find the request head in rx and parse it once it is whole: the search for
 * its end goes on from where the last read left it, so a head arriving a
 * byte at a time costs no more than one arriving whole.  Returns the head's
 * length with req filled, 0 while incomplete, -1 after refusing it.
 */
static int
read_head(struct conn *c, struct http_request *req)
{
	const char *data = (const char *)buf_data(&c->rx);
	size_t len = buf_len(&c->rx), max = c->snap->cfg->max_header;
	char why[100];
	int r, n;

	r = http_scan_head(&c->head_scan, data, len < max ? len : max);
	if (r == HTTP_INCOMPLETE) {
		if (len < max)
			return (0);
		snprintf(why, sizeof(why), "request head too large "
		    "(--max-header %zu)", max);
		conn_http_error(c, 431, why, NULL);
		return (-1);
	}
	if (r < 0) {
		conn_http_error(c, 400, "malformed request: a control "
		    "character or a bare CR in the head", NULL);
		return (-1);
	}
	if ((n = http_parse_request(data, (size_t)r, req, MAX_HEADERS)) !=
	    r) {
		conn_http_error(c, n < 0 ? -n : 400, n == -431 ?
		    "too many header fields" : n == -505 ?
		    "HTTP version not 1.x" : "malformed request", NULL);
		return (-1);
	}
	return (r);
}

/*
 * The 101 answer for an upgrade that passed the front door, kept in
 * c->reply until the backend is reached: subprotocol, deflate and our
 * headers.  -1: answered with an error instead.
 */
static int
prepare_upgrade(struct conn *c, const struct http_request *req,
    const struct handshake *hs)
{
	char extra[ANSWER_MAX], ext[PMD_ANSWER_MAX + 40], reply[ANSWER_MAX];
	const char *own;
	int n;

	c->proto = hs->subproto;
	if (negotiate_deflate(c, req, ext, sizeof(ext)) == -1) {
		conn_http_error(c, 500, "out of memory", NULL);
		return (-1);
	}
	log_negotiated(c, req, ext);
	/* Never a cut answer: without its blank line or the extension
	 * the client would not know that deflate is on. */
	if (extra_headers(c, extra, sizeof(extra), ext, &own) == -1 ||
	    (n = handshake_response(reply, sizeof(reply), hs, own)) < 0) {
		conn_http_error(c, 500, "101 answer too large", NULL);
		return (-1);
	}
	if ((c->reply = strndup(reply, (size_t)n)) == NULL) {
		conn_http_error(c, 500, "out of memory", NULL);
		return (-1);
	}
	return (0);
}

/*
 * Start reaching target for an accepted upgrade whose head is head_len
 * bytes of rx; then CONN_CONNECTING.  The backend is told what it may need
 * of the request (a program's CGI variables).
 */
static void
open_backend(struct conn *c, const struct http_request *req,
    const struct handshake *hs, const struct target *target, size_t head_len)
{
	struct backend_req breq;
	char *dn = NULL, whybuf[400], retry[32];
	int n;

	memset(&breq, 0, sizeof(breq));
	breq.req = req;
	breq.hs = hs;
	breq.peer_addr = c->peer_addr;
	breq.peer_port = c->peer_port;
	breq.remote_user = c->user;
	breq.conn_id = c->id;
	breq.tls = c->tls;
	breq.srv = c->srv;
	breq.cfg = c->snap->cfg;
	if (c->tls && (n = transport_tls_peer(&c->t, &dn)) != 0) {
		if (n == -1) {
			conn_http_error(c, 500, "cannot read the client "
			    "certificate's subject", NULL);
			return;
		}
		breq.client_dn = dn;
		log_info("#%" PRIu64 " client certificate: %s", c->id, dn);
	}
	c->lines = target->lines;
	ws_recv_init(&c->recv, c->snap->cfg->max_message,
	    c->proto == HS_PROTO_BASE64 ? WS_RECV_BASE64 :
	    c->proto == HS_PROTO_TTY ? WS_RECV_TTY :
	    c->proto == HS_PROTO_TTYD ? WS_RECV_TTYD : WS_RECV_RAW,
	    c->lines, c->pmd != NULL ? &c->pmd->inf : NULL,
	    c->pmd != NULL && c->pmd->params.client_no_context_takeover);
	c->recv.drop_input = c->snap->cfg->readonly;
	/* A new pty's size (backend_pty.c). */
	c->tty_cols = 80;
	c->tty_rows = 24;
	backend_retarget(&c->be, backend_ops_for(target));
	/* The request is still in rx: the backend reads it during open. */
	n = c->be.ops->open(&c->be, target, &breq);
	free(dn);
	if (n == -1) {
		if (c->be.fail_status == 404)
			snprintf(whybuf, sizeof(whybuf), "%s: %s", c->path,
			    c->be.error);
		else
			snprintf(whybuf, sizeof(whybuf), "%s", c->be.error);
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n",
		    c->be.fail_retry);
		reply_status(c, c->be.fail_status, whybuf,
		    c->be.fail_retry != 0 ? retry : NULL, REFUSE_WARN);
		return;
	}
	/* What follows the head is WebSocket data: it stays in rx. */
	buf_consume(&c->rx, head_len);
	c->counted = true;
	c->srv->nactive++;
	quota_conn_upgrade(c->srv->quota, &c->lim);
	conn_enter(c, CONN_CONNECTING, c->snap->cfg->connect_timeout);
}

void
conn_try_handshake(struct conn *c)
{
	const struct config *cfg = c->snap->cfg;
	struct http_header hdrs[MAX_HEADERS];
	struct http_request req;
	struct handshake hs;
	const struct target *target;
	struct conn_auth_reply ar;
	struct frontdoor fd;
	char whybuf[400];
	const char *why;
	bool has_body = false;
	int r, status;

	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	c->head_only = false;		/* until this request says HEAD */
	if ((r = read_head(c, &req)) <= 0)
		return;
	frontdoor_escape(c->path, sizeof(c->path), req.target, req.target_len);
	c->head_only = req.method_len == 4 &&
	    memcmp(req.method, "HEAD", 4) == 0;
	c->keep_alive = req.minor_version >= 1 ?
	    !http_list_has(&req, "Connection", "close") :
	    http_list_has(&req, "Connection", "keep-alive");
	if ((why = front_door_peer(c, &req)) != NULL) {
		conn_refuse(c, why);
		return;
	}
	fd.cfg = cfg;
	fd.loopback = reached_over_loopback(c);
	fd.https = c->tls || c->forwarded_tls;
	if ((status = frontdoor_request(&fd, &req, &has_body, whybuf,
	    sizeof(whybuf))) != 0) {
		reply_status(c, status, whybuf, NULL, REFUSE_WARN);
		return;
	}
	switch (conn_front_door_auth(c, &req, &ar)) {
	case CONN_AUTH_PASS:
		break;
	case CONN_AUTH_WAIT:
		return;
	case CONN_AUTH_REPLY:
		if (ar.status == 503)
			conn_refuse(c, ar.why);
		else
			reply_status(c, ar.status, ar.why, ar.extra, ar.level);
		return;
	}
	/* No Upgrade header at all: a plain request (an Upgrade to
	 * something else is a bad upgrade: handshake_check says 400). */
	if (!handshake_is_upgrade(&req) &&
	    http_find_header(&req, "Upgrade", 0) < 0) {
		/* The body is not read: the connection ends after the
		 * answer, and lingering drops it. */
		if (has_body)
			c->keep_alive = false;
		serve_plain(c, &req, (size_t)r);
		return;
	}
	if ((status = handshake_check(&req, &hs, &why)) != 0) {
		reply_status(c, status, why, status == 405 ?
		    "Allow: GET\r\n" : NULL, REFUSE_WARN);
		return;
	}
	/* What follows the head is WebSocket frames, never a body. */
	if (has_body) {
		reply_status(c, 400, "upgrade request with a body", NULL,
		    REFUSE_WARN);
		return;
	}
	frontdoor_escape(c->path, sizeof(c->path), hs.path, hs.path_len);
	if ((why = frontdoor_origin(&fd, &hs, whybuf, sizeof(whybuf))) !=
	    NULL) {
		reply_status(c, 403, why, NULL, REFUSE_WARN);
		return;
	}
	if ((target = front_door_target(c, &hs, whybuf, sizeof(whybuf))) ==
	    NULL) {
		reply_status(c, 404, whybuf, NULL, REFUSE_WARN);
		return;
	}
	handshake_terminal(&hs, target->pty);
	if (prepare_upgrade(c, &req, &hs) == 0)
		open_backend(c, &req, &hs, target, (size_t)r);
}


/*
 * The PROXY protocol header comes before anything else, TLS included, so
 * it is read from the socket itself: peeked, and consumed only as far as
 * it goes.  Returns 0 while it is being read (or done), -1 when it is bad.
 */
int
conn_read_proxy_header(struct conn *c)
{
	struct proxy_info info;
	const char *why;
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
		c->client = CLIENT_EOF;
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
		conn_set_peer(c, (struct sockaddr *)&info.src);
	log_debug("#%" PRIu64 " PROXY header: client %s", c->id, c->peer);
	/* Counted under the client from now on, unless a trusted proxy's
	 * request will name another (or it was refused already). */
	if (!info.local && c->state == CONN_HANDSHAKE && !trusted_peer(c) &&
	    (why = count_under(c, c->peer_addr)) != NULL)
		conn_refuse(c, why);
	return (0);
}
