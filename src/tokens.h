/*
 * tokens.h - websockify-style token files: each line "token: target" maps a
 * token from the request's query string to a backend, HOST:PORT,
 * [IPv6]:PORT or unix:/PATH.
 *
 * No I/O and no logging: the caller reads the file and reports errors.  This
 * module allocates the table; tokens_free() gives it back.
 */
#ifndef WSB_TOKENS_H
#define WSB_TOKENS_H

#include <stddef.h>

struct tokens_entry {
	const char	*token;		/* NUL-terminated, no blanks */
	size_t		token_len;
	const char	*target;	/* NUL-terminated, as written */
};

/* A parsed token file; the caller owns the struct, the module its parts. */
struct tokens {
	struct tokens_entry *entries;	/* sorted by token, no duplicates */
	size_t		n;
	char		*strings;	/* every token and target */
};

/*
 * tokens_parse(text, len, out, skipped, arg, err, errlen):
 * Parse a token file.  Lines end in LF (a CR before it is dropped); blank
 * lines and lines whose first non-blank is '#' are skipped.  Otherwise the
 * separator is the first ':' followed by a blank; blanks around it and at
 * either end of the line are ignored.  The token is 1 or more printable
 * non-blank bytes; the target is HOST:PORT (port 1-65535), [IPv6]:PORT or
 * unix:/PATH (absolute, under 108 bytes).  When a token appears twice the
 * later line wins, as in websockify.  A line that breaks these rules is
 * left out, and, as websockify does, the rest of the file still counts:
 * skipped(arg, lineno, why) is called for it (lines count from 1; skipped
 * may be NULL).  Returns 0 with out filled (free it with tokens_free()), or
 * -1 with "out of memory" in err and out empty.
 */
int	tokens_parse(const char *, size_t, struct tokens *,
	    void (*)(void *, size_t, const char *), void *, char *, size_t);

/* tokens_free(t): free what tokens_parse() allocated; t may be empty. */
void	tokens_free(struct tokens *);

/*
 * tokens_lookup(t, token, len): the target for token[0..len), or NULL.  The
 * string lives until tokens_free(t).
 */
const char *tokens_lookup(const struct tokens *, const char *, size_t);

/*
 * tokens_from_query(query, len, out, outlen):
 * The value of the first "token" parameter of query[0..len) (the part after
 * '?', parameters separated by '&'), percent-decoded with '+' as a space,
 * into out as a NUL-terminated string.  Returns 0, or -1 when there is no
 * such parameter, its value is empty, has a bad or NUL (%00) escape, or does
 * not fit in outlen.
 */
int	tokens_from_query(const char *, size_t, char *, size_t);

#endif
