/*
 * main.c - turns the command line into a configuration, binds the
 * listeners, drops privileges and hands over to the worker (or master) loop;
 * decides the exit status: 0 clean, 1 runtime failure, 2 bad usage or a
 * configuration that cannot work (found before anything is bound).
 */
#include <malloc.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "netaddr.h"
#include "origin.h"
#include "tokenfile.h"
#include "config.h"
#include "quota.h"
#include "listen.h"
#include "log.h"
#include "preflight.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"

/*
 * --trust-proxy, --origin, --server-name and --token-file, checked before
 * anything runs.
 */
static int
front_door_setup(const struct config *cfg, struct server *srv, char *err,
    size_t errlen)
{
	size_t i, n = 0;

	for (i = 0; cfg->origins != NULL && cfg->origins[i] != NULL; i++)
		if (!origin_pattern_valid(cfg->origins[i])) {
			snprintf(err, errlen, "bad --origin '%s': expected "
			    "scheme://host[:port], host or *.domain",
			    cfg->origins[i]);
			return (-1);
		}
	for (i = 0; cfg->server_names != NULL && cfg->server_names[i] != NULL;
	    i++)
		if (!origin_name_valid(cfg->server_names[i])) {
			snprintf(err, errlen, "bad --server-name '%s': "
			    "expected a host name, *.domain or *",
			    cfg->server_names[i]);
			return (-1);
		}
	while (cfg->trust_proxy != NULL && cfg->trust_proxy[n] != NULL)
		n++;
	if (n > 0) {
		if ((srv->trusted = calloc(n, sizeof(*srv->trusted))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		for (i = 0; i < n; i++)
			if (netaddr_cidr_parse(cfg->trust_proxy[i],
			    &srv->trusted[i]) == -1) {
				snprintf(err, errlen, "bad --trust-proxy '%s': "
				    "expected an address or ADDR/BITS",
				    cfg->trust_proxy[i]);
				return (-1);
			}
		srv->ntrusted = n;
	}
	if (cfg->token_file != NULL) {
		if ((srv->tokenfile = calloc(1, sizeof(*srv->tokenfile))) ==
		    NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		if (tokenfile_open(srv->tokenfile, cfg->token_file, err,
		    errlen) == -1) {
			free(srv->tokenfile);
			srv->tokenfile = NULL;
			return (-1);
		}
	}
	return (0);
}


/* Release what main() set up in srv; the listeners are closed already. */
static void
server_free(struct server *srv)
{
	snapshot_release(srv->snap);
	srv->snap = NULL;
	free(srv->static_root);
	free(srv->trusted);
	if (srv->tokenfile != NULL) {
		tokenfile_free(srv->tokenfile);
		free(srv->tokenfile);
	}
}

/*
 * Programs reachable from other machines with no Origin policy: any web
 * page a user visits can open a WebSocket to them with the user's network
 * position (cross-site WebSocket hijacking).  Say so once.
 */
static void
warn_hijacking(const struct config *cfg, const struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	bool programs = target_is_program(&cfg->connect), exposed = false;
	size_t i;

	for (i = 0; i < cfg->nroutes; i++)
		programs |= target_is_program(&cfg->routes[i].target);
	if (!programs || cfg->origins != NULL || cfg->same_origin)
		return;
	for (i = 0; i < srv->nlisteners; i++) {
		len = sizeof(ss);
		if (getsockname(srv->listeners[i].fd, (struct sockaddr *)&ss,
		    &len) == -1)
			continue;
		if (ss.ss_family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)&ss;

			exposed |= (ntohl(s4->sin_addr.s_addr) >> 24) != 127;
		} else if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (const void *)&ss;

			exposed |= !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
		}
	}
	if (exposed)
		log_warnx("programs are reachable from other hosts and no "
		    "--origin or --same-origin is set: any web page a user "
		    "opens can connect to them through the user's browser "
		    "(cross-site WebSocket hijacking); set --origin");
}

/*
 * Each connection holds two descriptors: use what the hard limit allows
 * rather than the soft default of 1024.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * Started with descriptor 0, 1 or 2 closed, the first socket we open
 * would take its place: log lines (stderr) would go into it, and a
 * program would get it as its stdio.  Open /dev/null on each closed one,
 * before anything else is opened.
 */
static int
stdio_open(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor: this one. */
		if (open("/dev/null", O_RDWR) != fd)
			return (-1);
	}
	return (0);
}

/*
 * Everything the configuration names, loaded or checked before a socket is
 * bound: a configuration that cannot work is exit status 2, never a server
 * that says "listening" and answers 500.  Returns 0 or -1 with err.
 */
static int
server_setup(struct config *cfg, struct server *srv, char *err,
    size_t errlen)
{

	srv->cfg = cfg;
	if (preflight_check(cfg, err, errlen) == -1)
		return (-1);
	if (cfg->static_dir != NULL &&
	    (srv->static_root = realpath(cfg->static_dir, NULL)) == NULL) {
		snprintf(err, errlen, "--static %s: %s", cfg->static_dir,
		    strerror(errno));
		return (-1);
	}
	/* Certificates, users and tokens: problems are configuration
	 * errors, found now. */
	if (front_door_setup(cfg, srv, err, errlen) != 0 ||
	    (srv->snap = snapshot_load(cfg, srv->tokenfile, err,
	    errlen)) == NULL)
		return (-1);
	return (0);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server srv = { 0 };
	char err[512];
	int rc;

	if (stdio_open() == -1) {
		fprintf(stderr, "wsbridge: /dev/null: %s\n", strerror(errno));
		return (1);
	}
	if ((rc = config_parse(&cfg, argc, argv, err, sizeof(err))) != 0) {
		config_free(&cfg);
		if (rc == 1)
			return (0);
		fprintf(stderr, "wsbridge: %s\n", err);
		return (2);
	}
	log_set_level(cfg.log_level);
	log_set_time(cfg.log_time);
	raise_fd_limit();
	/* Large buffers straight from mmap: freeing them can never leave
	 * the heap fragmented (buf.c recycles the common ones anyway). */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	/* A peer that resets must cost one connection, never the process. */
	signal(SIGPIPE, SIG_IGN);

	if (server_setup(&cfg, &srv, err, sizeof(err)) == -1) {
		fprintf(stderr, "wsbridge: %s\n", err);
		server_free(&srv);
		config_free(&cfg);
		return (2);
	}
	if (cfg.check_only) {
		preflight_print(&cfg, stdout);
		server_free(&srv);
		config_free(&cfg);
		return (0);
	}
	if ((rc = listen_open(&srv, err, sizeof(err))) != 0) {
		if (rc == -2)
			fprintf(stderr, "wsbridge: %s\n", err);
		else
			log_errx("%s", err);
		server_free(&srv);
		config_free(&cfg);
		return (rc == -2 ? 2 : 1);
	}
	warn_hijacking(&cfg, &srv);
	/* Before any worker is forked: they all count in it. */
	if ((srv.quota = quota_new(&cfg, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		listen_close(&srv);
		server_free(&srv);
		config_free(&cfg);
		return (1);
	}
	if ((rc = privileges_drop(&cfg, err, sizeof(err))) != 0) {
		log_errx("%s", err);
		listen_close(&srv);
		quota_free(srv.quota);
		server_free(&srv);
		config_free(&cfg);
		return (rc);
	}
	rc = cfg.workers > 1 ? master_run(&srv) : worker_run(&srv);
	quota_free(srv.quota);
	server_free(&srv);
	buf_pool_drain();
	config_free(&cfg);
	return (rc);
}
