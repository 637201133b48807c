/*
 * ttyproto.h - the terminal control messages, pure: the JSON of the
 * wsbridge-tty subprotocol's text messages and of ttyd's "tty" commands
 * read into verdicts, and the server's own messages written.  json-c
 * parses; no I/O, no logging, nothing kept between calls.
 */
#ifndef WSB_TTYPROTO_H
#define WSB_TTYPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TTYPROTO_CONTROL_MAX	1024	/* a control message's bytes */
#define TTYPROTO_DIM_MAX	1000	/* columns or rows */

/* ttyd's command bytes (its src/server.h, 1.7). */
#define TTYD_INPUT		'0'	/* client: input; server: output */
#define TTYD_RESIZE		'1'	/* client: '1' + {"columns","rows"} */
#define TTYD_PAUSE		'2'
#define TTYD_RESUME		'3'
#define TTYD_JSON		'{'	/* the first message: AuthToken, size */
#define TTYD_TITLE		'1'	/* server: '1' + window title */
#define TTYD_PREFS		'2'	/* server: '2' + JSON preferences */

enum ttyproto_kind {
	TTYPROTO_RESIZE,	/* cols, rows */
	TTYPROTO_PAUSE,		/* stop reading the terminal */
	TTYPROTO_RESUME,	/* read it again */
	TTYPROTO_INIT,		/* ttyd's first message: size when has_size */
	TTYPROTO_IGNORE,	/* a type we do not know: type names it */
	TTYPROTO_BAD		/* close 1007 */
};

struct ttyproto_msg {
	enum ttyproto_kind kind;
	unsigned	cols;		/* RESIZE, INIT with has_size */
	unsigned	rows;
	bool		has_size;
	char		type[32];	/* IGNORE: the type, cut, printable */
};

/*
 * ttyproto_control(p, len, m): a wsbridge-tty text message, one JSON
 * object: {"type":"resize","cols":C,"rows":R} (integers 1..1000) is
 * RESIZE; another string type is IGNORE; anything else (not an object, no
 * string type, a resize without good numbers, bytes after the object) is
 * BAD.  Returns m->kind.
 */
enum ttyproto_kind ttyproto_control(const uint8_t *, size_t,
	    struct ttyproto_msg *);

/*
 * ttyproto_ttyd(p, len, m): a ttyd command message, its command byte
 * first (not TTYD_INPUT: input is not a control message): '1' + JSON
 * {"columns":C,"rows":R} is RESIZE, '2' PAUSE, '3' RESUME, a JSON object
 * INIT (has_size when it names both columns and rows; AuthToken is not
 * looked at); another command byte is IGNORE.  Bad JSON or numbers out of
 * 1..1000: BAD.  Returns m->kind.
 */
enum ttyproto_kind ttyproto_ttyd(const uint8_t *, size_t,
	    struct ttyproto_msg *);

/*
 * ttyproto_hello(out, cap, readonly, cols, rows): the wsbridge-tty hello,
 * {"type":"hello","readonly":B,"cols":C,"rows":R}, into out.  Returns its
 * length, or 0 when it does not fit (or memory is short).
 */
size_t	ttyproto_hello(char *, size_t, bool, unsigned, unsigned);

/*
 * ttyproto_ttyd_title(out, cap, title): ttyd's title message, '1' + title
 * cut to fit.  Returns its length (0 when cap is 0).
 */
size_t	ttyproto_ttyd_title(char *, size_t, const char *);

#endif
