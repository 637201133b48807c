/*
 * backend_pty.c - programs on a pseudo-terminal (--pty): each connection's
 * program runs in a session of its own whose controlling terminal is a new
 * pty, its stdin, stdout and stderr on the slave side; we hold the master.
 * Bytes go both ways as they are: the terminal line discipline, not us,
 * turns them into lines, signals (^C) and echo.  The process group (the
 * session's) is looked after by progroup.c as in program mode, and what
 * the program is started with comes from program.c.
 *
 * The master is held twice (dup): b->rfd for the output, b->wfd for the
 * input, so that the output's end and the input's end are each one
 * descriptor to close, as with pipes.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "backend.h"
#include "fdbudget.h"
#include "log.h"
#include "program.h"
#include "progroup.h"
#include "server.h"

#define PTY_TERM	"xterm-256color"	/* without --term */
#define PTY_COLS	80
#define PTY_ROWS	24
#define PTY_DIM_MAX	1000		/* columns or rows */

/*
 * A new pty of PTY_COLS x PTY_ROWS: its master, non-blocking and
 * close-on-exec, and the slave's name.  posix_openpt(3) rather than
 * openpty(3): it needs no libutil, and the slave is opened by the program
 * itself, which makes it its controlling terminal.  -1: b->error says why.
 */
static int
pty_new(struct backend *b, int *master, char *slave, size_t len)
{
	struct winsize ws;
	int fd;

	if ((fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		snprintf(b->error, sizeof(b->error), "posix_openpt: %s",
		    strerror(errno));
		return (-1);
	}
	fdbudget_take(b->fds, 1);
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = PTY_COLS;
	ws.ws_row = PTY_ROWS;
	if (grantpt(fd) == -1 || unlockpt(fd) == -1 ||
	    ptsname_r(fd, slave, len) != 0 ||
	    ioctl(fd, TIOCSWINSZ, &ws) == -1) {
		snprintf(b->error, sizeof(b->error), "pty: %s",
		    strerror(errno));
		backend_fd_release(b->fds, &fd);
		return (-1);
	}
	*master = fd;
	return (0);
}

/*
 * Start argv with env in a new session on the pty's slave: opened by the
 * program after setsid(), without O_NOCTTY, the slave becomes the
 * session's controlling terminal (Linux and the BSDs do so on open; it is
 * what TIOCSCTTY would do), and the session's process group is the
 * terminal's foreground group.  posix_spawn(3), as in program mode: no
 * fork of our address space, safe with the threads we run, no descriptor
 * of ours reaches the program.  -1: b->error says why.
 */
static int
spawn_on_pty(struct backend *b, const struct target *t, char *const *argv,
    char **env, const char *slave, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int rc;

	sigfillset(&all);
	sigemptyset(&none);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		goto fail;
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, slave, O_RDWR,
	    0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, 0, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, 0, 2)) != 0 ||
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto fail;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto fail;
	}
	/* A new session is a new process group too. */
	if ((rc = posix_spawnattr_setsigdefault(&attr, &all)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) {
		posix_spawnattr_destroy(&attr);
		posix_spawn_file_actions_destroy(&fa);
		goto fail;
	}
	rc = program_spawn(pid, t, argv, &fa, &attr, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc == 0)
		return (0);
fail:
	snprintf(b->error, sizeof(b->error), "cannot start %s: %s", argv[0],
	    strerror(rc));
	return (-1);
}

static int
pty_open(struct backend *b, const struct target *t,
    const struct backend_req *r)
{
	struct server *srv = r->srv;
	const struct config *cfg = r->cfg;
	struct program_start ps;
	struct pgroup *g = NULL;
	char slave[64];
	int master = -1, held = -1, in = -1;
	pid_t pid;

	b->conn_id = r->conn_id;
	b->detachable = true;
	if (progroup_count(srv, cfg) == -1) {
		b->fail_status = 503;
		snprintf(b->error, sizeof(b->error), "--max-forks %u reached",
		    cfg->max_forks);
		return (-1);
	}
	if (program_prepare(b, t, r, cfg->term != NULL ? cfg->term :
	    PTY_TERM, &ps) == -1) {
		progroup_uncount(srv);
		return (-1);
	}
	if (pty_new(b, &master, slave, sizeof(slave)) == -1)
		goto fail;
	/* Our own hold on the slave until the program has it: a master
	 * whose slave was never opened reads as closed. */
	if ((held = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    (in = fcntl(master, F_DUPFD_CLOEXEC, 3)) == -1) {
		snprintf(b->error, sizeof(b->error), "pty %s: %s", slave,
		    strerror(errno));
		if (held != -1)
			close(held);	/* not counted yet */
		held = -1;
		goto fail;
	}
	fdbudget_take(b->fds, 2);
	if ((g = progroup_new(b, srv, cfg->close_grace)) == NULL) {
		snprintf(b->error, sizeof(b->error), "out of memory");
		goto fail;
	}
	if (spawn_on_pty(b, t, ps.argv, ps.env, slave, &pid) == -1)
		goto fail;
	backend_fd_release(b->fds, &held);
	progroup_start(b->loop, g, pid);
	b->priv = g;
	b->rfd = master;
	b->wfd = in;
	progroup_errlog(g, -1, r->conn_id);
	progroup_connected_later(b);
	log_debug("#%llu started %s on %s, pid %d",
	    (unsigned long long)r->conn_id, ps.argv[0], slave, (int)pid);
	program_done(&ps);
	return (0);

fail:
	free(g);
	backend_fd_release(b->fds, &held);
	backend_fd_release(b->fds, &in);
	backend_fd_release(b->fds, &master);
	progroup_uncount(srv);
	program_done(&ps);
	return (-1);
}

/* The master reads EIO once no process holds the slave: the end. */
static ssize_t
pty_read(struct backend *b, void *buf, size_t len)
{
	struct pgroup *g = b->priv;
	ssize_t n = 0;

	if (!g->out_eof && (n = backend_fd_read(b, buf, len)) == -1 &&
	    errno == EIO)
		n = 0;
	return (progroup_output(b, n));
}

/*
 * The connection is gone: the terminal hangs up (the master is closed, so
 * the session leader and the foreground group get SIGHUP, and what reads
 * or writes the terminal gets EOF or EIO), and the group gets what program
 * mode's gets: --close-grace, SIGTERM, SIGKILL.  Nothing is left to drain.
 */
static void
pty_close(struct backend *b)
{
	ev_io_stop(b->loop, &b->rio);
	backend_fd_release(b->fds, &b->rfd);
	if (b->priv != NULL)
		progroup_detach(b);
	backend_fd_close(b);
}

/*
 * The window is cols x rows: the kernel sends SIGWINCH to the terminal's
 * foreground process group when that is a change.  Out of 1..1000: ignored
 * (the protocol code refuses such sizes first).
 */
static void
pty_resize(struct backend *b, unsigned cols, unsigned rows)
{
	struct winsize ws;
	int fd = b->rfd != -1 ? b->rfd : b->wfd;

	if (fd == -1 || cols < 1 || cols > PTY_DIM_MAX || rows < 1 ||
	    rows > PTY_DIM_MAX)
		return;
	memset(&ws, 0, sizeof(ws));
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	if (ioctl(fd, TIOCSWINSZ, &ws) == -1)
		log_debug("#%llu TIOCSWINSZ: %s",
		    (unsigned long long)b->conn_id, strerror(errno));
}

const struct backend_ops backend_pty_ops = {
	.open = pty_open,
	.read = pty_read,
	.write = backend_fd_write,
	.want = backend_fd_want,
	/* The client sends no more: the program sees nothing of it (a
	 * terminal has no EOF but the one typed, ^D). */
	.shutdown_write = backend_fd_shutdown_write,
	.close = pty_close,
	.resize = pty_resize,
};
