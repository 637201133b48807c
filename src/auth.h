/*
 * auth.h - HTTP Basic authentication against a file of "user:hash" lines,
 * the hashes as crypt(3) makes them (yescrypt, SHA-512, bcrypt...).
 */
#ifndef WSB_AUTH_H
#define WSB_AUTH_H

#include <crypt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define AUTH_CACHE	64	/* remembered good credentials */

struct auth_user {
	char		*name;
	char		*hash;
};

struct auth {
	struct auth_user *users;
	size_t		nusers;
	/* SHA-256 of Authorization values that passed: crypt(3) is slow on
	 * purpose, and a browser sends the same value with each request. */
	uint8_t		good[AUTH_CACHE][32];
	const struct auth_user *good_user[AUTH_CACHE];
	size_t		ngood;
	size_t		next_good;
};

/*
 * auth_load(file, a, err, errlen): read the users.  Returns 0, or -1 with
 * "FILE:LINE: why" (or the open error) in err.
 */
int	auth_load(const char *, struct auth *, char *, size_t);

/* auth_free(a): release what auth_load() allocated. */
void	auth_free(struct auth *);

enum auth_result {
	AUTH_PASS,		/* credentials that passed before: *user */
	AUTH_MISSING,		/* no Basic credentials: ask for them */
	AUTH_BAD,		/* unusable credentials: a failed login */
	AUTH_CHECK,		/* a password to check: *att */
	AUTH_NOMEM
};

/* A password waiting for its check, made by auth_begin(). */
struct auth_attempt {
	char		*name;		/* the user name as sent, for the log */
	char		*pass;		/* scrubbed by auth_attempt_free() */
	const struct auth_user *user;	/* in the table; NULL: no such user */
	const char	*hash;		/* to compare with: the user's, or a
					   stand-in so unknown names cost the
					   same */
	uint8_t		digest[32];	/* SHA-256 of the Authorization value */
};

/*
 * auth_begin(a, req, &user, &att): look at the request's credentials.
 * Credentials that passed before are answered from memory (AUTH_PASS with
 * *user, a name in a's table); a password that needs checking comes back in
 * a new *att (AUTH_CHECK) for auth_hash_matches() and auth_finish().  The
 * check itself is slow on purpose, so it is the caller's to run where it
 * stalls nobody.
 */
enum auth_result auth_begin(struct auth *, const struct http_request *,
	    const char **, struct auth_attempt **);

/*
 * auth_hash_matches(pass, hash, cd): whether crypt(3) of pass with hash's
 * settings gives hash, compared in constant time.  Thread-safe: cd is the
 * caller's scratch space (32 KiB, not for the stack).
 */
bool	auth_hash_matches(const char *, const char *, struct crypt_data *);

/*
 * auth_finish(a, att, matched): the check of att ended: the user's name
 * when it passed (the credentials are remembered), else NULL.  a must be
 * the table att was made from.
 */
const char *auth_finish(struct auth *, const struct auth_attempt *, bool);

/* auth_attempt_free(att): scrub the password and free att; NULL is fine. */
void	auth_attempt_free(struct auth_attempt *);

#endif
