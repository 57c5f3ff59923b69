/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "sigmask.h"
#include "compiler.h"
#include "log.h"
#include "writer.h"

#define WRITER_PROC_USED (64u * 1024) /* of each process chunk (module maps) */

/* MPROF_MAX_SIZE=auto: half the space free at start, at most this much. */
#define WRITER_AUTO_CAP (4ull << 30)
/* A cap or file-size limit leaves room for this many chunks at least: the
 * chunks are made smaller (down to TRACE_CHUNK_MIN) if it would not. */
#define WRITER_MIN_CHUNKS 4
/* The most names tried for one trace (PATH, PATH.<pid>, PATH.<pid>.N). */
#define WRITER_NAMES_MAX (1u << 20)

struct writer writer = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

NOINSTR void writer_lock(struct writer_hold *h)
{
	sigmask_block(&h->mask);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &h->cancel);
	pthread_mutex_lock(&writer.lock);
}

NOINSTR void writer_unlock(struct writer_hold *h)
{
	pthread_mutex_unlock(&writer.lock);
	pthread_setcancelstate(h->cancel, NULL);
	sigmask_restore(&h->mask);
}

/* ---------------------------------------------------------------- limits */

/* Why a write failing with `err` lost its events. */
NOINSTR static unsigned writer_cause_of(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return TRACE_LOST_NOSPACE;
	case EFBIG:
		return TRACE_LOST_FSIZE;
	default:
		return TRACE_LOST_IO;
	}
}

/* RLIMIT_FSIZE now (the program may change it at any time); 0: none. */
NOINSTR static uint64_t writer_fsize_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return 0;
	return rl.rlim_cur;
}

/* May the file reach `end` bytes? 0, or the cause that forbids it. */
NOINSTR static unsigned writer_room(uint64_t end)
{
	uint64_t fsize = writer_fsize_limit();

	if (writer.max_size && end > writer.max_size)
		return TRACE_LOST_SIZE_CAP;
	if (fsize && end > fsize)
		return TRACE_LOST_FSIZE;
	return 0;
}

/*
 * A write beyond RLIMIT_FSIZE fails with EFBIG and raises SIGXFSZ at the
 * thread; writer_room keeps us below the limit, but the program may lower
 * it meanwhile. Our writes run with signals blocked (writer_lock): take
 * back the signal our write raised before it can be delivered.
 */
NOINSTR static void writer_swallow_sigxfsz(void)
{
	static const struct timespec now = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGXFSZ);
	sigtimedwait(&set, NULL, &now);
}

/*
 * Remember that the file could not grow, for `cause`. Lock held. The first
 * failure that is not the size cap (chosen, and in the report's first
 * lines) gets one warning: a run that loses events to a full disk says so
 * while it runs.
 */
NOINSTR static void writer_fail_locked(unsigned cause)
{
	uint64_t now = clock_ticks();
	uint64_t zero = 0;

	if (writer.hdr &&
	    __atomic_compare_exchange_n(&writer.hdr->first_failure_ticks, &zero, now, false,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
	    cause != TRACE_LOST_SIZE_CAP)
		log_warn("cannot write '%s' on: %s; the events from now on are counted lost "
			 "(the report says how many)",
			 writer.path,
			 cause == TRACE_LOST_NOSPACE ? "the file system is full"
			 : cause == TRACE_LOST_FSIZE ? "the file-size limit (ulimit -f) is reached"
						     : "a write failed");
	/* A size cap does not move: no new attempt is worth making. */
	__atomic_store_n(&writer.retry_ticks,
			 cause == TRACE_LOST_SIZE_CAP ? ~0ull : now + writer.retry_interval,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&writer.failing, cause, __ATOMIC_RELEASE);
}

NOINSTR unsigned writer_blocked(void)
{
	unsigned cause = __atomic_load_n(&writer.failing, __ATOMIC_ACQUIRE);

	if (cause == 0 || clock_ticks() >= __atomic_load_n(&writer.retry_ticks, __ATOMIC_RELAXED))
		return 0;
	return cause;
}

NOINSTR void writer_set_retry_interval(uint64_t ticks)
{
	writer.retry_interval = ticks;
}

/*
 * Write `len` zero bytes at `off`: the blocks come into being (a full disk
 * fails here, not at a store through the mapping), and the page-cache pages,
 * through write(2), which costs a fifth of what first-touch faults on a
 * shared file mapping cost (measured on ext4: 0.2 vs 1.0 ns per byte).
 * Returns 0 or a cause.
 */
NOINSTR static unsigned writer_zero(int fd, off_t off, size_t len)
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
		if (w <= 0) {
			int err = w < 0 ? errno : ENOSPC;

			if (err == EFBIG)
				writer_swallow_sigxfsz();
			return writer_cause_of(err);
		}
		off += w;
		len -= (size_t)w;
	}
	return 0;
}

/* ----------------------------------------------------------------- names */

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

/* The i-th name tried for the trace: PATH, PATH.<pid>, PATH.<pid>.<i-1>. */
NOINSTR static void writer_name(const char *base, unsigned i, char *out, size_t size)
{
	if (i == 0)
		snprintf(out, size, "%s", base);
	else if (i == 1)
		snprintf(out, size, "%s.%d", base, (int)getpid());
	else
		snprintf(out, size, "%s.%d.%u", base, (int)getpid(), i - 1);
}

NOINSTR static const char *writer_file_kind(mode_t mode)
{
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISDIR(mode))
		return "a directory";
	return "not a regular file";
}

enum writer_place {
	WRITER_PLACED,	/* the new trace has the name */
	WRITER_BUSY,	/* a live trace has it: try the next name */
	WRITER_AGAIN,	/* the name changed under us: try it again */
	WRITER_REFUSED, /* not a file we may replace (warned) */
	WRITER_ERROR,	/* errno says why */
};

/*
 * Is the regular file open as `fd` a trace in use? The writer holds an
 * exclusive flock on its file for its whole life (a fork child shares the
 * parent's); an exec'd image finds its own pid in the header of the file
 * its previous image wrote. On false, *fd's lock is ours.
 */
NOINSTR static bool writer_in_use(int fd)
{
	struct trace_file_header hdr;

	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	return pread(fd, &hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
	       !memcmp(hdr.magic, TRACE_MAGIC, TRACE_MAGIC_LEN) && hdr.pid == (uint32_t)getpid();
}

/*
 * Give the file `tmp` the name `path`, unless a live trace has it or it is
 * not a file: a new name is made with link (which fails if another process
 * made it first), an old file is replaced by rename while we hold its lock,
 * so that no other process starting now can take it for free.
 */
NOINSTR static enum writer_place writer_place(const char *tmp, const char *path)
{
	enum writer_place ret = WRITER_ERROR;
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return WRITER_ERROR;
		if (link(tmp, path) == 0) {
			unlink(tmp);
			return WRITER_PLACED;
		}
		if (errno == EEXIST)
			return WRITER_AGAIN;
		/* A file system without hard links. */
		return rename(tmp, path) == 0 ? WRITER_PLACED : WRITER_ERROR;
	}
	if (S_ISLNK(st.st_mode)) /* replaced, never followed */
		return rename(tmp, path) == 0 ? WRITER_PLACED : WRITER_ERROR;
	if (!S_ISREG(st.st_mode)) {
		log_warn("MPROF_OUTPUT: '%s' is %s, not a regular file; recording nothing", path,
			 writer_file_kind(st.st_mode));
		return WRITER_REFUSED;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? WRITER_AGAIN : WRITER_ERROR;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		ret = WRITER_AGAIN;
	else if (writer_in_use(fd))
		ret = WRITER_BUSY;
	else if (rename(tmp, path) == 0)
		ret = WRITER_PLACED;
	close(fd);
	return ret;
}

/* The header page as it starts: static fields filled, magic last (later). */
NOINSTR static void writer_header_init(struct trace_file_header *h)
{
	struct timespec rt;
	ssize_t n;

	memset(h, 0, sizeof(*h));
	clock_gettime(CLOCK_REALTIME, &rt);
	h->version = TRACE_VERSION;
	h->header_size = TRACE_HEADER_SIZE;
	h->endian = TRACE_ENDIAN_MARK;
	h->chunk_size = writer.chunk_size;
	h->pid = (uint32_t)getpid();
	h->ppid = (uint32_t)getppid();
	h->realtime_start_ns = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
	h->max_size = writer.max_size;
	n = readlink("/proc/self/exe", h->exe, sizeof(h->exe) - 1);
	h->exe[n > 0 ? n : 0] = '\0';
}

/* Write the header page of the new file: its blocks exist from now on. */
NOINSTR static int writer_write_header(int fd)
{
	static _Alignas(8) char page[TRACE_HEADER_SIZE];
	struct trace_file_header *h = (struct trace_file_header *)page;
	unsigned cause;

	writer_header_init(h);
	if ((cause = writer_room(TRACE_HEADER_SIZE))) {
		errno = EFBIG;
		return -1;
	}
	for (size_t done = 0; done < sizeof(page);) {
		ssize_t w = pwrite(fd, page + done, sizeof(page) - done, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			if (errno == EFBIG)
				writer_swallow_sigxfsz();
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

/*
 * Create the file under a temporary name beside its final one, lock it,
 * write its header page, then give it the first free name (writer_place).
 * Lock held (writer_lock), so that no signal handler runs meanwhile.
 */
NOINSTR static int writer_create(void)
{
	char base[PATH_MAX - 64], tmp[PATH_MAX];
	enum writer_place placed = WRITER_ERROR;
	struct stat st;
	unsigned i;
	int fd;

	if (writer_expand(writer.template, base, sizeof(base)) < 0) {
		log_warn("MPROF_OUTPUT: '%s': path too long; recording nothing", writer.template);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", base, (int)getpid());
	snprintf(writer.path, sizeof(writer.path), "%s", base);
	/* Refused before anything is made beside it (writer_place checks
	 * again, for a file that appears meanwhile). */
	if (lstat(base, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		log_warn("MPROF_OUTPUT: '%s' is %s, not a regular file; recording nothing", base,
			 writer_file_kind(st.st_mode));
		return -1;
	}
	unlink(tmp);
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		goto fail;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || writer_write_header(fd) < 0 || fstat(fd, &st) < 0)
		goto fail_tmp;
	for (i = 0; i < WRITER_NAMES_MAX; i++) {
		writer_name(base, i, writer.path, sizeof(writer.path));
		placed = writer_place(tmp, writer.path);
		for (int again = 0; placed == WRITER_AGAIN && again < 16; again++)
			placed = writer_place(tmp, writer.path);
		if (placed != WRITER_BUSY)
			break;
	}
	if (placed == WRITER_PLACED) {
		writer.fd = fd;
		writer.dev = st.st_dev;
		writer.ino = st.st_ino;
		return 0;
	}
	if (placed == WRITER_REFUSED) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (placed != WRITER_ERROR)
		errno = EEXIST; /* every name taken, or it kept changing */
fail_tmp : {
	int saved = errno;

	close(fd);
	unlink(tmp);
	errno = saved;
}
fail:
	log_warn("MPROF_OUTPUT: cannot create '%s': %s; recording nothing", writer.path,
		 strerror(errno));
	return -1;
}

/* Resolve MPROF_MAX_SIZE=auto against the file system the trace is on. */
NOINSTR static uint64_t writer_auto_cap(int fd)
{
	const uint64_t floor = TRACE_HEADER_SIZE + WRITER_MIN_CHUNKS * (uint64_t)TRACE_CHUNK_MIN;
	struct statvfs vfs;
	uint64_t cap;

	if (fstatvfs(fd, &vfs) < 0)
		return WRITER_AUTO_CAP;
	cap = (uint64_t)vfs.f_bavail * vfs.f_frsize / 2;
	if (cap > WRITER_AUTO_CAP)
		cap = WRITER_AUTO_CAP;
	/* A full disk says so by its own failure, not by a cap of nothing. */
	return cap < floor ? floor : cap;
}

/* Chunks small enough that a few fit under the cap and the file-size limit. */
NOINSTR static void writer_fit_chunks(uint64_t cap)
{
	uint64_t fsize = writer_fsize_limit();
	uint64_t limit = cap && (!fsize || cap < fsize) ? cap : fsize;

	while (limit && writer.chunk_size > TRACE_CHUNK_MIN &&
	       TRACE_HEADER_SIZE + WRITER_MIN_CHUNKS * (uint64_t)writer.chunk_size > limit)
		writer.chunk_size /= 2;
}

/* Map the header page and publish it, magic last. */
NOINSTR static int writer_map_header(void)
{
	struct trace_file_header *h;

	h = mmap(NULL, TRACE_HEADER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, writer.fd, 0);
	if (h == MAP_FAILED) {
		log_warn("cannot map '%s': %s; recording nothing", writer.path, strerror(errno));
		return -1;
	}
	writer.hdr = h;
	return 0;
}

NOINSTR static void writer_publish_header(void)
{
	barrier();
	memcpy(writer.hdr->magic, TRACE_MAGIC, TRACE_MAGIC_LEN);
}

/* Create the file and map its header. Lock held. */
NOINSTR static int writer_start_locked(void)
{
	uint64_t fsize;

	/* The cap first (the header records it); auto needs the file's own
	 * file system: none until the file exists. */
	writer.max_size = writer.max_size_cfg == ENV_MAX_SIZE_AUTO ? 0 : writer.max_size_cfg;
	fsize = writer_fsize_limit();
	if (fsize && fsize < ENV_MAX_SIZE_MIN) {
		log_warn(
		    "the file-size limit (ulimit -f) of %llu bytes leaves no room for a trace; "
		    "recording nothing",
		    (unsigned long long)fsize);
		return -1;
	}
	writer_fit_chunks(writer.max_size);
	if (writer_create() < 0)
		return -1;
	if (writer.max_size_cfg == ENV_MAX_SIZE_AUTO) {
		writer.max_size = writer_auto_cap(writer.fd);
		writer_fit_chunks(writer.max_size);
	}
	if (writer_map_header() < 0) {
		close(writer.fd);
		writer.fd = -1;
		return -1;
	}
	writer.hdr->max_size = writer.max_size;
	writer.hdr->chunk_size = writer.chunk_size;
	writer.failing = 0;
	return 0;
}

NOINSTR int writer_open(const struct env_config *cfg, enum trace_clock_source src)
{
	struct writer_hold hold;
	int ret;

	writer.chunk_size = cfg->chunk_size;
	writer.max_size_cfg = cfg->max_size;
	if (writer_set_template(cfg->output) < 0)
		return -1;
	writer_lock(&hold);
	ret = writer_start_locked();
	writer_unlock(&hold);
	if (ret < 0)
		return -1;
	writer.hdr->clock_source = src;
	writer.hdr->features = (cfg->calls ? TRACE_FEAT_CALLS : 0) |
			       (cfg->alloc ? TRACE_FEAT_ALLOC : 0) |
			       (cfg->stages ? TRACE_FEAT_STAGES : 0);
	writer_publish_header();
	return 0;
}

/* ---------------------------------------------------------------- chunks */

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

/* Grow the file by one chunk, its first `prefill` bytes written. Lock held.
 * Returns the chunk's offset, or -1 with the cause in *cause. */
NOINSTR static off_t writer_grow_locked(size_t prefill, unsigned *cause)
{
	off_t off = (off_t)TRACE_HEADER_SIZE + (off_t)writer.nchunks * writer.chunk_size;

	if (writer.hdr == NULL || writer_check_fd() < 0) {
		*cause = TRACE_LOST_IO;
		return -1;
	}
	if ((*cause = writer_blocked()))
		return -1;
	/* The chunk as a hole, its first `prefill` bytes written (see
	 * writer_zero); the rest is written a window at a time as the thread
	 * reaches it (writer_fill_window). */
	*cause = writer_room((uint64_t)off + writer.chunk_size);
	if (*cause == 0 && prefill)
		*cause = writer_zero(writer.fd, off, prefill);
	if (*cause == 0 && ftruncate(writer.fd, off + writer.chunk_size) < 0) {
		*cause = writer_cause_of(errno);
		if (errno == EFBIG)
			writer_swallow_sigxfsz();
	}
	if (*cause) {
		if (ftruncate(writer.fd, off) < 0 && errno == EFBIG)
			writer_swallow_sigxfsz();
		writer_fail_locked(*cause);
		return -1;
	}
	writer.nchunks++;
	/* After the file has grown: the header never claims a chunk that
	 * is not there. */
	__atomic_store_n(&writer.hdr->nchunks, writer.nchunks, __ATOMIC_RELEASE);
	__atomic_store_n(&writer.failing, 0, __ATOMIC_RELEASE);
	return off;
}

NOINSTR unsigned writer_fill_window(off_t off, size_t len)
{
	struct writer_hold hold;
	unsigned cause;

	writer_lock(&hold);
	/* Within the file: only the file-size limit can stand in the way. */
	if (writer.hdr == NULL || writer_check_fd() < 0)
		cause = TRACE_LOST_IO;
	else if (!(cause = writer_blocked()) && !(cause = writer_room((uint64_t)off + len)))
		cause = writer_zero(writer.fd, off, len);
	if (cause && cause != writer.failing)
		writer_fail_locked(cause);
	writer_unlock(&hold);
	return cause;
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
						     size_t prefill, off_t *file_off,
						     unsigned *cause)
{
	struct trace_chunk_header *c;
	struct trace_clock_point open;
	struct writer_hold hold;
	off_t off;
	int fd;

	/* The open point is read under the lock: chunks lie in the file in the
	 * order of their open ticks (see trace_format.h). */
	writer_lock(&hold);
	off = writer_grow_locked(prefill, cause);
	fd = writer.fd;
	clock_point(&open);
	writer_unlock(&hold);
	if (off < 0)
		return NULL;
	*file_off = off;
	c = writer_map_chunk(fd, off, &open, kind, serial, tid, seq, base_ticks);
	if (c == NULL)
		*cause = TRACE_LOST_NOMEM;
	return c;
}

NOINSTR void writer_chunk_close(struct trace_chunk_header *chunk)
{
	if (chunk)
		munmap(chunk, writer.chunk_size);
}

NOINSTR void writer_add_lost(uint64_t n, unsigned cause)
{
	if (writer.hdr == NULL)
		return;
	__atomic_fetch_add(&writer.hdr->lost_events, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&writer.hdr->lost_cause[cause % TRACE_LOST_NCAUSES], n,
			   __ATOMIC_RELAXED);
}

NOINSTR void writer_count_lost(uint64_t lost[TRACE_LOST_NCAUSES])
{
	for (unsigned i = 0; i < TRACE_LOST_NCAUSES; i++) {
		if (lost[i] && writer.hdr)
			__atomic_fetch_add(&writer.hdr->lost_cause[i], lost[i], __ATOMIC_RELAXED);
		lost[i] = 0;
	}
}

NOINSTR int writer_process_record_locked(const uint64_t *words, unsigned n)
{
	if (writer.proc_chunk == NULL || writer.proc_pos + n > writer.proc_end) {
		/* Only the written part of a process chunk is used: stores into
		 * a hole of the file would fault with SIGBUS on a full disk. */
		size_t used =
		    writer.chunk_size < WRITER_PROC_USED ? writer.chunk_size : WRITER_PROC_USED;
		unsigned cause;
		off_t off = writer_grow_locked(used, &cause);
		struct trace_chunk_header *c = NULL;
		struct trace_clock_point open;

		clock_point(&open);
		if (off >= 0) {
			c = writer_map_chunk(writer.fd, off, &open, TRACE_CHUNK_PROCESS, 0,
					     (uint32_t)getpid(), writer.proc_seq, 0);
			cause = c ? TRACE_LOST_OTHER : TRACE_LOST_NOMEM; /* OTHER: too long */
		}
		if (c == NULL || writer_chunk_records(c) + n > (uint64_t *)((char *)c + used)) {
			writer_chunk_close(c);
			writer_add_lost(1, cause);
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

/* ------------------------------------------------------------------- end */

NOINSTR void writer_set_end(unsigned how, int status)
{
	/* A vfork child shares our memory, mapping included: its end is not
	 * this process's. */
	if (writer.hdr == NULL || writer.hdr->pid != (uint32_t)getpid())
		return;
	writer.hdr->exit_status = status;
	barrier();
	writer.hdr->end_how = how;
}

NOINSTR void writer_finish(unsigned how, int status)
{
	struct writer_hold hold;

	writer_lock(&hold);
	if (writer.hdr && writer.hdr->pid == (uint32_t)getpid()) {
		clock_point(&writer.hdr->end);
		if (how != TRACE_END_NONE)
			writer_set_end(how, status);
		barrier();
		writer.hdr->flags |= TRACE_FLAG_COMPLETE;
	}
	writer_unlock(&hold);
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
	writer.chunk_size = parent.chunk_size;
	/* The inherited descriptor shares the parent's open file (and lock). */
	if (writer.fd >= 0)
		close(writer.fd);
	writer.fd = -1;
	if (writer_start_locked() < 0)
		return;
	writer.hdr->clock_source = parent.clock_source;
	writer.hdr->features = parent.features;
	writer.hdr->probe_self_ticks = parent.probe_self_ticks;
	writer.hdr->probe_parent_ticks = parent.probe_parent_ticks;
	writer.hdr->malloc_elsewhere = parent.malloc_elsewhere;
	/* Keep the parent's calibration slope: a fresh start point, and a
	 * second point displaced exactly as the parent's was. */
	clock_point(&writer.hdr->start);
	writer.hdr->start_cal.ticks =
	    writer.hdr->start.ticks + (parent.start_cal.ticks - parent.start.ticks);
	writer.hdr->start_cal.ns = writer.hdr->start.ns + (parent.start_cal.ns - parent.start.ns);
	writer_publish_header();
}
