/*
 * test_mime.c - Content-Type by extension, and request paths turned into
 * safe relative names: traversal attempts, encodings, collapsing.
 */
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "unit.h"

#define GUARD_MAX	4096	/* the longest input */

static const char *
mt(const char *path)
{

	return (mime_type(unit_guarded(path, strlen(path)), strlen(path)));
}

#define CHECK_MT(path, want) do {					\
	if (strcmp(mt(path), (want)) != 0)				\
		fprintf(stderr, "  %s:%d: %s -> %s\n", __FILE__,	\
		    __LINE__, (path), mt(path));			\
	CHECK(strcmp(mt(path), (want)) == 0);				\
} while (0)

static void
test_mime_types(void)
{
	static const char *table[][2] = {
		{ "index.html", "text/html; charset=utf-8" },
		{ "a.htm", "text/html; charset=utf-8" },
		{ "s.css", "text/css; charset=utf-8" },
		{ "app.js", "text/javascript; charset=utf-8" },
		{ "mod.mjs", "text/javascript; charset=utf-8" },
		{ "d.json", "application/json" },
		{ "app.js.map", "application/json" },
		{ "r.txt", "text/plain; charset=utf-8" },
		{ "f.xml", "application/xml" },
		{ "i.svg", "image/svg+xml" },
		{ "i.png", "image/png" },
		{ "i.jpg", "image/jpeg" },
		{ "i.jpeg", "image/jpeg" },
		{ "i.gif", "image/gif" },
		{ "i.webp", "image/webp" },
		{ "favicon.ico", "image/x-icon" },
		{ "m.wasm", "application/wasm" },
		{ "f.woff", "font/woff" },
		{ "f.woff2", "font/woff2" },
		{ "f.ttf", "font/ttf" },
		{ "f.otf", "font/otf" },
		{ "d.pdf", "application/pdf" },
		{ "s.mp3", "audio/mpeg" },
		{ "v.mp4", "video/mp4" },
		{ "v.webm", "video/webm" },
		{ "a.ogg", "audio/ogg" },
		{ "a.wav", "audio/wav" },
		{ "z.zip", "application/zip" },
		{ "z.tar.gz", "application/gzip" },
		{ "z.tar", "application/x-tar" },
		{ "t.csv", "text/csv; charset=utf-8" },
		{ "README.md", "text/markdown; charset=utf-8" },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		CHECK_MT(table[i][0], table[i][1]);
}

static void
test_mime_edges(void)
{

	CHECK_MT("/www/INDEX.HTML", "text/html; charset=utf-8");
	CHECK_MT("Photo.JpEg", "image/jpeg");
	CHECK_MT("/a.b/c", MIME_DEFAULT);
	CHECK_MT("/a.html/", MIME_DEFAULT);
	CHECK_MT("noext", MIME_DEFAULT);
	CHECK_MT("", MIME_DEFAULT);
	CHECK_MT(".", MIME_DEFAULT);
	CHECK_MT("file.", MIME_DEFAULT);
	CHECK_MT(".html", MIME_DEFAULT);
	CHECK_MT("/dir/.css", MIME_DEFAULT);
	CHECK_MT("..html", "text/html; charset=utf-8");
	CHECK_MT("x.exe", MIME_DEFAULT);
	CHECK_MT("x.htmlx", MIME_DEFAULT);
	CHECK_MT("x.woff22", MIME_DEFAULT);
	CHECK_MT("x.h", MIME_DEFAULT);
	CHECK_MT("x.gzip", MIME_DEFAULT);
	/* Only len bytes count. */
	CHECK(strcmp(mime_type("a.jsonx", 6), "application/json") == 0);
	CHECK(strcmp(mime_type("a.js\0on", 7), MIME_DEFAULT) == 0);
}

static int
sp(const char *target, char *out, size_t outlen)
{

	return (static_path(unit_guarded(target, strlen(target)),
	    strlen(target), out, outlen));
}

#define CHECK_SP(target, want) do {					\
	char out_[256];							\
	int r_ = sp((target), out_, sizeof(out_));			\
	if (r_ != 0 || strcmp(out_, (want)) != 0)			\
		fprintf(stderr, "  %s:%d: %s -> %d \"%s\"\n", __FILE__,	\
		    __LINE__, (target), r_, r_ == 0 ? out_ : "");	\
	CHECK(r_ == 0 && strcmp(out_, (want)) == 0);			\
} while (0)

#define CHECK_SP_BAD(target) do {					\
	char out_[256];							\
	int r_ = sp((target), out_, sizeof(out_));			\
	if (r_ != -1)							\
		fprintf(stderr, "  %s:%d: %s -> \"%s\"\n", __FILE__,	\
		    __LINE__, (target), out_);				\
	CHECK_EQ(r_, -1);						\
} while (0)

static void
test_mime_static_path(void)
{

	CHECK_SP("/", "");
	CHECK_SP("//", "");
	CHECK_SP("/index.html", "index.html");
	CHECK_SP("/a/b/c.js", "a/b/c.js");
	CHECK_SP("/a//b", "a/b");
	CHECK_SP("///a///b///", "a/b/");
	CHECK_SP("/docs/", "docs/");
	CHECK_SP("/a%20b.txt", "a b.txt");
	CHECK_SP("/%41%62c", "Abc");
	CHECK_SP("/caf%C3%A9", "caf\xc3\xa9");
	CHECK_SP("/caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_SP("/100%25", "100%");
	CHECK_SP("/a+b", "a+b");
	CHECK_SP("/a./b..", "a./b..");
	CHECK_SP("/a/b.c/d", "a/b.c/d");
	CHECK_SP("/x%2e", "x.");
	CHECK_SP("/~user", "~user");
}

static void
test_mime_traversal(void)
{

	CHECK_SP_BAD("/../etc/passwd");
	CHECK_SP_BAD("/a/../../etc/passwd");
	CHECK_SP_BAD("/a/..");
	CHECK_SP_BAD("/a/../");
	CHECK_SP_BAD("/..");
	CHECK_SP_BAD("/.");
	CHECK_SP_BAD("/./a");
	CHECK_SP_BAD("/a/./b");
	CHECK_SP_BAD("/%2e%2e/x");
	CHECK_SP_BAD("/%2E%2E/x");
	CHECK_SP_BAD("/a/%2E%2E/b");
	CHECK_SP_BAD("/a/.%2e/b");
	CHECK_SP_BAD("/a/%2e./b");
	CHECK_SP_BAD("/%2e");
	CHECK_SP_BAD("/.git/config");
	CHECK_SP_BAD("/a/.htpasswd");
	CHECK_SP_BAD("/a/%2ehtpasswd");
	CHECK_SP_BAD("/a%2fb");
	CHECK_SP_BAD("/a%2Fb");
	CHECK_SP_BAD("/%2f%2e%2e%2fetc");
	CHECK_SP_BAD("/%00");
	CHECK_SP_BAD("/a%00.html");
	CHECK_SP_BAD("/a\\..\\b");
	CHECK_SP_BAD("/a%5c..%5cb");
	CHECK_SP_BAD("/..%5c..%5cetc");
	CHECK_SP("/%252e%252e/", "%2e%2e/");	/* a harmless file name */
	CHECK_SP_BAD("/a%0a");
	CHECK_SP_BAD("/a%7f");
	CHECK_SP_BAD("/a\x01");
	CHECK_SP_BAD("/a%");
	CHECK_SP_BAD("/a%4");
	CHECK_SP_BAD("/a%g0");
	CHECK_SP_BAD("/a%%32e");
	CHECK_SP_BAD("/a?x=1");
	CHECK_SP_BAD("/a#frag");
	CHECK_SP_BAD("");
	CHECK_SP_BAD("a/b");
	CHECK_SP_BAD("../a");
	CHECK_SP_BAD("*");
	CHECK_SP_BAD("http://host/a");
	CHECK(static_path("/a\0b", 4, (char[8]){ 0 }, 8) == -1);
}

static void
test_mime_outlen(void)
{
	char out[8];

	CHECK_EQ(sp("/abcdefg", out, sizeof(out)), 0);
	CHECK(strcmp(out, "abcdefg") == 0);
	CHECK_EQ(sp("/abcdefgh", out, sizeof(out)), -1);
	CHECK_EQ(sp("/abc/efg", out, sizeof(out)), 0);
	CHECK(strcmp(out, "abc/efg") == 0);
	CHECK_EQ(sp("/abc/efgh", out, sizeof(out)), -1);
	CHECK_EQ(sp("//abc//efgh", out, sizeof(out)), -1);
	CHECK_EQ(sp("/abc/ef", out, sizeof(out)), 0);
	CHECK(strcmp(out, "abc/ef") == 0);
	CHECK_EQ(sp("/abc/ef/", out, sizeof(out)), 0);
	CHECK(strcmp(out, "abc/ef/") == 0);
	CHECK_EQ(sp("/abc/efg/", out, sizeof(out)), -1);
	CHECK_EQ(sp("/%41%41%41%41%41%41%41", out, sizeof(out)), 0);
	CHECK_EQ(sp("/", out, 1), 0);
	CHECK(strcmp(out, "") == 0);
	CHECK_EQ(sp("/", out, 0), -1);
	CHECK_EQ(sp("/a", out, 1), -1);
}

int
main(void)
{

	unit_guard_init(GUARD_MAX);
	UNIT_RUN(test_mime_types);
	UNIT_RUN(test_mime_edges);
	UNIT_RUN(test_mime_static_path);
	UNIT_RUN(test_mime_traversal);
	UNIT_RUN(test_mime_outlen);
	return (UNIT_END("test_mime"));
}
