/*
 * preflight.c - start-up checks of the files, programs, directories and
 * users a configuration names, before anything is bound.  It never logs:
 * the first problem comes back as one line for main.c to print (exit 2).
 * Checks that depend on who reads are made as the --user account, in a
 * child process, so the server itself never changes identity here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "preflight.h"

/* execvp(3)'s search path when PATH is not set (confstr _CS_PATH). */
#define DEFAULT_PATH	"/bin:/usr/bin"

int
preflight_identity(const struct config *cfg, struct run_as *ra, char *err,
    size_t errlen)
{
	struct passwd *pw;
	struct group *gr;

	memset(ra, 0, sizeof(*ra));
	if (cfg->user == NULL)
		return (0);
	if ((pw = getpwnam(cfg->user)) == NULL)
		return (errf(err, errlen, "--user %s: no such user",
		    cfg->user));
	ra->name = cfg->user;
	ra->uid = pw->pw_uid;
	ra->gid = pw->pw_gid;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL)
			return (errf(err, errlen, "--group %s: no such group",
			    cfg->group));
		ra->gid = gr->gr_gid;
	}
	/* Already that user (a unit's User=): nothing to switch, and no
	 * permission to try. */
	ra->change = getuid() != ra->uid || geteuid() != ra->uid ||
	    getgid() != ra->gid || getegid() != ra->gid;
	return (0);
}

int
preflight_become(const struct run_as *ra, char *err, size_t errlen)
{

	if (initgroups(ra->name, ra->gid) == -1 || setgid(ra->gid) == -1 ||
	    setuid(ra->uid) == -1)
		return (errf(err, errlen, "--user %s: cannot switch to it: %s",
		    ra->name, strerror(errno)));
	return (0);
}

/* dir/name, made absolute against the current directory. */
static char *
absolute(const char *dir, const char *name)
{
	char cwd[PATH_MAX], *s;
	int n;

	if (dir[0] == '/')
		n = asprintf(&s, "%s/%s", dir, name);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return (NULL);
	else if (dir[0] == '\0' || strcmp(dir, ".") == 0)
		n = asprintf(&s, "%s/%s", cwd, name);
	else
		n = asprintf(&s, "%s/%s/%s", cwd, dir, name);
	return (n == -1 ? NULL : s);
}

/* An executable regular file for execve(2)? */
static bool
runnable(const char *path)
{
	struct stat st;

	return (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0);
}

/*
 * The file a program target runs, into t->path: a bare name is looked up
 * in PATH now, the first runnable match as execvp(3) takes it; a relative
 * path is the current directory's.  Found once, so a later change of PATH
 * or of directory changes nothing.
 */
static int
find_program(struct target *t, const char *label, char *err, size_t errlen)
{
	const char *name = t->argv[0], *search, *p, *end;
	char *dir, *cand;

	free(t->path);
	t->path = NULL;
	if (strchr(name, '/') != NULL) {
		if (name[0] == '/')
			t->path = strdup(name);
		else if (strncmp(name, "./", 2) == 0)
			t->path = absolute(".", name + 2);
		else
			t->path = absolute(".", name);
		if (t->path == NULL)
			return (errf(err, errlen, "%sprogram %s: %s", label,
			    name, strerror(errno)));
		return (0);
	}
	if ((search = getenv("PATH")) == NULL)
		search = DEFAULT_PATH;
	for (p = search; t->path == NULL; p = end + 1) {
		end = p + strcspn(p, ":");
		if ((dir = strndup(p, (size_t)(end - p))) == NULL ||
		    (cand = absolute(dir, name)) == NULL) {
			free(dir);
			return (errf(err, errlen, "out of memory"));
		}
		free(dir);
		if (runnable(cand))
			t->path = cand;
		else
			free(cand);
		if (*end == '\0')
			break;
	}
	if (t->path == NULL)
		return (errf(err, errlen, "%sprogram %s: not found in PATH",
		    label, name));
	return (0);
}

/* " by user NAME" when checking as --user, else "". */
static const char *
by(const struct run_as *ra, char *buf, size_t len)
{

	if (ra == NULL)
		return ("");
	snprintf(buf, len, " by user %s", ra->name);
	return (buf);
}

static int
check_program(const struct target *t, const char *label,
    const struct run_as *ra, char *err, size_t errlen)
{
	struct stat st;
	char who[96];

	if (stat(t->path, &st) == -1)
		return (errf(err, errlen, "%sprogram %s: %s", label, t->path,
		    strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return (errf(err, errlen, "%sprogram %s: not a regular file",
		    label, t->path));
	if (access(t->path, X_OK) == -1)
		return (errf(err, errlen, "%sprogram %s: not executable%s",
		    label, t->path, by(ra, who, sizeof(who))));
	return (0);
}

/* A directory we walk (--dir) or read (--static). */
static int
check_dir(const char *opt, const char *path, int mode,
    const struct run_as *ra, char *err, size_t errlen)
{
	struct stat st;
	char who[96];

	if (stat(path, &st) == -1)
		return (errf(err, errlen, "%s %s: %s", opt, path,
		    strerror(errno)));
	if (!S_ISDIR(st.st_mode))
		return (errf(err, errlen, "%s %s: not a directory", opt, path));
	if (access(path, mode) == -1)
		return (errf(err, errlen, "%s %s: not %s%s", opt, path,
		    mode & R_OK ? "readable" : "searchable",
		    by(ra, who, sizeof(who))));
	return (0);
}

/* A file read at start-up and again on SIGHUP: can it be opened? */
static int
check_file(const char *opt, const char *path, const struct run_as *ra,
    char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		if (errno == EACCES && ra != NULL)
			return (errf(err, errlen, "%s %s: not readable by "
			    "user %s: %s", opt, path, ra->name,
			    strerror(errno)));
		return (errf(err, errlen, "%s %s: %s", opt, path,
		    strerror(errno)));
	}
	close(fd);
	return (0);
}

/* --token-file: a file, or every regular file of a directory. */
static int
check_tokens(const char *path, const struct run_as *ra, char *err,
    size_t errlen)
{
	struct dirent *de;
	struct stat st;
	char full[PATH_MAX];
	DIR *d;
	int rc = 0;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return (check_file("--token-file", path, ra, err, errlen));
	if (check_dir("--token-file", path, R_OK | X_OK, ra, err, errlen) ==
	    -1)
		return (-1);
	if ((d = opendir(path)) == NULL)
		return (errf(err, errlen, "--token-file %s: %s", path,
		    strerror(errno)));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
			rc = check_file("--token-file", full, ra, err, errlen);
	}
	closedir(d);
	return (rc);
}

/* Every check that depends on who makes it; ra NULL: as ourselves. */
static int
check_access(const struct config *cfg, const struct run_as *ra, char *err,
    size_t errlen)
{
	const struct route *r;
	char label[300];
	size_t i;

	if (cfg->connect.kind == TARGET_PROGRAM &&
	    check_program(&cfg->connect, "", ra, err, errlen) == -1)
		return (-1);
	if (cfg->connect.kind == TARGET_DIR && check_dir("--dir",
	    cfg->connect.path, X_OK, ra, err, errlen) == -1)
		return (-1);
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		snprintf(label, sizeof(label), "--route %s: ", r->prefix);
		if (r->target.kind == TARGET_PROGRAM &&
		    check_program(&r->target, label, ra, err, errlen) == -1)
			return (-1);
	}
	if (cfg->static_dir != NULL && check_dir("--static", cfg->static_dir,
	    R_OK | X_OK, ra, err, errlen) == -1)
		return (-1);
	if (cfg->tls_cert != NULL && check_file("--tls-cert", cfg->tls_cert,
	    ra, err, errlen) == -1)
		return (-1);
	if (cfg->tls_key != NULL && check_file("--tls-key", cfg->tls_key,
	    ra, err, errlen) == -1)
		return (-1);
	if (cfg->tls_client_ca != NULL && check_file("--tls-client-ca",
	    cfg->tls_client_ca, ra, err, errlen) == -1)
		return (-1);
	if (cfg->basic_auth != NULL && check_file("--basic-auth",
	    cfg->basic_auth, ra, err, errlen) == -1)
		return (-1);
	if (cfg->token_file != NULL &&
	    check_tokens(cfg->token_file, ra, err, errlen) == -1)
		return (-1);
	return (0);
}

/*
 * check_access() as ra, in a child that switches to it: its answer, one
 * line, comes back through a pipe; empty means all is well.
 */
static int
check_access_as(const struct config *cfg, const struct run_as *ra,
    char *err, size_t errlen)
{
	char msg[512];
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	int fds[2], status;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return (errf(err, errlen, "pipe: %s", strerror(errno)));
	fflush(NULL);
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return (errf(err, errlen, "fork: %s", strerror(errno)));
	}
	if (pid == 0) {
		close(fds[0]);
		msg[0] = '\0';
		if (preflight_become(ra, msg, sizeof(msg)) == 0)
			(void)check_access(cfg, ra, msg, sizeof(msg));
		if (write(fds[1], msg, strlen(msg)) == -1)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(msg) - 1 && ((n = read(fds[0], msg + got,
	    sizeof(msg) - 1 - got)) > 0 || (n == -1 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	msg[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (got > 0)
		return (errf(err, errlen, "%s", msg));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (errf(err, errlen, "--user %s: cannot check files as "
		    "that user", ra->name));
	return (0);
}

int
preflight_check(struct config *cfg, char *err, size_t errlen)
{
	struct run_as ra;
	char label[300];
	size_t i;

	if (preflight_identity(cfg, &ra, err, errlen) == -1)
		return (-1);
	if (cfg->connect.kind == TARGET_PROGRAM &&
	    find_program(&cfg->connect, "", err, errlen) == -1)
		return (-1);
	for (i = 0; i < cfg->nroutes; i++) {
		snprintf(label, sizeof(label), "--route %s: ",
		    cfg->routes[i].prefix);
		if (cfg->routes[i].target.kind == TARGET_PROGRAM &&
		    find_program(&cfg->routes[i].target, label, err,
		    errlen) == -1)
			return (-1);
	}
	if (ra.change)
		return (check_access_as(cfg, &ra, err, errlen));
	return (check_access(cfg, ra.name != NULL ? &ra : NULL, err, errlen));
}

static void
print_target(const struct target *t, FILE *out)
{
	size_t i;

	switch (t->kind) {
	case TARGET_TCP:
	case TARGET_UNIX:
	case TARGET_STDIO:
		fprintf(out, "%s\n", t->display);
		return;
	case TARGET_PROGRAM:
		fprintf(out, "program %s", t->path != NULL ? t->path :
		    t->argv[0]);
		for (i = 1; t->argv[i] != NULL; i++)
			fprintf(out, " %s", t->argv[i]);
		break;
	case TARGET_DIR:
		fprintf(out, "dir %s", t->path);
		break;
	}
	fprintf(out, " (%s)\n", t->pty ? "on a pty" : t->lines ? "text" :
	    "binary");
}

void
preflight_print(const struct config *cfg, FILE *out)
{
	const struct listen_spec *l;
	const char *fds = getenv("LISTEN_FDS");
	bool tls, proxy, slash = false;
	size_t i;

	if (fds != NULL)
		fprintf(out, "listen sockets from systemd (LISTEN_FDS=%s)\n",
		    fds);
	else if (cfg->nlistens == 0)
		fprintf(out, "listen sockets from systemd only (no "
		    "--listen)\n");
	for (i = 0; i < cfg->nlistens; i++) {
		l = &cfg->listens[i];
		tls = l->tls == LISTEN_TLS_ON ||
		    (l->tls == LISTEN_TLS_DEFAULT && cfg->tls_cert != NULL);
		proxy = l->proxy || cfg->proxy_protocol;
		fprintf(out, "listen %s%s%s%s%s\n", l->display,
		    tls || proxy ? " (" : "", tls ? "TLS" : "",
		    tls && proxy ? ", " : "", proxy ? "PROXY protocol)" :
		    tls ? ")" : "");
	}
	for (i = 0; i < cfg->nroutes; i++)
		slash |= strcmp(cfg->routes[i].prefix, "/") == 0;
	if (cfg->connect.display != NULL) {
		fprintf(out, "%s -> ", slash ? "default" : "/");
		print_target(&cfg->connect, out);
	}
	for (i = 0; i < cfg->nroutes; i++) {
		fprintf(out, "%s -> ", cfg->routes[i].prefix);
		print_target(&cfg->routes[i].target, out);
	}
	if (cfg->token_file != NULL)
		fprintf(out, "tokens -> token-file %s\n", cfg->token_file);
	if (cfg->static_dir != NULL)
		fprintf(out, "files -> static %s\n", cfg->static_dir);
	if (cfg->user != NULL)
		fprintf(out, "run as user %s%s%s\n", cfg->user,
		    cfg->group != NULL ? ", group " : "",
		    cfg->group != NULL ? cfg->group : "");
	fprintf(out, "configuration OK\n");
	fflush(out);
}
