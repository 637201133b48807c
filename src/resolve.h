/*
 * resolve.h - host name resolution that never blocks the loop: glibc's
 * getaddrinfo_a() runs the lookup on its own thread and wakes the loop with
 * an ev_async when it is done.
 */
#ifndef WSB_RESOLVE_H
#define WSB_RESOLVE_H

#include <ev.h>
#include <netdb.h>

struct fdbudget;
struct resolve_req;

/*
 * Called on the loop when a lookup ends: res is the address list (owned by
 * the callee, freeaddrinfo() it) or NULL with gai_err set.
 */
typedef void resolve_cb(void *, struct addrinfo *, int);

/*
 * resolve_init(loop, fds): set up the wake-up watcher; what lookups in
 * progress may hold is counted in fds.  0 or -1.
 */
int	resolve_init(struct ev_loop *, struct fdbudget *);

/* resolve_fini(): cancel what can be cancelled; for a clean exit. */
void	resolve_fini(void);

/*
 * resolve_start(host, port, cb, arg): look up host and port (TCP) and call
 * cb(arg, ...) later, from the loop.  Returns a handle for resolve_cancel(),
 * or NULL with errno set.
 */
struct resolve_req *resolve_start(const char *, const char *, resolve_cb *,
	    void *);

/* resolve_cancel(req): cb will not be called; the lookup is freed later. */
void	resolve_cancel(struct resolve_req *);

#endif
