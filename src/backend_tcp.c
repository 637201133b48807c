/*
 * backend_tcp.c - the TCP and Unix-socket backend: resolve without blocking
 * (numeric addresses skip the lookup), then try each address in turn with a
 * non-blocking connect().  The overall deadline is the owner's timer.  One
 * descriptor is counted from the lookup on: the socket, or the one to come.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"
#include "log.h"
#include "resolve.h"

static int	tcp_try_next(struct backend *, int);

/* Monotonic seconds, for timing a connect. */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
fmt_addr(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	default:
		snprintf(out, len, "?");
	}
}

/* The connect wait: writable means connect() finished, one way or other. */
static void
tcp_connect_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct backend *b = (struct backend *)(void *)((char *)w -
	    offsetof(struct backend, wio));
	socklen_t len = sizeof(int);
	int err = 0;

	(void)revents;
	ev_io_stop(loop, w);
	if (getsockopt(b->wfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		/* The last address's failure is the one the owner logs. */
		if (b->next_addr != NULL)
			log_debug("#%" PRIu64 " connect to %s: %s after %.1f "
			    "ms, trying the next address", b->conn_id, b->peer,
			    strerror(err), (mono_now() - b->open_at) * 1e3);
		if (tcp_try_next(b, err) == -1)
			b->event(b, BACKEND_FAILED);
		return;
	}
	log_debug("#%" PRIu64 " backend %s connected in %.1f ms", b->conn_id,
	    b->peer, (mono_now() - b->open_at) * 1e3);
	b->connecting = false;
	freeaddrinfo(b->addrs);
	b->addrs = b->next_addr = NULL;
	/* From now on the watchers report plain readiness. */
	backend_watchers_init(b);
	b->event(b, BACKEND_CONNECTED);
}

static int
start_connect(struct backend *b, int family, const struct sockaddr *sa,
    socklen_t salen)
{
	int fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (errno);
	fdbudget_take(b->fds, 1);
	if (family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* EAGAIN is no connect in progress: on a Unix socket the peer's
	 * accept queue is full, on TCP no local port is left. */
	if (connect(fd, sa, salen) == -1 && errno != EINPROGRESS) {
		int err = errno;

		backend_fd_release(b->fds, &fd);
		return (err);
	}
	b->rfd = b->wfd = fd;
	b->connecting = true;
	ev_io_set(&b->wio, fd, EV_WRITE);
	ev_io_start(b->loop, &b->wio);
	return (0);
}

/*
 * Try the next resolved address.  Returns 0 while a connect is in progress,
 * -1 with b->error set when none is left; the caller reports it.
 */
static int
tcp_try_next(struct backend *b, int err)
{
	struct addrinfo *ai;

	ev_io_stop(b->loop, &b->wio);
	backend_fd_release(b->fds, &b->rfd);
	b->wfd = -1;
	b->connecting = false;
	while ((ai = b->next_addr) != NULL) {
		b->next_addr = ai->ai_next;
		fmt_addr(ai->ai_addr, b->peer, sizeof(b->peer));
		if ((err = start_connect(b, ai->ai_family, ai->ai_addr,
		    ai->ai_addrlen)) == 0)
			return (0);
	}
	snprintf(b->error, sizeof(b->error), "connect to %s: %s", b->peer,
	    strerror(err));
	freeaddrinfo(b->addrs);
	b->addrs = NULL;
	return (-1);
}

static void
tcp_resolved(void *arg, struct addrinfo *res, int gai_err)
{
	struct backend *b = arg;

	b->resolving = NULL;
	fdbudget_give(b->fds, 1);	/* socket() counts its own */
	if (res == NULL) {
		snprintf(b->error, sizeof(b->error), "cannot resolve %s: %s",
		    b->peer, gai_strerror(gai_err));
		b->event(b, BACKEND_FAILED);
		return;
	}
	b->addrs = b->next_addr = res;
	if (tcp_try_next(b, EHOSTUNREACH) == -1)
		b->event(b, BACKEND_FAILED);
}

static int
tcp_open(struct backend *b, const struct target *t,
    const struct backend_req *req)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *res;
	int err;

	b->conn_id = req->conn_id;
	b->open_at = mono_now();
	ev_init(&b->wio, tcp_connect_cb);
	if (t->kind == TARGET_UNIX) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		/* config.c checked that the path fits. */
		memcpy(sun.sun_path, t->path, strlen(t->path));
		snprintf(b->peer, sizeof(b->peer), "unix:%s", t->path);
		if ((err = start_connect(b, AF_UNIX,
		    (const struct sockaddr *)&sun, sizeof(sun))) != 0) {
			snprintf(b->error, sizeof(b->error), "connect to %s: "
			    "%s", b->peer, err == EAGAIN ? "its accept queue "
			    "is full" : strerror(err));
			return (-1);
		}
		return (0);
	}

	snprintf(b->peer, sizeof(b->peer), "%s", t->display);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(t->host, t->port, &hints, &res) == 0) {
		b->addrs = b->next_addr = res;
		return (tcp_try_next(b, EHOSTUNREACH));
	}
	if ((b->resolving = resolve_start(t->host, t->port, tcp_resolved,
	    b)) == NULL) {
		snprintf(b->error, sizeof(b->error), "cannot resolve %s: %s",
		    t->display, strerror(errno));
		return (-1);
	}
	/* The socket to come is counted now: its connection is past the
	 * handshake, so accepting no longer keeps one for it. */
	fdbudget_take(b->fds, 1);
	return (0);
}

static void
tcp_shutdown_write(struct backend *b)
{
	if (b->wfd != -1)
		shutdown(b->wfd, SHUT_WR);
}

static void
tcp_close(struct backend *b)
{
	if (b->resolving != NULL) {
		resolve_cancel(b->resolving);
		b->resolving = NULL;
		fdbudget_give(b->fds, 1);
	}
	if (b->addrs != NULL) {
		freeaddrinfo(b->addrs);
		b->addrs = b->next_addr = NULL;
	}
	b->connecting = false;
	backend_fd_close(b);
}

const struct backend_ops backend_tcp_ops = {
	.open = tcp_open,
	.read = backend_fd_read,
	.write = backend_fd_write,
	.want = backend_fd_want,
	.shutdown_write = tcp_shutdown_write,
	.close = tcp_close,
};
