/*
 * echod.c - the benchmarks' TCP echo backend: epoll, level-triggered, one
 * thread, one shared read buffer; a connection owns memory only while the
 * kernel refuses part of an echo.  Never the bottleneck, never logs per
 * connection.  Prints "echod: listening on ADDR:PORT" once bound.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFLEN	(256u << 10)

struct conn {
	int	 fd;
	uint8_t	*pend;		/* bytes the kernel did not take yet */
	size_t	 off, len;
};

static int	 ep;
static uint8_t	 buf[BUFLEN];

static void
conn_close(struct conn *c)
{
	close(c->fd);		/* also drops it from the epoll set */
	free(c->pend);
	free(c);
}

static void
watch(struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Write pend out; 1 when it is all out, 0 on EAGAIN, -1 on error. */
static int
drain(struct conn *c)
{
	while (c->len > 0) {
		ssize_t n = write(c->fd, c->pend + c->off, c->len);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (errno == EAGAIN ? 0 : -1);
		}
		c->off += (size_t)n;
		c->len -= (size_t)n;
	}
	free(c->pend);
	c->pend = NULL;
	c->off = 0;
	return (1);
}

static void
on_read(struct conn *c)
{
	ssize_t n = read(c->fd, buf, sizeof(buf)), w;

	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	if (n == 0) {
		conn_close(c);
		return;
	}
	w = write(c->fd, buf, (size_t)n);
	if (w == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			conn_close(c);
			return;
		}
		w = 0;
	}
	if (w == n)
		return;
	c->len = (size_t)(n - w);
	c->off = 0;
	c->pend = malloc(c->len);
	if (c->pend == NULL) {
		conn_close(c);
		return;
	}
	memcpy(c->pend, buf + w, c->len);
	/* stop reading until the echo is out: backpressure to the sender */
	watch(c, EPOLLOUT);
}

static void
on_write(struct conn *c)
{
	int r = drain(c);

	if (r == -1)
		conn_close(c);
	else if (r == 1)
		watch(c, EPOLLIN);
}

static void
on_accept(int lfd)
{
	for (;;) {
		struct epoll_event e;
		struct conn *c;
		int one = 1;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1)
			return;		/* EAGAIN, or EMFILE: try later */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		e.events = EPOLLIN;
		e.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) == -1)
			conn_close(c);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct epoll_event e, evs[256];
	socklen_t sl = sizeof(sa);
	int lfd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (argc > 1)
		sa.sin_port = htons((uint16_t)atoi(argv[1]));
	if (argc > 2 && inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: echod [PORT [ADDR]]\n");
		return (2);
	}
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 4096) || getsockname(lfd, (struct sockaddr *)&sa, &sl)) {
		perror("echod");
		return (1);
	}
	printf("echod: listening on %s:%u\n", inet_ntoa(sa.sin_addr),
	    ntohs(sa.sin_port));
	fflush(stdout);
	ep = epoll_create1(EPOLL_CLOEXEC);
	e.events = EPOLLIN;
	e.data.ptr = NULL;
	if (ep == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e) == -1) {
		perror("echod: epoll");
		return (1);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1), i;

		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == NULL)
				on_accept(lfd);
			else if (c->pend != NULL)
				on_write(c);
			else
				on_read(c);
		}
	}
}
