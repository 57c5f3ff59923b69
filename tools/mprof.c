// SPDX-License-Identifier: MIT
/*
 * mprof - the launcher: "mprof record" runs a program under the profiler,
 * "mprof report" is mprof-report. This file only parses the top-level
 * options and dispatches; each subcommand is a cmd_*.c file.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static const char usage_line[] = "mprof [--help | --version] COMMAND [ARGS...]";

static const char usage_text[] =
    "usage: mprof [--help | --version] COMMAND [ARGS...]\n"
    "\n"
    "Profile a C program: its function calls, its allocations and its pipeline\n"
    "stages.\n"
    "\n"
    "Commands:\n"
    "  record [options] [--] CMD [ARGS...]\n"
    "                 run CMD with libmprof.so preloaded and write its trace\n"
    "  report [options] TRACE\n"
    "                 print the profile recorded in TRACE (mprof-report)\n"
    "  help           print this help\n"
    "\n"
    "  -h, --help     print this help and exit\n"
    "  -V, --version  print the version and exit\n"
    "\n"
    "\"mprof COMMAND --help\" describes each command.\n";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "record", cmd_record },
	{ "report", cmd_report },
};

int cmd_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nusage: %s\n", util_progname, msg, usage);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *arg = argv[1];

	util_progname = "mprof";
	if (argc < 2)
		return cmd_usage_error(usage_line, "no command given");
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help")) {
		fputs(usage_text, stdout);
		return util_close_stdout();
	}
	if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
		printf("mprof (mprof) %s\n", PACKAGE_VERSION);
		return util_close_stdout();
	}
	if (arg[0] == '-')
		return cmd_usage_error(usage_line, "unknown option '%s'", arg);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(arg, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	}
	return cmd_usage_error(usage_line, "'%s' is not an mprof command", arg);
}
