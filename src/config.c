/*
 * config.c - command-line parsing and validation.  Every option is parsed by
 * one table-driven setter, so a later configuration file can share it; no
 * error here is fatal by itself: the caller prints the message and exits 2.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define DEFAULT_MAX_HEADER		16384
#define DEFAULT_HANDSHAKE_TIMEOUT	10.0
#define DEFAULT_CONNECT_TIMEOUT		10.0
#define DEFAULT_CLOSE_TIMEOUT		5.0
#define DEFAULT_SHUTDOWN_GRACE		10.0
#define DEFAULT_CLOSE_GRACE		1.0
#define DEFAULT_DEFLATE_LEVEL		6
#define DEFAULT_PASSENV			"PATH,LD_LIBRARY_PATH"
#define DEFAULT_AUTH_FAIL_MAX		10
#define DEFAULT_AUTH_FAIL_WINDOW	60.0

static const char usage_text[] =
"Usage: wsbridge [OPTIONS] --listen [ADDR:]PORT --connect TARGET\n"
"       wsbridge [OPTIONS] --listen [ADDR:]PORT -- PROGRAM [ARGS...]\n"
"       wsbridge [OPTIONS] --listen [ADDR:]PORT --dir DIR\n"
"\n"
"Accept WebSocket connections and bridge each one, both directions at once,\n"
"to a TCP or Unix-socket backend, or to a program spawned for it.\n"
"\n"
"Listening and backend:\n"
"  -l, --listen [ADDR:]PORT   listen on ADDR (IPv4, [IPv6] or a host name)\n"
"                             and PORT; without ADDR on every address, IPv4\n"
"                             and IPv6; or unix:/PATH.  Repeat for more.\n"
"  -c, --connect TARGET       backend: HOST:PORT, [IPv6]:PORT or unix:/PATH;\n"
"                             or stdio: wsbridge's own stdin and stdout, one\n"
"                             connection at a time (--workers 1)\n"
"  -- PROGRAM [ARGS...]       spawn PROGRAM (no shell) for each connection:\n"
"                             its stdin and stdout are the WebSocket\n"
"      --dir DIR              spawn DIR/NAME for a request to /NAME\n"
"\n"
"Program mode:\n"
"      --binary               pass bytes as binary messages; default: each\n"
"                             line of output is a text message and each\n"
"                             message is written as a line\n"
"      --stderr MODE          log (each line to the log), inherit or null\n"
"                             (default log)\n"
"      --passenv LIST         parent variables to pass on, comma-separated\n"
"                             (default PATH,LD_LIBRARY_PATH)\n"
"      --env NAME=VALUE       set a variable for programs; repeatable\n"
"      --close-grace MS       after the client leaves, wait MS before\n"
"                             SIGTERM, then MS more before SIGKILL\n"
"                             (default 1000)\n"
"      --max-forks N          programs running at once, all workers together;\n"
"                             beyond, the upgrade gets 503 (default 0, no\n"
"                             limit)\n"
"\n"
"Programs on a terminal:\n"
"      --pty                  run programs (-- PROGRAM or --dir) on a\n"
"                             pseudo-terminal, in a new session: input and\n"
"                             output as bytes, binary messages out\n"
"      --term NAME            TERM for programs on a pty (default\n"
"                             xterm-256color)\n"
"      --allow-public-pty     serve --pty on an address other hosts reach\n"
"                             without --basic-auth, --tls-client-ca or\n"
"                             --token-file (refused otherwise)\n"
"      --readonly             clients only watch: their input is dropped,\n"
"                             terminal resizes ignored\n"
"      --terminal-assets DIR  serve the terminal page's files from DIR\n"
"                             instead of the copy built in\n"
"\n"
"Limits and timeouts:\n"
"      --max-message BYTES    close 1009 on a larger message (default 0,\n"
"                             no limit)\n"
"      --max-header BYTES     largest request head, else 431 (default 16384)\n"
"      --handshake-timeout S  time to send the request head (default 10)\n"
"      --connect-timeout S    time to reach the backend, else 502 (default 10)\n"
"      --close-timeout S      time to wait for the peer's close (default 5)\n"
"      --shutdown-grace S     on SIGTERM/SIGINT, time to drain (default 10)\n"
"      --idle-timeout S       close a connection with no data either way\n"
"                             for S seconds (default 0, never)\n"
"      --ping-interval S      ping a client that sent nothing for S seconds;\n"
"                             drop it if no pong within S more (default 0,\n"
"                             off)\n"
"      --max-connections N    connections at once, all workers together,\n"
"                             counted from accept; at most half of them not\n"
"                             upgraded yet; beyond, 503 (default 0, no limit)\n"
"      --max-connections-per-ip N\n"
"                             the same for each client address (default 0)\n"
"\n"
"HTTP front door:\n"
"      --static DIR           serve files from DIR to plain GET/HEAD requests\n"
"      --route PATH=TARGET    requests under PATH go to TARGET (HOST:PORT,\n"
"                             unix:/PATH, stdio or /program args);\n"
"                             repeatable\n"
"      --token-file FILE|DIR  websockify token files (\"token: host:port\");\n"
"                             the token comes from ?token= or the path\n"
"      --origin LIST          allowed Origins: https://host[:port] or\n"
"                             *.example.com, comma-separated; else 403\n"
"      --same-origin          the Origin must match the Host header\n"
"      --basic-auth FILE      user:crypt(3)-hash lines; 401 without them\n"
"      --auth-throttle N:S    after N failed logins from an address within\n"
"                             S seconds, 429 to it for S seconds; or off\n"
"                             (default 10:60)\n"
"      --header \"N: V\"        add a header to every HTTP answer\n"
"      --deflate on|off       permessage-deflate when the client offers it\n"
"                             (default on)\n"
"      --deflate-level N      zlib level 1-9 for what we send (default 6)\n"
"      --trust-proxy CIDR     take the client address from X-Forwarded-For\n"
"                             (or Forwarded) when the peer is in CIDR\n"
"      --proxy-protocol       expect a PROXY v1/v2 header on every listener\n"
"                             (or mark one: --listen 8080,proxy)\n"
"      --trust-proxy-header H the header --trust-proxy reads: x-forwarded-for\n"
"                             (default) or forwarded, never both\n"
"      --server-name LIST     answer only requests whose Host is one of\n"
"                             these names (example.org, *.example.org, or\n"
"                             * for any), else 421; by default programs\n"
"                             reached over loopback answer only loopback\n"
"                             names (localhost, 127.0.0.1, [::1])\n"
"\n"
"TLS (wss:// and https://):\n"
"      --tls-cert FILE        certificate chain (PEM); with --tls-key, every\n"
"                             listener speaks TLS unless marked ,plain\n"
"      --tls-key FILE         private key (PEM)\n"
"      --tls-ciphers LIST     TLS 1.2 cipher list (OpenSSL syntax)\n"
"      --tls-min-version V    1.2 (default) or 1.3\n"
"      --tls-client-ca FILE   require client certificates signed by FILE\n"
"  A listener may say ,tls or ,plain: --listen 443,tls --listen 80,plain\n"
"\n"
"Processes and privileges:\n"
"      --workers N            N processes share the listeners (default 1)\n"
"      --user USER            after binding, run as USER (and its groups)\n"
"      --group GROUP          run as GROUP instead of USER's group\n"
"\n"
"Other:\n"
"      --config FILE          read options from FILE: one long option per\n"
"                             line (\"listen 8080\"), # comments, \"program\n"
"                             PATH ARGS...\" for a program; the command\n"
"                             line wins; relative paths are the file's\n"
"                             directory's\n"
"  -t, --check-config         check the configuration, its files, programs\n"
"                             and users, print what would listen where,\n"
"                             exit 0 (or 2); binds nothing\n"
"      --log-level LEVEL      error, warn, info or debug (default info)\n"
"      --log-time auto|on|off start each log line with the UTC time\n"
"                             (RFC 3339); auto: unless stderr is the\n"
"                             systemd journal (default auto)\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n"
"\n"
"Exit status: 0 after a clean shutdown, 1 on a runtime failure, 2 on a bad\n"
"command line or configuration.\n";

enum opt_id {
	OPT_LISTEN = 'l',
	OPT_CONNECT = 'c',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_CHECK_CONFIG = 't',
	OPT_MAX_MESSAGE = 256,
	OPT_MAX_HEADER,
	OPT_HANDSHAKE_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_CLOSE_TIMEOUT,
	OPT_SHUTDOWN_GRACE,
	OPT_LOG_LEVEL,
	OPT_LOG_TIME,
	OPT_DIR,
	OPT_BINARY,
	OPT_STDERR,
	OPT_PASSENV,
	OPT_ENV,
	OPT_CLOSE_GRACE,
	OPT_MAX_FORKS,
	OPT_WORKERS,
	OPT_IDLE_TIMEOUT,
	OPT_PING_INTERVAL,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_IP,
	OPT_USER,
	OPT_GROUP,
	OPT_CONFIG,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TLS_CIPHERS,
	OPT_TLS_MIN_VERSION,
	OPT_TLS_CLIENT_CA,
	OPT_ROUTE,
	OPT_STATIC,
	OPT_ORIGIN,
	OPT_SAME_ORIGIN,
	OPT_BASIC_AUTH,
	OPT_AUTH_THROTTLE,
	OPT_TOKEN_FILE,
	OPT_TRUST_PROXY,
	OPT_PROXY_PROTOCOL,
	OPT_HEADER,
	OPT_DEFLATE,
	OPT_DEFLATE_LEVEL,
	/* Host names and proxies. */
	OPT_SERVER_NAME,
	OPT_TRUST_PROXY_HEADER,
	/* Programs on a pty. */
	OPT_PTY,
	OPT_TERM,
	OPT_ALLOW_PUBLIC_PTY,
	OPT_READONLY,
	OPT_TERMINAL_ASSETS
};

static const struct option long_opts[] = {
	{ "listen",		required_argument, NULL, OPT_LISTEN },
	{ "connect",		required_argument, NULL, OPT_CONNECT },
	{ "max-message",	required_argument, NULL, OPT_MAX_MESSAGE },
	{ "max-header",		required_argument, NULL, OPT_MAX_HEADER },
	{ "handshake-timeout",	required_argument, NULL, OPT_HANDSHAKE_TIMEOUT },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "close-timeout",	required_argument, NULL, OPT_CLOSE_TIMEOUT },
	{ "shutdown-grace",	required_argument, NULL, OPT_SHUTDOWN_GRACE },
	{ "log-level",		required_argument, NULL, OPT_LOG_LEVEL },
	{ "log-time",		required_argument, NULL, OPT_LOG_TIME },
	{ "dir",		required_argument, NULL, OPT_DIR },
	{ "binary",		no_argument,	   NULL, OPT_BINARY },
	{ "stderr",		required_argument, NULL, OPT_STDERR },
	{ "passenv",		required_argument, NULL, OPT_PASSENV },
	{ "env",		required_argument, NULL, OPT_ENV },
	{ "close-grace",	required_argument, NULL, OPT_CLOSE_GRACE },
	{ "max-forks",		required_argument, NULL, OPT_MAX_FORKS },
	{ "workers",		required_argument, NULL, OPT_WORKERS },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "ping-interval",	required_argument, NULL, OPT_PING_INTERVAL },
	{ "max-connections",	required_argument, NULL, OPT_MAX_CONNS },
	{ "max-connections-per-ip", required_argument, NULL, OPT_MAX_CONNS_IP },
	{ "user",		required_argument, NULL, OPT_USER },
	{ "group",		required_argument, NULL, OPT_GROUP },
	{ "config",		required_argument, NULL, OPT_CONFIG },
	{ "tls-cert",		required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key",		required_argument, NULL, OPT_TLS_KEY },
	{ "tls-ciphers",	required_argument, NULL, OPT_TLS_CIPHERS },
	{ "tls-min-version",	required_argument, NULL, OPT_TLS_MIN_VERSION },
	{ "tls-client-ca",	required_argument, NULL, OPT_TLS_CLIENT_CA },
	{ "route",		required_argument, NULL, OPT_ROUTE },
	{ "static",		required_argument, NULL, OPT_STATIC },
	{ "origin",		required_argument, NULL, OPT_ORIGIN },
	{ "same-origin",	no_argument,	   NULL, OPT_SAME_ORIGIN },
	{ "basic-auth",		required_argument, NULL, OPT_BASIC_AUTH },
	{ "auth-throttle",	required_argument, NULL, OPT_AUTH_THROTTLE },
	{ "token-file",		required_argument, NULL, OPT_TOKEN_FILE },
	{ "trust-proxy",	required_argument, NULL, OPT_TRUST_PROXY },
	{ "proxy-protocol",	no_argument,	   NULL, OPT_PROXY_PROTOCOL },
	{ "header",		required_argument, NULL, OPT_HEADER },
	{ "deflate",		required_argument, NULL, OPT_DEFLATE },
	{ "deflate-level",	required_argument, NULL, OPT_DEFLATE_LEVEL },
	{ "server-name",	required_argument, NULL, OPT_SERVER_NAME },
	{ "trust-proxy-header",	required_argument, NULL,
	    OPT_TRUST_PROXY_HEADER },
	{ "pty",		no_argument,	   NULL, OPT_PTY },
	{ "term",		required_argument, NULL, OPT_TERM },
	{ "allow-public-pty",	no_argument,	   NULL, OPT_ALLOW_PUBLIC_PTY },
	{ "readonly",		no_argument,	   NULL, OPT_READONLY },
	{ "terminal-assets",	required_argument, NULL, OPT_TERMINAL_ASSETS },
	{ "help",		no_argument,	   NULL, OPT_HELP },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ "check-config",	no_argument,	   NULL, OPT_CHECK_CONFIG },
	{ NULL, 0, NULL, 0 }
};

/* Where options come from while parsing: the command line wins. */
enum opt_source {
	SRC_FILE,
	SRC_CLI
};

/* One config_parse(): where things came from, for overrides and errors. */
struct parse {
	struct config	*cfg;
	enum opt_source	src;
	char		*base;		/* the file's directory, absolute */
	size_t		line;		/* of the file, while it is read */
	bool		listens_from_file;	/* a --listen replaces them */
	bool		env_from_file;	/* a --env replaces them */
	size_t		target_line;	/* the file's line that set the
					   default backend; 0: none or the
					   command line */
	char		*target_what;	/* that line's option and value */
	bool		running;	/* a reload: the sockets are open */
};

static const char *
opt_name(int id)
{
	const struct option *o;

	for (o = long_opts; o->name != NULL; o++)
		if (o->val == id)
			return (o->name);
	return ("?");
}

static int
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return (-1);
	*out = v;
	return (0);
}

static int
parse_seconds(const char *s, double *out)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) ||
	    v <= 0 || v > 86400 * 365)
		return (-1);
	*out = v;
	return (0);
}

static bool
valid_port(const char *p)
{
	uint64_t v;

	return (parse_u64(p, 65535, &v) == 0);
}

int
config_split_hostport(const char *s, char **host, char **port, char *err,
    size_t errlen)
{
	const char *colon, *close;

	*host = *port = NULL;
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':' ||
		    close == s + 1)
			return (errf(err, errlen, "bad address '%s': expected "
			    "[IPv6]:PORT", s));
		*host = strndup(s + 1, (size_t)(close - s - 1));
		*port = strdup(close + 2);
	} else if ((colon = strrchr(s, ':')) != NULL) {
		if (strchr(s, ':') != colon)
			return (errf(err, errlen, "bad address '%s': put IPv6 "
			    "addresses in brackets, [::1]:PORT", s));
		if (colon == s)
			return (errf(err, errlen, "bad address '%s': empty "
			    "host", s));
		*host = strndup(s, (size_t)(colon - s));
		*port = strdup(colon + 1);
	} else
		*port = strdup(s);
	if ((s[0] == '[' || strchr(s, ':') != NULL) && *host == NULL)
		goto nomem;
	if (*port == NULL)
		goto nomem;
	if (!valid_port(*port)) {
		errf(err, errlen, "bad port in '%s': expected 0-65535", s);
		goto err;
	}
	return (0);

nomem:
	errf(err, errlen, "out of memory");
err:
	free(*host);
	free(*port);
	*host = *port = NULL;
	return (-1);
}

static void
free_listens(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlistens; i++) {
		free(cfg->listens[i].host);
		free(cfg->listens[i].port);
		free(cfg->listens[i].path);
		free(cfg->listens[i].display);
	}
	free(cfg->listens);
	cfg->listens = NULL;
	cfg->nlistens = 0;
}

void
config_free_target(struct target *t)
{
	size_t i;

	free(t->host);
	free(t->port);
	free(t->path);
	free(t->display);
	for (i = 0; t->argv != NULL && t->argv[i] != NULL; i++)
		free(t->argv[i]);
	free(t->argv);
	memset(t, 0, sizeof(*t));
}

static int
add_listen(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	struct listen_spec *l, *ls;
	char *copy = NULL, *comma;

	ls = realloc(cfg->listens, (cfg->nlistens + 1) * sizeof(*ls));
	if (ls == NULL)
		return (errf(err, errlen, "out of memory"));
	cfg->listens = ls;
	l = &ls[cfg->nlistens];
	memset(l, 0, sizeof(*l));
	if ((l->display = strdup(arg)) == NULL ||
	    (copy = strdup(arg)) == NULL) {
		free(l->display);
		return (errf(err, errlen, "out of memory"));
	}
	/* ",tls" or ",plain" picks the transport of this listener,
	 * ",proxy" expects a PROXY protocol header first. */
	while ((comma = strrchr(copy, ',')) != NULL) {
		if (strcmp(comma, ",tls") == 0)
			l->tls = LISTEN_TLS_ON;
		else if (strcmp(comma, ",plain") == 0)
			l->tls = LISTEN_TLS_OFF;
		else if (strcmp(comma, ",proxy") == 0)
			l->proxy = true;
		else {
			errf(err, errlen, "bad --listen '%s': expected ,tls, "
			    ",plain or ,proxy after the address", arg);
			goto err;
		}
		*comma = '\0';
	}
	if (strncmp(copy, "unix:", 5) == 0) {
		if (copy[5] == '\0' || strlen(copy + 5) >= 108) {
			errf(err, errlen, "bad --listen '%s': socket path "
			    "empty or too long", arg);
			goto err;
		}
		if ((l->path = strdup(copy + 5)) == NULL) {
			errf(err, errlen, "out of memory");
			goto err;
		}
	} else if (config_split_hostport(copy, &l->host, &l->port, err,
	    errlen) == -1)
		goto err;
	free(copy);
	cfg->nlistens++;
	return (0);

err:
	free(copy);
	free(l->display);
	return (-1);
}

static int	list_add(char ***, const char *, size_t);
static int	parse_target(const char *, bool, struct target *, char *,
		    size_t);

int
config_parse_target(const char *arg, bool programs, struct target *t,
    char *err, size_t errlen)
{

	memset(t, 0, sizeof(*t));
	if (parse_target(arg, programs, t, err, errlen) == -1) {
		config_free_target(t);
		return (-1);
	}
	return (0);
}

static int
parse_target(const char *arg, bool programs, struct target *t, char *err,
    size_t errlen)
{
	char *copy, *w, *save = NULL;

	if (strncmp(arg, "unix:", 5) == 0) {
		if (arg[5] == '\0' || strlen(arg + 5) >= 108)
			return (errf(err, errlen, "bad target '%s': socket path "
			    "empty or too long", arg));
		t->kind = TARGET_UNIX;
		if ((t->path = strdup(arg + 5)) == NULL)
			return (errf(err, errlen, "out of memory"));
	} else if (strcmp(arg, "stdio") == 0) {
		t->kind = TARGET_STDIO;
	} else if (programs && (arg[0] == '/' || arg[0] == '.')) {
		/* A program and its arguments, split on blanks. */
		t->kind = TARGET_PROGRAM;
		if ((copy = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		for (w = strtok_r(copy, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save))
			if (list_add(&t->argv, w, strlen(w)) == -1) {
				free(copy);
				return (errf(err, errlen, "out of memory"));
			}
		free(copy);
	} else {
		t->kind = TARGET_TCP;
		if (config_split_hostport(arg, &t->host, &t->port, err,
		    errlen) == -1)
			return (-1);
		if (t->host == NULL)
			return (errf(err, errlen, "bad target '%s': expected "
			    "HOST:PORT or unix:/PATH", arg));
		if (strcmp(t->port, "0") == 0)
			return (errf(err, errlen, "bad target '%s': port 0",
			    arg));
	}
	if ((t->display = strdup(arg)) == NULL)
		return (errf(err, errlen, "out of memory"));
	return (0);
}

/*
 * The default backend is set once.  The command line replaces the file's;
 * two in the file, or two on the command line, are an error that names
 * both.
 */
static int
claim_backend(struct parse *ps, const char *opt, const char *val, char *err,
    size_t errlen)
{
	struct config *cfg = ps->cfg;

	if (cfg->connect.display != NULL) {
		if (ps->src == SRC_FILE)
			return (errf(err, errlen, "two backends: '%s %s' here "
			    "and '%s' on line %zu; keep one", opt, val,
			    ps->target_what, ps->target_line));
		if (ps->target_line == 0)
			return (errf(err, errlen, "give one of --connect, "
			    "--dir or a program"));
		config_free_target(&cfg->connect);
	}
	free(ps->target_what);
	ps->target_what = NULL;
	ps->target_line = 0;
	if (ps->src == SRC_FILE) {
		if (asprintf(&ps->target_what, "%s %s", opt, val) == -1) {
			ps->target_what = NULL;
			return (errf(err, errlen, "out of memory"));
		}
		ps->target_line = ps->line;
	}
	return (0);
}

static int
set_connect(struct config *cfg, const char *arg, char *err, size_t errlen)
{

	return (config_parse_target(arg, false, &cfg->connect, err, errlen));
}

/*
 * --route PATH=TARGET: the longest matching path prefix wins.  One backend
 * per path: the command line replaces the file's, and two in one place are
 * an error.
 */
static int
add_route(struct parse *ps, const char *arg, char *err, size_t errlen)
{
	struct config *cfg = ps->cfg;
	const char *eq = strchr(arg, '=');
	struct route *r, *rs, *old = NULL;
	size_t i;

	if (arg[0] != '/' || eq == NULL || eq[1] == '\0')
		return (errf(err, errlen, "bad --route '%s': expected "
		    "/PATH=TARGET", arg));
	rs = realloc(cfg->routes, (cfg->nroutes + 1) * sizeof(*rs));
	if (rs == NULL)
		return (errf(err, errlen, "out of memory"));
	cfg->routes = rs;
	r = &rs[cfg->nroutes];
	memset(r, 0, sizeof(*r));
	r->prefix_len = (size_t)(eq - arg);
	/* "/x/" and "/x" are the same route. */
	while (r->prefix_len > 1 && arg[r->prefix_len - 1] == '/')
		r->prefix_len--;
	r->line = ps->src == SRC_FILE ? ps->line : 0;
	if ((r->prefix = strndup(arg, r->prefix_len)) == NULL)
		return (errf(err, errlen, "out of memory"));
	if (config_parse_target(eq + 1, true, &r->target, err, errlen) ==
	    -1) {
		free(r->prefix);
		return (-1);
	}
	for (i = 0; i < cfg->nroutes && old == NULL; i++)
		if (strcmp(rs[i].prefix, r->prefix) == 0)
			old = &rs[i];
	if (old == NULL) {
		cfg->nroutes++;
		return (0);
	}
	if (ps->src == SRC_CLI && old->line != 0) {
		free(old->prefix);
		config_free_target(&old->target);
		*old = *r;
		return (0);
	}
	if (ps->src == SRC_FILE)
		errf(err, errlen, "two backends for route %s: '%s' here and "
		    "'%s' on line %zu; keep one", r->prefix, r->target.display,
		    old->target.display, old->line);
	else
		errf(err, errlen, "two backends for route %s: --route given "
		    "twice; keep one", r->prefix);
	free(r->prefix);
	config_free_target(&r->target);
	return (-1);
}

/* Append a copy of s to a NULL-terminated list. */
static int
list_add(char ***list, const char *s, size_t len)
{
	size_t n = 0;
	char **l;

	while (*list != NULL && (*list)[n] != NULL)
		n++;
	if ((l = realloc(*list, (n + 2) * sizeof(*l))) == NULL)
		return (-1);
	*list = l;
	if ((l[n] = strndup(s, len)) == NULL)
		return (-1);
	l[n + 1] = NULL;
	return (0);
}

static void
list_free(char **list)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

static bool
env_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return (false);
	for (i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z')))
			return (false);
	return (true);
}

/* --passenv: take "NAME=VALUE" of each listed parent variable now. */
static int
set_passenv(struct config *cfg, const char *arg, char *err, size_t errlen)
{
	const char *p = arg, *end, *val;
	char name[256];
	size_t len;

	list_free(cfg->inherit);
	cfg->inherit = NULL;
	while (*p != '\0') {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			if (!env_name_ok(p, len) || len >= sizeof(name))
				return (errf(err, errlen, "bad --passenv '%s': "
				    "'%.*s' is not a variable name", arg,
				    (int)len, p));
			memcpy(name, p, len);
			name[len] = '\0';
			if ((val = getenv(name)) != NULL) {
				char *var;

				if (asprintf(&var, "%s=%s", name, val) == -1)
					return (errf(err, errlen,
					    "out of memory"));
				if (list_add(&cfg->inherit, var,
				    strlen(var)) == -1) {
					free(var);
					return (errf(err, errlen,
					    "out of memory"));
				}
				free(var);
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return (0);
}

/*
 * In a file, a relative path is taken from the file's directory (systemd
 * starts us in "/"): *out gets arg with arg[at...] made absolute, or NULL
 * when arg stays as it is.  "./" in front is dropped.
 */
static int
rebase_at(const char *base, const char *arg, size_t at, char **out)
{
	const char *p = arg + at;

	*out = NULL;
	if (base == NULL || *p == '/' || *p == '\0')
		return (0);
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (asprintf(out, "%.*s%s%s%s", (int)at, arg, base,
	    base[0] != '\0' && base[strlen(base) - 1] == '/' ? "" : "/",
	    p) == -1) {
		*out = NULL;
		return (-1);
	}
	return (0);
}

/* Which options name paths, and where in their value the path starts. */
static int
rebase(const struct parse *ps, int id, const char *arg, char **out)
{
	const char *eq;
	size_t at = 0;

	*out = NULL;
	switch (id) {
	case OPT_TLS_CERT:
	case OPT_TLS_KEY:
	case OPT_TLS_CLIENT_CA:
	case OPT_STATIC:
	case OPT_BASIC_AUTH:
	case OPT_TOKEN_FILE:
	case OPT_DIR:
	case OPT_TERMINAL_ASSETS:
		break;
	case OPT_LISTEN:
	case OPT_CONNECT:
		if (strncmp(arg, "unix:", 5) != 0)
			return (0);
		at = 5;
		break;
	case OPT_ROUTE:
		/* unix:PATH, or a program: "./prog args" */
		if ((eq = strchr(arg, '=')) == NULL)
			return (0);
		at = (size_t)(eq + 1 - arg);
		if (strncmp(arg + at, "unix:", 5) == 0)
			at += 5;
		else if (arg[at] != '.')
			return (0);
		break;
	default:
		return (0);
	}
	return (rebase_at(ps->base, arg, at, out));
}

/* --term NAME: a terminfo name, nothing a shell or a terminal could
 * read more into. */
static bool
term_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("-+._", s[i]) == NULL)
			return (false);
	return (i > 0 && i <= 64);
}

/* --pty puts every program target on a pty; it needs one, and only
 * programs have a terminal. */
/* Can only this host reach the listener (loopback, a Unix socket)? */
static bool
listen_is_local(const struct listen_spec *l)
{
	struct in6_addr a6;
	struct in_addr a4;
	char host[64];
	size_t n;

	if (l->path != NULL)
		return (true);
	if (l->host == NULL)
		return (false);
	n = strlen(l->host);
	/* [::1] as given, or bare */
	if (n >= 2 && l->host[0] == '[' && l->host[n - 1] == ']' &&
	    n - 2 < sizeof(host)) {
		memcpy(host, l->host + 1, n - 2);
		host[n - 2] = '\0';
	} else
		snprintf(host, sizeof(host), "%s", l->host);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (strcmp(host, "localhost") == 0);
}

/*
 * A terminal is a shell for whoever reaches it: on an address other hosts
 * can reach, it needs a login, a client certificate or a token, or to be
 * asked for in so many words.
 */
static int
check_public_pty(const struct config *cfg, char *err, size_t errlen)
{
	size_t i;

	if (cfg->allow_public_pty || cfg->basic_auth != NULL ||
	    cfg->tls_client_ca != NULL || cfg->token_file != NULL)
		return (0);
	for (i = 0; i < cfg->nlistens; i++)
		if (!listen_is_local(&cfg->listens[i]))
			return (errf(err, errlen, "--pty on %s would give a "
			    "terminal to anyone who can reach that address: "
			    "there is no --basic-auth, --tls-client-ca or "
			    "--token-file. Listen on 127.0.0.1 (or a Unix "
			    "socket) behind a proxy that authenticates, add "
			    "one of those, or give --allow-public-pty if "
			    "anyone may have it", cfg->listens[i].display));
	return (0);
}

static int
check_pty(struct config *cfg, char *err, size_t errlen)
{
	if (!cfg->pty) {
		if (cfg->term != NULL)
			return (errf(err, errlen, "--term needs --pty"));
		if (cfg->terminal_assets != NULL)
			return (errf(err, errlen, "--terminal-assets needs "
			    "--pty"));
		return (0);
	}
	if (!target_is_program(&cfg->connect))
		return (errf(err, errlen, "--pty needs -- PROGRAM or --dir: "
		    "only programs run on a terminal%s",
		    cfg->connect.display != NULL ? ", not --connect" : ""));
	cfg->connect.pty = true;
	for (size_t i = 0; i < cfg->nroutes; i++)
		cfg->routes[i].target.pty =
		    target_is_program(&cfg->routes[i].target);
	/* A browser page elsewhere may not drive the terminal unless told. */
	if (cfg->origins == NULL)
		cfg->same_origin = true;
	return (check_public_pty(cfg, err, errlen));
}

static int	apply_option(struct parse *, int, const char *, char *,
		    size_t);

static int
set_option(struct parse *ps, int id, const char *arg, char *err,
    size_t errlen)
{
	struct config *cfg = ps->cfg;
	char *own = NULL;
	int rc;

	if (ps->src == SRC_FILE && rebase(ps, id, arg, &own) == -1)
		return (errf(err, errlen, "out of memory"));
	/* The command line replaces what the file said, lists included. */
	if (ps->src == SRC_CLI) {
		if (id == OPT_LISTEN && ps->listens_from_file) {
			free_listens(cfg);
			ps->listens_from_file = false;
		}
		if (id == OPT_ENV && ps->env_from_file) {
			list_free(cfg->env);
			cfg->env = NULL;
			ps->env_from_file = false;
		}
	} else {
		ps->listens_from_file |= id == OPT_LISTEN;
		ps->env_from_file |= id == OPT_ENV;
	}
	if ((id == OPT_CONNECT || id == OPT_DIR) &&
	    claim_backend(ps, opt_name(id), arg, err, errlen) == -1) {
		free(own);
		return (-1);
	}
	rc = apply_option(ps, id, own != NULL ? own : arg, err, errlen);
	free(own);
	return (rc);
}

static int
apply_option(struct parse *ps, int id, const char *arg, char *err,
    size_t errlen)
{
	struct config *cfg = ps->cfg;
	const char *eq;
	uint64_t v;
	double *secs;

	switch (id) {
	case OPT_LISTEN:
		return (add_listen(cfg, arg, err, errlen));
	case OPT_CONNECT:
		return (set_connect(cfg, arg, err, errlen));
	case OPT_MAX_MESSAGE:
		if (parse_u64(arg, UINT64_MAX >> 1, &v) == -1)
			break;
		cfg->max_message = v;
		return (0);
	case OPT_MAX_HEADER:
		if (parse_u64(arg, 1024 * 1024, &v) == -1 || v < 256)
			return (errf(err, errlen, "bad --max-header '%s': "
			    "expected 256 to 1048576", arg));
		cfg->max_header = (size_t)v;
		return (0);
	case OPT_HANDSHAKE_TIMEOUT:
		secs = &cfg->handshake_timeout;
		goto seconds;
	case OPT_CONNECT_TIMEOUT:
		secs = &cfg->connect_timeout;
		goto seconds;
	case OPT_CLOSE_TIMEOUT:
		secs = &cfg->close_timeout;
		goto seconds;
	case OPT_SHUTDOWN_GRACE:
		secs = &cfg->shutdown_grace;
	seconds:
		if (parse_seconds(arg, secs) == -1)
			return (errf(err, errlen, "bad --%s '%s': expected a "
			    "positive number of seconds", opt_name(id), arg));
		return (0);
	case OPT_LOG_LEVEL:
		if (log_parse_level(arg, &cfg->log_level) == -1)
			return (errf(err, errlen, "bad --log-level '%s': "
			    "expected error, warn, info or debug", arg));
		return (0);
	case OPT_LOG_TIME:
		if (log_parse_time(arg, &cfg->log_time) == -1)
			return (errf(err, errlen, "bad --log-time '%s': "
			    "expected auto, on or off", arg));
		return (0);
	case OPT_DIR:
		if (arg[0] == '\0')
			return (errf(err, errlen, "bad --dir: empty path"));
		cfg->connect.kind = TARGET_DIR;
		if ((cfg->connect.path = strdup(arg)) == NULL ||
		    (cfg->connect.display = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	case OPT_BINARY:
		cfg->binary = true;
		return (0);
	case OPT_STDERR:
		if (strcmp(arg, "log") == 0)
			cfg->stderr_mode = STDERR_LOG;
		else if (strcmp(arg, "inherit") == 0)
			cfg->stderr_mode = STDERR_INHERIT;
		else if (strcmp(arg, "null") == 0)
			cfg->stderr_mode = STDERR_NULL;
		else
			return (errf(err, errlen, "bad --stderr '%s': expected "
			    "log, inherit or null", arg));
		return (0);
	case OPT_PASSENV:
		return (set_passenv(cfg, arg, err, errlen));
	case OPT_ENV:
		if ((eq = strchr(arg, '=')) == NULL ||
		    !env_name_ok(arg, (size_t)(eq - arg)))
			return (errf(err, errlen, "bad --env '%s': expected "
			    "NAME=VALUE", arg));
		if (list_add(&cfg->env, arg, strlen(arg)) == -1)
			return (errf(err, errlen, "out of memory"));
		return (0);
	case OPT_CLOSE_GRACE:
		if (parse_u64(arg, 3600 * 1000, &v) == -1)
			return (errf(err, errlen, "bad --close-grace '%s': "
			    "expected milliseconds", arg));
		cfg->close_grace = (double)v / 1000.;
		return (0);
	case OPT_MAX_FORKS:
	case OPT_MAX_CONNS:
	case OPT_MAX_CONNS_IP:
		if (parse_u64(arg, 10000000, &v) == -1)
			return (errf(err, errlen, "bad --%s '%s': expected a "
			    "number", opt_name(id), arg));
		if (id == OPT_MAX_FORKS)
			cfg->max_forks = (unsigned)v;
		else if (id == OPT_MAX_CONNS)
			cfg->max_conns = (unsigned)v;
		else
			cfg->max_conns_ip = (unsigned)v;
		return (0);
	case OPT_WORKERS:
		if (parse_u64(arg, 256, &v) == -1 || v == 0)
			return (errf(err, errlen, "bad --workers '%s': expected "
			    "1 to 256", arg));
		cfg->workers = (unsigned)v;
		return (0);
	case OPT_IDLE_TIMEOUT:
	case OPT_PING_INTERVAL:
		secs = id == OPT_IDLE_TIMEOUT ? &cfg->idle_timeout :
		    &cfg->ping_interval;
		/* 0 turns them off. */
		if (strcmp(arg, "0") == 0) {
			*secs = 0;
			return (0);
		}
		goto seconds;
	case OPT_TLS_CERT:
	case OPT_TLS_KEY:
	case OPT_TLS_CIPHERS:
	case OPT_TLS_CLIENT_CA: {
		char **field = id == OPT_TLS_CERT ? &cfg->tls_cert :
		    id == OPT_TLS_KEY ? &cfg->tls_key :
		    id == OPT_TLS_CIPHERS ? &cfg->tls_ciphers :
		    &cfg->tls_client_ca;

		if (arg[0] == '\0')
			return (errf(err, errlen, "bad --%s: empty",
			    opt_name(id)));
		free(*field);
		if ((*field = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	}
	case OPT_ROUTE:
		return (add_route(ps, arg, err, errlen));
	case OPT_STATIC:
	case OPT_BASIC_AUTH:
	case OPT_TOKEN_FILE: {
		char **field = id == OPT_STATIC ? &cfg->static_dir :
		    id == OPT_BASIC_AUTH ? &cfg->basic_auth : &cfg->token_file;

		if (arg[0] == '\0')
			return (errf(err, errlen, "bad --%s: empty path",
			    opt_name(id)));
		free(*field);
		if ((*field = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	}
	case OPT_AUTH_THROTTLE: {
		const char *colon = strchr(arg, ':');
		char count[16];

		if (strcmp(arg, "off") == 0) {
			cfg->auth_fail_max = 0;
			return (0);
		}
		if (colon == NULL || (size_t)(colon - arg) >= sizeof(count))
			goto bad_throttle;
		memcpy(count, arg, (size_t)(colon - arg));
		count[colon - arg] = '\0';
		if (parse_u64(count, 1000000, &v) == -1 || v == 0 ||
		    parse_seconds(colon + 1, &cfg->auth_fail_window) == -1)
			goto bad_throttle;
		cfg->auth_fail_max = (unsigned)v;
		return (0);
bad_throttle:
		return (errf(err, errlen, "bad --auth-throttle '%s': expected "
		    "FAILURES:SECONDS or off", arg));
	}
	case OPT_ORIGIN:
	case OPT_TRUST_PROXY:
	case OPT_SERVER_NAME: {
		char ***list = id == OPT_ORIGIN ? &cfg->origins :
		    id == OPT_TRUST_PROXY ? &cfg->trust_proxy :
		    &cfg->server_names;
		const char *p = arg, *end;
		size_t len;

		/* Comma-separated, and the option may repeat. */
		while (*p != '\0') {
			while (*p == ' ' || *p == ',')
				p++;
			end = p + strcspn(p, ", ");
			len = (size_t)(end - p);
			if (len > 0 && list_add(list, p, len) == -1)
				return (errf(err, errlen, "out of memory"));
			p = end;
		}
		if (*list == NULL)
			return (errf(err, errlen, "bad --%s: empty list",
			    opt_name(id)));
		return (0);
	}
	case OPT_SAME_ORIGIN:
		cfg->same_origin = true;
		return (0);
	case OPT_TRUST_PROXY_HEADER:
		if (strcmp(arg, "x-forwarded-for") == 0)
			cfg->trust_forwarded = false;
		else if (strcmp(arg, "forwarded") == 0)
			cfg->trust_forwarded = true;
		else
			return (errf(err, errlen, "bad --trust-proxy-header "
			    "'%s': expected x-forwarded-for or forwarded",
			    arg));
		return (0);
	case OPT_PROXY_PROTOCOL:
		cfg->proxy_protocol = true;
		return (0);
	case OPT_PTY:
		cfg->pty = true;
		return (0);
	case OPT_ALLOW_PUBLIC_PTY:
		cfg->allow_public_pty = true;
		return (0);
	case OPT_READONLY:
		cfg->readonly = true;
		return (0);
	case OPT_TERM:
		if (!term_name_ok(arg))
			return (errf(err, errlen, "bad --term '%s': expected a "
			    "terminal type name (letters, digits, '-', '+', "
			    "'.', '_'; at most 64)", arg));
		free(cfg->term);
		if ((cfg->term = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	case OPT_TERMINAL_ASSETS:
		if (arg[0] == '\0')
			return (errf(err, errlen, "bad --terminal-assets: "
			    "empty path"));
		free(cfg->terminal_assets);
		if ((cfg->terminal_assets = strdup(arg)) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	case OPT_DEFLATE:
		if (strcmp(arg, "on") == 0)
			cfg->deflate = true;
		else if (strcmp(arg, "off") == 0)
			cfg->deflate = false;
		else
			return (errf(err, errlen, "bad --deflate '%s': expected "
			    "on or off", arg));
		return (0);
	case OPT_DEFLATE_LEVEL:
		if (parse_u64(arg, 9, &v) == -1 || v == 0)
			return (errf(err, errlen, "bad --deflate-level '%s': "
			    "expected 1 to 9", arg));
		cfg->deflate_level = (int)v;
		return (0);
	case OPT_HEADER: {
		const char *colon = strchr(arg, ':');
		size_t i, nl = colon != NULL ? (size_t)(colon - arg) : 0;
		char *line;

		for (i = 0; i < nl; i++)
			if (!(arg[i] == '-' || (arg[i] >= '0' && arg[i] <= '9') ||
			    (arg[i] >= 'a' && arg[i] <= 'z') ||
			    (arg[i] >= 'A' && arg[i] <= 'Z')))
				break;
		if (colon == NULL || nl == 0 || i < nl ||
		    strpbrk(arg, "\r\n") != NULL)
			return (errf(err, errlen, "bad --header '%s': expected "
			    "\"Name: value\"", arg));
		if (asprintf(&line, "%s%s\r\n", cfg->headers != NULL ?
		    cfg->headers : "", arg) == -1)
			return (errf(err, errlen, "out of memory"));
		/* Every answer must hold them whole: refused now, not cut. */
		if (strlen(line) > CONFIG_HEADERS_MAX) {
			free(line);
			return (errf(err, errlen, "bad --header '%.40s%s': the "
			    "added headers would take more than %d bytes",
			    arg, strlen(arg) > 40 ? "..." : "",
			    CONFIG_HEADERS_MAX));
		}
		free(cfg->headers);
		cfg->headers = line;
		return (0);
	}
	case OPT_TLS_MIN_VERSION:
		if (strcmp(arg, "1.2") == 0)
			cfg->tls_min_version = 0x0303;
		else if (strcmp(arg, "1.3") == 0)
			cfg->tls_min_version = 0x0304;
		else
			return (errf(err, errlen, "bad --tls-min-version '%s': "
			    "expected 1.2 or 1.3", arg));
		return (0);
	case OPT_USER:
	case OPT_GROUP:
		if (arg[0] == '\0')
			return (errf(err, errlen, "bad --%s: empty name",
			    opt_name(id)));
		if (id == OPT_USER) {
			free(cfg->user);
			cfg->user = strdup(arg);
		} else {
			free(cfg->group);
			cfg->group = strdup(arg);
		}
		if ((id == OPT_USER ? cfg->user : cfg->group) == NULL)
			return (errf(err, errlen, "out of memory"));
		return (0);
	}
	return (errf(err, errlen, "bad --%s '%s'", opt_name(id), arg));
}

/* "program PATH ARGS..." in a file: words split on blanks, no quoting. */
static int
set_program(struct parse *ps, char *words, char *err, size_t errlen)
{
	struct config *cfg = ps->cfg;
	char *w, *save = NULL, *own;

	if (claim_backend(ps, "program", words, err, errlen) == -1)
		return (-1);
	cfg->connect.kind = TARGET_PROGRAM;
	for (w = strtok_r(words, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		own = NULL;
		/* A path with a '/' is the file's directory's; a bare name
		 * is looked up in PATH (preflight.c). */
		if (cfg->connect.argv == NULL && strchr(w, '/') != NULL &&
		    rebase_at(ps->base, w, 0, &own) == -1)
			return (errf(err, errlen, "out of memory"));
		if (list_add(&cfg->connect.argv, own != NULL ? own : w,
		    strlen(own != NULL ? own : w)) == -1) {
			free(own);
			return (errf(err, errlen, "out of memory"));
		}
		free(own);
	}
	if (cfg->connect.argv == NULL)
		return (errf(err, errlen, "program needs a path"));
	if ((cfg->connect.display = strdup(cfg->connect.argv[0])) == NULL)
		return (errf(err, errlen, "out of memory"));
	return (0);
}

/* Options a file may hold: not those about this run (--help, --config). */
static bool
file_option(const struct option *o)
{

	return (o->val != OPT_HELP && o->val != OPT_VERSION &&
	    o->val != OPT_CONFIG && o->val != OPT_CHECK_CONFIG);
}

/* Levenshtein distance of a[0..alen) and b, for "did you mean". */
static size_t
distance(const char *a, size_t alen, const char *b)
{
	size_t row[64], blen = strlen(b), i, j, diag, up, best;

	if (alen >= 64 || blen >= 64)
		return (SIZE_MAX);
	for (j = 0; j <= blen; j++)
		row[j] = j;
	for (i = 1; i <= alen; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= blen; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return (row[blen]);
}

/* The option closest to name[0..len), or NULL when none is a likely typo. */
static const char *
closest_option(const char *name, size_t len, bool in_file)
{
	const struct option *o, *best = NULL;
	size_t d, bestd = SIZE_MAX;

	for (o = long_opts; o->name != NULL; o++) {
		if (in_file && !file_option(o))
			continue;
		if ((d = distance(name, len, o->name)) < bestd) {
			bestd = d;
			best = o;
		}
	}
	/* A slip or two of the fingers, not another word. */
	if (best == NULL || bestd > 2 || bestd * 3 > len)
		return (NULL);
	return (best->name);
}

/* s[0..n) for a message: at most 60 bytes, control bytes shown as '?'. */
static const char *
printable(const char *s, size_t n, char *buf, size_t buflen)
{
	size_t i;

	if (n > 60)
		n = 60;
	if (n >= buflen)
		n = buflen - 1;
	for (i = 0; i < n; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' :
		    s[i];
	buf[n] = '\0';
	return (buf);
}

/*
 * getopt_long() returned '?' or ':' while reading the element el: say in
 * one line what is wrong.  Its optopt is the option's value, not its name,
 * for long options, so the element is read again here.
 */
static int
option_error(const char *el, int ch, char *err, size_t errlen)
{
	const struct option *o, *match = NULL;
	const char *name = el + 2, *close;
	char shown[64], value[64], list[160] = "";
	size_t len, n = 0;

	if (strncmp(el, "--", 2) != 0) {
		if (ch == ':')
			return (errf(err, errlen, "option -%c needs a value",
			    optopt));
		if (optopt > ' ' && optopt < 0x7f)
			return (errf(err, errlen, "unknown option -%c (see "
			    "--help)", optopt));
		return (errf(err, errlen, "unknown option in '%s' (see "
		    "--help)", printable(el, strlen(el), shown,
		    sizeof(shown))));
	}
	len = strcspn(name, "=");
	printable(name, len, shown, sizeof(shown));
	/* As getopt_long(): the exact name, else a unique prefix. */
	for (o = long_opts; o->name != NULL && match == NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			match = o;
	for (o = long_opts; o->name != NULL && match == NULL; o++)
		if (len > 0 && strncmp(o->name, name, len) == 0) {
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s--%s", n > 0 ? ", " : "",
			    o->name);
			n++;
		}
	if (match == NULL && n > 1)
		return (errf(err, errlen, "option --%s is ambiguous: %s",
		    shown, list));
	for (o = long_opts; o->name != NULL && match == NULL && n == 1; o++)
		if (strncmp(o->name, name, len) == 0)
			match = o;
	if (match != NULL && ch == ':')
		return (errf(err, errlen, "option --%s needs a value",
		    match->name));
	if (match != NULL && name[len] == '=')
		return (errf(err, errlen, "option --%s takes no value (remove "
		    "'%s')", match->name, printable(name + len,
		    strlen(name + len), value, sizeof(value))));
	if ((close = closest_option(name, len, false)) != NULL)
		return (errf(err, errlen, "unknown option --%s; did you mean "
		    "--%s?", shown, close));
	return (errf(err, errlen, "unknown option --%s (see --help)", shown));
}

/*
 * The directory of the file at path as it is named (a symbolic link's, not
 * its target's), absolute, for rebase_at().
 */
static char *
file_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *real;

	if (slash == NULL)
		return (realpath(".", NULL));
	if (slash == path)
		return (strdup("/"));
	if ((dir = strndup(path, (size_t)(slash - path))) == NULL)
		return (NULL);
	real = realpath(dir, NULL);
	free(dir);
	return (real);
}

static int
load_file(struct parse *ps, const char *path, char *err, size_t errlen)
{
	const struct option *o;
	const char *close;
	char *line = NULL, *p, *key, *val, msg[400], shown[64];
	size_t cap = 0, klen;
	ssize_t len;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return (errf(err, errlen, "--config %s: %s", path,
		    strerror(errno)));
	if ((ps->base = file_dir(path)) == NULL) {
		fclose(f);
		return (errf(err, errlen, "--config %s: %s", path,
		    strerror(errno)));
	}
	ps->src = SRC_FILE;
	ps->line = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) != -1) {
		ps->line++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r' || line[len - 1] == ' ' ||
		    line[len - 1] == '\t'))
			line[--len] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "--", 2) == 0)
			p += 2;
		key = p;
		klen = strcspn(p, " \t=");
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '=')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		val = *p != '\0' ? p : NULL;
		key[klen] = '\0';
		msg[0] = '\0';
		if (strcmp(key, "program") == 0) {
			if (val == NULL)
				snprintf(msg, sizeof(msg), "program needs a "
				    "path");
			else
				rc = set_program(ps, val, msg, sizeof(msg));
		} else {
			for (o = long_opts; o->name != NULL; o++)
				if (strcmp(o->name, key) == 0)
					break;
			printable(key, klen, shown, sizeof(shown));
			if ((o->name == NULL || !file_option(o)) &&
			    (close = closest_option(key, klen, true)) != NULL)
				snprintf(msg, sizeof(msg), "unknown option "
				    "'%s'; did you mean '%s'?", shown, close);
			else if (o->name == NULL || !file_option(o))
				snprintf(msg, sizeof(msg), "unknown option "
				    "'%s'", shown);
			else if (o->has_arg == no_argument && val != NULL)
				snprintf(msg, sizeof(msg), "'%s' takes no "
				    "value", shown);
			else if (o->has_arg != no_argument && val == NULL)
				snprintf(msg, sizeof(msg), "'%s' needs a "
				    "value", shown);
			else
				rc = set_option(ps, o->val, val, msg,
				    sizeof(msg));
		}
		if (msg[0] != '\0') {
			snprintf(err, errlen, "%s:%zu: %s", path, ps->line,
			    msg);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f))
		rc = errf(err, errlen, "--config %s: read error", path);
	free(line);
	fclose(f);
	return (rc);
}

#define SHORT_OPTS	"+:l:c:hVt"

/*
 * The --config file is read before the rest of the command line, which
 * then wins: a first pass with the same getopt_long() finds it however it
 * is spelt (--config=F, an abbreviation).  Errors are the second pass's.
 */
static int
find_config(int argc, char **argv, const char **file, char *err,
    size_t errlen)
{
	int ch;

	*file = NULL;
	opterr = 0;
	optind = 0;		/* 0: glibc starts afresh */
	while ((ch = getopt_long(argc, argv, SHORT_OPTS, long_opts,
	    NULL)) != -1) {
		if (ch != OPT_CONFIG)
			continue;
		if (*file != NULL)
			return (errf(err, errlen, "give --config once"));
		*file = optarg;
	}
	return (0);
}

static int	parse_args(struct parse *, int, char **, char *, size_t);

static int
parse_all(struct config *cfg, int argc, char **argv, bool running,
    char *err, size_t errlen)
{
	struct parse ps;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ps, 0, sizeof(ps));
	ps.cfg = cfg;
	ps.running = running;
	rc = parse_args(&ps, argc, argv, err, errlen);
	free(ps.base);
	free(ps.target_what);
	return (rc);
}

int
config_parse(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen)
{
	return (parse_all(cfg, argc, argv, false, err, errlen));
}

int
config_reparse(struct config *cfg, int argc, char **argv, char *err,
    size_t errlen)
{
	/* --help and --version ended the start-up: they are not here. */
	return (parse_all(cfg, argc, argv, true, err, errlen) == 0 ? 0 : -1);
}

static int
parse_args(struct parse *ps, int argc, char **argv, char *err,
    size_t errlen)
{
	struct config *cfg = ps->cfg;
	const char *file;
	int ch, at;

	cfg->max_header = DEFAULT_MAX_HEADER;
	cfg->handshake_timeout = DEFAULT_HANDSHAKE_TIMEOUT;
	cfg->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	cfg->close_timeout = DEFAULT_CLOSE_TIMEOUT;
	cfg->shutdown_grace = DEFAULT_SHUTDOWN_GRACE;
	cfg->log_level = LOG_INFO;
	cfg->log_time = LOG_TIME_AUTO;
	cfg->close_grace = DEFAULT_CLOSE_GRACE;
	cfg->workers = 1;
	cfg->deflate = true;
	cfg->deflate_level = DEFAULT_DEFLATE_LEVEL;
	cfg->auth_fail_max = DEFAULT_AUTH_FAIL_MAX;
	cfg->auth_fail_window = DEFAULT_AUTH_FAIL_WINDOW;
	if (set_passenv(cfg, DEFAULT_PASSENV, err, errlen) == -1)
		return (-1);
	if (find_config(argc, argv, &file, err, errlen) == -1)
		return (-1);
	if (file != NULL && load_file(ps, file, err, errlen) == -1)
		return (-1);
	ps->src = SRC_CLI;

	opterr = 0;
	optind = 0;		/* 0: glibc starts afresh (a second parse) */
	for (;;) {
		/* The element getopt_long() is about to read, for errors. */
		at = optind > 0 ? optind : 1;
		if ((ch = getopt_long(argc, argv, SHORT_OPTS, long_opts,
		    NULL)) == -1)
			break;
		switch (ch) {
		case OPT_HELP:
			fputs(usage_text, stdout);
			return (1);
		case OPT_VERSION:
			printf("wsbridge %s\n", WSB_VERSION);
			return (1);
		case ':':
		case '?':
			return (option_error(argv[at], ch, err, errlen));
		case OPT_CONFIG:
			break;		/* read already */
		case OPT_CHECK_CONFIG:
			cfg->check_only = true;
			break;
		default:
			if (set_option(ps, ch, optarg, err, errlen) == -1)
				return (-1);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			return (errf(err, errlen, "unexpected argument '%s' "
			    "(put a program after --)", argv[optind]));
		if (claim_backend(ps, "program", argv[optind], err,
		    errlen) == -1)
			return (-1);
		cfg->connect.kind = TARGET_PROGRAM;
		for (; optind < argc; optind++)
			if (list_add(&cfg->connect.argv, argv[optind],
			    strlen(argv[optind])) == -1)
				return (errf(err, errlen, "out of memory"));
		if ((cfg->connect.display = strdup(cfg->connect.argv[0])) ==
		    NULL)
			return (errf(err, errlen, "out of memory"));
	} else if (optind > 1 && strcmp(argv[optind - 1], "--") == 0)
		return (errf(err, errlen, "no program after --"));
	/* Under socket activation systemd passes the listeners (and they
	 * are not there when a unit's ExecReload runs --check-config). */
	if (cfg->nlistens == 0 && getenv("LISTEN_FDS") == NULL &&
	    !cfg->check_only && !ps->running)
		return (errf(err, errlen, "no --listen given (see --help)"));
	if (check_pty(cfg, err, errlen) == -1)
		return (-1);
	if (cfg->connect.display == NULL && cfg->nroutes == 0 &&
	    cfg->token_file == NULL && cfg->static_dir == NULL)
		return (errf(err, errlen, "no backend: give --connect, --dir, "
		    "-- PROGRAM, --route or --token-file (see --help)"));
	if (cfg->group != NULL && cfg->user == NULL)
		return (errf(err, errlen, "--group needs --user"));
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		return (errf(err, errlen, "--tls-cert and --tls-key go "
		    "together"));
	if (cfg->tls_cert == NULL && (cfg->tls_client_ca != NULL ||
	    cfg->tls_ciphers != NULL || cfg->tls_min_version != 0))
		return (errf(err, errlen, "TLS options need --tls-cert and "
		    "--tls-key"));
	for (size_t i = 0; i < cfg->nlistens; i++)
		if (cfg->listens[i].tls == LISTEN_TLS_ON &&
		    cfg->tls_cert == NULL)
			return (errf(err, errlen, "--listen %s: ,tls needs "
			    "--tls-cert and --tls-key",
			    cfg->listens[i].display));
	/* One process owns our stdin and stdout. */
	for (size_t i = 0; i <= cfg->nroutes && cfg->workers > 1; i++) {
		const struct route *r = i < cfg->nroutes ? &cfg->routes[i] :
		    NULL;

		if ((r != NULL ? r->target.kind : cfg->connect.kind) ==
		    TARGET_STDIO)
			return (errf(err, errlen, "%s%s%sstdio cannot be used "
			    "with --workers %u: one process owns stdin and "
			    "stdout", r != NULL ? "--route " : "--connect ",
			    r != NULL ? r->prefix : "", r != NULL ? "=" : "",
			    cfg->workers));
	}
	cfg->connect.lines = (cfg->connect.kind == TARGET_PROGRAM ||
	    cfg->connect.kind == TARGET_DIR) && !cfg->binary &&
	    !cfg->connect.pty;
	for (size_t i = 0; i < cfg->nroutes; i++)
		cfg->routes[i].target.lines = cfg->routes[i].target.kind ==
		    TARGET_PROGRAM && !cfg->binary &&
		    !cfg->routes[i].target.pty;
	return (0);
}

void
config_free(struct config *cfg)
{
	size_t i;

	free_listens(cfg);
	config_free_target(&cfg->connect);
	list_free(cfg->inherit);
	list_free(cfg->env);
	free(cfg->user);
	free(cfg->group);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->tls_ciphers);
	free(cfg->tls_client_ca);
	for (i = 0; i < cfg->nroutes; i++) {
		free(cfg->routes[i].prefix);
		config_free_target(&cfg->routes[i].target);
	}
	free(cfg->routes);
	free(cfg->static_dir);
	list_free(cfg->origins);
	free(cfg->basic_auth);
	free(cfg->token_file);
	list_free(cfg->trust_proxy);
	list_free(cfg->server_names);
	free(cfg->headers);
	free(cfg->term);
	free(cfg->terminal_assets);
	memset(cfg, 0, sizeof(*cfg));
}
