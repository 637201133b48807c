/*
 * test_fdbudget.c - the descriptors accepting keeps for backends: counted,
 * not guessed from the number the kernel hands out; the reserve, one
 * backend per connection still on its way to one (three pipes for a
 * program), nothing more for connections already at their backend, and no
 * limit known.
 */
#include <limits.h>
#include <stdio.h>

#include "fdbudget.h"
#include "unit.h"

/* A count of base + held descriptors under limit. */
static struct fdbudget
budget(long limit, bool programs, unsigned base, unsigned held)
{
	struct fdbudget fb;

	fdbudget_init(&fb, limit, base);
	if (programs)
		fdbudget_programs(&fb);
	fdbudget_take(&fb, held);
	return (fb);
}

/*
 * How many descriptors may be in use (the new client's included) for it
 * to be admitted, found by trying every count; its number is low (3), as
 * after a burst of closes.
 */
static long
most_in_use(long limit, unsigned pending, bool programs)
{
	struct fdbudget fb;
	long best = -1;
	unsigned held;

	for (held = 0; held < (unsigned)limit + 2; held++) {
		fb = budget(limit, programs, 0, held);
		if (fdbudget_admit(&fb, 3, pending))
			best = held;
	}
	return (best);
}

static void
test_fdbudget_count(void)
{
	struct fdbudget fb;

	fdbudget_init(&fb, 64, 0);
	CHECK_EQ(fb.per_conn, 2);
	CHECK_EQ(fb.limit, 64);
	CHECK_EQ(fdbudget_in_use(&fb, -1), 0);
	fdbudget_init(&fb, 64, 7);
	CHECK_EQ(fdbudget_in_use(&fb, -1), 7);
	/* Opened and closed in any order: only the count matters. */
	fdbudget_take(&fb, 1);
	fdbudget_take(&fb, 3);
	fdbudget_give(&fb, 1);
	fdbudget_take(&fb, 2);
	CHECK_EQ(fb.held, 5u);
	CHECK_EQ(fdbudget_in_use(&fb, -1), 12);
	fdbudget_give(&fb, 5);
	CHECK_EQ(fdbudget_in_use(&fb, -1), 7);
	/* Programs, once possible, stay possible. */
	fdbudget_programs(&fb);
	CHECK_EQ(fb.per_conn, 4);
	fdbudget_programs(&fb);
	CHECK_EQ(fb.per_conn, 4);
	fdbudget_init(&fb, 64, 3);
	CHECK_EQ(fb.per_conn, 2);
	CHECK_EQ(fb.held, 0u);
	CHECK_EQ(fb.base, 3u);
}

static void
test_fdbudget_low_number_many_in_use(void)
{
	struct fdbudget fb;

	/* ulimit -n 64, 7 open at start: 25 connections at their backends
	 * held 50 more, then the first 12 closed.  The 13 still open leave
	 * holes from 7 up, and the kernel hands out 7.  "64 - 7 left" is
	 * wrong: 34 are in use, the new one counted, and the 30 left cover
	 * the reserve and 22 backends, not 49. */
	fb = budget(64, false, 7, 26 + 1);
	CHECK_EQ(fdbudget_in_use(&fb, 7), 34);
	CHECK(fdbudget_admit(&fb, 7, 0));
	CHECK(fdbudget_admit(&fb, 7, 21));
	CHECK(!fdbudget_admit(&fb, 7, 22));
	/* Once 22 pending took the holes, the next one is refused, on
	 * whatever number it came. */
	fb = budget(64, false, 7, 26 + 22 + 1);
	CHECK(!fdbudget_admit(&fb, 29, 22));
	CHECK(!fdbudget_admit(&fb, 29, 0));
	/* 55 in use, the new client among them: the 9 left are the reserve
	 * and its backend, so it is admitted on descriptor 10; 56 in use
	 * is one too many. */
	fb = budget(64, false, 7, 48);
	CHECK(fdbudget_admit(&fb, 10, 0));
	fb = budget(64, false, 7, 49);
	CHECK(!fdbudget_admit(&fb, 10, 0));
	CHECK(!fdbudget_admit(&fb, 3, 0));
	/* A program needs three pipes: 53 in use at most. */
	fb = budget(64, true, 7, 46);
	CHECK(fdbudget_admit(&fb, 10, 0));
	fb = budget(64, true, 7, 47);
	CHECK(!fdbudget_admit(&fb, 10, 0));
	/* The same at scale: 10,000 descriptors in use under 10,240 and
	 * the lowest one free handed out. */
	fb = budget(10240, false, 10, 9990);
	CHECK(fdbudget_admit(&fb, 11, 0));
	CHECK(fdbudget_admit(&fb, 11, 231));
	CHECK(!fdbudget_admit(&fb, 11, 232));
}

static void
test_fdbudget_number_above_count(void)
{
	struct fdbudget fb;

	/* What the count cannot know (a library's descriptor, a lookup
	 * thread's socket) shows in the number: all below it are in use. */
	fb = budget(64, false, 7, 1);
	CHECK_EQ(fdbudget_in_use(&fb, 40), 41);
	CHECK_EQ(fdbudget_in_use(&fb, 5), 8);
	CHECK(fdbudget_admit(&fb, 54, 0));
	CHECK(!fdbudget_admit(&fb, 55, 0));
	CHECK(fdbudget_admit(&fb, 50, 4));
	CHECK(!fdbudget_admit(&fb, 50, 5));
}

static void
test_fdbudget_reserve(void)
{
	/* Nothing pending: what is left must cover the reserve and this
	 * connection's own backend socket. */
	CHECK_EQ(FDBUDGET_RESERVE, 8);
	CHECK_EQ(most_in_use(1024, 0, false), 1024 - 8 - 1);
	/* A program needs three pipes. */
	CHECK_EQ(most_in_use(1024, 0, true), 1024 - 8 - 3);
	CHECK_EQ(most_in_use(16, 0, false), 7);
	/* Descriptor 3 says 4 are in use at least: a limit that leaves
	 * less than the reserve and one backend beside them admits
	 * nothing. */
	CHECK_EQ(most_in_use(12, 0, false), -1);
	CHECK_EQ(most_in_use(13, 0, false), 4);
}

static void
test_fdbudget_pending(void)
{
	struct fdbudget fb;

	/* Each connection not yet at its backend keeps one more (or three
	 * more) descriptors out of reach. */
	CHECK_EQ(most_in_use(1024, 1, false), 1024 - 8 - 2);
	CHECK_EQ(most_in_use(1024, 100, false), 1024 - 8 - 101);
	CHECK_EQ(most_in_use(1024, 100, true), 1024 - 8 - 303);
	/* So many pending that even the first client would be refused. */
	fb = budget(1024, false, 0, 1);
	CHECK(fdbudget_admit(&fb, 0, 1014));
	CHECK(!fdbudget_admit(&fb, 0, 1015));
}

static void
test_fdbudget_idle_connections(void)
{
	struct fdbudget fb;

	/* 5,000 idle connections at their backends hold 10,000
	 * descriptors; the 5,001st client finds plenty left under a limit
	 * of 10,240, so it is accepted.  Only the connections still on
	 * their way to a backend count beyond that. */
	fb = budget(10240, false, 3, 10000 + 1);
	CHECK(fdbudget_admit(&fb, 10003, 0));
	CHECK(fdbudget_admit(&fb, 10003, 50));
	CHECK(fdbudget_admit(&fb, 10003, 227));
	CHECK(!fdbudget_admit(&fb, 10003, 228));
}

static void
test_fdbudget_no_limit(void)
{
	struct fdbudget fb;

	/* No limit known (RLIM_INFINITY): everything is admitted. */
	fb = budget(0, false, 3, 100000);
	CHECK_EQ(fb.limit, 0);
	CHECK(fdbudget_admit(&fb, 0, 0));
	CHECK(fdbudget_admit(&fb, INT_MAX, 1000000));
	fb = budget(-1, true, 3, 0);
	CHECK_EQ(fb.limit, 0);
	CHECK(fdbudget_admit(&fb, 100000, 1000000));
	/* A large limit is arithmetic, not overflow. */
	fb = budget(1L << 40, true, UINT_MAX, UINT_MAX);
	CHECK(fdbudget_admit(&fb, INT_MAX, 1000000));
	CHECK(fdbudget_admit(&fb, INT_MAX, UINT_MAX));
	fb = budget(1L << 20, false, 0, 1);
	CHECK(!fdbudget_admit(&fb, 1 << 20, 0));
}

int
main(void)
{
	UNIT_RUN(test_fdbudget_count);
	UNIT_RUN(test_fdbudget_low_number_many_in_use);
	UNIT_RUN(test_fdbudget_number_above_count);
	UNIT_RUN(test_fdbudget_reserve);
	UNIT_RUN(test_fdbudget_pending);
	UNIT_RUN(test_fdbudget_idle_connections);
	UNIT_RUN(test_fdbudget_no_limit);
	return (UNIT_END("test_fdbudget"));
}
