/*
 * program.h - what a program is started with: the file (-- PROGRAM, or
 * the one --dir's lookup of the request path finds), its arguments and its
 * environment (the CGI variables, --env, --passenv).  Shared by the kinds
 * of backend that run programs (backend_proc.c, backend_pty.c).
 */
#ifndef WSB_PROGRAM_H
#define WSB_PROGRAM_H

#include <spawn.h>
#include <sys/types.h>

#include "backend.h"

struct program_start {
	char *const	*argv;		/* what to run */
	char		**env;		/* and with */
	char		*script;	/* --dir: the file found, */
	char		*sname;		/* SCRIPT_NAME */
	char		*pinfo;		/* and PATH_INFO */
	char		*dir_argv[2];
};

/*
 * program_prepare(b, t, r, term, ps): fill ps for t and the request r;
 * term, unless NULL, is the program's TERM.  Sets b->peer.  -1: b->error
 * and b->fail_status say why, nothing is left to free.
 */
int	program_prepare(struct backend *, const struct target *,
	    const struct backend_req *, const char *, struct program_start *);

/*
 * program_spawn(pid, t, argv, fa, attr, env): posix_spawn(3) argv for
 * target t: the file found at start-up (preflight.c) for -- PROGRAM, a
 * bare name through PATH, --dir's file as it is; argv[0] stays as given,
 * as with execvp(3).  Returns 0 or an error number.
 */
int	program_spawn(pid_t *, const struct target *, char *const *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char **);

/* program_done(ps): release what program_prepare() allocated. */
void	program_done(struct program_start *);

#endif
