/* SPDX-License-Identifier: MIT */
/*
 * locate.h - where the mprof launcher finds the files it runs: libmprof.so
 * (to preload) and mprof-report, either in the build tree the launcher was
 * built in or where "make install" put them.
 *
 * The build tree is recognised by the launcher's own path (from
 * /proc/self/exe): a program in a directory named "tools" whose parent holds
 * libmprof.la. Anywhere else the installed paths apply.
 *
 * Ownership: the functions return strings the caller frees with free().
 */
#ifndef MPROF_LOCATE_H
#define MPROF_LOCATE_H

/*
 * The library to preload: $MPROF_LIBRARY when it is set and not empty, the
 * build tree's .libs/libmprof.so, or the installed one. Returns NULL after
 * printing one error line when the chosen file is not there.
 */
char *locate_library(void);

/*
 * The mprof-report to run: the one next to the launcher (the build tree's
 * or an installed one moved with it), else the installed path. Never NULL.
 */
char *locate_report(void);

#endif
