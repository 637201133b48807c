/*
 * transport.c - the plain TCP transport: thin wrappers over the socket
 * calls, with EINTR retried here so callers see only data, EAGAIN or a real
 * error.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"

static ssize_t
plain_read(struct transport *t, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(t->fd, buf, len);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_READ;
	return (n);
}

static ssize_t
plain_writev(struct transport *t, const struct iovec *iov, int n)
{
	struct msghdr msg = { 0 };
	ssize_t r;

	if (n == 0)
		return (0);
	/* sendmsg rather than writev: MSG_NOSIGNAL spares us SIGPIPE. */
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = (size_t)n;
	do
		r = sendmsg(t->fd, &msg, MSG_NOSIGNAL);
	while (r == -1 && errno == EINTR);
	if (r == -1 && errno == EAGAIN)
		t->want = TRANSPORT_WANT_WRITE;
	return (r);
}

static int
plain_shutdown(struct transport *t)
{
	return (shutdown(t->fd, SHUT_WR));
}

static void
plain_close(struct transport *t)
{
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops plain_ops = {
	.read = plain_read,
	.writev = plain_writev,
	.shutdown = plain_shutdown,
	.close = plain_close,
};

void
transport_plain(struct transport *t, int fd)
{
	memset(t, 0, sizeof(*t));
	t->ops = &plain_ops;
	t->fd = fd;
}
