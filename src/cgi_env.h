/*
 * cgi_env.h - the environment a spawned program sees: the CGI-style
 * variables websocketd sets (RFC 3875 names plus REMOTE_PORT, REQUEST_URI,
 * UNIQUE_ID), one HTTP_* variable per request header, the parent variables
 * named by --passenv and the --env settings.
 *
 * No I/O: the caller passes everything in and frees the result.
 */
#ifndef WSB_CGI_ENV_H
#define WSB_CGI_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "handshake.h"
#include "http.h"

struct cgi_params {
	const struct http_request *req;
	const struct handshake *hs;
	const char	*software;	/* "wsbridge/1.2.3" */
	const char	*script_name;	/* "/" or the --dir script's path */
	const char	*path_info;	/* the rest of the path, or "" */
	const char	*remote_addr;
	const char	*remote_port;
	const char	*remote_user;	/* NULL when not authenticated */
	const char	*unique_id;
	bool		https;
	char *const	*inherit;	/* "NAME=VALUE" from the parent, or NULL */
	char *const	*extra;		/* --env "NAME=VALUE", or NULL */
	char *const	*more;		/* further "NAME=VALUE" (TLS), or NULL */
};

/*
 * cgi_env_build(p): a NULL-terminated, newly allocated environment.  Later
 * sources override earlier ones: inherited, standard, headers, --env.
 * Header names that would not make a clean variable name (anything but
 * letters, digits and '-'), the "Proxy" header (httpoxy) and credentials
 * (Authorization, Proxy-Authorization) are skipped;
 * repeated headers are joined with ", ".  Returns NULL when memory is short.
 */
char	**cgi_env_build(const struct cgi_params *);

/* cgi_env_free(env): release what cgi_env_build() returned. */
void	cgi_env_free(char **);

/* cgi_env_name_ok(name, len): name is a valid variable name. */
bool	cgi_env_name_ok(const char *, size_t);

#endif
