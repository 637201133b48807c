/*
 * test_snapshot.c - what SIGHUP reloads: the users and the token table
 * loaded at start-up, reloaded part by part, a part that fails to load
 * kept from the snapshot before (and said so), and the reference counts:
 * a snapshot a connection holds outlives the reload that replaced it and
 * goes with the last release.  Use after free and leaks are ASan's to
 * see (make asan-unit).  No TLS here: that needs a certificate.
 */
#include <stdio.h>

#include "log.h"
#include "generation.h"
#include "snapshot.h"
#include "unit.h"

static int
has_user(const struct snapshot *s, size_t i, const char *name)
{
	const struct auth *a = snapshot_auth(s);

	return (a != NULL && i < a->nusers &&
	    strcmp(a->users[i].name, name) == 0);
}

static int
has_token(const struct snapshot *s, const char *token, const char *target)
{
	const struct tokens *t = snapshot_tokens(s);
	const char *got;

	if (t == NULL)
		return (0);
	got = tokens_lookup(t, token, strlen(token));
	if (target == NULL)
		return (got == NULL);
	return (got != NULL && strcmp(got, target) == 0);
}

/*
 * snapshot_load() for cfg: the snapshot holds a generation of its own
 * (only the users file of cfg matters here).
 */
static struct snapshot *
load(const struct config *cfg, struct tokenfile *tf, char *err,
    size_t errlen)
{
	struct generation *g;
	struct snapshot *s;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		abort();
	g->refs = 1;
	g->number = 1;
	if (cfg->basic_auth != NULL &&
	    (g->cfg.basic_auth = strdup(cfg->basic_auth)) == NULL)
		abort();
	s = snapshot_load(g, tf, err, errlen);
	generation_release(g);
	return (s);
}

/* A configuration with users and tokens from the test's directory. */
static void
setup(struct config *cfg, struct tokenfile *tf)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	unit_write("users", "alice:$6$a$aaaa\n");
	unit_write("tokens", "one: h.example:1\n");
	if ((cfg->basic_auth = strdup(unit_path("users"))) == NULL ||
	    tokenfile_open(tf, unit_path("tokens"), err, sizeof(err)) != 0)
		abort();
}

static void
teardown(struct config *cfg, struct tokenfile *tf)
{
	free(cfg->basic_auth);
	tokenfile_free(tf);
	unlink(unit_path("users"));
	unlink(unit_path("tokens"));
}

static void
test_snapshot_load(void)
{
	struct config cfg;
	struct tokenfile tf;
	struct snapshot *s;
	char err[256] = "";

	setup(&cfg, &tf);
	s = load(&cfg, &tf, err, sizeof(err));
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_EQ(strlen(err), 0);
	CHECK_EQ(s->refs, 1);
	CHECK(s->tls_ctx == NULL);
	CHECK_EQ(s->users->refs, 1);
	CHECK_EQ(snapshot_auth(s)->nusers, 1);
	CHECK(has_user(s, 0, "alice"));
	CHECK_EQ(s->tokens->refs, 1);
	CHECK_EQ(snapshot_tokens(s)->n, 1);
	CHECK(has_token(s, "one", "h.example:1"));
	snapshot_release(s);

	/* Without --basic-auth and --token-file: neither part. */
	free(cfg.basic_auth);
	cfg.basic_auth = NULL;
	CHECK((s = load(&cfg, NULL, err, sizeof(err))) != NULL);
	CHECK(snapshot_auth(s) == NULL);
	CHECK(snapshot_tokens(s) == NULL);
	snapshot_release(s);
	snapshot_release(NULL);
	teardown(&cfg, &tf);
}

static void
test_snapshot_load_fails(void)
{
	struct config cfg;
	struct tokenfile tf;
	char err[256], want[512];

	/* A bad users file is a configuration error, with its line. */
	setup(&cfg, &tf);
	unit_write("users", "alice:$6$a$aaaa\nbroken\n");
	CHECK(load(&cfg, &tf, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "%s/users:2: expected user:hash",
	    unit_dir);
	CHECK(strcmp(err, want) == 0);

	/* The users load, the token file is missing: the users are
	 * freed again (ASan would see them leak). */
	unit_write("users", "alice:$6$a$aaaa\n");
	unlink(unit_path("tokens"));
	CHECK(load(&cfg, &tf, err, sizeof(err)) == NULL);
	snprintf(want, sizeof(want), "--token-file %s/tokens: No such file "
	    "or directory", unit_dir);
	CHECK(strcmp(err, want) == 0);
	teardown(&cfg, &tf);
}

static void
test_snapshot_reload(void)
{
	struct config cfg;
	struct tokenfile tf;
	struct snapshot *s1, *s2, *s3;
	char err[256], out[1024], want[1024];

	log_set_time(LOG_TIME_OFF);
	setup(&cfg, &tf);
	CHECK((s1 = load(&cfg, &tf, err, sizeof(err))) != NULL);
	if (s1 == NULL)
		return;
	unit_write("users", "bob:$6$b$bbbb\ncarol:$6$c$cccc\n");
	unit_write("tokens", "two: h.example:2\nthree: h.example:3\n");

	/* The users only: the tokens are shared, changed or not. */
	unit_capture_begin();
	s2 = snapshot_reload(s1, s1->gen, &tf, SNAPSHOT_USERS, false);
	unit_capture_end(out, sizeof(out));
	CHECK(s2 != NULL);
	if (s2 == NULL)
		return;
	CHECK(strcmp(out, "wsbridge: info: SIGHUP: 2 user(s) reloaded\n") ==
	    0);
	CHECK_EQ(s2->refs, 1);
	CHECK(s2->users != s1->users);
	CHECK_EQ(s1->users->refs, 1);
	CHECK_EQ(s2->users->refs, 1);
	CHECK(has_user(s2, 0, "bob"));
	CHECK(has_user(s2, 1, "carol"));
	CHECK(has_user(s1, 0, "alice"));
	CHECK(s2->tokens == s1->tokens);
	CHECK_EQ(s1->tokens->refs, 2);
	CHECK(has_token(s2, "one", "h.example:1"));

	/* Everything: the tokens now, users read again too. */
	unit_capture_begin();
	s3 = snapshot_reload(s2, s2->gen, &tf, SNAPSHOT_ALL, false);
	unit_capture_end(out, sizeof(out));
	CHECK(s3 != NULL);
	if (s3 == NULL)
		return;
	snprintf(want, sizeof(want), "wsbridge: info: SIGHUP: 2 user(s) "
	    "reloaded\nwsbridge: info: token file %s/tokens: 2 token(s)\n",
	    unit_dir);
	CHECK(strcmp(out, want) == 0);
	CHECK(s3->users != s2->users);
	CHECK(s3->tokens != s2->tokens);
	CHECK_EQ(s3->tokens->refs, 1);
	CHECK(has_token(s3, "one", NULL));
	CHECK(has_token(s3, "two", "h.example:2"));
	CHECK(has_token(s3, "three", "h.example:3"));
	/* The older ones are untouched. */
	CHECK(has_token(s1, "one", "h.example:1"));
	CHECK(has_token(s2, "two", NULL));

	snapshot_release(s1);
	CHECK_EQ(s2->tokens->refs, 1);
	CHECK(has_token(s2, "one", "h.example:1"));
	snapshot_release(s2);
	snapshot_release(s3);
	teardown(&cfg, &tf);
}

static void
test_snapshot_reload_fails_keeps_old(void)
{
	struct config cfg;
	struct tokenfile tf;
	struct snapshot *s1, *s2, *s3;
	char err[256], out[1024], want[1024];

	log_set_time(LOG_TIME_OFF);
	setup(&cfg, &tf);
	CHECK((s1 = load(&cfg, &tf, err, sizeof(err))) != NULL);
	if (s1 == NULL)
		return;
	/* A users file broken on its second line, a token file gone. */
	unit_write("users", "bob:$6$b$bbbb\nbob\n");
	unlink(unit_path("tokens"));
	unit_capture_begin();
	s2 = snapshot_reload(s1, s1->gen, &tf, SNAPSHOT_ALL, false);
	unit_capture_end(out, sizeof(out));
	CHECK(s2 != NULL);
	if (s2 == NULL)
		return;
	snprintf(want, sizeof(want), "wsbridge: warn: SIGHUP: keeping the "
	    "old users: %s/users:2: expected user:hash\n"
	    "wsbridge: warn: token file: keeping the old tokens: "
	    "--token-file %s/tokens: No such file or directory\n",
	    unit_dir, unit_dir);
	CHECK(strcmp(out, want) == 0);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  logged:\n%s  expected:\n%s", out, want);
	/* A new snapshot, but with the old parts, shared. */
	CHECK(s2 != s1);
	CHECK(s2->users == s1->users);
	CHECK(s2->tokens == s1->tokens);
	CHECK_EQ(s1->users->refs, 2);
	CHECK_EQ(s1->tokens->refs, 2);
	CHECK_EQ(snapshot_auth(s2)->nusers, 1);
	CHECK(has_user(s2, 0, "alice"));
	CHECK(has_token(s2, "one", "h.example:1"));

	/* Quiet: the same, without a word. */
	unit_capture_begin();
	s3 = snapshot_reload(s2, s2->gen, &tf, SNAPSHOT_ALL, true);
	unit_capture_end(out, sizeof(out));
	CHECK(s3 != NULL);
	if (s3 == NULL)
		return;
	CHECK_EQ(strlen(out), 0);
	CHECK(s3->users == s1->users);
	CHECK_EQ(s1->users->refs, 3);

	/* The server lets go of the older ones; the parts live on. */
	snapshot_release(s1);
	snapshot_release(s2);
	CHECK_EQ(s3->users->refs, 1);
	CHECK_EQ(s3->tokens->refs, 1);
	CHECK(has_user(s3, 0, "alice"));
	CHECK(has_token(s3, "one", "h.example:1"));
	snapshot_release(s3);
	teardown(&cfg, &tf);
}

static void
test_snapshot_refcount(void)
{
	struct config cfg;
	struct tokenfile tf;
	struct snapshot *cur, *conn1, *conn2, *old;
	char err[256];

	log_set_level(LOG_WARN);
	setup(&cfg, &tf);
	CHECK((cur = load(&cfg, &tf, err, sizeof(err))) != NULL);
	if (cur == NULL)
		return;
	/* Two connections accepted: each pins the current snapshot. */
	conn1 = snapshot_hold(cur);
	conn2 = snapshot_hold(cur);
	CHECK(conn1 == cur);
	CHECK_EQ(cur->refs, 3);

	/* A reload replaces the server's snapshot (server.c's order:
	 * the new one first, then the old one released). */
	unit_write("users", "dave:$6$d$dddd\n");
	unit_write("tokens", "four: h.example:4\n");
	old = cur;
	cur = snapshot_reload(old, old->gen, &tf, SNAPSHOT_ALL, true);
	CHECK(cur != NULL);
	if (cur == NULL)
		return;
	snapshot_release(old);
	CHECK_EQ(conn1->refs, 2);
	/* The connections still read what they were accepted with. */
	CHECK(has_user(conn1, 0, "alice"));
	CHECK(has_token(conn2, "one", "h.example:1"));
	CHECK(has_user(cur, 0, "dave"));
	CHECK(has_token(cur, "four", "h.example:4"));

	/* One connection ends; the other still reads it. */
	snapshot_release(conn1);
	CHECK_EQ(conn2->refs, 1);
	CHECK(has_user(conn2, 0, "alice"));
	CHECK(has_token(conn2, "one", "h.example:1"));
	/* The last one frees it, parts and all (ASan: no leak). */
	snapshot_release(conn2);

	/* A connection on the new snapshot, and the server gone first. */
	conn1 = snapshot_hold(cur);
	snapshot_release(cur);
	CHECK_EQ(conn1->refs, 1);
	CHECK(has_user(conn1, 0, "dave"));
	snapshot_release(conn1);
	log_set_level(LOG_INFO);
	teardown(&cfg, &tf);
}

int
main(void)
{
	unit_dir_init();
	UNIT_RUN(test_snapshot_load);
	UNIT_RUN(test_snapshot_load_fails);
	UNIT_RUN(test_snapshot_reload);
	UNIT_RUN(test_snapshot_reload_fails_keeps_old);
	UNIT_RUN(test_snapshot_refcount);
	unit_dir_cleanup();
	return (UNIT_END("test_snapshot"));
}
