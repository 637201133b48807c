/*
 * term_page.h - the built-in terminal page (term/ in the source) that a
 * --pty target serves to plain GET requests: which request path asks for
 * which of its files, and the answer's head.  The files' bytes are built
 * into the binary (build/term_assets.c, made by term/embed.sh), or read
 * from --terminal-assets DIR.
 */
#ifndef WSB_TERM_PAGE_H
#define WSB_TERM_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* Where the page's files are, below the page's own path. */
#define TERM_PAGE_PREFIX	"/_wsbridge/term/"

/* One file built into the binary. */
struct term_blob {
	const char	*name;		/* "xterm.js"; NULL ends the table */
	const uint8_t	*data;
	size_t		len;
	const char	*etag;		/* quoted, from the content's hash */
};

/* build/term_assets.c: every file of the page, then { NULL }. */
extern const struct term_blob term_blobs[];

/* What term_page_match() says besides a file's index. */
#define TERM_PAGE_NOT_OURS	(-1)	/* none of the page's paths */
#define TERM_PAGE_REDIRECT	(-2)	/* the page without its '/' */
#define TERM_PAGE_NO_FILE	(-3)	/* under the prefix, no such file */

/*
 * term_page_match(path, len, base):
 * path (len bytes, no query) came to a --pty target whose route prefix is
 * its first base bytes (0 for the default target).  Returns the index of
 * the file it asks for in term_page_files (the page itself for
 * "BASE/", a file for "BASE/_wsbridge/term/NAME"), or one of the
 * TERM_PAGE_* codes above.
 */
int	term_page_match(const char *, size_t, size_t);

/* The page's files: names as in term/ and Content-Types. */
struct term_file {
	const char	*name;
	const char	*type;
};
extern const struct term_file term_page_files[];
extern const size_t term_page_nfiles;

/*
 * term_page_head(out, cap, req, type, len, etag, keep_alive, extra,
 *     status):
 * The head of the answer for a built-in file: 200, or 304 when the
 * request's If-None-Match names etag; the page is revalidated on every
 * load (no-cache), so a new binary's page is never stale.  *status gets
 * 200 or 304.  Returns the head's length, or -1 if it does not fit.
 */
int	term_page_head(char *, size_t, const struct http_request *,
	    const char *, size_t, const char *, bool, const char *, int *);

#endif
