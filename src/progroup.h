/*
 * progroup.h - a spawned program's process group, looked after from the
 * spawn until its last member is gone: the --max-forks count, the exit
 * status as the close code, --close-grace then SIGTERM then SIGKILL to the
 * group, the reaper and the orphans.  Shared by the kinds of backend that
 * run programs: over pipes (backend_proc.c) and on a pty (backend_pty.c).
 */
#ifndef WSB_PROGROUP_H
#define WSB_PROGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "config.h"

struct backend;
struct fdbudget;
struct server;

/*
 * A program's process group.  Its id is the program's pid; it stays valid
 * while any member lives, even after the program (the leader) is reaped,
 * and the kernel does not reuse it before the group is empty: kill(-pgid,
 * 0) failing with ESRCH is the test.  Members the program leaves behind
 * come back to us when their parent exits (we are a child subreaper, see
 * worker.c), so their end is seen by the loop; an emptiness poll after
 * SIGKILL covers the others.
 *
 * While its connection lives the group belongs to the backend (b, whose
 * priv it is), and the program's output is read from b->rfd.  Once the
 * connection is gone it is an orphan: its output is still read (and
 * dropped) and its stderr still logged, so what it does on its way out
 * cannot die of SIGPIPE.
 */
/* A program's stderr pipe, logged line by line. */
struct errlog {
	int		fd;		/* -1 when none */
	struct fdbudget	*fds;		/* where fd is counted */
	ev_io		io;
	char		*line;		/* the line being gathered */
	size_t		len;
	uint64_t	conn_id;	/* lines are logged as "#ID stderr: " */
};

struct pgroup {
	struct server	*srv;		/* whose group it is */
	pid_t		pgid;		/* the leader's pid */
	double		grace;		/* --close-grace of its connection's
					   configuration */
	bool		leader;		/* the leader is not reaped yet */
	bool		empty;		/* no member left: slot released */
	bool		orphan;		/* counted in norphans */
	int		stage;		/* PG_WAIT, PG_TERM or PG_KILL */
	ev_child	child;		/* the leader's exit */
	ev_timer	timer;		/* the grace periods, then polls */
	struct backend	*b;		/* its connection's; NULL: orphan */
	bool		exited;		/* the leader is reaped: b's EOF
					   code is known */
	bool		out_eof;	/* output reached EOF */
	bool		out_grown;	/* stdout pipe enlarged (pipes) */
	bool		in_grown;	/* stdin pipe enlarged (pipes) */
	int		outfd;		/* an orphan's output, drained; or -1 */
	ev_io		outio;
	struct errlog	err;		/* its stderr, with --stderr log */
	struct pgroup	*prev, *next;	/* every group of srv's */
	struct pgroup	*lprev, *lnext;	/* lingering: leader reaped, not
					   empty */
};

/*
 * progroup_count(srv, cfg): count a program about to be spawned for
 * --max-forks, which holds for every worker together (quota.c); it stays
 * counted until its group is empty.  -1 when --max-forks are running.
 * progroup_uncount(srv): give the count back, for a program that was not
 * spawned after all.
 */
int	progroup_count(struct server *, const struct config *);
void	progroup_uncount(struct server *);

/*
 * progroup_new(b, srv, grace): a group for b's program about to be
 * spawned (free() it if the spawn fails); progroup_start(loop, g, pid):
 * the program runs, its group is watched from now.
 */
struct pgroup *progroup_new(struct backend *, struct server *, double);
void	progroup_start(struct ev_loop *, struct pgroup *, pid_t);

/* progroup_errlog(g, fd, conn_id): log what comes on fd (the program's
 * stderr, or -1 for none) line by line; g owns fd from now. */
void	progroup_errlog(struct pgroup *, int, uint64_t);

/* progroup_connected_later(b): BACKEND_CONNECTED from the loop, once
 * b->wfd is writable. */
void	progroup_connected_later(struct backend *);

/*
 * progroup_output(b, n): what a read of b->rfd that returned n (with
 * errno) means for the owner: the output EOF (n == 0) is held back, as
 * EAGAIN, until the leader's exit status is known.
 */
ssize_t	progroup_output(struct backend *, ssize_t);

/* progroup_detach(b): the connection lets go of b's group (b->priv, then
 * NULL), which takes b->rfd over if it has members left. */
void	progroup_detach(struct backend *);

/*
 * progroup_kill_all(srv): SIGKILL to every process group of srv's
 * programs, reap the programs and forget the orphans; for exit.
 */
void	progroup_kill_all(struct server *);

#endif
