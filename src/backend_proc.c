/*
 * backend_proc.c - the program backend: each connection spawns its own
 * program (posix_spawn, never a shell) in a new process group, with its
 * stdin and stdout on pipes we own and stderr logged line by line.  The
 * program's EOF is reported only once it has exited, so the close code can
 * carry its exit status.  A program outliving its connection becomes an
 * orphan here: SIGTERM to its group after the grace period, SIGKILL after
 * another, reaped through ev_child, never left a zombie.
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
#include "handshake.h"
#include "http.h"
#include "log.h"
#include "server.h"

extern char **environ;

/*
 * A program whose connection is gone.  Its stdout is still read (and
 * dropped) and its stderr still logged, so what it does on its way out
 * cannot die of SIGPIPE.
 */
struct orphan {
	ev_child	child;
	ev_timer	timer;
	pid_t		pid;
	int		stage;		/* 0: waiting, 1: TERM sent, 2: KILL */
	int		outfd;		/* its stdout, drained; or -1 */
	ev_io		outio;
	struct errlog	err;
	struct orphan	*prev, *next;
};

static void	errlog_close(struct ev_loop *, struct errlog *);
static void	errlog_start(struct ev_loop *, struct errlog *);

static struct orphan *orphans;
static unsigned norphans;

#define ELINE_MAX	512
#define PIPE_DEFAULT	65536	/* Linux's pipe capacity */
#define PIPE_BIG	(1024 * 1024)	/* longer stderr lines are logged in pieces */

#define BACKEND_OF(w, field)						\
	((struct backend *)(void *)((char *)(w) -			\
	    offsetof(struct backend, field)))

static struct server *
server_of(struct ev_loop *loop)
{
	return (ev_userdata(loop));
}

static void
orphan_free(struct ev_loop *loop, struct orphan *o)
{
	struct server *srv = server_of(loop);

	ev_child_stop(loop, &o->child);
	ev_timer_stop(loop, &o->timer);
	ev_io_stop(loop, &o->outio);
	if (o->outfd != -1)
		close(o->outfd);
	errlog_close(loop, &o->err);
	if (o->prev != NULL)
		o->prev->next = o->next;
	else
		orphans = o->next;
	if (o->next != NULL)
		o->next->prev = o->prev;
	free(o);
	norphans--;
	srv->nchildren--;
	server_conn_gone(srv);
}

static void
orphan_out_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct orphan *o = (struct orphan *)(void *)((char *)w -
	    offsetof(struct orphan, outio));
	char sink[16384];
	ssize_t n;

	(void)revents;
	n = read(o->outfd, sink, sizeof(sink));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		ev_io_stop(loop, w);
		close(o->outfd);
		o->outfd = -1;
	}
}

static void
orphan_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	orphan_free(loop, (struct orphan *)(void *)((char *)w -
	    offsetof(struct orphan, child)));
}

static void
orphan_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct orphan *o = (struct orphan *)(void *)((char *)w -
	    offsetof(struct orphan, timer));

	(void)revents;
	if (o->stage == 0) {
		log_debug("program %d still running: SIGTERM", (int)o->pid);
		kill(-o->pid, SIGTERM);
		o->stage = 1;
		ev_timer_again(loop, w);
	} else {
		log_info("program %d ignored SIGTERM: SIGKILL", (int)o->pid);
		kill(-o->pid, SIGKILL);
		o->stage = 2;
		ev_timer_stop(loop, w);
	}
}

/*
 * The connection is gone but its program is not: see that it ends.  The
 * orphan takes over the program's stdout and stderr pipes.
 */
static void
orphan_add(struct backend *b)
{
	struct server *srv = server_of(b->loop);
	struct orphan *o;

	ev_child_stop(b->loop, &b->child);
	ev_io_stop(b->loop, &b->rio);
	ev_io_stop(b->loop, &b->err.io);
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		/* No memory to wait politely: end it now. */
		kill(-b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
		srv->nchildren--;
		return;
	}
	o->pid = b->pid;
	o->outfd = b->rfd;
	b->rfd = -1;
	ev_io_init(&o->outio, orphan_out_cb, o->outfd, EV_READ);
	if (o->outfd != -1)
		ev_io_start(b->loop, &o->outio);
	o->err = b->err;
	b->err.fd = -1;
	b->err.line = NULL;
	errlog_start(b->loop, &o->err);
	ev_child_init(&o->child, orphan_child_cb, o->pid, 0);
	ev_child_start(b->loop, &o->child);
	ev_timer_init(&o->timer, orphan_timer_cb, srv->cfg->close_grace,
	    srv->cfg->close_grace);
	ev_timer_start(b->loop, &o->timer);
	o->next = orphans;
	if (orphans != NULL)
		orphans->prev = o;
	orphans = o;
	norphans++;
}

unsigned
backend_proc_orphans(void)
{
	return (norphans);
}

void
backend_proc_kill_all(void)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct orphan *o;

	for (o = orphans; o != NULL; o = o->next)
		kill(-o->pid, SIGKILL);
	while ((o = orphans) != NULL) {
		waitpid(o->pid, NULL, 0);
		orphan_free(loop, o);
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
		close(e->fd);
		e->fd = -1;
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
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct backend *b = BACKEND_OF(w, child);
	struct server *srv = server_of(loop);
	int st = w->rstatus;

	(void)revents;
	ev_child_stop(loop, w);
	b->exited = true;
	b->pid = 0;
	srv->nchildren--;
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
	log_debug("#%llu program exited: %s", (unsigned long long)b->conn_id,
	    b->eof_reason[0] != '\0' ? b->eof_reason : "exit status 0");
	/* Its EOF was held back until now. */
	if (b->out_eof)
		b->event(b, BACKEND_READABLE);
}

/* The first writable event on stdin says "started": report it. */
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

static int
proc_open(struct backend *b, const struct target *t,
    const struct backend_req *r)
{
	struct server *srv = server_of(b->loop);
	const struct config *cfg = srv->cfg;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct cgi_params cp;
	sigset_t all, none;
	char software[64], uid[32], *script = NULL, *sname = NULL,
	    *pinfo = NULL, **env = NULL, *dir_argv[2];
	char *const *argv;
	char verify[] = "SSL_CLIENT_VERIFY=SUCCESS", *tlsvars[3] = { NULL };
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rc;
	pid_t pid;

	b->conn_id = r->conn_id;
	b->detachable = true;
	if (cfg->max_forks > 0 && srv->nchildren >= cfg->max_forks) {
		b->fail_status = 503;
		snprintf(b->error, sizeof(b->error), "--max-forks %u reached",
		    cfg->max_forks);
		return (-1);
	}
	if (t->kind == TARGET_DIR) {
		if (dir_lookup(b, t->path, r->hs->path, r->hs->path_len,
		    &script, &sname, &pinfo) == -1)
			return (-1);
		dir_argv[0] = script;
		dir_argv[1] = NULL;
		argv = dir_argv;
	} else
		argv = t->argv;
	snprintf(b->peer, sizeof(b->peer), "%s", argv[0]);

	b->fail_status = 500;
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
		/* One program for every path: all of it is PATH_INFO. */
		pinfo = strndup(r->hs->path, r->hs->path_len);
		cp.path_info = pinfo != NULL ? pinfo : "";
	}
	cp.remote_addr = r->peer_addr;
	cp.remote_port = r->peer_port;
	cp.remote_user = r->remote_user;
	cp.unique_id = uid;
	cp.https = r->tls;
	cp.inherit = cfg->inherit;
	cp.extra = cfg->env;
	if (r->client_dn != NULL) {
		if (asprintf(&tlsvars[0], "SSL_CLIENT_S_DN=%s",
		    r->client_dn) == -1) {
			tlsvars[0] = NULL;
			snprintf(b->error, sizeof(b->error), "out of memory");
			goto err0;
		}
		tlsvars[1] = verify;
		cp.more = tlsvars;
	}
	if ((env = cgi_env_build(&cp)) == NULL) {
		snprintf(b->error, sizeof(b->error), "out of memory");
		goto err0;
	}

	/* Our ends close-on-exec and non-blocking; the child's blocking. */
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    (cfg->stderr_mode == STDERR_LOG && pipe2(err, O_CLOEXEC) == -1) ||
	    set_nonblock(in[1]) == -1 || set_nonblock(out[0]) == -1 ||
	    (err[0] != -1 && set_nonblock(err[0]) == -1)) {
		snprintf(b->error, sizeof(b->error), "pipe: %s",
		    strerror(errno));
		goto err1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	if (cfg->stderr_mode == STDERR_LOG)
		posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	else if (cfg->stderr_mode == STDERR_NULL)
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
		    0);
	/* Not even descriptors we inherited ourselves reach the program. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	/* Its own process group, so TERM and KILL reach what it starts;
	 * default dispositions (we ignore SIGPIPE) and an empty mask. */
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	/* A program's file was found at start-up (preflight.c); argv[0]
	 * stays as it was given, as with execvp(3). */
	if (t->kind == TARGET_PROGRAM && t->path != NULL)
		rc = posix_spawn(&pid, t->path, &fa, &attr, argv, env);
	else if (t->kind == TARGET_PROGRAM && strchr(argv[0], '/') == NULL)
		rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
	else
		rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		snprintf(b->error, sizeof(b->error), "cannot start %s: %s",
		    argv[0], strerror(rc));
		goto err1;
	}
	close(in[0]);
	close(out[1]);
	if (err[1] != -1)
		close(err[1]);
	srv->nchildren++;
	b->pid = pid;
	b->rfd = out[0];
	b->wfd = in[1];
	b->err.fd = err[0];
	b->err.conn_id = r->conn_id;
	ev_child_init(&b->child, child_cb, pid, 0);
	ev_child_start(b->loop, &b->child);
	errlog_start(b->loop, &b->err);
	b->connecting = true;
	ev_io_init(&b->wio, started_cb, b->wfd, EV_WRITE);
	ev_io_start(b->loop, &b->wio);
	log_debug("#%llu started %s, pid %d", (unsigned long long)r->conn_id,
	    argv[0], (int)pid);
	cgi_env_free(env);
	free(tlsvars[0]);
	free(script);
	free(sname);
	free(pinfo);
	return (0);

err1:
	for (rc = 0; rc < 2; rc++) {
		if (in[rc] != -1)
			close(in[rc]);
		if (out[rc] != -1)
			close(out[rc]);
		if (err[rc] != -1)
			close(err[rc]);
	}
	cgi_env_free(env);
err0:
	free(tlsvars[0]);
	free(script);
	free(sname);
	free(pinfo);
	return (-1);
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
	ssize_t n;

	if (!b->out_eof) {
		if ((n = backend_fd_read(b, buf, len)) >= PIPE_DEFAULT)
			grow_pipe(b->rfd, &b->out_grown);
		if (n != 0)
			return (n);
		/* stdout is done; the EOF waits for the exit status. */
		b->out_eof = true;
		ev_io_stop(b->loop, &b->rio);
		close(b->rfd);
		b->rfd = -1;
	}
	if (b->exited)
		return (0);
	errno = EAGAIN;
	return (-1);
}

static ssize_t
proc_write(struct backend *b, const void *buf, size_t len)
{
	ssize_t n = backend_fd_write(b, buf, len);

	if (n == -1 && errno == EAGAIN) {
		grow_pipe(b->wfd, &b->in_grown);
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
	close(b->wfd);
	b->wfd = -1;
}

static void
proc_close(struct backend *b)
{
	/* A running program keeps its output pipes, in the orphan. */
	if (b->pid != 0) {
		orphan_add(b);
		b->pid = 0;
	}
	backend_fd_close(b);
	errlog_close(b->loop, &b->err);
}

const struct backend_ops backend_proc_ops = {
	.open = proc_open,
	.read = proc_read,
	.write = proc_write,
	.want = backend_fd_want,
	.shutdown_write = proc_shutdown_write,
	.close = proc_close,
};
