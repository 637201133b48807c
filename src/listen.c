/*
 * listen.c - binds the listeners at start-up and accepts connections.  Every
 * accepted socket is born non-blocking and close-on-exec and counted against
 * the connection limits at once (quota.c); one that does not fit gets a 503.
 * A client is kept only while the descriptors the process holds (counted,
 * fdbudget.h) leave room for the backends still to be opened; otherwise,
 * or when accept() itself runs out, accepting pauses briefly instead of
 * spinning on a listener that stays readable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "fdbudget.h"
#include "handshake.h"
#include "quota.h"
#include "listen.h"
#include "log.h"
#include "netaddr.h"
#include "server.h"

#define ACCEPT_BATCH	64	/* per wake-up, so one listener can't hog */
#define EMFILE_PAUSE	0.5	/* seconds without accepting */
#define REFUSED_MAX	64	/* refused connections read to their EOF */
#define REFUSED_DRAIN	4	/* reads of what one sent before it is shut */

static ev_timer resume_timer;

static void
pause_accepting(struct server *srv, const char *name)
{
	listen_stop(srv);
	ev_timer_set(&resume_timer, EMFILE_PAUSE, 0.);
	ev_timer_start(srv->loop, &resume_timer);
	log_warnx("accept on %s: out of descriptors (pausing %.1fs)", name,
	    EMFILE_PAUSE);
}

static void
fmt_sockaddr(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *su =
		    (const struct sockaddr_un *)(const void *)sa;

		snprintf(out, len, "unix:%s", su->sun_path);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 =
		    (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

/*
 * Beyond REFUSED_MAX refusals waiting for their client's EOF (one address
 * opening sockets as fast as it can), a refused connection costs no more
 * than this: what it sent already is read, so that closing sends a FIN and
 * not a reset, then the 503 (none under TLS: no handshake for it) and the
 * close.  It is counted in the next "refused by limits" line.
 */
static void
refuse_now(struct server *srv, int fd, bool tls)
{
	char reply[512], sink[4096];
	int i, n;

	for (i = 0; i < REFUSED_DRAIN && read(fd, sink, sizeof(sink)) > 0;
	    i++)
		;
	if (!tls && (n = handshake_error(reply, sizeof(reply), 503,
	    "Retry-After: 1\r\n", NULL)) > 0 &&
	    write(fd, reply, (size_t)n) != n)
		log_debug("refused connection: could not send the 503");
	close(fd);
	fdbudget_give(&srv->fds, 1);
	srv->limit_suppressed++;
}

/* Is the peer a --trust-proxy, whose requests say whose they are? */
static bool
trusted_peer(const struct server *srv, const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < srv->ntrusted; i++)
		if (netaddr_cidr_match(&srv->trusted[i], sa))
			return (true);
	return (false);
}

static void
resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)loop;
	listen_start(w->data);
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = (struct listener *)(void *)((char *)w -
	    offsetof(struct listener, io));
	struct server *srv = l->srv;
	struct sockaddr_storage ss;
	struct quota_ticket ticket;
	const struct sockaddr *by;
	const char *why;
	socklen_t sslen;
	int fd, i, one = 1;

	(void)loop;
	(void)revents;
	for (i = 0; i < ACCEPT_BATCH && !srv->draining; i++) {
		sslen = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				pause_accepting(srv, l->name);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED && errno != EPROTO)
				log_warn("accept on %s", l->name);
			return;
		}
		/* Counted from now on.  Kept only while the descriptors
		 * left cover the backends of the connections still on their
		 * way there, this one too. */
		fdbudget_take(&srv->fds, 1);
		if (!fdbudget_admit(&srv->fds, fd, srv->nconns -
		    srv->nactive - srv->nrefused)) {
			log_debug("descriptors: %ld in use of %ld, %u "
			    "connection(s) before their backend",
			    fdbudget_in_use(&srv->fds, fd), srv->fds.limit,
			    srv->nconns - srv->nactive - srv->nrefused);
			close(fd);
			fdbudget_give(&srv->fds, 1);
			pause_accepting(srv, l->name);
			return;
		}
		/* Counted from now on, by address unless a PROXY header or
		 * a trusted proxy's request will say whose it is. */
		by = l->proxy || trusted_peer(srv, (struct sockaddr *)&ss) ?
		    NULL : (struct sockaddr *)&ss;
		why = quota_conn_admit(srv->quota, srv->cfg, by, &ticket);
		if (why != NULL && srv->nrefused >= REFUSED_MAX) {
			refuse_now(srv, fd, l->tls);
			continue;
		}
		if (ss.ss_family != AF_UNIX)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		if (conn_new(srv, fd, (struct sockaddr *)&ss, l->tls,
		    l->proxy, &ticket, why) == NULL)
			log_warnx("out of memory: connection dropped");
	}
}

/* Take a listening socket into srv's list and log it. */
static int
add_listener(struct server *srv, int fd, bool tls, const char *how,
    char *err, size_t errlen)
{
	struct listener *l, *ls;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	ls = realloc(srv->listeners, (srv->nlisteners + 1) * sizeof(*ls));
	if (ls == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return (-1);
	}
	srv->listeners = ls;
	l = &ls[srv->nlisteners++];
	l->srv = srv;
	l->fd = fd;
	l->tls = tls;
	l->proxy = srv->cfg->proxy_protocol;
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		snprintf(l->name, sizeof(l->name), "fd %d", fd);
	else
		fmt_sockaddr((struct sockaddr *)&ss, l->name, sizeof(l->name));
	log_info("listening on %s%s%s", l->name, tls ? " (TLS)" : "", how);
	return (0);
}

/*
 * Make room for a Unix listener at su's path.  Nothing there: fine.  A
 * socket nobody answers on (left by a server that was killed) is removed.
 * A socket a server answers on, even with its accept queue full, is that
 * server's: refused (-2, a configuration error).  Anything else at the
 * path is refused too and never removed.  -1 when it cannot be told.
 */
static int
unix_path_claim(const struct sockaddr_un *su, const char *display,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, rc, e;

	if (lstat(su->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return (0);
		snprintf(err, errlen, "listen %s: %s", display,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "listen %s: exists and is not a socket",
		    display);
		return (-2);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", display,
		    strerror(errno));
		return (-1);
	}
	rc = connect(fd, (const struct sockaddr *)su, sizeof(*su));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen, "listen %s: a server is already "
		    "listening there", display);
		return (-2);
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "listen %s: cannot tell whether a server "
		    "is listening there: %s", display, strerror(e));
		return (-1);
	}
	if (unlink(su->sun_path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "listen %s: cannot remove the stale "
		    "socket: %s", display, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
bind_one(struct server *srv, const struct addrinfo *ai, int v6only,
    bool tls, bool proxy, char *err, size_t errlen, const char *display)
{
	int fd, rc, one = 1;

	if (ai->ai_family == AF_UNIX && (rc = unix_path_claim(
	    (const struct sockaddr_un *)(const void *)ai->ai_addr, display,
	    err, errlen)) != 0)
		return (rc);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", display,
		    strerror(errno));
		return (-1);
	}
	if (ai->ai_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "listen %s: %s", display,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (add_listener(srv, fd, tls, proxy ? " (PROXY protocol)" : "", err,
	    errlen) == -1)
		return (-1);
	srv->listeners[srv->nlisteners - 1].proxy = proxy;
	return (0);
}

/*
 * systemd socket activation: LISTEN_PID is us and LISTEN_FDS sockets
 * start at descriptor 3.  Returns how many were taken.
 */
static int
adopt_systemd(struct server *srv, bool tls, char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	long n, i;
	int fl;

	if (pid == NULL || fds == NULL || atol(pid) != (long)getpid())
		return (0);
	n = atol(fds);
	for (i = 0; i < n; i++) {
		fl = fcntl(3 + (int)i, F_GETFL);
		if (fl == -1 || fcntl(3 + (int)i, F_SETFL, fl | O_NONBLOCK) ==
		    -1 || fcntl(3 + (int)i, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errlen, "LISTEN_FDS: descriptor %ld: %s",
			    3 + i, strerror(errno));
			return (-1);
		}
		if (add_listener(srv, 3 + (int)i, tls, " (from systemd)", err,
		    errlen) == -1)
			return (-1);
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return ((int)n);
}

static int
open_spec(struct server *srv, const struct listen_spec *ls, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_un sun;
	int gerr, n = 0, rc = 0;
	bool tls = ls->tls == LISTEN_TLS_ON || (ls->tls == LISTEN_TLS_DEFAULT &&
	    srv->cfg->tls_cert != NULL);
	bool proxy = ls->proxy || srv->cfg->proxy_protocol;

	if (ls->path != NULL) {
		memset(&sun, 0, sizeof(sun));
		memset(&hints, 0, sizeof(hints));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, ls->path, strlen(ls->path));
		hints.ai_family = AF_UNIX;
		hints.ai_addr = (struct sockaddr *)&sun;
		hints.ai_addrlen = sizeof(sun);
		return (bind_one(srv, &hints, 0, tls, proxy, err, errlen,
		    ls->display));
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (ls->host == NULL) {
		/* One dual-stack socket; IPv4 alone where IPv6 is off. */
		hints.ai_family = AF_INET6;
		if (getaddrinfo(NULL, ls->port, &hints, &res) == 0) {
			rc = bind_one(srv, res, 0, tls, proxy, err, errlen,
			    ls->display);
			freeaddrinfo(res);
			if (rc == 0)
				return (0);
		}
		hints.ai_family = AF_INET;
	}
	if ((gerr = getaddrinfo(ls->host, ls->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "bad --listen %s: %s", ls->display,
		    gai_strerror(gerr));
		return (-2);
	}
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next, n++)
		rc = bind_one(srv, ai, 1, tls, proxy, err, errlen,
		    ls->display);
	freeaddrinfo(res);
	return (rc);
}

int
listen_open(struct server *srv, char *err, size_t errlen)
{
	size_t i;
	int rc;

	ev_init(&resume_timer, resume_cb);
	resume_timer.data = srv;
	if (adopt_systemd(srv, srv->cfg->tls_cert != NULL, err, errlen) < 0) {
		listen_close(srv);
		return (-1);
	}
	for (i = 0; i < srv->cfg->nlistens; i++) {
		if ((rc = open_spec(srv, &srv->cfg->listens[i], err,
		    errlen)) != 0) {
			listen_close(srv);
			return (rc);
		}
	}
	for (i = 0; i < srv->nlisteners; i++)
		ev_io_init(&srv->listeners[i].io, accept_cb,
		    srv->listeners[i].fd, EV_READ);
	return (0);
}

void
listen_start(struct server *srv)
{
	size_t i;

	if (srv->draining)
		return;
	for (i = 0; i < srv->nlisteners; i++)
		ev_io_start(srv->loop, &srv->listeners[i].io);
}

void
listen_stop(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->nlisteners; i++)
		ev_io_stop(srv->loop, &srv->listeners[i].io);
}

void
listen_close(struct server *srv)
{
	size_t i;

	listen_stop(srv);
	ev_timer_stop(srv->loop, &resume_timer);
	for (i = 0; i < srv->nlisteners; i++)
		close(srv->listeners[i].fd);
	free(srv->listeners);
	srv->listeners = NULL;
	srv->nlisteners = 0;
}
