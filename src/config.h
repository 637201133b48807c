/*
 * config.h - command-line options turned into one validated struct config,
 * read-only once the loop runs.
 */
#ifndef WSB_CONFIG_H
#define WSB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum target_kind {
	TARGET_TCP,		/* host:port, resolved per connection */
	TARGET_UNIX,		/* unix:/path */
	TARGET_PROGRAM,		/* -- PROGRAM ARGS: spawned per connection */
	TARGET_DIR,		/* --dir DIR: the path names the program */
	TARGET_STDIO		/* stdio: our own stdin and stdout */
};

enum stderr_mode {
	STDERR_LOG,		/* each line to our log, with the conn id */
	STDERR_INHERIT,		/* the program shares our stderr */
	STDERR_NULL		/* /dev/null */
};

/* The most bytes --header lines may add to an answer, CRLFs included. */
#define CONFIG_HEADERS_MAX	4096

/* Where a connection's bytes go. */
struct target {
	enum target_kind kind;
	char		*host;		/* TCP: name or address, no brackets */
	char		*port;		/* TCP: service */
	char		*path;		/* UNIX: socket path; DIR: directory;
					   PROGRAM: the file argv[0] names,
					   found at start-up (preflight.c) */
	char		**argv;		/* PROGRAM: program and arguments */
	bool		lines;		/* program text mode: a line is a
					   message, each way */
	bool		pty;		/* PROGRAM, DIR: on a pty (--pty) */
	char		*display;	/* as given, for the log */
};

/* target_is_program(t): the target spawns a program per connection. */
static inline bool
target_is_program(const struct target *t)
{
	return (t->kind == TARGET_PROGRAM || t->kind == TARGET_DIR);
}

/* One --route. */
struct route {
	char		*prefix;	/* "/vnc", no trailing '/' */
	size_t		prefix_len;
	struct target	target;
	size_t		line;		/* of the --config file; 0: command
					   line */
};

/* One --listen. */
enum listen_tls {
	LISTEN_TLS_DEFAULT,	/* TLS when --tls-cert is given */
	LISTEN_TLS_ON,		/* ",tls" */
	LISTEN_TLS_OFF		/* ",plain" */
};

struct listen_spec {
	char		*host;		/* NULL: every address, v4 and v6 */
	char		*port;
	char		*path;		/* unix:/path instead of host:port */
	enum listen_tls	tls;
	bool		proxy;		/* PROXY protocol header first */
	char		*display;	/* as given */
};

struct config {
	struct listen_spec *listens;	/* at least one */
	size_t		nlistens;
	struct target	connect;	/* --connect */
	uint64_t	max_message;	/* bytes, 0 = no limit (1009) */
	size_t		max_header;	/* request head bytes (431) */
	double		handshake_timeout;	/* seconds */
	double		connect_timeout;	/* backend connect, seconds */
	double		close_timeout;	/* wait for the peer's close */
	double		shutdown_grace;	/* SIGTERM: drain for this long */
	enum log_level	log_level;
	enum log_time	log_time;	/* --log-time: auto, on, off */

	/* Program mode. */
	bool		binary;		/* --binary: bytes, not lines */
	enum stderr_mode stderr_mode;
	char		**inherit;	/* --passenv: "NAME=VALUE" to pass */
	char		**env;		/* --env "NAME=VALUE" */
	double		close_grace;	/* seconds before TERM, then KILL */
	unsigned	max_forks;	/* all workers', 0 = none (503) */
	bool		pty;		/* --pty: programs on a terminal */
	bool		allow_public_pty; /* ... reached without a login */
	char		*term;		/* --term, or NULL: xterm-256color */
	bool		readonly;	/* --readonly: client input dropped */
	char		*terminal_assets; /* --terminal-assets DIR, or NULL:
					   the page's files built in */

	/* Limits, processes, privileges. */
	unsigned	workers;	/* processes accepting, >= 1 */
	double		idle_timeout;	/* no data either way: close; 0 off */
	double		ping_interval;	/* ping a quiet client; 0 off */
	unsigned	max_conns;	/* all workers', 0 = no limit (503) */
	unsigned	max_conns_ip;	/* per client address, 0 = none */
	char		*user;		/* drop to this user after binding */
	char		*group;		/* and this group (default: user's) */

	/* TLS. */
	char		*tls_cert;	/* PEM chain; turns TLS on */
	char		*tls_key;
	char		*tls_ciphers;	/* TLS 1.2 cipher list, or NULL */
	char		*tls_client_ca;	/* require client certificates */
	int		tls_min_version;	/* TLS1_2_VERSION or 1_3 */

	/* HTTP front door. */
	struct route	*routes;	/* --route, nroutes of them */
	size_t		nroutes;
	char		*static_dir;	/* --static */
	char		**origins;	/* --origin patterns, or NULL */
	bool		same_origin;
	char		*basic_auth;	/* --basic-auth file */
	unsigned	auth_fail_max;	/* --auth-throttle failures; 0 off */
	double		auth_fail_window; /* and seconds (counting, refusing) */
	char		*token_file;	/* --token-file file or directory */
	char		**trust_proxy;	/* --trust-proxy CIDRs, or NULL */
	bool		proxy_protocol;	/* on every listener */
	char		*headers;	/* --header lines, each with CRLF */
	bool		deflate;	/* permessage-deflate when offered */
	int		deflate_level;	/* 1-9 */
	char		**server_names;	/* --server-name, or NULL */
	bool		trust_forwarded; /* --trust-proxy reads Forwarded,
					   not X-Forwarded-For */

	/* Start-up. */
	bool		check_only;	/* --check-config: check, print, exit */
};

/*
 * config_parse(cfg, argc, argv, err, errlen):
 * Fill cfg from the command line and the --config file.  Relative paths in
 * the file are made absolute against the file's directory; two backends for
 * the default or for one --route are refused.  Nothing here looks at the
 * file system beyond the file itself: preflight.c checks what the
 * configuration names.  Returns 0 to run, 1 when --help or --version was
 * handled (exit 0), or -1 with a one-line message in err (exit 2).
 */
int	config_parse(struct config *, int, char **, char *, size_t);

/*
 * config_reparse(cfg, argc, argv, err, errlen): config_parse() again, on
 * SIGHUP, with the command line the server started with: the file is read
 * again and the command line still wins.  The listeners are open already
 * (systemd's too), so none need be named.  Returns 0, or -1 with a
 * one-line message in err; cfg is to be freed with config_free() either
 * way.
 */
int	config_reparse(struct config *, int, char **, char *, size_t);

/*
 * config_parse_target(arg, programs, t, err, errlen): parse HOST:PORT,
 * [IPv6]:PORT, unix:/PATH or (with programs) "/program args" into t.
 * Returns 0, or -1 with a message in err.
 */
int	config_parse_target(const char *, bool, struct target *, char *,
	    size_t);

/* config_free_target(t): release what config_parse_target() allocated. */
void	config_free_target(struct target *);

/* config_free(cfg): release what config_parse() allocated. */
void	config_free(struct config *);

/*
 * config_split_hostport(s, host, port, err, errlen): split "[v6]:port",
 * "host:port" or "port" (host NULL) into newly allocated strings.  Returns 0
 * or -1 with a message in err.
 */
int	config_split_hostport(const char *, char **, char **, char *, size_t);

#endif
