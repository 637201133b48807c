/*
 * server.h - what one process's loop serves: its configuration, its
 * connections, its listeners and its programs' process groups.  One per
 * process, handed to whatever needs it (watchers embed it or reach it
 * through what they belong to).
 */
#ifndef WSB_SERVER_H
#define WSB_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "config.h"
#include "fdbudget.h"

struct conn;
struct listener;
struct authpool;
struct netaddr_cidr;
struct pgroup;
struct snapshot;
struct throttle;
struct tokenfile;
struct quota;

struct server {
	struct ev_loop	*loop;
	int		argc;		/* the command line, read again with */
	char		**argv;		/* the --config file on SIGHUP */
	const struct config *cfg;	/* the current generation's (snap->cfg):
					   for accepting; a connection reads
					   the one it pinned, c->snap->cfg */
	struct listener	*listeners;	/* array of nlisteners */
	size_t		nlisteners;
	struct conn	*conns;		/* every live connection */
	unsigned	nconns;
	unsigned	nchildren;	/* programs' process groups not yet
					   empty, orphans too */
	unsigned	norphans;	/* of which outlived their connection */
	struct pgroup	*pgroups;	/* every one of them (progroup.c) */
	struct pgroup	*lingering;	/* leader reaped, members left */
	ev_child	anychild;	/* any child reaped, while lingering */
	unsigned	nactive;	/* connections past the handshake */
	struct fdbudget	fds;		/* descriptors held, for accepting:
					   whoever opens or closes one says
					   so (fdbudget.h) */
	struct quota	*quota;	/* every worker's counts (quota.h) */
	unsigned	nrefused;	/* refused ones lingering for an EOF */
	ev_tstamp	limit_logged;	/* last "refused by limits" line */
	unsigned	limit_suppressed; /* refusals not logged since */
	uint64_t	next_id;	/* connection ids, for the log */
	bool		draining;	/* shutting down: no new work */
	struct {			/* our stdin and stdout, for one
					   connection at a time
					   (backend_stdio.c) */
		bool	busy;		/* a connection holds them */
		bool	ended;		/* stdin reached EOF: stdio is done */
		int	in_flags;	/* their file status flags before */
		int	out_flags;
	} stdio;
	struct snapshot	*snap;		/* configuration, users, tokens, TLS:
					   replaced on HUP, pinned by each
					   connection */
	/* The current generation's (snap->gen), for accepting; a
	 * connection reads the ones it pinned. */
	const char	*static_root;	/* --static as a real path */
	const struct netaddr_cidr *trusted; /* --trust-proxy, ntrusted */
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
 * server_fds_start(srv): the descriptors open now (listeners, stdio, the
 * loop's, the threads') are the baseline that srv->fds counts from, under
 * the current RLIMIT_NOFILE.  Called once a process is about to accept.
 */
void	server_fds_start(struct server *);

/* Who reloads, for what each one logs. */
enum server_role {
	SERVER_ALONE,		/* one process: everything */
	SERVER_MASTER,		/* --workers: the configuration's problems
				   and what needs a restart, once */
	SERVER_WORKER		/* under a master: the files it loads */
};

/*
 * server_reload(srv, parts, role): replace the current snapshot with one
 * whose parts (SNAPSHOT_*) are read again.  With SNAPSHOT_CONFIG the
 * command line and --config file are parsed and checked again, and become
 * the configuration for new connections only if all of it is valid;
 * options that need a restart keep their values (one line says which
 * changed).  A configuration refused is one line, and the files the old
 * one names are read again.  On any failure the old parts stay.
 */
void	server_reload(struct server *, unsigned, enum server_role);

/*
 * server_install(srv, snap): make snap (its reference is taken over) the
 * current snapshot, and its generation the configuration for accepting.
 */
void	server_install(struct server *, struct snapshot *);

/*
 * server_snapshot(srv): the current reloadable state, after reading again
 * a token file that changed (looked at no more than once a second).  A
 * connection pins it with snapshot_hold() when it is accepted.
 */
struct snapshot *server_snapshot(struct server *);

#endif
