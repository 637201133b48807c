/*
 * cgi_env.c - builds a program's environment from a request.  Every value
 * is copied and cleaned here so that no byte of a request can add a second
 * variable, a NUL or an invalid name.  No I/O, no logging.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_env.h"

struct env {
	char	**v;
	size_t	n;
	size_t	cap;
	int	failed;
};

static size_t
name_len(const char *var)
{
	const char *eq = strchr(var, '=');

	return (eq != NULL ? (size_t)(eq - var) : strlen(var));
}

/* Take ownership of var ("NAME=VALUE"), replacing a variable of that name. */
static void
env_put(struct env *e, char *var)
{
	size_t i, nl;
	char **v;

	if (var == NULL) {
		e->failed = 1;
		return;
	}
	nl = name_len(var);
	for (i = 0; i < e->n; i++) {
		if (name_len(e->v[i]) == nl && memcmp(e->v[i], var, nl) == 0) {
			free(e->v[i]);
			e->v[i] = var;
			return;
		}
	}
	if (e->n + 2 > e->cap) {
		e->cap = e->cap == 0 ? 64 : e->cap * 2;
		if ((v = realloc(e->v, e->cap * sizeof(*v))) == NULL) {
			free(var);
			e->failed = 1;
			return;
		}
		e->v = v;
	}
	e->v[e->n++] = var;
	e->v[e->n] = NULL;
}

/* NAME=VALUE with the value cleaned: CR, LF and other controls → space. */
static char *
make_var(const char *name, const char *val, size_t len)
{
	size_t nl = strlen(name), i;
	char *s;

	while (len > 0 && (*val == ' ' || *val == '\t')) {
		val++;
		len--;
	}
	while (len > 0 && (val[len - 1] == ' ' || val[len - 1] == '\t'))
		len--;
	if ((s = malloc(nl + 1 + len + 1)) == NULL)
		return (NULL);
	memcpy(s, name, nl);
	s[nl] = '=';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)val[i];

		s[nl + 1 + i] = (char)(ch < 0x20 || ch == 0x7f ? ' ' : ch);
	}
	s[nl + 1 + len] = '\0';
	return (s);
}

static void
env_set(struct env *e, const char *name, const char *val)
{
	env_put(e, make_var(name, val != NULL ? val : "",
	    val != NULL ? strlen(val) : 0));
}

static void
env_setn(struct env *e, const char *name, const char *val, size_t len)
{
	env_put(e, make_var(name, val, len));
}

static void
env_copy_list(struct env *e, char *const *list)
{
	for (; list != NULL && *list != NULL; list++)
		env_put(e, strdup(*list));
}

bool
cgi_env_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || isdigit((unsigned char)name[0]))
		return (false);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			return (false);
	return (true);
}

/* Percent-decode a path for PATH_TRANSLATED; keep it raw if unsafe. */
static char *
decode_path(const char *p, size_t len)
{
	char *out, *o;
	size_t i;
	int v;

	if ((out = malloc(len + 1)) == NULL)
		return (NULL);
	for (i = 0, o = out; i < len; i++) {
		if ((v = http_pct_byte(p + i, len - i)) >= 0) {
			if (v < 0x20 || v == 0x7f) {
				/* A control byte: not worth decoding. */
				memcpy(out, p, len);
				out[len] = '\0';
				return (out);
			}
			*o++ = (char)v;
			i += 2;
		} else
			*o++ = p[i];
	}
	*o = '\0';
	return (out);
}

static void
add_server_name(struct env *e, const struct handshake *hs, bool https)
{
	const char *h = hs->host, *colon = NULL, *end;
	size_t len = hs->host_len;

	if (len > 0 && h[0] == '[') {
		end = memchr(h, ']', len);
		if (end != NULL) {
			env_setn(e, "SERVER_NAME", h + 1, (size_t)(end - h - 1));
			if ((size_t)(end - h) + 1 < len && end[1] == ':')
				colon = end + 1;
			goto port;
		}
	}
	colon = memchr(h, ':', len);
	env_setn(e, "SERVER_NAME", h, colon != NULL ? (size_t)(colon - h) :
	    len);
port:
	if (colon != NULL)
		env_setn(e, "SERVER_PORT", colon + 1,
		    len - (size_t)(colon + 1 - h));
	else
		env_set(e, "SERVER_PORT", https ? "443" : "80");
}

static void
add_headers(struct env *e, const struct http_request *req)
{
	const struct http_header *h, *g;
	char name[128], *var, *joined;
	size_t i, j, k, len;
	bool first;

	for (i = 0; i < req->num_headers; i++) {
		h = &req->headers[i];
		if (h->name_len + 6 > sizeof(name))
			continue;
		/* Only letters, digits and '-': "A_B" must not pass for
		 * "A-B", and nothing else makes a clean name. */
		for (k = 0; k < h->name_len; k++)
			if (!isalnum((unsigned char)h->name[k]) &&
			    h->name[k] != '-')
				break;
		if (k < h->name_len)
			continue;
		/* httpoxy: HTTP_PROXY would steer the program's HTTP client;
		 * credentials were checked here and are not the program's
		 * (RFC 3875 §4.1.18 leaves them out too). */
		if (http_token_eq(h->name, h->name_len, "Proxy") ||
		    http_token_eq(h->name, h->name_len, "Authorization") ||
		    http_token_eq(h->name, h->name_len, "Proxy-Authorization"))
			continue;
		/* Only the first of repeated headers builds the variable. */
		for (j = 0; j < i; j++)
			if (req->headers[j].name_len == h->name_len &&
			    strncasecmp(req->headers[j].name, h->name,
			    h->name_len) == 0)
				break;
		if (j < i)
			continue;
		memcpy(name, "HTTP_", 5);
		for (k = 0; k < h->name_len; k++)
			name[5 + k] = h->name[k] == '-' ? '_' :
			    (char)toupper((unsigned char)h->name[k]);
		name[5 + h->name_len] = '\0';

		len = 0;
		for (j = i; j < req->num_headers; j++) {
			g = &req->headers[j];
			if (g->name_len == h->name_len &&
			    strncasecmp(g->name, h->name, h->name_len) == 0)
				len += g->value_len + 2;
		}
		if ((joined = malloc(len + 1)) == NULL) {
			e->failed = 1;
			return;
		}
		len = 0;
		first = true;
		for (j = i; j < req->num_headers; j++) {
			g = &req->headers[j];
			if (g->name_len != h->name_len ||
			    strncasecmp(g->name, h->name, h->name_len) != 0)
				continue;
			if (!first) {
				memcpy(joined + len, ", ", 2);
				len += 2;
			}
			memcpy(joined + len, g->value, g->value_len);
			len += g->value_len;
			first = false;
		}
		var = make_var(name, joined, len);
		free(joined);
		env_put(e, var);
	}
}

char **
cgi_env_build(const struct cgi_params *p)
{
	const struct handshake *hs = p->hs;
	struct env e = { NULL, 0, 0, 0 };
	char *decoded;

	env_copy_list(&e, p->inherit);
	env_set(&e, "SERVER_SOFTWARE", p->software);
	env_set(&e, "GATEWAY_INTERFACE", "CGI/1.1");
	env_set(&e, "SERVER_PROTOCOL", p->req->minor_version == 0 ?
	    "HTTP/1.0" : "HTTP/1.1");
	env_setn(&e, "REQUEST_METHOD", p->req->method, p->req->method_len);
	add_server_name(&e, hs, p->https);
	env_setn(&e, "REQUEST_URI", p->req->target, p->req->target_len);
	env_set(&e, "SCRIPT_NAME", p->script_name);
	env_set(&e, "PATH_INFO", p->path_info);
	if ((decoded = decode_path(hs->path, hs->path_len)) == NULL)
		e.failed = 1;
	else {
		env_set(&e, "PATH_TRANSLATED", decoded);
		free(decoded);
	}
	env_setn(&e, "QUERY_STRING", hs->query != NULL ? hs->query : "",
	    hs->query != NULL ? hs->query_len : 0);
	env_set(&e, "REMOTE_ADDR", p->remote_addr);
	env_set(&e, "REMOTE_HOST", p->remote_addr);
	env_set(&e, "REMOTE_PORT", p->remote_port);
	env_set(&e, "REMOTE_USER", p->remote_user);
	env_set(&e, "REMOTE_IDENT", "");
	env_set(&e, "AUTH_TYPE", p->remote_user != NULL ? "Basic" : "");
	env_set(&e, "CONTENT_TYPE", "");
	env_set(&e, "CONTENT_LENGTH", "");
	env_set(&e, "UNIQUE_ID", p->unique_id);
	if (p->https)
		env_set(&e, "HTTPS", "on");
	env_copy_list(&e, p->more);
	add_headers(&e, p->req);
	env_copy_list(&e, p->extra);
	if (e.failed || e.v == NULL) {
		cgi_env_free(e.v);
		return (NULL);
	}
	return (e.v);
}

void
cgi_env_free(char **env)
{
	char **v;

	if (env == NULL)
		return;
	for (v = env; *v != NULL; v++)
		free(*v);
	free(env);
}
