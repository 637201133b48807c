/*
 * snapshot.h - what SIGHUP reloads (the configuration generation, the
 * --basic-auth users, the --token-file table, the TLS context) as one
 * reference-counted snapshot.  The server holds the current one and each
 * connection pins the one current when it was accepted, so a reload never
 * frees what a live connection reads, and a connection reads its own
 * configuration through its snapshot (s->cfg), never through the server.
 * A part that is not reloaded, or fails to load, is shared with the
 * snapshot before.
 */
#ifndef WSB_SNAPSHOT_H
#define WSB_SNAPSHOT_H

#include <openssl/ssl.h>

#include "auth.h"
#include "config.h"
#include "generation.h"
#include "tokenfile.h"
#include "tokens.h"

#define SNAPSHOT_TLS	0x1
#define SNAPSHOT_USERS	0x2
#define SNAPSHOT_TOKENS	0x4
#define SNAPSHOT_CONFIG	0x8	/* the --config file and command line */
#define SNAPSHOT_ALL	(SNAPSHOT_TLS | SNAPSHOT_USERS | SNAPSHOT_TOKENS | \
			    SNAPSHOT_CONFIG)

struct snapshot_users {
	unsigned	refs;		/* snapshots sharing it */
	struct auth	auth;
};

struct snapshot_tokens {
	unsigned	refs;		/* snapshots sharing it */
	struct tokens	tokens;
};

struct snapshot {
	unsigned	refs;		/* the server's, one per connection */
	struct generation *gen;		/* the configuration, held */
	const struct config *cfg;	/* &gen->cfg: what a connection
					   accepted with this snapshot reads */
	SSL_CTX		*tls_ctx;	/* without --tls-cert: NULL */
	struct snapshot_users *users;	/* without --basic-auth: NULL */
	struct snapshot_tokens *tokens;	/* without --token-file: NULL */
};

/*
 * snapshot_load(gen, tf, err, errlen): every part read at start-up for
 * generation gen (held from now on), the token table through tf (opened by
 * the caller).  Returns a snapshot with one reference, or NULL with a
 * one-line reason in err: a configuration error.
 */
struct snapshot *snapshot_load(struct generation *, struct tokenfile *,
	    char *, size_t);

/*
 * snapshot_reload(cur, gen, tf, parts, quiet): a new snapshot for
 * generation gen (cur's, or the one replacing it; held from now on) with
 * the SNAPSHOT_TLS, _USERS and _TOKENS parts in parts read again, as gen
 * says, and the others shared with cur.  A part that fails to load is
 * logged (unless quiet) and cur's kept.  Returns it with one reference, or
 * NULL (logged) when memory is short: keep cur then.
 */
struct snapshot *snapshot_reload(const struct snapshot *,
	    struct generation *, struct tokenfile *, unsigned, bool);

/* snapshot_hold(s): one more reference to s; returns s. */
struct snapshot *snapshot_hold(struct snapshot *);

/* snapshot_release(s): drop a reference; the last frees s.  NULL is fine. */
void	snapshot_release(struct snapshot *);

/* snapshot_auth(s): the users, or NULL without --basic-auth. */
static inline struct auth *
snapshot_auth(const struct snapshot *s)
{
	return (s->users != NULL ? &s->users->auth : NULL);
}

/* snapshot_tokens(s): the token table, or NULL without --token-file. */
static inline const struct tokens *
snapshot_tokens(const struct snapshot *s)
{
	return (s->tokens != NULL ? &s->tokens->tokens : NULL);
}

#endif
