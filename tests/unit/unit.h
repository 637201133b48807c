/*
 * unit.h - the few assertion macros the unit tests use.  Each test binary
 * runs its cases with UNIT_RUN() and ends with UNIT_END(), which prints
 * "NAME: N passed, N failed" and returns non-zero when a case failed.
 */
#ifndef WSB_UNIT_H
#define WSB_UNIT_H

#include <stdio.h>
#include <string.h>

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

#endif
