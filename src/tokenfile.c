/*
 * tokenfile.c - the I/O half of token files: reading the file or directory
 * and noticing changes.  Parsing is tokens.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "tokenfile.h"

#define TOKENFILE_MAX	(16 * 1024 * 1024)	/* all files together */

/* A cheap fingerprint of what is there: names, sizes and times. */
static uint64_t
signature(const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	struct dirent *de;
	struct stat st;
	char full[4096];
	DIR *d;

#define MIX(v)	(h = (h ^ (uint64_t)(v)) * 1099511628211ULL)
	if (stat(path, &st) == -1)
		return (0);
	MIX(st.st_mtim.tv_sec);
	MIX(st.st_mtim.tv_nsec);
	MIX(st.st_size);
	MIX(st.st_ino);
	if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return (h);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		if (stat(full, &st) == -1)
			continue;
		for (const char *p = de->d_name; *p != '\0'; p++)
			MIX(*p);
		MIX(st.st_mtim.tv_sec);
		MIX(st.st_mtim.tv_nsec);
		MIX(st.st_size);
	}
	closedir(d);
#undef MIX
	return (h);
}

/* Which file each line of the joined text came from, for warnings. */
struct origin {
	char		*file;
	size_t		first;		/* its line 1 in the joined text */
};

struct origins {
	struct origin	*v;
	size_t		n;
};

static void
origins_free(struct origins *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].file);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* tokens_parse()'s bad lines, logged as FILE:LINE of their own file. */
static void
skipped_line(void *arg, size_t lineno, const char *why)
{
	const struct origins *o = arg;
	size_t i = o->n;

	while (i > 0 && o->v[i - 1].first > lineno)
		i--;
	if (i == 0)
		return;
	log_warnx("token file %s:%zu: %s; line skipped", o->v[i - 1].file,
	    lineno - o->v[i - 1].first + 1, why);
}

static int
append_file(const char *file, char **text, size_t *len, size_t *lines,
    struct origins *o, char *err, size_t errlen)
{
	char buf[8192], *t;
	struct origin *v;
	size_t n, start = *len;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return (-1);
	}
	if ((v = realloc(o->v, (o->n + 1) * sizeof(*v))) == NULL ||
	    (v[o->n].file = strdup(file)) == NULL) {
		if (v != NULL)
			o->v = v;
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return (-1);
	}
	o->v = v;
	v[o->n++].first = *lines + 1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (*len + n + 2 > TOKENFILE_MAX ||
		    (t = realloc(*text, *len + n + 2)) == NULL) {
			snprintf(err, errlen, "%s: too large", file);
			fclose(f);
			return (-1);
		}
		*text = t;
		memcpy(*text + *len, buf, n);
		*len += n;
	}
	fclose(f);
	/* Files are joined as lines: end each with a newline. */
	if (*text != NULL && *len > start && (*text)[*len - 1] != '\n')
		(*text)[(*len)++] = '\n';
	for (n = start; n < *len; n++)
		*lines += (*text)[n] == '\n';
	return (0);
}

static int
read_all(const char *path, struct tokens *out, char *err, size_t errlen)
{
	struct dirent **names;
	struct origins o = { NULL, 0 };
	struct stat st;
	char *text = NULL, full[4096];
	size_t len = 0, lines = 0;
	int i, n, rc = 0;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "--token-file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (S_ISDIR(st.st_mode)) {
		if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
			snprintf(err, errlen, "--token-file %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		for (i = 0; i < n; i++) {
			snprintf(full, sizeof(full), "%s/%s", path,
			    names[i]->d_name);
			if (rc == 0 && names[i]->d_name[0] != '.' &&
			    stat(full, &st) == 0 && S_ISREG(st.st_mode))
				rc = append_file(full, &text, &len, &lines, &o,
				    err, errlen);
			free(names[i]);
		}
		free(names);
	} else
		rc = append_file(path, &text, &len, &lines, &o, err, errlen);
	if (rc == 0)
		rc = tokens_parse(text != NULL ? text : "", len, out,
		    skipped_line, &o, err, errlen);
	free(text);
	origins_free(&o);
	return (rc);
}

int
tokenfile_open(struct tokenfile *tf, const char *path, char *err,
    size_t errlen)
{
	memset(tf, 0, sizeof(*tf));
	if ((tf->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

int
tokenfile_read(struct tokenfile *tf, struct tokens *out, char *err,
    size_t errlen)
{
	/* Before reading: a file that fails is not read again each second. */
	tf->sig = signature(tf->path);
	return (read_all(tf->path, out, err, errlen));
}

bool
tokenfile_changed(struct tokenfile *tf, ev_tstamp now)
{
	if (now - tf->checked < 1.)
		return (false);
	tf->checked = now;
	return (signature(tf->path) != tf->sig);
}

void
tokenfile_free(struct tokenfile *tf)
{
	free(tf->path);
	tf->path = NULL;
}
