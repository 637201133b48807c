/*
 * test_fdbudget.c - the descriptors accepting keeps for backends: the
 * reserve, one backend per connection still on its way to one (three pipes
 * for a program), nothing for connections already at their backend, and
 * no limit known.
 */
#include <limits.h>
#include <stdio.h>

#include "fdbudget.h"
#include "unit.h"

/* The highest descriptor admitted under limit, found by trying them all. */
static int
highest_admitted(long limit, unsigned pending, int per_conn)
{
	int fd, best = -1;

	for (fd = 0; fd < limit + 2; fd++)
		if (fdbudget_admit(limit, fd, pending, per_conn))
			best = fd;
	return (best);
}

static void
test_fdbudget_per_conn(void)
{
	CHECK_EQ(fdbudget_per_conn(false), 2);
	CHECK_EQ(fdbudget_per_conn(true), 4);
}

static void
test_fdbudget_reserve(void)
{
	/* Nothing pending: what is left must cover the reserve and this
	 * connection's own backend socket. */
	CHECK_EQ(FDBUDGET_RESERVE, 8);
	CHECK(fdbudget_admit(1024, 1015, 0, 2));
	CHECK(!fdbudget_admit(1024, 1016, 0, 2));
	CHECK_EQ(highest_admitted(1024, 0, 2), 1024 - 8 - 1);
	/* A program needs three pipes. */
	CHECK(fdbudget_admit(1024, 1013, 0, 4));
	CHECK(!fdbudget_admit(1024, 1014, 0, 4));
	CHECK_EQ(highest_admitted(1024, 0, 4), 1024 - 8 - 3);
	/* Low descriptors are fine even with a small limit. */
	CHECK(fdbudget_admit(16, 3, 0, 2));
	CHECK(fdbudget_admit(16, 7, 0, 2));
	CHECK(!fdbudget_admit(16, 8, 0, 2));
	/* A limit below the reserve admits nothing. */
	CHECK_EQ(highest_admitted(8, 0, 2), -1);
}

static void
test_fdbudget_pending(void)
{
	/* Each connection not yet at its backend keeps one more (or three
	 * more) descriptors out of reach. */
	CHECK_EQ(highest_admitted(1024, 1, 2), 1024 - 8 - 2);
	CHECK_EQ(highest_admitted(1024, 100, 2), 1024 - 8 - 101);
	CHECK_EQ(highest_admitted(1024, 100, 4), 1024 - 8 - 303);
	CHECK(fdbudget_admit(1024, 915, 100, 2));
	CHECK(!fdbudget_admit(1024, 916, 100, 2));
	CHECK(fdbudget_admit(1024, 713, 100, 4));
	CHECK(!fdbudget_admit(1024, 714, 100, 4));
	/* So many pending that even descriptor 0 would be refused. */
	CHECK(!fdbudget_admit(1024, 0, 1016, 2));
	CHECK(fdbudget_admit(1024, 0, 1015, 2));
}

static void
test_fdbudget_idle_connections(void)
{
	/* 5,000 idle connections at their backends hold 10,000
	 * descriptors; the 5,001st client (descriptor 10,003) still finds
	 * plenty left under a limit of 10,240, so it is accepted.  Only
	 * the connections still on their way to a backend count. */
	CHECK(fdbudget_admit(10240, 10003, 0, 2));
	CHECK(fdbudget_admit(10240, 10003, 50, 2));
	CHECK(fdbudget_admit(10240, 10003, 228, 2));
	CHECK(!fdbudget_admit(10240, 10003, 229, 2));
	/* Up to the last descriptors the reserve leaves. */
	CHECK(fdbudget_admit(10240, 10231, 0, 2));
	CHECK(!fdbudget_admit(10240, 10232, 0, 2));
}

static void
test_fdbudget_no_limit(void)
{
	/* No limit known (RLIM_INFINITY): everything is admitted. */
	CHECK(fdbudget_admit(0, 0, 0, 2));
	CHECK(fdbudget_admit(0, INT_MAX, 0, 4));
	CHECK(fdbudget_admit(0, 100000, 1000000, 4));
	/* A large limit is arithmetic, not overflow. */
	CHECK(fdbudget_admit(1L << 40, INT_MAX, 1000000, 4));
	CHECK(!fdbudget_admit(1L << 20, 1 << 20, 0, 2));
}

int
main(void)
{
	UNIT_RUN(test_fdbudget_per_conn);
	UNIT_RUN(test_fdbudget_reserve);
	UNIT_RUN(test_fdbudget_pending);
	UNIT_RUN(test_fdbudget_idle_connections);
	UNIT_RUN(test_fdbudget_no_limit);
	return (UNIT_END("test_fdbudget"));
}
