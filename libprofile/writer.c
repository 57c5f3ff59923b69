/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "compiler.h"
#include "log.h"
#include "writer.h"

#define WRITER_PROC_USED (64u * 1024) /* of each process chunk (module maps) */

struct writer writer = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Expand %p and %% of the absolute template into out. Returns 0 or -1 if too long. */
NOINSTR static int writer_expand(const char *tmpl, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = tmpl; *p; p++) {
		char pid[24];
		const char *add = p;
		size_t len = 1;

		if (p[0] == '%' && p[1] == 'p') {
			len = (size_t)snprintf(pid, sizeof(pid), "%d", (int)getpid());
			add = pid;
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			p++;
		}
		if (n + len >= size)
			return -1;
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

/* Make the MPROF_OUTPUT template absolute against the start directory. */
NOINSTR static int writer_set_template(const char *output)
{
	char cwd[PATH_MAX];
	int n;

	if (output[0] == '/') {
		n = snprintf(writer.template, sizeof(writer.template), "%s", output);
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			log_warn("MPROF_OUTPUT='%s': cannot resolve the current directory: %s; "
				 "recording nothing",
				 output, strerror(errno));
			return -1;
		}
		n = snprintf(writer.template, sizeof(writer.template), "%s/%s", cwd, output);
	}
	if (n < 0 || (size_t)n >= sizeof(writer.template) - 32) {
		log_warn("MPROF_OUTPUT='%s': path too long; recording nothing", output);
		return -1;
	}
	return 0;
}

/*
 * Is `path` a trace that a live process is writing? The writer holds an
 * exclusive flock on its file for its whole life (a fork child shares the
 * parent's); an exec'd image finds its own pid in the header of the file
 * its previous image wrote.
 */
NOINSTR static bool writer_path_busy(const char *path)
{
	struct trace_file_header hdr;
	struct stat st;
	bool busy = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return false; /* missing, or a symlink: replaced */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
			busy = true;
		else if (pread(fd, &hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
			 !memcmp(hdr.magic, TRACE_MAGIC, TRACE_MAGIC_LEN) &&
			 hdr.pid == (uint32_t)getpid())
			busy = true;
	}
	close(fd);
	return busy;
}

/* Pick the file name: the expanded template, or PATH.<pid>[.N] on collision. */
NOINSTR static int writer_pick_path(void)
{
	char base[PATH_MAX - 64]; /* room for .<pid>.<n> */

	if (writer_expand(writer.template, base, sizeof(base)) < 0)
		return -1;
	snprintf(writer.path, sizeof(writer.path), "%s", base);
	for (int i = 0; i < 16 && writer_path_busy(writer.path); i++) {
		if (i == 0)
			snprintf(writer.path, sizeof(writer.path), "%s.%d", base, (int)getpid());
		else
			snprintf(writer.path, sizeof(writer.path), "%s.%d.%d", base, (int)getpid(),
				 i);
	}
	return 0;
}

/*
 * Create the file under a temporary name, lock it, size it for the header,
 * then rename it over the final name: an existing file (or symlink) is
 * replaced, never written through.
 */
NOINSTR static int writer_create(void)
{
	char tmp[PATH_MAX + 32];
	struct stat st;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp%d", writer.path, (int)getpid());
	unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || ftruncate(fd, TRACE_HEADER_SIZE) < 0 ||
	    fstat(fd, &st) < 0 || rename(tmp, writer.path) < 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		errno = saved;
		goto fail;
	}
	writer.fd = fd;
	writer.dev = st.st_dev;
	writer.ino = st.st_ino;
	return 0;
fail:
	log_warn("MPROF_OUTPUT: cannot create '%s': %s; recording nothing", writer.path,
		 strerror(errno));
	return -1;
}

NOINSTR static void writer_exe_path(char *out, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", out, size - 1);

	out[n > 0 ? n : 0] = '\0';
}

/* Map the header page and fill what is known at start. */
NOINSTR static int writer_map_header(void)
{
	struct trace_file_header *h;
	struct timespec rt;

	h = mmap(NULL, TRACE_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, writer.fd, 0);
	if (h == MAP_FAILED) {
		log_warn("cannot map '%s': %s; recording nothing", writer.path, strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &rt);
	h->version = TRACE_VERSION;
	h->header_size = TRACE_HEADER_SIZE;
	h->endian = TRACE_ENDIAN_MARK;
	h->chunk_size = writer.chunk_size;
	h->pid = (uint32_t)getpid();
	h->ppid = (uint32_t)getppid();
	h->realtime_start_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	writer_exe_path(h->exe, sizeof(h->exe));
	writer.hdr = h;
	return 0;
}

NOINSTR static void writer_publish_header(void)
{
	barrier();
	memcpy(writer.hdr->magic, TRACE_MAGIC, TRACE_MAGIC_LEN);
}

NOINSTR int writer_open(const struct env_config *cfg, enum trace_clock_source src)
{
	writer.chunk_size = cfg->chunk_size;
	if (writer_set_template(cfg->output) < 0)
		return -1;
	if (writer_pick_path() < 0) {
		log_warn("MPROF_OUTPUT='%s': path too long; recording nothing", cfg->output);
		return -1;
	}
	if (writer_create() < 0)
		return -1;
	if (writer_map_header() < 0) {
		close(writer.fd);
		writer.fd = -1;
		return -1;
	}
	writer.hdr->clock_source = src;
	writer.hdr->features = (cfg->calls ? TRACE_FEAT_CALLS : 0) |
			       (cfg->alloc ? TRACE_FEAT_ALLOC : 0) |
			       (cfg->stages ? TRACE_FEAT_STAGES : 0);
	writer_publish_header();
	return 0;
}

/* The program may have closed our descriptor and reused the number: check
 * it still names our file, and reopen by path if not. Lock held. */
NOINSTR static int writer_check_fd(void)
{
	struct stat st;
	int fd;

	if (writer.fd >= 0 && fstat(writer.fd, &st) == 0 && st.st_dev == writer.dev &&
	    st.st_ino == writer.ino)
		return 0;
	fd = open(writer.path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_dev != writer.dev || st.st_ino != writer.ino) {
		close(fd);
		return -1;
	}
	writer.fd = fd;
	return 0;
}

/*
 * Write `len` zero bytes at `off`. The chunk's page-cache pages come into
 * being through write(2), which costs a fifth of what first-touch faults on a
 * shared file mapping cost (measured on ext4: 0.2 vs 1.0 ns per byte); the
 * mapping then finds them present.
 */
NOINSTR static int writer_fill_zero(int fd, off_t off, size_t len)
{
	static const char zero[64 * 1024];
	struct iovec iov[16];

	while (len > 0) {
		size_t n = 0, bytes = 0;
		ssize_t w;

		for (; n < ARRAY_SIZE(iov) && bytes < len; n++) {
			iov[n].iov_base = (void *)zero;
			iov[n].iov_len = len - bytes < sizeof(zero) ? len - bytes : sizeof(zero);
			bytes += iov[n].iov_len;
		}
		w = pwritev(fd, iov, (int)n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Grow the file by one chunk. Lock held. Returns the chunk's offset or -1. */
NOINSTR static off_t writer_grow_locked(size_t prefill)
{
	off_t off;

	if (writer.hdr == NULL || writer_check_fd() < 0)
		return -1;
	off = (off_t)TRACE_HEADER_SIZE + (off_t)writer.nchunks * writer.chunk_size;
	/* The chunk as a hole, its first `prefill` bytes written (see
	 * writer_fill_zero); the rest is filled a window at a time as the
	 * thread reaches it (writer_fill_window). */
	if (ftruncate(writer.fd, off + writer.chunk_size) < 0 ||
	    (prefill && writer_fill_zero(writer.fd, off, prefill) < 0))
		return -1;
	writer.nchunks++;
	return off;
}

NOINSTR int writer_fill_window(off_t off, size_t len)
{
	int cancel = writer_lock();
	int ret = writer.hdr && writer_check_fd() == 0 ? writer_fill_zero(writer.fd, off, len) : -1;

	writer_unlock(cancel);
	return ret;
}

/* Map the chunk at `off` and publish its header, magic last. */
NOINSTR static struct trace_chunk_header *
writer_map_chunk(int fd, off_t off, const struct trace_clock_point *open, uint32_t kind,
		 uint32_t serial, uint32_t tid, uint64_t seq, uint64_t base_ticks)
{
	struct trace_chunk_header *c;

	c = mmap(NULL, writer.chunk_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (c == MAP_FAILED)
		return NULL;
	c->kind = kind;
	c->thread = serial;
	c->tid = tid;
	c->seq = seq;
	c->base_ticks = base_ticks;
	c->open = *open;
	barrier();
	c->magic = TRACE_CHUNK_MAGIC;
	return c;
}

NOINSTR struct trace_chunk_header *writer_chunk_open(uint32_t kind, uint32_t serial, uint32_t tid,
						     uint64_t seq, uint64_t base_ticks,
						     size_t prefill, off_t *file_off)
{
	struct trace_clock_point open;
	off_t off;
	int fd, cancel;

	/* The open point is read under the lock: chunks lie in the file in the
	 * order of their open ticks (see trace_format.h). */
	cancel = writer_lock();
	off = writer_grow_locked(prefill);
	fd = writer.fd;
	clock_point(&open);
	writer_unlock(cancel);
	if (off < 0)
		return NULL;
	*file_off = off;
	return writer_map_chunk(fd, off, &open, kind, serial, tid, seq, base_ticks);
}

NOINSTR void writer_chunk_close(struct trace_chunk_header *chunk)
{
	if (chunk)
		munmap(chunk, writer.chunk_size);
}

NOINSTR void writer_add_lost(uint64_t n)
{
	if (writer.hdr)
		__atomic_fetch_add(&writer.hdr->lost_events, n, __ATOMIC_RELAXED);
}

NOINSTR int writer_process_record_locked(const uint64_t *words, unsigned n)
{
	if (writer.proc_chunk == NULL || writer.proc_pos + n > writer.proc_end) {
		/* Only the written part of a process chunk is used: stores into
		 * a hole of the file could fault with SIGBUS on a full disk. */
		size_t used =
		    writer.chunk_size < WRITER_PROC_USED ? writer.chunk_size : WRITER_PROC_USED;
		off_t off = writer_grow_locked(used);
		struct trace_chunk_header *c = NULL;
		struct trace_clock_point open;

		clock_point(&open);
		if (off >= 0)
			c = writer_map_chunk(writer.fd, off, &open, TRACE_CHUNK_PROCESS, 0,
					     (uint32_t)getpid(), writer.proc_seq, 0);
		if (c == NULL || writer_chunk_records(c) + n > (uint64_t *)((char *)c + used)) {
			writer_chunk_close(c);
			writer_add_lost(1);
			return -1;
		}
		writer_chunk_close(writer.proc_chunk);
		writer.proc_chunk = c;
		writer.proc_seq++;
		writer.proc_pos = writer_chunk_records(c);
		writer.proc_end = (uint64_t *)((char *)c + used);
	}
	/* Payload first, header word last: a reader never sees half a record. */
	memcpy(writer.proc_pos + 1, words + 1, (n - 1) * sizeof(*words));
	barrier();
	writer.proc_pos[0] = words[0];
	writer.proc_pos += n;
	return 0;
}

NOINSTR void writer_finish(void)
{
	int cancel = writer_lock();

	if (writer.hdr) {
		clock_point(&writer.hdr->end);
		barrier();
		writer.hdr->flags |= TRACE_FLAG_COMPLETE;
	}
	writer_unlock(cancel);
}

NOINSTR void writer_fork_child(void)
{
	struct trace_file_header parent;

	if (writer.hdr == NULL)
		return;
	parent = *writer.hdr;
	munmap(writer.hdr, TRACE_HEADER_SIZE);
	writer_chunk_close(writer.proc_chunk);
	writer.hdr = NULL;
	writer.proc_chunk = NULL;
	writer.proc_pos = writer.proc_end = NULL;
	writer.proc_seq = 0;
	writer.nchunks = 0;
	/* The inherited descriptor shares the parent's open file (and lock). */
	if (writer.fd >= 0)
		close(writer.fd);
	writer.fd = -1;
	if (writer_pick_path() < 0 || writer_create() < 0)
		return;
	if (writer_map_header() < 0) {
		close(writer.fd);
		writer.fd = -1;
		return;
	}
	writer.hdr->clock_source = parent.clock_source;
	writer.hdr->features = parent.features;
	writer.hdr->probe_self_ticks = parent.probe_self_ticks;
	writer.hdr->probe_parent_ticks = parent.probe_parent_ticks;
	/* Keep the parent's calibration slope: a fresh start point, and a
	 * second point displaced exactly as the parent's was. */
	clock_point(&writer.hdr->start);
	writer.hdr->start_cal.ticks =
	    writer.hdr->start.ticks + (parent.start_cal.ticks - parent.start.ticks);
	writer.hdr->start_cal.ns = writer.hdr->start.ns + (parent.start_cal.ns - parent.start.ns);
	writer_publish_header();
}
