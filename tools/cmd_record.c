// SPDX-License-Identifier: MIT
/*
 * cmd_record.c - "mprof record [options] [--] CMD [ARGS...]": run CMD with
 * libmprof.so preloaded and the MPROF_* variables its options stand for,
 * wait for it and exit with its status (128 + the signal if a signal killed
 * it, as shells do). With --repeat, a set of runs instead
 * (cmd_record_repeat.c).
 *
 * CMD sees what it would see without mprof except LD_PRELOAD and the
 * MPROF_* variables: the same arguments, descriptors, directory, signal mask
 * and ignored signals. While it runs, mprof outlives SIGINT and SIGQUIT (the
 * terminal sends them to CMD too) and passes SIGTERM, SIGHUP, SIGUSR1 and
 * SIGUSR2 on to it, so that "kill -USR2" on mprof can take a snapshot.
 * SIGINT, SIGQUIT, SIGTERM and SIGHUP also end a --repeat: no run starts
 * after them.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "cmd.h"
#include "duration.h"
#include "env.h"
#include "locate.h"
#include "record.h"
#include "stack.h"
#include "trace_format.h"
#include "util.h"

extern char **environ;

static const char record_usage_line[] = "mprof record [options] [--] CMD [ARGS...]";

static const char record_usage_text[] =
    "usage: mprof record [options] [--] CMD [ARGS...]\n"
    "\n"
    "Run CMD with libmprof.so preloaded and write its trace. CMD needs no\n"
    "rebuild: its allocations are always recorded, its function calls when it\n"
    "was built with -finstrument-functions, its stages when it uses <mprof.h>.\n"
    "\n"
    "  -o, --output=FILE     write the trace to FILE (%p: the process id);\n"
    "                        trace.bin by default\n"
    "      --repeat=N        record N runs of CMD (1 to 1000), one after the\n"
    "                        other: run K writes DIR/runK/trace.bin, and\n"
    "                        DIR/mprof-runs lists the runs; -o names DIR, a new\n"
    "                        or empty directory (runs by default). The set\n"
    "                        stops at a run killed by a signal, or whose exit\n"
    "                        status is not run 1's\n"
    "      --append          with --repeat, add the N runs to the set already\n"
    "                        in DIR (runs of the same command), numbered on:\n"
    "                        alternate two sets, one run each at a time, so\n"
    "                        that the machine's drift hits both alike\n"
    "      --calls           record function entries and returns\n"
    "      --alloc           record allocations, frees and snapshots\n"
    "      --stages          record stage begin and end events\n"
    "                        (none of the three: all of them)\n"
    "      --stack-depth=N   keep at most N frames of an allocation stack\n"
    "                        (1 to 128; 64 by default)\n"
    "      --buffer-size=SIZE\n"
    "                        write the trace in chunks of SIZE bytes: a power\n"
    "                        of two from 64K to 64M (1M by default)\n"
    "      --max-size=SIZE   stop writing the trace when it would grow past SIZE\n"
    "                        bytes (at least 132K, e.g. 512M or 2G) and count the\n"
    "                        events left out; unlimited (or none, or 0) for no\n"
    "                        cap; auto (the default): half the space free on its\n"
    "                        file system at start, at most 4G\n"
    "\n"
    "Filters of the function calls written (fewer events, a smaller trace):\n"
    "      --include=PATTERN only the functions whose name matches PATTERN\n"
    "                        (a name or a shell pattern; repeatable)\n"
    "      --exclude=PATTERN never the functions matching PATTERN (repeatable)\n"
    "      --max-depth=N     no call deeper than N written frames\n"
    "      --min-duration=TIME\n"
    "                        no call shorter than TIME (e.g. 10us, 2ms)\n"
    "A call left out counts in its caller's time, as if not instrumented.\n"
    "\n"
    "  -q, --quiet           print no warnings from the profiler, and with\n"
    "                        --repeat no line per run\n"
    "  -h, --help            print this help and exit\n"
    "  -V, --version         print the version and exit\n"
    "\n"
    "Exit status: CMD's own; 128 + N if signal N killed it; with --repeat, the\n"
    "status the runs had in common, or that of the run that stopped the set\n"
    "(128 + N if signal N came to mprof); 1 for a bad option or argument (such\n"
    "as a --repeat directory that is not empty); 2 if libmprof.so is not there\n"
    "or another error of mprof; 126 if CMD cannot be executed, 127 if it is not\n"
    "found.\n"
    "\n"
    "MPROF_LIBRARY names another library to preload.\n";

enum {
	OPT_CALLS = 256,
	OPT_ALLOC,
	OPT_STAGES,
	OPT_STACK_DEPTH,
	OPT_BUFFER_SIZE,
	OPT_MAX_SIZE,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_MAX_DEPTH,
	OPT_MIN_DURATION,
	OPT_REPEAT,
	OPT_APPEND,
};

static const struct option record_long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "calls", no_argument, NULL, OPT_CALLS },
	{ "alloc", no_argument, NULL, OPT_ALLOC },
	{ "stages", no_argument, NULL, OPT_STAGES },
	{ "stack-depth", required_argument, NULL, OPT_STACK_DEPTH },
	{ "buffer-size", required_argument, NULL, OPT_BUFFER_SIZE },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "append", no_argument, NULL, OPT_APPEND },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The signals mprof takes while CMD runs: those it passes on to CMD, and
 * those that end a --repeat after the run under way. SIGINT and SIGQUIT
 * are not passed on: a terminal sends them to CMD as well.
 */
static const struct {
	int sig;
	bool forward; /* passed on to CMD */
	bool stops;   /* no run of a --repeat starts after it */
} record_signals[] = {
	{ SIGTERM, true, true },  { SIGHUP, true, true },  { SIGUSR1, true, false },
	{ SIGUSR2, true, false }, { SIGINT, false, true }, { SIGQUIT, false, true },
};

/* CMD's process id while it runs, else 0; read by the signal handler. */
static volatile pid_t record_child;
/* The first stopping signal that came (record_stop_signal()), or 0. */
static volatile sig_atomic_t record_stop;
/* The forwarded signals: blocked until CMD's pid is known, so none is lost. */
static sigset_t record_forwarded;
/* mprof's signal mask before record_take_signals(): CMD's. */
static sigset_t record_mask;
/* The signals CMD gets back at their default action. */
static sigset_t record_dfl;

/* A whole number from 1 to max, in decimal. */
static bool valid_count(const char *arg, unsigned long max)
{
	uint64_t n;

	return count_parse(arg, 1, max, &n) == 0;
}

/* Append a pattern to a comma-joined list (the runtime's spelling). */
static int add_pattern(char **list, const char *pat)
{
	size_t old = *list ? strlen(*list) : 0, len = strlen(pat);

	if (!len)
		return cmd_usage_error(record_usage_line, "empty pattern");
	if (strchr(pat, ','))
		return cmd_usage_error(
		    record_usage_line,
		    "bad pattern '%s': a record-time pattern cannot hold a comma", pat);
	if (len > TRACE_FILTER_TEXT_MAX)
		return cmd_usage_error(record_usage_line,
				       "pattern '%.32s...' is longer than %u bytes", pat,
				       TRACE_FILTER_TEXT_MAX);
	*list = xrealloc(*list, old + len + 2);
	if (old)
		(*list)[old++] = ',';
	memcpy(*list + old, pat, len + 1);
	return 0;
}

/* A byte count (bytes.h, as MPROF_BUFFER_SIZE is read): a power of two
 * from TRACE_CHUNK_MIN to TRACE_CHUNK_MAX. */
static bool valid_size(const char *arg)
{
	uint64_t n;

	return bytes_parse(arg, &n) == 0 && bytes_pow2_in(n, TRACE_CHUNK_MIN, TRACE_CHUNK_MAX);
}

/* A value MPROF_MAX_SIZE takes without a warning (the runtime's parser). */
static bool valid_max_size(const char *arg)
{
	uint64_t n;

	return max_size_parse(arg, &n) == 0;
}

/* getopt_long() failed on argv[optind - 1]. */
static int bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cmd_usage_error(record_usage_line, "option '%s' requires an argument", arg);
	if (optopt && optopt < 256 && strncmp(arg, "--", 2))
		return cmd_usage_error(record_usage_line, "unknown option '-%c'", optopt);
	return cmd_usage_error(record_usage_line, "unknown option '%s'", arg);
}

static int parse_option(struct record_options *opt, int c, char **argv)
{
	switch (c) {
	case 'o':
		if (!*optarg)
			return cmd_usage_error(record_usage_line, "empty trace path");
		opt->output = optarg;
		return 0;
	case OPT_CALLS:
		opt->calls = true;
		return 0;
	case OPT_ALLOC:
		opt->alloc = true;
		return 0;
	case OPT_STAGES:
		opt->stages = true;
		return 0;
	case OPT_STACK_DEPTH:
		if (!valid_count(optarg, STACK_DEPTH_MAX))
			return cmd_usage_error(record_usage_line,
					       "bad stack depth '%s': expected 1 to 128", optarg);
		opt->stack_depth = optarg;
		return 0;
	case OPT_BUFFER_SIZE:
		if (!valid_size(optarg))
			return cmd_usage_error(
			    record_usage_line,
			    "bad buffer size '%s': expected a power of two from 64K to 64M",
			    optarg);
		opt->buffer_size = optarg;
		return 0;
	case OPT_MAX_SIZE:
		if (!valid_max_size(optarg))
			return cmd_usage_error(
			    record_usage_line,
			    "bad size cap '%s': expected auto, unlimited or a size "
			    "of at least %lluK (e.g. 512M, 2G)",
			    optarg, (unsigned long long)(BYTES_MAX_SIZE_MIN >> 10));
		opt->max_size = optarg;
		return 0;
	case OPT_INCLUDE:
		return add_pattern(&opt->include, optarg);
	case OPT_EXCLUDE:
		return add_pattern(&opt->exclude, optarg);
	case OPT_MAX_DEPTH:
		if (!valid_count(optarg, ENV_MAX_DEPTH_MAX))
			return cmd_usage_error(record_usage_line,
					       "bad depth '%s': expected 1 to %u frames", optarg,
					       ENV_MAX_DEPTH_MAX);
		opt->max_depth = optarg;
		return 0;
	case OPT_MIN_DURATION: {
		uint64_t ns;

		if (duration_parse(optarg, &ns) < 0)
			return cmd_usage_error(
			    record_usage_line,
			    "bad duration '%s': expected a number and a unit (ns, us, ms, s)",
			    optarg);
		opt->min_duration = optarg;
		return 0;
	}
	case OPT_REPEAT:
		if (!valid_count(optarg, RECORD_REPEAT_MAX))
			return cmd_usage_error(record_usage_line,
					       "bad repeat count '%s': expected 1 to %u runs",
					       optarg, RECORD_REPEAT_MAX);
		opt->repeat = (unsigned)strtoul(optarg, NULL, 10);
		return 0;
	case OPT_APPEND:
		opt->append = true;
		return 0;
	case 'q':
		opt->quiet = true;
		return 0;
	default:
		return bad_option(c, argv);
	}
}

/* Returns -1 to go on, or the status to exit with. */
static int parse_args(struct record_options *opt, int argc, char **argv)
{
	int c, ret;

	/* "+": the first word that is not an option is CMD; its options are its own. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:o:qhV", record_long_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(record_usage_text, stdout);
			return util_close_stdout();
		}
		if (c == 'V') {
			printf("mprof (mprof) %s\n", PACKAGE_VERSION);
			return util_close_stdout();
		}
		ret = parse_option(opt, c, argv);
		if (ret)
			return ret;
	}
	if (optind == argc)
		return cmd_usage_error(record_usage_line, "no command given");
	if (opt->append && !opt->repeat)
		return cmd_usage_error(record_usage_line,
				       "--append adds runs to a set: it needs --repeat N");
	/* A set of runs is one directory: no process id in its name. */
	if (opt->repeat && opt->output && strstr(opt->output, "%p"))
		return cmd_usage_error(record_usage_line,
				       "bad directory '%s': with --repeat, -o names a directory, "
				       "which cannot hold %%p",
				       opt->output);
	opt->cmd = argv + optind;
	return -1;
}

/* MPROF_EVENTS for the options given: all of them when none is. */
static const char *events_value(const struct record_options *opt, char *buf, size_t size)
{
	if (!opt->calls && !opt->alloc && !opt->stages)
		return "all";
	snprintf(buf, size, "%s%s%s", opt->calls ? "calls," : "", opt->alloc ? "alloc," : "",
		 opt->stages ? "stages," : "");
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

/* LD_PRELOAD with `lib` first; the user's own preloads stay after it. */
static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	size_t len;
	int ret;

	if (strpbrk(lib, ": \t")) {
		error("library path '%s' contains a colon or a blank, which LD_PRELOAD cannot hold",
		      lib);
		return -1;
	}
	if (!old || !*old)
		return setenv("LD_PRELOAD", lib, 1);
	len = strlen(lib) + strlen(old) + 2;
	val = xmalloc(len);
	snprintf(val, len, "%s:%s", lib, old);
	ret = setenv("LD_PRELOAD", val, 1);
	free(val);
	return ret;
}

static int set_environment(const struct record_options *opt, const char *lib)
{
	char events[32];

	if (set_preload(lib) < 0)
		return -1;
	if (setenv("MPROF_EVENTS", events_value(opt, events, sizeof(events)), 1) < 0 ||
	    (opt->output && !opt->repeat && setenv("MPROF_OUTPUT", opt->output, 1) < 0) ||
	    (opt->stack_depth && setenv("MPROF_STACK_DEPTH", opt->stack_depth, 1) < 0) ||
	    (opt->buffer_size && setenv("MPROF_BUFFER_SIZE", opt->buffer_size, 1) < 0) ||
	    (opt->max_size && setenv("MPROF_MAX_SIZE", opt->max_size, 1) < 0) ||
	    (opt->include && setenv("MPROF_INCLUDE", opt->include, 1) < 0) ||
	    (opt->exclude && setenv("MPROF_EXCLUDE", opt->exclude, 1) < 0) ||
	    (opt->max_depth && setenv("MPROF_MAX_DEPTH", opt->max_depth, 1) < 0) ||
	    (opt->min_duration && setenv("MPROF_MIN_DURATION", opt->min_duration, 1) < 0) ||
	    (opt->quiet && setenv("MPROF_QUIET", "1", 1) < 0))
		return error("cannot set the environment: %s", strerror(errno));
	return 0;
}

static void on_signal(int sig)
{
	int saved = errno;

	for (size_t i = 0; i < ARRAY_SIZE(record_signals); i++) {
		if (record_signals[i].sig != sig)
			continue;
		if (record_signals[i].forward && record_child > 0)
			kill(record_child, sig);
		if (record_signals[i].stops && !record_stop)
			record_stop = sig;
	}
	errno = saved;
}

/*
 * Take `sig` unless it is ignored already (then CMD inherits that), and
 * add it to the signals CMD gets back at their default action.
 */
static void take_signal(int sig)
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) < 0 || old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
	sigaddset(&record_dfl, sig);
}

void record_take_signals(void)
{
	sigemptyset(&record_dfl);
	sigemptyset(&record_forwarded);
	for (size_t i = 0; i < ARRAY_SIZE(record_signals); i++)
		if (record_signals[i].forward)
			sigaddset(&record_forwarded, record_signals[i].sig);
	sigprocmask(SIG_BLOCK, &record_forwarded, &record_mask);
	for (size_t i = 0; i < ARRAY_SIZE(record_signals); i++)
		take_signal(record_signals[i].sig);
}

int record_stop_signal(void)
{
	return record_stop;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int record_run(char **cmd, struct record_end *end)
{
	posix_spawnattr_t attr;
	uint64_t start;
	pid_t pid;
	int err, ret = 0;

	/* No forwarding before CMD's pid is known: a signal waits for it. */
	sigprocmask(SIG_BLOCK, &record_forwarded, NULL);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &record_mask);
	posix_spawnattr_setsigdefault(&attr, &record_dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	start = monotonic_ns();
	err = posix_spawnp(&pid, cmd[0], NULL, &attr, cmd, environ);
	posix_spawnattr_destroy(&attr);
	if (err) {
		error("cannot run '%s': %s", cmd[0], strerror(err));
		ret = err == ENOENT || err == ENOTDIR ? CMD_NOTFOUND : CMD_NOEXEC;
		goto out;
	}
	record_child = pid;
	sigprocmask(SIG_SETMASK, &record_mask, NULL);

	while (waitpid(pid, &end->wstatus, 0) < 0) {
		if (errno != EINTR) {
			error("cannot wait for '%s': %s", cmd[0], strerror(errno));
			ret = EXIT_BADTRACE;
			break;
		}
	}
	end->wall_ns = monotonic_ns() - start;
	sigprocmask(SIG_BLOCK, &record_forwarded, NULL);
	record_child = 0;
out:
	sigprocmask(SIG_SETMASK, &record_mask, NULL);
	return ret;
}

int record_status(const struct record_end *end)
{
	if (WIFSIGNALED(end->wstatus))
		return 128 + WTERMSIG(end->wstatus);
	return WEXITSTATUS(end->wstatus);
}

int cmd_record(int argc, char **argv)
{
	struct record_options opt = { 0 };
	struct record_end end;
	char *lib = NULL;
	int ret = parse_args(&opt, argc, argv);

	if (ret >= 0)
		goto out;
	ret = EXIT_BADTRACE;
	lib = locate_library();
	if (!lib || set_environment(&opt, lib) < 0)
		goto out;
	/* Whatever mprof buffered must not be written again by a child. */
	fflush(NULL);
	record_take_signals();
	if (opt.repeat) {
		ret = record_repeat(&opt);
	} else {
		ret = record_run(opt.cmd, &end);
		if (!ret)
			ret = record_status(&end);
	}
out:
	free(opt.include);
	free(opt.exclude);
	free(lib);
	return ret;
}
