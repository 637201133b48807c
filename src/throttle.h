/*
 * throttle.h - failed logins counted per client address, for --basic-auth:
 * after `max` failures within `window` seconds an address is refused for
 * `window` seconds without its passwords being checked.  An IPv6 address
 * counts by its /64 (one host commonly has all of it), an IPv4-mapped
 * one (::ffff:a.b.c.d) as the IPv4 address.  The table has a
 * fixed number of slots: an address hashes to a short run of them, and
 * when the run is full the entry idle the longest gives way.
 *
 * No I/O; memory is allocated by throttle_init() only.
 */
#ifndef WSB_THROTTLE_H
#define WSB_THROTTLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define THROTTLE_SLOTS	4096	/* addresses remembered per process */
#define THROTTLE_KEY	17	/* family byte and 16 address bytes */

struct throttle_entry {
	uint8_t		key[THROTTLE_KEY];
	bool		used;
	unsigned	failures;	/* in the window that began at first */
	unsigned	pending;	/* checks under way */
	double		first;		/* the window's first failure */
	double		last;		/* last use: who gives way */
	double		until;		/* refused until then, or 0 */
};

struct throttle {
	struct throttle_entry *slots;	/* nslots of them */
	size_t		nslots;
	unsigned	max;		/* failures that start a block */
	double		window;		/* seconds: counting, and blocked */
	uint64_t	seed;		/* for the slot hash */
};

/*
 * throttle_init(t, nslots, max, window, seed): an empty table of nslots
 * entries; seed varies the slot hash between processes.  Returns 0, or -1
 * when memory is short.
 */
int	throttle_init(struct throttle *, size_t, unsigned, double, uint64_t);

/* throttle_free(t): release the table; a zeroed t is fine. */
void	throttle_free(struct throttle *);

/*
 * throttle_wait(t, addr, now): 0 when addr (an IPv4 or IPv6 address as
 * text; anything else counts as one address) may have a password checked
 * now, else the seconds (at least 1) after which it may.  Checks already
 * under way count as failures until they end, so parallel guesses cannot
 * get past the limit.
 */
unsigned throttle_wait(struct throttle *, const char *, double);

/* throttle_begin(t, addr, now): a check for addr starts. */
void	throttle_begin(struct throttle *, const char *, double);

/*
 * throttle_end(t, addr, now, ok): the check begun for addr ended; a
 * failure is counted.  Returns true when that failure starts a block.
 */
bool	throttle_end(struct throttle *, const char *, double, bool);

#endif
