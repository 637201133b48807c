/*
 * transport_tls.c - TLS under a client connection.  Reads and writes look
 * like read(2)/writev(2): OpenSSL's WANT_READ/WANT_WRITE become EAGAIN with
 * t->want saying which readiness to wait for.  Writes are copied into one
 * record-sized buffer, so the caller may treat them as done even while
 * OpenSSL still waits to send them (t->pending says so).  Renegotiation is
 * refused; buffers are released while idle.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls.h"

#define TLS_STAGE	16384		/* one TLS record of plaintext */
#define TLS_READ_BUF	65536		/* ciphertext read per syscall */
#define TLS_SID_CTX	"wsbridge"	/* session id context */

/* Mozilla's "intermediate" TLS 1.2 suites; TLS 1.3 keeps its defaults. */
#define DEFAULT_CIPHERS							\
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"	\
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"	\
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"	\
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"

struct tls_state {
	SSL		*ssl;
	bool		sniffed;	/* the first byte was looked at */
	uint8_t		*stage;		/* bytes handed to SSL_write */
	size_t		stage_len;	/* 0 when nothing is pending */
};

static void
tls_error(struct transport *t, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[120];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(t->errmsg, sizeof(t->errmsg), "TLS %s: %s", what,
		    buf);
	} else if (errno != 0)
		snprintf(t->errmsg, sizeof(t->errmsg), "TLS %s: %s", what,
		    strerror(errno));
	else
		snprintf(t->errmsg, sizeof(t->errmsg), "TLS %s failed", what);
	ERR_clear_error();
}

/* Map a failed SSL_* call to the read(2)-like result. */
static ssize_t
tls_fail(struct transport *t, int r, const char *what)
{
	struct tls_state *s = t->impl;
	int saved = errno;

	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		t->want = TRANSPORT_WANT_READ;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_WANT_WRITE:
		t->want = TRANSPORT_WANT_WRITE;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_ZERO_RETURN:
		return (0);
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && saved == 0)
			return (0);	/* EOF without close_notify */
		errno = saved;
		tls_error(t, what);
		errno = saved != 0 ? saved : EPROTO;
		return (-1);
	default:
		errno = 0;
		tls_error(t, SSL_is_init_finished(s->ssl) ? what :
		    "handshake");
		errno = EPROTO;
		return (-1);
	}
}

static ssize_t
tls_read(struct transport *t, void *buf, size_t len)
{
	struct tls_state *s = t->impl;
	size_t total = 0;
	int r;

	/* One SSL_read gives one record: keep going while there is room. */
	while (total < len) {
		ERR_clear_error();
		errno = 0;
		r = SSL_read(s->ssl, (char *)buf + total,
		    (int)(len - total > INT32_MAX ? INT32_MAX : len - total));
		if (r > 0) {
			total += (size_t)r;
			continue;
		}
		if (total > 0)
			break;		/* report the rest next time */
		t->read_pending = 0;
		return (tls_fail(t, r, "read"));
	}
	t->read_pending = SSL_has_pending(s->ssl);
	return ((ssize_t)total);
}

/* Push what SSL_write was given before; 0 when done, -1 otherwise. */
static int
tls_flush(struct transport *t)
{
	struct tls_state *s = t->impl;
	int r;

	if (s->stage_len == 0)
		return (0);
	ERR_clear_error();
	errno = 0;
	r = SSL_write(s->ssl, s->stage, (int)s->stage_len);
	if (r <= 0)
		return ((int)tls_fail(t, r, "write") == 0 ? -1 : -1);
	s->stage_len = 0;
	t->pending = 0;
	return (0);
}

static ssize_t
tls_writev(struct transport *t, const struct iovec *iov, int n)
{
	struct tls_state *s = t->impl;
	size_t len = 0, k;
	int i, r;

	if (tls_flush(t) == -1) {
		if (errno == 0)
			errno = EPIPE;
		return (-1);
	}
	if (n == 0)
		return (0);
	if (s->stage == NULL && (s->stage = malloc(TLS_STAGE)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	/* Gather one record's worth: a frame header and its payload go out
	 * together instead of as a tiny record of their own. */
	for (i = 0; i < n && len < TLS_STAGE; i++) {
		k = iov[i].iov_len < TLS_STAGE - len ? iov[i].iov_len :
		    TLS_STAGE - len;
		memcpy(s->stage + len, iov[i].iov_base, k);
		len += k;
	}
	if (len == 0)
		return (0);
	ERR_clear_error();
	errno = 0;
	r = SSL_write(s->ssl, s->stage, (int)len);
	if (r > 0) {
		if (len < TLS_STAGE / 2) {
			free(s->stage);
			s->stage = NULL;
		}
		return ((ssize_t)len);
	}
	if (tls_fail(t, r, "write") == -1 && errno == EAGAIN) {
		/* The bytes are ours now; OpenSSL wants them again later. */
		s->stage_len = len;
		t->pending = len;
		return ((ssize_t)len);
	}
	if (errno == 0)
		errno = EPIPE;
	return (-1);
}

static int
tls_shutdown(struct transport *t)
{
	struct tls_state *s = t->impl;

	if (SSL_is_init_finished(s->ssl)) {
		ERR_clear_error();
		SSL_shutdown(s->ssl);	/* close_notify, best effort */
		ERR_clear_error();
	}
	return (shutdown(t->fd, SHUT_WR));
}

static void
tls_close(struct transport *t)
{
	struct tls_state *s = t->impl;

	if (s != NULL) {
		SSL_free(s->ssl);
		free(s->stage);
		free(s);
		t->impl = NULL;
	}
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
}

static const struct transport_ops tls_ops = {
	.read = tls_read,
	.writev = tls_writev,
	.shutdown = tls_shutdown,
	.close = tls_close,
};

int
transport_tls(struct transport *t, int fd, SSL_CTX *ctx)
{
	struct tls_state *s;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto err0;
	if ((s->ssl = SSL_new(ctx)) == NULL)
		goto err1;
	if (SSL_set_fd(s->ssl, fd) != 1)
		goto err2;
	SSL_set_accept_state(s->ssl);
	t->ops = &tls_ops;
	t->impl = s;
	return (0);

err2:
	SSL_free(s->ssl);
err1:
	free(s);
err0:
	ERR_clear_error();
	close(fd);
	t->fd = -1;
	return (-1);
}

int
transport_tls_sniff(struct transport *t)
{
	struct tls_state *s = t->impl;
	unsigned char first;
	ssize_t n;

	if (s == NULL || t->ops != &tls_ops || s->sniffed)
		return (0);
	do
		n = recv(t->fd, &first, 1, MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EAGAIN) {
		t->want = TRANSPORT_WANT_READ;
		return (-1);
	}
	/* EOF or an error: the handshake's own read reports it. */
	s->sniffed = true;
	/* A TLS record starts with its type (0x14-0x18), an SSLv2-style
	 * hello with a byte whose top bit is set: a letter is neither. */
	return (n == 1 && isalpha(first) ? 1 : 0);
}

void
transport_tls_to_plain(struct transport *t)
{
	int fd = t->fd;

	t->fd = -1;		/* keep the socket: close() only frees */
	tls_close(t);
	transport_plain(t, fd);
}

int
transport_tls_peer(struct transport *t, char **dn)
{
	struct tls_state *s = t->impl;
	X509 *cert;
	BIO *bio;
	char *text;
	long n;
	int rc = -1;

	*dn = NULL;
	if (s == NULL || t->ops != &tls_ops ||
	    (cert = SSL_get0_peer_certificate(s->ssl)) == NULL ||
	    SSL_get_verify_result(s->ssl) != X509_V_OK)
		return (0);
	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	/* Whole, however long: a cut subject can lose the part that tells
	 * two clients apart (RFC 2253 puts the CN last when it came first). */
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
	    XN_FLAG_RFC2253) < 0 || (n = BIO_get_mem_data(bio, &text)) < 0)
		goto out;
	/* Control bytes come escaped; a NUL would still cut it short. */
	if (memchr(text, '\0', (size_t)n) != NULL ||
	    (*dn = strndup(text, (size_t)n)) == NULL)
		goto out;
	rc = 1;
out:
	BIO_free(bio);
	ERR_clear_error();
	return (rc);
}

static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char http11[] = "\x08http/1.1";
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, http11, sizeof(http11) - 1,
	    in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_NOACK);
	*out = sel;
	return (SSL_TLSEXT_ERR_OK);
}

SSL_CTX *
tls_ctx_new(const struct config *cfg, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *cas;
	SSL_CTX *ctx;
	X509 *cert;
	char buf[160];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto ossl;
	SSL_CTX_set_min_proto_version(ctx, cfg->tls_min_version != 0 ?
	    cfg->tls_min_version : TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* Without a session id context OpenSSL refuses to resume any session
	 * once client certificates are verified (alert 80, "session id
	 * context uninitialized"), and browsers resume all the time.
	 * Sessions and tickets belong to this context: a reload, which makes
	 * a new one, makes clients verify again. */
	if (SSL_CTX_set_session_id_context(ctx, (const unsigned char *)
	    TLS_SID_CTX, sizeof(TLS_SID_CTX) - 1) != 1)
		goto ossl;
	/* Read what the socket has, several records at a time, instead of
	 * a header and a body per record: two syscalls per 16 KiB become
	 * one per 64 KiB. */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUF);
	if (SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers != NULL ?
	    cfg->tls_ciphers : DEFAULT_CIPHERS) != 1) {
		snprintf(err, errlen, "--tls-ciphers: no usable cipher in "
		    "'%s'", cfg->tls_ciphers);
		goto err;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
		snprintf(err, errlen, "--tls-cert %s: cannot load: %s",
		    cfg->tls_cert, buf);
		goto err;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key,
	    SSL_FILETYPE_PEM) != 1) {
		ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
		snprintf(err, errlen, "--tls-key %s: cannot load: %s",
		    cfg->tls_key, buf);
		goto err;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "--tls-key %s does not match --tls-cert "
		    "%s", cfg->tls_key, cfg->tls_cert);
		goto err;
	}
	cert = SSL_CTX_get0_certificate(ctx);
	if (cert != NULL &&
	    X509_cmp_current_time(X509_get0_notAfter(cert)) < 0) {
		snprintf(err, errlen, "--tls-cert %s has expired",
		    cfg->tls_cert);
		goto err;
	}
	if (cfg->tls_client_ca != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->tls_client_ca,
		    NULL) != 1 || (cas = SSL_load_client_CA_file(
		    cfg->tls_client_ca)) == NULL) {
			ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
			snprintf(err, errlen, "--tls-client-ca %s: cannot "
			    "load: %s", cfg->tls_client_ca, buf);
			goto err;
		}
		SSL_CTX_set_client_CA_list(ctx, cas);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	ERR_clear_error();
	return (ctx);

ossl:
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	snprintf(err, errlen, "OpenSSL: %s", buf);
err:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return (NULL);
}
