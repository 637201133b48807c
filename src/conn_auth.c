/*
 * conn_auth.c - a connection's login (--basic-auth): credentials looked at,
 * passwords handed to the check threads and their verdicts taken back,
 * failures counted per address and logged.  The request waits in
 * CONN_HANDSHAKE while its password is checked; the loop never hashes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "authpool.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "throttle.h"
#include "conn_int.h"

#define AUTH_CHALLENGE							\
	"WWW-Authenticate: Basic realm=\"wsbridge\", charset=\"UTF-8\"\r\n"

/*
 * A failed login, one line in a stable form for fail2ban and the like:
 * "#ID login failed: addr=ADDR user="NAME" (why)", the name with anything
 * but printable ASCII, '"' and '\' as \xHH.  Never the password.
 */
static void
login_failed(struct conn *c, const char *name, const char *why)
{
	const unsigned char *p;
	char *esc, *o;

	if (name == NULL)
		name = "";
	if ((esc = malloc(strlen(name) * 4 + 1)) == NULL) {
		log_warnx("#%" PRIu64 " login failed: addr=%s user=? (%s)",
		    c->id, c->peer_addr, why);
		return;
	}
	for (p = (const unsigned char *)name, o = esc; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			*o++ = (char)*p;
		else
			o += sprintf(o, "\\x%02X", *p);
	}
	*o = '\0';
	log_warnx("#%" PRIu64 " login failed: addr=%s user=\"%s\" (%s)", c->id,
	    c->peer_addr, esc, why);
	free(esc);
}

/* A failure counted against c's address; log when it starts a block. */
static void
count_failure(struct conn *c, bool begun)
{
	struct server *srv = c->srv;
	ev_tstamp now = ev_now(srv->loop);

	if (!begun)
		throttle_begin(srv->throttle, c->peer_addr, now);
	if (throttle_end(srv->throttle, c->peer_addr, now, false))
		log_warnx("#%" PRIu64 " login throttled: addr=%s gets 429 "
		    "for %gs after %u failures", c->id, c->peer_addr,
		    srv->throttle->window, srv->throttle->max);
}

void
conn_auth_abandon(struct conn *c)
{
	if (c->auth_job != NULL) {
		authpool_cancel(c->srv->authpool, c->auth_job);
		c->auth_job = NULL;
		c->auth_verdict = 0;
	}
	if (c->auth_att == NULL)
		return;
	if (c->auth_verdict > 0)
		throttle_end(c->srv->throttle, c->peer_addr,
		    ev_now(c->srv->loop), true);
	else
		count_failure(c, true);
	auth_attempt_free(c->auth_att);
	c->auth_att = NULL;
}

/* An answer for the caller to send. */
static enum conn_auth_verdict
refuse(struct conn_auth_reply *reply, int status, const char *why)
{
	reply->status = status;
	reply->why = why;
	return (CONN_AUTH_REPLY);
}

enum conn_auth_verdict
conn_front_door_auth(struct conn *c, const struct http_request *req,
    struct conn_auth_reply *reply)
{
	struct server *srv = c->srv;
	struct auth *a = snapshot_auth(c->snap);
	struct auth_attempt *att;
	enum auth_result r;
	unsigned wait;

	c->user = NULL;
	reply->extra = AUTH_CHALLENGE;
	reply->level = REFUSE_QUIET;
	if (a == NULL)
		return (CONN_AUTH_PASS);
	if (c->auth_job != NULL)
		return (CONN_AUTH_WAIT);	/* still being checked */
	if ((att = c->auth_att) != NULL) {
		c->auth_att = NULL;
		c->user = auth_finish(a, att, c->auth_verdict > 0);
		c->auth_verdict = 0;
		if (c->user != NULL)
			throttle_end(srv->throttle, c->peer_addr,
			    ev_now(srv->loop), true);
		else {
			login_failed(c, att->name, att->user == NULL ?
			    "unknown user" : "wrong password");
			count_failure(c, true);
		}
		auth_attempt_free(att);
		if (c->user != NULL)
			return (CONN_AUTH_PASS);
		return (refuse(reply, 401, "login failed"));
	}
	switch ((r = auth_begin(a, req, &c->user, &att))) {
	case AUTH_PASS:
		return (CONN_AUTH_PASS);
	case AUTH_MISSING:
		/* A browser's first request: the challenge is routine. */
		reply->level = REFUSE_INFO;
		return (refuse(reply, 401, "no credentials: challenge sent"));
	case AUTH_NOMEM:
		reply->extra = NULL;
		reply->level = REFUSE_WARN;
		return (refuse(reply, 500, "out of memory"));
	case AUTH_BAD:
	case AUTH_CHECK:
		break;
	}
	/* Refused without a look at the password: guessing stops here. */
	if ((wait = throttle_wait(srv->throttle, c->peer_addr,
	    ev_now(srv->loop))) > 0) {
		auth_attempt_free(att);
		log_debug("#%" PRIu64 " peer=%s 429: login throttled", c->id,
		    c->peer);
		snprintf(reply->retry, sizeof(reply->retry),
		    "Retry-After: %u\r\n", wait);
		reply->extra = reply->retry;
		return (refuse(reply, 429, "login throttled"));
	}
	if (r == AUTH_BAD) {
		login_failed(c, NULL, "malformed credentials");
		count_failure(c, false);
		return (refuse(reply, 401, "login failed"));
	}
	if ((c->auth_job = authpool_submit(srv->authpool, att->pass,
	    att->hash, c->auth_done, c)) == NULL) {
		auth_attempt_free(att);
		reply->extra = NULL;
		return (refuse(reply, 503, "too many password checks waiting"));
	}
	throttle_begin(srv->throttle, c->peer_addr, ev_now(srv->loop));
	c->auth_att = att;
	return (CONN_AUTH_WAIT);
}
