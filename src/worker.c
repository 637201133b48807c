/*
 * worker.c - process structure and signals.  All signals are ev_signal
 * watchers: no work ever happens in a raw handler.  A worker drains on
 * SIGTERM/SIGINT (close 1001 to every client) and exits 0 when its last
 * connection and program are gone or the grace period ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ev.h>
#include <openssl/rand.h>

#include "authpool.h"
#include "backend.h"
#include "config.h"
#include "conn.h"
#include "quota.h"
#include "listen.h"
#include "log.h"
#include "preflight.h"
#include "resolve.h"
#include "server.h"
#include "snapshot.h"
#include "throttle.h"
#include "tokenfile.h"
#include "worker.h"

#define RESPAWN_DELAY	1.0	/* after a worker that died young */

struct worker {
	pid_t		pid;
	int		slot;		/* its counts (quota.h), or -1 */
	ev_child	child;
	ev_tstamp	started;
	ev_timer	respawn;
};

/* Per process: the master's or the worker's watchers. */
static ev_signal sig_term, sig_int, sig_hup;
static ev_timer drain_timer;
static ev_tstamp first_signal;
static struct worker *workers;
static unsigned nworkers;
static bool stopping;

static void
drain_over(struct ev_loop *loop)
{
	struct server *srv = ev_userdata(loop);

	while (srv->conns != NULL)
		conn_abort(srv->conns);
	backend_proc_kill_all();
	ev_break(loop, EVBREAK_ALL);
}

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = ev_userdata(loop);

	(void)w;
	(void)revents;
	log_info("shutdown grace period over: dropping %u connection(s), "
	    "%u program(s)", srv->nconns, srv->norphans);
	drain_over(loop);
}

static void
worker_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *srv = ev_userdata(loop);
	struct conn *c, *next;

	(void)revents;
	if (srv->draining) {
		/* The same signal often comes twice (terminal and master). */
		if (ev_now(loop) - first_signal < 1.0)
			return;
		log_info("signal %d again: exiting now", w->signum);
		drain_over(loop);
		return;
	}
	first_signal = ev_now(loop);
	log_info("signal %d: shutting down, %u connection(s) open",
	    w->signum, srv->nconns);
	srv->draining = true;
	listen_close(srv);
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_shutdown(c);
	}
	if (srv->nconns == 0 && srv->norphans == 0) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	ev_timer_init(&drain_timer, drain_timeout_cb, srv->cfg->shutdown_grace,
	    0.);
	ev_timer_start(loop, &drain_timer);
}

/* SIGHUP: certificate and key, users and tokens read again for new
 * connections; open ones keep the snapshot they started with. */
static void
worker_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	server_reload(ev_userdata(loop), SNAPSHOT_ALL, false);
}

/*
 * --basic-auth: the threads that check passwords and the table of failures
 * by address, both this process's own (workers count separately).
 */
static int
auth_setup(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	uint64_t seed = 0;

	if ((srv->authpool = authpool_new(srv->loop, AUTHPOOL_THREADS)) ==
	    NULL) {
		log_err("cannot start the password-check threads");
		return (-1);
	}
	/* A seed of our own: which addresses share slots is not guessable. */
	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		seed = (uint64_t)getpid() ^ (uint64_t)ev_time();
	if ((srv->throttle = calloc(1, sizeof(*srv->throttle))) == NULL ||
	    throttle_init(srv->throttle, THROTTLE_SLOTS, cfg->auth_fail_max,
	    cfg->auth_fail_window, seed) == -1) {
		log_errx("out of memory");
		return (-1);
	}
	return (0);
}

int
worker_run(struct server *srv)
{
	struct ev_loop *loop;
	int slot;

	if ((loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("cannot initialise the event loop");
		return (1);
	}
	srv->loop = loop;
	ev_set_userdata(loop, srv);
	/* What a program leaves behind when it exits is reparented to us,
	 * not to init: the loop reaps it, so its process group is seen to
	 * empty (backend_proc.c). */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("prctl(PR_SET_CHILD_SUBREAPER)");
	/* One process and no master: its slot is made here. */
	if (quota_slot(srv->quota) == -1) {
		if ((slot = quota_slot_new(srv->quota)) == -1) {
			log_errx("no free slot for the counts");
			return (1);
		}
		quota_slot_enter(srv->quota, slot);
	}
	if (resolve_init(loop) == -1) {
		log_errx("cannot start the resolver");
		return (1);
	}
	ev_signal_init(&sig_term, worker_stop_cb, SIGTERM);
	ev_signal_init(&sig_int, worker_stop_cb, SIGINT);
	ev_signal_init(&sig_hup, worker_hup_cb, SIGHUP);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);
	if (srv->cfg->basic_auth != NULL && auth_setup(srv) == -1)
		return (1);
	listen_start(srv);

	ev_run(loop, 0);

	ev_timer_stop(loop, &drain_timer);
	ev_signal_stop(loop, &sig_term);
	ev_signal_stop(loop, &sig_int);
	ev_signal_stop(loop, &sig_hup);
	resolve_fini();
	backend_proc_kill_all();
	listen_close(srv);
	authpool_free(srv->authpool);
	srv->authpool = NULL;
	if (srv->throttle != NULL) {
		throttle_free(srv->throttle);
		free(srv->throttle);
		srv->throttle = NULL;
	}
	log_info("exiting");
	return (0);
}

/* Master. */

static void	worker_child_cb(struct ev_loop *, ev_child *, int);

static void
master_forget_watchers(struct ev_loop *loop)
{
	unsigned i;

	ev_signal_stop(loop, &sig_term);
	ev_signal_stop(loop, &sig_int);
	ev_signal_stop(loop, &sig_hup);
	for (i = 0; i < nworkers; i++) {
		ev_child_stop(loop, &workers[i].child);
		ev_timer_stop(loop, &workers[i].respawn);
	}
}

static int
worker_spawn(struct server *srv, struct worker *w)
{
	struct ev_loop *loop = srv->loop;
	pid_t pid;
	int slot;

	/* A slot of its own, emptied when it exits whatever the cause. */
	if ((slot = quota_slot_new(srv->quota)) == -1) {
		log_warnx("no free slot for a worker's counts");
		return (-1);
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		quota_slot_free(srv->quota, slot, NULL);
		return (-1);
	}
	if (pid == 0) {
		/* The child: the master's watchers are not ours. */
		ev_loop_fork(loop);
		master_forget_watchers(loop);
		free(workers);
		workers = NULL;
		nworkers = 0;
		log_set_tag(getpid());
		quota_slot_enter(srv->quota, slot);
		exit(worker_run(srv));
	}
	w->pid = pid;
	w->slot = slot;
	w->started = ev_now(loop);
	ev_child_set(&w->child, pid, 0);
	ev_child_start(loop, &w->child);
	log_debug("worker %d started", (int)pid);
	return (0);
}

static void
respawn_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker *w = (struct worker *)(void *)((char *)t -
	    offsetof(struct worker, respawn));

	(void)revents;
	if (!stopping && worker_spawn(ev_userdata(loop), w) == -1)
		ev_timer_start(loop, t);	/* try again later */
}

static void
worker_child_cb(struct ev_loop *loop, ev_child *c, int revents)
{
	struct worker *w = (struct worker *)(void *)((char *)c -
	    offsetof(struct worker, child));
	struct server *srv = ev_userdata(loop);
	struct quota_counts gone;
	unsigned i, alive = 0;

	(void)revents;
	ev_child_stop(loop, c);
	w->pid = 0;
	/* What it counted died with it; before anything is logged, so a
	 * line saying it exited means its counts are gone too. */
	quota_slot_free(srv->quota, w->slot, &gone);
	w->slot = -1;
	if (gone.conns > 0 || gone.forks > 0)
		log_info("worker %d gone: %u connection(s) and %u program(s) "
		    "no longer counted", c->rpid, gone.conns, gone.forks);
	if (!stopping) {
		if (WIFSIGNALED(c->rstatus))
			log_warnx("worker %d killed by signal %d%s: restarting",
			    c->rpid, WTERMSIG(c->rstatus),
			    WCOREDUMP(c->rstatus) ? " (core dumped)" : "");
		else
			log_warnx("worker %d exited with status %d: "
			    "restarting", c->rpid, WEXITSTATUS(c->rstatus));
		if (ev_now(loop) - w->started < RESPAWN_DELAY)
			ev_timer_start(loop, &w->respawn);
		else if (worker_spawn(ev_userdata(loop), w) == -1)
			ev_timer_start(loop, &w->respawn);
		return;
	}
	for (i = 0; i < nworkers; i++)
		if (workers[i].pid != 0)
			alive++;
	if (alive == 0)
		ev_break(loop, EVBREAK_ALL);
}

static void
master_signal_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	unsigned i, alive = 0;

	(void)revents;
	/* A worker started later (one replacing a dead one) must not come
	 * back with the files as they were at start-up; the workers report
	 * what they load. */
	if (s->signum == SIGHUP && !stopping)
		server_reload(ev_userdata(loop), SNAPSHOT_ALL, true);
	if (s->signum != SIGHUP && !stopping) {
		log_info("signal %d: stopping %u worker(s)", s->signum,
		    nworkers);
		stopping = true;
	}
	for (i = 0; i < nworkers; i++) {
		ev_timer_stop(loop, &workers[i].respawn);
		if (workers[i].pid != 0) {
			kill(workers[i].pid, s->signum);
			alive++;
		}
	}
	if (stopping && alive == 0)
		ev_break(loop, EVBREAK_ALL);
}

int
master_run(struct server *srv)
{
	struct ev_loop *loop;
	unsigned i;

	if ((loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("cannot initialise the event loop");
		return (1);
	}
	srv->loop = loop;
	ev_set_userdata(loop, srv);
	nworkers = srv->cfg->workers;
	if ((workers = calloc(nworkers, sizeof(*workers))) == NULL) {
		log_errx("out of memory");
		return (1);
	}
	for (i = 0; i < nworkers; i++) {
		workers[i].slot = -1;
		ev_init(&workers[i].child, worker_child_cb);
		ev_timer_init(&workers[i].respawn, respawn_cb, RESPAWN_DELAY,
		    0.);
	}
	ev_signal_init(&sig_term, master_signal_cb, SIGTERM);
	ev_signal_init(&sig_int, master_signal_cb, SIGINT);
	ev_signal_init(&sig_hup, master_signal_cb, SIGHUP);
	ev_signal_start(loop, &sig_term);
	ev_signal_start(loop, &sig_int);
	ev_signal_start(loop, &sig_hup);
	for (i = 0; i < nworkers; i++) {
		if (worker_spawn(srv, &workers[i]) == -1) {
			log_errx("cannot start worker %u", i + 1);
			master_signal_cb(loop, &sig_term, 0);
			break;
		}
	}
	log_info("%u workers started", nworkers);

	ev_run(loop, 0);

	listen_close(srv);
	free(workers);
	log_info("exiting");
	return (0);
}

int
privileges_drop(const struct config *cfg, char *err, size_t errlen)
{
	struct run_as ra;

	/* preflight_check() has made sure of both before binding. */
	if (preflight_identity(cfg, &ra, err, errlen) == -1)
		return (2);
	if (!ra.change)
		return (0);
	if (preflight_become(&ra, err, errlen) == -1)
		return (1);
	/* Make sure there is no way back. */
	if (ra.uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, errlen, "could regain root after dropping it");
		return (1);
	}
	return (0);
}
