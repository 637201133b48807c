/*
 * log.c - the only place that writes to stderr once the server runs.  Each
 * line is formatted whole and written with one write(2), so lines from
 * several processes never interleave.  Lines start with an RFC 3339 UTC
 * time, except where the journal, which stamps them itself, reads stderr.
 */
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_max = LOG_INFO;
static long log_tag;		/* worker pid, or 0 */
static bool log_stamp = true;	/* lines start with the time */

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void
log_set_tag(long tag)
{
	log_tag = tag;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

int
log_parse_level(const char *name, enum log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

int
log_parse_time(const char *name, enum log_time *mode)
{
	if (strcmp(name, "auto") == 0)
		*mode = LOG_TIME_AUTO;
	else if (strcmp(name, "on") == 0)
		*mode = LOG_TIME_ON;
	else if (strcmp(name, "off") == 0)
		*mode = LOG_TIME_OFF;
	else
		return (-1);
	return (0);
}

bool
log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	char *end;

	/*
	 * systemd.exec(5): JOURNAL_STREAM is "DEVICE:INODE" of the stream
	 * connected to the journal.  The variable alone is not enough: it
	 * is inherited by whatever we were started from, which may have
	 * sent our stderr elsewhere.
	 */
	if (env == NULL || *env < '0' || *env > '9')
		return (false);
	errno = 0;
	dev = strtoumax(env, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return (false);
	ino = strtoumax(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return (false);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (false);
	return ((uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino);
}

void
log_set_time(enum log_time mode)
{
	log_stamp = mode == LOG_TIME_ON ||
	    (mode == LOG_TIME_AUTO && !log_stderr_is_journal());
}

/* "2006-01-02T15:04:05.000Z ": RFC 3339, UTC, milliseconds. */
static int
format_time(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0)
		return (0);
	return ((int)n + snprintf(out + n, len - n, ".%03ldZ ",
	    ts.tv_nsec / 1000000));
}

int
log_enabled(enum log_level level)
{
	return (level <= log_max);
}

static void vlog(enum log_level, int, const char *, va_list)
    __attribute__((format(printf, 3, 0)));

static void
vlog(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[2048];
	int n = 0, m;

	if (level > log_max)
		return;
	if (log_stamp)
		n = format_time(line, 64);
	if (log_tag != 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "wsbridge[%ld]: %s: ", log_tag, level_names[level]);
	else
		n += snprintf(line + n, sizeof(line) - (size_t)n,
		    "wsbridge: %s: ", level_names[level]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 64)
		n = (int)sizeof(line) - 64;
	if (errnum != 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(errnum));
	line[n++] = '\n';
	/* Nothing useful can be done if stderr fails. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

#define LOG_FN(name, level, with_errno)					\
void									\
name(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	vlog(level, with_errno ? saved : 0, fmt, ap);			\
	va_end(ap);							\
	errno = saved;							\
}

LOG_FN(log_err, LOG_ERROR, 1)
LOG_FN(log_errx, LOG_ERROR, 0)
LOG_FN(log_warn, LOG_WARN, 1)
LOG_FN(log_warnx, LOG_WARN, 0)
LOG_FN(log_info, LOG_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, 0)

int
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}
