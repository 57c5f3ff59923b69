/* SPDX-License-Identifier: MIT */
/*
 * writer.h - the trace file of this process: creation, the header, chunks.
 *
 * The file is created at start (see writer_open for the naming rules) and
 * grows a chunk at a time. A chunk is mapped MAP_SHARED and its owner stores
 * records straight into it, so whatever was stored is in the file even if
 * the process is killed. Process-wide records (module maps) go to chunks of
 * their own through writer_process_record().
 *
 * All functions here are slow-path only (they take the writer lock or make
 * system calls). The writer owns every mapping it returns; release chunks
 * with writer_chunk_close().
 */
#ifndef MPROF_WRITER_H
#define MPROF_WRITER_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "env.h"
#include "trace_format.h"

struct writer {
	int fd;			       /* the trace file, O_CLOEXEC; -1 when none */
	dev_t dev;		       /* identity of fd, to notice a program that */
	ino_t ino;		       /* closed it and reused the number */
	char template[PATH_MAX];       /* absolute path template (start directory, %p kept) */
	char path[PATH_MAX];	       /* the file actually written */
	struct trace_file_header *hdr; /* first page of the file, mapped shared */
	uint32_t chunk_size;	       /* bytes per chunk */
	uint64_t nchunks;	       /* chunks allocated so far */
	struct trace_chunk_header *proc_chunk; /* current process chunk, or NULL */
	uint64_t *proc_pos, *proc_end;
	uint64_t proc_seq;
	pthread_mutex_t lock; /* guards everything above after writer_open */
};

extern struct writer writer;

/*
 * Take writer.lock with cancellation disabled: what the writer does under
 * it (pwritev, open, close) are cancellation points, and a thread cancelled
 * there must not leave the lock held. Returns the state to restore.
 */
static inline int writer_lock(void)
{
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_mutex_lock(&writer.lock);
	return old;
}

static inline void writer_unlock(int cancel_state)
{
	pthread_mutex_unlock(&writer.lock);
	pthread_setcancelstate(cancel_state, NULL);
}

/*
 * Create this process's trace file from cfg->output (relative paths are
 * resolved against the current directory now; %p expands to the pid, %% to
 * %). If that file is being written by another live process, or by this
 * process before an exec, PATH.<pid> is used instead (then PATH.<pid>.N).
 * An existing file is replaced, a symlink is never followed. Fills the
 * static header fields. Returns 0, or -1 after one warning (nothing will be
 * recorded).
 */
int writer_open(const struct env_config *cfg, enum trace_clock_source src);

/*
 * Map a new chunk for `serial` (0 for a process chunk) and fill its header;
 * its first `prefill` bytes are written to the file (see writer_fill_window),
 * its offset in the file goes to *file_off. Returns NULL if the file could
 * not grow; the caller counts its events lost.
 */
struct trace_chunk_header *writer_chunk_open(uint32_t kind, uint32_t serial, uint32_t tid,
					     uint64_t seq, uint64_t base_ticks, size_t prefill,
					     off_t *file_off);

/* Write zeros over len bytes of the file at off (a window of a chunk the
 * thread is about to reach: its page-cache pages then exist, cheaply).
 * Returns 0 or -1. */
int writer_fill_window(off_t off, size_t len);
void writer_chunk_close(struct trace_chunk_header *chunk);

/* Records of a chunk: first word and one past the last. */
static inline uint64_t *writer_chunk_records(struct trace_chunk_header *c)
{
	return (uint64_t *)(c + 1);
}

static inline uint64_t *writer_chunk_end(struct trace_chunk_header *c)
{
	return (uint64_t *)((char *)c + writer.chunk_size);
}

/* Append one record of n words (n >= 1, header word first) to the process
 * chunks. The caller holds writer.lock. Returns 0 or -1 (counted lost). */
int writer_process_record_locked(const uint64_t *words, unsigned n);

/* Events dropped where no chunk could hold the count. */
void writer_add_lost(uint64_t n);

/* Set the end clock point and the COMPLETE flag. Chunks stay mapped: threads
 * that run on after this still record into the file. */
void writer_finish(void);

/* In a fork child: forget the parent's file and mappings, create the child's
 * own file. Called with writer.lock held by the fork-prepare handler. */
void writer_fork_child(void);

#endif
