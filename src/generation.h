/*
 * generation.h - one configuration as the server runs it: the parsed
 * options, checked (preflight.c) and with what is derived from them (the
 * --static root, the --trust-proxy blocks).  Start-up makes the first; each
 * SIGHUP that reads a valid one makes the next.  Reference-counted: held by
 * the snapshots (snapshot.h) that connections pin, so a connection reads
 * the generation it was accepted with for as long as it lives.
 */
#ifndef WSB_GENERATION_H
#define WSB_GENERATION_H

#include <stddef.h>

#include "config.h"

struct netaddr_cidr;

struct generation {
	unsigned	refs;		/* snapshots, and the generation
					   before this one */
	unsigned	number;		/* 1 at start-up, for the log */
	struct config	cfg;
	char		*static_root;	/* --static as a real path, or NULL */
	char		*term_root;	/* --terminal-assets, the same way */
	struct netaddr_cidr *trusted;	/* --trust-proxy, ntrusted of them */
	size_t		ntrusted;
	struct generation *next;	/* the one that replaced it, held */
};

/*
 * generation_new(cfg, err, errlen): check cfg (a config_parse() result) as
 * start-up does -- the files and programs it names (preflight_check()),
 * --origin, --server-name, --trust-proxy, --static, --terminal-assets --
 * and make it a
 * generation.  The generation takes cfg's contents whatever the outcome
 * (cfg is left empty).  Returns it with one reference, or NULL with a
 * one-line reason in err: a configuration that cannot work.
 */
struct generation *generation_new(struct config *, char *, size_t);

/*
 * generation_keep_restart(fresh, cur, changed, len): the options that need
 * the server restarted (the listeners and what is bound to them, --workers,
 * --user, --group, switching TLS, --basic-auth or --token-file on or off,
 * --auth-throttle) are copied from cur into fresh, a config about to become
 * the next generation.  changed gets the names of those fresh had changed,
 * ", "-separated ("" when none).  Returns 0, or -1 when memory is short.
 */
int	generation_keep_restart(struct config *, const struct config *,
	    char *, size_t);

/*
 * generation_succeed(old, fresh): fresh replaces old as the server's
 * current generation; old holds fresh until old is freed.  A reader that
 * still reaches a later generation through the server while it holds old
 * (code that reads srv->cfg after its connection was accepted) therefore
 * never sees it freed.
 */
void	generation_succeed(struct generation *, struct generation *);

/* generation_hold(g): one more reference to g; returns g. */
struct generation *generation_hold(struct generation *);

/* generation_release(g): drop a reference; the last frees g.  NULL is
 * fine. */
void	generation_release(struct generation *);

#endif
