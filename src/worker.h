/*
 * worker.h - the processes: one worker runs one loop; with --workers N a
 * master forks N of them over the same listening sockets, forwards signals
 * and restarts a worker that dies.
 */
#ifndef WSB_WORKER_H
#define WSB_WORKER_H

#include <stddef.h>

struct server;

/*
 * worker_run(srv): serve srv's listeners on the default loop until a
 * SIGTERM/SIGINT drain ends.  Returns the exit status.
 */
int	worker_run(struct server *);

/* master_run(srv): fork srv->cfg->workers workers and supervise them. */
int	master_run(struct server *);

/*
 * privileges_drop(cfg, err, errlen): become --user (with its supplementary
 * groups) and --group, unless we are that user already.  Returns 0, 1 on a
 * failure to switch, or 2 when the user or group does not exist; err says
 * why.  preflight_check() has found both problems before binding.
 */
int	privileges_drop(const struct config *, char *, size_t);

#endif
