/*
 * progroup.c - a program's process group, from the spawn until its last
 * member is gone (progroup.h): once the connection ends, or --close-grace
 * after the program exited leaving others behind, the group gets SIGTERM,
 * then SIGKILL; never a zombie, and its --max-forks slot is held until
 * then.  The program's EOF is reported only once it has exited, so the
 * close code can carry its exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"
#include "log.h"
#include "progroup.h"
#include "quota.h"
#include "server.h"

enum {
	PG_WAIT,			/* waiting for it to end by itself */
	PG_TERM,			/* SIGTERM sent */
	PG_KILL				/* SIGKILL sent: polling until empty */
};

static void	errlog_close(struct ev_loop *, struct errlog *);

#define ELINE_MAX	512		/* longer stderr lines are logged in pieces */
#define PG_POLL		0.5	/* seconds between looks after SIGKILL */

#define BACKEND_OF(w, field)						\
	((struct backend *)(void *)((char *)(w) -			\
	    offsetof(struct backend, field)))
#define PGROUP_OF(w, field)						\
	((struct pgroup *)(void *)((char *)(w) -			\
	    offsetof(struct pgroup, field)))

/* The counting of programs for --max-forks (progroup.h). */
int
progroup_count(struct server *srv, const struct config *cfg)
{
	if (quota_fork_take(srv->quota, cfg) == -1)
		return (-1);
	srv->nchildren++;
	return (0);
}

void
progroup_uncount(struct server *srv)
{
	srv->nchildren--;
	quota_fork_put(srv->quota);
}

static void
linger_remove(struct ev_loop *loop, struct pgroup *g)
{
	struct server *srv = g->srv;

	if (g->lprev == NULL && srv->lingering != g)
		return;
	if (g->lprev != NULL)
		g->lprev->lnext = g->lnext;
	else
		srv->lingering = g->lnext;
	if (g->lnext != NULL)
		g->lnext->lprev = g->lprev;
	g->lprev = g->lnext = NULL;
	if (srv->lingering == NULL)
		ev_child_stop(loop, &srv->anychild);
}

static void
group_free(struct ev_loop *loop, struct pgroup *g)
{
	struct server *srv = g->srv;
	bool orphan;

	ev_child_stop(loop, &g->child);
	ev_timer_stop(loop, &g->timer);
	ev_io_stop(loop, &g->outio);
	backend_fd_release(&srv->fds, &g->outfd);
	errlog_close(loop, &g->err);
	linger_remove(loop, g);
	if (g->prev != NULL)
		g->prev->next = g->next;
	else
		srv->pgroups = g->next;
	if (g->next != NULL)
		g->next->prev = g->prev;
	orphan = g->orphan;
	free(g);
	if (orphan) {
		srv->norphans--;
		server_conn_gone(srv);
	}
}

/*
 * No member is left.  The only place a program's --max-forks slot is
 * given back.  An orphan is freed; a group still attached to its backend
 * stays until the connection lets go of it (its stdout may still be held
 * by a process outside the group, so the backend's timer keeps running).
 */
static void
group_empty(struct ev_loop *loop, struct pgroup *g)
{
	if (g->empty)
		return;
	g->empty = true;
	linger_remove(loop, g);
	progroup_uncount(g->srv);
	if (g->b == NULL) {
		group_free(loop, g);
		return;
	}
	if (g->out_eof)
		ev_timer_stop(loop, &g->timer);
}

/* kill(2) to the whole group; false (and the group freed if it is an
 * orphan) when it has no member left. */
static bool
group_signal(struct ev_loop *loop, struct pgroup *g, int sig)
{
	if (g->empty)
		return (false);
	if (kill(-g->pgid, sig) == -1 && errno == ESRCH) {
		group_empty(loop, g);
		return (false);
	}
	return (true);
}

/* One of our children was reaped: has a lingering group emptied? */
static void
anychild_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct server *srv = (struct server *)(void *)((char *)w -
	    offsetof(struct server, anychild));
	struct pgroup *g, *next;

	(void)revents;
	for (g = srv->lingering; g != NULL; g = next) {
		next = g->lnext;
		group_signal(loop, g, 0);
	}
}

static void
orphan_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct pgroup *g = PGROUP_OF(w, outio);
	char sink[16384];
	ssize_t n;

	(void)revents;
	n = read(g->outfd, sink, sizeof(sink));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		ev_io_stop(loop, w);
		backend_fd_release(&g->srv->fds, &g->outfd);
	}
}

/*
 * The connection will get nothing more from this program: its stdout is
 * closed and the owner hears EOF, with the leader's exit status.
 */
static void
output_end(struct backend *b)
{
	struct pgroup *g = b->priv;

	if (g->out_eof)
		return;
	g->out_eof = true;
	ev_io_stop(b->loop, &b->rio);
	backend_fd_release(b->fds, &b->rfd);
	b->event(b, BACKEND_READABLE);
}

/*
 * The grace periods: the group had its chance to end by itself, then
 * SIGTERM, then SIGKILL, then a look now and then until it is empty.  With
 * the connection still open (the program exited but the group holds its
 * stdout) the first one also ends the output.
 */
static void
group_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct pgroup *g = PGROUP_OF(w, timer);
	struct backend *b = g->b;
	bool ended = b != NULL && !g->out_eof && g->stage == PG_WAIT;

	(void)revents;
	ev_timer_stop(loop, w);
	switch (g->stage) {
	case PG_WAIT:
		if (g->leader)
			log_debug("program %d still running: SIGTERM",
			    (int)g->pgid);
		else if (!g->empty)
			log_debug("program %d exited, its process group did "
			    "not: SIGTERM", (int)g->pgid);
		if (group_signal(loop, g, SIGTERM)) {
			g->stage = PG_TERM;
			ev_timer_set(w, g->grace, 0.);
			ev_timer_start(loop, w);
		}
		break;
	case PG_TERM:
		if (!group_signal(loop, g, 0))
			break;
		log_info("program %d ignored SIGTERM: SIGKILL", (int)g->pgid);
		/* FALLTHROUGH */
	case PG_KILL:
		if (group_signal(loop, g, SIGKILL)) {
			g->stage = PG_KILL;
			ev_timer_set(w, PG_POLL, 0.);
			ev_timer_start(loop, w);
		}
		break;
	}
	/* Last: the owner may close the backend, and with it free g. */
	if (ended)
		output_end(b);
}

/* The grace period starts now, unless it already runs. */
static void
group_start_timer(struct ev_loop *loop, struct pgroup *g)
{
	if (ev_is_active(&g->timer))
		return;
	g->stage = PG_WAIT;
	ev_timer_set(&g->timer, g->grace, 0.);
	ev_timer_start(loop, &g->timer);
}

/* The leader is reaped: its status is the connection's close code. */
static void
leader_exited(struct pgroup *g, struct backend *b, int st)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		b->eof_code = 0;
	} else if (WIFEXITED(st)) {
		b->eof_code = 1011;
		snprintf(b->eof_reason, sizeof(b->eof_reason),
		    "exit status %d", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		b->eof_code = 1011;
		snprintf(b->eof_reason, sizeof(b->eof_reason),
		    "killed by signal %d", WTERMSIG(st));
	}
	g->exited = true;
	log_debug("#%llu program exited: %s", (unsigned long long)b->conn_id,
	    b->eof_reason[0] != '\0' ? b->eof_reason : "exit status 0");
}

static void
leader_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct pgroup *g = PGROUP_OF(w, child);
	struct server *srv = g->srv;
	struct backend *b = g->b;

	(void)revents;
	ev_child_stop(loop, w);
	g->leader = false;
	if (b != NULL)
		leader_exited(g, b, w->rstatus);
	/* Members may be left: watch for the group to empty. */
	g->lnext = srv->lingering;
	if (srv->lingering != NULL)
		srv->lingering->lprev = g;
	srv->lingering = g;
	if (!ev_is_active(&srv->anychild)) {
		ev_child_init(&srv->anychild, anychild_cb, 0, 0);
		ev_child_start(loop, &srv->anychild);
	}
	group_signal(loop, g, 0);
	if (b == NULL)
		return;			/* an orphan: freed, or its timer runs */
	/* Whatever still holds its stdout has --close-grace to finish. */
	if (!g->out_eof)
		group_start_timer(loop, g);
	else
		b->event(b, BACKEND_READABLE);	/* its EOF was held back */
}

/*
 * The connection is gone but the group may not be: see that it ends.  The
 * orphan takes over the program's stdout and stderr pipes.
 */
void
progroup_detach(struct backend *b)
{
	struct ev_loop *loop = b->loop;
	struct pgroup *g = b->priv;

	b->priv = NULL;
	g->b = NULL;
	ev_io_stop(loop, &b->rio);
	if (g->empty) {
		group_free(loop, g);
		return;
	}
	g->outfd = b->rfd;
	b->rfd = -1;
	ev_io_init(&g->outio, orphan_out_cb, g->outfd, EV_READ);
	if (g->outfd != -1)
		ev_io_start(loop, &g->outio);
	g->orphan = true;
	g->srv->norphans++;
	group_start_timer(loop, g);
}

/* A new group for a program about to be spawned; pgid is set after. */
struct pgroup *
progroup_new(struct backend *b, struct server *srv, double grace)
{
	struct pgroup *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return (NULL);
	g->srv = srv;
	g->grace = grace;
	g->b = b;
	g->outfd = -1;
	g->err.fd = -1;
	g->err.fds = &srv->fds;
	ev_init(&g->child, leader_cb);
	ev_init(&g->timer, group_timer_cb);
	ev_init(&g->outio, orphan_out_cb);
	return (g);
}

/* The program is running: its group is watched from now (it was counted
 * by program_count() before the spawn). */
void
progroup_start(struct ev_loop *loop, struct pgroup *g, pid_t pid)
{
	struct server *srv = g->srv;
	struct pgroup *o, *next;

	/* The kernel gave out this id, so a lingering group that had it is
	 * empty, whether or not we saw it go. */
	for (o = srv->lingering; o != NULL; o = next) {
		next = o->lnext;
		if (o->pgid == pid)
			group_empty(loop, o);
	}
	g->pgid = pid;
	g->leader = true;
	ev_child_set(&g->child, pid, 0);
	ev_child_start(loop, &g->child);
	g->next = srv->pgroups;
	if (srv->pgroups != NULL)
		srv->pgroups->prev = g;
	srv->pgroups = g;
}


void
progroup_kill_all(struct server *srv)
{
	struct ev_loop *loop = srv->loop;
	struct pgroup *g, *next;

	for (g = srv->pgroups; g != NULL; g = g->next)
		if (!g->empty)
			kill(-g->pgid, SIGKILL);
	for (g = srv->pgroups; g != NULL; g = next) {
		next = g->next;
		if (g->leader) {
			waitpid(g->pgid, NULL, 0);
			g->leader = false;
		}
		/* As good as empty: what is left dies of SIGKILL. */
		if (g->b == NULL)
			group_empty(loop, g);
	}
}
static void
errlog_flush(struct errlog *e)
{
	size_t i;

	if (e->len == 0)
		return;
	for (i = 0; i < e->len; i++)
		if ((unsigned char)e->line[i] < 0x20 && e->line[i] != '\t')
			e->line[i] = '?';
	log_info("#%llu stderr: %.*s", (unsigned long long)e->conn_id,
	    (int)e->len, e->line);
	e->len = 0;
}

static void
errlog_close(struct ev_loop *loop, struct errlog *e)
{
	if (e->fd != -1) {
		errlog_flush(e);
		ev_io_stop(loop, &e->io);
		backend_fd_release(e->fds, &e->fd);
	}
	free(e->line);
	e->line = NULL;
	e->len = 0;
}

static void
errlog_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct errlog *e = (struct errlog *)(void *)((char *)w -
	    offsetof(struct errlog, io));
	char buf[4096];
	ssize_t n, i;

	(void)revents;
	n = read(e->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		errlog_close(loop, e);
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (e->len > 0 && e->line[e->len - 1] == '\r')
				e->len--;
			errlog_flush(e);
			continue;
		}
		if (e->line == NULL && (e->line = malloc(ELINE_MAX)) == NULL)
			return;
		if (e->len == ELINE_MAX)
			errlog_flush(e);	/* a long line: in pieces */
		e->line[e->len++] = buf[i];
	}
}

void
progroup_errlog(struct pgroup *g, int fd, uint64_t conn_id)
{
	struct errlog *e = &g->err;

	e->fd = fd;
	e->conn_id = conn_id;
	if (e->fd == -1)
		return;
	ev_io_init(&e->io, errlog_cb, e->fd, EV_READ);
	ev_io_start(g->b->loop, &e->io);
}

static void
started_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct backend *b = BACKEND_OF(w, wio);

	(void)revents;
	ev_io_stop(loop, w);
	backend_watchers_init(b);
	b->connecting = false;
	b->event(b, BACKEND_CONNECTED);
}

void
progroup_connected_later(struct backend *b)
{
	b->connecting = true;
	ev_io_init(&b->wio, started_cb, b->wfd, EV_WRITE);
	ev_io_start(b->loop, &b->wio);
}

ssize_t
progroup_output(struct backend *b, ssize_t n)
{
	struct pgroup *g = b->priv;

	if (!g->out_eof) {
		if (n != 0)
			return (n);
		/* The output is done; the EOF waits for the exit status. */
		g->out_eof = true;
		ev_io_stop(b->loop, &b->rio);
		backend_fd_release(b->fds, &b->rfd);
	}
	if (g->exited)
		return (0);
	errno = EAGAIN;
	return (-1);
}
