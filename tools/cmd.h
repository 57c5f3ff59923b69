/* SPDX-License-Identifier: MIT */
/*
 * cmd.h - the subcommands of the mprof launcher. Each takes the arguments
 * after its name (argv[0] is the subcommand's name) and returns the status
 * mprof exits with; cmd_report() returns only when it fails.
 */
#ifndef MPROF_CMD_H
#define MPROF_CMD_H

/* Exit statuses of "mprof record" when the command itself did not run. */
enum cmd_status {
	CMD_NOEXEC = 126,   /* the command was found but could not be executed */
	CMD_NOTFOUND = 127, /* the command was not found */
};

/* Print "usage: LINE" after "mprof: MSG" on stderr; returns EXIT_USAGE. */
int cmd_usage_error(const char *usage_line, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* mprof record [options] [--] CMD [ARGS...] */
int cmd_record(int argc, char **argv);

/* mprof report ARGS...: runs mprof-report ARGS... in place of mprof. */
int cmd_report(int argc, char **argv);

#endif
