/*
 * test_auth.c - the --basic-auth users file: what a good one loads to, and
 * each way a bad one is refused with FILE:LINE, leaving nothing behind.
 */
#include <stdio.h>

#include "auth.h"
#include "unit.h"

static void
test_auth_load(void)
{
	struct auth a;
	char err[256];

	unit_write("users", "# who may log in\n"
	    "\n"
	    "alice:$6$salt$aaaa\r\n"
	    "bob:$y$j9T$bbbb:with:colons\n"
	    "carol:$2b$05$cccc");
	err[0] = '\0';
	CHECK_EQ(auth_load(unit_path("users"), &a, err, sizeof(err)), 0);
	CHECK_EQ(strlen(err), 0);
	CHECK_EQ(a.nusers, 3);
	if (a.nusers == 3) {
		CHECK(strcmp(a.users[0].name, "alice") == 0);
		CHECK(strcmp(a.users[0].hash, "$6$salt$aaaa") == 0);
		/* The name ends at the first colon; the hash has the rest. */
		CHECK(strcmp(a.users[1].name, "bob") == 0);
		CHECK(strcmp(a.users[1].hash, "$y$j9T$bbbb:with:colons") == 0);
		CHECK(strcmp(a.users[2].name, "carol") == 0);
		CHECK(strcmp(a.users[2].hash, "$2b$05$cccc") == 0);
	}
	CHECK_EQ(a.ngood, 0);
	auth_free(&a);
	CHECK(a.users == NULL);
	CHECK_EQ(a.nusers, 0);
	unlink(unit_path("users"));
}

/*
 * auth_load of text must fail with "FILE:LINE: why", or with lineno 0
 * "--basic-auth FILE: why".
 */
static void
load_fails(const char *text, int lineno, const char *why)
{
	struct auth a;
	char err[256], want[1024];

	unit_write("users", text);
	if (lineno > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", unit_path("users"),
		    lineno, why);
	else
		snprintf(want, sizeof(want), "--basic-auth %s: %s",
		    unit_path("users"), why);
	CHECK_EQ(auth_load(unit_path("users"), &a, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0) {
		fprintf(stderr, "  got:      %s\n  expected: %s\n", err, want);
		unit_case_failed = 1;
	}
	/* Nothing kept of the users before the bad line. */
	CHECK(a.users == NULL);
	CHECK_EQ(a.nusers, 0);
	auth_free(&a);
	unlink(unit_path("users"));
}

static void
test_auth_load_errors(void)
{
	struct auth a;
	char err[256], want[1024];

	load_fails("alice:$6$a\nbob:$6$b\nno colon here\n", 3,
	    "expected user:hash");
	load_fails("# comment\n:$6$nameless\n", 2, "expected user:hash");
	load_fails("alice:$6$a\r\nbob:\r\n", 2, "expected user:hash");
	load_fails("alice:$6$a\nbob:secret\n", 2, "the password is not a "
	    "crypt(3) hash (make one with mkpasswd)");
	load_fails("# nobody\n\n", 0, "no users");
	load_fails("", 0, "no users");

	CHECK_EQ(auth_load(unit_path("absent"), &a, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--basic-auth %s: No such file or "
	    "directory", unit_path("absent"));
	CHECK(strcmp(err, want) == 0);
	CHECK(a.users == NULL);
}

static void
test_auth_hash_matches(void)
{
	struct crypt_data *cd;
	char hash[CRYPT_OUTPUT_SIZE];
	const char *h;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		abort();
	/* A hash made here, so the test needs no fixed one of libcrypt's. */
	h = crypt_r("s3cret", "$6$unitsalt$", cd);
	CHECK(h != NULL);
	snprintf(hash, sizeof(hash), "%s", h != NULL ? h : "");
	CHECK(strncmp(hash, "$6$unitsalt$", 12) == 0);
	CHECK(auth_hash_matches("s3cret", hash, cd));
	CHECK(!auth_hash_matches("s3cret ", hash, cd));
	CHECK(!auth_hash_matches("S3cret", hash, cd));
	CHECK(!auth_hash_matches("", hash, cd));
	/* A hash crypt(3) cannot use never matches. */
	CHECK(!auth_hash_matches("s3cret", "*", cd));
	CHECK(!auth_hash_matches("s3cret", "", cd));
	free(cd);
}

int
main(void)
{
	unit_dir_init();
	UNIT_RUN(test_auth_load);
	UNIT_RUN(test_auth_load_errors);
	UNIT_RUN(test_auth_hash_matches);
	unit_dir_cleanup();
	return (UNIT_END("test_auth"));
}
