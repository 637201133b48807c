/*
 * server.c - what belongs to one process's server object rather than to a
 * connection: the current reloadable snapshot and its configuration
 * generation, the baseline of its descriptor count, and telling a draining
 * server when its last connection and program are gone.  Called from below
 * (connections, programs); it calls nothing above it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <ev.h>

#include "frontdoor.h"
#include "generation.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "tokenfile.h"

void
server_conn_gone(struct server *srv)
{
	if (srv->draining && srv->nconns == 0 && srv->norphans == 0)
		ev_break(srv->loop, EVBREAK_ALL);
}

/*
 * How many descriptors are open: the entries of /proc/self/fd but the
 * directory's own, or else each number below limit asked about (up to
 * FDS_SCAN_MAX: at start-up what is open has low numbers).
 */
#define FDS_SCAN_MAX	65536

static unsigned
fds_open(long limit)
{
	struct dirent *e;
	unsigned n = 0;
	long fd;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				n++;
		closedir(d);
		return (n > 0 ? n - 1 : 0);
	}
	for (fd = 0; fd < limit && fd < FDS_SCAN_MAX; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return (n);
}

/*
 * What is not counted beyond the baseline: the password-check threads
 * open nothing (crypt(3) works in memory), lookups are counted by
 * resolve.c, and what opens for a moment (a reload's files) falls in
 * FDBUDGET_RESERVE.
 */
void
server_fds_start(struct server *srv)
{
	struct rlimit rl;
	long limit = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (long)rl.rlim_cur;
	fdbudget_init(&srv->fds, limit, fds_open(limit));
	if (frontdoor_spawns_programs(srv->cfg))
		fdbudget_programs(&srv->fds);
	log_debug("descriptors: %u open before accepting, limit %ld",
	    srv->fds.base, limit);
}

void
server_install(struct server *srv, struct snapshot *snap)
{
	struct snapshot *old = srv->snap;

	/* Connections hold their own references: nothing they read goes. */
	srv->snap = snap;
	/* A configuration that may start programs budgets their pipes. */
	if (frontdoor_spawns_programs(snap->cfg))
		fdbudget_programs(&srv->fds);
	srv->cfg = snap->cfg;
	srv->static_root = snap->gen->static_root;
	srv->trusted = snap->gen->trusted;
	srv->ntrusted = snap->gen->ntrusted;
	snapshot_release(old);
}

/*
 * The command line and --config file parsed and checked again, as the
 * next generation; NULL (logged, as role says) when it cannot work.
 */
static struct generation *
config_load(struct server *srv, enum server_role role)
{
	const struct config *cur = srv->cfg;
	struct generation *g;
	struct config fresh;
	char err[512], changed[160];

	if (config_reparse(&fresh, srv->argc, srv->argv, err,
	    sizeof(err)) == -1)
		goto refused;
	if (generation_keep_restart(&fresh, cur, changed,
	    sizeof(changed)) == -1) {
		config_free(&fresh);
		snprintf(err, sizeof(err), "out of memory");
		goto refused;
	}
	/* It takes fresh, good or bad. */
	if ((g = generation_new(&fresh, err, sizeof(err))) == NULL)
		goto refused;
	if (changed[0] != '\0' && role != SERVER_WORKER)
		log_warnx("SIGHUP: %s changed: kept as it was until a "
		    "restart", changed);
	return (g);

refused:
	config_free(&fresh);
	/* Under a master, the master said so already. */
	if (role == SERVER_WORKER)
		log_debug("SIGHUP: configuration refused, keeping the old "
		    "one: %s", err);
	else
		log_warnx("SIGHUP: configuration refused, keeping the old "
		    "one: %s", err);
	return (NULL);
}

void
server_reload(struct server *srv, unsigned parts, enum server_role role)
{
	struct generation *cur = srv->snap->gen, *gen = NULL;
	struct snapshot *fresh;

	/* Without a new configuration the snapshot keeps the current one. */
	if ((parts & SNAPSHOT_CONFIG) == 0 ||
	    (gen = config_load(srv, role)) == NULL)
		gen = generation_hold(cur);
	if ((fresh = snapshot_reload(srv->snap, gen, srv->tokenfile, parts,
	    role == SERVER_MASTER)) == NULL) {
		generation_release(gen);
		return;
	}
	if (gen != cur) {
		generation_succeed(cur, gen);
		log_set_level(gen->cfg.log_level);
		log_set_time(gen->cfg.log_time);
		if (role != SERVER_WORKER)
			log_info("SIGHUP: configuration %u loaded",
			    gen->number);
	}
	generation_release(gen);	/* fresh holds it */
	server_install(srv, fresh);
}

struct snapshot *
server_snapshot(struct server *srv)
{
	if (srv->tokenfile != NULL &&
	    tokenfile_changed(srv->tokenfile, ev_now(srv->loop)))
		server_reload(srv, SNAPSHOT_TOKENS, SERVER_ALONE);
	return (srv->snap);
}
