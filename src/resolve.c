/*
 * resolve.c - asynchronous getaddrinfo.  Requests live on one list per
 * process (one loop per process) until glibc has finished with them, even
 * when their owner went away: a cancelled request only loses its callback.
 * The notification thread touches nothing but ev_async_send().  What the
 * lookup threads may hold is counted in the process's descriptor count.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fdbudget.h"
#include "log.h"
#include "resolve.h"

/*
 * glibc runs at most 20 lookups at once, one a thread (gai_misc.c); each
 * may hold 2 descriptors at a time: a DNS socket and a file it reads
 * (resolv.conf, hosts) or nscd's socket.
 */
#define RESOLVE_THREADS		20
#define RESOLVE_THREAD_FDS	2

struct resolve_req {
	struct gaicb	gai;		/* must stay put while in progress */
	struct addrinfo	hints;
	struct sigevent	sev;
	char		*host;
	char		*port;
	resolve_cb	*cb;		/* NULL once cancelled */
	void		*arg;
	struct resolve_req *next;
};

static struct ev_loop *resolve_loop;
static ev_async resolve_async;
static struct resolve_req *resolve_pending;
static unsigned resolve_npending;	/* requests on that list */
static struct fdbudget *resolve_fds;	/* where their threads count */

/* The descriptors n requests may hold, at most. */
static unsigned
threads_fds(unsigned n)
{
	return ((n < RESOLVE_THREADS ? n : RESOLVE_THREADS) *
	    RESOLVE_THREAD_FDS);
}

/* n requests on the list from now on. */
static void
set_npending(unsigned n)
{
	fdbudget_give(resolve_fds, threads_fds(resolve_npending));
	fdbudget_take(resolve_fds, threads_fds(n));
	resolve_npending = n;
}

static void
req_free(struct resolve_req *r)
{
	if (r->gai.ar_result != NULL)
		freeaddrinfo(r->gai.ar_result);
	free(r->host);
	free(r->port);
	free(r);
}

/* Runs on a glibc thread: wake the loop, nothing else. */
static void
resolve_notify(union sigval sv)
{
	(void)sv;
	ev_async_send(resolve_loop, &resolve_async);
}

static void
resolve_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct resolve_req **rp, *r;
	struct addrinfo *res;
	int err;

	(void)loop;
	(void)w;
	(void)revents;
	rp = &resolve_pending;
	while ((r = *rp) != NULL) {
		if ((err = gai_error(&r->gai)) == EAI_INPROGRESS) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		set_npending(resolve_npending - 1);
		if (r->cb != NULL) {
			res = err == 0 ? r->gai.ar_result : NULL;
			if (err == 0)
				r->gai.ar_result = NULL;
			r->cb(r->arg, res, err);
		}
		req_free(r);
	}
	if (resolve_pending == NULL)
		ev_async_stop(resolve_loop, &resolve_async);
}

int
resolve_init(struct ev_loop *loop, struct fdbudget *fds)
{
	resolve_loop = loop;
	resolve_fds = fds;
	ev_async_init(&resolve_async, resolve_async_cb);
	return (0);
}

struct resolve_req *
resolve_start(const char *host, const char *port, resolve_cb *cb, void *arg)
{
	struct resolve_req *r;
	struct gaicb *list[1];
	int err;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto err0;
	if ((r->host = strdup(host)) == NULL ||
	    (r->port = strdup(port)) == NULL)
		goto err1;
	r->hints.ai_family = AF_UNSPEC;
	r->hints.ai_socktype = SOCK_STREAM;
	r->hints.ai_flags = AI_ADDRCONFIG;
	r->gai.ar_name = r->host;
	r->gai.ar_service = r->port;
	r->gai.ar_request = &r->hints;
	r->sev.sigev_notify = SIGEV_THREAD;
	r->sev.sigev_notify_function = resolve_notify;
	r->cb = cb;
	r->arg = arg;
	list[0] = &r->gai;
	if ((err = getaddrinfo_a(GAI_NOWAIT, list, 1, &r->sev)) != 0) {
		errno = err == EAI_AGAIN ? EAGAIN : ENOMEM;
		goto err1;
	}
	/* The async watcher runs only while lookups are pending, so an
	 * idle server's loop holds no reference for it. */
	ev_async_start(resolve_loop, &resolve_async);
	r->next = resolve_pending;
	resolve_pending = r;
	set_npending(resolve_npending + 1);
	return (r);

err1:
	req_free(r);
err0:
	return (NULL);
}

void
resolve_cancel(struct resolve_req *r)
{
	r->cb = NULL;
	/* Whether or not glibc can stop it, the entry is reaped by
	 * resolve_async_cb() once gai_error() stops saying in progress; a
	 * request cancelled before it ran gets no notification, so poke the
	 * loop ourselves. */
	if (gai_cancel(&r->gai) == EAI_CANCELED)
		ev_async_send(resolve_loop, &resolve_async);
}

void
resolve_fini(void)
{
	struct resolve_req *r;

	for (r = resolve_pending; r != NULL; r = r->next)
		resolve_cancel(r);
}
