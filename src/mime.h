/*
 * mime.h - what the static file server needs to know about a path: its
 * Content-Type, and a safe relative file name for a request path.
 *
 * Pure code: no I/O, no allocation, no logging.
 */
#ifndef WSB_MIME_H
#define WSB_MIME_H

#include <stddef.h>

#define MIME_DEFAULT	"application/octet-stream"

/*
 * mime_type(path, len): the Content-Type for path[0..len) by the extension
 * of its last segment (case-insensitive; a leading dot alone is no
 * extension), with "; charset=utf-8" on text types.  Unknown extensions
 * give MIME_DEFAULT.  The string is static.
 */
const char *mime_type(const char *, size_t);

/*
 * static_path(target, len, out, outlen):
 * Turn a request path (origin-form, starting with '/', query already cut
 * off) into a relative file name under the document root, NUL-terminated in
 * out.  Percent-escapes are decoded; repeated '/' collapse; the leading '/'
 * goes; a trailing '/' stays ("/docs/" gives "docs/") so the caller can
 * tell a directory request; the root gives "".  Returns 0, or -1 for: no
 * leading '/', a bad escape, %00 or an encoded '/', any segment that starts
 * with '.' ("..", ".", ".git"), a backslash, NUL or other control
 * character, a raw '?' or '#', or no room in out.
 */
int	static_path(const char *, size_t, char *, size_t);

#endif
