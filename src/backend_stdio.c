/*
 * backend_stdio.c - our own standard input and output as the backend
 * (--connect stdio), for one connection at a time.  The connection works on
 * duplicates, made non-blocking only while it holds them; stdin and stdout
 * themselves are never closed, and their flags are put back afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"
#include "log.h"
#include "server.h"

/* Nothing to wait for: the 101 goes out on the loop's next turn. */
static void
stdio_started_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct backend *b = (struct backend *)(void *)((char *)w -
	    offsetof(struct backend, wio));

	(void)loop;
	(void)revents;
	backend_watchers_init(b);
	b->connecting = false;
	b->event(b, BACKEND_CONNECTED);
}

/* Both non-blocking, or neither (with errno). */
static int
stdio_nonblock(const struct server *srv)
{
	int err;

	if (fcntl(STDIN_FILENO, F_SETFL, srv->stdio.in_flags | O_NONBLOCK) ==
	    0 && fcntl(STDOUT_FILENO, F_SETFL, srv->stdio.out_flags |
	    O_NONBLOCK) == 0)
		return (0);
	err = errno;
	fcntl(STDOUT_FILENO, F_SETFL, srv->stdio.out_flags);
	fcntl(STDIN_FILENO, F_SETFL, srv->stdio.in_flags);
	errno = err;
	return (-1);
}

/* A close-on-exec duplicate of fd in *to, counted in b->fds. */
static int
counted_dup(struct backend *b, int fd, int *to)
{
	if ((*to = fcntl(fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return (-1);
	fdbudget_take(b->fds, 1);
	return (0);
}

static int
stdio_open(struct backend *b, const struct target *t,
    const struct backend_req *r)
{
	struct server *srv = r->srv;

	(void)t;
	b->conn_id = r->conn_id;
	snprintf(b->peer, sizeof(b->peer), "stdio");
	if (srv->stdio.ended) {
		snprintf(b->error, sizeof(b->error), "stdin has ended");
		return (-1);
	}
	if (srv->stdio.busy) {
		b->fail_status = 503;
		b->fail_retry = 1;
		snprintf(b->error, sizeof(b->error), "stdio in use by another "
		    "connection");
		return (-1);
	}
	/* Flags of both first: they may be one open file (a terminal). */
	if ((srv->stdio.in_flags = fcntl(STDIN_FILENO, F_GETFL)) == -1 ||
	    (srv->stdio.out_flags = fcntl(STDOUT_FILENO, F_GETFL)) == -1 ||
	    counted_dup(b, STDIN_FILENO, &b->rfd) == -1 ||
	    counted_dup(b, STDOUT_FILENO, &b->wfd) == -1 ||
	    stdio_nonblock(srv) == -1) {
		snprintf(b->error, sizeof(b->error), "stdio: %s",
		    strerror(errno));
		backend_fd_close(b);
		return (-1);
	}
	b->priv = srv;
	srv->stdio.busy = true;
	/* Once the client is gone the rest is written out and that is all:
	 * stdin is left for the next one. */
	b->detachable = true;
	b->keep_input = true;
	b->eof_code = 0;
	b->connecting = true;
	ev_init(&b->wio, stdio_started_cb);
	ev_feed_event(b->loop, &b->wio, EV_WRITE);
	return (0);
}

static ssize_t
stdio_read(struct backend *b, void *buf, size_t len)
{
	struct server *srv = b->priv;
	ssize_t n;

	/* stdout failed: this EOF ends the connection with eof_code. */
	if (b->eof_code != 0)
		return (0);
	if ((n = backend_fd_read(b, buf, len)) == 0 && !srv->stdio.ended) {
		srv->stdio.ended = true;
		log_info("stdin has ended: later upgrades get 502");
	}
	return (n);
}

static ssize_t
stdio_write(struct backend *b, const void *buf, size_t len)
{
	ssize_t n = backend_fd_write(b, buf, len);
	int err = errno;

	if (n == -1 && err != EAGAIN && b->eof_code == 0) {
		log_warnx("#%" PRIu64 " backend stdio: write to stdout: %s",
		    b->conn_id, strerror(err));
		b->eof_code = 1011;
		snprintf(b->eof_reason, sizeof(b->eof_reason),
		    "backend error");
		errno = err;
	}
	return (n);
}

static void
stdio_want(struct backend *b, bool rd, bool wr)
{
	backend_fd_want(b, rd, wr);
	/* Stdin may stay quiet: the EOF that ends the connection after a
	 * failed write does not wait for it. */
	if (rd && b->eof_code != 0)
		ev_feed_event(b->loop, &b->rio, EV_READ);
}

static void
stdio_close(struct backend *b)
{
	struct server *srv = b->priv;

	backend_fd_close(b);
	b->connecting = false;
	if (srv == NULL)
		return;
	/* A terminal or a parent may share them. */
	fcntl(STDOUT_FILENO, F_SETFL, srv->stdio.out_flags);
	fcntl(STDIN_FILENO, F_SETFL, srv->stdio.in_flags);
	srv->stdio.busy = false;
	b->priv = NULL;
}

const struct backend_ops backend_stdio_ops = {
	.open = stdio_open,
	.read = stdio_read,
	.write = stdio_write,
	.want = stdio_want,
	/* Only our duplicate closes: stdout stays open for the next one. */
	.shutdown_write = backend_fd_shutdown_write,
	.close = stdio_close,
};
