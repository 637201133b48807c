/*
 * test_throttle.c - the failed-login table: the limit, the window, checks
 * in flight, IPv6 by /64 (IPv4-mapped ones by address), eviction when full, and "off".
 */
#include <stdio.h>

#include "throttle.h"
#include "unit.h"

/* max failures in a row from addr at time now, each begun and ended. */
static int
fail_n(struct throttle *t, const char *addr, double now, unsigned n)
{
	int started = 0;

	while (n-- > 0) {
		throttle_begin(t, addr, now);
		started += throttle_end(t, addr, now, false);
	}
	return (started);
}

static void
test_throttle_limit(void)
{
	struct throttle t;

	CHECK_EQ(throttle_init(&t, 64, 3, 60., 1), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 100.), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 100., 2), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 100.), 0);
	/* The third failure starts the block, once. */
	CHECK_EQ(fail_n(&t, "192.0.2.1", 101., 1), 1);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 101.), 60);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 160.5), 1);
	/* Others are not touched. */
	CHECK_EQ(throttle_wait(&t, "192.0.2.2", 101.), 0);
	/* Over: a clean slate. */
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 161.), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 161., 2), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 161.), 0);
	throttle_free(&t);
}

static void
test_throttle_window(void)
{
	struct throttle t;

	CHECK_EQ(throttle_init(&t, 64, 3, 10., 1), 0);
	/* Failures further apart than the window never add up. */
	CHECK_EQ(fail_n(&t, "192.0.2.1", 0., 2), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 10., 2), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 20., 2), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 20.), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 25., 1), 1);
	/* A success does not wipe failures out. */
	CHECK_EQ(throttle_wait(&t, "192.0.2.9", 30.), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.9", 30., 2), 0);
	throttle_begin(&t, "192.0.2.9", 30.);
	CHECK_EQ(throttle_end(&t, "192.0.2.9", 30., true), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.9", 31., 1), 1);
	throttle_free(&t);
}

static void
test_throttle_pending(void)
{
	struct throttle t;
	int i;

	CHECK_EQ(throttle_init(&t, 64, 3, 60., 1), 0);
	/* Three guesses in flight at once: a fourth must wait. */
	for (i = 0; i < 3; i++) {
		CHECK_EQ(throttle_wait(&t, "192.0.2.1", 0.), 0);
		throttle_begin(&t, "192.0.2.1", 0.);
	}
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 0.), 1);
	CHECK_EQ(throttle_end(&t, "192.0.2.1", 1., true), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 1.), 0);
	CHECK_EQ(throttle_end(&t, "192.0.2.1", 1., false), 0);
	CHECK_EQ(throttle_end(&t, "192.0.2.1", 1., false), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 1.), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 1., 1), 1);
	throttle_free(&t);
}

static void
test_throttle_ipv6_prefix(void)
{
	struct throttle t;

	CHECK_EQ(throttle_init(&t, 64, 2, 60., 7), 0);
	CHECK_EQ(fail_n(&t, "2001:db8:1:2::1", 0., 1), 0);
	/* Same /64, another host part: the same entry. */
	CHECK_EQ(fail_n(&t, "2001:db8:1:2:ffff::9", 0., 1), 1);
	CHECK(throttle_wait(&t, "2001:db8:1:2::77", 0.) > 0);
	CHECK_EQ(throttle_wait(&t, "2001:db8:1:3::1", 0.), 0);
	/* IPv4 and "local" are their own. */
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 0.), 0);
	CHECK_EQ(fail_n(&t, "local", 0., 2), 1);
	CHECK(throttle_wait(&t, "local", 0.) > 0);
	throttle_free(&t);
}

/*
 * A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: each is its
 * own address, not one /64 that every IPv4 client shares.
 */
static void
test_throttle_v4mapped(void)
{
	struct throttle t;

	CHECK_EQ(throttle_init(&t, 64, 2, 60., 5), 0);
	CHECK_EQ(fail_n(&t, "::ffff:192.0.2.1", 0., 2), 1);
	CHECK(throttle_wait(&t, "::ffff:192.0.2.1", 0.) > 0);
	CHECK_EQ(throttle_wait(&t, "::ffff:192.0.2.2", 0.), 0);
	CHECK_EQ(throttle_wait(&t, "::ffff:198.51.100.7", 0.), 0);
	/* The same client over an IPv4 socket is the same entry. */
	CHECK(throttle_wait(&t, "192.0.2.1", 0.) > 0);
	throttle_free(&t);
}

static void
test_throttle_full(void)
{
	struct throttle t;
	char addr[32];
	int i;

	/* One slot run of 8: the ninth address evicts the idlest. */
	CHECK_EQ(throttle_init(&t, 8, 2, 60., 3), 0);
	CHECK_EQ(fail_n(&t, "198.51.100.200", 0., 2), 1);
	for (i = 0; i < 7; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i);
		CHECK_EQ(fail_n(&t, addr, 1. + i, 1), 0);
	}
	CHECK(throttle_wait(&t, "198.51.100.200", 10.) > 0);
	/* Every slot is taken now; the blocked one was used last (the
	 * wait above), 192.0.2.0 is the idlest and gives way. */
	CHECK_EQ(fail_n(&t, "203.0.113.1", 11., 1), 0);
	CHECK(throttle_wait(&t, "198.51.100.200", 12.) > 0);
	CHECK_EQ(fail_n(&t, "192.0.2.0", 13., 1), 0);
	throttle_free(&t);
}

static void
test_throttle_off(void)
{
	struct throttle t;

	CHECK_EQ(throttle_init(&t, 8, 0, 60., 3), 0);
	CHECK_EQ(fail_n(&t, "192.0.2.1", 0., 1000), 0);
	CHECK_EQ(throttle_wait(&t, "192.0.2.1", 0.), 0);
	throttle_free(&t);
}

int
main(void)
{
	UNIT_RUN(test_throttle_limit);
	UNIT_RUN(test_throttle_window);
	UNIT_RUN(test_throttle_pending);
	UNIT_RUN(test_throttle_ipv6_prefix);
	UNIT_RUN(test_throttle_v4mapped);
	UNIT_RUN(test_throttle_full);
	UNIT_RUN(test_throttle_off);
	return (UNIT_END("test_throttle"));
}
