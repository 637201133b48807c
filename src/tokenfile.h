/*
 * tokenfile.h - websockify's token files (--token-file FILE|DIR): read at
 * start-up, on SIGHUP and when they change (looked at once a second at
 * most); the tables read live in snapshots (snapshot.h).
 */
#ifndef WSB_TOKENFILE_H
#define WSB_TOKENFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "tokens.h"

struct tokenfile {
	char		*path;		/* a file, or a directory of them */
	uint64_t	sig;		/* of the files' names, sizes, times */
	ev_tstamp	checked;	/* when sig was last compared */
};

/*
 * tokenfile_open(tf, path, err, errlen): remember path (nothing is read
 * yet).  Returns 0, or -1 with the reason in err.
 */
int	tokenfile_open(struct tokenfile *, const char *, char *, size_t);

/*
 * tokenfile_read(tf, out, err, errlen): read the file (every regular file
 * in it when a directory) into out, which the caller frees with
 * tokens_free().  A bad line is logged as "FILE:LINE: why" and left out;
 * the others count.  Returns 0, or -1 with a reason naming the file in err
 * when a file cannot be read.  Either way the files as they are now count
 * as seen.
 */
int	tokenfile_read(struct tokenfile *, struct tokens *, char *, size_t);

/*
 * tokenfile_changed(tf, now): whether the files changed since they were
 * last read; looked at no more than once a second.
 */
bool	tokenfile_changed(struct tokenfile *, ev_tstamp);

/* tokenfile_free(tf): release what tokenfile_open() took. */
void	tokenfile_free(struct tokenfile *);

#endif
