/*
 * snapshot.c - the reloadable state as reference-counted snapshots: built
 * at start-up, rebuilt part by part on SIGHUP (or a token file's change)
 * around the configuration generation current then, freed by whoever
 * drops the last reference.  Single-threaded: only the event loop's thread
 * takes or drops references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "snapshot.h"
#include "tls.h"

static struct snapshot_users *
users_load(const char *file, char *err, size_t errlen)
{
	struct snapshot_users *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (auth_load(file, &u->auth, err, errlen) == -1) {
		free(u);
		return (NULL);
	}
	u->refs = 1;
	return (u);
}

static void
users_release(struct snapshot_users *u)
{
	if (u == NULL || --u->refs > 0)
		return;
	auth_free(&u->auth);
	free(u);
}

static struct snapshot_tokens *
tokens_load(struct tokenfile *tf, char *err, size_t errlen)
{
	struct snapshot_tokens *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (tokenfile_read(tf, &t->tokens, err, errlen) == -1) {
		free(t);
		return (NULL);
	}
	t->refs = 1;
	return (t);
}

static void
tokens_release(struct snapshot_tokens *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	tokens_free(&t->tokens);
	free(t);
}

struct snapshot *
snapshot_load(struct generation *gen, struct tokenfile *tf, char *err,
    size_t errlen)
{
	const struct config *cfg = &gen->cfg;
	struct snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	s->refs = 1;
	s->gen = generation_hold(gen);
	s->cfg = cfg;
	/* Certificate problems are configuration errors: found now. */
	if (cfg->tls_cert != NULL &&
	    (s->tls_ctx = tls_ctx_new(cfg, err, errlen)) == NULL)
		goto err;
	if (cfg->basic_auth != NULL &&
	    (s->users = users_load(cfg->basic_auth, err, errlen)) == NULL)
		goto err;
	if (tf != NULL && (s->tokens = tokens_load(tf, err, errlen)) == NULL)
		goto err;
	return (s);

err:
	snapshot_release(s);
	return (NULL);
}

struct snapshot *
snapshot_reload(const struct snapshot *cur, struct generation *gen,
    struct tokenfile *tf, unsigned parts, bool quiet)
{
	const struct config *cfg = &gen->cfg;
	struct snapshot *s;
	char err[256];

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_warnx("reload: out of memory");
		return (NULL);
	}
	s->refs = 1;
	s->gen = generation_hold(gen);
	s->cfg = cfg;
	if ((parts & SNAPSHOT_TLS) && cur->tls_ctx != NULL) {
		if ((s->tls_ctx = tls_ctx_new(cfg, err, sizeof(err))) != NULL) {
			if (!quiet)
				log_info("SIGHUP: TLS certificate and key "
				    "reloaded");
		} else if (!quiet)
			log_warnx("SIGHUP: keeping the old certificate: %s",
			    err);
	}
	if (s->tls_ctx == NULL && cur->tls_ctx != NULL) {
		SSL_CTX_up_ref(cur->tls_ctx);
		s->tls_ctx = cur->tls_ctx;
	}
	if ((parts & SNAPSHOT_USERS) && cur->users != NULL) {
		if ((s->users = users_load(cfg->basic_auth, err,
		    sizeof(err))) != NULL) {
			if (!quiet)
				log_info("SIGHUP: %zu user(s) reloaded",
				    s->users->auth.nusers);
		} else if (!quiet)
			log_warnx("SIGHUP: keeping the old users: %s", err);
	}
	if (s->users == NULL && (s->users = cur->users) != NULL)
		s->users->refs++;
	if ((parts & SNAPSHOT_TOKENS) && cur->tokens != NULL && tf != NULL) {
		if ((s->tokens = tokens_load(tf, err, sizeof(err))) != NULL) {
			if (!quiet)
				log_info("token file %s: %zu token(s)",
				    tf->path, s->tokens->tokens.n);
		} else if (!quiet)
			log_warnx("token file: keeping the old tokens: %s",
			    err);
	}
	if (s->tokens == NULL && (s->tokens = cur->tokens) != NULL)
		s->tokens->refs++;
	return (s);
}

struct snapshot *
snapshot_hold(struct snapshot *s)
{
	s->refs++;
	return (s);
}

void
snapshot_release(struct snapshot *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	SSL_CTX_free(s->tls_ctx);
	users_release(s->users);
	tokens_release(s->tokens);
	generation_release(s->gen);
	free(s);
}
