/*
 * generation.c - configuration generations: a parsed configuration checked
 * the way start-up checks it, what is derived from it, and its lifetime.
 * Nothing here touches the loop or a socket; the swap itself is the
 * server's (server.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generation.h"
#include "netaddr.h"
#include "origin.h"
#include "preflight.h"

/* --origin, --server-name and --trust-proxy, which the parser takes as
 * text. */
static int
check_front_door(struct generation *g, char *err, size_t errlen)
{
	const struct config *cfg = &g->cfg;
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
	if (n == 0)
		return (0);
	if ((g->trusted = calloc(n, sizeof(*g->trusted))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++)
		if (netaddr_cidr_parse(cfg->trust_proxy[i], &g->trusted[i]) ==
		    -1) {
			snprintf(err, errlen, "bad --trust-proxy '%s': "
			    "expected an address or ADDR/BITS",
			    cfg->trust_proxy[i]);
			return (-1);
		}
	g->ntrusted = n;
	return (0);
}

struct generation *
generation_new(struct config *cfg, char *err, size_t errlen)
{
	struct generation *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return (NULL);
	}
	g->refs = 1;
	g->number = 1;
	g->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	if (preflight_check(&g->cfg, err, errlen) == -1)
		goto err;
	if (g->cfg.static_dir != NULL &&
	    (g->static_root = realpath(g->cfg.static_dir, NULL)) == NULL) {
		snprintf(err, errlen, "--static %s: %s", g->cfg.static_dir,
		    strerror(errno));
		goto err;
	}
	if (g->cfg.terminal_assets != NULL &&
	    (g->term_root = realpath(g->cfg.terminal_assets, NULL)) == NULL) {
		snprintf(err, errlen, "--terminal-assets %s: %s",
		    g->cfg.terminal_assets, strerror(errno));
		goto err;
	}
	if (check_front_door(g, err, errlen) == -1)
		goto err;
	return (g);

err:
	generation_release(g);
	return (NULL);
}

/* *to = a copy of from (NULL too), the old value freed; -1: no memory. */
static int
copy_str(char **to, const char *from)
{
	char *s = NULL;

	if (from != NULL && (s = strdup(from)) == NULL)
		return (-1);
	free(*to);
	*to = s;
	return (0);
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0);
}

static bool
same_listens(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->nlistens != b->nlistens)
		return (false);
	for (i = 0; i < a->nlistens; i++)
		if (!same_str(a->listens[i].display, b->listens[i].display))
			return (false);
	return (true);
}

static int
copy_listens(struct config *to, const struct config *from)
{
	struct listen_spec *ls;
	size_t i, n = from->nlistens;
	int rc = 0;

	if ((ls = calloc(n > 0 ? n : 1, sizeof(*ls))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		ls[i].tls = from->listens[i].tls;
		ls[i].proxy = from->listens[i].proxy;
		rc |= copy_str(&ls[i].host, from->listens[i].host);
		rc |= copy_str(&ls[i].port, from->listens[i].port);
		rc |= copy_str(&ls[i].path, from->listens[i].path);
		rc |= copy_str(&ls[i].display, from->listens[i].display);
	}
	/* Either way the old ones go: config_free() frees what is there. */
	for (i = 0; i < to->nlistens; i++) {
		free(to->listens[i].host);
		free(to->listens[i].port);
		free(to->listens[i].path);
		free(to->listens[i].display);
	}
	free(to->listens);
	to->listens = ls;
	to->nlistens = n;
	return (rc);
}

static void
note(char *changed, size_t len, const char *opt)
{
	size_t at = strlen(changed);

	snprintf(changed + at, len - at, "%s%s", at > 0 ? ", " : "", opt);
}

static int
keep_tls(struct config *to, const struct config *from)
{
	to->tls_min_version = from->tls_min_version;
	return (copy_str(&to->tls_cert, from->tls_cert) |
	    copy_str(&to->tls_key, from->tls_key) |
	    copy_str(&to->tls_ciphers, from->tls_ciphers) |
	    copy_str(&to->tls_client_ca, from->tls_client_ca));
}

int
generation_keep_restart(struct config *fresh, const struct config *cur,
    char *changed, size_t len)
{
	int rc = 0;

	changed[0] = '\0';
	/* The listeners are bound, and their TLS and PROXY settings with
	 * them. */
	if (!same_listens(fresh, cur)) {
		note(changed, len, "--listen");
		rc |= copy_listens(fresh, cur);
	}
	if (fresh->proxy_protocol != cur->proxy_protocol) {
		note(changed, len, "--proxy-protocol");
		fresh->proxy_protocol = cur->proxy_protocol;
	}
	if ((fresh->tls_cert == NULL) != (cur->tls_cert == NULL)) {
		note(changed, len, "--tls-cert");
		rc |= keep_tls(fresh, cur);
	}
	if (fresh->workers != cur->workers) {
		note(changed, len, "--workers");
		fresh->workers = cur->workers;
	}
	/* Privileges are dropped for good at start-up. */
	if (!same_str(fresh->user, cur->user) ||
	    !same_str(fresh->group, cur->group)) {
		note(changed, len, "--user");
		rc |= copy_str(&fresh->user, cur->user);
		rc |= copy_str(&fresh->group, cur->group);
	}
	/* The password threads, the failure table and the token file's
	 * watch are set up once. */
	if ((fresh->basic_auth == NULL) != (cur->basic_auth == NULL)) {
		note(changed, len, "--basic-auth");
		rc |= copy_str(&fresh->basic_auth, cur->basic_auth);
	}
	if (fresh->auth_fail_max != cur->auth_fail_max ||
	    fresh->auth_fail_window != cur->auth_fail_window) {
		note(changed, len, "--auth-throttle");
		fresh->auth_fail_max = cur->auth_fail_max;
		fresh->auth_fail_window = cur->auth_fail_window;
	}
	if (!same_str(fresh->token_file, cur->token_file)) {
		note(changed, len, "--token-file");
		rc |= copy_str(&fresh->token_file, cur->token_file);
	}
	return (rc != 0 ? -1 : 0);
}

void
generation_succeed(struct generation *old, struct generation *fresh)
{
	fresh->number = old->number + 1;
	old->next = generation_hold(fresh);
}

struct generation *
generation_hold(struct generation *g)
{
	g->refs++;
	return (g);
}

void
generation_release(struct generation *g)
{
	struct generation *next;

	/* A loop, not recursion: a long-lived connection may hold a long
	 * chain of generations. */
	while (g != NULL && --g->refs == 0) {
		next = g->next;
		config_free(&g->cfg);
		free(g->static_root);
		free(g->term_root);
		free(g->trusted);
		free(g);
		g = next;
	}
}
