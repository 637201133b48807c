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
#include "tokenfile.h"
#include "config.h"
#include "generation.h"
#include "quota.h"
#include "listen.h"
#include "log.h"
#include "preflight.h"
#include "server.h"
#include "snapshot.h"
#include "worker.h"

/* --token-file: its watch is the server's, for as long as it runs. */
static int
token_setup(const struct config *cfg, struct server *srv, char *err,
    size_t errlen)
{
	if (cfg->token_file == NULL)
		return (0);
	if ((srv->tokenfile = calloc(1, sizeof(*srv->tokenfile))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (tokenfile_open(srv->tokenfile, cfg->token_file, err, errlen) ==
	    -1) {
		free(srv->tokenfile);
		srv->tokenfile = NULL;
		return (-1);
	}
	return (0);
}


/* Release what main() set up in srv; the listeners are closed already. */
static void
server_free(struct server *srv)
{
	snapshot_release(srv->snap);
	srv->snap = NULL;
	srv->cfg = NULL;
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
 * that says "listening" and answers 500.  The first generation takes cfg's
 * contents.  Returns 0 or -1 with err.
 */
static int
server_setup(struct config *cfg, struct server *srv, char *err,
    size_t errlen)
{
	struct generation *gen;
	struct snapshot *snap;

	if ((gen = generation_new(cfg, err, errlen)) == NULL)
		return (-1);
	/* Certificates, users and tokens: problems are configuration
	 * errors, found now. */
	if (token_setup(&gen->cfg, srv, err, errlen) == -1 ||
	    (snap = snapshot_load(gen, srv->tokenfile, err, errlen)) ==
	    NULL) {
		generation_release(gen);
		return (-1);
	}
	generation_release(gen);	/* snap holds it */
	server_install(srv, snap);
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

	/* Read again on SIGHUP, with the --config file. */
	srv.argc = argc;
	srv.argv = argv;
	if (server_setup(&cfg, &srv, err, sizeof(err)) == -1) {
		fprintf(stderr, "wsbridge: %s\n", err);
		server_free(&srv);
		return (2);
	}
	if (srv.cfg->check_only) {
		preflight_print(srv.cfg, stdout);
		server_free(&srv);
		return (0);
	}
	if ((rc = listen_open(&srv, err, sizeof(err))) != 0) {
		if (rc == -2)
			fprintf(stderr, "wsbridge: %s\n", err);
		else
			log_errx("%s", err);
		server_free(&srv);
		return (rc == -2 ? 2 : 1);
	}
	warn_hijacking(srv.cfg, &srv);
	/* Before any worker is forked: they all count in it. */
	if ((srv.quota = quota_new(srv.cfg, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		listen_close(&srv);
		server_free(&srv);
		return (1);
	}
	if ((rc = privileges_drop(srv.cfg, err, sizeof(err))) != 0) {
		log_errx("%s", err);
		listen_close(&srv);
		quota_free(srv.quota);
		server_free(&srv);
		return (rc);
	}
	rc = srv.cfg->workers > 1 ? master_run(&srv) : worker_run(&srv);
	quota_free(srv.quota);
	server_free(&srv);
	buf_pool_drain();
	return (rc);
}
