/*
 * limits.h - --max-connections, --max-connections-per-ip and --max-forks for
 * the whole server, however many worker processes share the listeners.  The
 * counts live in one shared mapping made before any worker is forked; each
 * worker counts in a slot of its own, which the master empties when that
 * worker exits, so a worker that dies leaves nothing counted behind.
 */
#ifndef WSB_LIMITS_H
#define WSB_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "conntab.h"

struct limits;

/* What one connection holds: kept in the connection, given back once. */
struct limits_ticket {
	uint8_t		key[CONNTAB_KEYLEN];	/* address counted under */
	bool		counted;	/* in the server's counts */
	bool		keyed;		/* and in key's */
	bool		upgraded;	/* out of the request phase */
};

/* The counts of one worker's slot, or of the whole server. */
struct limits_counts {
	uint32_t	conns;		/* accepted and not yet closed */
	uint32_t	requests;	/* of which not upgraded */
	uint32_t	forks;		/* programs running */
};

/*
 * limits_new(cfg, err, errlen): the shared counts, mapped now so that every
 * worker forked later shares them.  The address table is sized for what
 * the descriptor limit (or --max-connections) allows, so it never fills
 * before descriptors run out.  NULL with err set on failure.
 */
struct limits *limits_new(const struct config *, char *, size_t);

/* limits_free(l): unmap (in the process that is the last to use them). */
void	limits_free(struct limits *);

/*
 * limits_slot_new(l): a free slot for a worker about to be forked (or for
 * the one process when there are no workers).  Returns it, or -1 when
 * every slot is taken (twice as many as --workers allows).
 */
int	limits_slot_new(struct limits *);

/* limits_slot_enter(l, slot): this process counts in slot from now on. */
void	limits_slot_enter(struct limits *, int);

/* limits_slot(l): the slot this process counts in, or -1. */
int	limits_slot(const struct limits *);

/*
 * limits_slot_free(l, slot, gone): slot's process has exited: what it still
 * counted leaves the server's counts (gone, unless NULL, says how much) and
 * the slot is free for another.
 */
void	limits_slot_free(struct limits *, int, struct limits_counts *);

/*
 * limits_conn_admit(l, cfg, sa, t): count a connection just accepted,
 * under its peer address sa, or under no address yet when sa is NULL (a
 * PROXY header or a trusted proxy will say whose it is).  Returns NULL with
 * t filled in, or why it does not fit (t counts nothing then):
 * --max-connections or --max-connections-per-ip reached, or their request
 * phase allowance, half of each, taken.
 */
const char *limits_conn_admit(struct limits *, const struct config *,
	    const struct sockaddr *, struct limits_ticket *);

/*
 * limits_conn_readdress(l, cfg, key, t): the connection is from key after
 * all (a PROXY header, X-Forwarded-For): count it there instead.  Returns
 * NULL, or why it does not fit there (it is then counted under no address).
 * Nothing changes without --max-connections-per-ip.
 */
const char *limits_conn_readdress(struct limits *, const struct config *,
	    const uint8_t *, struct limits_ticket *);

/* limits_conn_upgrade(l, t): the connection leaves the request phase. */
void	limits_conn_upgrade(struct limits *, struct limits_ticket *);

/* limits_conn_release(l, t): the connection is gone; twice is harmless. */
void	limits_conn_release(struct limits *, struct limits_ticket *);

/*
 * limits_fork_take(l, cfg): count one more program, unless --max-forks are
 * running already.  Returns 0, or -1 at the limit.
 */
int	limits_fork_take(struct limits *, const struct config *);

/* limits_fork_put(l): a program counted by limits_fork_take() is gone. */
void	limits_fork_put(struct limits *);

#endif
