/* SPDX-License-Identifier: MIT */
/*
 * trace_builder.h - synthesize trace files (libprofile/trace_format.h) for
 * the reader's unit tests: a valid header, chunks of records written the way
 * the runtime writes them, and ways to damage them.
 *
 *	struct tb *tb = tb_new();
 *	tb_chunk(tb, 1, 100);		thread 1, first chunk, base tick 100
 *	tb_enter(tb, 0x1000, 110);	enter 0x1000 at tick 110
 *	tb_exit(tb, 150);
 *	path = tb_write(tb);
 *	...
 *	tb_free(tb);			removes the files it wrote
 *
 * Times are absolute tick counts; the builder turns them into deltas, with a
 * time record first when a delta does not fit an entry. A record that does
 * not fit the current chunk opens the thread's next chunk. Errors abort:
 * this is test code.
 *
 * Ownership: the builder owns the paths it returns; tb_free() frees them.
 */
#ifndef MPROF_TRACE_BUILDER_H
#define MPROF_TRACE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "trace_format.h"

#define TB_MAX_THREADS 64

struct tb {
	struct trace_file_header hdr; /* edit freely before tb_write() */
	uint64_t *words;	      /* all chunks, back to back */
	size_t nchunks, alloc;
	size_t cur;	/* current chunk, (size_t)-1 before the first */
	size_t pos;	/* next word in it */
	uint64_t ticks; /* tick count of its last event */
	uint64_t next_seq[TB_MAX_THREADS + 1];
	uint64_t events[TB_MAX_THREADS + 1]; /* function, memory and stage events per thread */
	char dir[64];
	char **paths;
	size_t npaths;
};

/* A builder with a valid header: monotonic clock, complete, 64 KiB chunks. */
struct tb *tb_new(void);
void tb_free(struct tb *tb);

/* Number of words in a chunk (header included); always 64 KiB worth. */
size_t tb_chunk_words(const struct tb *tb);

/* Open the next chunk of thread `serial` (tid 1000 + serial) at `base`. */
void tb_chunk(struct tb *tb, uint32_t serial, uint64_t base);
/* Open a process chunk at `base`. */
void tb_process_chunk(struct tb *tb, uint64_t base);
/* The header of the current chunk, to edit. */
struct trace_chunk_header *tb_chunk_header(struct tb *tb);
/* Leave an unused (all zero) chunk. */
void tb_unused_chunk(struct tb *tb);

void tb_enter(struct tb *tb, uint64_t fn, uint64_t at);
void tb_exit(struct tb *tb, uint64_t at);
/* An entry through a TRACE_EXT_ENTER_FULL record. */
void tb_enter_full(struct tb *tb, uint64_t fn, uint64_t at);
void tb_time(struct tb *tb, uint64_t at);
void tb_thread_start(struct tb *tb, uint32_t tid, uint64_t at);
/* A thread end that claims `events` recorded and `lost` dropped. */
void tb_thread_end(struct tb *tb, uint64_t at, uint64_t events, uint64_t lost);
void tb_maps(struct tb *tb, uint64_t at, unsigned reason, uint64_t nmodules);
void tb_module(struct tb *tb, const char *path, uint64_t bias, uint64_t lo, uint64_t hi,
	       const unsigned char *buildid, size_t buildid_len);
/*
 * Memory records (absolute ticks, the delta base unchanged). `stack` is a
 * stack id as the record carries it; tb_stack() defines one (`id` may have
 * TRACE_STACK_SHADOW) from n frames, innermost first.
 */
void tb_alloc(struct tb *tb, uint64_t addr, uint64_t size, uint32_t stack, uint64_t at);
void tb_alloc_kind(struct tb *tb, unsigned kind, uint64_t addr, uint64_t size, uint32_t stack,
		   uint64_t at);
void tb_release(struct tb *tb, uint64_t addr, uint64_t at); /* a FREE record */
void tb_realloc(struct tb *tb, uint64_t old, uint64_t addr, uint64_t size, uint32_t stack,
		uint64_t free_at, uint64_t at);
void tb_stack(struct tb *tb, uint32_t id, const uint64_t *frames, unsigned n);
void tb_snapshot(struct tb *tb, const char *label, uint64_t at);

/*
 * Stage records (absolute ticks, the delta base unchanged), counted as
 * events of the thread as the runtime counts them, definitions included.
 */
void tb_stage_def(struct tb *tb, uint32_t id, const char *name);
void tb_stage_begin(struct tb *tb, uint32_t id, uint64_t at);
void tb_stage_end(struct tb *tb, uint32_t id, uint64_t at, uint64_t records);
/* A FILTER record (a process chunk's): kind, limit, pattern (NULL for none). */
void tb_filter(struct tb *tb, unsigned kind, uint64_t limit, const char *pattern);
/* A PAUSE record: the thread was in the runtime from `from` to `to`. */
void tb_pause(struct tb *tb, uint64_t from, uint64_t to);
/* A CONTEXT record: the thread runs context `id` from `at` (the delta base unchanged). */
void tb_context(struct tb *tb, uint32_t id, uint64_t at);
/*
 * An OFFCPU reading (TRACE_OFFCPU_* flags): at tick `at`, CLOCK_MONOTONIC
 * `mono` ns, the thread's CPU time `cpu` ns (the delta base unchanged). The
 * first sets the header's off-CPU state to RECORDED (the feature too).
 */
void tb_offcpu(struct tb *tb, unsigned flags, uint64_t at, uint64_t mono, uint64_t cpu);
/* How the process ended, as the header records it (end_how, exit_status). */
void tb_end(struct tb *tb, unsigned how, int status);

/* An extended record of any type; `w` holds its nwords - 1 payload words. */
void tb_ext(struct tb *tb, unsigned type, uint32_t aux, const uint64_t *w, unsigned nwords);
/* One raw word. */
void tb_word(struct tb *tb, uint64_t w);

/* Events recorded so far by thread `serial`. */
uint64_t tb_events(const struct tb *tb, uint32_t serial);

/* Write the trace to a new file in the builder's directory; its path. */
const char *tb_write(struct tb *tb);
/* The same, cut to its first `size` bytes. */
const char *tb_write_cut(struct tb *tb, size_t size);
/* Write arbitrary bytes to a new file; its path. */
const char *tb_write_bytes(struct tb *tb, const void *data, size_t size);
/* A path in the builder's directory that does not exist. */
const char *tb_missing_path(struct tb *tb);
/* The builder's directory. */
const char *tb_dir(const struct tb *tb);

#endif
