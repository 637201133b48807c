/*
 * pmd.c - permessage-deflate (RFC 7692): negotiation of the offers in
 * Sec-WebSocket-Extensions, and zlib inflate/deflate that never write more
 * than the caller's buffer.  No I/O, no logging, no libev; negotiation never
 * allocates, the codecs only through zlib.
 */
#define ZLIB_CONST		/* next_in is const */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "http.h"
#include "pmd.h"

/* §7.2.1: what a sync flush ends with, removed by senders, put back here. */
static const uint8_t pmd_tail[4] = { 0x00, 0x00, 0xff, 0xff };

/* ---- negotiation ---------------------------------------------------- */

/* An offer being read: one element of the extension list. */
struct offer {
	bool		ok;		/* syntax and parameters acceptable */
	bool		snct, cnct;	/* *_no_context_takeover seen */
	int		sbits;		/* server_max_window_bits, 0: absent */
	int		cbits;		/* client_max_window_bits, 0: absent,
					   -1: present without a value */
};

/* RFC 9110 §5.6.2 tchar */
static bool
is_tchar(unsigned char c)
{

	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return (true);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_ows(char c)
{

	return (c == ' ' || c == '\t');
}

static void
skip_ows(const char *s, size_t len, size_t *pos)
{

	while (*pos < len && is_ows(s[*pos]))
		(*pos)++;
}

/* 1*tchar at *pos; false when there is none. */
static bool
scan_token(const char *s, size_t len, size_t *pos, const char **t,
    size_t *tlen)
{
	size_t i = *pos;

	while (i < len && is_tchar((unsigned char)s[i]))
		i++;
	if (i == *pos)
		return (false);
	*t = s + *pos;
	*tlen = i - *pos;
	*pos = i;
	return (true);
}

/*
 * A parameter value at *pos: token or quoted-string (RFC 9110 §5.6.4),
 * unescaped into v (at most vcap bytes kept; *vlen is the full length).
 * False on bad syntax.
 */
static bool
scan_value(const char *s, size_t len, size_t *pos, char *v, size_t vcap,
    size_t *vlen)
{
	const char *t;
	size_t i, n = 0, tlen;
	unsigned char c;

	if (*pos < len && s[*pos] != '"') {
		if (!scan_token(s, len, pos, &t, &tlen))
			return (false);
		memcpy(v, t, tlen < vcap ? tlen : vcap);
		*vlen = tlen;
		return (true);
	}
	for (i = *pos + 1; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '"') {
			*pos = i + 1;
			*vlen = n;
			return (true);
		}
		if (c == '\\') {
			if (++i == len)
				return (false);
			c = (unsigned char)s[i];
			/* quoted-pair: HTAB / SP / VCHAR / obs-text */
			if (c != '\t' && (c < 0x20 || c == 0x7f))
				return (false);
		} else if (c != '\t' && (c < 0x20 || c == 0x7f))
			return (false);
		if (n < vcap)
			v[n] = (char)c;
		n++;
	}
	return (false);		/* no closing quote */
}

/* §7.1.2: "a decimal integer value without leading zeroes between 8 to 15" */
static int
window_bits(const char *v, size_t vlen)
{

	if (vlen == 1 && (v[0] == '8' || v[0] == '9'))
		return (v[0] - '0');
	if (vlen == 2 && v[0] == '1' && v[1] >= '0' && v[1] <= '5')
		return (10 + (v[1] - '0'));
	return (0);
}

/* Record one parameter of a permessage-deflate offer. */
static void
offer_param(struct offer *o, const char *name, size_t nlen, bool has_value,
    const char *v, size_t vlen)
{
	int bits = has_value ? window_bits(v, vlen) : 0;

	if (http_token_eq(name, nlen, "server_no_context_takeover")) {
		if (o->snct || has_value)
			o->ok = false;
		o->snct = true;
	} else if (http_token_eq(name, nlen, "client_no_context_takeover")) {
		if (o->cnct || has_value)
			o->ok = false;
		o->cnct = true;
	} else if (http_token_eq(name, nlen, "server_max_window_bits")) {
		if (o->sbits != 0 || bits == 0)
			o->ok = false;
		o->sbits = bits != 0 ? bits : -1;
	} else if (http_token_eq(name, nlen, "client_max_window_bits")) {
		if (o->cbits != 0 || (has_value && bits == 0))
			o->ok = false;
		o->cbits = has_value && bits != 0 ? bits : -1;
	} else
		o->ok = false;		/* §7: unknown parameter: decline */
}

/*
 * Read one list element at *pos (up to a ',' outside quotes or the end):
 * extension-token *( OWS ";" OWS param [ OWS "=" OWS value ] ).  Returns
 * true when it is permessage-deflate; o->ok then says whether we can take
 * it.  On a syntax error skips to the next ',' outside a quoted-string.
 */
static bool
read_offer(const char *s, size_t len, size_t *pos, struct offer *o)
{
	const char *name, *pname;
	size_t start = *pos, nlen, plen, vlen;
	char v[4];
	bool quoted, pmd, has_value;

	memset(o, 0, sizeof(*o));
	o->ok = true;
	if (!scan_token(s, len, pos, &name, &nlen))
		goto bad;
	pmd = http_token_eq(name, nlen, "permessage-deflate");
	for (;;) {
		skip_ows(s, len, pos);
		if (*pos == len || s[*pos] == ',')
			return (pmd);
		if (s[(*pos)++] != ';')
			goto bad;
		skip_ows(s, len, pos);
		if (!scan_token(s, len, pos, &pname, &plen))
			goto bad;
		skip_ows(s, len, pos);
		has_value = *pos < len && s[*pos] == '=';
		vlen = 0;
		if (has_value) {
			(*pos)++;
			skip_ows(s, len, pos);
			if (!scan_value(s, len, pos, v, sizeof(v), &vlen))
				goto bad;
		}
		if (pmd)	/* a value longer than v is no number */
			offer_param(o, pname, plen, has_value, v, vlen);
	}
bad:
	quoted = false;
	for (*pos = start; *pos < len; (*pos)++) {
		if (quoted && s[*pos] == '\\' && *pos + 1 < len)
			(*pos)++;
		else if (s[*pos] == '"')
			quoted = !quoted;
		else if (!quoted && s[*pos] == ',')
			break;
	}
	o->ok = false;
	return (false);
}

static void
put(char *buf, size_t cap, size_t *n, const char *s)
{
	size_t l = strlen(s);

	if (*n < cap && l < cap - *n)
		memcpy(buf + *n, s, l);
	*n += l;
}

static void
put_bits(char *buf, size_t cap, size_t *n, const char *name, int bits)
{
	char num[3];

	num[0] = (char)(bits >= 10 ? '1' : '0' + bits);
	num[1] = (char)(bits >= 10 ? '0' + bits - 10 : '\0');
	num[2] = '\0';
	put(buf, cap, n, name);
	put(buf, cap, n, num);
}

/* §7.1: decide on an acceptable offer and write the answer; false if none. */
static bool
accept_offer(const struct offer *o, const struct pmd_config *cfg,
    struct pmd_params *out, char *answer, size_t answer_len)
{
	struct pmd_params p;
	int max = cfg->max_window_bits;
	size_t n = 0;

	/* zlib cannot deflate raw with 8 bits; 0 or nonsense means 15 */
	if (max < 9 || max > 15)
		max = max == 8 ? 9 : 15;
	/* §7.1.2.1: never answer more than the client asked for */
	if (o->sbits == 8)
		return (false);
	p.server_window_bits = o->sbits > 0 && o->sbits < max ? o->sbits : max;
	p.server_no_context_takeover = o->snct ||
	    cfg->server_no_context_takeover;
	/* §7.1.2.2: only when offered, at most the client's own hint */
	p.client_window_bits = 15;
	if (o->cbits != 0)
		p.client_window_bits = o->cbits > 0 && o->cbits < max ?
		    o->cbits : max;
	/* a client that offers client_no_context_takeover will reset anyway */
	p.client_no_context_takeover = o->cnct;

	put(answer, answer_len, &n, "permessage-deflate");
	if (p.server_no_context_takeover)
		put(answer, answer_len, &n, "; server_no_context_takeover");
	if (p.client_no_context_takeover)
		put(answer, answer_len, &n, "; client_no_context_takeover");
	if (o->sbits != 0)
		put_bits(answer, answer_len, &n, "; server_max_window_bits=",
		    p.server_window_bits);
	if (o->cbits != 0)
		put_bits(answer, answer_len, &n, "; client_max_window_bits=",
		    p.client_window_bits);
	if (n >= answer_len)
		return (false);
	answer[n] = '\0';
	*out = p;
	return (true);
}

int
pmd_negotiate(const struct http_request *req, const struct pmd_config *cfg,
    struct pmd_params *out, char *answer, size_t answer_len)
{
	const struct http_header *h;
	struct offer o;
	size_t pos;
	int i;

	if (answer_len > 0)
		answer[0] = '\0';
	if (!cfg->enabled)
		return (0);
	/* RFC 9110 §5.3: several fields are one list, in order */
	for (i = http_find_header(req, "Sec-WebSocket-Extensions", 0); i >= 0;
	    i = http_find_header(req, "Sec-WebSocket-Extensions",
	    (size_t)i + 1)) {
		h = &req->headers[i];
		pos = 0;
		for (;;) {
			/* empty elements and blanks around commas are fine */
			while (pos < h->value_len && (is_ows(h->value[pos]) ||
			    h->value[pos] == ','))
				pos++;
			if (pos >= h->value_len)
				break;
			if (read_offer(h->value, h->value_len, &pos, &o) &&
			    o.ok && accept_offer(&o, cfg, out, answer,
			    answer_len))
				return (1);
		}
	}
	if (answer_len > 0)
		answer[0] = '\0';
	return (0);
}

/* ---- inflate -------------------------------------------------------- */

int
pmd_inflate_init(struct pmd_inflate *z, int window_bits,
    bool no_context_takeover)
{

	if (window_bits < 8 || window_bits > 15)
		return (-1);
	memset(z, 0, sizeof(*z));
	/* peers whose zlib cannot deflate with 8 bits use 9 when told 8 */
	z->window_bits = window_bits < 9 ? 9 : window_bits;
	z->no_context_takeover = no_context_takeover;
	z->credit = PMD_RESTART_BURST;
	return (0);
}

/*
 * A final block ended the deflate stream (§7.2.3.4) and more input
 * follows: it is a new stream.  It keeps the window even without context
 * takeover: a window more than the sender assumes never hurts, one less
 * would.  Copying the window costs its size whatever the input, so that is
 * charged to z->credit (see PMD_RESTART_BURST).  Returns 0 or a PMD_ERR_*.
 */
static int
inflate_restart(struct pmd_inflate *z)
{
	uint8_t dict[1 << 15];
	uInt dlen = 0;
	uint64_t cost;

	if (inflateGetDictionary(&z->zs, NULL, &dlen) != Z_OK ||
	    dlen > sizeof(dict))
		return (PMD_ERR_DATA);
	cost = dlen < PMD_RESTART_MIN ? PMD_RESTART_MIN : dlen;
	if (cost > z->credit)
		return (PMD_ERR_LIMIT);
	z->credit -= cost;
	if (dlen > 0 && inflateGetDictionary(&z->zs, dict, &dlen) != Z_OK)
		return (PMD_ERR_DATA);
	if (inflateReset(&z->zs) != Z_OK)
		return (PMD_ERR_DATA);
	/* raw inflate: a dictionary may be set at any time */
	if (dlen > 0 && inflateSetDictionary(&z->zs, dict, dlen) != Z_OK)
		return (PMD_ERR_DATA);
	z->ended = false;
	return (0);
}

/* Work that earns restart budget, up to the burst. */
static void
inflate_earn(struct pmd_inflate *z, size_t in, size_t out)
{
	uint64_t gain = (uint64_t)in * PMD_RESTART_PER_IN + out;

	z->credit = PMD_RESTART_BURST - z->credit < gain ?
	    PMD_RESTART_BURST : z->credit + gain;
}

/* The message is complete: forget the window if asked to. */
static int
inflate_msg_end(struct pmd_inflate *z)
{

	z->in_msg = false;
	z->after_final = false;
	z->msg_in = 0;
	z->tail_fed = 0;
	if (z->no_context_takeover && z->active) {
		/* the window goes: nothing to carry into the next stream */
		if (inflateReset(&z->zs) != Z_OK)
			return (PMD_ERR_DATA);
		z->ended = false;
	}
	return (0);
}

int
pmd_inflate_feed(struct pmd_inflate *z, const uint8_t *in, size_t inlen,
    bool fin, uint8_t *out, size_t outcap, size_t *consumed, size_t *produced)
{
	size_t used_in, avail_in, avail_out;
	bool tail;
	int r;

	*consumed = *produced = 0;
	if (!z->active) {
		memset(&z->zs, 0, sizeof(z->zs));
		r = inflateInit2(&z->zs, -z->window_bits);
		if (r != Z_OK)
			return (r == Z_MEM_ERROR ? PMD_ERR_NOMEM : PMD_ERR_DATA);
		z->active = true;
	}
	z->in_msg = true;
	for (;;) {
		tail = false;
		if (*consumed < inlen) {
			/* restarted only now that more input has come */
			if (z->ended && (r = inflate_restart(z)) != 0)
				return (r);
			z->zs.next_in = in + *consumed;
			avail_in = inlen - *consumed;
		} else if (fin && z->tail_fed < sizeof(pmd_tail) &&
		    !z->after_final && z->msg_in > 0) {
			tail = true;
			z->zs.next_in = pmd_tail + z->tail_fed;
			avail_in = sizeof(pmd_tail) - z->tail_fed;
		} else {
			if (z->ended)
				break;	/* nothing more for this stream */
			z->zs.next_in = NULL;
			avail_in = 0;
		}
		avail_out = outcap - *produced;
		z->zs.avail_in = avail_in > UINT_MAX ? UINT_MAX :
		    (uInt)avail_in;
		z->zs.next_out = out + *produced;
		z->zs.avail_out = avail_out > UINT_MAX ? UINT_MAX :
		    (uInt)avail_out;
		avail_in = z->zs.avail_in;
		avail_out = z->zs.avail_out;
		r = inflate(&z->zs, Z_SYNC_FLUSH);
		used_in = avail_in - z->zs.avail_in;
		*produced += avail_out - z->zs.avail_out;
		inflate_earn(z, tail ? 0 : used_in,
		    avail_out - z->zs.avail_out);
		/* zlib forgets it at the next call: keep it from the last
		   call that read input */
		if (used_in > 0)
			z->boundary = (z->zs.data_type & 128) != 0;
		if (tail)
			z->tail_fed = (uint8_t)(z->tail_fed + used_in);
		else {
			*consumed += used_in;
			z->msg_in += used_in;
			if (used_in > 0)
				z->after_final = false;
		}
		if (r == Z_MEM_ERROR)
			return (PMD_ERR_NOMEM);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return (PMD_ERR_DATA);	/* also Z_NEED_DICT */
		if (r == Z_STREAM_END) {
			/*
			 * The end may have waited for output room and come
			 * without a tail byte; a final stored block may end
			 * with the tail; a final block ending inside the tail
			 * is junk.
			 */
			if (tail && z->tail_fed > 0 &&
			    z->tail_fed < sizeof(pmd_tail))
				return (PMD_ERR_DATA);
			z->ended = true;
			z->after_final = true;
			continue;
		}
		if (*produced == outcap)
			return (0);
		/* output room left: zlib has taken all it was given */
		if (avail_in == 0 || used_in == 0)
			break;
	}
	if (*consumed < inlen)		/* cannot happen: see above */
		return (PMD_ERR_DATA);
	if (!fin)
		return (0);
	/*
	 * The whole message is in.  Unless it ended with a final block (or
	 * was empty), the tail must have closed a stored block, leaving
	 * inflate at a block boundary; else the stream would be out of step
	 * with the next message.
	 */
	if (!z->after_final && z->msg_in > 0 &&
	    (z->tail_fed < sizeof(pmd_tail) || !z->boundary))
		return (PMD_ERR_DATA);
	return (inflate_msg_end(z));
}

void
pmd_inflate_idle(struct pmd_inflate *z)
{

	if (z->no_context_takeover && !z->in_msg)
		pmd_inflate_end(z);
}

void
pmd_inflate_end(struct pmd_inflate *z)
{

	if (z->active)
		(void)inflateEnd(&z->zs);
	z->active = false;
	z->in_msg = false;
	z->ended = false;
	z->after_final = false;
	z->msg_in = 0;
	z->tail_fed = 0;
}

/* ---- deflate -------------------------------------------------------- */

/* d->phase */
enum {
	D_DATA,			/* compressing; at fin the block is ended */
	D_SYNC,			/* block ended: the sync flush marker next */
	D_DONE			/* marker written: hand out q, drop the tail */
};

#define D_STAGE		16	/* > 6: room for a whole flush marker */

int
pmd_deflate_init(struct pmd_deflate *d, int level, int window_bits,
    bool no_context_takeover)
{

	if (level < 0 || level > 9 || window_bits < 8 || window_bits > 15)
		return (-1);
	memset(d, 0, sizeof(*d));
	d->level = level;
	/* zlib refuses raw windowBits 8; 9 only ever looks 250 bytes back */
	d->window_bits = window_bits < 9 ? 9 : window_bits;
	d->no_context_takeover = no_context_takeover;
	d->phase = D_DATA;
	return (0);
}

/*
 * zlib wrote z bytes at out; the stream so far is q ++ out[0..z).  Hand
 * out all of it but the last 4 bytes, which go (back) into q.  Returns the
 * number of bytes now final in out.
 */
static size_t
deflate_hold(struct pmd_deflate *d, uint8_t *out, size_t z)
{
	uint8_t nq[sizeof(pmd_tail)];
	size_t h = d->qlen, total = h + z, give, i, hh;

	give = total > sizeof(pmd_tail) ? total - sizeof(pmd_tail) : 0;
	for (i = give; i < total; i++)
		nq[i - give] = i < h ? d->q[i] : out[i - h];
	hh = give < h ? give : h;
	memmove(out + hh, out, give - hh);
	memcpy(out, d->q, hh);
	memcpy(d->q, nq, total - give);
	d->qlen = total - give;
	return (give);
}

/* Hand out of q what is final, at most room bytes.  Returns how many. */
static size_t
deflate_drain(struct pmd_deflate *d, uint8_t *out, size_t room)
{
	size_t n;

	if (d->qlen <= sizeof(pmd_tail))
		return (0);
	n = d->qlen - sizeof(pmd_tail);
	if (n > room)
		n = room;
	memcpy(out, d->q, n);
	memmove(d->q, d->q + n, d->qlen - n);
	d->qlen -= n;
	return (n);
}

int
pmd_deflate_feed(struct pmd_deflate *d, const uint8_t *in, size_t inlen,
    bool fin, uint8_t *out, size_t outcap, size_t *consumed, size_t *produced)
{
	uint8_t *dst;
	size_t room, space, avail_in, z;
	bool stage, drained = false;
	int r, flush;

	*consumed = *produced = 0;
	if (!d->active) {
		memset(&d->zs, 0, sizeof(d->zs));
		r = deflateInit2(&d->zs, d->level, Z_DEFLATED, -d->window_bits,
		    PMD_MEM_LEVEL, Z_DEFAULT_STRATEGY);
		if (r != Z_OK)
			return (r == Z_MEM_ERROR ? PMD_ERR_NOMEM : PMD_ERR_DATA);
		d->active = true;
	}
	if (fin && d->phase == D_DATA && inlen == 0 && d->msg_in == 0) {
		/*
		 * An empty message: one empty stored block (§7.2.3.6), written
		 * here rather than by zlib, which skips a second sync flush in
		 * a row.  The stream is byte-aligned after every message.
		 */
		d->q[0] = 0x00;
		memcpy(d->q + 1, pmd_tail, sizeof(pmd_tail));
		d->qlen = 1 + sizeof(pmd_tail);
		d->phase = D_DONE;
	}
	for (;;) {
		*produced += deflate_drain(d, out + *produced,
		    outcap - *produced);
		if (*produced == outcap)
			return (0);	/* the caller calls again */
		if (d->phase == D_DONE || (drained && d->phase == D_DATA))
			break;
		drained = false;

		/* qlen <= 4 here.  Small room: stage in q, a flush needs > 6 */
		room = outcap - *produced;
		stage = room < D_STAGE;
		dst = stage ? d->q + d->qlen : out + *produced;
		space = stage ? PMD_QCAP - d->qlen : room;
		avail_in = d->phase == D_DATA ? inlen - *consumed : 0;
		/* in may be NULL when inlen is 0 */
		d->zs.next_in = avail_in > 0 ? in + *consumed : pmd_tail;
		d->zs.avail_in = avail_in > UINT_MAX ? UINT_MAX :
		    (uInt)avail_in;
		d->zs.next_out = dst;
		d->zs.avail_out = space > UINT_MAX ? UINT_MAX : (uInt)space;
		avail_in = d->zs.avail_in;
		space = d->zs.avail_out;
		/*
		 * At fin, Z_BLOCK ends the block without the marker, however
		 * often it is repeated; the marker then comes from one
		 * Z_SYNC_FLUSH call with room for all of it, so zlib never
		 * writes it twice (zlib.h: "avail_out is greater than six").
		 */
		flush = d->phase == D_SYNC ? Z_SYNC_FLUSH :
		    fin ? Z_BLOCK : Z_NO_FLUSH;
		r = deflate(&d->zs, flush);
		if (r == Z_MEM_ERROR)
			return (PMD_ERR_NOMEM);
		if (r != Z_OK && r != Z_BUF_ERROR)
			return (PMD_ERR_DATA);
		*consumed += avail_in - d->zs.avail_in;
		d->msg_in += avail_in - d->zs.avail_in;
		z = space - d->zs.avail_out;
		if (stage)
			d->qlen += z;
		else
			*produced += deflate_hold(d, dst, z);
		if (d->zs.avail_out == 0)
			continue;	/* more may be pending in zlib */
		/* room left: zlib took all input and wrote all it had */
		if (d->phase == D_SYNC)
			d->phase = D_DONE;
		else if (fin && *consumed == inlen)
			d->phase = D_SYNC;
		else if (!fin)
			drained = true;
		/* else more than UINT_MAX bytes of input: go on */
	}
	if (d->phase != D_DONE)
		return (0);
	/* §7.2.1: the four bytes held back are the tail to remove */
	if (d->qlen != sizeof(pmd_tail) ||
	    memcmp(d->q, pmd_tail, sizeof(pmd_tail)) != 0)
		return (PMD_ERR_DATA);
	d->qlen = 0;
	d->msg_in = 0;
	d->phase = D_DATA;
	if (d->no_context_takeover && deflateReset(&d->zs) != Z_OK)
		return (PMD_ERR_DATA);
	return (0);
}

void
pmd_deflate_idle(struct pmd_deflate *d)
{

	if (d->no_context_takeover && d->phase == D_DATA && d->msg_in == 0)
		pmd_deflate_end(d);
}

void
pmd_deflate_end(struct pmd_deflate *d)
{

	if (d->active)
		(void)deflateEnd(&d->zs);
	d->active = false;
	d->phase = D_DATA;
	d->msg_in = 0;
	d->qlen = 0;
}

/* ---- heuristic ------------------------------------------------------ */

#define W_PIECE		256	/* bytes per sampled piece */
#define W_PIECES	4
#define W_HASH		1024	/* 4-byte string hash slots */

bool
pmd_worth_compressing(const uint8_t *p, size_t len)
{
	uint32_t count[256];
	uint16_t seen[W_HASH];	/* position + 1 in the piece, 0: empty */
	const uint8_t *piece;
	uint64_t pairs = 0, n = 0, matches = 0, c;
	size_t k, i, plen, npieces, h;
	uint32_t v;

	if (len < PMD_MIN_SIZE)
		return (false);
	memset(count, 0, sizeof(count));
	npieces = len <= W_PIECE * W_PIECES ? 1 : W_PIECES;
	for (k = 0; k < npieces; k++) {
		/* the whole message, or pieces at 0, 1/3, 2/3 and the end */
		if (npieces == 1) {
			piece = p;
			plen = len;
		} else {
			piece = p + (len - W_PIECE) / (W_PIECES - 1) * k;
			plen = W_PIECE;
		}
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < plen; i++) {
			count[piece[i]]++;
			if (i + 4 > plen)
				continue;
			v = (uint32_t)piece[i] | (uint32_t)piece[i + 1] << 8 |
			    (uint32_t)piece[i + 2] << 16 |
			    (uint32_t)piece[i + 3] << 24;
			h = (v * 2654435761u) >> 22;	/* 10 bits */
			if (seen[h] != 0 &&
			    memcmp(piece + seen[h] - 1, piece + i, 4) == 0)
				matches++;
			seen[h] = (uint16_t)(i + 1);
		}
		n += plen;
	}
	/* ≥ 1/8 of the positions repeat a recent 4-byte string */
	if (matches * 8 >= n)
		return (true);
	/*
	 * Collision entropy H2 = -log2(sum c(c-1) / n(n-1)) <= 7 bits:
	 * sum c(c-1) * 128 >= n(n-1).  Uniform random bytes give 8 (on 64
	 * bytes under 1 % reach 7), English text about 4.5, base64 6; what
	 * lies between 7 and 8 would gain under 6 % from Huffman codes.
	 */
	for (i = 0; i < 256; i++) {
		c = count[i];
		if (c > 1)
			pairs += c * (c - 1);
	}
	return (pairs * 128 >= n * (n - 1));
}
