/*
 * auth.c - Basic authentication.  The only place that sees passwords: they
 * are hashed with crypt(3) and never logged or kept.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "b64.h"

int
auth_load(const char *file, struct auth *a, char *err, size_t errlen)
{
	char *line = NULL, *colon;
	size_t cap = 0, lineno = 0;
	struct auth_user *u;
	ssize_t len;
	FILE *f;

	memset(a, 0, sizeof(*a));
	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "--basic-auth %s: %s", file,
		    strerror(errno));
		return (-1);
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    colon[1] == '\0') {
			snprintf(err, errlen, "%s:%zu: expected user:hash",
			    file, lineno);
			goto err;
		}
		/* crypt(3) hashes start with "$id$"; a bare password is a
		 * mistake worth refusing. */
		if (colon[1] != '$') {
			snprintf(err, errlen, "%s:%zu: the password is not a "
			    "crypt(3) hash (make one with mkpasswd)", file,
			    lineno);
			goto err;
		}
		u = realloc(a->users, (a->nusers + 1) * sizeof(*u));
		if (u == NULL)
			goto nomem;
		a->users = u;
		u = &a->users[a->nusers];
		if ((u->name = strndup(line, (size_t)(colon - line))) ==
		    NULL)
			goto nomem;
		if ((u->hash = strdup(colon + 1)) == NULL) {
			free(u->name);
			goto nomem;
		}
		a->nusers++;
	}
	if (a->nusers == 0) {
		snprintf(err, errlen, "--basic-auth %s: no users", file);
		goto err;
	}
	free(line);
	fclose(f);
	return (0);

nomem:
	snprintf(err, errlen, "out of memory");
err:
	free(line);
	fclose(f);
	auth_free(a);
	return (-1);
}

void
auth_free(struct auth *a)
{
	size_t i;

	for (i = 0; i < a->nusers; i++) {
		/* Scrub: the hashes are offline-attack material. */
		OPENSSL_cleanse(a->users[i].hash, strlen(a->users[i].hash));
		free(a->users[i].name);
		free(a->users[i].hash);
	}
	free(a->users);
	memset(a, 0, sizeof(*a));
}

bool
auth_hash_matches(const char *pass, const char *hash, struct crypt_data *cd)
{
	const char *h;
	size_t n;

	memset(cd, 0, sizeof(*cd));
	/* crypt_rn: NULL on failure, never a "*0" string to compare. */
	if ((h = crypt_rn(pass, hash, cd, (int)sizeof(*cd))) == NULL)
		return (false);
	n = strlen(hash);
	return (strlen(h) == n && CRYPTO_memcmp(h, hash, n) == 0);
}

enum auth_result
auth_begin(struct auth *a, const struct http_request *req, const char **user,
    struct auth_attempt **attp)
{
	const struct http_header *h;
	struct auth_attempt *att;
	uint8_t dec[512], digest[32];
	char *pass;
	size_t i;
	ssize_t n;
	int idx;

	*user = NULL;
	*attp = NULL;
	if ((idx = http_find_header(req, "Authorization", 0)) < 0)
		return (AUTH_MISSING);
	h = &req->headers[idx];
	if (h->value_len < 6 || strncasecmp(h->value, "Basic ", 6) != 0)
		return (AUTH_MISSING);
	if (h->value_len - 6 > (sizeof(dec) - 1) / 3 * 4)
		return (AUTH_BAD);
	if (EVP_Digest(h->value, h->value_len, digest, NULL, EVP_sha256(),
	    NULL) != 1)
		return (AUTH_NOMEM);
	for (i = 0; i < a->ngood; i++)
		if (CRYPTO_memcmp(a->good[i], digest, sizeof(digest)) == 0) {
			*user = a->good_user[i]->name;
			return (AUTH_PASS);
		}

	if ((n = b64_decode(dec, h->value + 6, h->value_len - 6)) < 0)
		return (AUTH_BAD);
	dec[n] = '\0';
	if (memchr(dec, '\0', (size_t)n) != NULL ||
	    (pass = strchr((char *)dec, ':')) == NULL) {
		OPENSSL_cleanse(dec, sizeof(dec));
		return (AUTH_BAD);
	}
	*pass++ = '\0';
	if ((att = calloc(1, sizeof(*att))) == NULL ||
	    (att->name = strdup((char *)dec)) == NULL ||
	    (att->pass = strdup(pass)) == NULL) {
		OPENSSL_cleanse(dec, sizeof(dec));
		auth_attempt_free(att);
		return (AUTH_NOMEM);
	}
	OPENSSL_cleanse(dec, sizeof(dec));
	for (i = 0; i < a->nusers; i++)
		if (strcmp(a->users[i].name, att->name) == 0)
			att->user = &a->users[i];
	/* Hash even for an unknown user, so timing tells nothing. */
	att->hash = att->user != NULL ? att->user->hash : a->users[0].hash;
	memcpy(att->digest, digest, sizeof(digest));
	*attp = att;
	return (AUTH_CHECK);
}

const char *
auth_finish(struct auth *a, const struct auth_attempt *att, bool matched)
{
	if (!matched || att->user == NULL)
		return (NULL);
	memcpy(a->good[a->next_good], att->digest, sizeof(att->digest));
	a->good_user[a->next_good] = att->user;
	a->next_good = (a->next_good + 1) % AUTH_CACHE;
	if (a->ngood < AUTH_CACHE)
		a->ngood++;
	return (att->user->name);
}

void
auth_attempt_free(struct auth_attempt *att)
{
	if (att == NULL)
		return;
	if (att->pass != NULL) {
		OPENSSL_cleanse(att->pass, strlen(att->pass));
		free(att->pass);
	}
	free(att->name);
	free(att);
}
