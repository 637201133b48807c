/*
 * authpool.c - the password-check threads.  They share only the two job
 * lists below, under one mutex, and read nothing but a job's own copies of
 * the password and hash; everything else (the connection, the users table,
 * the log) stays on the loop's thread, which alone calls back and frees.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth.h"
#include "authpool.h"

struct authpool_job {
	struct authpool_job *next;	/* in todo or done */
	char		*pass;		/* copies, scrubbed when freed */
	char		*hash;
	bool		matched;	/* set by the thread */
	bool		cancelled;	/* loop thread only: no callback */
	authpool_done_cb *done;
	void		*arg;
};

struct authpool {
	struct ev_loop	*loop;
	ev_async	async;		/* "results in done" */
	pthread_mutex_t	mu;		/* guards what follows */
	pthread_cond_t	cv;		/* "todo has work, or stop" */
	struct authpool_job *todo, **todo_tail;
	struct authpool_job *done;	/* finished, newest first */
	bool		stop;
	size_t		queued;		/* submitted, not yet called back */
	pthread_t	*threads;
	unsigned	nthreads;
};

static void
job_free(struct authpool_job *j)
{
	if (j->pass != NULL) {
		OPENSSL_cleanse(j->pass, strlen(j->pass));
		free(j->pass);
	}
	if (j->hash != NULL) {
		OPENSSL_cleanse(j->hash, strlen(j->hash));
		free(j->hash);
	}
	free(j);
}

static void *
worker_main(void *arg)
{
	struct authpool *p = arg;
	struct authpool_job *j;
	struct crypt_data *cd;

	/* Hashing yields to the event loop when they compete for a core:
	 * on Linux a nice value set through the thread id is the thread's
	 * alone.  Best effort: lowering one's priority is always allowed. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), AUTHPOOL_NICE);
	/* 32 KiB of scratch for crypt_rn: once per thread, off the stack. */
	cd = malloc(sizeof(*cd));
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->todo == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		j = p->todo;
		if ((p->todo = j->next) == NULL)
			p->todo_tail = &p->todo;
		pthread_mutex_unlock(&p->mu);

		j->matched = cd != NULL && auth_hash_matches(j->pass, j->hash,
		    cd);
		OPENSSL_cleanse(j->pass, strlen(j->pass));

		pthread_mutex_lock(&p->mu);
		j->next = p->done;
		p->done = j;
		ev_async_send(p->loop, &p->async);
	}
	pthread_mutex_unlock(&p->mu);
	if (cd != NULL) {
		OPENSSL_cleanse(cd, sizeof(*cd));
		free(cd);
	}
	return (NULL);
}

/* On the loop's thread: call back for every finished job. */
static void
async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct authpool *p = (struct authpool *)(void *)((char *)w -
	    offsetof(struct authpool, async));
	struct authpool_job *list, *j, *rev = NULL;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&p->mu);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->mu);
	/* Oldest first. */
	while ((j = list) != NULL) {
		list = j->next;
		j->next = rev;
		rev = j;
	}
	while ((j = rev) != NULL) {
		rev = j->next;
		p->queued--;
		if (!j->cancelled)
			j->done(j->arg, j->matched);
		job_free(j);
	}
}

struct authpool *
authpool_new(struct ev_loop *loop, unsigned nthreads)
{
	struct authpool *p;
	sigset_t all, old;
	unsigned i;
	int e = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if ((p->threads = calloc(nthreads, sizeof(*p->threads))) == NULL) {
		free(p);
		return (NULL);
	}
	p->loop = loop;
	p->todo_tail = &p->todo;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	ev_async_init(&p->async, async_cb);
	ev_async_start(loop, &p->async);
	/* Signals are the loop's: the threads inherit a full mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if ((e = pthread_create(&p->threads[i], NULL, worker_main,
		    p)) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads < nthreads) {
		authpool_free(p);
		errno = e;
		return (NULL);
	}
	return (p);
}

struct authpool_job *
authpool_submit(struct authpool *p, const char *pass, const char *hash,
    authpool_done_cb *done, void *arg)
{
	struct authpool_job *j;

	if (p->queued >= AUTHPOOL_QUEUE_MAX ||
	    (j = calloc(1, sizeof(*j))) == NULL)
		return (NULL);
	if ((j->pass = strdup(pass)) == NULL ||
	    (j->hash = strdup(hash)) == NULL) {
		job_free(j);
		return (NULL);
	}
	j->done = done;
	j->arg = arg;
	p->queued++;
	pthread_mutex_lock(&p->mu);
	*p->todo_tail = j;
	p->todo_tail = &j->next;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return (j);
}

void
authpool_cancel(struct authpool *p, struct authpool_job *job)
{
	struct authpool_job **jp;

	pthread_mutex_lock(&p->mu);
	for (jp = &p->todo; *jp != NULL; jp = &(*jp)->next)
		if (*jp == job)
			break;
	if (*jp != NULL) {
		/* Not started: gone now. */
		if ((*jp = job->next) == NULL)
			p->todo_tail = jp;
		pthread_mutex_unlock(&p->mu);
		p->queued--;
		job_free(job);
		return;
	}
	pthread_mutex_unlock(&p->mu);
	/* Running or done: async_cb frees it without calling back. */
	job->cancelled = true;
	job->arg = NULL;
}

void
authpool_free(struct authpool *p)
{
	struct authpool_job *j;
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	ev_async_stop(p->loop, &p->async);
	while ((j = p->todo) != NULL) {
		p->todo = j->next;
		job_free(j);
	}
	while ((j = p->done) != NULL) {
		p->done = j->next;
		job_free(j);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
