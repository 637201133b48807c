/*
 * unit.h - the few assertion macros the unit tests use.  Each test binary
 * runs its cases with UNIT_RUN() and ends with UNIT_END(), which prints
 * "NAME: N passed, N failed" and returns non-zero when a case failed.
 *
 * Tests of parsers also put their inputs against an unmapped page:
 * unit_guard_init(max) once, then unit_guarded(src, n) for each input.
 * Tests of modules that read files write them in a directory of their
 * own (unit_dir_init), and read what was logged (unit_capture_*).
 */
#ifndef WSB_UNIT_H
#define WSB_UNIT_H

#include <sys/mman.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int unit_passed, unit_failed, unit_case_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);	\
	if (unit_a_ != unit_b_) {					\
		fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n",\
		    __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);	\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define CHECK_MEM(a, b, n) do {						\
	if (memcmp((a), (b), (n)) != 0) {				\
		fprintf(stderr, "  %s:%d: memcmp(%s, %s, %s) failed\n",	\
		    __FILE__, __LINE__, #a, #b, #n);			\
		unit_case_failed = 1;					\
	}								\
} while (0)

#define UNIT_RUN(fn) do {						\
	unit_case_failed = 0;						\
	fn();								\
	if (unit_case_failed) {						\
		fprintf(stderr, "FAIL %s\n", #fn);			\
		unit_failed++;						\
	} else								\
		unit_passed++;						\
} while (0)

#define UNIT_END(name) (printf("%s: %d passed, %d failed\n", (name),	\
	unit_passed, unit_failed), unit_failed != 0)

/*
 * Guard page.  unit_guard_init(max_len) maps max_len bytes rounded up to
 * whole pages (one page at least), then a PROT_NONE page whose first byte
 * is unit_guard_end.  unit_guarded(src, n) copies n bytes so that the last
 * one is the last readable byte, and returns where they start; n above
 * the mapping aborts.  No NUL follows the copy.
 */
__attribute__((unused)) static uint8_t *unit_guard_end;
__attribute__((unused)) static size_t unit_guard_size;

__attribute__((unused)) static void
unit_guard_init(size_t max_len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = (max_len + pg - 1) / pg * pg;
	uint8_t *map;

	if (sz == 0)
		sz = pg;
	map = mmap(NULL, sz + pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + sz, pg, PROT_NONE) != 0) {
		perror("mmap");
		exit(2);
	}
	unit_guard_end = map + sz;
	unit_guard_size = sz;
}

__attribute__((unused)) static void *
unit_guarded(const void *src, size_t n)
{
	uint8_t *p;

	if (n > unit_guard_size)
		abort();
	p = unit_guard_end - n;
	if (n > 0)
		memcpy(p, src, n);
	return (p);
}

/*
 * Files.  unit_dir_init() makes a new directory under $TMPDIR (or /tmp)
 * whose name is in unit_dir; unit_path(name) is name inside it (a static
 * buffer, overwritten by the next call); unit_write(name, text) writes a
 * file there, replacing it; unit_dir_cleanup() removes the directory and
 * everything in it.  Failures end the test binary: they are the machine's.
 */
__attribute__((unused)) static char unit_dir[256];

__attribute__((unused)) static void
unit_dir_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(unit_dir, sizeof(unit_dir), "%s/wsbridge-unit.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(unit_dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

__attribute__((unused)) static const char *
unit_path(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", unit_dir, name);
	return (path);
}

__attribute__((unused)) static void
unit_write(const char *name, const char *text)
{
	FILE *f;

	if ((f = fopen(unit_path(name), "w")) == NULL ||
	    fwrite(text, 1, strlen(text), f) != strlen(text) ||
	    fclose(f) != 0) {
		perror(unit_path(name));
		exit(2);
	}
}

__attribute__((unused)) static int
unit_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

__attribute__((unused)) static void
unit_dir_cleanup(void)
{
	if (nftw(unit_dir, unit_rm, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror(unit_dir);
}

/*
 * What is written to stderr between unit_capture_begin() and
 * unit_capture_end(out, len) (the log) lands in out, NUL-terminated and
 * cut to len - 1 bytes.  Needs unit_dir; no CHECK in between, since those
 * write to stderr too.
 */
__attribute__((unused)) static int unit_saved_stderr = -1;

__attribute__((unused)) static void
unit_capture_begin(void)
{
	int fd;

	fflush(stderr);
	if ((unit_saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    (fd = open(unit_path("stderr"), O_RDWR | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1 || dup2(fd, STDERR_FILENO) == -1) {
		perror("capture stderr");
		exit(2);
	}
	close(fd);
}

__attribute__((unused)) static void
unit_capture_end(char *out, size_t len)
{
	ssize_t n;
	int fd;

	fflush(stderr);
	if (dup2(unit_saved_stderr, STDERR_FILENO) == -1) {
		perror("restore stderr");
		exit(2);
	}
	close(unit_saved_stderr);
	unit_saved_stderr = -1;
	if ((fd = open(unit_path("stderr"), O_RDONLY | O_CLOEXEC)) == -1 ||
	    (n = read(fd, out, len - 1)) < 0) {
		perror("read stderr");
		exit(2);
	}
	out[n] = '\0';
	close(fd);
	unlink(unit_path("stderr"));
}

#endif
