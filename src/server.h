/*
 * server.h - what one process's loop serves: its configuration, its
 * connections and its listeners.  One per worker process, reached from
 * watchers through ev_userdata(loop).
 */
#ifndef WSB_SERVER_H
#define WSB_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "config.h"

struct conn;
struct listener;
struct authpool;
struct netaddr_cidr;
struct snapshot;
struct throttle;
struct tokenfile;
struct quota;

struct server {
	struct ev_loop	*loop;
	const struct config *cfg;	/* read-only while running */
	struct listener	*listeners;	/* array of nlisteners */
	size_t		nlisteners;
	struct conn	*conns;		/* every live connection */
	unsigned	nconns;
	unsigned	nchildren;	/* programs' process groups not yet
					   empty, orphans too */
	unsigned	norphans;	/* of which outlived their connection */
	unsigned	nactive;	/* connections past the handshake */
	struct quota	*quota;	/* every worker's counts (quota.h) */
	unsigned	nrefused;	/* refused ones lingering for an EOF */
	ev_tstamp	limit_logged;	/* last "refused by limits" line */
	unsigned	limit_suppressed; /* refusals not logged since */
	uint64_t	next_id;	/* connection ids, for the log */
	bool		draining;	/* shutting down: no new work */
	struct snapshot	*snap;		/* users, tokens, TLS: replaced on HUP,
					   pinned by each connection */
	char		*static_root;	/* --static as a real path */
	struct netaddr_cidr *trusted;	/* --trust-proxy, ntrusted of them */
	size_t		ntrusted;
	struct tokenfile *tokenfile;	/* --token-file, or NULL */
	struct authpool	*authpool;	/* --basic-auth: password checks */
	struct throttle	*throttle;	/* --basic-auth: failures by address */
};

/*
 * server_conn_gone(srv): called after a connection is freed or an orphaned
 * program is reaped, so a draining server can tell when it is done.
 */
void	server_conn_gone(struct server *);

/*
 * server_reload(srv, parts, quiet): replace the current snapshot with one
 * whose parts (SNAPSHOT_*) are read again; on failure the old one stays
 * (logged unless quiet).
 */
void	server_reload(struct server *, unsigned, bool);

/*
 * server_snapshot(srv): the current reloadable state, after reading again
 * a token file that changed (looked at no more than once a second).  A
 * connection pins it with snapshot_hold() when it is accepted.
 */
struct snapshot *server_snapshot(struct server *);

#endif
