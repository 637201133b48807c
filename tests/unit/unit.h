/*
 * unit.h - the few assertion macros the unit tests use.  Each test binary
 * runs its cases with UNIT_RUN() and ends with UNIT_END(), which prints
 * "NAME: N passed, N failed" and returns non-zero when a case failed.
 *
 * Tests of parsers also put their inputs against an unmapped page:
 * unit_guard_init(max) once, then unit_guarded(src, n) for each input.
 */
#ifndef WSB_UNIT_H
#define WSB_UNIT_H

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_passed, unit_failed, unit_case_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);	\
	if (unit_a_ != unit_b_) {					\
		fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n",\
		    __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);	\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_MEM(a, b, n) do {						\
	if (memcmp((a), (b), (n)) != 0) {				\
		fprintf(stderr, "  %s:%d: memcmp(%s, %s, %s) failed\n",	\
		    __FILE__, __LINE__, #a, #b, #n);			\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define UNIT_RUN(fn) do {						\
	unit_case_failed = 0;						\
	fn();								\
	if (unit_case_failed) {						\
		fprintf(stderr, "FAIL %s\n", #fn);			\
		unit_failed++;						\
	} else								\
		unit_passed++;						\
} while (0)

#define UNIT_END(name) (printf("%s: %d passed, %d failed\n", (name),	\
	unit_passed, unit_failed), unit_failed != 0)

/*
 * Guard page.  unit_guard_init(max_len) maps max_len bytes rounded up to
 * whole pages (one page at least), then a PROT_NONE page whose first byte
 * is unit_guard_end.  unit_guarded(src, n) copies n bytes so that the last
 * one is the last readable byte, and returns where they start; n above
 * the mapping aborts.  No NUL follows the copy.
 */
__attribute__((unused)) static uint8_t *unit_guard_end;
__attribute__((unused)) static size_t unit_guard_size;

__attribute__((unused)) static void
unit_guard_init(size_t max_len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (max_len + pg - 1) / pg * pg;
	uint8_t *map;

	if (sz == 0)
		sz = pg;
	map = mmap(NULL, sz + pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + sz, pg, PROT_NONE) != 0) {
		perror("mmap");
		exit(2);
	}
	unit_guard_end = map + sz;
	unit_guard_size = sz;
}

__attribute__((unused)) static void *
unit_guarded(const void *src, size_t n)
{
	uint8_t *p;

	if (n > unit_guard_size)
		abort();
	p = unit_guard_end - n;
	if (n > 0)
		memcpy(p, src, n);
	return (p);
}

#endif
