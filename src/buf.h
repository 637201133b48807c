/*
 * buf.h - a bounded byte buffer: memory is allocated when bytes arrive and
 * given back with buf_release() once empty, so an idle connection costs no
 * buffer memory.  Unread bytes are data()[0 .. len).
 */
#ifndef WSB_BUF_H
#define WSB_BUF_H

#include <stddef.h>
#include <stdint.h>

/* The size most buffers have; those are recycled instead of freed. */
#define BUF_POOL_SIZE	(128 * 1024)
#define BUF_POOL_MAX	16		/* at most 2 MiB kept for reuse */

struct buf {
	uint8_t		*mem;		/* NULL until the first reserve */
	size_t		off;		/* start of unread bytes in mem */
	size_t		len;		/* unread bytes */
	size_t		max;		/* capacity, fixed at init */
};

/* buf_init(b, max): an empty buffer that will hold up to max bytes. */
void	buf_init(struct buf *, size_t);

/*
 * buf_reserve(b, avail): space for new bytes at the tail, compacting or
 * allocating as needed.  Returns the space and its size in *avail (0 when the
 * buffer is full), or NULL when memory is short.
 */
uint8_t	*buf_reserve(struct buf *, size_t *);

/* buf_commit(b, n): n bytes were written into the reserved space. */
void	buf_commit(struct buf *, size_t);

/* buf_append(b, data, n): copy n bytes in; -1 if they do not all fit. */
int	buf_append(struct buf *, const void *, size_t);

/* buf_consume(b, n): drop n bytes from the head. */
void	buf_consume(struct buf *, size_t);

/* buf_release(b): give the memory back if the buffer is empty. */
void	buf_release(struct buf *);

/* buf_free(b): give the memory back, dropping any bytes. */
void	buf_free(struct buf *);

/* buf_pool_drain(): free the recycled buffers (at exit). */
void	buf_pool_drain(void);

/* buf_pool_count(): how many recycled buffers the pool holds now. */
size_t	buf_pool_count(void);

static inline uint8_t *
buf_data(const struct buf *b)
{
	return (b->mem + b->off);
}

static inline size_t
buf_len(const struct buf *b)
{
	return (b->len);
}

static inline size_t
buf_space(const struct buf *b)
{
	return (b->max - b->len);
}

#endif
