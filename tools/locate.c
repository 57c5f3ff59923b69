// SPDX-License-Identifier: MIT
/*
 * locate.c - find libmprof.so and mprof-report for the launcher.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locate.h"
#include "util.h"

/* Set by Makefile.am from $(libdir) and $(bindir). */
#ifndef MPROF_LIBDIR
#error "MPROF_LIBDIR must name the directory libmprof.so is installed in"
#endif
#ifndef MPROF_BINDIR
#error "MPROF_BINDIR must name the directory mprof-report is installed in"
#endif

/* The directory the running program is in, or NULL if unknown. */
static char *self_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(slash == buf ? "/" : buf);
}

/*
 * The top of the build tree the launcher runs from, or NULL when it runs
 * from anywhere else. A libtool wrapper would run tools/.libs/PROG, so one
 * ".libs" level is skipped.
 */
static char *build_top(void)
{
	char *dir = self_dir(), *la = NULL, *top = NULL;
	char *slash;

	if (!dir)
		return NULL;
	slash = strrchr(dir, '/');
	if (slash && !strcmp(slash + 1, ".libs")) {
		*slash = '\0';
		slash = strrchr(dir, '/');
	}
	if (!slash || strcmp(slash + 1, "tools"))
		goto out;
	*slash = '\0';
	la = util_join(*dir ? dir : "/", '/', "libmprof.la");
	if (access(la, F_OK) == 0)
		top = xstrdup(*dir ? dir : "/");
out:
	free(la);
	free(dir);
	return top;
}

char *locate_library(void)
{
	const char *env = getenv("MPROF_LIBRARY");
	char *top, *lib;

	if (env && *env) {
		lib = xstrdup(env);
	} else if ((top = build_top())) {
		lib = util_join(top, '/', ".libs/libmprof.so");
		free(top);
	} else {
		lib = xstrdup(MPROF_LIBDIR "/libmprof.so");
	}
	if (access(lib, R_OK) != 0) {
		error("cannot use library '%s': %s", lib, strerror(errno));
		free(lib);
		return NULL;
	}
	return lib;
}

char *locate_report(void)
{
	char *dir = self_dir(), *path;

	if (dir) {
		path = util_join(dir, '/', "mprof-report");
		free(dir);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	return xstrdup(MPROF_BINDIR "/mprof-report");
}
