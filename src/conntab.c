/*
 * conntab.c - per-address connection counts in a fixed table: SipHash-2-4
 * keyed by a random seed, linear probing, backward-shift removal (Knuth's
 * algorithm R).  Pure: no I/O, no allocation, no locking.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "conntab.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return (v);
}

/* SipHash-2-4 of a 16-byte key. */
static uint32_t
hash(const struct conntab *t, const uint8_t *key)
{
	uint64_t k0 = t->seed[0], k1 = t->seed[1], m;
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)CONNTAB_KEYLEN << 56;
	int i;

	for (i = 0; i < CONNTAB_KEYLEN; i += 8) {
		m = le64(key + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return ((uint32_t)(v0 ^ v1 ^ v2 ^ v3));
}

size_t
conntab_bytes(uint32_t size)
{
	return (offsetof(struct conntab, e) +
	    (size_t)size * sizeof(struct conntab_entry));
}

void
conntab_init(struct conntab *t, uint32_t size, const uint8_t *seed)
{
	memset(t, 0, conntab_bytes(size));
	t->size = size;
	t->seed[0] = le64(seed);
	t->seed[1] = le64(seed + 8);
}

uint32_t
conntab_capacity(const struct conntab *t)
{
	/* Three quarters full at most: probe runs stay short. */
	return (t->size / 4 * 3);
}

void
conntab_key_sockaddr(const struct sockaddr *sa, uint8_t *key)
{
	memset(key, 0, CONNTAB_KEYLEN);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)(const void *)sa;

		key[10] = key[11] = 0xff;
		memcpy(key + 12, &sin->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)(const void *)sa;

		/* ::ffff:a.b.c.d is already the key of a.b.c.d */
		memcpy(key, &sin6->sin6_addr, CONNTAB_KEYLEN);
	}
}

int
conntab_key_text(const char *addr, uint8_t *key)
{
	memset(key, 0, CONNTAB_KEYLEN);
	if (inet_pton(AF_INET, addr, key + 12) == 1) {
		key[10] = key[11] = 0xff;
		return (0);
	}
	if (inet_pton(AF_INET6, addr, key) == 1)
		return (0);
	memset(key, 0, CONNTAB_KEYLEN);
	return (-1);
}

/* The entry of (key, slot), or size when there is none. */
static uint32_t
find(const struct conntab *t, const uint8_t *key, uint32_t h, uint16_t slot)
{
	uint32_t mask = t->size - 1, i;

	for (i = h & mask; t->e[i].used; i = (i + 1) & mask)
		if (t->e[i].slot == slot &&
		    memcmp(t->e[i].key, key, CONNTAB_KEYLEN) == 0)
			return (i);
	return (t->size);
}

void
conntab_sum(const struct conntab *t, const uint8_t *key, uint32_t *conns,
    uint32_t *requests)
{
	uint32_t mask = t->size - 1, i;

	*conns = *requests = 0;
	/* Every slot's entry for key lies in the run that starts at its
	 * hash: they all hash alike. */
	for (i = hash(t, key) & mask; t->e[i].used; i = (i + 1) & mask)
		if (memcmp(t->e[i].key, key, CONNTAB_KEYLEN) == 0) {
			*conns += t->e[i].conns;
			*requests += t->e[i].requests;
		}
}

/*
 * Empty entry i, and move back the entries after it that could no longer
 * be found: one whose home lies cyclically in (i, j] stays where it is.
 */
static void
remove_at(struct conntab *t, uint32_t i)
{
	uint32_t mask = t->size - 1, j = i, k;

	for (;;) {
		t->e[i].used = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!t->e[j].used) {
				t->nused--;
				return;
			}
			k = hash(t, t->e[j].key) & mask;
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->e[i] = t->e[j];
		i = j;
	}
}

static uint32_t
add_clamped(uint32_t v, int32_t d)
{
	if (d >= 0)
		return (v + (uint32_t)d);
	return ((uint32_t)-d >= v ? 0 : v - (uint32_t)-d);
}

int
conntab_add(struct conntab *t, const uint8_t *key, uint16_t slot,
    int32_t dconns, int32_t drequests)
{
	uint32_t mask = t->size - 1, h = hash(t, key), i;
	struct conntab_entry *e;

	if ((i = find(t, key, h, slot)) < t->size) {
		e = &t->e[i];
		e->conns = add_clamped(e->conns, dconns);
		e->requests = add_clamped(e->requests, drequests);
		if (e->conns == 0 && e->requests == 0)
			remove_at(t, i);
		return (0);
	}
	if (dconns <= 0 && drequests <= 0)
		return (0);
	if (t->nused >= conntab_capacity(t))
		return (-1);
	for (i = h & mask; t->e[i].used; i = (i + 1) & mask)
		;
	e = &t->e[i];
	memcpy(e->key, key, CONNTAB_KEYLEN);
	e->slot = slot;
	e->conns = add_clamped(0, dconns);
	e->requests = add_clamped(0, drequests);
	e->used = 1;
	t->nused++;
	return (0);
}

uint64_t
conntab_drop_slot(struct conntab *t, uint16_t slot)
{
	uint32_t mask = t->size - 1, start, n, i;
	uint64_t dropped = 0;

	/* Start after a free entry: no run is then seen in two pieces, and
	 * what a removal moves back lands where the walk has yet to look. */
	for (start = 0; start < t->size && t->e[start].used; start++)
		;
	if (start == t->size)
		start = 0;	/* never: the capacity leaves entries free */
	for (n = 0; n < t->size; ) {
		i = (start + 1 + n) & mask;
		if (t->e[i].used && t->e[i].slot == slot) {
			dropped += t->e[i].conns;
			remove_at(t, i);
			continue;	/* i may hold a moved entry now */
		}
		n++;
	}
	return (dropped);
}

uint32_t
conntab_request_allowance(uint32_t limit)
{
	return (limit / 2 + limit % 2);
}

bool
conntab_fits(uint32_t limit, uint32_t conns, uint32_t requests)
{
	if (limit == 0)
		return (true);
	return (conns < limit && requests < conntab_request_allowance(limit));
}
