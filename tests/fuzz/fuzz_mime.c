/*
 * fuzz_mime.c - libFuzzer target for static_path() and mime_type(): an
 * accepted path stays under the root (no segment starting with '.', no
 * empty segment, no backslash or control byte), and is a fixed point.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

#define FUZZ_ASSERT(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *target = (const char *)data;
	char out[512], out2[512], again[514];
	const char *t;
	size_t n, i;
	int r;

	t = mime_type(target, size);
	FUZZ_ASSERT(t != NULL && t[0] != '\0');

	r = static_path(target, size, out, sizeof(out));
	FUZZ_ASSERT(r == 0 || r == -1);
	if (r != 0)
		return (0);
	n = strlen(out);
	FUZZ_ASSERT(n < sizeof(out));
	FUZZ_ASSERT(size > 0 && target[0] == '/');
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
		FUZZ_ASSERT(out[i] != '\\');
		/* Every segment is non-empty and starts with no dot. */
		if (i == 0 || out[i - 1] == '/') {
			FUZZ_ASSERT(out[i] != '.');
			FUZZ_ASSERT(out[i] != '/');
		}
	}
	FUZZ_ASSERT(n == 0 || out[0] != '/');

	/* "/" + out, with '%' escaped, gives out back. */
	again[0] = '/';
	for (i = 0, n = 1; out[i] != '\0' && n + 3 < sizeof(again); i++) {
		if (out[i] == '%' || out[i] == '?' || out[i] == '#') {
			again[n++] = '%';
			again[n++] = hex[(unsigned char)out[i] >> 4];
			again[n++] = hex[out[i] & 0xf];
		} else
			again[n++] = out[i];
	}
	if (out[i] == '\0') {
		FUZZ_ASSERT(static_path(again, n, out2, sizeof(out2)) == 0);
		FUZZ_ASSERT(strcmp(out, out2) == 0);
	}
	return (0);
}
