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
 * Every byte the process stores through a mapping is first written with
 * pwrite (zeros), so the file system has its blocks: a full disk makes the
 * write fail, never a store fault (SIGBUS). The file never grows past the
 * size cap (MPROF_MAX_SIZE) or the process's RLIMIT_FSIZE (which would
 * raise SIGXFSZ). When the file cannot grow, the writer remembers why and
 * refuses further attempts for a second (writer_blocked), so that a full
 * disk costs the hooks a clock read, not a system call, per event; the
 * events are counted lost, with that cause.
 *
 * All functions here are slow-path only (they take the writer lock or make
 * system calls). The writer owns every mapping it returns; release chunks
 * with writer_chunk_close().
 */
#ifndef MPROF_WRITER_H
#define MPROF_WRITER_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
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
	uint64_t max_size_cfg;	       /* MPROF_MAX_SIZE as configured (env.h) */
	uint64_t max_size;	       /* the cap in bytes, resolved; 0: none */
	unsigned failing;	       /* why the file could not grow last (enum trace_lost_cause,
				  * never TRACE_LOST_OTHER); 0: it could. Atomic reads */
	uint64_t retry_ticks;	       /* no new attempt before this tick count (atomic reads) */
	uint64_t retry_interval;       /* ticks between attempts after a failure */
	struct trace_chunk_header *proc_chunk; /* current process chunk, or NULL */
	uint64_t *proc_pos, *proc_end;
	uint64_t proc_seq;
	pthread_mutex_t lock; /* guards everything above after writer_open */
};

extern struct writer writer;

/* What writer_lock saved, for writer_unlock to restore. */
struct writer_hold {
	sigset_t mask;
	int cancel;
};

/*
 * Take writer.lock with cancellation disabled and asynchronous signals
 * blocked: what the writer does under it (pwritev, open, close) are
 * cancellation points, and neither a cancelled thread nor a signal handler
 * that jumps out (siglongjmp) may leave the lock held. A handler that would
 * have run meanwhile runs at writer_unlock.
 */
void writer_lock(struct writer_hold *h);
void writer_unlock(struct writer_hold *h);

/*
 * Create this process's trace file from cfg->output (relative paths are
 * resolved against the current directory now; %p expands to the pid, %% to
 * %). If that file is being written by another live process, or by this
 * process before an exec, PATH.<pid> is used instead (then PATH.<pid>.N,
 * N = 1, 2, ...): a trace in use is never replaced. An existing regular
 * file that no live process writes is replaced, a symlink is replaced and
 * never followed; anything else at the path (a device, a FIFO, a socket, a
 * directory) is left alone. Fills the static header fields. Returns 0, or
 * -1 after one warning (nothing will be recorded).
 */
int writer_open(const struct env_config *cfg, enum trace_clock_source src);

/* After a failure to grow the file, wait `ticks` before trying again. */
void writer_set_retry_interval(uint64_t ticks);

/*
 * Whether the file is known not to grow now: the cause of the last failure
 * (enum trace_lost_cause) while its retry interval runs, else 0 (try). No
 * lock, no system call.
 */
unsigned writer_blocked(void);

/*
 * Map a new chunk for `serial` (0 for a process chunk) and fill its header;
 * its first `prefill` bytes are written to the file (see writer_fill_window),
 * its offset in the file goes to *file_off. Returns NULL if the file could
 * not grow, with the reason (enum trace_lost_cause) in *cause; the caller
 * counts its events lost.
 */
struct trace_chunk_header *writer_chunk_open(uint32_t kind, uint32_t serial, uint32_t tid,
					     uint64_t seq, uint64_t base_ticks, size_t prefill,
					     off_t *file_off, unsigned *cause);

/* Write zeros over len bytes of the file at off (a window of a chunk the
 * thread is about to reach: its blocks then exist, and its page-cache pages,
 * cheaply). Returns 0, or why it could not (enum trace_lost_cause). */
unsigned writer_fill_window(off_t off, size_t len);
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

/* Events dropped where no chunk could hold the count, for `cause`. */
void writer_add_lost(uint64_t n, unsigned cause);

/* Add a thread's lost events by cause to the header (and zero them). */
void writer_count_lost(uint64_t lost[TRACE_LOST_NCAUSES]);

/* Set the end clock point, how the process ended (enum trace_end_how, with
 * its exit status) and the COMPLETE flag. Chunks stay mapped: threads that
 * run on after this still record into the file. */
void writer_finish(unsigned how, int status);

/* Record how the process is about to end (an _exit or exec on its way),
 * without finalizing: TRACE_END_NONE takes it back (exec failed). */
void writer_set_end(unsigned how, int status);

/* In a fork child: forget the parent's file and mappings, create the child's
 * own file. Called with writer.lock held by the fork-prepare handler. */
void writer_fork_child(void);

#endif
