/*
 * conn_phase.c - the one place a connection's phase and its timer change:
 * entering a phase (with that phase's deadline), starting the close
 * handshake, finishing the client side, giving back the descriptors it
 * holds.  The request and data paths call down into it; it calls nothing
 * above it and starts no I/O watcher.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"
#include "conn_int.h"

void
conn_set_timer(struct conn *c, double secs)
{
	ev_timer_stop(c->srv->loop, &c->timer);
	ev_timer_set(&c->timer, secs, 0.);
	ev_timer_start(c->srv->loop, &c->timer);
}

void
conn_enter(struct conn *c, enum conn_state state, double secs)
{
	c->state = state;
	if (secs == CONN_TIMER_OFF)
		ev_timer_stop(c->srv->loop, &c->timer);
	else if (secs >= 0)
		conn_set_timer(c, secs);
}

/* Backend bytes will not reach the client: keep the frame under way. */
void
conn_drop_frombe(struct conn *c)
{
	bridge_cut(&c->br, BRIDGE_CLIENT, c->out_hdr_len > 0 &&
	    c->out_scratch == NULL ?
	    c->out_pl_left + c->out_skip : 0);
}

/*
 * Start the close handshake: our close frame goes out after the frame being
 * written, and, with drain, after what the backend already sent.
 */
void
conn_begin_close(struct conn *c, uint16_t code, const char *reason, bool drain,
    const char *by)
{

	if (c->close_queued || conn_client_gone(c) ||
	    c->state == CONN_CLOSING)
		return;
	conn_enter(c, CONN_CLOSING, c->snap->cfg->close_timeout);
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	if (c->closed_by == NULL)
		c->closed_by = by;
	log_debug("#%" PRIu64 " closing: code=%u by=%s reason=%s%s", c->id,
	    code, c->closed_by, reason[0] != '\0' ? reason : "-",
	    drain ? ", backend output first" : "");
	if (drain)
		pipe_source_ended(&c->br.down);
	else
		conn_drop_frombe(c);
}

void
conn_protocol_error(struct conn *c, uint16_t code, const char *reason)
{
	log_debug("#%" PRIu64 " protocol error: %s", c->id, reason);
	bridge_read_done(&c->br, BRIDGE_CLIENT);
	buf_free(&c->rx);
	if (c->state == CONN_CLOSING && c->close_code == 0)
		c->close_code = code;
	conn_begin_close(c, code, reason, false, "server");
}

void
conn_client_close(struct conn *c)
{
	bool held = c->t.fd != -1;

	transport_close(&c->t);
	if (held)
		fdbudget_give(&c->srv->fds, 1);
}

void
conn_file_close(struct conn *c)
{
	c->file_mem = NULL;
	if (c->file_fd == -1)
		return;
	close(c->file_fd);
	c->file_fd = -1;
	fdbudget_give(&c->srv->fds, 1);
}

/* The client side is finished: its socket is closed, its output dropped. */
void
conn_client_finish(struct conn *c)
{
	if (conn_client_gone(c))
		return;
	log_debug("#%" PRIu64 " client socket closed", c->id);
	ev_io_stop(c->srv->loop, &c->crio);
	ev_io_stop(c->srv->loop, &c->cwio);
	conn_client_close(c);
	/* What it sent still goes to the backend; what waits for it is
	 * dropped. */
	bridge_gone(&c->br, BRIDGE_CLIENT);
	buf_free(&c->rx);
	buf_free(&c->wire);
	free(c->out_scratch);
	c->out_scratch = NULL;
	c->out_hdr_len = 0;
	if (c->closed_by == NULL) {
		/* Gone without a close frame. */
		c->closed_by = "client";
		c->close_code = WS_CLOSE_ABNORMAL;
	}
	/* Bound the time the backend gets to take the rest. */
	if (c->state == CONN_OPEN)
		conn_enter(c, CONN_CLOSING, c->snap->cfg->close_timeout);
}
