/*
 * quota.c - the server-wide connection and program counts: one anonymous
 * MAP_SHARED mapping, made before the workers are forked, holding the
 * totals, a slot per worker process and the per-address table (conntab.c),
 * all under one process-shared robust mutex held for a few hundred
 * instructions, with no I/O under it.  Refusals are returned, not
 * logged: the callers know what they mean.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>

#include "conntab.h"
#include "quota.h"
#include "log.h"

#define LIMITS_SLOTS	512	/* --workers at most 256: two generations */
#define TABLE_MIN	256	/* entries */
#define TABLE_MAX	(1u << 20)

struct slot {
	int		taken;		/* a process counts here */
	struct quota_counts n;		/* what it counts */
};

struct shared {
	pthread_mutex_t	lock;		/* robust, process-shared */
	struct quota_counts total;	/* the sum of the slots */
	struct slot	slot[LIMITS_SLOTS];
};

struct quota {
	struct shared	*sh;		/* the mapping */
	struct conntab	*table;		/* in it, after sh */
	size_t		len;		/* of the mapping */
	int		slot;		/* this process's, or -1 */
};

static const char WHY_CONNS[] = "--max-connections reached";
static const char WHY_CONNS_REQ[] =
    "--max-connections reached (requests under way)";
static const char WHY_IP[] = "--max-connections-per-ip reached";
static const char WHY_IP_REQ[] =
    "--max-connections-per-ip reached (requests under way)";
static const char WHY_FULL[] = "--max-connections-per-ip: address table full";

const char *
quota_explain(const char *why, const struct config *cfg, const char *addr,
    char *buf, size_t len)
{
	if (why == WHY_CONNS || why == WHY_CONNS_REQ)
		snprintf(buf, len, "--max-connections reached (%u%s)",
		    cfg->max_conns, why == WHY_CONNS_REQ ?
		    "; requests under way" : "");
	else if (why == WHY_IP || why == WHY_IP_REQ)
		snprintf(buf, len, "--max-connections-per-ip reached (%u from "
		    "%s%s)", cfg->max_conns_ip, addr, why == WHY_IP_REQ ?
		    "; requests under way" : "");
	else
		snprintf(buf, len, "%s", why);
	return (buf);
}

/* The totals made again from the slots. */
static void
recount(struct shared *sh)
{
	int i;

	memset(&sh->total, 0, sizeof(sh->total));
	for (i = 0; i < LIMITS_SLOTS; i++) {
		if (!sh->slot[i].taken)
			continue;
		sh->total.conns += sh->slot[i].n.conns;
		sh->total.requests += sh->slot[i].n.requests;
		sh->total.forks += sh->slot[i].n.forks;
	}
}

static void
lock(struct quota *l)
{
	int rc = pthread_mutex_lock(&l->sh->lock);

	if (rc == EOWNERDEAD) {
		/* A process died holding it, maybe half way through an
		 * update: the totals are made again from the slots, and its
		 * own slot is emptied when the master reaps it. */
		recount(l->sh);
		pthread_mutex_consistent(&l->sh->lock);
	} else if (rc != 0) {
		/* Only a bug of ours gets here. */
		log_errx("shared counters: lock: %s", strerror(rc));
		abort();
	}
}

static void
unlock(struct quota *l)
{
	pthread_mutex_unlock(&l->sh->lock);
}

static uint32_t
dec(uint32_t v)
{
	return (v > 0 ? v - 1 : 0);
}

/* Entries enough for every connection the descriptors allow. */
static uint32_t
table_size(const struct config *cfg)
{
	struct rlimit rl;
	uint64_t bound = (uint64_t)TABLE_MAX;
	uint32_t size = TABLE_MIN;

	if (cfg->max_conns > 0)
		bound = cfg->max_conns;
	else if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		bound = (uint64_t)rl.rlim_cur * 2 * cfg->workers;
	while (size < TABLE_MAX && (uint64_t)size / 4 * 3 < bound)
		size *= 2;
	return (size);
}

struct quota *
quota_new(const struct config *cfg, char *err, size_t errlen)
{
	pthread_mutexattr_t ma;
	struct quota *l;
	uint8_t seed[16];
	size_t off = (sizeof(struct shared) + 63) / 64 * 64;
	uint32_t size = table_size(cfg);
	void *p;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto err0;
	}
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		goto err1;
	}
	/* Pages are only used as entries are: reserve no swap for them. */
	l->len = off + conntab_bytes(size);
	p = mmap(NULL, l->len, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot map the shared counters: %s",
		    strerror(errno));
		goto err1;
	}
	l->sh = p;
	l->table = (struct conntab *)(void *)((char *)p + off);
	l->slot = -1;
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&l->sh->lock, &ma) != 0) {
		snprintf(err, errlen, "cannot make the shared counters' lock");
		goto err2;
	}
	pthread_mutexattr_destroy(&ma);
	conntab_init(l->table, size, seed);
	return (l);

err2:
	munmap(p, l->len);
err1:
	free(l);
err0:
	return (NULL);
}

void
quota_free(struct quota *l)
{
	if (l == NULL)
		return;
	munmap(l->sh, l->len);
	free(l);
}

int
quota_slot_new(struct quota *l)
{
	int i;

	lock(l);
	for (i = 0; i < LIMITS_SLOTS && l->sh->slot[i].taken; i++)
		;
	if (i < LIMITS_SLOTS) {
		memset(&l->sh->slot[i], 0, sizeof(l->sh->slot[i]));
		l->sh->slot[i].taken = 1;
	}
	unlock(l);
	return (i < LIMITS_SLOTS ? i : -1);
}

void
quota_slot_enter(struct quota *l, int slot)
{
	l->slot = slot;
}

int
quota_slot(const struct quota *l)
{
	return (l->slot);
}

void
quota_slot_free(struct quota *l, int slot, struct quota_counts *gone)
{
	struct slot *s;

	if (gone != NULL)
		memset(gone, 0, sizeof(*gone));
	if (slot < 0 || slot >= LIMITS_SLOTS)
		return;
	s = &l->sh->slot[slot];
	lock(l);
	if (gone != NULL)
		*gone = s->n;
	conntab_drop_slot(l->table, (uint16_t)slot);
	memset(s, 0, sizeof(*s));
	recount(l->sh);
	unlock(l);
}

const char *
quota_conn_admit(struct quota *l, const struct config *cfg,
    const struct sockaddr *sa, struct quota_ticket *t)
{
	struct shared *sh = l->sh;
	struct slot *s = &sh->slot[l->slot];
	uint32_t conns, requests;
	const char *why = NULL;

	memset(t, 0, sizeof(*t));
	if (sa != NULL && cfg->max_conns_ip > 0) {
		conntab_key_sockaddr(sa, t->key);
		t->keyed = true;
	}
	lock(l);
	if (!conntab_fits(cfg->max_conns, sh->total.conns,
	    sh->total.requests)) {
		why = sh->total.conns >= cfg->max_conns ? WHY_CONNS :
		    WHY_CONNS_REQ;
		goto out;
	}
	if (t->keyed) {
		conntab_sum(l->table, t->key, &conns, &requests);
		if (!conntab_fits(cfg->max_conns_ip, conns, requests)) {
			why = conns >= cfg->max_conns_ip ? WHY_IP : WHY_IP_REQ;
			goto out;
		}
		if (conntab_add(l->table, t->key, (uint16_t)l->slot, 1, 1) ==
		    -1) {
			why = WHY_FULL;
			goto out;
		}
	}
	s->n.conns++;
	s->n.requests++;
	sh->total.conns++;
	sh->total.requests++;
	t->counted = true;
out:
	unlock(l);
	if (why != NULL)
		t->keyed = false;
	return (why);
}

const char *
quota_conn_readdress(struct quota *l, const struct config *cfg,
    const uint8_t *key, struct quota_ticket *t)
{
	int32_t req = t->upgraded ? 0 : 1;
	uint32_t conns, requests;
	const char *why = NULL;

	if (!t->counted || cfg->max_conns_ip == 0 ||
	    (t->keyed && memcmp(t->key, key, CONNTAB_KEYLEN) == 0))
		return (NULL);
	lock(l);
	if (t->keyed)
		conntab_add(l->table, t->key, (uint16_t)l->slot, -1, -req);
	t->keyed = false;
	conntab_sum(l->table, key, &conns, &requests);
	if (!conntab_fits(cfg->max_conns_ip, conns, t->upgraded ? 0 :
	    requests))
		why = conns >= cfg->max_conns_ip ? WHY_IP : WHY_IP_REQ;
	else if (conntab_add(l->table, key, (uint16_t)l->slot, 1, req) == -1)
		why = WHY_FULL;
	else {
		memcpy(t->key, key, CONNTAB_KEYLEN);
		t->keyed = true;
	}
	unlock(l);
	return (why);
}

void
quota_conn_upgrade(struct quota *l, struct quota_ticket *t)
{
	struct shared *sh = l->sh;
	struct slot *s = &sh->slot[l->slot];

	if (!t->counted || t->upgraded)
		return;
	lock(l);
	s->n.requests = dec(s->n.requests);
	sh->total.requests = dec(sh->total.requests);
	if (t->keyed)
		conntab_add(l->table, t->key, (uint16_t)l->slot, 0, -1);
	unlock(l);
	t->upgraded = true;
}

void
quota_conn_release(struct quota *l, struct quota_ticket *t)
{
	struct shared *sh = l->sh;
	struct slot *s = &sh->slot[l->slot];
	int32_t req = t->upgraded ? 0 : 1;

	if (!t->counted)
		return;
	lock(l);
	s->n.conns = dec(s->n.conns);
	sh->total.conns = dec(sh->total.conns);
	if (req) {
		s->n.requests = dec(s->n.requests);
		sh->total.requests = dec(sh->total.requests);
	}
	if (t->keyed)
		conntab_add(l->table, t->key, (uint16_t)l->slot, -1, -req);
	unlock(l);
	t->counted = t->keyed = false;
}

int
quota_fork_take(struct quota *l, const struct config *cfg)
{
	struct shared *sh = l->sh;
	int rc = -1;

	lock(l);
	if (cfg->max_forks == 0 || sh->total.forks < cfg->max_forks) {
		sh->slot[l->slot].n.forks++;
		sh->total.forks++;
		rc = 0;
	}
	unlock(l);
	return (rc);
}

void
quota_fork_put(struct quota *l)
{
	struct shared *sh = l->sh;

	lock(l);
	sh->slot[l->slot].n.forks = dec(sh->slot[l->slot].n.forks);
	sh->total.forks = dec(sh->total.forks);
	unlock(l);
}
