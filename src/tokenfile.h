/*
 * tokenfile.h - websockify's token files (--token-file FILE|DIR): loaded at
 * start-up and read again when they change, at most once a second.
 */
#ifndef WSB_TOKENFILE_H
#define WSB_TOKENFILE_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "tokens.h"

struct tokenfile {
	char		*path;		/* a file, or a directory of them */
	struct tokens	tokens;		/* what was read last */
	uint64_t	sig;		/* of the files' names, sizes, times */
	ev_tstamp	checked;	/* when sig was last compared */
};

/*
 * tokenfile_load(tf, path, err, errlen): read path (every regular file in
 * it when a directory).  A bad line is logged as "FILE:LINE: why" and left
 * out; the others count.  Returns 0, or -1 with a reason naming the file
 * in err when a file cannot be read.
 */
int	tokenfile_load(struct tokenfile *, const char *, char *, size_t);

/*
 * tokenfile_lookup(tf, now, token, len): the target for token, or NULL.
 * Re-reads the files first if they changed; a file that can no longer be
 * read is logged and the old table kept.
 */
const char *tokenfile_lookup(struct tokenfile *, ev_tstamp, const char *,
	    size_t);

/* tokenfile_reload(tf): read again now (SIGHUP). */
void	tokenfile_reload(struct tokenfile *);

/* tokenfile_free(tf): release everything. */
void	tokenfile_free(struct tokenfile *);

#endif
