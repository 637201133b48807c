/*
 * zfail.c - LD_PRELOAD fault injection for the end-to-end tests: zlib's
 * deflate() fails (Z_STREAM_ERROR) once a stream has taken in more than
 * ZFAIL_DEFLATE_AFTER bytes, as it would if zlib ran out of memory part
 * way through a message.  Built by the test that uses it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <zlib.h>

int
deflate(z_streamp strm, int flush)
{
	static int (*real)(z_streamp, int);
	const char *after = getenv("ZFAIL_DEFLATE_AFTER");

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "deflate");
	if (after != NULL && strm->total_in + strm->avail_in >
	    strtoul(after, NULL, 10))
		return (Z_STREAM_ERROR);
	return (real(strm, flush));
}
