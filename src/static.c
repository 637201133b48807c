/*
 * static.c - maps request paths to files under the --static directory.  The
 * path is cleaned first (mime.c: no "..", no hidden names, no encoded '/'),
 * then the resolved real path must still lie inside the directory, so a
 * symlink cannot lead out.  Only regular files are served.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mime.h"
#include "static.h"

static bool
inside(const char *root, const char *real)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return (true);
	return (strncmp(real, root, n) == 0 && (real[n] == '/' ||
	    real[n] == '\0'));
}

int
static_open(const char *root, const char *path, size_t len,
    struct static_file *f, char *location, size_t loclen)
{
	char rel[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	struct tm tm;
	int fd;

	f->fd = -1;
	if (static_path(path, len, rel, sizeof(rel)) == -1)
		return (404);
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", root, rel) >=
	    sizeof(full))
		return (404);
	if (realpath(full, real) == NULL)
		return (errno == EACCES ? 403 : 404);
	if (!inside(root, real))
		return (404);
	if (stat(real, &st) == -1)
		return (404);
	if (S_ISDIR(st.st_mode)) {
		if (len == 0 || path[len - 1] != '/') {
			/* "//host" would send the browser to another host:
			 * one leading '/', the path as it came otherwise. */
			while (len > 1 && path[1] == '/') {
				path++;
				len--;
			}
			if ((size_t)snprintf(location, loclen, "%.*s/",
			    (int)len, path) >= loclen)
				return (414);
			return (301);
		}
		if ((size_t)snprintf(full, sizeof(full), "%s/index.html",
		    real) >= sizeof(full) || realpath(full, real) == NULL ||
		    !inside(root, real) || stat(real, &st) == -1)
			return (404);
	}
	if (!S_ISREG(st.st_mode))
		return (404);
	if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (errno == EACCES ? 403 : 404);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (404);
	}
	f->fd = fd;
	f->size = st.st_size;
	f->type = mime_type(real, strlen(real));
	gmtime_r(&st.st_mtime, &tm);
	strftime(f->modified, sizeof(f->modified),
	    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return (0);
}

int
static_head(char *out, size_t cap, const struct http_request *req,
    const struct static_file *f, bool keep_alive, const char *extra,
    int *status)
{
	int i, n;

	*status = 200;
	/* The validator we hand out is the date; clients send it back. */
	i = http_find_header(req, "If-Modified-Since", 0);
	if (i >= 0 && req->headers[i].value_len == strlen(f->modified) &&
	    memcmp(req->headers[i].value, f->modified,
	    req->headers[i].value_len) == 0)
		*status = 304;
	n = snprintf(out, cap, "HTTP/1.1 %s\r\n"
	    "Content-Type: %s\r\n"
	    "Content-Length: %lld\r\n"
	    "Last-Modified: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Connection: %s\r\n"
	    "%s\r\n",
	    *status == 304 ? "304 Not Modified" : "200 OK", f->type,
	    (long long)f->size, f->modified,
	    keep_alive ? "keep-alive" : "close", extra != NULL ? extra : "");
	if (n < 0 || (size_t)n >= cap)
		return (-1);
	return (n);
}
