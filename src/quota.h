/*
 * quota.h - --max-connections, --max-connections-per-ip and --max-forks for
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

struct quota;

/* What one connection holds: kept in the connection, given back once. */
struct quota_ticket {
	uint8_t		key[CONNTAB_KEYLEN];	/* address counted under */
	bool		counted;	/* in the server's counts */
	bool		keyed;		/* and in key's */
	bool		upgraded;	/* out of the request phase */
};

/* The counts of one worker's slot, or of the whole server. */
struct quota_counts {
	uint32_t	conns;		/* accepted and not yet closed */
	uint32_t	requests;	/* of which not upgraded */
	uint32_t	forks;		/* programs running */
};

/*
 * quota_new(cfg, err, errlen): the shared counts, mapped now so that every
 * worker forked later shares them.  The address table is sized for what
 * the descriptor limit (or --max-connections) allows, so it never fills
 * before descriptors run out.  NULL with err set on failure.
 */
struct quota *quota_new(const struct config *, char *, size_t);

/* quota_free(l): unmap (in the process that is the last to use them). */
void	quota_free(struct quota *);

/*
 * quota_slot_new(l): a free slot for a worker about to be forked (or for
 * the one process when there are no workers).  Returns it, or -1 when
 * every slot is taken (twice as many as --workers allows).
 */
int	quota_slot_new(struct quota *);

/* quota_slot_enter(l, slot): this process counts in slot from now on. */
void	quota_slot_enter(struct quota *, int);

/* quota_slot(l): the slot this process counts in, or -1. */
int	quota_slot(const struct quota *);

/*
 * quota_slot_free(l, slot, gone): slot's process has exited: what it still
 * counted leaves the server's counts (gone, unless NULL, says how much) and
 * the slot is free for another.
 */
void	quota_slot_free(struct quota *, int, struct quota_counts *);

/*
 * quota_conn_admit(l, cfg, sa, t): count a connection just accepted,
 * under its peer address sa, or under no address yet when sa is NULL (a
 * PROXY header or a trusted proxy will say whose it is).  Returns NULL with
 * t filled in, or why it does not fit (t counts nothing then):
 * --max-connections or --max-connections-per-ip reached, or their request
 * phase allowance, half of each, taken.
 */
const char *quota_conn_admit(struct quota *, const struct config *,
	    const struct sockaddr *, struct quota_ticket *);

/*
 * quota_explain(why, cfg, addr, buf, len): a reason quota_conn_admit() or
 * quota_conn_readdress() gave, for the log line: with the limit's value and,
 * per address, the address (addr); other reasons as they are.  Returns buf.
 */
const char *quota_explain(const char *, const struct config *, const char *,
	    char *, size_t);

/*
 * quota_conn_readdress(l, cfg, key, t): the connection is from key after
 * all (a PROXY header, X-Forwarded-For): count it there instead.  Returns
 * NULL, or why it does not fit there (it is then counted under no address).
 * Nothing changes without --max-connections-per-ip.
 */
const char *quota_conn_readdress(struct quota *, const struct config *,
	    const uint8_t *, struct quota_ticket *);

/* quota_conn_upgrade(l, t): the connection leaves the request phase. */
void	quota_conn_upgrade(struct quota *, struct quota_ticket *);

/* quota_conn_release(l, t): the connection is gone; twice is harmless. */
void	quota_conn_release(struct quota *, struct quota_ticket *);

/*
 * quota_fork_take(l, cfg): count one more program, unless --max-forks are
 * running already.  Returns 0, or -1 at the limit.
 */
int	quota_fork_take(struct quota *, const struct config *);

/* quota_fork_put(l): a program counted by quota_fork_take() is gone. */
void	quota_fork_put(struct quota *);

#endif
