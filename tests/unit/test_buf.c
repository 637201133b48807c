/*
 * test_buf.c - the bounded buffer: reserve/commit/consume, compaction, a
 * full buffer, memory given back only when empty, and the pool of
 * recycled BUF_POOL_SIZE buffers (same memory back, its bound, drain).
 * Every case starts and ends with an empty pool, so that the pool's
 * state is known and ASan sees nothing left over.
 */
#include <stdio.h>

#include "buf.h"
#include "unit.h"

#define BIG	(4 * 1024 * 1024)	/* over malloc's mmap threshold */

/* n bytes of a pattern that tells any offset from its neighbours. */
static void
pattern(uint8_t *p, size_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)((from + i) * 7 + (from + i) / 251);
}

/* Whether p[0 .. n) is the pattern from offset from. */
static int
is_pattern(const uint8_t *p, size_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)((from + i) * 7 + (from + i) / 251))
			return (0);
	return (1);
}

/* Append the pattern [from, from + n) from a guarded copy. */
static int
append_pattern(struct buf *b, size_t from, size_t n)
{
	static uint8_t tmp[2048];

	if (n > sizeof(tmp))
		abort();
	pattern(tmp, from, n);
	return (buf_append(b, unit_guarded(tmp, n), n));
}

static void
test_buf_empty(void)
{
	struct buf b;

	buf_pool_drain();
	buf_init(&b, 1024);
	CHECK(b.mem == NULL);
	CHECK_EQ(buf_len(&b), 0);
	CHECK_EQ(buf_space(&b), 1024);
	/* Nothing to give back: both are no-ops, and may be repeated. */
	buf_release(&b);
	buf_free(&b);
	buf_free(&b);
	CHECK(b.mem == NULL);
	CHECK_EQ(buf_pool_count(), 0);
	/* Appending nothing allocates nothing. */
	CHECK_EQ(buf_append(&b, "", 0), 0);
	CHECK(b.mem == NULL);
}

static void
test_buf_reserve_commit_consume(void)
{
	struct buf b;
	uint8_t *p, *mem;
	size_t avail = 99;

	buf_pool_drain();
	buf_init(&b, 1024);
	p = buf_reserve(&b, &avail);
	CHECK(p != NULL);
	CHECK_EQ(avail, 1024);
	mem = b.mem;
	CHECK(p == mem);
	memcpy(p, "hello, world", 12);
	/* Only what is committed counts. */
	buf_commit(&b, 5);
	CHECK_EQ(buf_len(&b), 5);
	CHECK_EQ(buf_space(&b), 1019);
	CHECK(buf_data(&b) == mem);
	CHECK_MEM(buf_data(&b), "hello", 5);

	p = buf_reserve(&b, &avail);
	CHECK(p == mem + 5);
	CHECK_EQ(avail, 1019);
	memcpy(p, "!?", 2);
	buf_commit(&b, 2);
	CHECK_EQ(buf_len(&b), 7);
	CHECK_MEM(buf_data(&b), "hello!?", 7);

	buf_consume(&b, 2);
	CHECK_EQ(buf_len(&b), 5);
	CHECK(buf_data(&b) == mem + 2);
	CHECK_MEM(buf_data(&b), "llo!?", 5);
	CHECK_EQ(buf_space(&b), 1019);
	/* Room at the tail is plenty: no compaction, no move. */
	p = buf_reserve(&b, &avail);
	CHECK(p == mem + 7);
	CHECK_EQ(avail, 1017);
	CHECK(buf_data(&b) == mem + 2);

	/* Emptied, the next bytes start at the beginning again. */
	buf_consume(&b, 5);
	CHECK_EQ(buf_len(&b), 0);
	CHECK(buf_data(&b) == mem);
	p = buf_reserve(&b, &avail);
	CHECK(p == mem);
	CHECK_EQ(avail, 1024);
	buf_free(&b);
	CHECK(b.mem == NULL);
}

static void
test_buf_compaction(void)
{
	struct buf b;
	uint8_t *p, *mem;
	size_t avail;

	buf_pool_drain();
	/* Tail room 1024 - 768 = 256 = max / 4: not little, no move. */
	buf_init(&b, 1024);
	CHECK_EQ(append_pattern(&b, 0, 768), 0);
	mem = b.mem;
	buf_consume(&b, 100);
	p = buf_reserve(&b, &avail);
	CHECK(p == mem + 768);
	CHECK_EQ(avail, 256);
	CHECK(buf_data(&b) == mem + 100);

	/* One byte more and the tail is under a quarter: the unread bytes
	 * move to the front, whole and in order. */
	buf_commit(&b, 1);
	p[0] = 0xab;
	p = buf_reserve(&b, &avail);
	CHECK(buf_data(&b) == mem);
	CHECK_EQ(buf_len(&b), 669);
	CHECK(p == mem + 669);
	CHECK_EQ(avail, 355);
	CHECK(is_pattern(buf_data(&b), 100, 668));
	CHECK_EQ(buf_data(&b)[668], 0xab);
	buf_free(&b);

	/* buf_append moves the bytes itself when the tail is big enough
	 * for reserve to leave it, but too small for what comes. */
	buf_init(&b, 1024);
	CHECK_EQ(append_pattern(&b, 0, 700), 0);
	mem = b.mem;
	buf_consume(&b, 600);
	CHECK_EQ(append_pattern(&b, 700, 500), 0);
	CHECK(buf_data(&b) == mem);
	CHECK_EQ(buf_len(&b), 600);
	CHECK(is_pattern(buf_data(&b), 600, 600));
	buf_free(&b);
	CHECK_EQ(buf_pool_count(), 0);
}

static void
test_buf_full(void)
{
	struct buf b;
	uint8_t *p;
	size_t avail = 99;

	buf_pool_drain();
	buf_init(&b, 2048);
	CHECK_EQ(append_pattern(&b, 0, 2048), 0);
	CHECK_EQ(buf_len(&b), 2048);
	CHECK_EQ(buf_space(&b), 0);
	/* Full: space at the end of it, but none to use. */
	p = buf_reserve(&b, &avail);
	CHECK(p == b.mem + 2048);
	CHECK_EQ(avail, 0);
	/* Nothing is taken when not all of it fits. */
	CHECK_EQ(append_pattern(&b, 0, 1), -1);
	CHECK_EQ(buf_len(&b), 2048);
	CHECK_EQ(buf_append(&b, "", 0), 0);
	CHECK(is_pattern(buf_data(&b), 0, 2048));

	/* One byte read: the tail is empty, so reserve compacts. */
	buf_consume(&b, 1);
	CHECK_EQ(buf_space(&b), 1);
	p = buf_reserve(&b, &avail);
	CHECK_EQ(avail, 1);
	CHECK(buf_data(&b) == b.mem);
	CHECK(p == b.mem + 2047);
	CHECK(is_pattern(buf_data(&b), 1, 2047));
	CHECK_EQ(append_pattern(&b, 2048, 2), -1);
	CHECK_EQ(append_pattern(&b, 2048, 1), 0);
	CHECK_EQ(buf_space(&b), 0);
	CHECK(is_pattern(buf_data(&b), 1, 2048));
	buf_free(&b);
}

static void
test_buf_release_only_empty(void)
{
	struct buf b;
	uint8_t *mem;

	buf_pool_drain();
	buf_init(&b, 1024);
	CHECK_EQ(buf_append(&b, unit_guarded("abc", 3), 3), 0);
	mem = b.mem;
	/* Bytes left to read: the memory stays, and so do they. */
	buf_release(&b);
	CHECK(b.mem == mem);
	CHECK_EQ(buf_len(&b), 3);
	CHECK_MEM(buf_data(&b), "abc", 3);
	buf_consume(&b, 2);
	buf_release(&b);
	CHECK(b.mem == mem);
	CHECK_EQ(buf_len(&b), 1);
	CHECK_MEM(buf_data(&b), "c", 1);
	buf_consume(&b, 1);
	buf_release(&b);
	CHECK(b.mem == NULL);
	CHECK_EQ(buf_len(&b), 0);
	CHECK_EQ(buf_space(&b), 1024);
	/* Not the pool's size: freed, not kept. */
	CHECK_EQ(buf_pool_count(), 0);
}

static void
test_buf_pool_recycles(void)
{
	struct buf a, b;
	uint8_t *mem;
	size_t avail;

	buf_pool_drain();
	buf_init(&a, BUF_POOL_SIZE);
	CHECK(buf_reserve(&a, &avail) != NULL);
	CHECK_EQ(avail, BUF_POOL_SIZE);
	mem = a.mem;
	CHECK_EQ(buf_append(&a, unit_guarded("xyz", 3), 3), 0);
	buf_consume(&a, 1);
	buf_release(&a);
	CHECK(a.mem == mem);
	CHECK_EQ(buf_pool_count(), 0);
	buf_consume(&a, 2);
	buf_release(&a);
	CHECK(a.mem == NULL);
	CHECK_EQ(buf_pool_count(), 1);

	/* The next buffer of that size gets the same memory, empty. */
	buf_init(&b, BUF_POOL_SIZE);
	CHECK(buf_reserve(&b, &avail) == mem);
	CHECK_EQ(avail, BUF_POOL_SIZE);
	CHECK_EQ(buf_len(&b), 0);
	CHECK_EQ(buf_pool_count(), 0);
	/* Taken: the first buffer now gets other memory. */
	CHECK(buf_reserve(&a, &avail) != NULL);
	CHECK(a.mem != mem);
	buf_free(&a);
	buf_free(&b);
	CHECK_EQ(buf_pool_count(), 2);
	/* Last in, first out. */
	buf_init(&a, BUF_POOL_SIZE);
	CHECK(buf_reserve(&a, &avail) == mem);
	buf_free(&a);
	buf_pool_drain();
	CHECK_EQ(buf_pool_count(), 0);
}

static void
test_buf_pool_bound(void)
{
	struct buf b[BUF_POOL_MAX + 1];
	uint8_t *mem[BUF_POOL_MAX + 1];
	size_t avail, i;

	buf_pool_drain();
	for (i = 0; i < BUF_POOL_MAX + 1; i++) {
		buf_init(&b[i], BUF_POOL_SIZE);
		CHECK((mem[i] = buf_reserve(&b[i], &avail)) != NULL);
	}
	for (i = 0; i < BUF_POOL_MAX + 1; i++)
		buf_release(&b[i]);
	/* Sixteen kept, the seventeenth freed (ASan sees it go). */
	CHECK_EQ(buf_pool_count(), BUF_POOL_MAX);
	/* Back last in, first out: the seventeenth is not among them. */
	for (i = BUF_POOL_MAX; i-- > 0;) {
		buf_init(&b[i], BUF_POOL_SIZE);
		CHECK(buf_reserve(&b[i], &avail) == mem[i]);
		CHECK_EQ(buf_pool_count(), i);
	}
	for (i = 0; i < BUF_POOL_MAX; i++)
		buf_free(&b[i]);
	CHECK_EQ(buf_pool_count(), BUF_POOL_MAX);
	buf_pool_drain();
	CHECK_EQ(buf_pool_count(), 0);
}

static void
test_buf_large(void)
{
	struct buf big, small, pooled;
	uint8_t *p, *mem;
	size_t avail, n;

	buf_pool_drain();
	buf_init(&pooled, BUF_POOL_SIZE);
	CHECK((mem = buf_reserve(&pooled, &avail)) != NULL);
	buf_release(&pooled);
	CHECK_EQ(buf_pool_count(), 1);

	/* A large buffer holds all its bytes, through the compaction. */
	buf_init(&big, BIG);
	p = buf_reserve(&big, &avail);
	CHECK(p != NULL);
	CHECK_EQ(avail, BIG);
	pattern(p, 0, BIG);
	buf_commit(&big, BIG);
	CHECK_EQ(buf_space(&big), 0);
	buf_consume(&big, BIG - 1000);
	CHECK(is_pattern(buf_data(&big), BIG - 1000, 1000));
	p = buf_reserve(&big, &avail);
	CHECK(buf_data(&big) == big.mem);
	CHECK_EQ(avail, BIG - 1000);
	pattern(p, BIG, avail);
	buf_commit(&big, avail);
	CHECK_EQ(buf_len(&big), BIG);
	CHECK(is_pattern(buf_data(&big), BIG - 1000, BIG));
	for (n = 0; n < BIG; n += 65536)
		buf_consume(&big, 65536);
	CHECK_EQ(buf_len(&big), 0);
	buf_release(&big);
	CHECK(big.mem == NULL);

	buf_init(&small, 4096);
	CHECK(buf_reserve(&small, &avail) != NULL);
	buf_release(&small);

	/* Neither size went to the pool: what comes out first is what
	 * was there before them. */
	CHECK_EQ(buf_pool_count(), 1);
	buf_init(&pooled, BUF_POOL_SIZE);
	CHECK(buf_reserve(&pooled, &avail) == mem);
	buf_free(&pooled);
	buf_pool_drain();
}

static void
test_buf_free_drops(void)
{
	struct buf b;
	uint8_t *mem;
	size_t avail;

	buf_pool_drain();
	buf_init(&b, BUF_POOL_SIZE);
	CHECK_EQ(append_pattern(&b, 0, 1500), 0);
	buf_consume(&b, 10);
	mem = b.mem;
	/* Unread bytes and all: the memory goes, to the pool here. */
	buf_free(&b);
	CHECK(b.mem == NULL);
	CHECK_EQ(buf_len(&b), 0);
	CHECK_EQ(buf_space(&b), BUF_POOL_SIZE);
	CHECK_EQ(buf_pool_count(), 1);
	/* Usable again, from the start and empty. */
	CHECK(buf_reserve(&b, &avail) == mem);
	CHECK_EQ(avail, BUF_POOL_SIZE);
	CHECK_EQ(buf_len(&b), 0);
	CHECK(buf_data(&b) == mem);
	CHECK_EQ(append_pattern(&b, 5, 3), 0);
	CHECK(is_pattern(buf_data(&b), 5, 3));

	/* Of another size: freed outright. */
	buf_free(&b);
	buf_pool_drain();
	buf_init(&b, 1000);
	CHECK_EQ(append_pattern(&b, 0, 1000), 0);
	buf_free(&b);
	CHECK(b.mem == NULL);
	CHECK_EQ(buf_pool_count(), 0);
}

static void
test_buf_pool_drain(void)
{
	struct buf b[3];
	size_t avail, i;

	buf_pool_drain();
	CHECK_EQ(buf_pool_count(), 0);
	for (i = 0; i < 3; i++) {
		buf_init(&b[i], BUF_POOL_SIZE);
		CHECK(buf_reserve(&b[i], &avail) != NULL);
	}
	for (i = 0; i < 3; i++)
		buf_free(&b[i]);
	CHECK_EQ(buf_pool_count(), 3);
	/* All freed (ASan's leak check would see any that were not), and
	 * the pool works on afterwards. */
	buf_pool_drain();
	CHECK_EQ(buf_pool_count(), 0);
	buf_pool_drain();
	CHECK_EQ(buf_pool_count(), 0);
	CHECK(buf_reserve(&b[0], &avail) != NULL);
	CHECK_EQ(buf_pool_count(), 0);
	buf_free(&b[0]);
	CHECK_EQ(buf_pool_count(), 1);
	buf_pool_drain();
}

int
main(void)
{
	unit_guard_init(2048);
	UNIT_RUN(test_buf_empty);
	UNIT_RUN(test_buf_reserve_commit_consume);
	UNIT_RUN(test_buf_compaction);
	UNIT_RUN(test_buf_full);
	UNIT_RUN(test_buf_release_only_empty);
	UNIT_RUN(test_buf_pool_recycles);
	UNIT_RUN(test_buf_pool_bound);
	UNIT_RUN(test_buf_large);
	UNIT_RUN(test_buf_free_drops);
	UNIT_RUN(test_buf_pool_drain);
	return (UNIT_END("test_buf"));
}
