/*
 * backend_proc.c - the program backend: each connection spawns its own
 * program (posix_spawn, never a shell) in a new process group, with its
 * stdin and stdout on pipes we own and stderr logged line by line.  The
 * program's EOF is reported only once it has exited, so the close code can
 * carry its exit status.  The process group is what we look after, from the
 * spawn until its last member is gone: once the connection ends, or
 * --close-grace after the program exited leaving others behind, the group
 * gets SIGTERM, then SIGKILL; never a zombie, and its --max-forks slot is
 * held until then.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "cgi_env.h"
#include "fdbudget.h"
#include "handshake.h"
#include "http.h"
#include "quota.h"
#include "log.h"
#include "server.h"

extern char **environ;

/*
 * A program's process group.  Its id is the program's pid; it stays valid
 * while any member lives, even after the program (the leader) is reaped,
 * and the kernel does not reuse it before the group is empty: kill(-pgid,
 * 0) failing with ESRCH is the test.  Members the program leaves behind
 * come back to us when their parent exits (we are a child subreaper, see
 * worker.c), so their end is seen by the loop; an emptiness poll after
 * SIGKILL covers the others.
 *
 * While its connection lives the group belongs to the backend (b).  Once
 * the connection is gone it is an orphan: its stdout is still read (and
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

/*
 * A program and its process group: the backend's own state while a
 * connection holds it (b->priv), then an orphan's until the group ends.
 */
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
	bool		out_eof;	/* stdout reached EOF */
	bool		out_grown;	/* stdout pipe enlarged */
	bool		in_grown;	/* stdin pipe enlarged */
	int		outfd;		/* an orphan's stdout, drained; or -1 */
	ev_io		outio;
	struct errlog	err;		/* its stderr, with --stderr log */
	struct pgroup	*prev, *next;	/* every group of srv's */
	struct pgroup	*lprev, *lnext;	/* lingering: leader reaped, not
					   empty */
};

enum {
	PG_WAIT,			/* waiting for it to end by itself */
	PG_TERM,			/* SIGTERM sent */
	PG_KILL				/* SIGKILL sent: polling until empty */
};

static void	errlog_close(struct ev_loop *, struct errlog *);
static void	errlog_start(struct ev_loop *, struct errlog *);

#define ELINE_MAX	512
#define PIPE_DEFAULT	65536	/* Linux's pipe capacity */
#define PIPE_BIG	(1024 * 1024)	/* longer stderr lines are logged in pieces */
#define PG_POLL		0.5	/* seconds between looks after SIGKILL */

#define BACKEND_OF(w, field)						\
	((struct backend *)(void *)((char *)(w) -			\
	    offsetof(struct backend, field)))
#define PGROUP_OF(w, field)						\
	((struct pgroup *)(void *)((char *)(w) -			\
	    offsetof(struct pgroup, field)))

/*
 * The counting of programs for --max-forks, which holds for every worker
 * together (quota.c): a program is counted from the check before it is
 * spawned until it is reaped.  -1 when --max-forks are running already.
 */
static int
program_count(struct server *srv, const struct config *cfg)
{
	if (quota_fork_take(srv->quota, cfg) == -1)
		return (-1);
	srv->nchildren++;
	return (0);
}

static void
program_uncount(struct server *srv)
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
	program_uncount(g->srv);
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
static void
group_detach(struct backend *b)
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
static struct pgroup *
group_new(struct backend *b, struct server *srv, double grace)
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
static void
group_start(struct ev_loop *loop, struct pgroup *g, pid_t pid)
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
backend_proc_kill_all(struct server *srv)
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

static void
errlog_start(struct ev_loop *loop, struct errlog *e)
{
	if (e->fd == -1)
		return;
	ev_io_init(&e->io, errlog_cb, e->fd, EV_READ);
	ev_io_start(loop, &e->io);
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

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return (fl == -1 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK));
}

/* pipe2(p, O_CLOEXEC), both ends counted in fds. */
static int
counted_pipe(struct fdbudget *fds, int p[2])
{
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	fdbudget_take(fds, 2);
	return (0);
}

/* Percent-decode one path segment; NUL and '/' may not be encoded. */
static void
decode_segment(const char *s, size_t len, char *out, size_t outlen,
    bool *bad)
{
	size_t i, o = 0;
	int v;

	*bad = true;
	for (i = 0; i < len; i++) {
		if (o + 1 >= outlen)
			return;
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if ((v = http_pct_byte(s + i, len - i)) < 0)
			return;
		if (v == 0 || v == '/')
			return;
		out[o++] = (char)v;
		i += 2;
	}
	out[o] = '\0';
	*bad = false;
}

/*
 * --dir: walk the request path below dir to the first file.  It must stay
 * inside dir (no "..", no hidden names, no symlink leading out) and be an
 * executable regular file.  Fills script (its real path) and the split of
 * the path into SCRIPT_NAME and PATH_INFO.
 */
static int
dir_lookup(struct backend *b, const char *dir, const char *path,
    size_t len, char **script, char **script_name, char **path_info)
{
	char root[PATH_MAX], cur[PATH_MAX], real[PATH_MAX], seg[NAME_MAX + 1];
	struct stat st;
	size_t i = 0, j, curlen;
	bool bad;

	if (realpath(dir, root) == NULL) {
		snprintf(b->error, sizeof(b->error), "--dir %s: %s", dir,
		    strerror(errno));
		b->fail_status = 500;
		return (-1);
	}
	curlen = strlen(root);
	memcpy(cur, root, curlen + 1);
	b->fail_status = 404;
	while (i < len && path[i] == '/') {
		for (j = i + 1; j < len && path[j] != '/'; j++)
			;
		decode_segment(path + i + 1, j - i - 1, seg, sizeof(seg),
		    &bad);
		if (bad || seg[0] == '\0' || seg[0] == '.' ||
		    strchr(seg, '/') != NULL || curlen + 1 + strlen(seg) >=
		    sizeof(cur)) {
			snprintf(b->error, sizeof(b->error), "no program for "
			    "path: bad name");
			return (-1);
		}
		cur[curlen++] = '/';
		memcpy(cur + curlen, seg, strlen(seg) + 1);
		curlen += strlen(seg);
		if (realpath(cur, real) == NULL || stat(real, &st) == -1) {
			snprintf(b->error, sizeof(b->error), "no program for "
			    "path: %s", strerror(errno));
			return (-1);
		}
		/* A symlink may not lead out of the directory. */
		if (strncmp(real, root, strlen(root)) != 0 ||
		    (real[strlen(root)] != '/' && real[strlen(root)] != '\0')) {
			snprintf(b->error, sizeof(b->error), "no program for "
			    "path: leads outside --dir");
			return (-1);
		}
		if (S_ISDIR(st.st_mode)) {
			i = j;
			continue;
		}
		if (!S_ISREG(st.st_mode) || access(real, X_OK) == -1) {
			snprintf(b->error, sizeof(b->error), "no program for "
			    "path: not an executable file");
			return (-1);
		}
		*script = strdup(real);
		*script_name = strndup(path, j);
		*path_info = strndup(path + j, len - j);
		if (*script == NULL || *script_name == NULL ||
		    *path_info == NULL) {
			free(*script);
			free(*script_name);
			free(*path_info);
			b->fail_status = 500;
			snprintf(b->error, sizeof(b->error), "out of memory");
			return (-1);
		}
		return (0);
	}
	snprintf(b->error, sizeof(b->error), "no program for path");
	return (-1);
}

/*
 * The program's descriptors: stdin and stdout on our pipes, stderr on ours
 * (err), /dev/null or left as our own, nothing else.  The pipes are never
 * 0-2 (main.c keeps those open), so no dup2 here undoes another.  Returns
 * 0, or an error number with nothing left to destroy.
 */
static int
spawn_actions(posix_spawn_file_actions_t *fa, int in, int out, int err,
    enum stderr_mode mode)
{
	int rc;

	if ((rc = posix_spawn_file_actions_init(fa)) != 0)
		return (rc);
	if ((rc = posix_spawn_file_actions_adddup2(fa, in, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(fa, out, 1)) != 0 ||
	    (mode == STDERR_LOG &&
	    (rc = posix_spawn_file_actions_adddup2(fa, err, 2)) != 0) ||
	    (mode == STDERR_NULL &&
	    (rc = posix_spawn_file_actions_addopen(fa, 2, "/dev/null",
	    O_WRONLY, 0)) != 0) ||
	    /* Not even descriptors we inherited ourselves reach it. */
	    (rc = posix_spawn_file_actions_addclosefrom_np(fa, 3)) != 0) {
		posix_spawn_file_actions_destroy(fa);
		return (rc);
	}
	return (0);
}

/*
 * Its own process group, so TERM and KILL reach what it starts; default
 * dispositions (we ignore SIGPIPE) and an empty mask.  Returns 0, or an
 * error number with nothing left to destroy.
 */
static int
spawn_attr(posix_spawnattr_t *attr)
{
	sigset_t all, none;
	int rc;

	sigfillset(&all);
	sigemptyset(&none);
	if ((rc = posix_spawnattr_init(attr)) != 0)
		return (rc);
	if ((rc = posix_spawnattr_setpgroup(attr, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(attr, &all)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) {
		posix_spawnattr_destroy(attr);
		return (rc);
	}
	return (0);
}


/*
 * The program's environment: the CGI variables of the request (with the
 * TLS client's subject when it gave a certificate), --env, and what
 * --inherit keeps of ours.  sname and pinfo split the path (--dir); NULL:
 * one program for every path, all of it PATH_INFO.  NULL: b->error says
 * why.
 */
static char **
program_env(struct backend *b, const struct backend_req *r,
    const char *sname, const char *pinfo)
{
	const struct config *cfg = r->cfg;
	struct cgi_params cp;
	char software[64], uid[32], *whole = NULL, **env;
	char verify[] = "SSL_CLIENT_VERIFY=SUCCESS", *tlsvars[3] = { NULL };

	snprintf(software, sizeof(software), "wsbridge/%s", WSB_VERSION);
	snprintf(uid, sizeof(uid), "%ld-%llu", (long)getpid(),
	    (unsigned long long)r->conn_id);
	memset(&cp, 0, sizeof(cp));
	cp.req = r->req;
	cp.hs = r->hs;
	cp.software = software;
	cp.script_name = sname != NULL ? sname : "/";
	cp.path_info = pinfo != NULL ? pinfo : "";
	if (sname == NULL) {
		whole = strndup(r->hs->path, r->hs->path_len);
		cp.path_info = whole != NULL ? whole : "";
	}
	cp.remote_addr = r->peer_addr;
	cp.remote_port = r->peer_port;
	cp.remote_user = r->remote_user;
	cp.unique_id = uid;
	cp.https = r->tls;
	cp.inherit = cfg->inherit;
	cp.extra = cfg->env;
	env = NULL;
	if (r->client_dn != NULL) {
		if (asprintf(&tlsvars[0], "SSL_CLIENT_S_DN=%s",
		    r->client_dn) == -1) {
			tlsvars[0] = NULL;
			goto out;
		}
		tlsvars[1] = verify;
		cp.more = tlsvars;
	}
	env = cgi_env_build(&cp);
out:
	if (env == NULL)
		snprintf(b->error, sizeof(b->error), "out of memory");
	free(tlsvars[0]);
	free(whole);
	return (env);
}

/*
 * Start argv with env on new pipes for stdin, stdout and (with --stderr
 * log) stderr, in its own process group.  Our ends, close-on-exec and
 * non-blocking, go to ours[]: stdin's, stdout's, stderr's or -1.  -1:
 * b->error says why, nothing is left open.
 */
static int
spawn_program(struct backend *b, const struct target *t, char *const *argv,
    char **env, enum stderr_mode mode, pid_t *pid, int ours[3])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rc, i;

	/* The child's ends stay blocking. */
	if (counted_pipe(b->fds, in) == -1 ||
	    counted_pipe(b->fds, out) == -1 ||
	    (mode == STDERR_LOG && counted_pipe(b->fds, err) == -1) ||
	    set_nonblock(in[1]) == -1 || set_nonblock(out[0]) == -1 ||
	    (err[0] != -1 && set_nonblock(err[0]) == -1)) {
		snprintf(b->error, sizeof(b->error), "pipe: %s",
		    strerror(errno));
		goto fail;
	}
	if ((rc = spawn_actions(&fa, in[0], out[1], err[1], mode)) != 0) {
		snprintf(b->error, sizeof(b->error), "cannot start %s: "
		    "posix_spawn_file_actions: %s", argv[0], strerror(rc));
		goto fail;
	}
	if ((rc = spawn_attr(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		snprintf(b->error, sizeof(b->error), "cannot start %s: "
		    "posix_spawnattr: %s", argv[0], strerror(rc));
		goto fail;
	}
	/* A program's file was found at start-up (preflight.c); argv[0]
	 * stays as it was given, as with execvp(3). */
	if (t->kind == TARGET_PROGRAM && t->path != NULL)
		rc = posix_spawn(pid, t->path, &fa, &attr, argv, env);
	else if (t->kind == TARGET_PROGRAM && strchr(argv[0], '/') == NULL)
		rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, env);
	else
		rc = posix_spawn(pid, argv[0], &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		snprintf(b->error, sizeof(b->error), "cannot start %s: %s",
		    argv[0], strerror(rc));
		goto fail;
	}
	backend_fd_release(b->fds, &in[0]);
	backend_fd_release(b->fds, &out[1]);
	backend_fd_release(b->fds, &err[1]);
	ours[0] = in[1];
	ours[1] = out[0];
	ours[2] = err[0];
	return (0);

fail:
	for (i = 0; i < 2; i++) {
		backend_fd_release(b->fds, &in[i]);
		backend_fd_release(b->fds, &out[i]);
		backend_fd_release(b->fds, &err[i]);
	}
	return (-1);
}

static int
proc_open(struct backend *b, const struct target *t,
    const struct backend_req *r)
{
	struct server *srv = r->srv;
	const struct config *cfg = r->cfg;
	char *script = NULL, *sname = NULL, *pinfo = NULL, **env = NULL;
	char *dir_argv[2];
	char *const *argv;
	struct pgroup *g = NULL;
	int fds[3], rc = -1;
	pid_t pid;

	/* Whose program it is and what it is run with: the request says. */
	b->conn_id = r->conn_id;
	b->detachable = true;
	if (program_count(srv, cfg) == -1) {
		b->fail_status = 503;
		snprintf(b->error, sizeof(b->error), "--max-forks %u reached",
		    cfg->max_forks);
		return (-1);
	}
	if (t->kind == TARGET_DIR) {
		if (dir_lookup(b, t->path, r->hs->path, r->hs->path_len,
		    &script, &sname, &pinfo) == -1)
			goto out;
		dir_argv[0] = script;
		dir_argv[1] = NULL;
		argv = dir_argv;
	} else
		argv = t->argv;
	snprintf(b->peer, sizeof(b->peer), "%s", argv[0]);
	b->fail_status = 500;
	if ((env = program_env(b, r, sname, pinfo)) == NULL)
		goto out;
	if ((g = group_new(b, srv, cfg->close_grace)) == NULL) {
		snprintf(b->error, sizeof(b->error), "out of memory");
		goto out;
	}
	if (spawn_program(b, t, argv, env, cfg->stderr_mode, &pid, fds) ==
	    -1) {
		free(g);
		goto out;
	}
	group_start(b->loop, g, pid);
	b->priv = g;
	b->wfd = fds[0];
	b->rfd = fds[1];
	g->err.fd = fds[2];
	g->err.conn_id = r->conn_id;
	errlog_start(b->loop, &g->err);
	b->connecting = true;
	ev_io_init(&b->wio, started_cb, b->wfd, EV_WRITE);
	ev_io_start(b->loop, &b->wio);
	log_debug("#%llu started %s, pid %d", (unsigned long long)r->conn_id,
	    argv[0], (int)pid);
	rc = 0;
out:
	if (rc == -1)
		program_uncount(srv);
	cgi_env_free(env);
	free(script);
	free(sname);
	free(pinfo);
	return (rc);
}

/*
 * A pipe that fills up carries bulk data: give it room for 1 MiB, once.
 * Only busy programs pay for big pipes (they count against the user's
 * pipe allowance, and idle connections are the many).
 */
static void
grow_pipe(int fd, bool *grown)
{
	if (*grown || fd == -1)
		return;
	*grown = true;
	if (fcntl(fd, F_SETPIPE_SZ, PIPE_BIG) == -1)
		log_debug("F_SETPIPE_SZ: %s", strerror(errno));
}

static ssize_t
proc_read(struct backend *b, void *buf, size_t len)
{
	struct pgroup *g = b->priv;
	ssize_t n;

	if (!g->out_eof) {
		if ((n = backend_fd_read(b, buf, len)) >= PIPE_DEFAULT)
			grow_pipe(b->rfd, &g->out_grown);
		if (n != 0)
			return (n);
		/* stdout is done; the EOF waits for the exit status. */
		g->out_eof = true;
		ev_io_stop(b->loop, &b->rio);
		backend_fd_release(b->fds, &b->rfd);
	}
	if (g->exited)
		return (0);
	errno = EAGAIN;
	return (-1);
}

static ssize_t
proc_write(struct backend *b, const void *buf, size_t len)
{
	struct pgroup *g = b->priv;
	ssize_t n = backend_fd_write(b, buf, len);

	if (n == -1 && errno == EAGAIN) {
		grow_pipe(b->wfd, &g->in_grown);
		errno = EAGAIN;
	}
	return (n);
}

static void
proc_shutdown_write(struct backend *b)
{
	if (b->wfd == -1)
		return;
	ev_io_stop(b->loop, &b->wio);
	backend_fd_release(b->fds, &b->wfd);
}

static void
proc_close(struct backend *b)
{
	/* A group with members left keeps its output pipes, orphaned. */
	if (b->priv != NULL)
		group_detach(b);
	backend_fd_close(b);
}

const struct backend_ops backend_proc_ops = {
	.open = proc_open,
	.read = proc_read,
	.write = proc_write,
	.want = backend_fd_want,
	.shutdown_write = proc_shutdown_write,
	.close = proc_close,
};
