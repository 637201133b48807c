/*
 * log.h - logging to stderr: one line per event,
 * "2006-01-02T15:04:05.000Z wsbridge: LEVEL: text" (the time in UTC; none
 * where the journal reads stderr).  log_warn() appends strerror(errno);
 * log_warnx() does not.
 */
#ifndef WSB_LOG_H
#define WSB_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG
};

/* log_set_level(level): lines above level are dropped. */
void	log_set_level(enum log_level);

/* log_parse_level(name, level): 0 and *level set, or -1. */
int	log_parse_level(const char *, enum log_level *);

enum log_time {
	LOG_TIME_AUTO,		/* a time on each line unless the journal
				   reads stderr (it has its own) */
	LOG_TIME_ON,
	LOG_TIME_OFF
};

/* log_parse_time(name, mode): "auto", "on" or "off": 0, or -1. */
int	log_parse_time(const char *, enum log_time *);

/*
 * log_set_time(mode): whether lines start with the time; with
 * LOG_TIME_AUTO, decided now by log_stderr_is_journal().
 */
void	log_set_time(enum log_time);

/*
 * log_stderr_is_journal(): JOURNAL_STREAM names the device and inode of
 * our stderr, as systemd sets it for StandardError=journal.
 */
bool	log_stderr_is_journal(void);

/* log_set_tag(pid): name the process in each line (worker processes). */
void	log_set_tag(long);

/* log_enabled(level): a line at level would be written. */
int	log_enabled(enum log_level);

void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * errf(err, errlen, fmt, ...): format a one-line reason into the caller's
 * err buffer (for code that reports errors rather than logging them) and
 * return -1.
 */
int	errf(char *, size_t, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
