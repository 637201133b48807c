/*
 * backend.h - where a connection's bytes go: the one interface that the TCP
 * (and Unix-socket) backend and the program backend implement.  conn.c never
 * asks which one it has.  A backend owns its descriptors and their watchers,
 * counts them in the count its owner hands it, and reports readiness to its
 * owner through one callback.
 */
#ifndef WSB_BACKEND_H
#define WSB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "config.h"

struct backend;
struct fdbudget;
struct server;
struct handshake;

struct http_request;
struct resolve_req;

/* What a backend may need to know of the request it serves. */
struct backend_req {
	const struct http_request *req;	/* valid during open() only */
	const struct handshake *hs;	/* valid during open() only */
	const char	*peer_addr;	/* client address, text */
	const char	*peer_port;
	const char	*remote_user;	/* NULL unless authenticated */
	const char	*client_dn;	/* verified TLS client subject, whole;
					   valid during open() only */
	uint64_t	conn_id;
	bool		tls;
	/* The owner's server (its process groups, counts, --max-forks)
	 * and the configuration the connection pinned (c->snap->cfg): what
	 * a program is run with.  NULL: the loop's server and its current
	 * configuration, until every caller passes them. */
	struct server	*srv;
	const struct config *cfg;
};

enum backend_event {
	BACKEND_CONNECTED,	/* open() finished: data may flow */
	BACKEND_FAILED,		/* open() failed: b->error says why */
	BACKEND_READABLE,	/* read() may return data or EOF */
	BACKEND_WRITABLE	/* write() may accept bytes */
};

typedef void backend_event_cb(struct backend *, enum backend_event);

struct backend_ops {
	/* Start connecting (or spawning); BACKEND_CONNECTED or
	 * BACKEND_FAILED follows from the loop.  -1 on immediate failure
	 * with b->error set. */
	int	(*open)(struct backend *, const struct target *,
		    const struct backend_req *);
	/* Like read(2)/write(2): -1 with errno EAGAIN when they would block. */
	ssize_t	(*read)(struct backend *, void *, size_t);
	ssize_t	(*write)(struct backend *, const void *, size_t);
	/* Which readiness events the owner wants to hear about. */
	void	(*want)(struct backend *, bool, bool);
	/* Send EOF: the owner will write no more. */
	void	(*shutdown_write)(struct backend *);
	/* Stop everything and release it; safe in any state, twice too. */
	void	(*close)(struct backend *);
	/* The client's terminal is cols x rows: a terminal backend sets its
	 * window size (the program gets SIGWINCH).  NULL: kinds that have
	 * no terminal ignore it. */
	void	(*resize)(struct backend *, unsigned, unsigned);
};

struct backend {
	const struct backend_ops *ops;
	struct ev_loop	*loop;
	struct fdbudget	*fds;		/* the process's descriptor count: every
					   descriptor below is in it, and
					   while a name is looked up, the
					   socket to come */
	backend_event_cb *event;	/* owner's callback */
	void		*owner;
	int		rfd;		/* read side (-1 when closed) */
	int		wfd;		/* write side; == rfd for sockets */
	ev_io		rio;		/* on rfd */
	ev_io		wio;		/* on wfd; also the connect wait */
	bool		connecting;	/* a connect() is in progress */
	double		open_at;	/* open() began: monotonic
					   seconds, for the log */
	struct resolve_req *resolving;	/* a lookup is in progress */
	struct addrinfo	*addrs;		/* resolved list being tried */
	struct addrinfo	*next_addr;	/* next one to try */
	char		peer[64];	/* address connected to, for the log */
	char		error[160];	/* why open() failed */
	int		fail_status;	/* HTTP status for that failure */
	unsigned	fail_retry;	/* seconds for its Retry-After, or 0 */
	bool		eof;		/* backend_read() saw EOF: nothing
					   more comes */
	bool		detachable;	/* may close before its EOF once the
					   client is gone (programs) */
	uint16_t	eof_code;	/* close code its EOF means (0: 1000) */
	char		eof_reason[64];	/* and the reason to send */
	uint64_t	conn_id;	/* for the log */
	bool		keep_input;	/* never read only to throw away: its
					   input outlives the connection */
	void		*priv;		/* the kind's own state, or NULL
					   (a program's: its process group) */
};

/*
 * backend_init(b, loop, fds, ops, event, owner): an unopened backend that
 * will count its descriptors in fds; ops is backend_tcp_ops or another
 * implementation.
 */
void	backend_init(struct backend *, struct ev_loop *, struct fdbudget *,
	    const struct backend_ops *, backend_event_cb *, void *);

/*
 * backend_read(b, buf, len): ops->read, noting an EOF in b->eof.
 */
ssize_t	backend_read(struct backend *, void *, size_t);

/*
 * backend_retarget(b, ops): b, unopened, for another kind of backend; its
 * loop, count, owner and event callback stay as backend_init() set them.
 */
void	backend_retarget(struct backend *, const struct backend_ops *);

/*
 * backend_watchers_init(b): point the (stopped) watchers back at the
 * readiness callbacks, after an implementation borrowed them.
 */
void	backend_watchers_init(struct backend *);

/* Shared pieces for descriptor-based backends (backend.c). */

/*
 * backend_fd_release(fds, fd): close *fd unless it is -1, take it off the
 * count fds and set it to -1.
 */
void	backend_fd_release(struct fdbudget *, int *);

ssize_t	backend_fd_read(struct backend *, void *, size_t);
ssize_t	backend_fd_write(struct backend *, const void *, size_t);
void	backend_fd_want(struct backend *, bool, bool);
void	backend_fd_close(struct backend *);
/* backend_fd_shutdown_write(b): close the write side (a pipe, a pty's
 * second master, a duplicate of stdout): what reads it gets EOF. */
void	backend_fd_shutdown_write(struct backend *);

extern const struct backend_ops backend_tcp_ops;
extern const struct backend_ops backend_proc_ops;
extern const struct backend_ops backend_stdio_ops;
extern const struct backend_ops backend_pty_ops;

/* backend_ops_for(t): the implementation that serves target t. */
const struct backend_ops *backend_ops_for(const struct target *);

#endif
