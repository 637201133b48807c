/*
 * log.h - logging to stderr: one line per event, "wsbridge: LEVEL: text".
 * log_warn() appends strerror(errno); log_warnx() does not.
 */
#ifndef WSB_LOG_H
#define WSB_LOG_H

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

#endif
