/*
 * fdbudget.h - the descriptor count behind accepting.  A process counts
 * the descriptors it holds: those open when it began to accept (the
 * baseline: stdio, listeners, the loop's own) and, from then on, each one
 * it opens until it closes it.  A connection holds its client's socket
 * and, once it reaches its backend, a socket (or up to three pipes to a
 * program).  A new client is kept only while what the limit leaves covers
 * the backends still to be opened.
 *
 * No I/O: the owner measures the baseline and reports what it opens and
 * closes.
 */
#ifndef WSB_FDBUDGET_H
#define WSB_FDBUDGET_H

#include <stdbool.h>

/*
 * Kept free for what is open only for a moment, beyond what connections
 * keep: a program's own ends of its pipes until it is started, the files a
 * reload reads.
 */
#define FDBUDGET_RESERVE	8

struct fdbudget {
	long		limit;		/* RLIMIT_NOFILE; 0: none known */
	int		per_conn;	/* most one connection holds: 2, or 4
					   when a backend may be a program */
	unsigned	base;		/* open when accepting began */
	unsigned	held;		/* opened since, not yet closed */
};

/*
 * fdbudget_init(fb, limit, base): base descriptors open and none counted
 * beyond them, under limit (0 or less: none known), for connections to
 * sockets.
 */
void	fdbudget_init(struct fdbudget *, long, unsigned);

/*
 * fdbudget_programs(fb): from now on a connection's backend may be a
 * program (stdin, stdout and stderr pipes); never undone, since the
 * connections of an older configuration keep theirs.
 */
void	fdbudget_programs(struct fdbudget *);

/* fdbudget_take(fb, n): n descriptors were just opened. */
void	fdbudget_take(struct fdbudget *, unsigned);

/*
 * fdbudget_give(fb, n): n counted descriptors were just closed.  Giving
 * back more than was taken is a bug in the caller.
 */
void	fdbudget_give(struct fdbudget *, unsigned);

/*
 * fdbudget_in_use(fb, fd): how many descriptors are open at least, fd
 * being the one the kernel just handed out (-1: none): the count, and
 * never fewer than fd + 1, since the kernel hands out the lowest free
 * number and every one below it is in use.
 */
long	fdbudget_in_use(const struct fdbudget *, int);

/*
 * fdbudget_admit(fb, fd, pending): whether the client just accepted on
 * descriptor fd (counted already) can be kept.  What the limit leaves
 * beyond those in use must cover FDBUDGET_RESERVE and the backends
 * (per_conn - 1 each) of the pending connections, those accepted but not
 * yet past their handshake nor refused, and of this one.  Connections at
 * their backend hold theirs already: they are in the count.  With no limit
 * known, all are admitted.
 */
bool	fdbudget_admit(const struct fdbudget *, int, unsigned);

#endif
