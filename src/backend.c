/*
 * backend.c - what every descriptor-based backend shares: non-blocking
 * read/write with EINTR retried, and the two watchers that report readiness
 * to the owner.  No policy lives here: buffering and backpressure are
 * conn.c's.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"

static void
backend_rio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct backend *b = (struct backend *)(void *)((char *)w -
	    offsetof(struct backend, rio));

	(void)loop;
	(void)revents;
	b->event(b, BACKEND_READABLE);
}

static void
backend_wio_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct backend *b = (struct backend *)(void *)((char *)w -
	    offsetof(struct backend, wio));

	(void)loop;
	(void)revents;
	b->event(b, BACKEND_WRITABLE);
}

void
backend_watchers_init(struct backend *b)
{
	ev_init(&b->rio, backend_rio_cb);
	ev_init(&b->wio, backend_wio_cb);
}

void
backend_init(struct backend *b, struct ev_loop *loop, struct fdbudget *fds,
    const struct backend_ops *ops, backend_event_cb *event, void *owner)
{
	b->ops = ops;
	b->loop = loop;
	b->fds = fds;
	b->event = event;
	b->owner = owner;
	b->rfd = b->wfd = -1;
	backend_watchers_init(b);
	b->connecting = false;
	b->resolving = NULL;
	b->addrs = b->next_addr = NULL;
	b->peer[0] = '\0';
	b->error[0] = '\0';
	b->fail_status = 502;
	b->fail_retry = 0;
	b->eof = false;
	b->keep_input = false;
	b->priv = NULL;
}

ssize_t
backend_read(struct backend *b, void *buf, size_t len)
{
	ssize_t n = b->ops->read(b, buf, len);

	if (n == 0)
		b->eof = true;
	return (n);
}

void
backend_retarget(struct backend *b, const struct backend_ops *ops)
{
	backend_init(b, b->loop, b->fds, ops, b->event, b->owner);
}

const struct backend_ops *
backend_ops_for(const struct target *t)
{
	switch (t->kind) {
	case TARGET_PROGRAM:
	case TARGET_DIR:
		return (t->pty ? &backend_pty_ops : &backend_proc_ops);
	case TARGET_STDIO:
		return (&backend_stdio_ops);
	case TARGET_TCP:
	case TARGET_UNIX:
		break;
	}
	return (&backend_tcp_ops);
}

void
backend_fd_release(struct fdbudget *fds, int *fd)
{
	if (*fd == -1)
		return;
	close(*fd);
	*fd = -1;
	fdbudget_give(fds, 1);
}

ssize_t
backend_fd_read(struct backend *b, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(b->rfd, buf, len);
	while (n == -1 && errno == EINTR);
	return (n);
}

ssize_t
backend_fd_write(struct backend *b, const void *buf, size_t len)
{
	ssize_t n;

	do {
		/* send() on sockets so a reset peer cannot raise SIGPIPE. */
		if (b->wfd == b->rfd)
			n = send(b->wfd, buf, len, MSG_NOSIGNAL);
		else
			n = write(b->wfd, buf, len);
	} while (n == -1 && errno == EINTR);
	return (n);
}

void
backend_fd_want(struct backend *b, bool rd, bool wr)
{
	if (b->rfd != -1 && rd != (ev_is_active(&b->rio) != 0)) {
		if (rd) {
			ev_io_set(&b->rio, b->rfd, EV_READ);
			ev_io_start(b->loop, &b->rio);
		} else
			ev_io_stop(b->loop, &b->rio);
	}
	if (b->wfd != -1 && wr != (ev_is_active(&b->wio) != 0)) {
		if (wr) {
			ev_io_set(&b->wio, b->wfd, EV_WRITE);
			ev_io_start(b->loop, &b->wio);
		} else
			ev_io_stop(b->loop, &b->wio);
	}
}

void
backend_fd_close(struct backend *b)
{
	ev_io_stop(b->loop, &b->rio);
	ev_io_stop(b->loop, &b->wio);
	if (b->wfd == b->rfd)
		b->wfd = -1;		/* a socket: one descriptor */
	backend_fd_release(b->fds, &b->rfd);
	backend_fd_release(b->fds, &b->wfd);
}

void
backend_fd_shutdown_write(struct backend *b)
{
	if (b->wfd == -1)
		return;
	ev_io_stop(b->loop, &b->wio);
	backend_fd_release(b->fds, &b->wfd);
}
