/* SPDX-License-Identifier: MIT */
/*
 * trace_read.h - read a trace file (libprofile/trace_format.h) in one
 * streaming pass, chunk by chunk, in file order.
 *
 * Usage:
 *
 *	struct trace_reader r;
 *	struct trace_chunk c;
 *	uint64_t fn;
 *
 *	if (trace_reader_open(&r, path) < 0)
 *		return -1;			(the error is already printed)
 *	while ((ret = trace_reader_next(&r, &c)) > 0) {
 *		while ((ev = trace_chunk_next(&c, &fn)) > 0)
 *			... TRACE_EV_ENTER of fn, or TRACE_EV_EXIT, at c.ticks ...
 *		if (ev < 0)
 *			break;			(corrupt record, printed)
 *	}
 *	trace_reader_release(&r);
 *
 * trace_reader_next() hands out thread chunks only; it decodes process
 * chunks (module maps) itself and passes each module record to the callback
 * set with trace_reader_on_module(), every time a capture lists it. It
 * keeps the record-time filters the process chunks describe (FILTER
 * records) and sums the calls they left out (the chunk headers'
 * `filtered`), as it sums the events lost. Time
 * records, thread start/end records, stage definitions and record types this
 * reader does not know are consumed inside trace_chunk_next(), which returns
 * function events, and memory and stage events and context switches for
 * consumers that ask for them (trace_reader_want_memory(),
 * trace_reader_want_stages(), trace_reader_want_contexts()).
 *
 * Chunks come in file order: each thread's events in program order, the
 * threads interleaved chunk by chunk. Memory events need one global time
 * order; c->open_ticks is the watermark that makes it (see memstats.h).
 *
 * Code addresses name one function each. A library unloaded and another
 * (or the same at another load bias) loaded at its addresses would make one
 * address name two; so trace_reader_open() reads the module captures of the
 * whole trace first, and when it finds such a reuse it moves the addresses
 * of each module involved, for the events that ran while that module was
 * loaded, to a range of its own at or above TRACE_MOVED_BASE, where no
 * process address lies: function entries and the frames of stack
 * definitions are handed out moved. The module callback hears of each
 * moved range too (after the module's own record, with the same file and a
 * bias shifted alike, so that address - bias is unchanged). A trace without
 * such reuse is read as it was written, at no cost.
 *
 * The reader holds one chunk-sized buffer and the per-thread state (a
 * uthash keyed by thread serial, and the set of stack ids each thread
 * defined), the names of the stages (process-wide ids), and for each moved
 * module one time span per load; its memory never grows with the number of
 * events.
 *
 * Every problem is printed once, as "PROG: 'PATH': what is wrong", and the
 * function that found it returns -1. A trace cut short (the process did not
 * end in a way it records, the file ends inside a chunk, or it holds fewer
 * chunks than the header counts) is read as far as it goes and earns one
 * warning when the end is reached. A file that holds the header area alone
 * while the header counts chunks is refused.
 *
 * Ownership: the reader owns the threads and strings it hands out; threads
 * and record-time filters stay valid until trace_reader_release(), modules
 * during the callback.
 */
#ifndef MPROF_TRACE_READ_H
#define MPROF_TRACE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "trace_format.h"
#include "util.h"

/* The stack ids a thread has defined (an open-addressing set; 0 is empty). */
struct trace_idset {
	uint32_t *slots;
	size_t n, mask;
};

/* What the reader knows of one recording thread. */
struct trace_thread {
	uint32_t serial;	 /* 1-based, from the chunk headers */
	uint32_t tid;		 /* kernel thread id */
	uint64_t first_ticks;	 /* earliest tick count seen (chunk base or start record) */
	uint64_t last_ticks;	 /* latest tick count seen */
	uint64_t next_seq;	 /* the chunk sequence number expected next */
	uint64_t chunks;	 /* chunks read */
	uint64_t missing_chunks; /* gaps in the chunk sequence */
	uint64_t events;	 /* function entries and exits read */
	uint64_t mem_events;	 /* allocations, frees, reallocs and snapshots read */
	uint64_t stage_events;	 /* stage definitions, begins and ends read */
	uint64_t stack_records;	 /* stack definitions read */
	uint64_t paused_ticks;	 /* time spent in the runtime's slow path (PAUSE records) */
	uint64_t lost;		 /* events dropped, summed over its chunk headers */
	uint64_t filtered;	 /* calls the record-time filters left out, likewise */
	/* Off-CPU readings (OFFCPU records, see trace_reader_want_offcpu()): */
	uint64_t offcpu_readings;  /* read so far */
	uint64_t offcpu_at[3];	   /* the last one: ticks, CLOCK_MONOTONIC, CPU time */
	uint64_t offcpu_placed;	   /* off-CPU ticks handed out, in calls or not */
	uint64_t offcpu_unplaced;  /* off-CPU ticks no switch was seen for (UNSEEN) */
	uint64_t offcpu_runtime;   /* off-CPU ticks in the runtime's pauses (BASE) */
	bool started;		   /* a THREAD_START record was read */
	bool ended;		   /* a THREAD_END record was read: */
	uint64_t end_events;	   /*   events it says it recorded */
	uint64_t events_at_end;	   /*   events read up to that record */
	uint64_t end_lost;	   /*   events it says it dropped */
	void *user;		   /* the consumer's per-thread state, never touched */
	struct trace_idset stacks; /* the stack ids defined so far */
	UT_hash_handle hh;
};

/*
 * A module (executable or shared object) listed by a map capture, or the
 * moved range of one (see the top): bias, lo and hi shifted alike.
 */
struct trace_module {
	const char *path;
	uint64_t bias, lo, hi;
	const unsigned char *buildid; /* NULL if none was recorded */
	size_t buildid_len;
	uint64_t ticks; /* the tick count of the capture */
};

/*
 * The record-time filters of a trace (FILTER records): the patterns in the
 * order first recorded, each once (a capture may repeat them), NUL-terminated.
 */
struct trace_record_filters {
	char **include, **exclude; /* MPROF_INCLUDE, MPROF_EXCLUDE patterns */
	size_t ninclude, nexclude;
	uint64_t max_depth;	  /* written frames; 0: no limit */
	uint64_t min_duration_ns; /* 0: no minimum */
	size_t include_alloc, exclude_alloc;
};

/* Called for every module record; `m` and its strings are valid during the call. */
typedef void trace_module_fn(void *arg, const struct trace_module *m);

/*
 * A memory event, as trace_chunk_next() decoded it (TRACE_EV_ALLOC to
 * TRACE_EV_SNAPSHOT). Memory events carry absolute tick counts of their own
 * and do not move the cursor's ticks. Pointers point into the reader's chunk
 * buffer: valid until the next trace_reader_next().
 */
struct trace_mem {
	uint64_t ticks;	     /* ALLOC, FREE, SNAPSHOT: when; REALLOC: of the allocation */
	uint64_t free_ticks; /* REALLOC: of the free of the old block */
	uint64_t addr;	     /* ALLOC, FREE: the block; REALLOC: the new block */
	uint64_t old_addr;   /* REALLOC: the old block, 0 if none */
	uint64_t size;	     /* ALLOC, REALLOC: the requested size */
	unsigned kind;	     /* ALLOC, REALLOC: enum trace_alloc_kind */
	/* ALLOC, REALLOC: the stack id, 0 for none, always one the thread
	 * defined (or 0 if its definition was in a missing chunk);
	 * STACK: the id defined (TRACE_STACK_SHADOW cleared). */
	uint32_t stack;
	bool shadow;		/* STACK: frames 2.. are function entry addresses */
	const uint64_t *frames; /* STACK: the frames, innermost first, moved (see the top) */
	unsigned nframes;	/* STACK: 1 to TRACE_STACK_MAX_DEPTH */
	const char *label;	/* SNAPSHOT: the label, not NUL-terminated */
	size_t label_len;	/* SNAPSHOT: at most TRACE_SNAPSHOT_LABEL_MAX */
};

/*
 * A stage event, as trace_chunk_next() decoded it (TRACE_EV_STAGE_BEGIN,
 * TRACE_EV_STAGE_END). Stage events carry absolute tick counts of their own
 * and do not move the cursor's ticks.
 */
struct trace_stage {
	uint32_t id;	  /* process-wide, never 0; named by trace_reader_stage_name() */
	uint64_t ticks;	  /* when (see trace_chunk_unpaused()) */
	uint64_t records; /* END: the records handed downstream (0: none) */
};

/*
 * A context switch, as trace_chunk_next() decoded it (TRACE_EV_CONTEXT):
 * the thread's function events from here on belong to the call stack of
 * context `id` (per thread; 0 is the thread's own stack). Its tick count
 * is its own: it does not move the cursor's ticks.
 */
struct trace_context {
	uint32_t id;
	uint64_t ticks; /* when (see trace_chunk_unpaused()) */
};

/*
 * Off-CPU time, as trace_chunk_next() decoded it (TRACE_EV_OFFCPU): the
 * thread was off the CPU for `ticks` (on the clock of the events) since its
 * previous reading, all of it in the call innermost at this point of its
 * stream, or in no call if none is open. Handed out only when not 0. Its
 * tick count is its own: it does not move the cursor's ticks.
 */
struct trace_offcpu {
	uint64_t ticks; /* off the CPU, never more than the time since the previous reading */
	uint64_t at;	/* the reading's own tick count */
};

/* The cursor over the records of one chunk (see trace_chunk_next()). */
struct trace_chunk {
	struct trace_reader *reader;
	struct trace_thread *thread; /* NULL for a process chunk */
	const uint64_t *pos, *end;   /* the next word, the end of the data */
	uint64_t ticks;		     /* tick count of the last function event decoded */
	uint64_t paused; /* the thread's PAUSE ticks so far: durations count in ticks - paused */
	uint64_t events; /* function events decoded so far */
	uint64_t mem_events;	      /* memory events decoded so far (stack definitions apart) */
	uint64_t stack_records;	      /* stack definitions decoded so far */
	uint64_t stage_events;	      /* stage definitions, begins and ends decoded so far */
	uint64_t index;		      /* chunk number in the file */
	uint64_t open_ticks;	      /* the chunk header's open.ticks: no event in the file
				* after this chunk's header is earlier (the order rule) */
	struct trace_mem mem;	      /* the memory event just decoded */
	uint64_t mem_ticks;	      /* the latest tick count of its memory events */
	struct trace_stage stage;     /* the stage event just decoded */
	uint64_t stage_ticks;	      /* the latest tick count of its stage events */
	struct trace_context context; /* the context switch just decoded */
	uint64_t context_ticks;	      /* the latest tick count of its context switches */
	struct trace_offcpu offcpu;   /* the off-CPU time just decoded */
	/* The latest PAUSE of this chunk: its start and its length (0: none). */
	uint64_t pause_start, pause_len;
	bool partial; /* the file ends inside this chunk */
	/* Addresses in [moved_lo, moved_lo + moved_len) may have moved (see
	 * trace_chunk_moved()); moved_len is 0 when none did. */
	uint64_t moved_lo, moved_len;
	const struct trace_maps_class *moved_hint; /* where the last one moved */
};

struct trace_stage_name;
struct trace_stage_use;
struct trace_maps;
struct trace_maps_class;

/* Where moved addresses start (see above): above every user address space. */
#define TRACE_MOVED_BASE (1ull << 62)

struct trace_reader {
	char *path;
	int fd;
	struct trace_file_header hdr;
	uint64_t file_size;
	uint64_t dev, ino;   /* the file's device and inode number */
	uint64_t nchunks;    /* chunks in the file, the partial last one included */
	uint64_t next;	     /* index of the next chunk to read */
	bool partial_tail;   /* the file ends inside its last chunk */
	uint64_t chunks_cut; /* chunks the header counts that the file lacks, whole or in part */
	bool in_chunk;	     /* a chunk has been handed out and not yet folded back */
	bool at_end;	     /* the end was reached (and warned about) */
	bool quiet_end;	     /* set by the caller: no warning at the end (a pre-pass) */
	bool quiet;	     /* print no error (trace_identify()) */
	uint64_t *buf;	     /* one chunk */
	struct trace_thread *threads; /* uthash by serial, in order of appearance */
	trace_module_fn *on_module;   /* NULL: module records are skipped */
	void *on_module_arg;
	bool want_memory;		      /* hand out memory events (else they are skipped) */
	bool want_stages;		      /* hand out stage events (else they are skipped) */
	bool want_contexts;		      /* hand out context switches (else skipped) */
	bool want_offcpu;		      /* hand out off-CPU time (else only summed) */
	uint64_t maps_ticks;		      /* tick count of the last map capture */
	struct trace_clock_point latest_open; /* the latest chunk open point */
	uint64_t chunks_used, chunks_unused;
	uint64_t chunk_lost;		     /* sum of the lost fields of all chunks */
	uint64_t chunk_filtered;	     /* sum of the filtered fields of all chunks */
	struct trace_record_filters filters; /* the FILTER records read so far */
	char *pathbuf;			     /* a module path, NUL-terminated */
	/* Stages: ids are process-wide and a definition may lie in a chunk the
	 * file holds after the first use (another thread's), so a use before
	 * the definition is checked when the trace ends. */
	struct trace_idset stage_ids;	      /* the stage ids defined */
	struct trace_stage_name *stage_names; /* uthash by id */
	struct trace_idset stage_early;	      /* ids used before their definition */
	struct trace_stage_use *stage_uses;   /* where each of those was first used */
	size_t nstage_uses, stage_uses_alloc;
	struct trace_maps *maps; /* the modules whose addresses move, NULL if none */
};

/* Conversion of tick counts to nanoseconds. */
struct trace_clock {
	bool tsc;	    /* ticks are TSC cycles (else nanoseconds) */
	double ns_per_tick; /* the slope */
	/* The slope exactly: slope_ns nanoseconds in slope_ticks ticks, the
	 * calibration's two spans (1 in 1 for nanosecond ticks). */
	uint64_t slope_ns, slope_ticks;
	struct trace_clock_point origin;
};

enum trace_event {
	TRACE_EV_ERROR = -1, /* corrupt record, reported */
	TRACE_EV_END = 0,    /* no more records in this chunk */
	TRACE_EV_ENTER = 1,  /* entry of the function returned in *fn */
	TRACE_EV_EXIT = 2,   /* return of the innermost open function */
	/* Memory events, in c->mem, handed out only after trace_reader_want_memory() */
	TRACE_EV_ALLOC = 3,    /* a block allocated: addr, size, kind, stack, ticks */
	TRACE_EV_FREE = 4,     /* a block freed: addr, ticks */
	TRACE_EV_REALLOC = 5,  /* old_addr freed at free_ticks, addr allocated at ticks */
	TRACE_EV_STACK = 6,    /* stack id `stack` defined for this thread: frames */
	TRACE_EV_SNAPSHOT = 7, /* a snapshot marker: label, ticks */
	/* Stage events, in c->stage, handed out only after trace_reader_want_stages() */
	TRACE_EV_STAGE_BEGIN = 8, /* stage `id` asked for records at ticks */
	TRACE_EV_STAGE_END = 9,	  /* stage `id` answered at ticks, handing on `records` */
	/* A context switch, in c->context, handed out only after trace_reader_want_contexts() */
	TRACE_EV_CONTEXT = 10, /* the thread now runs context `id`, since ticks */
	/* Off-CPU time, in c->offcpu, handed out only after trace_reader_want_offcpu() */
	TRACE_EV_OFFCPU = 11, /* the thread was off the CPU for ticks, in the call open here */
};

/*
 * Open `path` and validate its header. Returns 0, or -1 after printing what
 * is wrong (the reader then needs no release).
 */
int trace_reader_open(struct trace_reader *r, const char *path);

/* Have `fn` called with `arg` for every module record from now on. */
void trace_reader_on_module(struct trace_reader *r, trace_module_fn *fn, void *arg);

/*
 * Have trace_chunk_next() return memory events too (else it validates and
 * skips them, so that consumers of function events need not know them).
 */
void trace_reader_want_memory(struct trace_reader *r, bool want);

/*
 * Move to the next thread chunk that holds records and point `c` at it.
 * The previous chunk handed out through `c` is folded into its thread first,
 * so pass the same cursor every time. Returns 1, 0 at the end of the trace
 * (after any warning about a trace cut short, printed once), or -1 on a
 * corrupt chunk.
 */
int trace_reader_next(struct trace_reader *r, struct trace_chunk *c);

/*
 * Have trace_chunk_next() return stage begins and ends too (else it
 * validates and skips them). Definitions are always consumed by the reader.
 */
void trace_reader_want_stages(struct trace_reader *r, bool want);

/*
 * Have trace_chunk_next() return context switches too (CONTEXT records,
 * TRACE_EV_CONTEXT; else it validates and skips them). A consumer that
 * rebuilds call stacks needs them: the function events after a switch
 * belong to another stack.
 */
void trace_reader_want_contexts(struct trace_reader *r, bool want);

/*
 * Have trace_chunk_next() return the threads' off-CPU time too (OFFCPU
 * records, TRACE_EV_OFFCPU; else it validates them and sums them in the
 * threads only). Between two readings of a thread, the time it was off the
 * CPU is the growth of its CLOCK_MONOTONIC reading less that of its CPU
 * time, converted to ticks with the slope of its tick count over the same
 * span, and never more than the ticks between them. A reading flagged BASE
 * (the thread's first, a runtime pause) counts that time in
 * offcpu_runtime (the first: nothing), one flagged UNSEEN in
 * offcpu_unplaced; others hand it out. A reading whose CLOCK_MONOTONIC or
 * CPU time is less than the thread's previous one, with unknown flags, in
 * a process chunk, or shorter than TRACE_OFFCPU_WORDS is corrupt.
 */
void trace_reader_want_offcpu(struct trace_reader *r, bool want);

/*
 * The name of stage `id` (NUL-terminated, at most TRACE_STAGE_NAME_MAX
 * bytes, owned by the reader), or NULL if the trace defines no such stage
 * (only possible when records were lost: the end of the trace checks that
 * every stage used is defined). Complete once the last chunk is read.
 */
const char *trace_reader_stage_name(const struct trace_reader *r, uint32_t id);

/*
 * True if the process ended in a way the trace records: it finalized the
 * trace (TRACE_FLAG_COMPLETE), or the header says it called exit, _exit or
 * exec (end_how). False for a process killed, crashed, or still running.
 */
bool trace_reader_ended(const struct trace_reader *r);

/*
 * True if the file is shorter than what the process wrote: it ends inside
 * a chunk, or holds fewer chunks than the header counts (nchunks).
 */
bool trace_reader_cut(const struct trace_reader *r);

/* True if the process ended (trace_reader_ended()) and the file holds its trace whole. */
bool trace_reader_complete(const struct trace_reader *r);

/*
 * Calibrate tick to nanosecond conversion; call it after the last chunk
 * (the chunk open points improve a trace that was not finalized).
 * Returns 0, or -1 if the trace carries no usable calibration.
 */
int trace_reader_clock(const struct trace_reader *r, struct trace_clock *clk);

/* Events lost in all: the chunks' counts plus those dropped outside any chunk. */
uint64_t trace_reader_lost(const struct trace_reader *r);

/*
 * Read the record-time filters ahead of the streaming pass, which learns
 * them only as it reaches the process chunks that describe them: decode the
 * process chunks from the start of the file up to the first thread chunk
 * that follows one (the runtime writes the FILTER records with its first
 * capture of the module maps, before any thread records; see
 * mprof-trace(5)), reading only the header of a thread chunk before that.
 * Module records are not passed to the callback. Call it after
 * trace_reader_open() and before the first trace_reader_next(), which
 * decodes those chunks again. Returns 0, or -1 on a corrupt chunk (printed).
 */
int trace_reader_scan_filters(struct trace_reader *r);

/*
 * The filters the trace was recorded with, or NULL if none: those of the
 * process chunks read so far (all of them once the last chunk is read, the
 * first ones after trace_reader_scan_filters()). Owned by the reader.
 */
const struct trace_record_filters *trace_reader_record_filters(const struct trace_reader *r);

/* Calls the record-time filters left out, summed over the chunks read so far. */
uint64_t trace_reader_unrecorded(const struct trace_reader *r);

/* True if `f` holds any filter (it may be NULL). */
bool trace_record_filters_any(const struct trace_record_filters *f);

/* True if `a` and `b` hold the same filters, patterns in any order (either may be NULL). */
bool trace_record_filters_equal(const struct trace_record_filters *a,
				const struct trace_record_filters *b);

void trace_reader_release(struct trace_reader *r);

/*
 * What tells one trace from another: the file (device and inode), and the
 * process and moment it records (a copy of the file has the same).
 */
struct trace_identity {
	uint64_t dev, ino;
	uint32_t pid;
	uint64_t realtime_start_ns;
	struct trace_clock_point start;
	char exe[sizeof(((struct trace_file_header *)0)->exe)];
};

/*
 * Read the identity of the trace at `path` without reading it (the same
 * safe open: never blocks on a FIFO). Returns 0, or -1 without printing
 * anything if it is no readable trace (reading it will say why).
 */
int trace_identify(const char *path, struct trace_identity *id);

/* 1 if `a` and `b` are the same file, 2 if one is a copy of the other, else 0. */
int trace_identity_same(const struct trace_identity *a, const struct trace_identity *b);

/* The slope of a calibration from the clock points of `h` and `latest_open`. */
int trace_clock_init(struct trace_clock *clk, const struct trace_file_header *h,
		     const struct trace_clock_point *latest_open);

/* d rounded to the nearest integer, saturated to int64_t (a damaged trace
 * can make any tick count absurd; the conversion must stay defined). */
static inline int64_t trace_clock_round(double d)
{
	if (!(d > -9.2e18)) /* also NaN */
		return d != d ? 0 : INT64_MIN;
	if (d >= 9.2e18)
		return INT64_MAX;
	return (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}

/*
 * Nanoseconds on CLOCK_MONOTONIC at tick count `ticks`, saturated to
 * [0, UINT64_MAX]: a tick count far before the origin (a damaged trace, a
 * counter reset) reads as 0, never as a value wrapped around.
 */
static inline uint64_t trace_clock_ns(const struct trace_clock *clk, uint64_t ticks)
{
	double d = (double)(int64_t)(ticks - clk->origin.ticks) * clk->ns_per_tick;
	int64_t delta = trace_clock_round(d);

	if (delta < 0)
		return (uint64_t) - (delta + 1) >= clk->origin.ns
			   ? 0
			   : clk->origin.ns + (uint64_t)delta;
	return (uint64_t)delta > UINT64_MAX - clk->origin.ns ? UINT64_MAX
							     : clk->origin.ns + (uint64_t)delta;
}

/*
 * Nanoseconds in a span of `ticks` ticks, rounded down, saturated to
 * UINT64_MAX. Exact, in integers, and rounded down so that parts converted
 * one by one never add up to more than their whole converted once
 * (floor(a) + floor(b) <= floor(a + b)): a thread's off-CPU time and the
 * calls' shares of it, its wall time and the calls' self times. Rounded to
 * the nearest, two halves would make a nanosecond each and their whole one.
 */
static inline uint64_t trace_clock_span(const struct trace_clock *clk, uint64_t ticks)
{
	unsigned __int128 ns;

	if (clk->slope_ns == clk->slope_ticks)
		return clk->slope_ticks ? ticks : 0;
	/* below 2^128: both factors are below 2^64 */
	ns = (unsigned __int128)ticks * clk->slope_ns / clk->slope_ticks;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

/*
 * `ticks`, the time of an event of chunk c (a memory or stage event's own
 * tick count), less the time the thread spent in the runtime's pauses
 * before it: on the same scale as c->ticks - c->paused, so that durations
 * between events exclude the pauses. The event that made the runtime open
 * this chunk may have read its clock before the pause that starts the
 * chunk (stage records do): that pause is not taken out of it.
 */
static inline uint64_t trace_chunk_unpaused(const struct trace_chunk *c, uint64_t ticks)
{
	uint64_t paused = c->paused;

	if (ticks < c->pause_start)
		paused -= c->pause_len;
	return ticks - paused;
}

/* The out-of-line part of trace_chunk_next(): extended records, the end. */
int trace_chunk_slow(struct trace_chunk *c, uint64_t *fn);

/*
 * The address function entry `fn` at c->ticks is handed out as: moved if
 * the module that held it then is one whose addresses move, else fn.
 */
uint64_t trace_chunk_moved(struct trace_chunk *c, uint64_t fn);

/*
 * Decode the next event of chunk `c`: TRACE_EV_ENTER (with the function's
 * address in *fn, moved as described at the top) or TRACE_EV_EXIT, at tick
 * count c->ticks; if the reader wants them, the memory events, described in
 * c->mem. Returns TRACE_EV_END after the last one, TRACE_EV_ERROR on a
 * corrupt record (printed). The common records are decoded inline.
 *
 * Memory records are validated whether handed out or not: a stack id used
 * before its definition or defined twice, a stack id with the
 * TRACE_STACK_SHADOW bit in an allocation, a stack of 0 or more than
 * TRACE_STACK_MAX_DEPTH frames, an unknown allocation kind, a label longer
 * than TRACE_SNAPSHOT_LABEL_MAX or than its record, a memory record in a
 * process chunk: all are corrupt records. (A stack id whose definition may
 * have been in a missing chunk of the thread reads as 0, no stack.)
 *
 * Stage records are validated likewise: stage id 0, a stage defined twice,
 * a name longer than TRACE_STAGE_NAME_MAX or than its record, a stage record
 * in a process chunk are corrupt; so is a stage used but never defined,
 * found when the trace ends (unless records were lost). A stage end without
 * a begin is the consumer's to count, not an error of the trace.
 *
 * FILTER records are decoded where they are read (they are not events): an
 * unknown filter kind, a pattern that is empty, longer than
 * TRACE_FILTER_TEXT_MAX or than its record, or holds a NUL byte, a limit of
 * 0 or with text, two different limits of one kind, a FILTER record in a
 * thread chunk: all are corrupt records.
 */
static inline int trace_chunk_next(struct trace_chunk *c, uint64_t *fn)
{
	if (likely(c->pos < c->end)) {
		uint64_t w = *c->pos;

		if (likely((w & 3) == TRACE_TAG_ENTER)) {
			uint64_t f = w >> TRACE_ENTER_FN_SHIFT;

			c->pos++;
			c->events++;
			c->ticks += (w >> 2) & TRACE_ENTER_DELTA_MAX;
			/* Through a local: a store to *fn may alias c's fields. */
			if (unlikely(f - c->moved_lo < c->moved_len))
				f = trace_chunk_moved(c, f);
			*fn = f;
			return TRACE_EV_ENTER;
		}
		if (likely((w & 3) == TRACE_TAG_EXIT)) {
			c->pos++;
			c->events++;
			c->ticks += w >> 2;
			return TRACE_EV_EXIT;
		}
	}
	return trace_chunk_slow(c, fn);
}

#endif
