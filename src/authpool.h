/*
 * authpool.h - password checks off the event loop: a few threads run
 * crypt(3), which is slow on purpose, and hand each result back to the
 * loop's thread through an ev_async watcher.  The loop never waits for a
 * hash, and a connection that goes away meanwhile is never touched by its
 * late result.
 */
#ifndef WSB_AUTHPOOL_H
#define WSB_AUTHPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#define AUTHPOOL_THREADS	2	/* checks running at once, per worker */
#define AUTHPOOL_QUEUE_MAX	256	/* checks not yet answered */
#define AUTHPOOL_NICE		10	/* the threads' nice value: the loop
					   comes first */

struct authpool;
struct authpool_job;

/* What the loop hears: the job's arg and whether the password matched. */
typedef void authpool_done_cb(void *, bool);

/*
 * authpool_new(loop, nthreads): start nthreads threads (all signals blocked
 * in them) that report to loop.  Returns the pool, or NULL with errno set.
 */
struct authpool *authpool_new(struct ev_loop *, unsigned);

/*
 * authpool_submit(pool, pass, hash, done, arg): check pass against hash
 * (both copied: the threads read nothing else of ours) on a pool thread;
 * done(arg, matched) is called later on the loop's thread, unless the job
 * is cancelled first.  Returns the job, or NULL when AUTHPOOL_QUEUE_MAX
 * checks are already waiting or memory is short.
 */
struct authpool_job *authpool_submit(struct authpool *, const char *,
	    const char *, authpool_done_cb *, void *);

/*
 * authpool_cancel(pool, job): done will not be called for job (from the
 * loop's thread only); its memory goes once no thread uses it.
 */
void	authpool_cancel(struct authpool *, struct authpool_job *);

/* authpool_free(pool): stop and join the threads, drop every job. */
void	authpool_free(struct authpool *);

#endif
