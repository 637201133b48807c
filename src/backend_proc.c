/*
 * backend_proc.c - the program backend: each connection spawns its own
 * program (posix_spawn, never a shell) in a new process group, with its
 * stdin and stdout on pipes we own and stderr logged line by line.  Its
 * process group is looked after by progroup.c, what it is started with
 * comes from program.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"
#include "log.h"
#include "program.h"
#include "progroup.h"
#include "server.h"

#define PIPE_DEFAULT	65536	/* Linux's pipe capacity */
#define PIPE_BIG	(1024 * 1024)

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
	rc = program_spawn(pid, t, argv, &fa, &attr, env);
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
	struct program_start ps;
	struct pgroup *g;
	int fds[3];
	pid_t pid;

	/* Whose program it is and what it is run with: the request says. */
	b->conn_id = r->conn_id;
	b->detachable = true;
	if (progroup_count(srv, cfg) == -1) {
		b->fail_status = 503;
		snprintf(b->error, sizeof(b->error), "--max-forks %u reached",
		    cfg->max_forks);
		return (-1);
	}
	if (program_prepare(b, t, r, NULL, &ps) == -1) {
		progroup_uncount(srv);
		return (-1);
	}
	if ((g = progroup_new(b, srv, cfg->close_grace)) == NULL) {
		snprintf(b->error, sizeof(b->error), "out of memory");
		goto fail;
	}
	if (spawn_program(b, t, ps.argv, ps.env, cfg->stderr_mode, &pid,
	    fds) == -1) {
		free(g);
		goto fail;
	}
	progroup_start(b->loop, g, pid);
	b->priv = g;
	b->wfd = fds[0];
	b->rfd = fds[1];
	progroup_errlog(g, fds[2], r->conn_id);
	progroup_connected_later(b);
	log_debug("#%llu started %s, pid %d", (unsigned long long)r->conn_id,
	    ps.argv[0], (int)pid);
	program_done(&ps);
	return (0);

fail:
	progroup_uncount(srv);
	program_done(&ps);
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
	struct pgroup *g = b->priv;
	ssize_t n = 0;

	if (!g->out_eof &&
	    (n = backend_fd_read(b, buf, len)) >= PIPE_DEFAULT)
		grow_pipe(b->rfd, &g->out_grown);
	return (progroup_output(b, n));
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
proc_close(struct backend *b)
{
	/* A group with members left keeps its output pipes, orphaned. */
	if (b->priv != NULL)
		progroup_detach(b);
	backend_fd_close(b);
}

const struct backend_ops backend_proc_ops = {
	.open = proc_open,
	.read = proc_read,
	.write = proc_write,
	.want = backend_fd_want,
	.shutdown_write = backend_fd_shutdown_write,
	.close = proc_close,
};
