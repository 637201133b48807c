/*
 * test_tokens.c - token files (syntax, comments, bad lines skipped and told
 * with their line numbers, duplicates, lookup) and the token query
 * parameter.
 */
#include <stdlib.h>
#include <string.h>

#include "tokens.h"
#include "unit.h"

#define GUARD_MAX	4096	/* the longest input */

static struct tokens tok;
static char err[128];		/* the first skipped line: "line N: why" */
static size_t nskipped;		/* how many were */

static void
skipped(void *arg, size_t lineno, const char *why)
{

	CHECK(arg == &tok);
	if (nskipped++ == 0)
		snprintf(err, sizeof(err), "line %zu: %s", lineno, why);
}

static int
parse_n(const char *text, size_t len)
{
	char oom[32];

	tokens_free(&tok);
	memset(err, 0, sizeof(err));
	nskipped = 0;
	return (tokens_parse(unit_guarded(text, len), len, &tok, skipped,
	    &tok, oom, sizeof(oom)));
}

static int
parse(const char *text)
{

	return (parse_n(text, strlen(text)));
}

static const char *
look(const char *token)
{

	return (tokens_lookup(&tok, unit_guarded(token, strlen(token)),
	    strlen(token)));
}

static int
streq(const char *a, const char *b)
{

	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
test_tokens_basic(void)
{
	const char *text =
	    "# websockify token file\n"
	    "\n"
	    "vnc1: 127.0.0.1:5901\n"
	    "vnc2: host.example:5902\r\n"
	    "  indented:\tunix:/run/vnc.sock  \n"
	    "spaced : [::1]:5900\n"
	    "   # indented comment: x:1\n"
	    "\t\n"
	    "a:b: c:1\n"
	    "last: 10.0.0.1:65535";

	CHECK_EQ(parse(text), 0);
	CHECK_EQ(tok.n, 6);
	CHECK(streq(look("vnc1"), "127.0.0.1:5901"));
	CHECK(streq(look("vnc2"), "host.example:5902"));
	CHECK(streq(look("indented"), "unix:/run/vnc.sock"));
	CHECK(streq(look("spaced"), "[::1]:5900"));
	CHECK(streq(look("a:b"), "c:1"));
	CHECK(streq(look("last"), "10.0.0.1:65535"));
	CHECK(look("vnc") == NULL);
	CHECK(look("vnc11") == NULL);
	CHECK(look("VNC1") == NULL);
	CHECK(look("") == NULL);
	CHECK(look("# websockify token file") == NULL);
	CHECK(tokens_lookup(&tok, "vnc1x", 4) != NULL);
	CHECK_EQ(tok.entries[0].token_len, strlen(tok.entries[0].token));
}

static void
test_tokens_empty(void)
{

	CHECK_EQ(parse(""), 0);
	CHECK_EQ(tok.n, 0);
	CHECK(look("x") == NULL);
	CHECK_EQ(parse("# only comments\n\n   \n#x: y:1\n"), 0);
	CHECK_EQ(tok.n, 0);
	CHECK_EQ(parse("\n"), 0);
	/* An empty, never-parsed table answers NULL too. */
	tokens_free(&tok);
	CHECK(look("x") == NULL);
	tokens_free(&tok);
	tokens_free(NULL);
}

static void
test_tokens_duplicates(void)
{

	/* The later line wins, as in websockify's dict. */
	CHECK_EQ(parse("a: h:1\nb: h:2\na: h:3\nc: h:4\na: h:5\n"), 0);
	CHECK_EQ(tok.n, 3);
	CHECK(streq(look("a"), "h:5"));
	CHECK(streq(look("b"), "h:2"));
	CHECK(streq(look("c"), "h:4"));
}

static void
test_tokens_many(void)
{
	char *text, *p, want[32], name[32];
	size_t i, n = 2000;

	text = malloc(n * 40);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	p = text;
	/* Out of order, so the table must sort. */
	for (i = 0; i < n; i++)
		p += sprintf(p, "t%zu: host%zu:%zu\n", (i * 7919) % n,
		    (i * 7919) % n, (i * 7919) % n + 1);
	tokens_free(&tok);
	CHECK_EQ(tokens_parse(text, (size_t)(p - text), &tok, NULL, NULL,
	    err, sizeof(err)), 0);
	CHECK_EQ(tok.n, n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "t%zu", i);
		snprintf(want, sizeof(want), "host%zu:%zu", i, i + 1);
		CHECK(streq(tokens_lookup(&tok, name, strlen(name)), want));
	}
	CHECK(tokens_lookup(&tok, "t2000", 5) == NULL);
	CHECK(tokens_lookup(&tok, "t", 1) == NULL);
	for (i = 1; i < tok.n; i++)
		CHECK(strcmp(tok.entries[i - 1].token,
		    tok.entries[i].token) < 0);
	tokens_free(&tok);
	free(text);
}

struct bad {
	const char	*text;
	const char	*err;
};

static const struct bad bads[] = {
	{ "a: h:1\nnoseparator\n", "line 2: expected 'token: target'" },
	{ "a:h:1\n", "line 1: expected 'token: target'" },
	{ "a:\n", "line 1: expected 'token: target'" },
	{ "a: \n", "line 1: expected 'token: target'" },
	{ ": h:1\n", "line 1: empty token" },
	{ "  : h:1\n", "line 1: empty token" },
	{ "a b: h:1\n", "line 1: blank or control character in token" },
	{ "a\x01: h:1\n", "line 1: blank or control character in token" },
	{ "\n\n\na: h\n", "line 4: bad target 'h': expected HOST:PORT or "
	    "unix:/PATH" },
	{ "a: h:\n", "line 1: bad target 'h:': expected HOST:PORT or "
	    "unix:/PATH" },
	{ "a: :80\n", NULL },
	{ "a: h:0\n", NULL },
	{ "a: h:080\n", NULL },
	{ "a: h:65536\n", NULL },
	{ "a: h:1x\n", NULL },
	{ "a: h:-1\n", NULL },
	{ "a: h:1 # comment\n", NULL },
	{ "a: h :1\n", NULL },
	{ "a: ::1:5900\n", NULL },
	{ "a: [::1:5900\n", NULL },
	{ "a: []:5900\n", NULL },
	{ "a: [::1]x:5900\n", NULL },
	{ "a: [[::1]]:5900\n", NULL },
	{ "a: unix:\n", NULL },
	{ "a: unix:/\n", NULL },
	{ "a: unix:relative\n", NULL },
	{ "a: h:1\x7f\n", NULL },
};

static void
test_tokens_errors(void)
{
	char big[300];
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		/* The line is left out, told once; the rest still counts. */
		CHECK_EQ(parse(bads[i].text), 0);
		if (nskipped != 1)
			fprintf(stderr, "  bads[%zu] accepted\n", i);
		CHECK_EQ(nskipped, 1);
		CHECK_EQ(tok.n, i == 0 ? 1 : 0);
		if (bads[i].err != NULL && strcmp(err, bads[i].err) != 0)
			fprintf(stderr, "  bads[%zu]: \"%s\"\n", i, err);
		if (bads[i].err != NULL)
			CHECK(strcmp(err, bads[i].err) == 0);
		else
			CHECK(strncmp(err, "line 1: bad target", 18) == 0);
	}
	CHECK(parse(bads[0].text) == 0 && streq(look("a"), "h:1"));

	/* NUL inside a line, reported with its line number. */
	CHECK_EQ(parse_n("a: h:1\nb\0: h:1\n", 15), 0);
	CHECK(strcmp(err, "line 2: NUL byte") == 0);
	CHECK_EQ(tok.n, 1);
	/* CRLF lines count as one line each. */
	CHECK_EQ(parse("a: h:1\r\n\r\nb\r\n"), 0);
	CHECK(strcmp(err, "line 3: expected 'token: target'") == 0);

	/* A long bad target is cut in the message. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "a: ", 3);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(parse(big), 0);
	CHECK_EQ(tok.n, 0);
	CHECK(strstr(err, "xxx...': expected") != NULL ||
	    strlen(err) == sizeof(err) - 1);
	/* Without a callback bad lines are left out all the same. */
	tokens_free(&tok);
	CHECK_EQ(tokens_parse(big, strlen(big), &tok, NULL, NULL, NULL, 0), 0);
	CHECK_EQ(tok.n, 0);

	/* unix: paths must fit in sun_path. */
	memset(big, 'p', sizeof(big));
	memcpy(big, "a: unix:/", 9);
	big[3 + 5 + 107] = '\0';
	CHECK_EQ(parse(big), 0);
	CHECK_EQ(tok.n, 1);
	big[3 + 5 + 107] = 'p';
	big[3 + 5 + 108] = '\0';
	CHECK_EQ(parse(big), 0);
	CHECK_EQ(tok.n, 0);
	CHECK_EQ(nskipped, 1);
}

/* websockify's rule: one bad line costs that line, not the file. */
static void
test_tokens_skip(void)
{

	CHECK_EQ(parse("a: h:1\n"
	    "bad line\n"
	    "# comment\n"
	    "b: h:2\n"
	    "c h:3\n"
	    "d: [::1]:4"), 0);
	CHECK_EQ(nskipped, 2);
	CHECK(strcmp(err, "line 2: expected 'token: target'") == 0);
	CHECK_EQ(tok.n, 3);
	CHECK(streq(look("a"), "h:1"));
	CHECK(streq(look("b"), "h:2"));
	CHECK(streq(look("d"), "[::1]:4"));
	CHECK(look("c") == NULL);
	/* A bad line never replaces a good one of the same token. */
	CHECK_EQ(parse("a: h:1\na: h:0\n"), 0);
	CHECK_EQ(nskipped, 1);
	CHECK(strcmp(err, "line 2: bad target 'h:0': expected HOST:PORT or "
	    "unix:/PATH") == 0);
	CHECK(streq(look("a"), "h:1"));
	/* Nothing good at all: an empty table, not an error. */
	CHECK_EQ(parse("x\ny\n"), 0);
	CHECK_EQ(nskipped, 2);
	CHECK_EQ(tok.n, 0);
	CHECK(look("x") == NULL);
}

static int
query(const char *q, char *out, size_t outlen)
{

	return (tokens_from_query(unit_guarded(q, strlen(q)), strlen(q), out,
	    outlen));
}

/* check_q(q, want, line): q yields want, or -1 when want is NULL. */
static void
check_q(const char *q, const char *want, int line)
{
	char out[64];
	int r;

	r = query(q, out, sizeof(out));
	if (want == NULL && r != -1)
		fprintf(stderr, "  line %d: \"%s\" gave \"%s\"\n", line, q,
		    out);
	else if (want != NULL && (r != 0 || strcmp(out, want) != 0))
		fprintf(stderr, "  line %d: \"%s\" gave %d\n", line, q, r);
	CHECK(want == NULL ? r == -1 : (r == 0 && strcmp(out, want) == 0));
}

#define CHECK_Q(q, want)	check_q((q), (want), __LINE__)

static void
test_tokens_query(void)
{
	char out[8];

	CHECK_Q("token=abc", "abc");
	CHECK_Q("a=1&token=abc&b=2", "abc");
	CHECK_Q("token=first&token=second", "first");
	CHECK_Q("x=token%3Dno&token=yes", "yes");
	CHECK_Q("tokens=no&mytoken=no&token=yes", "yes");
	CHECK_Q("token=a%2Fb%20c+d%2b", "a/b c d+");
	CHECK_Q("%74oken=decoded-name", "decoded-name");
	CHECK_Q("token=%e2%82%ac", "\xe2\x82\xac");
	CHECK_Q("token=a=b", "a=b");
	CHECK_Q("&&token=x&&", "x");
	CHECK_Q("token=x;y=1", "x;y=1");
	CHECK_Q("bad=%zz&token=ok", "ok");

	CHECK_Q("", NULL);
	CHECK_Q("tok=abc", NULL);
	CHECK_Q("Token=abc", NULL);
	CHECK_Q("token", NULL);
	CHECK_Q("token=", NULL);
	CHECK_Q("token=&token=later", NULL);
	CHECK_Q("token=%", NULL);
	CHECK_Q("token=%4", NULL);
	CHECK_Q("token=%4g", NULL);
	CHECK_Q("token=a%00b", NULL);
	CHECK_Q("atoken=abc", NULL);

	/* Room for the NUL is needed. */
	CHECK_EQ(query("token=1234567", out, sizeof(out)), 0);
	CHECK(strcmp(out, "1234567") == 0);
	CHECK_EQ(query("token=12345678", out, sizeof(out)), -1);
	CHECK_EQ(query("token=%41%41%41%41%41%41%41", out, sizeof(out)), 0);
	CHECK(strcmp(out, "AAAAAAA") == 0);
	CHECK_EQ(query("token=1", out, 0), -1);
	CHECK_EQ(query("token=1", out, 1), -1);
	/* Only len bytes count. */
	CHECK_EQ(tokens_from_query("token=abc&", 8, out, sizeof(out)), 0);
	CHECK(strcmp(out, "ab") == 0);
	CHECK_EQ(tokens_from_query(NULL, 0, out, sizeof(out)), -1);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_tokens_basic);
	UNIT_RUN(test_tokens_empty);
	UNIT_RUN(test_tokens_duplicates);
	UNIT_RUN(test_tokens_many);
	UNIT_RUN(test_tokens_errors);
	UNIT_RUN(test_tokens_skip);
	UNIT_RUN(test_tokens_query);
	tokens_free(&tok);
	return (UNIT_END("test_tokens"));
}
