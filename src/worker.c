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
#include "progroup.h"
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

struct ctl;

struct worker {
	struct ctl	*ctl;		/* the master's */
	pid_t		pid;
	int		slot;		/* its counts (quota.h), or -1 */
	ev_child	child;
	ev_tstamp	started;
	ev_timer	respawn;
};

/*
 * One process's signal watchers and what they act on: the master's or a
 * worker's, on the stack of master_run() or worker_run().  Each watcher's
 * data points back at it.
 */
struct ctl {
	struct server	*srv;
	ev_signal	term, intr, hup;
	ev_timer	drain;		/* the worker's shutdown grace */
	ev_tstamp	first_signal;	/* the worker's first TERM/INT */
	struct worker	*workers;	/* the master's, nworkers of them */
	unsigned	nworkers;
	bool		stopping;	/* the master is stopping */
};

static void
ctl_init(struct ctl *ctl, struct server *srv, void (*stop)(struct ev_loop *,
    ev_signal *, int), void (*hup)(struct ev_loop *, ev_signal *, int))
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->srv = srv;
	ev_signal_init(&ctl->term, stop, SIGTERM);
	ev_signal_init(&ctl->intr, stop, SIGINT);
	ev_signal_init(&ctl->hup, hup, SIGHUP);
	ctl->term.data = ctl->intr.data = ctl->hup.data = ctl;
	ev_signal_start(srv->loop, &ctl->term);
	ev_signal_start(srv->loop, &ctl->intr);
	ev_signal_start(srv->loop, &ctl->hup);
}

static void
ctl_stop_signals(struct ctl *ctl)
{
	ev_signal_stop(ctl->srv->loop, &ctl->term);
	ev_signal_stop(ctl->srv->loop, &ctl->intr);
	ev_signal_stop(ctl->srv->loop, &ctl->hup);
}

static void
drain_over(struct server *srv)
{
	while (srv->conns != NULL)
		conn_abort(srv->conns);
	progroup_kill_all(srv);
	ev_break(srv->loop, EVBREAK_ALL);
}

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = ((struct ctl *)w->data)->srv;

	(void)loop;
	(void)revents;
	log_info("shutdown grace period over: dropping %u connection(s), "
	    "%u program(s)", srv->nconns, srv->norphans);
	drain_over(srv);
}

static void
worker_stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct ctl *ctl = w->data;
	struct server *srv = ctl->srv;
	struct conn *c, *next;

	(void)revents;
	if (srv->draining) {
		/* The same signal often comes twice (terminal and master). */
		if (ev_now(loop) - ctl->first_signal < 1.0)
			return;
		log_info("signal %d again: exiting now", w->signum);
		drain_over(srv);
		return;
	}
	ctl->first_signal = ev_now(loop);
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
	ev_timer_init(&ctl->drain, drain_timeout_cb, srv->cfg->shutdown_grace,
	    0.);
	ctl->drain.data = ctl;
	ev_timer_start(loop, &ctl->drain);
}

/* SIGHUP: the configuration, certificate and key, users and tokens read
 * again for new connections; open ones keep the snapshot they started
 * with.  Under a master, which has checked the configuration already. */
static void
worker_hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *srv = ((struct ctl *)w->data)->srv;

	(void)loop;
	(void)revents;
	server_reload(srv, SNAPSHOT_ALL, srv->cfg->workers > 1 ?
	    SERVER_WORKER : SERVER_ALONE);
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
	struct ctl ctl;
	int slot;

	if ((loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("cannot initialise the event loop");
		return (1);
	}
	srv->loop = loop;
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
	if (resolve_init(loop, &srv->fds) == -1) {
		log_errx("cannot start the resolver");
		return (1);
	}
	ctl_init(&ctl, srv, worker_stop_cb, worker_hup_cb);
	ev_init(&ctl.drain, drain_timeout_cb);
	if (srv->cfg->basic_auth != NULL && auth_setup(srv) == -1) {
		ctl_stop_signals(&ctl);
		return (1);
	}
	/* Everything this process keeps open is open now. */
	server_fds_start(srv);
	listen_start(srv);

	ev_run(loop, 0);

	ev_timer_stop(loop, &ctl.drain);
	ctl_stop_signals(&ctl);
	resolve_fini();
	progroup_kill_all(srv);
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
master_forget_watchers(struct ctl *ctl)
{
	struct ev_loop *loop = ctl->srv->loop;
	unsigned i;

	ctl_stop_signals(ctl);
	for (i = 0; i < ctl->nworkers; i++) {
		ev_child_stop(loop, &ctl->workers[i].child);
		ev_timer_stop(loop, &ctl->workers[i].respawn);
	}
}

static int
worker_spawn(struct worker *w)
{
	struct ctl *ctl = w->ctl;
	struct server *srv = ctl->srv;
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
		master_forget_watchers(ctl);
		free(ctl->workers);
		ctl->workers = NULL;
		ctl->nworkers = 0;
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
	if (!w->ctl->stopping && worker_spawn(w) == -1)
		ev_timer_start(loop, t);	/* try again later */
}

static void
worker_child_cb(struct ev_loop *loop, ev_child *c, int revents)
{
	struct worker *w = (struct worker *)(void *)((char *)c -
	    offsetof(struct worker, child));
	struct ctl *ctl = w->ctl;
	struct server *srv = ctl->srv;
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
	if (!ctl->stopping) {
		if (WIFSIGNALED(c->rstatus))
			log_warnx("worker %d killed by signal %d%s: restarting",
			    c->rpid, WTERMSIG(c->rstatus),
			    WCOREDUMP(c->rstatus) ? " (core dumped)" : "");
		else
			log_warnx("worker %d exited with status %d: "
			    "restarting", c->rpid, WEXITSTATUS(c->rstatus));
		if (ev_now(loop) - w->started < RESPAWN_DELAY)
			ev_timer_start(loop, &w->respawn);
		else if (worker_spawn(w) == -1)
			ev_timer_start(loop, &w->respawn);
		return;
	}
	for (i = 0; i < ctl->nworkers; i++)
		if (ctl->workers[i].pid != 0)
			alive++;
	if (alive == 0)
		ev_break(loop, EVBREAK_ALL);
}

static void
master_signal_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	struct ctl *ctl = s->data;
	struct worker *w;
	unsigned i, alive = 0;

	(void)revents;
	/* The configuration is checked here, so a bad one is reported
	 * once; a worker started later (one replacing a dead one) must not
	 * come back with the configuration and files as they were at
	 * start-up.  The workers report the files they load. */
	if (s->signum == SIGHUP && !ctl->stopping)
		server_reload(ctl->srv, SNAPSHOT_ALL, SERVER_MASTER);
	if (s->signum != SIGHUP && !ctl->stopping) {
		log_info("signal %d: stopping %u worker(s)", s->signum,
		    ctl->nworkers);
		ctl->stopping = true;
	}
	for (i = 0; i < ctl->nworkers; i++) {
		w = &ctl->workers[i];
		ev_timer_stop(loop, &w->respawn);
		if (w->pid != 0) {
			kill(w->pid, s->signum);
			alive++;
		}
	}
	if (ctl->stopping && alive == 0)
		ev_break(loop, EVBREAK_ALL);
}

int
master_run(struct server *srv)
{
	struct ev_loop *loop;
	struct ctl ctl;
	unsigned i, n = srv->cfg->workers;

	if ((loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("cannot initialise the event loop");
		return (1);
	}
	srv->loop = loop;
	ctl_init(&ctl, srv, master_signal_cb, master_signal_cb);
	if ((ctl.workers = calloc(n, sizeof(*ctl.workers))) == NULL) {
		log_errx("out of memory");
		ctl_stop_signals(&ctl);
		return (1);
	}
	ctl.nworkers = n;
	for (i = 0; i < n; i++) {
		ctl.workers[i].ctl = &ctl;
		ctl.workers[i].slot = -1;
		ev_init(&ctl.workers[i].child, worker_child_cb);
		ev_timer_init(&ctl.workers[i].respawn, respawn_cb,
		    RESPAWN_DELAY, 0.);
	}
	for (i = 0; i < n; i++) {
		if (worker_spawn(&ctl.workers[i]) == -1) {
			log_errx("cannot start worker %u", i + 1);
			master_signal_cb(loop, &ctl.term, 0);
			break;
		}
	}
	log_info("%u workers started", n);

	ev_run(loop, 0);

	ctl_stop_signals(&ctl);
	listen_close(srv);
	free(ctl.workers);
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
