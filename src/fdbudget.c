/*
 * fdbudget.c - the count of descriptors a process holds and how many of
 * them accepting leaves for backends.  Pure arithmetic on a struct the
 * caller owns: no I/O, no allocation.
 */
#include <assert.h>

#include "fdbudget.h"

void
fdbudget_init(struct fdbudget *fb, long limit, unsigned base)
{
	fb->limit = limit > 0 ? limit : 0;
	fb->per_conn = 2;
	fb->base = base;
	fb->held = 0;
}

void
fdbudget_programs(struct fdbudget *fb)
{
	fb->per_conn = 4;
}

void
fdbudget_take(struct fdbudget *fb, unsigned n)
{
	fb->held += n;
}

void
fdbudget_give(struct fdbudget *fb, unsigned n)
{
	assert(fb->held >= n);
	fb->held -= n;
}

long
fdbudget_in_use(const struct fdbudget *fb, int fd)
{
	long n = (long)fb->base + (long)fb->held;

	return (fd >= 0 && (long)fd + 1 > n ? (long)fd + 1 : n);
}

bool
fdbudget_admit(const struct fdbudget *fb, int fd, unsigned pending)
{
	if (fb->limit == 0)
		return (true);
	return (fb->limit - fdbudget_in_use(fb, fd) >= FDBUDGET_RESERVE +
	    ((long)pending + 1) * (fb->per_conn - 1));
}
