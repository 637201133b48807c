/*
 * main.c - turns the command line into a configuration, binds the
 * listeners, drops privileges and hands over to the worker (or master) loop;
 * decides the exit status: 0 clean, 1 runtime failure, 2 bad usage.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "config.h"
#include "listen.h"
#include "log.h"
#include "server.h"
#include "tls.h"
#include "worker.h"

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server srv = { 0 };
	char err[256];
	int rc;

	if ((rc = config_parse(&cfg, argc, argv, err, sizeof(err))) != 0) {
		if (rc == 1)
			return (0);
		fprintf(stderr, "wsbridge: %s\n", err);
		config_free(&cfg);
		return (2);
	}
	log_set_level(cfg.log_level);
	/* Large buffers straight from mmap: freeing them can never leave
	 * the heap fragmented (buf.c recycles the common ones anyway). */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	/* A peer that resets must cost one connection, never the process. */
	signal(SIGPIPE, SIG_IGN);

	srv.cfg = &cfg;
	/* Certificate problems are configuration errors: found now. */
	if (cfg.tls_cert != NULL &&
	    (srv.tls_ctx = tls_ctx_new(&cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "wsbridge: %s\n", err);
		config_free(&cfg);
		return (2);
	}
	if ((rc = listen_open(&srv, err, sizeof(err))) != 0) {
		if (rc == -2)
			fprintf(stderr, "wsbridge: %s\n", err);
		else
			log_errx("%s", err);
		config_free(&cfg);
		return (rc == -2 ? 2 : 1);
	}
	if ((rc = privileges_drop(&cfg, err, sizeof(err))) != 0) {
		log_errx("%s", err);
		listen_close(&srv);
		config_free(&cfg);
		return (rc);
	}
	rc = cfg.workers > 1 ? master_run(&srv) : worker_run(&srv);
	SSL_CTX_free(srv.tls_ctx);
	buf_pool_drain();
	config_free(&cfg);
	return (rc);
}
