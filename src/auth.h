/*
 * auth.h - HTTP Basic authentication against a file of "user:hash" lines,
 * the hashes as crypt(3) makes them (yescrypt, SHA-512, bcrypt...).
 */
#ifndef WSB_AUTH_H
#define WSB_AUTH_H

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

/*
 * auth_check(a, req): the user name if the request carries valid Basic
 * credentials, else NULL.  Passwords are compared through crypt(3) and the
 * results in constant time; an unknown user costs the same as a known one.
 */
const char *auth_check(struct auth *, const struct http_request *);

#endif
