/*
 * frontdoor.h - what the front door decides about a request, with no
 * socket in sight: the checks every request passes (method, Host, server
 * names, body framing), the Origin policy and the route of an upgrade.
 * conn_http.c reads the request, asks, and acts on the answer.
 */
#ifndef WSB_FRONTDOOR_H
#define WSB_FRONTDOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "handshake.h"
#include "http.h"

/* What the decision knows of the connection. */
struct frontdoor {
	const struct config *cfg;
	bool		loopback;	/* it came in over loopback */
	bool		https;		/* TLS here or at a trusted proxy */
};

/*
 * frontdoor_request(fd, req, has_body, why, whylen): the checks any request
 * passes before anything else: a method RFC 9110 knows (else 501), a Host
 * an HTTP/1.1 request must carry once (400), a name the server answers to
 * (421: --server-name, or for programs reached over loopback loopback
 * names only, against DNS rebinding), a body framing that can be read
 * (400).  Returns 0, with *has_body telling whether a body follows the
 * head, or the status with a reason in why.
 */
int	frontdoor_request(const struct frontdoor *, const struct http_request *,
	    bool *, char *, size_t);

/*
 * frontdoor_origin(fd, hs, why, whylen): --origin and --same-origin; NULL
 * when hs's Origin may connect (or there is none: no browser made the
 * request), else why not (a 403).
 */
const char *frontdoor_origin(const struct frontdoor *, const struct handshake *,
	    char *, size_t);

/*
 * frontdoor_route(cfg, path, len): the target for a request path: the
 * longest --route prefix that matches whole segments, else the default
 * backend, else NULL.
 */
const struct target *frontdoor_route(const struct config *, const char *,
	    size_t);

/*
 * frontdoor_token(hs, out, len): the token of an upgrade for --token-file:
 * ?token=, else the path's last segment.  False when there is none (or it
 * does not fit in len with its NUL).
 */
bool	frontdoor_token(const struct handshake *, char *, size_t);

/*
 * frontdoor_escape(out, outlen, p, len): request bytes for a log line:
 * anything but printable ASCII (and % " ') as %XX, cut with "..." to fit
 * outlen (at least 5), NUL-terminated.
 */
void	frontdoor_escape(char *, size_t, const char *, size_t);

/* frontdoor_spawns_programs(cfg): whether any target starts programs. */
bool	frontdoor_spawns_programs(const struct config *);

#endif
