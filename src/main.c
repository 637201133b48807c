/*
 * main.c - turns the command line into a configuration, opens the listeners
 * and runs the loop; decides the exit status (0 clean, 1 runtime failure,
 * 2 bad usage).  Signals arrive through the loop, never in a raw handler.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <ev.h>

#include "config.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "resolve.h"
#include "server.h"

static void
drain_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct server *srv = ev_userdata(loop);

	(void)w;
	(void)revents;
	log_info("shutdown grace period over: dropping %u connection(s)",
	    srv->nconns);
	while (srv->conns != NULL)
		conn_abort(srv->conns);
	ev_break(loop, EVBREAK_ALL);
}

static ev_timer drain_timer;

static void
stop_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *srv = ev_userdata(loop);
	struct conn *c, *next;

	(void)revents;
	if (srv->draining) {
		log_info("signal %d again: exiting now", w->signum);
		drain_timeout_cb(loop, &drain_timer, 0);
		return;
	}
	log_info("signal %d: shutting down, %u connection(s) open",
	    w->signum, srv->nconns);
	srv->draining = true;
	listen_close(srv);
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_shutdown(c);
	}
	if (srv->nconns == 0) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	ev_timer_init(&drain_timer, drain_timeout_cb, srv->cfg->shutdown_grace,
	    0.);
	ev_timer_start(loop, &drain_timer);
}

void
server_conn_gone(struct server *srv)
{
	if (srv->draining && srv->nconns == 0)
		ev_break(srv->loop, EVBREAK_ALL);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server srv = { 0 };
	ev_signal sigint, sigterm;
	char err[256];
	int rc;

	if ((rc = config_parse(&cfg, argc, argv, err, sizeof(err))) != 0) {
		if (rc == 1)
			return (0);
		fprintf(stderr, "wsbridge: %s\n", err);
		return (2);
	}
	log_set_level(cfg.log_level);
	/* A peer that resets must cost one connection, never the process. */
	signal(SIGPIPE, SIG_IGN);

	if ((srv.loop = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("cannot initialise the event loop");
		return (1);
	}
	ev_set_userdata(srv.loop, &srv);
	srv.cfg = &cfg;
	if (resolve_init(srv.loop) == -1) {
		log_errx("cannot start the resolver");
		return (1);
	}
	if (listen_open(&srv, err, sizeof(err)) == -1) {
		log_errx("%s", err);
		config_free(&cfg);
		return (1);
	}
	ev_signal_init(&sigint, stop_signal_cb, SIGINT);
	ev_signal_init(&sigterm, stop_signal_cb, SIGTERM);
	ev_signal_start(srv.loop, &sigint);
	ev_signal_start(srv.loop, &sigterm);
	listen_start(&srv);

	ev_run(srv.loop, 0);

	log_info("exiting");
	resolve_fini();
	listen_close(&srv);
	config_free(&cfg);
	return (0);
}
