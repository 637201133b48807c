/*
 * throttle.c - the per-address failed-login table.  Pure: no I/O, no
 * clock (the caller passes the time), no allocation past init.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "throttle.h"

#define PROBE	8		/* slots an address may use */

int
throttle_init(struct throttle *t, size_t nslots, unsigned max, double window,
    uint64_t seed)
{
	memset(t, 0, sizeof(*t));
	if (nslots == 0 || (t->slots = calloc(nslots, sizeof(*t->slots))) ==
	    NULL)
		return (-1);
	t->nslots = nslots;
	t->max = max;
	t->window = window;
	t->seed = seed;
	return (0);
}

void
throttle_free(struct throttle *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/*
 * The key: family and address, IPv6 cut to its /64; else one key.  An
 * IPv4-mapped address (::ffff:a.b.c.d, how a dual-stack listener sees
 * IPv4 clients) is keyed as the IPv4 address: its /64 is every IPv4
 * client at once.
 */
static void
make_key(const char *addr, uint8_t key[THROTTLE_KEY])
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	memset(key, 0, THROTTLE_KEY);
	if (inet_pton(AF_INET, addr, key + 1) == 1)
		key[0] = 4;
	else if (inet_pton(AF_INET6, addr, key + 1) == 1) {
		if (memcmp(key + 1, mapped, sizeof(mapped)) == 0) {
			key[0] = 4;
			memmove(key + 1, key + 1 + 12, 4);
			memset(key + 1 + 4, 0, 12);
			return;
		}
		key[0] = 6;
		memset(key + 1 + 8, 0, 8);
	}
}

static size_t
slot_of(const struct throttle *t, const uint8_t key[THROTTLE_KEY])
{
	uint64_t h = 1469598103934665603ULL ^ t->seed;
	size_t i;

	for (i = 0; i < THROTTLE_KEY; i++)
		h = (h ^ key[i]) * 1099511628211ULL;
	h ^= h >> 29;
	return ((size_t)(h % t->nslots));
}

/* addr's entry, or NULL; with make, a new one (evicting if need be). */
static struct throttle_entry *
find(struct throttle *t, const char *addr, double now, bool make)
{
	uint8_t key[THROTTLE_KEY];
	struct throttle_entry *e, *victim = NULL;
	size_t start, i, n = t->nslots < PROBE ? t->nslots : PROBE;

	make_key(addr, key);
	start = slot_of(t, key);
	for (i = 0; i < n; i++) {
		e = &t->slots[(start + i) % t->nslots];
		if (e->used && memcmp(e->key, key, THROTTLE_KEY) == 0) {
			e->last = now;
			return (e);
		}
		if (victim == NULL || (victim->used && (!e->used ||
		    e->last < victim->last)))
			victim = e;
	}
	if (!make)
		return (NULL);
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->key, key, THROTTLE_KEY);
	victim->used = true;
	victim->last = now;
	return (victim);
}

/* Forget what is over: an ended block, failures of a past window. */
static void
expire(const struct throttle *t, struct throttle_entry *e, double now)
{
	if (e->until != 0 && now >= e->until)
		e->until = 0;
	if (e->failures > 0 && now - e->first >= t->window)
		e->failures = 0;
}

unsigned
throttle_wait(struct throttle *t, const char *addr, double now)
{
	struct throttle_entry *e;
	double left;

	if (t->max == 0 || (e = find(t, addr, now, false)) == NULL)
		return (0);
	expire(t, e, now);
	if (e->until != 0) {
		left = e->until - now;
		return (left < 1. ? 1 : (unsigned)(left + 0.999));
	}
	/* Enough guesses in flight to reach the limit: wait for them. */
	return (e->failures + e->pending >= t->max ? 1 : 0);
}

void
throttle_begin(struct throttle *t, const char *addr, double now)
{
	struct throttle_entry *e;

	if (t->max > 0 && (e = find(t, addr, now, true)) != NULL)
		e->pending++;
}

bool
throttle_end(struct throttle *t, const char *addr, double now, bool ok)
{
	struct throttle_entry *e;

	if (t->max == 0 || (e = find(t, addr, now, !ok)) == NULL)
		return (false);
	if (e->pending > 0)
		e->pending--;
	if (ok)
		return (false);
	expire(t, e, now);
	if (e->until != 0)
		return (false);
	if (e->failures++ == 0)
		e->first = now;
	if (e->failures < t->max)
		return (false);
	e->failures = 0;
	e->until = now + t->window;
	return (true);
}
