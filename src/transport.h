/*
 * transport.h - the client side's byte stream behind one interface, so the
 * connection code never knows whether TLS is underneath.  read and writev
 * behave like read(2)/writev(2): -1 with errno EAGAIN when they would block.
 * After EAGAIN, t->want says which readiness the transport waits for (a TLS
 * read can need the socket writable, and the other way round).
 */
#ifndef WSB_TRANSPORT_H
#define WSB_TRANSPORT_H

#include <sys/types.h>
#include <sys/uio.h>

#define TRANSPORT_WANT_READ	0x1
#define TRANSPORT_WANT_WRITE	0x2

struct transport;

struct transport_ops {
	ssize_t	(*read)(struct transport *, void *, size_t);
	ssize_t	(*writev)(struct transport *, const struct iovec *, int);
	int	(*shutdown)(struct transport *);	/* no more writes */
	void	(*close)(struct transport *);
};

struct transport {
	const struct transport_ops *ops;
	int		fd;		/* the client socket */
	int		want;		/* TRANSPORT_WANT_* after EAGAIN */
	size_t		pending;	/* accepted bytes not yet on the wire;
					   writev with no iovecs pushes them */
	int		read_pending;	/* input already read from the socket
					   (TLS records): no readiness event
					   will announce it */
	void		*impl;		/* TLS state, NULL for plain */
	char		errmsg[160];	/* why the last call failed (TLS) */
};

/* transport_plain(t, fd): a plain TCP transport on fd (owned by t). */
void	transport_plain(struct transport *, int);

static inline ssize_t
transport_read(struct transport *t, void *buf, size_t len)
{
	return (t->ops->read(t, buf, len));
}

static inline ssize_t
transport_writev(struct transport *t, const struct iovec *iov, int n)
{
	return (t->ops->writev(t, iov, n));
}

static inline int
transport_shutdown(struct transport *t)
{
	return (t->ops->shutdown(t));
}

/* transport_close(t): release everything, close the fd; twice is fine. */
static inline void
transport_close(struct transport *t)
{
	if (t->ops != NULL)
		t->ops->close(t);
	t->ops = NULL;
}

#endif
