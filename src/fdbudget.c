/*
 * fdbudget.c - how many descriptors accepting leaves for backends.  Pure
 * arithmetic: no I/O, no allocation, no state.
 */
#include "fdbudget.h"

int
fdbudget_per_conn(bool programs)
{
	return (programs ? 4 : 2);
}

bool
fdbudget_admit(long limit, int fd, unsigned pending, int per_conn)
{
	if (limit <= 0)
		return (true);
	return (limit - fd >= FDBUDGET_RESERVE +
	    (long)(pending + 1) * (per_conn - 1));
}
