/*
 * conn.h - one client connection: an explicit state machine that owns its
 * client socket, its backend, its watchers, timer and buffers, and moves
 * bytes between the two sides with bounded memory.
 */
#ifndef WSB_CONN_H
#define WSB_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ev.h>

#include "b64.h"
#include "backend.h"
#include "bridge.h"
#include "buf.h"
#include "handshake.h"
#include "quota.h"
#include "pmd.h"
#include "transport.h"
#include "utf8.h"
#include "ws_msg.h"
#include "ws_recv.h"

struct server;
struct auth_attempt;
struct authpool_job;

/* permessage-deflate state, allocated when it is negotiated. */
struct conn_pmd {
	struct pmd_params params;
	struct pmd_inflate inf;
	struct pmd_deflate def;
};

/* Every per-connection buffer size is set here (see docs on memory). */
#define CONN_RX_SIZE	BUF_POOL_SIZE	/* client bytes not yet parsed */
#define CONN_TOBE_SIZE	BUF_POOL_SIZE	/* payload waiting for the backend */
#define CONN_FROMBE_SIZE BUF_POOL_SIZE	/* backend bytes waiting to go out */
#define CONN_WIRE_SIZE	8192		/* HTTP replies and control frames */
#define CONN_B64_CHUNK	(48 * 1024)	/* raw bytes per base64 frame */

#define CONN_MAGIC	0x77736263	/* "wsbc" */

enum conn_state {
	CONN_HANDSHAKE,		/* reading the request head */
	CONN_CONNECTING,	/* head accepted; backend being reached */
	CONN_OPEN,		/* 101 sent: data flows both ways */
	CONN_CLOSING,		/* close handshake under way */
	CONN_HTTP_ERROR,	/* sending an HTTP error reply */
	CONN_HTTP_RESPONSE,	/* sending a file; then the next request */
	CONN_LINGER		/* all sent and SHUT_WR: reading to EOF */
};

/*
 * The client socket's reading, in the only order it goes; once it is
 * closed the bridge's client side is gone (c->br).
 */
enum conn_client {
	CLIENT_OPEN,		/* reading and writing */
	CLIENT_EOF,		/* sent EOF or failed: what it sent is still
				   processed, what is owed it still sent */
	CLIENT_GONE		/* went away while not read: finish now */
};

struct conn {
	uint32_t	magic;		/* CONN_MAGIC while alive */
	enum conn_state	state;
	struct server	*srv;
	struct snapshot	*snap;		/* users, tokens, TLS context as they
					   were at accept: pinned, so a reload
					   frees nothing read here */
	uint64_t	id;		/* for the log */
	struct conn	*prev, *next;	/* srv->conns */

	struct transport t;		/* client byte stream */
	ev_io		crio;		/* client readable */
	ev_io		cwio;		/* client writable */
	ev_timer	timer;		/* the current phase's deadline */
	struct backend	be;		/* the other side */

	struct buf	rx;		/* client → us: head, then frames */
	struct bridge	br;		/* up: decoded payload → backend;
					   down: backend → client, unframed;
					   and how far each side is */
	struct buf	wire;		/* ready bytes: HTTP, control frames */

	struct ws_recv	recv;		/* client frames → backend bytes */
	enum hs_subproto proto;		/* negotiated subprotocol */
	unsigned short	tty_cols;	/* a terminal's size as we set it */
	unsigned short	tty_rows;
	bool		tty_paused;	/* ttyd's pause: the terminal is not
					   read until its resume */
	bool		ttyd_started;	/* ttyd's first JSON message came */

	/* The outbound data frame being written, if out_hdr_len > 0. */
	uint8_t		out_hdr[WS_HEADER_MAX + 1]; /* and ttyd's '0' */
	size_t		out_hdr_len;
	size_t		out_hdr_off;	/* header bytes written */
	size_t		out_pl_left;	/* payload bytes still to write */
	uint8_t		*out_scratch;	/* encoded payload, or NULL: the down pipe */
	size_t		out_scratch_off;
	size_t		out_skip;	/* down-pipe bytes to drop after it (the
					   line end in line mode) */
	bool		out_continuing;	/* a fragmented message is open */
	bool		lines;		/* a line is a message, each way */

	/* Close handshake. */
	bool		close_queued;	/* our close frame is in wire */
	uint16_t	close_code;	/* what we send (or log) */
	char		close_reason[64];
	const char	*closed_by;	/* "client", "server", "backend" */

	bool		echo_empty;	/* our close has no payload (1005) */
	enum conn_client client;	/* how far the client socket is */
	bool		client_blocked;	/* not read: its buffer is full */
	bool		rx_wants_backend; /* parsing waits for backend room */
	bool		logged_open;	/* the open line was logged */
	bool		tls;		/* the client speaks TLS */
	bool		forwarded_tls;	/* a trusted proxy ended TLS for it */
	bool		keep_alive;	/* plain HTTP: another request may come */
	bool		head_only;	/* HEAD: answers carry no body */
	struct http_scan head_scan;	/* how far the search for the end of
					   the request head got */
	bool		proxy_pending;	/* a PROXY header is still to come */
	struct buf	proxybuf;	/* its bytes so far */
	const char	*user;		/* Basic auth user (in snap's users) */
	struct auth_attempt *auth_att;	/* the request's password, checked */
	struct authpool_job *auth_job;	/* while its check runs, or NULL */
	int		auth_verdict;	/* then: 1 it matched, -1 it did not */
	void		(*auth_done)(void *, bool); /* conn.c's callback for
					   the check's end */
	struct target	*own_target;	/* a token's target, or NULL */
	struct conn_pmd	*pmd;		/* permessage-deflate, or NULL */
	struct sockaddr_storage peer_sa; /* the socket's peer */
	int		file_fd;	/* static file being sent, or -1 */
	const uint8_t	*file_mem;	/* or a built-in file's bytes */
	off_t		file_off;
	off_t		file_left;
	bool		counted;	/* in srv->nactive (limits) */
	struct quota_ticket lim;	/* what it counts in the limits */
	bool		refused;	/* refused at accept (srv->nrefused) */
	bool		read_wants_write; /* TLS read waits for writable */
	bool		write_wants_read; /* TLS write waits for readable */
	ev_tstamp	last_data;	/* payload either way (idle) */
	ev_tstamp	last_rx;	/* bytes from the client (ping) */
	ev_tstamp	ping_sent;	/* our unanswered ping, or 0 */

	char		*reply;		/* the 101 answer, until sent */
	char		peer[64];	/* client address:port, for the log */
	char		peer_addr[48];	/* client address */
	char		peer_port[8];
	char		path[128];	/* request path, for the log */
	uint64_t	rx_bytes;	/* payload client → backend */
	uint64_t	tx_bytes;	/* payload backend → client */
	ev_tstamp	started;
};

/*
 * conn_new(srv, fd, sa, tls, proxy, lim, refuse): take over an accepted,
 * non-blocking client socket (counted in srv->fds; speaking TLS when tls,
 * sending a PROXY protocol header first when proxy) and what it counts in
 * the limits, and start reading its request; or, when refuse says why it
 * does not fit the limits, answer 503 at once.  Returns the connection, or
 * NULL (fd closed and uncounted, lim given back) when memory is short.
 */
struct conn *conn_new(struct server *, int, const struct sockaddr *, bool,
	    bool, const struct quota_ticket *, const char *);

/*
 * conn_shutdown(c): the server is going away: open connections get close
 * 1001, others are dropped.
 */
void	conn_shutdown(struct conn *);

/* conn_abort(c): drop the connection now, whatever its state. */
void	conn_abort(struct conn *);

#endif
