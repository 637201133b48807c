/*
 * snapshot.h - what SIGHUP reloads (the --basic-auth users, the --token-file
 * table, the TLS context) as one reference-counted snapshot.  The server
 * holds the current one and each connection pins the one current when it
 * was accepted, so a reload never frees what a live connection reads.  A
 * part that is not reloaded, or fails to load, is shared with the snapshot
 * before.
 */
#ifndef WSB_SNAPSHOT_H
#define WSB_SNAPSHOT_H

#include <openssl/ssl.h>

#include "auth.h"
#include "config.h"
#include "tokenfile.h"
#include "tokens.h"

#define SNAPSHOT_TLS	0x1
#define SNAPSHOT_USERS	0x2
#define SNAPSHOT_TOKENS	0x4
#define SNAPSHOT_ALL	(SNAPSHOT_TLS | SNAPSHOT_USERS | SNAPSHOT_TOKENS)

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
	SSL_CTX		*tls_ctx;	/* without --tls-cert: NULL */
	struct snapshot_users *users;	/* without --basic-auth: NULL */
	struct snapshot_tokens *tokens;	/* without --token-file: NULL */
};

/*
 * snapshot_load(cfg, tf, err, errlen): every part read at start-up, the
 * token table through tf (opened by the caller).  Returns a snapshot with
 * one reference, or NULL with a one-line reason in err: a configuration
 * error.
 */
struct snapshot *snapshot_load(const struct config *, struct tokenfile *,
	    char *, size_t);

/*
 * snapshot_reload(cur, cfg, tf, parts, quiet): a new snapshot with the
 * SNAPSHOT_* parts read again and the others shared with cur.  A part that
 * fails to load is logged (unless quiet) and cur's kept.  Returns it with
 * one reference, or NULL (logged) when memory is short: keep cur then.
 */
struct snapshot *snapshot_reload(const struct snapshot *,
	    const struct config *, struct tokenfile *, unsigned, bool);

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
