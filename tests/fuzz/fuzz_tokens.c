/*
 * fuzz_tokens.c - libFuzzer target for tokens_parse(): a table that parses
 * is sorted, finds each of its tokens, and prints back to a file that parses
 * to the same table; bad lines are told in order, once each, with a line
 * number inside the text and a one-line reason.  tokens_from_query() gets
 * the same bytes as a query string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokens.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What the skipped-line callback saw. */
struct skips {
	size_t	n;		/* calls */
	size_t	last;		/* the last line number told */
	size_t	lines;		/* lines in the text */
};

static void
skipped(void *arg, size_t lineno, const char *why)
{
	struct skips *sk = arg;

	FUZZ_ASSERT(lineno > sk->last && lineno <= sk->lines);
	FUZZ_ASSERT(why[0] != '\0' && strchr(why, '\n') == NULL);
	sk->last = lineno;
	sk->n++;
}

static size_t
count_lines(const char *text, size_t size)
{
	size_t i, n = size > 0 && text[size - 1] != '\n';

	for (i = 0; i < size; i++)
		n += text[i] == '\n';
	return (n);
}

static void
check_table(const struct tokens *t)
{
	const struct tokens_entry *e;
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		e = &t->entries[i];
		FUZZ_ASSERT(e->token_len > 0);
		FUZZ_ASSERT(strlen(e->token) == e->token_len);
		for (k = 0; k < e->token_len; k++)
			FUZZ_ASSERT((unsigned char)e->token[k] > ' ' &&
			    e->token[k] != 0x7f);
		FUZZ_ASSERT(e->target[0] != '\0');
		FUZZ_ASSERT(tokens_lookup(t, e->token, e->token_len) ==
		    e->target);
		if (i > 0)
			FUZZ_ASSERT(strcmp(t->entries[i - 1].token,
			    e->token) < 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokens t, u;
	struct skips sk;
	const char *text = (const char *)data;
	char err[64], out[32], *again, *p;
	size_t i, n;
	int r;

	memset(err, 0, sizeof(err));
	memset(&sk, 0, sizeof(sk));
	sk.lines = count_lines(text, size);
	r = tokens_parse(text, size, &t, skipped, &sk, err, sizeof(err));
	FUZZ_ASSERT(r == 0 || r == -1);
	if (r == -1) {
		FUZZ_ASSERT(t.n == 0 && t.entries == NULL);
		FUZZ_ASSERT(strcmp(err, "out of memory") == 0);
	} else {
		check_table(&t);
		FUZZ_ASSERT(tokens_lookup(&t, "", 0) == NULL);

		/* Print the table back; it parses to the same entries. */
		for (n = 0, i = 0; i < t.n; i++)
			n += t.entries[i].token_len +
			    strlen(t.entries[i].target) + 3;
		again = malloc(n + 1);
		FUZZ_ASSERT(again != NULL);
		for (p = again, i = 0; i < t.n; i++)
			p += sprintf(p, "%s: %s\n", t.entries[i].token,
			    t.entries[i].target);
		memset(&sk, 0, sizeof(sk));
		sk.lines = t.n;
		FUZZ_ASSERT(tokens_parse(again, (size_t)(p - again), &u,
		    skipped, &sk, err, sizeof(err)) == 0);
		FUZZ_ASSERT(sk.n == 0);
		FUZZ_ASSERT(u.n == t.n);
		for (i = 0; i < t.n; i++) {
			FUZZ_ASSERT(strcmp(u.entries[i].token,
			    t.entries[i].token) == 0);
			FUZZ_ASSERT(strcmp(u.entries[i].target,
			    t.entries[i].target) == 0);
		}
		tokens_free(&u);
		free(again);
		tokens_free(&t);
	}

	r = tokens_from_query(text, size, out, sizeof(out));
	FUZZ_ASSERT(r == 0 || r == -1);
	if (r == 0)
		FUZZ_ASSERT(out[0] != '\0' && strlen(out) < sizeof(out));
	return (0);
}
