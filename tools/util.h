/* SPDX-License-Identifier: MIT */
/*
 * util.h - the small helpers every tool shares: git-style diagnostics, the
 * exit statuses, allocation that cannot fail, and checking stdout at exit.
 *
 * Diagnostics go to stderr as one line each, prefixed with the program name:
 * "mprof-report: 'trace.bin': not an mprof trace". Messages are lowercase,
 * without a trailing period, and quote their subject.
 *
 * Ownership: x*() return memory the caller frees with free().
 */
#ifndef MPROF_UTIL_H
#define MPROF_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define UTIL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* Exit statuses of the tools (documented in their --help and man pages). */
enum exit_status {
	EXIT_USAGE = 1,	   /* bad option or argument */
	EXIT_BADTRACE = 2, /* the trace could not be read, or a fatal error */
	EXIT_WRITE = 3,	   /* the report could not be written */
};

/* The name diagnostics start with; "mprof-report" unless a tool changes it. */
extern const char *util_progname;

/* Called before each diagnostic, if set: a progress bar erases itself (progress.h). */
extern void (*util_before_message)(void);

/* Print "PROG: MSG" and exit with EXIT_BADTRACE. */
__attribute__((noreturn)) void die(const char *fmt, ...) UTIL_PRINTF(1, 2);
/* Print "PROG: MSG" and return -1. */
int error(const char *fmt, ...) UTIL_PRINTF(1, 2);
/* Print "PROG: warning: MSG". */
void warning(const char *fmt, ...) UTIL_PRINTF(1, 2);

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow *p (an array of *alloc elements of `size` bytes) to hold `need`. */
void *xgrow(void *p, size_t *alloc, size_t need, size_t size);

/* The part of `path` after its last '/' (a pointer into `path`). */
const char *util_basename(const char *path);

/*
 * Flush and close stdout. Returns 0, or EXIT_WRITE after reporting the
 * error; a closed pipe (EPIPE) is not reported, the reader went away.
 */
int util_close_stdout(void);

/* "a" sep "b", allocated: a path ('/'), or a key of two strings (the unit
 * separator, UTIL_KEY_SEP, which no name holds). */
#define UTIL_KEY_SEP '\x1f'
char *util_join(const char *a, char sep, const char *b);

/* The length of the well-formed UTF-8 sequence at s, reading at most n
 * bytes (1 for ASCII), or 0: a stray continuation byte, a sequence cut
 * short, an overlong form, a surrogate, a code point past U+10FFFF. */
size_t util_utf8_len(const unsigned char *s, size_t n);

#endif
