/*
 * test_tokenfile.c - token files as read from disk: one file, a directory
 * of them (joined in name order, hidden files and subdirectories left
 * out), a bad line skipped and reported as FILE:LINE of its own file, a
 * file that cannot be read, and change detection (once a second at most).
 * Files live in the test's own temporary directory.
 */
#include <sys/stat.h>

#include <stdio.h>

#include "log.h"
#include "tokenfile.h"
#include "unit.h"

/* tokenfile_open + tokenfile_read of unit_path(name); log in out. */
static int
read_path(struct tokenfile *tf, const char *name, struct tokens *t,
    char *err, size_t errlen, char *out, size_t outlen)
{
	int rc;

	err[0] = '\0';
	if (tokenfile_open(tf, unit_path(name), err, errlen) != 0)
		return (-2);
	unit_capture_begin();
	rc = tokenfile_read(tf, t, err, errlen);
	unit_capture_end(out, outlen);
	return (rc);
}

static int
target_is(const struct tokens *t, const char *token, const char *want)
{
	const char *got = tokens_lookup(t, token, strlen(token));

	if (got == NULL || strcmp(got, want) != 0) {
		fprintf(stderr, "  token %s: %s, expected %s\n", token,
		    got != NULL ? got : "(none)", want != NULL ? want : "");
		return (0);
	}
	return (1);
}

static void
test_tokenfile_file(void)
{
	struct tokenfile tf;
	struct tokens t;
	char err[256], out[1024];

	unit_write("one", "# backends\n"
	    "alpha: 127.0.0.1:5900\r\n"
	    "\n"
	    "  beta :  [::1]:5901  \n"
	    "gamma: unix:/run/vnc.sock");
	CHECK_EQ(read_path(&tf, "one", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	CHECK_EQ(t.n, 3);
	CHECK(target_is(&t, "alpha", "127.0.0.1:5900"));
	CHECK(target_is(&t, "beta", "[::1]:5901"));
	CHECK(target_is(&t, "gamma", "unix:/run/vnc.sock"));
	CHECK(tokens_lookup(&t, "delta", 5) == NULL);
	/* Nothing to say about a good file. */
	CHECK_EQ(strlen(out), 0);
	CHECK_EQ(strlen(err), 0);
	tokens_free(&t);
	tokenfile_free(&tf);
	CHECK(tf.path == NULL);
	unlink(unit_path("one"));
}

static void
test_tokenfile_directory(void)
{
	struct tokenfile tf;
	struct tokens t;
	char err[256], out[1024];

	CHECK_EQ(mkdir(unit_path("dir"), 0700), 0);
	CHECK_EQ(mkdir(unit_path("dir/sub"), 0700), 0);
	/* Read in name order whatever order they were made in; the last
	 * line of a file without a newline is still a line of its own. */
	unit_write("dir/b", "shared: b.example:2\nbee: b.example:1\n");
	unit_write("dir/a", "shared: a.example:2\nay: a.example:1");
	unit_write("dir/c", "");
	unit_write("dir/.hidden", "hidden: h.example:1\n");
	unit_write("dir/sub/d", "deep: d.example:1\n");
	CHECK_EQ(read_path(&tf, "dir", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	CHECK_EQ(t.n, 3);
	CHECK(target_is(&t, "ay", "a.example:1"));
	CHECK(target_is(&t, "bee", "b.example:1"));
	/* The later file wins, as a later line does. */
	CHECK(target_is(&t, "shared", "b.example:2"));
	CHECK(tokens_lookup(&t, "hidden", 6) == NULL);
	CHECK(tokens_lookup(&t, "deep", 4) == NULL);
	CHECK_EQ(strlen(out), 0);
	tokens_free(&t);
	tokenfile_free(&tf);
}

static void
test_tokenfile_bad_line(void)
{
	struct tokenfile tf;
	struct tokens t;
	char err[256], out[2048], want[2048];

	log_set_time(LOG_TIME_OFF);
	CHECK_EQ(mkdir(unit_path("bad"), 0700), 0);
	unit_write("bad/1", "one: h.example:1\n# two\n");
	/* Empty: the lines after it are still the next file's. */
	unit_write("bad/2", "");
	unit_write("bad/3", "three: h.example:3\n\nno separator\n"
	    "five: h.example:5\n");
	unit_write("bad/4", "six: nowhere\nseven: h.example:7\n");
	CHECK_EQ(read_path(&tf, "bad", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	/* The bad lines are left out, the rest counts. */
	CHECK_EQ(t.n, 4);
	CHECK(target_is(&t, "one", "h.example:1"));
	CHECK(target_is(&t, "three", "h.example:3"));
	CHECK(target_is(&t, "five", "h.example:5"));
	CHECK(target_is(&t, "seven", "h.example:7"));
	CHECK(tokens_lookup(&t, "six", 3) == NULL);
	snprintf(want, sizeof(want),
	    "wsbridge: warn: token file %s/bad/3:3: expected 'token: "
	    "target'; line skipped\n"
	    "wsbridge: warn: token file %s/bad/4:1: bad target 'nowhere': "
	    "expected HOST:PORT or unix:/PATH; line skipped\n",
	    unit_dir, unit_dir);
	CHECK(strcmp(out, want) == 0);
	if (strcmp(out, want) != 0)
		fprintf(stderr, "  logged:\n%s  expected:\n%s", out, want);
	tokens_free(&t);
	tokenfile_free(&tf);

	/* One file alone: its own line numbers. */
	unit_write("single", "ok: h.example:1\n\t: h.example:2\n");
	CHECK_EQ(read_path(&tf, "single", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	CHECK_EQ(t.n, 1);
	snprintf(want, sizeof(want), "wsbridge: warn: token file "
	    "%s/single:2: empty token; line skipped\n", unit_dir);
	CHECK(strcmp(out, want) == 0);
	tokens_free(&t);
	tokenfile_free(&tf);
}

static void
test_tokenfile_unreadable(void)
{
	struct tokenfile tf;
	struct tokens t;
	char err[256], out[1024], want[512];

	memset(&t, 0, sizeof(t));
	CHECK_EQ(read_path(&tf, "missing", &t, err, sizeof(err), out,
	    sizeof(out)), -1);
	snprintf(want, sizeof(want), "--token-file %s/missing: No such file "
	    "or directory", unit_dir);
	CHECK(strcmp(err, want) == 0);
	CHECK_EQ(t.n, 0);
	/* Reported by the caller, once: nothing logged here. */
	CHECK_EQ(strlen(out), 0);
	tokenfile_free(&tf);
}

static void
test_tokenfile_changed(void)
{
	struct tokenfile tf;
	struct tokens t;
	struct timespec ts[2];
	char err[256], out[1024];

	unit_write("watched", "a: h.example:1\n");
	CHECK_EQ(read_path(&tf, "watched", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	tokens_free(&t);
	CHECK(!tokenfile_changed(&tf, 100.));
	/* Changed, but looked at again only a second after the last. */
	unit_write("watched", "a: h.example:1\nb: h.example:2\n");
	CHECK(!tokenfile_changed(&tf, 100.5));
	CHECK(!tokenfile_changed(&tf, 100.99));
	CHECK(tokenfile_changed(&tf, 101.));
	/* Still changed until it is read again... */
	CHECK(tokenfile_changed(&tf, 102.));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), 0);
	CHECK_EQ(t.n, 2);
	tokens_free(&t);
	/* ...and then not. */
	CHECK(!tokenfile_changed(&tf, 103.));

	/* Same size, another time. */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CHECK_EQ(utimensat(AT_FDCWD, unit_path("watched"), ts, 0), 0);
	CHECK(tokenfile_changed(&tf, 104.));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), 0);
	tokens_free(&t);
	CHECK(!tokenfile_changed(&tf, 105.));

	/* Gone: a change too, and a read that fails still counts as
	 * seen, so that it is not tried again every second. */
	unlink(unit_path("watched"));
	CHECK(tokenfile_changed(&tf, 106.));
	memset(&t, 0, sizeof(t));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), -1);
	CHECK(!tokenfile_changed(&tf, 107.));
	tokenfile_free(&tf);
}

static void
test_tokenfile_changed_directory(void)
{
	struct tokenfile tf;
	struct tokens t;
	char err[256], out[1024];

	CHECK_EQ(mkdir(unit_path("watched.d"), 0700), 0);
	unit_write("watched.d/a", "a: h.example:1\n");
	CHECK_EQ(read_path(&tf, "watched.d", &t, err, sizeof(err), out,
	    sizeof(out)), 0);
	CHECK_EQ(t.n, 1);
	tokens_free(&t);
	CHECK(!tokenfile_changed(&tf, 100.));

	/* A file added. */
	unit_write("watched.d/b", "b: h.example:2\n");
	CHECK(tokenfile_changed(&tf, 101.));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), 0);
	CHECK_EQ(t.n, 2);
	tokens_free(&t);
	CHECK(!tokenfile_changed(&tf, 102.));

	/* A file in it rewritten with another size. */
	unit_write("watched.d/a", "a: h.example:10\n");
	CHECK(tokenfile_changed(&tf, 103.));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), 0);
	CHECK(target_is(&t, "a", "h.example:10"));
	tokens_free(&t);
	CHECK(!tokenfile_changed(&tf, 104.));

	/* A file removed. */
	unlink(unit_path("watched.d/b"));
	CHECK(tokenfile_changed(&tf, 105.));
	CHECK_EQ(tokenfile_read(&tf, &t, err, sizeof(err)), 0);
	CHECK_EQ(t.n, 1);
	tokens_free(&t);
	tokenfile_free(&tf);
}

int
main(void)
{
	unit_dir_init();
	UNIT_RUN(test_tokenfile_file);
	UNIT_RUN(test_tokenfile_directory);
	UNIT_RUN(test_tokenfile_bad_line);
	UNIT_RUN(test_tokenfile_unreadable);
	UNIT_RUN(test_tokenfile_changed);
	UNIT_RUN(test_tokenfile_changed_directory);
	unit_dir_cleanup();
	return (UNIT_END("test_tokenfile"));
}
