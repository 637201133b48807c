/*
 * listen.c - binds the listeners at start-up and accepts connections.  Every
 * accepted socket is born non-blocking and close-on-exec.  When descriptors
 * run out, accepting pauses briefly instead of spinning on a listener that
 * stays readable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "listen.h"
#include "log.h"
#include "server.h"

#define ACCEPT_BATCH	64	/* per wake-up, so one listener can't hog */
#define EMFILE_PAUSE	0.5	/* seconds without accepting */

static ev_timer resume_timer;

static void
fmt_sockaddr(const struct sockaddr *sa, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET6) {
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

static void
resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)w;
	listen_start(ev_userdata(loop));
}

static void
accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = (struct listener *)(void *)((char *)w -
	    offsetof(struct listener, io));
	struct server *srv = l->srv;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, i, one = 1;

	(void)revents;
	for (i = 0; i < ACCEPT_BATCH && !srv->draining; i++) {
		sslen = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warn("accept on %s (pausing %.1fs)",
				    l->name, EMFILE_PAUSE);
				listen_stop(srv);
				ev_timer_set(&resume_timer, EMFILE_PAUSE, 0.);
				ev_timer_start(loop, &resume_timer);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED && errno != EPROTO)
				log_warn("accept on %s", l->name);
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (conn_new(srv, fd, (struct sockaddr *)&ss) == NULL)
			log_warnx("out of memory: connection dropped");
	}
}

static int
bind_one(struct server *srv, const struct addrinfo *ai, int v6only,
    char *err, size_t errlen, const char *display)
{
	struct listener *l, *ls;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd, one = 1;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		snprintf(err, errlen, "listen %s: socket: %s", display,
		    strerror(errno));
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, SOMAXCONN) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(err, errlen, "listen %s: %s", display,
		    strerror(errno));
		close(fd);
		return (-1);
	}
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
	fmt_sockaddr((struct sockaddr *)&ss, l->name, sizeof(l->name));
	log_info("listening on %s", l->name);
	return (0);
}

static int
open_spec(struct server *srv, const struct listen_spec *ls, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int gerr, n = 0, rc = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (ls->host == NULL) {
		/* One dual-stack socket; IPv4 alone where IPv6 is off. */
		hints.ai_family = AF_INET6;
		if (getaddrinfo(NULL, ls->port, &hints, &res) == 0) {
			rc = bind_one(srv, res, 0, err, errlen, ls->display);
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
		rc = bind_one(srv, ai, 1, err, errlen, ls->display);
	freeaddrinfo(res);
	return (rc);
}

int
listen_open(struct server *srv, char *err, size_t errlen)
{
	size_t i;
	int rc;

	ev_init(&resume_timer, resume_cb);

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
