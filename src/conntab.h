/*
 * conntab.h - connections counted per client address and per worker process
 * in a fixed-size hash table that lives in memory the caller provides (a
 * mapping every worker shares, see limits.c).  Linear probing on a keyed
 * hash, entries removed by shifting back (no tombstones), so the table never
 * degrades and never grows.
 *
 * Pure code: no I/O, no allocation, no locking (the caller locks).
 */
#ifndef WSB_CONNTAB_H
#define WSB_CONNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define CONNTAB_KEYLEN	16	/* an IPv6 address; IPv4 as ::ffff:a.b.c.d */

struct conntab_entry {
	uint8_t		key[CONNTAB_KEYLEN];	/* client address */
	uint16_t	slot;		/* the worker counting these */
	uint16_t	used;		/* 0: a free entry */
	uint32_t	conns;		/* connections from key in slot */
	uint32_t	requests;	/* of which not upgraded yet */
};

struct conntab {
	uint64_t	seed[2];	/* hash key: addresses are chosen by
					   clients, the layout must not be */
	uint32_t	size;		/* entries, a power of two */
	uint32_t	nused;		/* entries in use */
	struct conntab_entry e[];	/* size of them */
};

/*
 * conntab_bytes(size): the memory a table of size entries (a power of two,
 * at least 2) takes.
 */
size_t	conntab_bytes(uint32_t);

/*
 * conntab_init(t, size, seed): an empty table of size entries at t (which
 * has conntab_bytes(size) bytes), hashing with the 16-byte random seed.
 */
void	conntab_init(struct conntab *, uint32_t, const uint8_t *);

/*
 * conntab_capacity(t): how many entries may be in use at once; the rest
 * keeps probe sequences short.
 */
uint32_t conntab_capacity(const struct conntab *);

/*
 * conntab_key_sockaddr(sa, key): the key of a peer address: AF_INET and
 * AF_INET6 by address (an IPv4-mapped IPv6 address is its IPv4 one), every
 * other family (Unix sockets) as the one key "::".
 */
void	conntab_key_sockaddr(const struct sockaddr *, uint8_t *);

/*
 * conntab_key_text(addr, key): the same from an address in text (as a
 * proxy reports it).  Returns 0, or -1 when addr is not an IP address.
 */
int	conntab_key_text(const char *, uint8_t *);

/*
 * conntab_sum(t, key, conns, requests): the counts of key over every slot.
 */
void	conntab_sum(const struct conntab *, const uint8_t *, uint32_t *,
	    uint32_t *);

/*
 * conntab_add(t, key, slot, dconns, drequests): add to what slot counts for
 * key (negative to take away; a count never goes below 0).  An entry that
 * falls to nothing is removed.  Returns 0, or -1 when a new entry was needed
 * and the table is at its capacity (nothing changed).
 */
int	conntab_add(struct conntab *, const uint8_t *, uint16_t, int32_t,
	    int32_t);

/*
 * conntab_drop_slot(t, slot): forget everything slot counts (its process is
 * gone).  Returns how many connections that was.
 */
uint64_t conntab_drop_slot(struct conntab *, uint16_t);

/*
 * conntab_fits(limit, conns, requests): whether one more connection, in its
 * request phase, fits under limit (0: no limit) when conns are counted of
 * which requests are not upgraded yet: conns < limit and requests <
 * conntab_request_allowance(limit).
 */
bool	conntab_fits(uint32_t, uint32_t, uint32_t);

/*
 * conntab_request_allowance(limit): how many of limit connections may be in
 * the request phase at once: half, rounded up.
 */
uint32_t conntab_request_allowance(uint32_t);

#endif
