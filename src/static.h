/*
 * static.h - files for plain GET/HEAD requests under --static DIR: the
 * request path is mapped to a file that cannot lie outside DIR, and the
 * answer's head is written here; conn.c sends the body.
 */
#ifndef WSB_STATIC_H
#define WSB_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"

struct static_file {
	int		fd;		/* open file, -1 when none */
	off_t		size;
	const char	*type;		/* Content-Type */
	char		modified[40];	/* Last-Modified (IMF-fixdate) */
};

/*
 * static_open(root, path, len, f, location, loclen):
 * Open the file for a request path (no query) below root (a real path).
 * Returns 0 with f filled, 301 with location set for a directory asked for
 * without its trailing '/' (a path-absolute reference: one leading '/'), or
 * the HTTP status of the refusal (404, 403, or 414 when the location does
 * not fit in loclen).
 */
int	static_open(const char *, const char *, size_t, struct static_file *,
	    char *, size_t);

/*
 * static_head(out, cap, req, f, keep_alive, extra, status):
 * The answer's head: 200 (or 304 when If-Modified-Since matches) with
 * type, length and date.  *status gets 200 or 304.  Returns the length, or
 * -1 if it does not fit.
 */
int	static_head(char *, size_t, const struct http_request *,
	    const struct static_file *, bool, const char *, int *);

#endif
