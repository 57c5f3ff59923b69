/* SPDX-License-Identifier: MIT */
/*
 * record.h - what "mprof record" shares between its options and one run of
 * the command (cmd_record.c) and the recording of a set of runs, --repeat
 * (cmd_record_repeat.c).
 *
 * Ownership: struct record_options points into argv, except the pattern
 * lists, which cmd_record() frees.
 */
#ifndef MPROF_RECORD_H
#define MPROF_RECORD_H

#include <stdbool.h>
#include <stdint.h>

/* The most runs --repeat records. */
#define RECORD_REPEAT_MAX 1000

struct record_options {
	const char *output;	   /* -o, or NULL: the default */
	bool calls, alloc, stages; /* the event options given */
	const char *stack_depth;   /* validated text, or NULL */
	const char *buffer_size;   /* validated text, or NULL */
	const char *max_size;	   /* validated text, or NULL */
	char *include, *exclude;   /* comma-joined patterns, or NULL (owned) */
	const char *max_depth;	   /* validated text, or NULL */
	const char *min_duration;  /* validated text, or NULL */
	unsigned repeat;	   /* --repeat N, or 0: one run */
	bool append;		   /* --append: add the runs to the set in DIR */
	bool quiet;
	char **cmd; /* CMD and its arguments, NULL-terminated */
};

/* How one run of CMD ended. */
struct record_end {
	int wstatus;	  /* as waitpid() gave it */
	uint64_t wall_ns; /* CLOCK_MONOTONIC from just before the spawn to just after the wait */
};

/*
 * Take over the signals mprof forwards to CMD or outlives while CMD runs;
 * once, before the first record_run(). The forwarded ones stay blocked
 * until that run's CMD can get them: none is lost.
 */
void record_take_signals(void);

/*
 * Run CMD (looked up in PATH) in the current environment and wait for it.
 * Returns 0 when it ran, with *end filled in; otherwise, after one error
 * line, the status to exit with: CMD_NOTFOUND, CMD_NOEXEC or EXIT_BADTRACE.
 */
int record_run(char **cmd, struct record_end *end);

/* The status mprof exits with for a run that ended so: CMD's own, or 128 + N
 * if signal N killed it. */
int record_status(const struct record_end *end);

/*
 * The first signal that came to mprof since record_take_signals() and that
 * ends a --repeat after the run under way (SIGINT, SIGQUIT, SIGTERM,
 * SIGHUP), or 0.
 */
int record_stop_signal(void);

/*
 * mprof record --repeat: opt->repeat runs of opt->cmd, one after the other,
 * each into its own directory under opt->output ("runs" when NULL), with a
 * manifest of the runs beside them (the layout is in mprof(1)). The
 * environment is set already, except MPROF_OUTPUT, which it sets for each
 * run. Returns the status mprof exits with.
 */
int record_repeat(const struct record_options *opt);

#endif
