/*
 * fuzz_config.c - the configuration file parser: any file text is either
 * accepted or refused with a message, never a crash or a leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char path[64], err[256];
	char *argv[] = { (char *)"wsbridge", (char *)"--config", path, NULL };
	struct config cfg;
	int fd, rc;

	if ((fd = memfd_create("conf", 0)) == -1)
		return (0);
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return (0);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = config_parse(&cfg, 3, argv, err, sizeof(err));
	if (rc == -1 && (err[0] == '\0' || strchr(err, '\n') != NULL))
		__builtin_trap();	/* a refusal always says why, on one line */
	config_free(&cfg);
	close(fd);
	return (0);
}
