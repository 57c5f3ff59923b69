// SPDX-License-Identifier: MIT
/*
 * mprof-report - print the profile recorded in an mprof trace. This file
 * only parses the command line; report_run() does the work.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duration.h"
#include "report.h"

static const char usage_text[] =
    "usage: mprof-report [options] trace.bin [trace.bin.PID ...]\n"
    "       mprof-report [options] --diff OLD NEW trace.bin\n"
    "       mprof-report [options] --compare OLD NEW\n"
    "\n"
    "Print the profile recorded in an mprof trace: the function calls in the form\n"
    "of Python's pstats (times corrected for the profiler's own cost), the\n"
    "pipeline stages (records, throughput, latency, self time, the bottleneck),\n"
    "the memory in the form of tracemalloc (allocation sites, leaks, the peak,\n"
    "temporary allocations, snapshots).\n"
    "\n"
    "  -s, --sort=KEY      order the function table by KEY: cumulative (or\n"
    "                      cumtime; the default), tottime (or time), ncalls (or\n"
    "                      calls), name, totalloc, cumalloc, oncpu (self time\n"
    "                      on the CPU), offcpu, cumoncpu; or the allocation\n"
    "                      sites by bytes (the default) or count (give --sort\n"
    "                      twice for both)\n"
    "  -n, --limit=N       print the first N functions only, and N rows of each\n"
    "                      memory list (10 by default)\n"
    "      --callers=FUNC  print who called FUNC (a function name or a shell\n"
    "                      pattern such as 'stage_*')\n"
    "      --callees=FUNC  print whom FUNC called\n"
    "  -t, --threads       one table per thread instead of all threads merged\n"
    "      --unit=UNIT     the unit of the function tables' times: s (pstats's\n"
    "                      form), ms, us or ns; by default each table takes the\n"
    "                      coarsest that gives its smallest time three\n"
    "                      significant digits and still fits its largest in\n"
    "                      the column, named under 'Ordered by:' unless s\n"
    "      --processes     with several traces (a process tree: the traces of\n"
    "                      its fork children and exec'd images), print each\n"
    "                      process's own report before the merged one\n"
    "  -g, --group-by=HOW  group allocation sites by line (the file and line of\n"
    "                      the call; the default), function, or stack\n"
    "      --diff OLD NEW  compare the live heap of snapshot NEW with snapshot OLD\n"
    "                      (labels; the implicit start and end are always there),\n"
    "                      in the form of tracemalloc's compare_to\n"
    "      --compare OLD NEW\n"
    "                      compare two sides (the re-measure step), each a trace\n"
    "                      or a directory of runs (mprof record --repeat N -o\n"
    "                      DIR): the wall time, each stage, each function and\n"
    "                      the memory as medians over the runs with their\n"
    "                      spread, and the change where the Mann-Whitney U test\n"
    "                      calls it significant ('~' where it does not);\n"
    "                      functions by the absolute change of cumulative time\n"
    "                      (--sort tottime: of self time; 20 unless --limit)\n"
    "      --min-change=PCT\n"
    "                      with --compare: a significant change smaller than\n"
    "                      PCT percent prints as '~' too (what code layout\n"
    "                      alone can move: 1 to 2)\n"
    "      --fail-if-slower=PCT\n"
    "                      with --compare: exit with status 4 when the wall\n"
    "                      time, a stage's self time or a --gate function's\n"
    "                      cumulative time is significantly slower by more\n"
    "                      than PCT percent\n"
    "      --fail-if-more-memory=PCT\n"
    "                      likewise for the peak, allocated and leaked bytes\n"
    "      --gate=FUNC     also gate FUNC's cumulative time (a name or a shell\n"
    "                      pattern; repeatable)\n"
    "      --json          print one JSON object instead of text (--format json)\n"
    "  -f, --format=FMT    print the report as FMT: text (the default), json, or\n"
    "                      an export other tools open: chrome (Chrome/Perfetto\n"
    "                      trace-event JSON: a track per thread, the heap as a\n"
    "                      counter), folded (folded stacks of self time in\n"
    "                      nanoseconds, for flamegraph.pl, speedscope, inferno),\n"
    "                      folded-alloc, folded-leak, folded-peak (bytes\n"
    "                      allocated, leaked, live at the peak, per allocation\n"
    "                      stack), callgrind (KCachegrind, callgrind_annotate;\n"
    "                      event ns), massif (the heap over time, ms_print),\n"
    "                      svg or flamegraph (an SVG flame graph of time),\n"
    "                      svg-alloc (of the bytes allocated per stack),\n"
    "                      svg-timeline (the live heap over time, snapshots\n"
    "                      marked), html (one self-contained page: summary,\n"
    "                      table, flame graphs, heap, stages, snapshots)\n"
    "      --time=TIME     the time of the flame graphs and folded stacks: oncpu\n"
    "                      (the default where the trace recorded off-CPU time),\n"
    "                      offcpu (waiting: blocked, sleeping, preempted), or\n"
    "                      wall (both)\n"
    "  -h, --help          print this help and exit\n"
    "  -V, --version       print the version and exit\n"
    "\n"
    "Several traces are merged into one report: functions by name and source\n"
    "file, stages by name, allocation sites by place (text or json only).\n"
    "\n"
    "On a terminal, the text report shows a progress bar on stderr while it\n"
    "reads, and colours (none if NO_COLOR is set and not empty); never in a\n"
    "pipe, in JSON or in an export.\n"
    "\n"
    "Exit status: 0 on success (also for a trace cut short, which earns a\n"
    "warning), 1 for a bad option or argument (or a --diff label that names no\n"
    "snapshot), 2 if the trace cannot be read, 3 if the report cannot be\n"
    "written, 4 if --compare's gate failed (--fail-if-slower,\n"
    "--fail-if-more-memory).\n";

enum {
	OPT_CALLERS = 256,
	OPT_CALLEES,
	OPT_JSON,
	OPT_DIFF,
	OPT_COMPARE,
	OPT_PROCESSES,
	OPT_INCLUDE,
	OPT_EXCLUDE,
	OPT_MAX_DEPTH,
	OPT_MIN_DURATION,
	OPT_UNIT,
	OPT_FAIL_SLOWER,
	OPT_FAIL_MEMORY,
	OPT_MIN_CHANGE,
	OPT_GATE,
	OPT_TIME,
};

/* The names --format accepts, for its error message. */
static const char format_names[] =
    "text, json, chrome, folded, folded-alloc, folded-leak, folded-peak, callgrind, massif, "
    "svg, flamegraph, svg-alloc, svg-timeline, html";

static const struct option long_options[] = {
	{ "sort", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'n' },
	{ "callers", required_argument, NULL, OPT_CALLERS },
	{ "callees", required_argument, NULL, OPT_CALLEES },
	{ "threads", no_argument, NULL, 't' },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "time", required_argument, NULL, OPT_TIME },
	{ "processes", no_argument, NULL, OPT_PROCESSES },
	{ "group-by", required_argument, NULL, 'g' },
	{ "diff", required_argument, NULL, OPT_DIFF },
	{ "compare", required_argument, NULL, OPT_COMPARE },
	{ "fail-if-slower", required_argument, NULL, OPT_FAIL_SLOWER },
	{ "fail-if-more-memory", required_argument, NULL, OPT_FAIL_MEMORY },
	{ "min-change", required_argument, NULL, OPT_MIN_CHANGE },
	{ "gate", required_argument, NULL, OPT_GATE },
	{ "include", required_argument, NULL, OPT_INCLUDE },
	{ "exclude", required_argument, NULL, OPT_EXCLUDE },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "min-duration", required_argument, NULL, OPT_MIN_DURATION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Report a bad command line: one line, the usage hint, status 1. */
UTIL_PRINTF(1, 2) static int usage_error(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nusage: mprof-report [options] trace.bin\n", util_progname, msg);
	return EXIT_USAGE;
}

static int parse_limit(const char *arg, long *limit)
{
	char *end;

	errno = 0;
	*limit = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *limit < 0)
		return usage_error("bad limit '%s': expected a number of rows", arg);
	return 0;
}

static int parse_depth(const char *arg, size_t *depth)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || n == 0 || n > SIZE_MAX || arg[0] == '-')
		return usage_error("bad depth '%s': expected a number of frames from 1", arg);
	*depth = (size_t)n;
	return 0;
}

/* A duration such as 500ns, 10us, 2ms, 1.5s, in nanoseconds. */
static int parse_duration(const char *arg, uint64_t *ns)
{
	if (duration_parse(arg, ns) == 0)
		return 0;
	return usage_error("bad duration '%s': expected a number and a unit (ns, us, ms, s)", arg);
}

/* Add `pat` to a pattern list of the options. */
static void add_pattern(const char ***list, size_t *n, const char *pat)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = pat;
}

/* getopt_long() failed on argv[optind - 1]. */
static int bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return usage_error("option '%s' requires an argument", arg);
	if (optopt && optopt < 256 && strncmp(arg, "--", 2))
		return usage_error("unknown option '-%c'", optopt);
	return usage_error("unknown option '%s'", arg);
}

/* A gate's threshold: a percentage, 0 or more ("5", "2.5", "5%"). */
static int parse_pct(const char *option, const char *arg, double *pct)
{
	char *end;

	errno = 0;
	*pct = strtod(arg, &end);
	if (end != arg && *end == '%')
		end++;
	if (errno || end == arg || *end || !(*pct >= 0) || *pct > 1e6)
		return usage_error("bad percentage '%s' for '%s': expected a number, 0 or more",
				   arg, option);
	return 0;
}

static int parse_option(struct report_options *opt, int c, char **argv)
{
	switch (c) {
	case 's':
		if (report_mem_sort_parse(optarg, &opt->mem_sort) < 0 &&
		    report_sort_parse(optarg, &opt->sort) < 0)
			return usage_error("unknown sort key '%s'", optarg);
		return 0;
	case 'g':
		if (report_group_parse(optarg, &opt->group_by) < 0)
			return usage_error("bad grouping '%s': expected line, function or stack",
					   optarg);
		return 0;
	case OPT_DIFF:
		/* Two arguments: OLD is optarg, NEW the next word. */
		if (!argv[optind])
			return usage_error("option '--diff' requires two snapshot labels");
		opt->diff_old = optarg;
		opt->diff_new = argv[optind++];
		return 0;
	case OPT_COMPARE:
		if (!argv[optind])
			return usage_error("option '--compare' requires two traces");
		opt->compare_old = optarg;
		opt->compare_new = argv[optind++];
		return 0;
	case OPT_FAIL_SLOWER:
		opt->fail_slower = true;
		return parse_pct("--fail-if-slower", optarg, &opt->fail_slower_pct);
	case OPT_FAIL_MEMORY:
		opt->fail_memory = true;
		return parse_pct("--fail-if-more-memory", optarg, &opt->fail_memory_pct);
	case OPT_MIN_CHANGE:
		opt->min_change = true;
		return parse_pct("--min-change", optarg, &opt->min_change_pct);
	case OPT_GATE:
		add_pattern(&opt->gate, &opt->ngate, optarg);
		return 0;
	case 'n':
		return parse_limit(optarg, &opt->limit);
	case OPT_INCLUDE:
		add_pattern(&opt->include, &opt->ninclude, optarg);
		return 0;
	case OPT_EXCLUDE:
		add_pattern(&opt->exclude, &opt->nexclude, optarg);
		return 0;
	case OPT_MAX_DEPTH:
		return parse_depth(optarg, &opt->max_depth);
	case OPT_MIN_DURATION:
		return parse_duration(optarg, &opt->min_duration_ns);
	case OPT_CALLERS:
		opt->callers = optarg;
		return 0;
	case OPT_CALLEES:
		opt->callees = optarg;
		return 0;
	case 't':
		opt->threads = true;
		return 0;
	case OPT_UNIT:
		if (report_unit_parse(optarg, &opt->unit) < 0)
			return usage_error("bad unit '%s': expected s, ms, us or ns", optarg);
		return 0;
	case OPT_TIME:
		if (report_time_parse(optarg, &opt->time) < 0)
			return usage_error("bad time '%s': expected oncpu, offcpu or wall", optarg);
		return 0;
	case OPT_PROCESSES:
		opt->processes = true;
		return 0;
	case OPT_JSON:
		opt->kind = report_kind_find("json");
		return 0;
	case 'f':
		opt->kind = report_kind_find(optarg);
		if (!opt->kind)
			return usage_error("unknown format '%s': expected %s", optarg,
					   format_names);
		return 0;
	default:
		return bad_option(c, argv);
	}
}

/* --compare takes no trace argument and no option that reports one trace only. */
static int check_compare(const struct report_options *opt, int argc, char **argv)
{
	const char *other = opt->diff_old  ? "--diff"
			    : opt->callers ? "--callers"
			    : opt->callees ? "--callees"
			    : opt->threads ? "--threads"
					   : NULL;

	if (other)
		return usage_error("'--compare' cannot be combined with '%s'", other);
	if (opt->kind && !opt->kind->render_compare)
		return usage_error("'--compare' cannot be printed as '%s'", opt->kind->name);
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (opt->ngate && !opt->fail_slower)
		return usage_error("'--gate' needs '--fail-if-slower'");
	return -1;
}

/* Several traces merge into a text or JSON report, without --diff. */
static int check_several(const struct report_options *opt)
{
	if (opt->diff_old)
		return usage_error("'--diff' takes one trace");
	if (opt->kind && strcmp(opt->kind->name, "text") && strcmp(opt->kind->name, "json"))
		return usage_error("several traces cannot be printed as '%s'", opt->kind->name);
	return -1;
}

/* Returns -1 to go on, or the status to exit with. */
static int parse_args(struct report_options *opt, int argc, char **argv)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:n:tg:f:hV", long_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return util_close_stdout();
		}
		if (c == 'V') {
			printf("mprof-report (mprof) %s\n", PACKAGE_VERSION);
			return util_close_stdout();
		}
		ret = parse_option(opt, c, argv);
		if (ret)
			return ret;
	}
	if (opt->compare_old)
		return check_compare(opt, argc, argv);
	if (opt->fail_slower || opt->fail_memory || opt->ngate || opt->min_change)
		return usage_error("'%s' needs '--compare'", opt->fail_slower ? "--fail-if-slower"
							     : opt->fail_memory
								 ? "--fail-if-more-memory"
							     : opt->ngate ? "--gate"
									  : "--min-change");
	if (optind == argc)
		return usage_error("no trace given");
	opt->trace = argv[optind];
	opt->traces = (const char *const *)&argv[optind];
	opt->ntraces = (size_t)(argc - optind);
	if (opt->ntraces > 1)
		return check_several(opt);
	return -1;
}

/* Only the text report, and only on a terminal: a bar on stderr, colours on stdout. */
static void check_terminal(struct report_options *opt)
{
	const char *no_color = getenv("NO_COLOR");
	bool text = !opt->kind || !strcmp(opt->kind->name, "text");

	opt->progress = text && isatty(STDERR_FILENO);
	/* https://no-color.org: set and not empty */
	opt->color = text && isatty(STDOUT_FILENO) && !(no_color && no_color[0]);
}

int main(int argc, char **argv)
{
	struct report_options opt = { .sort = REPORT_SORT_CUMULATIVE, .limit = -1 };
	int ret = parse_args(&opt, argc, argv);

	if (ret >= 0)
		return ret;
	check_terminal(&opt);
	/* A reader that goes away (| head) gives EPIPE, handled at exit. */
	signal(SIGPIPE, SIG_IGN);
	ret = report_run(&opt, stdout);
	if (util_close_stdout() != 0 && ret == 0)
		ret = EXIT_WRITE;
	free(opt.include);
	free(opt.exclude);
	return ret;
}
