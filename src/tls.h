/*
 * tls.h - wss:// and https:// through OpenSSL: the server context built
 * from the configuration (checked at start-up and on SIGHUP), and the TLS
 * transport that conn.c uses like the plain one.
 */
#ifndef WSB_TLS_H
#define WSB_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "config.h"
#include "transport.h"

/*
 * tls_ctx_new(cfg, err, errlen): a server context for cfg's certificate and
 * key (checked: readable, matching, not expired), protocol versions, ciphers
 * and client CA.  Returns it, or NULL with a one-line reason in err.
 */
SSL_CTX	*tls_ctx_new(const struct config *, char *, size_t);

/*
 * transport_tls(t, fd, ctx): a TLS transport on the accepted socket fd
 * (owned by t from now on); the handshake runs inside the first reads and
 * writes.  Returns 0, or -1 (fd closed) when OpenSSL cannot set it up.
 */
int	transport_tls(struct transport *, int, SSL_CTX *);

/*
 * transport_tls_sniff(t): before the handshake, peek at the client's first
 * byte.  Returns 1 when it cannot begin a TLS record (an ASCII letter: a
 * plain HTTP request), 0 when it can, was looked at before or the socket
 * says EOF or an error (the handshake reports those), and -1 when nothing
 * has come yet.
 */
int	transport_tls_sniff(struct transport *);

/*
 * transport_tls_to_plain(t): drop the TLS state but keep the socket: t is a
 * plain transport on the same descriptor from now on.
 */
void	transport_tls_to_plain(struct transport *);

/*
 * transport_tls_peer(t, &dn): the verified client certificate's subject
 * (RFC 2253), whole, in a new string the caller frees.  Returns 1, 0 when
 * there is none (dn NULL), or -1 when it cannot be had whole (memory
 * short, a NUL in it): refuse the client then, never pass a part on.
 */
int	transport_tls_peer(struct transport *, char **);

#endif
