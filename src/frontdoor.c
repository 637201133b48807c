/*
 * frontdoor.c - the front door's decisions about a parsed request: which
 * requests are answered at all, which Origins may connect, where an
 * upgrade goes.  Pure: no I/O, no allocation, no logging; the reasons it
 * gives are for the caller's log line.
 */
#include <stdio.h>
#include <string.h>

#include "frontdoor.h"
#include "origin.h"
#include "tokens.h"

void
frontdoor_escape(char *out, size_t outlen, const char *p, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < outlen; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch > 0x20 && ch < 0x7f && ch != '%' && ch != '"' &&
		    ch != '\'')
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

bool
frontdoor_spawns_programs(const struct config *cfg)
{
	size_t i;

	if (target_is_program(&cfg->connect))
		return (true);
	for (i = 0; i < cfg->nroutes; i++)
		if (target_is_program(&cfg->routes[i].target))
			return (true);
	return (false);
}

/*
 * --server-name, and without it, for programs reached over loopback,
 * loopback names only: a page whose name an attacker points at 127.0.0.1
 * (DNS rebinding) sends that name in Host, and its own Origin passes
 * --same-origin.  NULL when the Host may be served, else why not.
 */
static const char *
host_refused(const struct frontdoor *fd, const char *host, size_t len,
    char *why, size_t whylen)
{
	const struct config *cfg = fd->cfg;
	char name[128];
	size_t n = 0;

	/* HTTP/1.0 without Host: no browser, so no rebound page (and the
	 * health checks of HAProxy and others look like this). */
	if (host == NULL)
		return (NULL);
	if (cfg->server_names != NULL) {
		while (cfg->server_names[n] != NULL)
			n++;
		if (origin_host_allowed(host, len,
		    (const char *const *)cfg->server_names, n))
			return (NULL);
	} else if (!frontdoor_spawns_programs(cfg) || !fd->loopback ||
	    origin_host_loopback(host, len))
		return (NULL);
	frontdoor_escape(name, sizeof(name), host, len);
	snprintf(why, whylen, "Host %s is %s", name, n > 0 ?
	    "not a --server-name" : "not a loopback name, and programs on "
	    "loopback answer only those (see --server-name)");
	return (why);
}

int
frontdoor_request(const struct frontdoor *fd, const struct http_request *req,
    bool *has_body, char *why, size_t whylen)
{
	const char *host, *reason;
	char method[64];
	uint64_t len;
	size_t host_len;
	int body;

	/* RFC 9110 §9.1: methods are case-sensitive; "get" is unknown. */
	if (!http_method_known(req->method, req->method_len)) {
		frontdoor_escape(method, sizeof(method), req->method, req->method_len);
		snprintf(why, whylen, "unknown method %s", method);
		return (501);
	}
	if (http_host(req, &host, &host_len, &reason) == -1) {
		snprintf(why, whylen, "%s", reason);
		return (400);
	}
	if (host_refused(fd, host, host_len, why, whylen) != NULL)
		return (421);
	/* RFC 9112 §6.3: a body must be read or the connection closed. */
	if ((body = http_body(req, &len)) == -1) {
		snprintf(why, whylen, "bad Content-Length or "
		    "Transfer-Encoding");
		return (400);
	}
	*has_body = body == 1 || len > 0;
	return (0);
}

const char *
frontdoor_origin(const struct frontdoor *fd, const struct handshake *hs,
    char *why, size_t whylen)
{
	const struct config *cfg = fd->cfg;
	char origin[128];
	size_t n = 0;

	if ((cfg->origins == NULL && !cfg->same_origin) || hs->origin == NULL)
		return (NULL);
	while (cfg->origins != NULL && cfg->origins[n] != NULL)
		n++;
	if (n > 0 && origin_allowed(hs->origin, hs->origin_len,
	    (const char *const *)cfg->origins, n))
		return (NULL);
	if (cfg->same_origin && origin_same(hs->origin, hs->origin_len,
	    hs->host, hs->host_len, fd->https))
		return (NULL);
	frontdoor_escape(origin, sizeof(origin), hs->origin, hs->origin_len);
	snprintf(why, whylen, "Origin not allowed: %s", origin);
	return (why);
}

const struct target *
frontdoor_route(const struct config *cfg, const char *path, size_t len)
{
	const struct route *best = NULL;
	size_t i, n;

	for (i = 0; i < cfg->nroutes; i++) {
		n = cfg->routes[i].prefix_len;
		if (n > len || memcmp(cfg->routes[i].prefix, path, n) != 0)
			continue;
		/* Whole segments only: /vnc matches /vnc/x, not /vncx. */
		if (n > 1 && n < len && path[n] != '/')
			continue;
		if (best == NULL || n > best->prefix_len)
			best = &cfg->routes[i];
	}
	if (best != NULL)
		return (&best->target);
	return (cfg->connect.display != NULL ? &cfg->connect : NULL);
}

bool
frontdoor_token(const struct handshake *hs, char *out, size_t len)
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
