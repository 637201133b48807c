/*
 * preflight.h - start-up checks of what the configuration names, made
 * before anything is bound so that a configuration that cannot work is exit
 * status 2 rather than a server answering 500: the user and group to run
 * as, programs, directories, and every file a reload reads again, checked
 * as the user that will read it.  Also the summary --check-config prints.
 */
#ifndef WSB_PREFLIGHT_H
#define WSB_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"

/* Who the server runs as once the listeners are bound. */
struct run_as {
	const char	*name;		/* --user, or NULL */
	uid_t		uid;
	gid_t		gid;		/* --group's, else user's */
	bool		change;		/* we are someone else now */
};

/*
 * preflight_identity(cfg, ra, err, errlen): look up --user and --group.
 * Returns 0 with ra filled (ra->change false without --user, or when we
 * already are that user and group), or -1 with a one-line reason in err.
 */
int	preflight_identity(const struct config *, struct run_as *, char *,
	    size_t);

/*
 * preflight_become(ra, err, errlen): take ra's groups, gid and uid, for
 * good.  Returns 0, or -1 with a one-line reason in err.
 */
int	preflight_become(const struct run_as *, char *, size_t);

/*
 * preflight_check(cfg, err, errlen): everything above, before binding.
 * Finds each program (a bare name in PATH, as execvp(3) would, once; a
 * relative path from the current directory) and stores the result in the
 * target's path; checks that programs are executable, --dir and --static
 * are directories, and that TLS files, --basic-auth and --token-file can be
 * opened -- as the --user account, in a child process that switches to it,
 * since programs run and reloads (SIGHUP) happen as that user.  Returns 0,
 * or -1 with a one-line reason in err (exit status 2).
 */
int	preflight_check(struct config *, char *, size_t);

/*
 * preflight_print(cfg, out): what --check-config prints: each listener,
 * each path and its backend, the user; then "configuration OK".
 */
void	preflight_print(const struct config *, FILE *);

#endif
