/*
 * fdbudget.h - the descriptor arithmetic behind accepting: a connection
 * holds its client's socket and, once it reaches its backend, a socket (or
 * three pipes to a program).  A new client is accepted only while the
 * descriptors left cover the backends still to be opened.
 *
 * No I/O: the caller passes the limit, the descriptor and its counts.
 */
#ifndef WSB_FDBUDGET_H
#define WSB_FDBUDGET_H

#include <stdbool.h>

#define FDBUDGET_RESERVE	8	/* kept for logs, resolver, files */

/*
 * fdbudget_per_conn(programs): descriptors one connection holds at most:
 * 2 (client and backend sockets), or 4 when a backend may be a program
 * (stdin, stdout and stderr pipes).
 */
int	fdbudget_per_conn(bool);

/*
 * fdbudget_admit(limit, fd, pending, per_conn): whether the client just
 * accepted on descriptor fd can be kept.  Descriptors come lowest first,
 * so limit - fd is what is left; it must cover FDBUDGET_RESERVE and the
 * backends (per_conn - 1 each) of the pending connections, those accepted
 * but not yet past their handshake nor refused, and of this one.
 * Connections already at their backend cost nothing more.  A limit of 0
 * (none known) admits all.
 */
bool	fdbudget_admit(long, int, unsigned, int);

#endif
