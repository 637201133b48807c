/*
 * tokens.c - websockify token files and the token query parameter.  Owns
 * the table it builds (one array, one string block); no I/O, no logging: a
 * bad line is left out and told to the caller's callback.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tokens.h"

#define UNIX_PATH_MAX	108	/* sizeof(sun_path) on Linux */
#define SHOW_MAX	64	/* bytes of a bad target quoted in errors */

/* One line split into its parts; pointers into the caller's text. */
struct line {
	const char	*token;
	size_t		token_len;
	const char	*target;
	size_t		target_len;
};

static bool
is_blank(char c)
{

	return (c == ' ' || c == '\t');
}

static bool
is_digit(char c)
{

	return (c >= '0' && c <= '9');
}

/* A byte a token may hold: printable, not blank (non-ASCII allowed). */
static bool
is_token_char(char c)
{
	unsigned char u = (unsigned char)c;

	return (u > 0x20 && u != 0x7f);
}

/* Why a line is left out, while it is being read. */
struct skip {
	void		(*fn)(void *, size_t, const char *);
	void		*arg;
};

static int
fail(const struct skip *sk, size_t lineno, const char *why)
{

	if (sk != NULL && sk->fn != NULL)
		sk->fn(sk->arg, lineno, why);
	return (-1);
}

/* port_ok(s, n): 1-65535 in decimal, no sign, no leading zero. */
static bool
port_ok(const char *s, size_t n)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5 || s[0] == '0')
		return (false);
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return (false);
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return (v <= 65535);
}

/* target_ok(s, n): HOST:PORT, [IPv6]:PORT or unix:/PATH. */
static bool
target_ok(const char *s, size_t n)
{
	const char *colon;
	size_t i, hlen;

	for (i = 0; i < n; i++)
		if (!is_token_char(s[i]))
			return (false);
	if (n >= 5 && memcmp(s, "unix:", 5) == 0)
		return (n > 6 && s[5] == '/' && n - 5 < UNIX_PATH_MAX);
	for (colon = NULL, i = 0; i < n; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon == NULL)
		return (false);
	hlen = (size_t)(colon - s);
	if (!port_ok(colon + 1, n - hlen - 1) || hlen == 0)
		return (false);
	if (s[0] == '[') {
		/* Brackets hold the whole host, and the host is not empty. */
		if (hlen < 3 || s[hlen - 1] != ']')
			return (false);
		for (i = 1; i < hlen - 1; i++)
			if (s[i] == '[' || s[i] == ']')
				return (false);
		return (true);
	}
	/* An IPv6 address without brackets has no unambiguous port. */
	for (i = 0; i < hlen; i++)
		if (s[i] == ':' || s[i] == '[' || s[i] == ']')
			return (false);
	return (true);
}

/*
 * parse_line(s, n, lineno, l, sk): one line without its LF.  Returns 1 for
 * an entry, 0 for a blank or comment line, -1 for a bad line (told to sk
 * when not NULL).
 */
static int
parse_line(const char *s, size_t n, size_t lineno, struct line *l,
    const struct skip *sk)
{
	char why[SHOW_MAX + 64];
	size_t i, sep, end;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (memchr(s, '\0', n) != NULL)
		return (fail(sk, lineno, "NUL byte"));
	for (i = 0; i < n && is_blank(s[i]); i++)
		;
	while (n > i && is_blank(s[n - 1]))
		n--;
	if (i == n || s[i] == '#')
		return (0);

	for (sep = i; sep + 1 < n; sep++)
		if (s[sep] == ':' && is_blank(s[sep + 1]))
			break;
	if (sep + 1 >= n)
		return (fail(sk, lineno, "expected 'token: target'"));
	for (end = sep; end > i && is_blank(s[end - 1]); end--)
		;
	if (end == i)
		return (fail(sk, lineno, "empty token"));
	l->token = s + i;
	l->token_len = end - i;
	for (i = 0; i < l->token_len; i++)
		if (!is_token_char(l->token[i]))
			return (fail(sk, lineno,
			    "blank or control character in token"));

	for (i = sep + 1; i < n && is_blank(s[i]); i++)
		;
	l->target = s + i;
	l->target_len = n - i;
	if (!target_ok(l->target, l->target_len)) {
		snprintf(why, sizeof(why), "bad target '%.*s%s': expected "
		    "HOST:PORT or unix:/PATH",
		    (int)(l->target_len > SHOW_MAX ? SHOW_MAX : l->target_len),
		    l->target, l->target_len > SHOW_MAX ? "..." : "");
		return (fail(sk, lineno, why));
	}
	return (1);
}

/*
 * each_line(text, len, t, sk): parse every line, leaving bad ones out
 * (told to sk when not NULL); with t NULL only count entries, else store
 * them into t->entries/t->strings.  Returns the number of entries.
 */
static size_t
each_line(const char *text, size_t len, struct tokens *t,
    const struct skip *sk)
{
	struct line l;
	const char *nl;
	size_t pos = 0, n, lineno = 0, used = 0, count = 0;
	int r;

	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		r = parse_line(text + pos, n, lineno, &l, sk);
		if (r > 0) {
			if (t != NULL) {
				t->entries[count].token = t->strings + used;
				t->entries[count].token_len = l.token_len;
				memcpy(t->strings + used, l.token, l.token_len);
				used += l.token_len;
				t->strings[used++] = '\0';
				t->entries[count].target = t->strings + used;
				memcpy(t->strings + used, l.target,
				    l.target_len);
				used += l.target_len;
				t->strings[used++] = '\0';
			}
			count++;
		}
		pos += n + 1;
	}
	return (count);
}

static int
cmp_token(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return (c);
	return (alen < blen ? -1 : alen > blen);
}

/* By token; equal tokens in file order (strings are stored in order). */
static int
cmp_entry(const void *va, const void *vb)
{
	const struct tokens_entry *a = va, *b = vb;
	int c;

	c = cmp_token(a->token, a->token_len, b->token, b->token_len);
	if (c != 0)
		return (c);
	return (a->token < b->token ? -1 : a->token > b->token);
}

int
tokens_parse(const char *text, size_t len, struct tokens *out,
    void (*skipped)(void *, size_t, const char *), void *arg, char *err,
    size_t errlen)
{
	struct skip sk = { skipped, arg };
	struct tokens t;
	size_t count, i, k;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	/* Bad lines are told about once, in the counting pass. */
	count = each_line(text, len, NULL, &sk);
	/* Tokens, targets and their NULs never outgrow the text. */
	if ((t.strings = malloc(len + 1)) == NULL)
		goto nomem;
	if ((t.entries = calloc(count > 0 ? count : 1,
	    sizeof(*t.entries))) == NULL)
		goto nomem;
	(void)each_line(text, len, &t, NULL);
	t.n = count;

	/* Sort, then keep the last line of each run of equal tokens. */
	qsort(t.entries, t.n, sizeof(*t.entries), cmp_entry);
	for (i = 0, k = 0; i < t.n; i++) {
		if (i + 1 < t.n && cmp_token(t.entries[i].token,
		    t.entries[i].token_len, t.entries[i + 1].token,
		    t.entries[i + 1].token_len) == 0)
			continue;
		t.entries[k++] = t.entries[i];
	}
	t.n = k;
	*out = t;
	return (0);

nomem:
	tokens_free(&t);
	if (errlen > 0)
		snprintf(err, errlen, "out of memory");
	return (-1);
}

void
tokens_free(struct tokens *t)
{

	if (t == NULL)
		return;
	free(t->entries);
	free(t->strings);
	memset(t, 0, sizeof(*t));
}

const char *
tokens_lookup(const struct tokens *t, const char *token, size_t len)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp_token(token, len, t->entries[mid].token,
		    t->entries[mid].token_len);
		if (c == 0)
			return (t->entries[mid].target);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

/*
 * form_decode(s, n, out, outlen): application/x-www-form-urlencoded
 * decoding of s[0..n) into out, NUL-terminated.  Returns the decoded
 * length, or -1 for a bad escape, %00 or no room.
 */
static long
form_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, k = 0;
	int v;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if ((v = http_pct_byte(s + i, n - i)) < 0)
				return (-1);
			c = (char)v;
			i += 2;
		}
		if (c == '\0' || k + 1 >= outlen)
			return (-1);
		out[k++] = c;
	}
	if (outlen == 0)
		return (-1);
	out[k] = '\0';
	return ((long)k);
}

int
tokens_from_query(const char *query, size_t len, char *out, size_t outlen)
{
	char name[8];
	const char *p, *amp, *eq;
	size_t pos = 0, plen, nlen;

	if (query == NULL)
		return (-1);
	while (pos <= len) {
		p = query + pos;
		amp = memchr(p, '&', len - pos);
		plen = amp != NULL ? (size_t)(amp - p) : len - pos;
		pos += plen + 1;
		eq = memchr(p, '=', plen);
		nlen = eq != NULL ? (size_t)(eq - p) : plen;
		/* Names are decoded too ("%74oken"), as parse_qs does. */
		if (form_decode(p, nlen, name, sizeof(name)) != 5 ||
		    memcmp(name, "token", 5) != 0)
			continue;
		if (eq == NULL || plen - nlen - 1 == 0)
			return (-1);
		return (form_decode(eq + 1, plen - nlen - 1, out, outlen) > 0 ?
		    0 : -1);
	}
	return (-1);
}
