/*
 * program.c - what a program is started with (program.h): -- PROGRAM as
 * given, or for --dir the request path walked below the directory to an
 * executable file; and its environment.
 */
#include <errno.h>
#include <spawn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "cgi_env.h"
#include "handshake.h"
#include "http.h"
#include "program.h"
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
 * The program's environment: the CGI variables of the request (with the
 * TLS client's subject when it gave a certificate, and term as TERM),
 * --env, and what --inherit keeps of ours.  sname and pinfo split the path
 * (--dir); NULL: one program for every path, all of it PATH_INFO.  NULL:
 * b->error says why.
 */
static char **
program_env(struct backend *b, const struct backend_req *r,
    const char *sname, const char *pinfo, const char *term)
{
	const struct config *cfg = r->cfg;
	struct cgi_params cp;
	char software[64], uid[32], *whole = NULL, **env = NULL;
	char verify[] = "SSL_CLIENT_VERIFY=SUCCESS", *more[4] = { NULL };
	char *termvar = NULL, *dn = NULL;
	size_t n = 0;

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
	if (term != NULL) {
		if (asprintf(&termvar, "TERM=%s", term) == -1) {
			termvar = NULL;
			goto out;
		}
		more[n++] = termvar;
	}
	if (r->client_dn != NULL) {
		if (asprintf(&dn, "SSL_CLIENT_S_DN=%s", r->client_dn) == -1) {
			dn = NULL;
			goto out;
		}
		more[n++] = dn;
		more[n++] = verify;
	}
	cp.more = n > 0 ? more : NULL;
	env = cgi_env_build(&cp);
out:
	if (env == NULL)
		snprintf(b->error, sizeof(b->error), "out of memory");
	free(termvar);
	free(dn);
	free(whole);
	return (env);
}

int
program_prepare(struct backend *b, const struct target *t,
    const struct backend_req *r, const char *term, struct program_start *ps)
{
	memset(ps, 0, sizeof(*ps));
	if (t->kind == TARGET_DIR) {
		if (dir_lookup(b, t->path, r->hs->path, r->hs->path_len,
		    &ps->script, &ps->sname, &ps->pinfo) == -1)
			return (-1);
		ps->dir_argv[0] = ps->script;
		ps->dir_argv[1] = NULL;
		ps->argv = ps->dir_argv;
	} else
		ps->argv = t->argv;
	snprintf(b->peer, sizeof(b->peer), "%s", ps->argv[0]);
	b->fail_status = 500;
	if ((ps->env = program_env(b, r, ps->sname, ps->pinfo, term)) ==
	    NULL) {
		program_done(ps);
		return (-1);
	}
	return (0);
}

void
program_done(struct program_start *ps)
{
	cgi_env_free(ps->env);
	free(ps->script);
	free(ps->sname);
	free(ps->pinfo);
	memset(ps, 0, sizeof(*ps));
}

int
program_spawn(pid_t *pid, const struct target *t, char *const *argv,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char **env)
{
	if (t->kind == TARGET_PROGRAM && t->path != NULL)
		return (posix_spawn(pid, t->path, fa, attr, argv, env));
	if (t->kind == TARGET_PROGRAM && strchr(argv[0], '/') == NULL)
		return (posix_spawnp(pid, argv[0], fa, attr, argv, env));
	return (posix_spawn(pid, argv[0], fa, attr, argv, env));
}
