/*
 * listen.h - listening sockets and accepting connections.
 */
#ifndef WSB_LISTEN_H
#define WSB_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

struct server;

struct listener {
	struct server	*srv;
	int		fd;
	ev_io		io;		/* readable: connections to accept */
	bool		tls;		/* speaks TLS */
	bool		proxy;		/* a PROXY header comes first */
	char		name[120];	/* bound address, for the log */
};

/*
 * listen_open(srv, err, errlen): bind every --listen of srv->cfg (a host
 * name may give several sockets) and log each bound address.  Returns 0,
 * -1 when a socket cannot be bound, or -2 when an address does not resolve
 * (a usage error), with a message in err and nothing left open.
 */
int	listen_open(struct server *, char *, size_t);

/* listen_start(srv) / listen_stop(srv): accept, or stop accepting. */
void	listen_start(struct server *);
void	listen_stop(struct server *);

/* listen_close(srv): stop and close every listener. */
void	listen_close(struct server *);

#endif
