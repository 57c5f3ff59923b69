// SPDX-License-Identifier: MIT
/*
 * cmd_report.c - "mprof report ARGS..." is "mprof-report ARGS...": the
 * launcher replaces itself with mprof-report, which parses every argument
 * (--help and --version included) and exits with its own status.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "locate.h"
#include "util.h"

int cmd_report(int argc, char **argv)
{
	char *path = locate_report();

	/* mprof-report names itself in its messages; argv is NULL-terminated. */
	argv[0] = "mprof-report";
	execv(path, argv);
	error("cannot run '%s': %s", path, strerror(errno));
	free(path);
	return errno == ENOENT ? CMD_NOTFOUND : CMD_NOEXEC;
}
