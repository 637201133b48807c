/*
 * ttyproto.c - terminal control messages into verdicts, and the server's
 * own messages: JSON through json-c, nothing else.  No I/O, no logging, no
 * state between calls; the caller bounds the input (TTYPROTO_CONTROL_MAX).
 */
#include <string.h>

#include <json-c/json.h>

#include "ttyproto.h"

/*
 * One whole JSON object in p..p+len, nothing after it but white space, or
 * NULL.  A NUL byte is refused first: json-c would take it as the end.
 */
static struct json_object *
parse_object(const uint8_t *p, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end;

	if (len == 0 || len > TTYPROTO_CONTROL_MAX || memchr(p, '\0', len) !=
	    NULL)
		return (NULL);
	if ((tok = json_tokener_new()) == NULL)
		return (NULL);
	obj = json_tokener_parse_ex(tok, (const char *)p, (int)len);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL)
		return (NULL);
	while (end < len && (p[end] == ' ' || p[end] == '\t' ||
	    p[end] == '\r' || p[end] == '\n'))
		end++;
	if (end != len || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return (NULL);
	}
	return (obj);
}

/*
 * obj's member name as a size: an integer in 1..TTYPROTO_DIM_MAX.
 * 1 found and good, 0 absent, -1 there but bad.
 */
static int
dim(struct json_object *obj, const char *name, unsigned *v)
{
	struct json_object *o;
	int64_t n;

	if (!json_object_object_get_ex(obj, name, &o))
		return (0);
	if (!json_object_is_type(o, json_type_int))
		return (-1);
	n = json_object_get_int64(o);
	if (n < 1 || n > TTYPROTO_DIM_MAX)
		return (-1);
	*v = (unsigned)n;
	return (1);
}

/* The type's name for the log: printable ASCII, cut. */
static void
copy_type(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i] != '\0'; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[i] = '\0';
}

enum ttyproto_kind
ttyproto_control(const uint8_t *p, size_t len, struct ttyproto_msg *m)
{
	struct json_object *obj, *t;
	const char *type;

	memset(m, 0, sizeof(*m));
	m->kind = TTYPROTO_BAD;
	if ((obj = parse_object(p, len)) == NULL)
		return (m->kind);
	if (json_object_object_get_ex(obj, "type", &t) &&
	    json_object_is_type(t, json_type_string)) {
		type = json_object_get_string(t);
		if (strcmp(type, "resize") != 0) {
			m->kind = TTYPROTO_IGNORE;
			copy_type(m->type, sizeof(m->type), type);
		} else if (dim(obj, "cols", &m->cols) == 1 &&
		    dim(obj, "rows", &m->rows) == 1) {
			m->kind = TTYPROTO_RESIZE;
			m->has_size = true;
		}
	}
	json_object_put(obj);
	return (m->kind);
}

enum ttyproto_kind
ttyproto_ttyd(const uint8_t *p, size_t len, struct ttyproto_msg *m)
{
	struct json_object *obj;
	int c, r;

	memset(m, 0, sizeof(*m));
	m->kind = TTYPROTO_BAD;
	if (len == 0)
		return (m->kind);
	switch (p[0]) {
	case TTYD_PAUSE:
		m->kind = TTYPROTO_PAUSE;
		return (m->kind);
	case TTYD_RESUME:
		m->kind = TTYPROTO_RESUME;
		return (m->kind);
	case TTYD_RESIZE:
		if ((obj = parse_object(p + 1, len - 1)) == NULL)
			return (m->kind);
		if (dim(obj, "columns", &m->cols) == 1 &&
		    dim(obj, "rows", &m->rows) == 1) {
			m->kind = TTYPROTO_RESIZE;
			m->has_size = true;
		}
		json_object_put(obj);
		return (m->kind);
	case TTYD_JSON:
		if ((obj = parse_object(p, len)) == NULL)
			return (m->kind);
		c = dim(obj, "columns", &m->cols);
		r = dim(obj, "rows", &m->rows);
		if (c != -1 && r != -1) {
			m->kind = TTYPROTO_INIT;
			m->has_size = c == 1 && r == 1;
		}
		json_object_put(obj);
		return (m->kind);
	default:
		m->kind = TTYPROTO_IGNORE;
		copy_type(m->type, sizeof(m->type), (const char[]){
		    (char)p[0], '\0' });
		return (m->kind);
	}
}

size_t
ttyproto_hello(char *out, size_t cap, bool readonly, unsigned cols,
    unsigned rows)
{
	struct json_object *obj;
	const char *s;
	size_t n = 0;

	if ((obj = json_object_new_object()) == NULL)
		return (0);
	if (json_object_object_add(obj, "type",
	    json_object_new_string("hello")) == 0 &&
	    json_object_object_add(obj, "readonly",
	    json_object_new_boolean(readonly)) == 0 &&
	    json_object_object_add(obj, "cols",
	    json_object_new_int64(cols)) == 0 &&
	    json_object_object_add(obj, "rows",
	    json_object_new_int64(rows)) == 0 &&
	    (s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN)) != NULL && (n = strlen(s)) < cap)
		memcpy(out, s, n + 1);
	else
		n = 0;
	json_object_put(obj);
	return (n);
}

size_t
ttyproto_ttyd_title(char *out, size_t cap, const char *title)
{
	size_t n;

	if (cap == 0)
		return (0);
	if ((n = strlen(title)) > cap - 1) {
		/* Cut before a character that does not fit whole. */
		n = cap - 1;
		while (n > 0 && ((unsigned char)title[n] & 0xc0) == 0x80)
			n--;
	}
	out[0] = TTYD_TITLE;
	memcpy(out + 1, title, n);
	return (n + 1);
}
