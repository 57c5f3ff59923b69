/* SPDX-License-Identifier: MIT */
/*
 * trace_format.h - the layout of trace.bin, shared by the writer (libprofile)
 * and the reader (tools/trace_read.c). Documented for users in mprof-trace(5);
 * change both together and bump TRACE_VERSION on any incompatible change.
 *
 * A trace is:
 *
 *   offset 0                 struct trace_file_header, padded to header_size
 *   header_size + i*chunk    chunk i: struct trace_chunk_header, then records
 *
 * Every chunk has the same size (header.chunk_size). A chunk belongs to one
 * thread (kind TRACE_CHUNK_THREAD) or to the process (TRACE_CHUNK_PROCESS:
 * module maps and other process-wide records). The writer maps chunks of the
 * file and stores records straight into them, so a process that dies at any
 * point leaves every record it completed in the file. A chunk whose magic is
 * zero was never used. Inside a chunk, records follow the header back to back
 * up to the first all-zero word or the end of the chunk.
 *
 * Records are sequences of 64-bit little-endian words. The two low bits of
 * the first word are the tag:
 *
 *   TAG_ENTER  word = fn << 17 | delta << 2 | 1
 *              a function entry; fn is the function's address (below 2^47),
 *              delta the clock ticks since the thread's previous event
 *              (below 2^15; a TIME record precedes an entry whose delta
 *              does not fit).
 *   TAG_EXIT   word = delta << 2 | 2
 *              the return of the innermost open function of this thread.
 *              The writer matches exits to entries itself (longjmp and
 *              exceptions are resolved when recording), so the reader pops.
 *   TAG_EXT    word = aux << 32 | nwords << 10 | type << 2 | 3
 *              an extended record of nwords words in all (header included);
 *              type is one of enum trace_ext_type. A reader skips types it
 *              does not know by nwords.
 *
 * Time: every event's tick count is the previous event's plus its delta; the
 * first event of a chunk counts from the chunk header's base_ticks. Ticks are
 * converted to nanoseconds with the clock calibration points (the header's
 * start, start_cal and end points, and each chunk's open point).
 *
 * Order: chunks lie in the file in the order of their open.ticks, and every
 * memory, snapshot and stage event in a chunk has ticks >= its open.ticks.
 * So once a reader has read chunk k, no such event it has not read yet is
 * earlier than chunk k's open.ticks: they can be merged across threads into
 * one time order (allocations and frees of the same address by different
 * threads) with a buffer that holds only the events later than that
 * watermark. (Function events are per thread and need no merging; those a
 * signal handler made while its thread was inside the runtime are written
 * later, with their own times, and may precede their chunk's open point.)
 */
#ifndef MPROF_TRACE_FORMAT_H
#define MPROF_TRACE_FORMAT_H

#include <stdint.h>

#define TRACE_MAGIC	    "MPROFTRC"
#define TRACE_MAGIC_LEN	    8
#define TRACE_VERSION	    1
#define TRACE_ENDIAN_MARK   0x01020304u
#define TRACE_HEADER_SIZE   4096u
#define TRACE_CHUNK_MAGIC   0x4b4e4843u /* "CHNK" little-endian */
#define TRACE_CHUNK_MIN	    (64u * 1024)
#define TRACE_CHUNK_MAX	    (64u * 1024 * 1024)
#define TRACE_CHUNK_DEFAULT (1024u * 1024)

/* header.clock_source */
enum trace_clock_source {
	TRACE_CLOCK_TSC = 1,	   /* x86 invariant time-stamp counter */
	TRACE_CLOCK_MONOTONIC = 2, /* clock_gettime(CLOCK_MONOTONIC), ticks are ns */
};

/* header.features: which kinds of events the process recorded */
#define TRACE_FEAT_CALLS  (1ull << 0)
#define TRACE_FEAT_ALLOC  (1ull << 1)
#define TRACE_FEAT_STAGES (1ull << 2)
#define TRACE_FEAT_OFFCPU (1ull << 3) /* OFFCPU records: header.offcpu is RECORDED */

/* header.offcpu: whether the threads' switches off the CPU were recorded. */
enum trace_offcpu_state {
	TRACE_OFFCPU_UNKNOWN = 0,  /* the trace does not say (written before OFFCPU records) */
	TRACE_OFFCPU_RECORDED = 1, /* by every thread but offcpu_threads_missing */
	TRACE_OFFCPU_DISABLED = 2, /* MPROF_OFFCPU=0 */
	TRACE_OFFCPU_REFUSED = 3,  /* the kernel refused: offcpu_call, offcpu_errno */
	TRACE_OFFCPU_SECCOMP = 4,  /* a seccomp filter was on: not tried (MPROF_OFFCPU=auto) */
	TRACE_OFFCPU_UNNEEDED = 5, /* neither calls nor stages were recorded */
};

/* header.offcpu_call: what refused. */
enum trace_offcpu_call {
	TRACE_OFFCPU_CALL_NONE = 0,
	TRACE_OFFCPU_CALL_OPEN = 1,    /* perf_event_open */
	TRACE_OFFCPU_CALL_MMAP = 2,    /* mmap of the event */
	TRACE_OFFCPU_CALL_SECCOMP = 3, /* a thread ran under a seccomp filter: not tried */
	TRACE_OFFCPU_CALL_CLOCK = 4,   /* clock_gettime(CLOCK_THREAD_CPUTIME_ID) */
};

/* header.flags */
#define TRACE_FLAG_COMPLETE (1u << 0) /* the process finalized the trace */

/* header.end_how: how the process (this image of it) ended. */
enum trace_end_how {
	TRACE_END_NONE = 0,  /* not recorded: still running, killed, crashed */
	TRACE_END_EXIT = 1,  /* exit() or a return from main; exit_status holds the status */
	TRACE_END__EXIT = 2, /* _exit() or _Exit(); exit_status holds the status */
	TRACE_END_EXEC = 3,  /* it exec'd another image (whose trace is another file) */
};

/* Why events were lost (header.lost_cause[]). */
enum trace_lost_cause {
	TRACE_LOST_OTHER = 0,	 /* none of the below */
	TRACE_LOST_NOSPACE = 1,	 /* the file system was full (ENOSPC, EDQUOT) */
	TRACE_LOST_SIZE_CAP = 2, /* the file reached MPROF_MAX_SIZE */
	TRACE_LOST_FSIZE = 3,	 /* the file reached the process's RLIMIT_FSIZE */
	TRACE_LOST_IO = 4,	 /* the file could not be written or mapped (EIO, ...) */
	TRACE_LOST_NOMEM = 5,	 /* no memory for the runtime's own state */
	TRACE_LOST_SIGNAL = 6,	 /* a signal handler's calls while the runtime was busy */
	TRACE_LOST_NCAUSES = 8,
};

/* A simultaneous reading of the tick counter and CLOCK_MONOTONIC. */
struct trace_clock_point {
	uint64_t ticks;
	uint64_t ns;
};

struct trace_file_header {
	char magic[TRACE_MAGIC_LEN];
	uint32_t version;
	uint32_t header_size; /* offset of chunk 0 */
	uint32_t endian;      /* TRACE_ENDIAN_MARK in the writer's byte order */
	uint32_t chunk_size;  /* bytes per chunk, a multiple of 4096 */
	uint64_t features;    /* TRACE_FEAT_* */
	uint32_t pid;
	uint32_t ppid;
	uint32_t clock_source;		    /* enum trace_clock_source */
	uint32_t flags;			    /* TRACE_FLAG_*, updated at finalization */
	struct trace_clock_point start;	    /* at initialization */
	struct trace_clock_point start_cal; /* a few hundred microseconds later */
	struct trace_clock_point end;	    /* at finalization, zero before */
	uint64_t realtime_start_ns;	    /* CLOCK_REALTIME at start */
	/* Probe cost, in ticks, measured at start: what one instrumented call
	 * adds to its own inclusive time (probe_self) and to its caller's self
	 * time (probe_parent). The reporter subtracts them. */
	uint64_t probe_self_ticks;
	uint64_t probe_parent_ticks;
	uint64_t threads;     /* threads that recorded, updated live */
	uint64_t lost_events; /* events dropped outside any chunk, updated live */
	char exe[248];	      /* the executable's path, truncated, NUL-terminated */
	/*
	 * Fields below were added within version 1: a trace written before
	 * them holds zeros there, which read as "not recorded".
	 *
	 * nchunks: chunks the file holds, updated live as it grows: the file is
	 * header_size + nchunks * chunk_size bytes long, and a shorter file was
	 * cut after the process wrote it.
	 */
	uint64_t nchunks;
	uint32_t end_how;    /* enum trace_end_how; TRACE_END_NONE until the process ends */
	int32_t exit_status; /* the status given to exit/_exit (TRACE_END_EXIT, _EXIT) */
	uint64_t max_size;   /* the cap on the file size in bytes (MPROF_MAX_SIZE); 0: none */
	/* Events lost, by cause (enum trace_lost_cause). Threads count their
	 * losses in their chunk headers at once (trace_chunk_header.lost, the
	 * exact total) and add them here by cause at their next chunk or
	 * window switch, retry or end: a process killed meanwhile leaves the
	 * difference without a cause. Events dropped outside any chunk
	 * (lost_events above) are counted here too. */
	uint64_t lost_cause[8];
	/* Where `malloc` resolved in the process when it was not libmprof's
	 * (the program defines its own, or an allocator was preloaded before
	 * libmprof): its address, to be named with the module maps; 0 when
	 * libmprof saw the allocator calls, or did not record allocations. */
	uint64_t malloc_elsewhere;
	uint64_t first_failure_ticks; /* when the trace file first could not grow; 0: never */
	/*
	 * Off-CPU time (OFFCPU records). offcpu: enum trace_offcpu_state, 0 in
	 * a trace written before there was any. offcpu_errno and offcpu_call
	 * (enum trace_offcpu_call): what refused the first time, for the
	 * process (REFUSED) or for a thread (RECORDED with threads missing).
	 * offcpu_threads_missing: threads that began recording without their
	 * switches recorded, updated live.
	 */
	uint32_t offcpu;
	int32_t offcpu_errno;
	uint32_t offcpu_call;
	uint32_t offcpu_reserved; /* zero */
	uint64_t offcpu_threads_missing;
};

/* chunk.kind */
enum trace_chunk_kind {
	TRACE_CHUNK_THREAD = 1,
	TRACE_CHUNK_PROCESS = 2,
};

struct trace_chunk_header {
	uint32_t magic;	 /* TRACE_CHUNK_MAGIC; 0 means the chunk is unused */
	uint32_t kind;	 /* enum trace_chunk_kind */
	uint32_t thread; /* 1-based serial of the thread in this process; 0 for process chunks */
	uint32_t tid;	 /* kernel thread id */
	uint64_t seq;	 /* 0-based index of this chunk among its thread's chunks */
	uint64_t base_ticks;	       /* the first record's delta counts from here */
	struct trace_clock_point open; /* clock reading when the chunk was opened */
	uint64_t lost;		       /* events this thread dropped while the chunk was current */
	uint64_t filtered;	       /* calls the record-time filters left out (entry and exit
			    * unwritten) while the chunk was current */
};

enum trace_tag {
	TRACE_TAG_ENTER = 1,
	TRACE_TAG_EXIT = 2,
	TRACE_TAG_EXT = 3,
};

#define TRACE_ENTER_FN_SHIFT   17
#define TRACE_ENTER_DELTA_BITS 15
#define TRACE_ENTER_DELTA_MAX  ((1ull << TRACE_ENTER_DELTA_BITS) - 1)
#define TRACE_ENTER_FN_LIMIT   (1ull << (64 - TRACE_ENTER_FN_SHIFT))
#define TRACE_EXT_NWORDS_MAX   0xffffu

enum trace_ext_type {
	/* w1: absolute ticks. The next event's delta counts from here. */
	TRACE_EXT_TIME = 1,
	/* w1: function address, w2: absolute ticks. An entry whose address
	 * does not fit TAG_ENTER. */
	TRACE_EXT_ENTER_FULL = 2,
	/* aux: tid. w1: ticks when the thread began recording. */
	TRACE_EXT_THREAD_START = 3,
	/* w1: ticks, w2: events this thread recorded in all its chunks
	 * (excluding this record), w3: events it dropped. */
	TRACE_EXT_THREAD_END = 4,
	/* Process chunks. aux: capture generation. w1: ticks, w2: reason
	 * (enum trace_maps_reason), w3: objects loaded at that time. A MODULE
	 * record follows for each one backed by a file (not the vDSO); readers
	 * take the MODULE records as they come and do not rely on w3. */
	TRACE_EXT_MAPS = 5,
	/* Process chunks. aux: buildid_len << 16 | path_len.
	 * w1: load bias, w2: lowest mapped address, w3: end of the highest
	 * mapped address (exclusive), then buildid_len bytes of build-id,
	 * then path_len bytes of path (no NUL), zero-padded to a word. */
	TRACE_EXT_MODULE = 6,
	/* w1, w2: ticks at which the thread entered and left the runtime's
	 * slow path (opening a chunk and faulting its pages in). Its open
	 * calls did not run meanwhile: readers take the span out of their
	 * times. Does not move the delta base. */
	TRACE_EXT_PAUSE = 7,
	/*
	 * Memory events, in thread chunks. They carry absolute ticks and do
	 * not move the delta base. The ticks of an allocation are read after
	 * the allocator returned, those of a free before the block is given
	 * back: for one address, a free is always earlier than the allocation
	 * that reuses it, whichever threads made them.
	 *
	 * ALLOC: aux: stack id (0: no stack). w1: the block's address,
	 * w2: kind << 56 | requested size, w3: ticks.
	 */
	TRACE_EXT_ALLOC = 8,
	/* FREE: w1: the block's address, w2: ticks. */
	TRACE_EXT_FREE = 9,
	/*
	 * REALLOC that moved or resized a block: one allocation, and the free
	 * of the old block. aux: stack id. w1: old address, w2: new address,
	 * w3: kind << 56 | requested size, w4: ticks of the free (read before
	 * the call), w5: ticks of the allocation (read after it).
	 */
	TRACE_EXT_REALLOC = 10,
	/*
	 * STACK: defines a stack id (ids are per thread, 1-based, defined
	 * once before first use). aux: the id, with TRACE_STACK_SHADOW
	 * (bit 31) set when the frames come from the shadow stack; ALLOC and
	 * REALLOC carry the id alone (bit 31 clear). w1..: the frames,
	 * innermost first: w1 is the return address into the allocator's
	 * caller (the allocation site); the others are return addresses too,
	 * or, with TRACE_STACK_SHADOW, the entry addresses of the instrumented
	 * functions open on the thread's call stack (the first of them is
	 * usually the function that contains w1).
	 */
	TRACE_EXT_STACK = 11,
	/* SNAPSHOT: a marker; the live heap at this moment is the reader's
	 * to compute. aux: label length (at most 255). w1: ticks, then the
	 * label's bytes (no NUL), zero-padded to a word. */
	TRACE_EXT_SNAPSHOT = 12,
	/* Stage events (mprof_stage_* of mprof.h), in thread chunks, with
	 * absolute ticks; they do not move the delta base.
	 * STAGE_DEF: aux: the stage id (process-wide, 1-based). w1: the
	 * name's length (at most 255), then its bytes, zero-padded. */
	TRACE_EXT_STAGE_DEF = 13,
	/* STAGE_BEGIN: the stage was asked for records. aux: id. w1: ticks. */
	TRACE_EXT_STAGE_BEGIN = 14,
	/* STAGE_END: the stage answered. aux: id. w1: ticks, w2: records it
	 * handed downstream (0: none, or exhausted). Begin/end pairs of
	 * different stages nest on a thread (an upstream stage runs inside its
	 * consumer's pair). */
	TRACE_EXT_STAGE_END = 15,
	/*
	 * FILTER: a record-time filter the process applied (MPROF_INCLUDE,
	 * MPROF_EXCLUDE, MPROF_MAX_DEPTH, MPROF_MIN_DURATION), in process
	 * chunks, one record per pattern or limit, written at start (and
	 * again in a fork child's trace). aux: kind << 24 | text length
	 * (enum trace_filter_kind; the length is 0 for limits). w1: the
	 * limit (MAX_DEPTH: frames; MIN_DURATION: nanoseconds; 0 for
	 * patterns), then the pattern's bytes (no NUL), zero-padded. The
	 * calls a filter left out are counted in the chunk headers
	 * (trace_chunk_header.filtered).
	 */
	TRACE_EXT_FILTER = 16,
	/*
	 * CONTEXT: the thread switched execution context (swapcontext or
	 * setcontext to a coroutine's stack, or back). aux: the id of the
	 * context now running, per thread: 0 is the thread's own stack, others
	 * are numbered from 1 as they first run. w1: ticks of the switch.
	 * Entries and exits that follow belong to that context's call stack
	 * until the next CONTEXT record; the stack of the context left keeps
	 * its open frames, which resume when it runs again. Does not move the
	 * delta base.
	 */
	TRACE_EXT_CONTEXT = 17,
	/*
	 * OFFCPU: a reading of the thread's clocks, in thread chunks, taken
	 * at the first hook after the kernel switched the thread out and back
	 * in (and where the flags say). aux: TRACE_OFFCPU_* flags.
	 * w1: ticks, w2: CLOCK_MONOTONIC ns, w3: the thread's CPU time in ns
	 * (CLOCK_THREAD_CPUTIME_ID), read together. Between two readings of
	 * a thread the time it spent off the CPU is the growth of w2 less the
	 * growth of w3; without the BASE flag on the later reading, all of it
	 * fell between the event before the later reading and the one before
	 * that: in the innermost call open there. w2 and w3 never decrease
	 * on a thread. Not an event of the thread's count; does not move the
	 * delta base.
	 */
	TRACE_EXT_OFFCPU = 18,
};

/*
 * OFFCPU flags (the record's aux). BASE: a new start, the time since the
 * last reading is not the program's (the thread's start, a runtime pause it
 * was switched out in). UNSEEN: taken with no switch seen since the last
 * reading (at the thread's end): any off-CPU time since then could not be
 * placed.
 */
#define TRACE_OFFCPU_BASE   (1u << 0)
#define TRACE_OFFCPU_UNSEEN (1u << 1)
#define TRACE_OFFCPU_FLAGS  (TRACE_OFFCPU_BASE | TRACE_OFFCPU_UNSEEN)
#define TRACE_OFFCPU_WORDS  4

/* What a FILTER record describes. */
enum trace_filter_kind {
	TRACE_FILTER_INCLUDE = 1,      /* only functions matching some INCLUDE pattern */
	TRACE_FILTER_EXCLUDE = 2,      /* never functions matching an EXCLUDE pattern */
	TRACE_FILTER_MAX_DEPTH = 3,    /* no call deeper than w1 written frames */
	TRACE_FILTER_MIN_DURATION = 4, /* no call shorter than w1 ns (see mprof-trace(5)) */
};

#define TRACE_FILTER_TEXT_MAX	  4096 /* longest pattern */
#define TRACE_FILTER_PATTERNS_MAX 1024 /* most INCLUDE (and most EXCLUDE) patterns */

/* Allocation kinds (bits 56..63 of the size word). */
enum trace_alloc_kind {
	TRACE_ALLOC_MALLOC = 1,
	TRACE_ALLOC_CALLOC = 2,
	TRACE_ALLOC_REALLOC = 3,
	TRACE_ALLOC_REALLOCARRAY = 4,
	TRACE_ALLOC_POSIX_MEMALIGN = 5,
	TRACE_ALLOC_ALIGNED_ALLOC = 6,
	TRACE_ALLOC_MEMALIGN = 7,
	TRACE_ALLOC_VALLOC = 8,
	TRACE_ALLOC_PVALLOC = 9,
};

#define TRACE_ALLOC_KIND_SHIFT	 56
#define TRACE_ALLOC_SIZE_MASK	 ((1ull << TRACE_ALLOC_KIND_SHIFT) - 1)
#define TRACE_STACK_SHADOW	 (1u << 31) /* in a STACK id: frames 2.. are function entries */
#define TRACE_STACK_ID_MASK	 (TRACE_STACK_SHADOW - 1)
#define TRACE_STACK_MAX_DEPTH	 256
#define TRACE_SNAPSHOT_LABEL_MAX 255
#define TRACE_STAGE_NAME_MAX	 255

enum trace_maps_reason {
	TRACE_MAPS_START = 1,
	TRACE_MAPS_DLOPEN = 2,
	TRACE_MAPS_DLCLOSE = 3,
	TRACE_MAPS_EXIT = 4,
};

#define TRACE_MODULE_FIXED_WORDS 4 /* header, bias, lo, hi */
#define TRACE_BUILDID_MAX	 64
#define TRACE_PATH_MAX		 4096

static inline uint64_t trace_ext_word(unsigned type, unsigned nwords, uint32_t aux)
{
	return (uint64_t)aux << 32 | (uint64_t)nwords << 10 | (uint64_t)type << 2 | TRACE_TAG_EXT;
}

static inline unsigned trace_ext_type_of(uint64_t w)
{
	return (unsigned)(w >> 2) & 0xff;
}

static inline unsigned trace_ext_nwords_of(uint64_t w)
{
	return (unsigned)(w >> 10) & 0xffff;
}

static inline uint32_t trace_ext_aux_of(uint64_t w)
{
	return (uint32_t)(w >> 32);
}

_Static_assert(sizeof(struct trace_clock_point) == 16, "clock point layout");
_Static_assert(sizeof(struct trace_file_header) == 512, "file header layout");
_Static_assert(sizeof(struct trace_file_header) <= TRACE_HEADER_SIZE, "header fits");
_Static_assert(sizeof(struct trace_chunk_header) == 64, "chunk header layout");
_Static_assert(sizeof(struct trace_chunk_header) % 8 == 0, "records stay word aligned");

#endif
