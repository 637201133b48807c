/*
 * server.c - what belongs to one process's server object rather than to a
 * connection: the current reloadable snapshot, and telling a draining
 * server when its last connection and program are gone.  Called from
 * below (connections, programs); it calls nothing above it.
 */
#include <stdbool.h>

#include <ev.h>

#include "server.h"
#include "snapshot.h"
#include "tokenfile.h"

void
server_conn_gone(struct server *srv)
{
	if (srv->draining && srv->nconns == 0 && srv->norphans == 0)
		ev_break(srv->loop, EVBREAK_ALL);
}

void
server_reload(struct server *srv, unsigned parts, bool quiet)
{
	struct snapshot *fresh;

	if ((fresh = snapshot_reload(srv->snap, srv->cfg, srv->tokenfile,
	    parts, quiet)) == NULL)
		return;
	/* Connections hold their own references: nothing they read goes. */
	snapshot_release(srv->snap);
	srv->snap = fresh;
}

struct snapshot *
server_snapshot(struct server *srv)
{
	if (srv->tokenfile != NULL &&
	    tokenfile_changed(srv->tokenfile, ev_now(srv->loop)))
		server_reload(srv, SNAPSHOT_TOKENS, false);
	return (srv->snap);
}
