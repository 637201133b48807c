/*
 * mime.c - Content-Type by file extension, and request path to a safe
 * relative file name.  The path check is what keeps a request inside the
 * document root: no I/O here, no malloc, no logging.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "http.h"
#include "mime.h"

#define TEXT(t)	t "; charset=utf-8"
#define EXT_MAX	5		/* longest extension in the table */

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ "html",	TEXT("text/html") },
	{ "htm",	TEXT("text/html") },
	{ "css",	TEXT("text/css") },
	{ "js",		TEXT("text/javascript") },	/* RFC 9239 */
	{ "mjs",	TEXT("text/javascript") },
	{ "json",	"application/json" },		/* RFC 8259 */
	{ "map",	"application/json" },
	{ "txt",	TEXT("text/plain") },
	{ "xml",	"application/xml" },		/* RFC 7303 */
	{ "svg",	"image/svg+xml" },
	{ "png",	"image/png" },
	{ "jpg",	"image/jpeg" },
	{ "jpeg",	"image/jpeg" },
	{ "gif",	"image/gif" },
	{ "webp",	"image/webp" },
	{ "ico",	"image/x-icon" },
	{ "wasm",	"application/wasm" },
	{ "woff",	"font/woff" },
	{ "woff2",	"font/woff2" },
	{ "ttf",	"font/ttf" },
	{ "otf",	"font/otf" },
	{ "pdf",	"application/pdf" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "webm",	"video/webm" },
	{ "ogg",	"audio/ogg" },
	{ "wav",	"audio/wav" },
	{ "zip",	"application/zip" },
	{ "gz",		"application/gzip" },
	{ "tar",	"application/x-tar" },
	{ "csv",	TEXT("text/csv") },
	{ "md",		TEXT("text/markdown") },		/* RFC 7763 */
};

static char
lower(char c)
{

	return ((c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
}

const char *
mime_type(const char *path, size_t len)
{
	char ext[EXT_MAX];
	size_t i, base = 0, dot = len, n;

	for (i = 0; i < len; i++) {
		if (path[i] == '/')
			base = i + 1;
		else if (path[i] == '.')
			dot = i;
	}
	/* No dot in the last segment, or only a leading one (".profile"). */
	if (dot == len || dot < base || dot == base)
		return (MIME_DEFAULT);
	n = len - dot - 1;
	if (n == 0 || n > EXT_MAX)
		return (MIME_DEFAULT);
	for (i = 0; i < n; i++)
		ext[i] = lower(path[dot + 1 + i]);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].ext) == n &&
		    memcmp(ext, types[i].ext, n) == 0)
			return (types[i].type);
	return (MIME_DEFAULT);
}

int
static_path(const char *target, size_t len, char *out, size_t outlen)
{
	size_t i, k = 0, seg;
	unsigned char c;
	int v;

	if (len == 0 || target[0] != '/' || outlen == 0)
		return (-1);
	for (i = 0; i < len; ) {
		/* Each pass takes one segment: the bytes after a raw '/'. */
		while (i < len && target[i] == '/')
			i++;
		if (i == len)
			break;
		if (k > 0) {
			if (k + 1 >= outlen)
				return (-1);
			out[k++] = '/';
		}
		seg = k;
		for (; i < len && target[i] != '/'; i++) {
			c = (unsigned char)target[i];
			if (c == '?' || c == '#')
				return (-1);
			if (c == '%') {
				if ((v = http_pct_byte(target + i, len - i)) < 0)
					return (-1);
				c = (unsigned char)v;
				i += 2;
				/* An encoded '/' would join segments. */
				if (c == '/')
					return (-1);
			}
			/* NUL, controls and '\\' (a separator elsewhere). */
			if (c < 0x20 || c == 0x7f || c == '\\')
				return (-1);
			/* ".", "..", and hidden files like ".git". */
			if (k == seg && c == '.')
				return (-1);
			if (k + 1 >= outlen)
				return (-1);
			out[k++] = (char)c;
		}
	}
	/* Keep one trailing '/' to mark a directory request. */
	if (k > 0 && target[len - 1] == '/') {
		if (k + 1 >= outlen)
			return (-1);
		out[k++] = '/';
	}
	out[k] = '\0';
	return (0);
}
