/*
 * buf.c - bounded buffers.  The only allocation of connection data memory;
 * never grows past the size fixed at init, so the caller's backpressure
 * decides what happens when it is full.  Buffers of the common size are
 * recycled through a small per-process pool: a connection gives its memory
 * back whenever a buffer empties, and without the pool that would be a
 * malloc/free (often a brk or mmap) per message.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static uint8_t *pool[BUF_POOL_MAX];
static size_t pool_n;

static uint8_t *
mem_get(size_t size)
{
	if (size == BUF_POOL_SIZE && pool_n > 0)
		return (pool[--pool_n]);
	return (malloc(size));
}

static void
mem_put(uint8_t *mem, size_t size)
{
	if (mem != NULL && size == BUF_POOL_SIZE && pool_n < BUF_POOL_MAX)
		pool[pool_n++] = mem;
	else
		free(mem);
}

void
buf_pool_drain(void)
{
	while (pool_n > 0)
		free(pool[--pool_n]);
}

size_t
buf_pool_count(void)
{
	return (pool_n);
}

void
buf_init(struct buf *b, size_t max)
{
	b->mem = NULL;
	b->off = 0;
	b->len = 0;
	b->max = max;
}

uint8_t *
buf_reserve(struct buf *b, size_t *avail)
{
	if (b->mem == NULL) {
		if ((b->mem = mem_get(b->max)) == NULL) {
			*avail = 0;
			return (NULL);
		}
		b->off = b->len = 0;
	}
	if (b->off > 0 && b->max - b->off - b->len < b->max / 4) {
		/* Little room at the tail but some at the head: compact. */
		memmove(b->mem, b->mem + b->off, b->len);
		b->off = 0;
	}
	*avail = b->max - b->off - b->len;
	return (b->mem + b->off + b->len);
}

void
buf_commit(struct buf *b, size_t n)
{
	b->len += n;
}

int
buf_append(struct buf *b, const void *data, size_t n)
{
	uint8_t *p;
	size_t avail;

	if (n == 0)
		return (0);
	if (n > buf_space(b))
		return (-1);
	if ((p = buf_reserve(b, &avail)) == NULL)
		return (-1);
	if (avail < n) {
		memmove(b->mem, b->mem + b->off, b->len);
		b->off = 0;
		p = b->mem + b->len;
	}
	memcpy(p, data, n);
	b->len += n;
	return (0);
}

void
buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (b->len == 0)
		b->off = 0;
}

void
buf_release(struct buf *b)
{
	if (b->len == 0)
		buf_free(b);
}

void
buf_free(struct buf *b)
{
	mem_put(b->mem, b->max);
	b->mem = NULL;
	b->off = b->len = 0;
}
