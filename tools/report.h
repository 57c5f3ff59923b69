/* SPDX-License-Identifier: MIT */
/*
 * report.h - turn a trace into a report: read it, aggregate the calls
 * (callstats) and the memory events (memstats), name the functions (sym),
 * convert ticks to nanoseconds, sort, and hand the result to one of the
 * report kinds (a table of renderers, one file each: report_text.c,
 * report_json.c; the memory part in report_mem*.c, see report_mem.h; the
 * stage part in report_stage*.c, see report_stage.h; the comparison of two
 * traces in report_compare*.c, see compare.h; the exports other tools
 * open, chrome, folded stacks, callgrind, massif, in export_*.c, see
 * export.h).
 *
 * Renderers see only struct report: names, counts and nanoseconds, the
 * functions of each table already in the requested order. They select rows
 * with report_view_init() so that the --limit and FUNC restrictions read the
 * same everywhere.
 *
 * Ownership: report_run() owns everything it builds and releases it before
 * returning; renderers must not keep pointers into a report.
 */
#ifndef MPROF_REPORT_H
#define MPROF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace_read.h"

enum report_sort {
	REPORT_SORT_CUMULATIVE, /* cumtime, descending */
	REPORT_SORT_TOTTIME,	/* tottime, descending */
	REPORT_SORT_NCALLS,	/* total calls, descending */
	REPORT_SORT_NAME,	/* function name, ascending */
	REPORT_SORT_TOTALLOC,	/* bytes allocated by the function itself, descending */
	REPORT_SORT_CUMALLOC,	/* bytes allocated with its callees, descending */
	REPORT_SORT_ONCPU,	/* self time on the CPU, descending */
	REPORT_SORT_OFFCPU,	/* self time off the CPU, descending */
	REPORT_SORT_CUMONCPU,	/* cumulative time on the CPU, descending */
};

/*
 * Which time the flame graphs and folded stacks show (--time): AUTO is
 * on-CPU time where the trace recorded off-CPU time (report_offcpu), else
 * the whole (wall) self time.
 */
enum report_time {
	REPORT_TIME_AUTO,
	REPORT_TIME_ONCPU,
	REPORT_TIME_OFFCPU,
	REPORT_TIME_WALL,
};

/* How allocation sites are grouped (--group-by). */
enum report_group {
	REPORT_GROUP_LINE,     /* file:line of the allocation call (tracemalloc's 'lineno') */
	REPORT_GROUP_FUNCTION, /* the function that made the call */
	REPORT_GROUP_STACK,    /* the whole call stack */
};

/*
 * The unit of the text report's times (--unit), coarsest first after AUTO:
 * AUTO is chosen per table (report_unit_choose()).
 */
enum report_unit {
	REPORT_UNIT_AUTO,
	REPORT_UNIT_S,
	REPORT_UNIT_MS,
	REPORT_UNIT_US,
	REPORT_UNIT_NS,
};

/* How allocation sites are ordered. */
enum report_mem_sort {
	REPORT_MEM_SORT_BYTES, /* requested bytes, descending */
	REPORT_MEM_SORT_COUNT, /* allocations, descending */
};

struct report_kind;

struct report_options {
	const char *trace;	   /* path of the trace file */
	const char *const *traces; /* several traces (a process tree) to merge, or NULL */
	size_t ntraces;
	bool processes;			/* with traces: one section per process first */
	const struct report_kind *kind; /* how to render; NULL: the pstats text */
	enum report_sort sort;
	long limit;	     /* rows to keep, -1 for all */
	const char *callers; /* pattern: print who calls the matching functions */
	const char *callees; /* pattern: print whom they call */
	bool threads;	     /* one table per thread instead of the merged one */
	/* The unit of the text tables' times (--unit); AUTO: chosen per table. */
	enum report_unit unit;
	enum report_time time; /* of the flame graphs and folded stacks (--time) */
	enum report_group group_by;
	enum report_mem_sort mem_sort;
	const char *diff_old, *diff_new;       /* --diff: snapshot labels, or NULL */
	const char *compare_old, *compare_new; /* --compare: traces or run directories, or NULL */
	/* The --compare gate, when fail_slower / fail_memory: its percentages. */
	bool fail_slower, fail_memory;
	double fail_slower_pct, fail_memory_pct;
	/* --min-change: a significant change smaller than this percentage is
	 * noise all the same; 0 when not given. */
	bool min_change;
	double min_change_pct;
	const char **gate; /* --gate: function name patterns */
	size_t ngate;
	bool no_symbols; /* resolve no address (the fuzzer: a trace's paths open no file) */
	/* Keep each function's per-call times (report_func's histograms): the
	 * noise within one run, which a comparison of one run a side tests. */
	bool percall;
	bool progress; /* show a progress bar on stderr while reading (progress.h) */
	bool color;    /* colour the text report (a terminal without NO_COLOR) */
	/* Report-time filters (report_filter_init()): */
	const char **include, **exclude; /* function name patterns (fnmatch) */
	size_t ninclude, nexclude;
	size_t max_depth;	  /* 0: no limit */
	uint64_t min_duration_ns; /* 0: no minimum */
};

/* A longer wall time than this (292 years) is a damaged trace's, not known. */
#define REPORT_WALL_MAX ((uint64_t)INT64_MAX)

/* Rows of the memory lists when no --limit is given. */
#define REPORT_MEM_LIMIT 10

/* What a function is called, where it is: one per address. */
struct report_sym {
	uint64_t addr;
	const char *name;   /* never NULL: the function, or "module+0xOFF", or "0xADDR" */
	const char *file;   /* full path of its source file, or NULL */
	int line;	    /* 0 if unknown */
	const char *module; /* NULL if unknown */
	char *label;	    /* pstats's "file.c:12(name)", "~:0(name)" without a file */
	UT_hash_handle hh;
};

struct report_func;
struct ss_hist;

/*
 * One caller->callee pair, seen from one side. Times in nanoseconds; the
 * off-CPU parts of self_ns and cum_ns as for functions.
 */
struct report_edge {
	const struct report_func *other; /* the caller or the callee */
	uint64_t calls, prim_calls, self_ns, cum_ns;
	uint64_t off_self_ns, off_cum_ns;
};

/*
 * One function. off_self_ns and off_cum_ns: the parts of self_ns and cum_ns
 * its threads spent off the CPU (blocked, sleeping, waiting for a CPU),
 * never more than them; the on-CPU time is the rest. Known (off_known)
 * only if every thread it ran on recorded its switches; else both are 0.
 */
struct report_func {
	const struct report_sym *sym;
	uint64_t calls, prim_calls, self_ns, cum_ns;
	uint64_t off_self_ns, off_cum_ns;
	bool off_known;
	uint64_t alloc_self, alloc_cum; /* bytes allocated: by itself, with its callees */
	/* With opt->percall, in the merged table of one trace: the self time
	 * of each call and the inclusive time of each outermost one, in
	 * ticks of the report's clock; NULL otherwise. */
	const struct ss_hist *self_hist, *cum_hist;
	struct report_edge *callers, *callees; /* sorted by file, line, name */
	size_t ncallers, ncallees;
};

/* The statistics of one thread, or of all threads merged. */
struct report_table {
	uint32_t serial, tid; /* 0 for the merged table */
	uint64_t wall_ns;     /* 0 when not wall_known */
	bool wall_known;      /* the trace tells the wall time (see struct report) */
	uint64_t lost, unmatched_exits, open_at_end;
	uint64_t total_calls, prim_calls;
	uint64_t filtered_calls;   /* calls the report-time filters hid */
	uint64_t unrecorded_calls; /* calls the record-time filters left out */
	uint64_t total_self_ns;	   /* pstats's "in X seconds" */
	/* Off-CPU time: known if every thread of the table recorded its
	 * switches; the threads' total (in calls or not) and the part with
	 * no call open. */
	bool off_known;
	uint64_t off_ns, off_idle_ns;
	struct report_func *funcs; /* in the requested order */
	size_t nfuncs;
	struct report_edge *edges; /* storage for every callers/callees list */
	/* A merged report's thread: the process it ran in; NULL otherwise. */
	const struct report_process *process;
};

/*
 * The events a process could not record, and why (report_health.c): the
 * total is exact (the chunk headers' counts and the events dropped outside
 * any chunk); the header counts them by cause (trace_lost_cause) when a
 * thread switches chunks or ends, so a process killed meanwhile leaves some
 * without a cause (`uncounted`).
 */
struct report_lost {
	uint64_t total;
	uint64_t by_cause[TRACE_LOST_NCAUSES];
	uint64_t uncounted;	   /* total less the causes' sum */
	uint64_t max_size;	   /* MPROF_MAX_SIZE in bytes, 0: none (or processes differ) */
	bool first_failure;	   /* the file once could not grow: */
	uint64_t first_failure_ns; /*   then, since the start of the trace */
	bool ended;		   /* the process ended: uncounted ones were not recorded */
};

/*
 * Whether the trace recorded when its threads were off the CPU, and how
 * well (report_offcpu.c). `columns`: the tables split their times (some
 * thread recorded its switches); `note`: the line that says what is
 * missing, or NULL when nothing is.
 */
struct report_offcpu {
	uint32_t state;		 /* enum trace_offcpu_state of the header */
	uint32_t call;		 /* enum trace_offcpu_call: what refused first */
	int err;		 /* its errno */
	bool columns;		 /* some thread has off-CPU times */
	size_t threads, missing; /* threads with calls or stages; those without readings */
	uint64_t placed_ns;	 /* off-CPU time placed in the threads' streams */
	uint64_t unplaced_ns;	 /* off-CPU time no switch was seen for */
	uint64_t runtime_ns;	 /* off-CPU time in the runtime's pauses (not in any time) */
	char note[192];		 /* "" when there is nothing to say */
};

/* One process of a merged report (multi.h). */
struct report_process {
	uint32_t pid;
	const char *exe;	     /* "" if unknown */
	const char *trace;	     /* the path it was read from */
	const struct report *report; /* its own report (for --processes) */
};

struct report {
	const struct report_options *opt;
	const char *trace;
	const struct trace_file_header *hdr;
	bool complete; /* trace_reader_complete(): the process ended, the file is whole */
	bool ended;    /* trace_reader_ended(): the process ended in a way it recorded */
	bool cut;      /* trace_reader_cut(): the file is shorter than the process wrote it */
	/* From the start of the trace to its end (or to its last event when
	 * the process did not end it). wall_known is false when the trace
	 * cannot tell (no end point and no event, or an end before the
	 * start: a damaged trace); wall_ns is then 0 and renderers print
	 * that it is unknown, never a number. */
	uint64_t wall_ns;
	bool wall_known;
	/* Where malloc resolved when it was not libmprof's (the header's
	 * malloc_elsewhere, 0: it was, or no allocation was recorded), and the
	 * module that holds that address (NULL: unknown). */
	uint64_t malloc_elsewhere;
	const char *malloc_module;
	uint64_t lost;		     /* lost_by.total */
	struct report_lost lost_by;  /* the lost events by cause */
	struct report_offcpu offcpu; /* whether times are split into on- and off-CPU */
	uint64_t unmatched_exits, open_at_end;
	struct report_table merged;
	struct report_table *threads; /* by serial */
	size_t nthreads;
	struct report_sym *syms; /* uthash by addr */
	bool has_calls;		 /* the trace has function events */
	/* Report-time filters were applied: the options' (report_filtering()),
	 * or a minimum duration the trace was recorded with. */
	bool filtering;
	/* The filters the trace was recorded with (the reader's); NULL: none.
	 * A merged report's: the union of its processes' (the largest limits),
	 * with record_filters_differ set if they were not all the same. */
	const struct trace_record_filters *record_filters;
	bool record_filters_differ;
	struct report_mem *mem;	       /* the memory report; NULL without memory events */
	struct report_stages *stages;  /* the stage report; NULL without stage events */
	struct report_input *input;    /* what report_open() read, for report_close() */
	const struct trace_clock *clk; /* ticks to ns (report_open(); NULL otherwise) */
	/* The executable's build id as the trace's module maps list it; NULL if none. */
	const unsigned char *exe_buildid;
	size_t exe_buildid_len;
	const struct report_process *processes; /* a merged report's processes (multi.h) */
	size_t nprocesses;			/* 0 for the report of one trace */
};

struct cmp_report;

struct report_kind {
	const char *name;
	/* Print the report to `out`. Returns 0, or -1 after printing why not. */
	int (*render)(const struct report *rep, FILE *out);
	/* Print a comparison of two traces (--compare) likewise; NULL: no such thing. */
	int (*render_compare)(const struct cmp_report *cmp, FILE *out);
	bool by_stack; /* needs the allocation sites grouped by stack (--group-by stack) */
};

/* The kinds, ending with a NULL name; the first is the default. */
extern const struct report_kind report_kinds[];

const struct report_kind *report_kind_find(const char *name);

/* Parse a --sort key (pstats's names and aliases). Returns 0, or -1. */
int report_sort_parse(const char *key, enum report_sort *sort);

/* Parse a --sort key of the memory lists (bytes, size, count). Returns 0, or -1. */
int report_mem_sort_parse(const char *key, enum report_mem_sort *sort);

/* Parse a --time value: oncpu, offcpu, wall, auto. Returns 0, or -1. */
int report_time_parse(const char *name, enum report_time *time);

/* The --time a flame graph or folded export of `rep` shows (never AUTO). */
enum report_time report_time_of(const struct report *rep);

/* The ticks of a call path (export.h's node) that `time` shows. */
static inline uint64_t report_time_ticks(enum report_time time, uint64_t ticks, uint64_t off)
{
	if (time == REPORT_TIME_OFFCPU)
		return off;
	return time == REPORT_TIME_ONCPU ? ticks - (off < ticks ? off : ticks) : ticks;
}

/*
 * Fill rep->offcpu from the header and the threads of `prof` (report_offcpu.c),
 * the per-function split already in the tables.
 */
struct cs_profile;
void report_offcpu_init(struct report *rep, const struct trace_reader *r,
			const struct trace_clock *clk, const struct cs_profile *prof);

/* Compose rep->offcpu.note from its other fields (again, for a merged report). */
void report_offcpu_note(struct report_offcpu *o);

/* The "offcpu" member of the JSON report, after `sep` (report_offcpu.c). */
void report_json_offcpu(FILE *out, const struct report_offcpu *o, const char *sep);

/* Parse a --group-by value. Returns 0, or -1. */
int report_group_parse(const char *name, enum report_group *group);

/* Parse a --unit value: s, ms, us or ns. Returns 0, or -1. */
int report_unit_parse(const char *symbol, enum report_unit *unit);

/* A unit (not AUTO) as --unit spells it ("ms"), and in words ("milliseconds"). */
const char *report_unit_symbol(enum report_unit unit);
const char *report_unit_name(enum report_unit unit);

/*
 * `ns` divided by `n` (1 for a total, the calls for a per-call time), in
 * `unit` (not AUTO): the figure a time column prints with "%8.3f".
 */
double report_unit_value(uint64_t ns, uint64_t n, enum report_unit unit);

/* The width of a time column: pstats's "%8.3f". */
#define REPORT_UNIT_WIDTH 8

/*
 * The smallest non-zero and the largest of the times a table shows, each
 * as ns / n; zero-initialize, then add every time shown.
 */
struct report_span {
	uint64_t min_ns, min_n; /* min_n 0: no time added yet */
	uint64_t max_ns, max_n;
};

/* Add the time ns / n (skipped if either is 0: nothing or blanks shown). */
void report_span_add(struct report_span *s, uint64_t ns, uint64_t n);

/*
 * The unit of a table that shows the times of `s`: `forced` unless it is
 * REPORT_UNIT_AUTO. Otherwise, going from s to ms, us and ns, the first
 * unit in which the smallest time, printed with "%.3f", reads 0.100 or more
 * (three significant digits), unless the largest printed so takes more
 * than REPORT_UNIT_WIDTH characters there: then the last unit before, in
 * which it fits. Seconds when no time was added, or when the largest does
 * not fit even in seconds.
 */
enum report_unit report_unit_choose(const struct report_span *s, enum report_unit forced);

/* pstats's "Ordered by: ..." words for a sort. */
const char *report_sort_title(enum report_sort sort);

/* One restriction that reduced the list of rows. */
struct report_step {
	size_t from, to;
	const char *pattern; /* NULL: the limit */
	long limit;
};

/* The rows a renderer prints: a table's functions after the restrictions. */
struct report_view {
	const struct report_func **rows;
	size_t nrows;
	struct report_step steps[2];
	size_t nsteps;
};

/*
 * Select the functions of `t` whose name matches `pattern` (exactly, or as an
 * fnmatch pattern; NULL keeps all), then the first `limit` of them (-1 keeps
 * all). Release with report_view_release().
 */
void report_view_init(struct report_view *v, const struct report_table *t, const char *pattern,
		      long limit);
void report_view_release(struct report_view *v);

/*
 * The unit of a function table that shows the rows of `v`: `forced`, or
 * report_unit_choose() of their times and per-call times (report_unit.c).
 */
enum report_unit report_view_unit(const struct report_view *v, enum report_unit forced);

/* The function at `addr` as the report named it, or NULL if it did not. */
const struct report_sym *report_sym_find(const struct report *rep, uint64_t addr);

/* True if `name` matches `pattern` as report_view_init() selects. */
bool report_name_matches(const char *pattern, const char *name);

/*
 * True if the report-time filters of `opt` hide calls by anything. A trace
 * recorded with a minimum duration is read as if --min-duration were given
 * too (the larger of the two applies): struct report's `filtering` tells
 * whether a report was filtered.
 */
bool report_filtering(const struct report_options *opt);

/* True if --include / --exclude of `opt` hide the function called `name`. */
bool report_name_hidden(const struct report_options *opt, const char *name);

struct cs_filter;

/*
 * Fill `f` with the filters `rep` was built with (rep->opt's, and the
 * trace's recorded minimum duration), for another pass over the trace it
 * was read from (report_open(): the clock, the symbols); it points into
 * `rep`. Returns false, with `f` untouched, if there is no filter.
 */
bool report_filter_init(const struct report *rep, struct cs_filter *f);

/*
 * Read the trace `opt->trace` and render the report to `out`; with
 * opt->compare_old set, compare those two traces instead (cmp_run() of
 * compare.h). Returns 0, EXIT_BADTRACE after printing why the trace could
 * not be read, or EXIT_USAGE after printing that a --diff label names no
 * snapshot or that the kind cannot print a comparison.
 */
int report_run(const struct report_options *opt, FILE *out);

/*
 * Read the trace at `path` and build its report in `rep` with the options
 * `opt`, the memory part only if `memory`: report_run()'s first half. Returns
 * 0, or what report_run() would (after printing why). On success, release
 * with report_close().
 */
int report_open(struct report *rep, const struct report_options *opt, const char *path,
		bool memory);
void report_close(struct report *rep);

/*
 * Build the report of a profile already read (report_run()'s middle step;
 * the unit tests call it). Release with report_release().
 */
struct cs_profile;
struct sym_table;
void report_build(struct report *rep, const struct report_options *opt,
		  const struct trace_reader *r, const struct trace_clock *clk,
		  const struct cs_profile *prof, struct sym_table *syms);
void report_release(struct report *rep);

/* Order the functions of `t` as `sort` says (call before edges point into them). */
void report_table_sort(struct report_table *t, enum report_sort sort);

/* Order callers or callees as pstats does: by file, line, name. */
void report_edges_sort(struct report_edge *e, size_t n);

/* Renderers of the kinds; the exports in export_*.c (see export.h). */
int report_render_text(const struct report *rep, FILE *out);
int report_render_json(const struct report *rep, FILE *out);
int export_render_chrome(const struct report *rep, FILE *out);
int export_render_folded(const struct report *rep, FILE *out);
int export_render_folded_alloc(const struct report *rep, FILE *out);
int export_render_folded_leak(const struct report *rep, FILE *out);
int export_render_folded_peak(const struct report *rep, FILE *out);
int export_render_callgrind(const struct report *rep, FILE *out);
int export_render_massif(const struct report *rep, FILE *out);
int export_render_svg(const struct report *rep, FILE *out);
int export_render_svg_alloc(const struct report *rep, FILE *out);
int export_render_svg_timeline(const struct report *rep, FILE *out);
int export_render_html(const struct report *rep, FILE *out);

/*
 * The text report's colours: `sgr` (one of REPORT_SGR_*) if rep->opt->color,
 * else "" (report_text.c).
 */
#define REPORT_SGR_BOLD	 "\033[1m"
#define REPORT_SGR_ALERT "\033[1;31m" /* the bottleneck */
#define REPORT_SGR_HEAD	 "\033[1;36m" /* a process's section */
#define REPORT_SGR_RESET "\033[0m"
const char *report_sgr(const struct report *rep, const char *sgr);

/*
 * How the process of `rep` (one trace's report) ended, for its first line
 * (report_health.c): "ended with exit(3)", "ended with _exit(3)", "ended
 * with exec", "did not finish: killed, crashed, or still running"; NULL
 * for a trace the process finalized that records nothing more (written
 * before the header said how). `buf` holds what needs formatting.
 */
const char *report_end_text(const struct report *rep, char *buf, size_t len);

/* The same as a JSON word: "exit", "_exit", "exec", "finished", "unfinished". */
const char *report_end_name(const struct report *rep);

/* The status the process gave exit or _exit, in *status; false if it gave none. */
bool report_end_status(const struct report *rep, int *status);

/*
 * What blocks live at the end are: "leaked" when the process ended, "still
 * live when the process was killed or crashed" when it did not (its
 * blocks were not leaked, it was stopped), or, with `title`, the same as
 * a heading ("Leaked at end", "Still live when ...").
 */
const char *report_live_at_end(const struct report *rep, bool title);

/* The lost events of trace `r` (read to its end), by cause; ticks converted with `clk`. */
void report_lost_init(struct report_lost *l, const struct trace_reader *r,
		      const struct trace_clock *clk);

/* Add the lost events of another process to `to` (a merged report). */
void report_lost_add(struct report_lost *to, const struct report_lost *from, bool first);

/*
 * The line that states the lost events and why, with its newline
 * ("lost events: 12345: 12000 the file system was full, ..."); nothing
 * if none were lost. The text report's second line.
 */
void report_text_lost(const struct report_lost *l, const char *indent, FILE *out);

/*
 * The JSON members after "lost_events", each after `sep` (",\n  " or ", "):
 * the "lost_by_cause" object, "max_size" and "first_failure_ns" (null if
 * none).
 */
void report_json_lost(FILE *out, const struct report_lost *l, const char *sep);

/*
 * True if the trace recorded allocations (TRACE_FEAT_ALLOC) but holds no
 * allocator call: none reached libmprof (report_health.c).
 */
bool report_no_allocator_calls(const struct report *rep);

/*
 * The lines that say why allocator calls did not reach libmprof, with
 * their newline: "Memory: no allocator calls reached libmprof: malloc
 * resolves to /usr/lib/libjemalloc.so.2 (0x...), not libmprof: ..." when
 * none did, "   note: malloc resolves to ..." when some did while malloc
 * resolved elsewhere; nothing otherwise.
 */
void report_text_allocator(const struct report *rep, FILE *out);

/* The "allocator" member of the JSON report (report_health.c). */
void report_json_allocator(FILE *out, const struct report *rep);

/* pstats's row for one function, its times in `unit` (not AUTO), without the newline. */
void report_text_row(const struct report_func *f, enum report_unit unit, FILE *out);

/* A wall time in nanoseconds, or null when not known (report_json.c). */
void report_json_wall(FILE *out, bool known, uint64_t ns);

/* `s` as a JSON string, escaped; null if s is NULL (report_json.c). */
void report_json_string(FILE *out, const char *s);

/*
 * Record-time filters as mprof record's options would set them, without a
 * newline: "--include 'parse_*' --max-depth 3 --min-duration 10us"; "none"
 * if f is NULL or empty (report_text.c).
 */
void report_text_record_filters(const struct trace_record_filters *f, FILE *out);

/*
 * Record-time filters as a JSON object: {"include": [...], "exclude": [...],
 * "max_depth": n or null, "min_duration_ns": n or null}; empty lists and
 * nulls if f is NULL (report_json.c).
 */
void report_json_record_filters(FILE *out, const struct trace_record_filters *f);

#endif
