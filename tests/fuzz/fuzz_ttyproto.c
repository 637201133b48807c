/*
 * fuzz_ttyproto.c - libFuzzer target for the terminal control messages:
 * any bytes, either protocol, give one of the verdicts, and a resize's
 * size is always in 1..TTYPROTO_DIM_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ttyproto.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct ttyproto_msg *m)
{
	FUZZ_ASSERT(m->kind <= TTYPROTO_BAD);
	FUZZ_ASSERT(memchr(m->type, '\0', sizeof(m->type)) != NULL);
	if (m->kind == TTYPROTO_RESIZE || m->has_size) {
		FUZZ_ASSERT(m->cols >= 1 && m->cols <= TTYPROTO_DIM_MAX);
		FUZZ_ASSERT(m->rows >= 1 && m->rows <= TTYPROTO_DIM_MAX);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ttyproto_msg m;

	if (size > TTYPROTO_CONTROL_MAX)
		return (0);
	ttyproto_control(data, size, &m);
	check(&m);
	ttyproto_ttyd(data, size, &m);
	check(&m);
	return (0);
}
