// SPDX-License-Identifier: MIT
/*
 * trace_read.c - read a trace: validate the header, walk the chunks in file
 * order through one chunk-sized buffer, keep the per-thread state, decode
 * the records that are not function events (the common ones are decoded
 * inline by trace_chunk_next() in trace_read.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace_read.h"

#define HEADER_SIZE_MAX	  (1u << 20) /* far more than any version will need */
#define CHUNK_HDR_WORDS	  (sizeof(struct trace_chunk_header) / 8)
#define CALIB_MIN_SPAN_NS 1000000u /* 1 ms: shorter spans calibrate poorly */

static bool idset_has(const struct trace_idset *s, uint32_t id);
static void idset_put(struct trace_idset *s, uint32_t id);

/* trace_chunk_slow()'s internal answer: a record was consumed, go on. */
#define EV_AGAIN 100 /* not an enum trace_event */

UTIL_PRINTF(2, 3) static int trace_error(const struct trace_reader *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (r->quiet)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error("'%s': %s", r->path, msg);
}

/* A stage id used before its definition: where, in case it never comes. */
struct trace_stage_use {
	uint32_t id;
	uint64_t chunk, offset;
};

struct trace_stage_name {
	uint32_t id;
	char name[TRACE_STAGE_NAME_MAX + 1];
	UT_hash_handle hh;
};

/* The file offset of `at`, a word of chunk c in the reader's buffer. */
static uint64_t offset_of(const struct trace_chunk *c, const uint64_t *at)
{
	const struct trace_reader *r = c->reader;

	return r->hdr.header_size + c->index * r->hdr.chunk_size + (uint64_t)(at - r->buf) * 8;
}

/* Report a corrupt record at file offset `offset`, in chunk `index`. */
static int corrupt_msg(const struct trace_reader *r, uint64_t index, uint64_t offset,
		       const char *msg)
{
	trace_error(r, "corrupt chunk %llu at offset %llu: %s", (unsigned long long)index,
		    (unsigned long long)offset, msg);
	return TRACE_EV_ERROR;
}

/* Report a corrupt record at `at` in chunk c. */
UTIL_PRINTF(3, 4)
static int corrupt(const struct trace_chunk *c, const uint64_t *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return corrupt_msg(c->reader, c->index, offset_of(c, at), msg);
}

/* Read len bytes at offset: 0, -1 on an error (errno), -2 at the end of the file. */
static int read_quiet(const struct trace_reader *r, void *buf, size_t len, uint64_t offset)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(r->fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return -2;
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

static int read_at(struct trace_reader *r, void *buf, size_t len, uint64_t offset)
{
	int ret = read_quiet(r, buf, len, offset);

	if (ret == -1)
		return trace_error(r, "read error: %s", strerror(errno));
	if (ret == -2)
		return trace_error(r, "file shrank while being read");
	return 0;
}

/* The length of chunk `index` in the file (whole words only when cut), its offset in *offset. */
static uint64_t chunk_len(const struct trace_reader *r, uint64_t index, uint64_t *offset)
{
	uint64_t len;

	*offset = r->hdr.header_size + index * r->hdr.chunk_size;
	len = r->file_size - *offset;
	return len < r->hdr.chunk_size ? len & ~(uint64_t)7 : r->hdr.chunk_size;
}

/* The variable part of a MODULE record. */
struct module_bytes {
	const unsigned char *buildid, *path;
	size_t idlen, pathlen;
};

/* Find the build-id and path of MODULE record `rec`: false if its lengths are inconsistent. */
static bool module_bytes(const uint64_t *rec, unsigned nwords, struct module_bytes *b)
{
	uint32_t aux = trace_ext_aux_of(rec[0]);

	b->idlen = aux >> 16;
	b->pathlen = aux & 0xffff;
	b->buildid = (const unsigned char *)(rec + TRACE_MODULE_FIXED_WORDS);
	b->path = b->buildid + b->idlen;
	return b->idlen <= TRACE_BUILDID_MAX && b->pathlen && b->pathlen <= TRACE_PATH_MAX &&
	       nwords == TRACE_MODULE_FIXED_WORDS + (b->idlen + b->pathlen + 7) / 8;
}

/* ----------------------------------------------------------- moved modules */

/*
 * A module's addresses move (see trace_read.h) when another module, not the
 * same code, held overlapping addresses at some time of the trace. The same
 * code is one class: one file (path and build-id) at one load bias,
 * whatever ranges its captures list.
 *
 * When a class held its addresses: the runtime captures the maps at start,
 * before every dlclose, at chunk switches when the loaded set changed, and
 * at exit. So the module that held an address at tick T is the one the
 * earliest capture at or after T lists (the last capture for later events),
 * and a class listed by the consecutive captures k..m held its addresses
 * for the ticks (t[k-1], t[m]], the first capture's from tick 0, the last
 * one's to the end. Captures out of tick order (a damaged trace) count at
 * the latest tick seen before them.
 *
 * trace_reader_open() reads the captures twice, from the process chunks
 * (thread chunks: their header only): to find the classes that overlap,
 * then, only if some do, to record when those were loaded.
 */

#define MOVED_LIMIT    (1ull << 63) /* moved ranges end below */
#define MOVED_SIZE_MAX (1ull << 40) /* a larger range is no module: never moved */
#define MOVED_ALIGN    (1ull << 20) /* and the gap between moved ranges */
#define MOVED_MAX      256	    /* more classes to move: a damaged trace */
#define MAPS_KEY_FIXED 10	    /* bias, build-id length */

/* A time span, in ticks, both ends included. */
struct maps_span {
	uint64_t from, to;
};

/* One class (see above). */
struct trace_maps_class {
	uint64_t lo, hi;	 /* the hull of the ranges it was listed at */
	uint64_t base;		 /* where lo moves to; 0: it does not move */
	bool overlaps;		 /* another class overlaps it */
	uint64_t last_cap;	 /* the last capture that listed it (1-based), 0: none yet */
	struct maps_span *spans; /* when it held its addresses, in tick order */
	size_t nspans, spans_alloc;
	UT_hash_handle hh; /* by key */
	size_t keylen;
	unsigned char key[]; /* bias, build-id length (2 bytes), build-id, path */
};

struct trace_maps {
	struct trace_maps_class *classes; /* uthash by key: every class, then the moved ones */
	struct trace_maps_class **moved;  /* the moved classes, by lo */
	size_t nmoved;
	uint64_t lo, hi;     /* the hull of the moved classes' ranges */
	bool spans;	     /* the second pass: record the spans */
	uint64_t ncaps;	     /* captures read in this pass */
	uint64_t cap_ticks;  /* the tick count of the current capture */
	uint64_t prev_ticks; /* and of the one before */
	unsigned char key[MAPS_KEY_FIXED + TRACE_BUILDID_MAX + TRACE_PATH_MAX];
};

static void maps_free(struct trace_maps *mp)
{
	struct trace_maps_class *k, *tmp;

	if (!mp)
		return;
	HASH_ITER(hh, mp->classes, k, tmp)
	{
		HASH_DEL(mp->classes, k);
		free(k->spans);
		free(k);
	}
	free(mp->moved);
	free(mp);
}

/* The class of a module record, or NULL if there is none; its key in mp->key. */
static struct trace_maps_class *maps_find(struct trace_maps *mp, uint64_t bias,
					  const struct module_bytes *b, size_t *keylen)
{
	uint16_t idlen = (uint16_t)b->idlen;
	struct trace_maps_class *k;

	memcpy(mp->key, &bias, 8);
	memcpy(mp->key + 8, &idlen, 2);
	memcpy(mp->key + MAPS_KEY_FIXED, b->buildid, b->idlen);
	memcpy(mp->key + MAPS_KEY_FIXED + b->idlen, b->path, b->pathlen);
	*keylen = MAPS_KEY_FIXED + b->idlen + b->pathlen;
	HASH_FIND(hh, mp->classes, mp->key, *keylen, k);
	return k;
}

/* A MAPS record: a new capture. */
static void maps_capture(struct trace_maps *mp, uint64_t ticks)
{
	mp->prev_ticks = mp->cap_ticks;
	if (!mp->ncaps || ticks > mp->cap_ticks)
		mp->cap_ticks = ticks;
	mp->ncaps++;
}

/* The current capture lists class k: start or extend its span. */
static void maps_listed(struct trace_maps *mp, struct trace_maps_class *k)
{
	struct maps_span *s;

	if (k->last_cap == mp->ncaps)
		return; /* listed twice by one capture */
	if (k->last_cap && k->last_cap + 1 == mp->ncaps) {
		k->spans[k->nspans - 1].to = mp->cap_ticks;
	} else {
		k->spans = xgrow(k->spans, &k->spans_alloc, k->nspans + 1, sizeof(*k->spans));
		s = &k->spans[k->nspans++];
		s->from = mp->ncaps == 1 ? 0 : mp->prev_ticks + (mp->prev_ticks < UINT64_MAX);
		s->to = mp->cap_ticks;
	}
	k->last_cap = mp->ncaps;
}

/* A MODULE record of the current capture, its lengths checked. */
static void maps_module(struct trace_maps *mp, const uint64_t *rec, const struct module_bytes *b)
{
	uint64_t lo = rec[2], hi = rec[3];
	struct trace_maps_class *k;
	size_t keylen;

	if (lo >= hi || hi - lo > MOVED_SIZE_MAX)
		return; /* holds no address, or no module */
	if (!mp->ncaps)
		maps_capture(mp, 0); /* a module before any capture: as the streaming pass */
	k = maps_find(mp, rec[1], b, &keylen);
	if (mp->spans) {
		if (k)
			maps_listed(mp, k);
		return;
	}
	if (k) {
		k->lo = lo < k->lo ? lo : k->lo;
		k->hi = hi > k->hi ? hi : k->hi;
		return;
	}
	k = xcalloc(1, sizeof(*k) + keylen);
	memcpy(k->key, mp->key, keylen);
	k->keylen = keylen;
	k->lo = lo;
	k->hi = hi;
	HASH_ADD_KEYPTR(hh, mp->classes, k->key, k->keylen, k);
	if (hash_oom_take())
		die("out of memory");
}

/* The captures in the records [p, end) of a process chunk, up to the first damaged one. */
static void maps_records(struct trace_maps *mp, const uint64_t *p, const uint64_t *end)
{
	struct module_bytes b;

	while (p < end && *p) {
		unsigned nwords = trace_ext_nwords_of(*p), type = trace_ext_type_of(*p);

		if ((*p & 3) != TRACE_TAG_EXT || !nwords || nwords > (size_t)(end - p))
			return; /* the streaming pass reports it */
		if (type == TRACE_EXT_MAPS && nwords >= 4)
			maps_capture(mp, p[1]);
		else if (type == TRACE_EXT_MODULE && nwords >= TRACE_MODULE_FIXED_WORDS &&
			 module_bytes(p, nwords, &b))
			maps_module(mp, p, &b);
		else if (type == TRACE_EXT_MODULE)
			return;
		p += nwords;
	}
}

/* Read the captures of every process chunk. Returns 0, or -1 on a read error. */
static int maps_pass(struct trace_reader *r, struct trace_maps *mp)
{
	const struct trace_chunk_header *ch = (const void *)r->buf;
	uint64_t i, offset, len;

	mp->ncaps = mp->cap_ticks = mp->prev_ticks = 0;
	for (i = 0; i < r->nchunks; i++) {
		len = chunk_len(r, i, &offset);
		if (len < sizeof(*ch))
			break; /* cut in its header */
		if (read_quiet(r, r->buf, sizeof(*ch), offset) < 0)
			return -1;
		if (ch->magic != TRACE_CHUNK_MAGIC || ch->kind != TRACE_CHUNK_PROCESS)
			continue;
		if (read_quiet(r, r->buf + CHUNK_HDR_WORDS, len - sizeof(*ch),
			       offset + sizeof(*ch)) < 0)
			return -1;
		maps_records(mp, r->buf + CHUNK_HDR_WORDS, r->buf + len / 8);
	}
	return 0;
}

static int maps_class_cmp(const void *a, const void *b)
{
	const struct trace_maps_class *x = *(const struct trace_maps_class *const *)a;
	const struct trace_maps_class *y = *(const struct trace_maps_class *const *)b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* The classes sorted by lo, in *n: those `keep` keeps (all if NULL), the others freed. */
static struct trace_maps_class **
maps_sorted(struct trace_maps *mp, bool (*keep)(const struct trace_maps_class *), size_t *n)
{
	struct trace_maps_class **v, *k, *tmp;

	v = xcalloc(HASH_COUNT(mp->classes) + 1, sizeof(*v));
	*n = 0;
	HASH_ITER(hh, mp->classes, k, tmp)
	{
		if (!keep || keep(k)) {
			v[(*n)++] = k;
			continue;
		}
		HASH_DEL(mp->classes, k);
		free(k->spans);
		free(k);
	}
	qsort(v, *n, sizeof(*v), maps_class_cmp);
	return v;
}

static bool maps_overlapping(const struct trace_maps_class *k)
{
	return k->overlaps;
}

static bool maps_loaded(const struct trace_maps_class *k)
{
	return k->nspans > 0;
}

/* Mark the classes another overlaps, keep only those: how many there are. */
static size_t maps_overlaps(struct trace_maps *mp)
{
	struct trace_maps_class **v;
	size_t i, j, n;

	v = maps_sorted(mp, NULL, &n);
	/* One sweep in order of lo: a class overlaps an earlier one iff it
	 * starts below the highest end so far, and then it overlaps the
	 * class with that end; every class that overlaps any is marked so. */
	for (i = 0, j = 0; i < n; i++) {
		if (i > 0 && v[i]->lo < v[j]->hi)
			v[i]->overlaps = v[j]->overlaps = true;
		if (i == 0 || v[i]->hi > v[j]->hi)
			j = i;
	}
	free(v);
	free(maps_sorted(mp, maps_overlapping, &n));
	return n;
}

/* Give each overlapping class that was loaded a moved range; how many got one. */
static size_t maps_place(struct trace_maps *mp)
{
	uint64_t base = TRACE_MOVED_BASE, size;
	struct trace_maps_class *k;
	size_t i;

	mp->moved = maps_sorted(mp, maps_loaded, &mp->nmoved);
	for (i = 0; i < mp->nmoved; i++) {
		k = mp->moved[i];
		if (k->last_cap == mp->ncaps)
			k->spans[k->nspans - 1].to = UINT64_MAX; /* the last capture holds on */
		/* at most MOVED_SIZE_MAX, and a gap after it */
		size = (k->hi - k->lo + 2 * MOVED_ALIGN - 1) & ~(MOVED_ALIGN - 1);
		if (MOVED_LIMIT - base < size)
			return 0; /* far more modules than a process holds */
		k->base = base;
		base += size;
		mp->lo = i ? mp->lo : k->lo;
		mp->hi = k->hi > mp->hi ? k->hi : mp->hi;
	}
	return mp->nmoved;
}

/* Find the classes whose addresses move, and when they were loaded (see above). */
static void maps_scan(struct trace_reader *r)
{
	struct trace_maps *mp = xcalloc(1, sizeof(*mp));
	size_t n;

	if (maps_pass(r, mp) < 0 || !(n = maps_overlaps(mp)))
		goto none;
	/* Each event outside the hint looks through them: a bound keeps a
	 * damaged trace from making reading slow. */
	if (n > MOVED_MAX) {
		warning("'%s': %zu modules loaded at the same addresses at different times: "
			"their functions are not told apart",
			r->path, n);
		goto none;
	}
	mp->spans = true;
	if (maps_pass(r, mp) < 0 || !maps_place(mp))
		goto none;
	r->maps = mp;
	return;
none:
	maps_free(mp);
}

/* Whether class k held its addresses at tick `ticks`. */
static bool maps_held(const struct trace_maps_class *k, uint64_t ticks)
{
	size_t lo = 0, hi = k->nspans;

	while (lo < hi) { /* the first span that ends at or after ticks */
		size_t mid = lo + (hi - lo) / 2;

		if (k->spans[mid].to < ticks)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < k->nspans && k->spans[lo].from <= ticks;
}

/*
 * Where `addr` moved at tick `ticks`, or addr if it did not. It is looked
 * up as `probe`: addr for a function entry, addr - 1 for a return address
 * (the call may end its module's last page).
 */
static uint64_t maps_move(const struct trace_maps *mp, const struct trace_maps_class **hint,
			  uint64_t addr, uint64_t probe, uint64_t ticks)
{
	const struct trace_maps_class *k = *hint;
	size_t i;

	if (k && probe - k->lo < k->hi - k->lo && maps_held(k, ticks))
		return k->base + (addr - k->lo);
	for (i = 0; i < mp->nmoved && mp->moved[i]->lo <= probe; i++) {
		k = mp->moved[i];
		if (probe < k->hi && maps_held(k, ticks)) {
			*hint = k;
			return k->base + (addr - k->lo);
		}
	}
	return addr;
}

uint64_t trace_chunk_moved(struct trace_chunk *c, uint64_t fn)
{
	return maps_move(c->reader->maps, &c->moved_hint, fn, fn, c->ticks);
}

/*
 * The time of the stack definition just read: that of the allocation the
 * runtime writes right after it, else the thread's latest known time.
 */
static uint64_t stack_ticks(const struct trace_chunk *c)
{
	const uint64_t *next = c->pos;

	if (next < c->end && (*next & 3) == TRACE_TAG_EXT &&
	    trace_ext_nwords_of(*next) <= (size_t)(c->end - next)) {
		unsigned type = trace_ext_type_of(*next), nwords = trace_ext_nwords_of(*next);

		if (type == TRACE_EXT_ALLOC && nwords >= 4)
			return next[3];
		if (type == TRACE_EXT_REALLOC && nwords >= 6)
			return next[5];
	}
	return c->mem_ticks > c->ticks ? c->mem_ticks : c->ticks;
}

/* Move the frames of stack record `rec` in the reader's buffer (they are its own). */
static void stack_move(struct trace_chunk *c, const uint64_t *rec, unsigned depth, bool shadow)
{
	struct trace_reader *r = c->reader;
	uint64_t *frames = r->buf + (rec + 1 - r->buf);
	uint64_t ticks = stack_ticks(c);
	unsigned i;

	for (i = 0; i < depth; i++) {
		/* frame 0 is a return address, so are the others without shadow */
		uint64_t probe = shadow && i ? frames[i] : frames[i] - 1;

		if (probe - c->moved_lo < c->moved_len)
			frames[i] = maps_move(r->maps, &c->moved_hint, frames[i], probe, ticks);
	}
}

/* After module `m` (its record's bytes in b): its moved range, if it has one. */
static void maps_announce(struct trace_reader *r, const struct trace_module *m,
			  const struct module_bytes *b)
{
	const struct trace_maps_class *k;
	struct trace_module moved = *m;
	size_t keylen;

	k = maps_find(r->maps, m->bias, b, &keylen);
	if (!k || m->lo < k->lo || m->hi > k->hi || m->lo >= m->hi)
		return; /* not moved (or the file changed since the scan) */
	moved.lo = k->base + (m->lo - k->lo);
	moved.hi = k->base + (m->hi - k->lo);
	moved.bias = m->bias + (k->base - k->lo);
	r->on_module(r->on_module_arg, &moved);
}

/* ------------------------------------------------------------------ header */

/* What is wrong with the header, or NULL. `size` is the file size. */
static const char *header_problem(const struct trace_file_header *h, uint64_t size, char *buf,
				  size_t len)
{
	if (h->endian != TRACE_ENDIAN_MARK) {
		if (h->endian == __builtin_bswap32(TRACE_ENDIAN_MARK))
			return "trace written on a machine of the other byte order";
		snprintf(buf, len, "bad byte order mark 0x%08x", h->endian);
	} else if (h->version > TRACE_VERSION) {
		snprintf(buf, len, "trace version %u is newer than this reader (%u)", h->version,
			 TRACE_VERSION);
	} else if (h->version < TRACE_VERSION) {
		snprintf(buf, len, "unsupported trace version %u", h->version);
	} else if (h->header_size < sizeof(*h) || h->header_size > HEADER_SIZE_MAX ||
		   h->header_size % 8) {
		snprintf(buf, len, "bad header size %u", h->header_size);
	} else if (size < h->header_size) {
		snprintf(buf, len,
			 "truncated header: the file was cut inside its header area "
			 "(%llu of %u bytes)",
			 (unsigned long long)size, h->header_size);
	} else if (h->chunk_size < TRACE_CHUNK_MIN || h->chunk_size > TRACE_CHUNK_MAX ||
		   h->chunk_size % 4096) {
		snprintf(buf, len, "bad chunk size %u", h->chunk_size);
	} else if (h->clock_source != TRACE_CLOCK_TSC && h->clock_source != TRACE_CLOCK_MONOTONIC) {
		snprintf(buf, len, "unknown clock source %u", h->clock_source);
	} else {
		return NULL;
	}
	return buf;
}

/*
 * True if the file holds the header area and nothing else, and so was cut
 * there: the header counts chunks (nchunks), or the process did not end
 * (the runtime writes its module maps to a process chunk as it starts, so
 * only a process that ended can have written no chunk at all; a trace
 * written before the header counted its chunks cannot tell otherwise).
 */
static bool size_cut_at_header(const struct trace_reader *r)
{
	return r->file_size <= r->hdr.header_size && (r->hdr.nchunks || !trace_reader_ended(r));
}

static int read_header(struct trace_reader *r)
{
	struct trace_file_header *h = &r->hdr;
	size_t have = r->file_size < sizeof(*h) ? (size_t)r->file_size : sizeof(*h);
	size_t magic = have < TRACE_MAGIC_LEN ? have : TRACE_MAGIC_LEN;
	const char *problem;
	char buf[128];

	if (r->file_size == 0)
		return trace_error(r, "empty file, not an mprof trace");
	memset(h, 0, sizeof(*h));
	if (read_at(r, h, have, 0) < 0)
		return -1;
	if (memcmp(h->magic, TRACE_MAGIC, magic) != 0)
		return trace_error(r, "not an mprof trace");
	if (have < sizeof(*h))
		return trace_error(r,
				   "truncated header: the file was cut inside its header "
				   "(%zu bytes)",
				   have);
	problem = header_problem(h, r->file_size, buf, sizeof(buf));
	if (problem)
		return trace_error(r, "%s", problem);
	h->exe[sizeof(h->exe) - 1] = '\0';
	if (size_cut_at_header(r) && h->nchunks)
		return trace_error(r,
				   "truncated trace: the file ends with its header area, "
				   "none of the %llu chunks the process wrote is there",
				   (unsigned long long)h->nchunks);
	if (size_cut_at_header(r))
		return trace_error(r, "truncated trace: the file ends with its header area "
				      "and the process did not finish");
	return 0;
}

/* What a file that is not a regular one is, for the message that refuses it. */
static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "is a directory";
	if (S_ISFIFO(mode))
		return "not a regular file (a FIFO)";
	if (S_ISCHR(mode))
		return "not a regular file (a character device)";
	if (S_ISBLK(mode))
		return "not a regular file (a block device)";
	if (S_ISSOCK(mode))
		return "not a regular file (a socket)";
	return "not a regular file";
}

/*
 * Open the trace without ever blocking: a FIFO opened for reading waits for
 * a writer, a terminal or a device may wait for anything. O_NONBLOCK makes
 * open() return at once; fstat() then refuses all but a regular file before
 * any read, and the flag is cleared for the reads (a regular file ignores it,
 * but nothing here should depend on that).
 */
static int open_file(struct trace_reader *r, const char *path)
{
	struct stat st;
	int flags;

	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (r->fd < 0) {
		/* A socket cannot be opened at all: say what it is. */
		if (errno == ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
			return trace_error(r, "%s", file_kind(st.st_mode));
		return trace_error(r, "%s", strerror(errno));
	}
	if (fstat(r->fd, &st) < 0)
		return trace_error(r, "%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return trace_error(r, "%s", file_kind(st.st_mode));
	flags = fcntl(r->fd, F_GETFL);
	if (flags < 0 || fcntl(r->fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		return trace_error(r, "%s", strerror(errno));
	r->file_size = (uint64_t)st.st_size;
	r->dev = (uint64_t)st.st_dev;
	r->ino = (uint64_t)st.st_ino;
	return 0;
}

int trace_reader_open(struct trace_reader *r, const char *path)
{
	uint64_t body;

	memset(r, 0, sizeof(*r));
	r->path = xstrdup(path);
	if (open_file(r, path) < 0 || read_header(r) < 0)
		goto fail;
	body = r->file_size - r->hdr.header_size;
	r->nchunks = body / r->hdr.chunk_size;
	/* The chunks the process wrote that the file lacks, in whole or in
	 * part: a copy or a transfer cut it after the process wrote it. */
	if (r->hdr.nchunks > r->nchunks)
		r->chunks_cut = r->hdr.nchunks - r->nchunks;
	if (body % r->hdr.chunk_size) {
		r->nchunks++;
		r->partial_tail = true;
	}
	r->buf = xmalloc(r->hdr.chunk_size);
	r->pathbuf = xmalloc(TRACE_PATH_MAX + 1);
	maps_scan(r);
	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return 0;
fail:
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	r->path = NULL;
	return -1;
}

bool trace_reader_ended(const struct trace_reader *r)
{
	switch (r->hdr.end_how) {
	case TRACE_END_EXIT:
	case TRACE_END__EXIT:
	case TRACE_END_EXEC:
		return true;
	default:
		return (r->hdr.flags & TRACE_FLAG_COMPLETE) != 0;
	}
}

bool trace_reader_cut(const struct trace_reader *r)
{
	return r->partial_tail || r->chunks_cut;
}

bool trace_reader_complete(const struct trace_reader *r)
{
	return trace_reader_ended(r) && !trace_reader_cut(r);
}

uint64_t trace_reader_lost(const struct trace_reader *r)
{
	return r->chunk_lost + r->hdr.lost_events;
}

/* ----------------------------------------------------------------- threads */

static struct trace_thread *trace_thread_get(struct trace_reader *r, uint32_t serial)
{
	struct trace_thread *t;

	HASH_FIND(hh, r->threads, &serial, sizeof(serial), t);
	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->serial = serial;
	HASH_ADD(hh, r->threads, serial, sizeof(t->serial), t);
	if (hash_oom_take())
		die("out of memory");
	return t;
}

/* Fold what the cursor learnt into its thread. */
static void chunk_fold(struct trace_chunk *c)
{
	struct trace_thread *t = c->thread;

	if (!t)
		return;
	t->events += c->events;
	t->mem_events += c->mem_events;
	t->stack_records += c->stack_records;
	t->stage_events += c->stage_events;
	t->paused_ticks = c->paused;
	if (c->ticks > t->last_ticks)
		t->last_ticks = c->ticks;
	if (c->mem_ticks > t->last_ticks)
		t->last_ticks = c->mem_ticks;
	if (c->stage_ticks > t->last_ticks)
		t->last_ticks = c->stage_ticks;
	if (c->context_ticks > t->last_ticks)
		t->last_ticks = c->context_ticks;
	/* A thread killed right after a pause (its first chunk opened, say)
	 * was there until the pause ended: a pause after its last event ends
	 * its time. (One that began before that event is damage: left be.) */
	if (c->pause_len && c->pause_start >= t->last_ticks &&
	    c->pause_start + c->pause_len > t->last_ticks)
		t->last_ticks = c->pause_start + c->pause_len;
}

/* Check the sequence of a thread chunk and account for it. */
static int thread_chunk(struct trace_chunk *c, const struct trace_chunk_header *ch)
{
	struct trace_thread *t;

	if (ch->thread == 0)
		return corrupt(c, c->reader->buf, "thread chunk without a thread serial");
	t = trace_thread_get(c->reader, ch->thread);
	if (t->chunks && ch->seq < t->next_seq)
		return corrupt(c, c->reader->buf, "thread %u chunk sequence %llu after %llu",
			       ch->thread, (unsigned long long)ch->seq,
			       (unsigned long long)(t->next_seq - 1));
	if (!t->chunks || ch->base_ticks < t->first_ticks)
		t->first_ticks = ch->base_ticks;
	t->missing_chunks += ch->seq - t->next_seq;
	t->next_seq = ch->seq + 1;
	t->chunks++;
	t->lost += ch->lost;
	t->filtered += ch->filtered;
	if (!t->tid)
		t->tid = ch->tid;
	c->thread = t;
	c->paused = t->paused_ticks;
	return 0;
}

/* ------------------------------------------------------------------ chunks */

/* chunk_read()'s answers besides -1 (corrupt, printed). */
#define CHUNK_CUT    0 /* the file ends inside its header */
#define CHUNK_USED   1
#define CHUNK_UNUSED 2 /* magic 0 */

/*
 * Read the header of chunk `index` into the buffer, check it, and point c at
 * the chunk; then, if it is a process chunk or `thread_body` is set, read its
 * records too (else c holds none).
 */
static int chunk_read(struct trace_reader *r, struct trace_chunk *c, uint64_t index,
		      bool thread_body)
{
	const struct trace_chunk_header *ch = (const void *)r->buf;
	uint64_t offset, len = chunk_len(r, index, &offset);

	memset(c, 0, sizeof(*c));
	c->reader = r;
	c->index = index;
	c->partial = r->file_size - offset < r->hdr.chunk_size;
	if (r->maps) {
		c->moved_lo = r->maps->lo;
		c->moved_len = r->maps->hi - r->maps->lo;
	}
	if (len < sizeof(*ch))
		return CHUNK_CUT;
	if (read_at(r, r->buf, sizeof(*ch), offset) < 0)
		return -1;
	if (ch->magic == 0)
		return CHUNK_UNUSED;
	if (ch->magic != TRACE_CHUNK_MAGIC)
		return corrupt(c, r->buf, "bad chunk magic 0x%08x", ch->magic);
	if (ch->kind != TRACE_CHUNK_THREAD && ch->kind != TRACE_CHUNK_PROCESS)
		return corrupt(c, r->buf, "unknown chunk kind %u", ch->kind);
	if (ch->kind == TRACE_CHUNK_THREAD && !thread_body)
		len = sizeof(*ch);
	if (read_at(r, r->buf + CHUNK_HDR_WORDS, len - sizeof(*ch), offset + sizeof(*ch)) < 0)
		return -1;
	c->pos = r->buf + CHUNK_HDR_WORDS;
	c->end = r->buf + len / 8;
	c->ticks = ch->base_ticks;
	c->open_ticks = ch->open.ticks;
	return CHUNK_USED;
}

/* Read chunk r->next into the buffer and point c at its records. 0: unused. */
static int chunk_load(struct trace_reader *r, struct trace_chunk *c)
{
	const struct trace_chunk_header *ch = (const void *)r->buf;
	int ret = chunk_read(r, c, r->next++, true);

	if (ret == CHUNK_UNUSED)
		r->chunks_unused++;
	if (ret != CHUNK_USED)
		return ret < 0 ? -1 : 0;
	if (ch->kind == TRACE_CHUNK_THREAD && thread_chunk(c, ch) < 0)
		return -1;
	r->chunks_used++;
	r->chunk_lost += ch->lost;
	r->chunk_filtered += ch->filtered;
	if (ch->open.ticks > r->latest_open.ticks)
		r->latest_open = ch->open;
	return 1;
}

/* A process chunk holds map captures only; decode it here. */
static int process_chunk(struct trace_chunk *c)
{
	uint64_t fn;
	int ev = trace_chunk_next(c, &fn);

	if (ev > 0)
		return corrupt(c, c->pos - 1, "function event in a process chunk");
	return ev;
}

/* The warning about a file cut after the process wrote it. */
static void warn_cut(const struct trace_reader *r)
{
	const char *unfinished =
	    trace_reader_ended(r) ? "" : "; the process did not finish normally";
	uint64_t whole = r->nchunks - r->partial_tail;

	if (r->chunks_cut && r->partial_tail)
		warning("'%s': trace cut short: the file ends inside chunk %llu of the %llu the "
			"process wrote (%llu missing after it)%s",
			r->path, (unsigned long long)(whole + 1),
			(unsigned long long)r->hdr.nchunks, (unsigned long long)(r->chunks_cut - 1),
			unfinished);
	else if (r->chunks_cut)
		warning("'%s': trace cut short: the file holds %llu of the %llu chunks the "
			"process wrote (%llu missing)%s",
			r->path, (unsigned long long)whole, (unsigned long long)r->hdr.nchunks,
			(unsigned long long)r->chunks_cut, unfinished);
	else
		warning("'%s': trace cut short: the file ends inside chunk %llu%s", r->path,
			(unsigned long long)(whole + 1), unfinished);
}

static void warn_end(const struct trace_reader *r)
{
	const struct trace_thread *t;

	if (trace_reader_cut(r))
		warn_cut(r);
	else if (!trace_reader_ended(r))
		warning("'%s': trace cut short (the process did not finish normally)", r->path);
	for (t = r->threads; t; t = t->hh.next) {
		if (t->ended && t->end_events != t->events_at_end)
			warning("'%s': thread %u recorded %llu events, the trace holds %llu "
				"(events were lost)",
				r->path, t->serial, (unsigned long long)t->end_events,
				(unsigned long long)t->events_at_end);
		if (t->missing_chunks)
			warning("'%s': thread %u: %llu chunks missing (events were lost)", r->path,
				t->serial, (unsigned long long)t->missing_chunks);
	}
}

/* True if records may be missing: lost, in missing chunks, or cut off. */
static bool maybe_incomplete(const struct trace_reader *r)
{
	const struct trace_thread *t;

	if (r->partial_tail || trace_reader_lost(r))
		return true;
	for (t = r->threads; t; t = t->hh.next) {
		if (t->missing_chunks || t->lost)
			return true;
	}
	return false;
}

/* At the end: every stage used before its definition must have one. */
static int check_stage_uses(const struct trace_reader *r)
{
	size_t i;

	for (i = 0; i < r->nstage_uses; i++) {
		const struct trace_stage_use *u = &r->stage_uses[i];
		char msg[64];

		if (idset_has(&r->stage_ids, u->id) || maybe_incomplete(r))
			continue;
		snprintf(msg, sizeof(msg), "stage id %u used but never defined", u->id);
		return corrupt_msg(r, u->chunk, u->offset, msg);
	}
	return 0;
}

int trace_reader_next(struct trace_reader *r, struct trace_chunk *c)
{
	int ret;

	if (r->in_chunk)
		chunk_fold(c);
	r->in_chunk = false;
	while (r->next < r->nchunks) {
		ret = chunk_load(r, c);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue;
		if (c->thread) {
			r->in_chunk = true;
			return 1;
		}
		if (process_chunk(c) < 0)
			return -1;
	}
	if (!r->at_end && check_stage_uses(r) < 0)
		return -1;
	if (!r->at_end && !r->quiet_end)
		warn_end(r);
	r->at_end = true;
	return 0;
}

int trace_reader_scan_filters(struct trace_reader *r)
{
	trace_module_fn *on_module = r->on_module;
	struct trace_chunk c;
	uint64_t i;
	int ret = 0;

	/* Every process chunk (of a thread chunk only the header is read):
	 * the writer puts the filters first, but a reader cannot count on
	 * it. */
	r->on_module = NULL; /* the pass hands the modules out */
	for (i = 0; i < r->nchunks && ret >= 0; i++) {
		const struct trace_chunk_header *ch = (const void *)r->buf;

		ret = chunk_read(r, &c, i, false);
		if (ret == CHUNK_USED && ch->kind == TRACE_CHUNK_PROCESS)
			ret = process_chunk(&c);
	}
	r->on_module = on_module;
	return ret < 0 ? -1 : 0;
}

/* ----------------------------------------------------------------- records */

void trace_reader_on_module(struct trace_reader *r, trace_module_fn *fn, void *arg)
{
	r->on_module = fn;
	r->on_module_arg = arg;
}

void trace_reader_want_memory(struct trace_reader *r, bool want)
{
	r->want_memory = want;
}

void trace_reader_want_stages(struct trace_reader *r, bool want)
{
	r->want_stages = want;
}

void trace_reader_want_contexts(struct trace_reader *r, bool want)
{
	r->want_contexts = want;
}

void trace_reader_want_offcpu(struct trace_reader *r, bool want)
{
	r->want_offcpu = want;
}

static int module_record(struct trace_chunk *c, const uint64_t *rec, unsigned nwords)
{
	struct trace_reader *r = c->reader;
	struct trace_module m;
	struct module_bytes b;

	if (!module_bytes(rec, nwords, &b))
		return corrupt(c, rec, "module record lengths inconsistent");
	if (!r->on_module)
		return EV_AGAIN;
	memcpy(r->pathbuf, b.path, b.pathlen);
	r->pathbuf[b.pathlen] = '\0';
	m.path = r->pathbuf;
	m.bias = rec[1];
	m.lo = rec[2];
	m.hi = rec[3];
	m.buildid = b.idlen ? b.buildid : NULL;
	m.buildid_len = b.idlen;
	m.ticks = r->maps_ticks;
	r->on_module(r->on_module_arg, &m);
	if (r->maps)
		maps_announce(r, &m, &b);
	return EV_AGAIN;
}

static void thread_end(struct trace_chunk *c, struct trace_thread *t, const uint64_t *rec)
{
	t->ended = true;
	/* A thread records on after its exit handler (frees by later TLS
	 * destructors): compare with what was read up to this record. The
	 * writer counts function, memory and stage events (definitions
	 * included), not stack definitions. */
	t->events_at_end = t->events + c->events + t->mem_events + c->mem_events + t->stage_events +
			   c->stage_events;
	t->end_events = rec[2];
	t->end_lost = rec[3];
	if (rec[1] > t->last_ticks)
		t->last_ticks = rec[1];
}

/* ---------------------------------------------------------- stack ids */

static inline size_t id_hash(uint32_t id)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32);
}

static bool idset_has(const struct trace_idset *s, uint32_t id)
{
	size_t i;

	if (!s->slots)
		return false;
	for (i = id_hash(id) & s->mask; s->slots[i]; i = (i + 1) & s->mask) {
		if (s->slots[i] == id)
			return true;
	}
	return false;
}

static void idset_put(struct trace_idset *s, uint32_t id)
{
	size_t i;

	if (!s->slots || (s->n + 1) * 2 > s->mask + 1) {
		struct trace_idset old = *s;
		size_t n = old.slots ? 2 * (old.mask + 1) : 64;

		s->slots = xcalloc(n, sizeof(*s->slots));
		s->mask = n - 1;
		s->n = 0;
		for (i = 0; old.slots && i <= old.mask; i++) {
			if (old.slots[i])
				idset_put(s, old.slots[i]);
		}
		free(old.slots);
	}
	for (i = id_hash(id) & s->mask; s->slots[i]; i = (i + 1) & s->mask)
		;
	s->slots[i] = id;
	s->n++;
}

/* --------------------------------------------------------- memory records */

/* Check the stack id `aux` of an allocation into c->mem.stack: 0, or -1. */
static int mem_stack(struct trace_chunk *c, const uint64_t *rec, uint32_t aux)
{
	struct trace_thread *t = c->thread;

	c->mem.stack = 0;
	if (aux == 0)
		return 0;
	if (aux & TRACE_STACK_SHADOW)
		return corrupt(c, rec, "allocation with stack id 0x%x (shadow bit set)", aux);
	if (idset_has(&t->stacks, aux)) {
		c->mem.stack = aux;
		return 0;
	}
	if (t->missing_chunks)
		return 0; /* its definition may have been in a lost chunk */
	return corrupt(c, rec, "stack id %u used before its definition", aux);
}

/* Decode the size word `w` of an allocation into c->mem: 0, or -1. */
static int mem_size(struct trace_chunk *c, const uint64_t *rec, uint64_t w)
{
	unsigned kind = (unsigned)(w >> TRACE_ALLOC_KIND_SHIFT);

	if (kind < TRACE_ALLOC_MALLOC || kind > TRACE_ALLOC_PVALLOC)
		return corrupt(c, rec, "unknown allocation kind %u", kind);
	c->mem.kind = kind;
	c->mem.size = w & TRACE_ALLOC_SIZE_MASK;
	return 0;
}

static int stack_record(struct trace_chunk *c, const uint64_t *rec, uint32_t aux, unsigned nwords)
{
	uint32_t id = aux & TRACE_STACK_ID_MASK;
	unsigned depth = nwords - 1;

	if (id == 0)
		return corrupt(c, rec, "definition of stack id 0");
	if (depth > TRACE_STACK_MAX_DEPTH)
		return corrupt(c, rec, "stack of %u frames (at most %u)", depth,
			       TRACE_STACK_MAX_DEPTH);
	if (idset_has(&c->thread->stacks, id))
		return corrupt(c, rec, "stack id %u defined twice", id);
	idset_put(&c->thread->stacks, id);
	if (c->moved_len)
		stack_move(c, rec, depth, (aux & TRACE_STACK_SHADOW) != 0);
	c->stack_records++;
	c->mem.stack = id;
	c->mem.shadow = (aux & TRACE_STACK_SHADOW) != 0;
	c->mem.frames = rec + 1;
	c->mem.nframes = depth;
	return TRACE_EV_STACK;
}

static int snapshot_record(struct trace_chunk *c, const uint64_t *rec, uint32_t aux,
			   unsigned nwords)
{
	if (aux > TRACE_SNAPSHOT_LABEL_MAX)
		return corrupt(c, rec, "snapshot label of %u bytes (at most %u)", aux,
			       TRACE_SNAPSHOT_LABEL_MAX);
	if ((aux + 7) / 8 > nwords - 2)
		return corrupt(c, rec, "snapshot label of %u bytes in a record of %u words", aux,
			       nwords);
	c->mem.ticks = rec[1];
	c->mem.label = (const char *)(rec + 2);
	c->mem.label_len = aux;
	c->mem_events++;
	return TRACE_EV_SNAPSHOT;
}

/* mem_record()'s decoding, by type. */
static int mem_event(struct trace_chunk *c, const uint64_t *rec, unsigned type, uint32_t aux,
		     unsigned nwords)
{
	switch (type) {
	case TRACE_EXT_ALLOC:
		if (mem_stack(c, rec, aux) < 0 || mem_size(c, rec, rec[2]) < 0)
			return TRACE_EV_ERROR;
		c->mem.addr = rec[1];
		c->mem.ticks = rec[3];
		c->mem_events++;
		return TRACE_EV_ALLOC;
	case TRACE_EXT_FREE:
		c->mem.addr = rec[1];
		c->mem.ticks = rec[2];
		c->mem_events++;
		return TRACE_EV_FREE;
	case TRACE_EXT_REALLOC:
		if (mem_stack(c, rec, aux) < 0 || mem_size(c, rec, rec[3]) < 0)
			return TRACE_EV_ERROR;
		c->mem.old_addr = rec[1];
		c->mem.addr = rec[2];
		c->mem.free_ticks = rec[4];
		c->mem.ticks = rec[5];
		c->mem_events++;
		return TRACE_EV_REALLOC;
	case TRACE_EXT_STACK:
		return stack_record(c, rec, aux, nwords);
	default:
		return snapshot_record(c, rec, aux, nwords);
	}
}

/* Decode the memory record `rec`, long enough for its type: its event, or an error. */
static int mem_record(struct trace_chunk *c, const uint64_t *rec, unsigned type, unsigned nwords)
{
	uint32_t aux = trace_ext_aux_of(rec[0]);
	int ev;

	if (!c->thread)
		return corrupt(c, rec, "memory record in a process chunk");
	ev = mem_event(c, rec, type, aux, nwords);
	if (ev > 0 && ev != TRACE_EV_STACK && c->mem.ticks > c->mem_ticks)
		c->mem_ticks = c->mem.ticks;
	return ev;
}

/* ---------------------------------------------------------- stage records */

const char *trace_reader_stage_name(const struct trace_reader *r, uint32_t id)
{
	struct trace_stage_name *n;

	HASH_FIND(hh, r->stage_names, &id, sizeof(id), n);
	return n ? n->name : NULL;
}

static int stage_def(struct trace_chunk *c, const uint64_t *rec, uint32_t id, unsigned nwords)
{
	struct trace_reader *r = c->reader;
	uint64_t len = rec[1];
	struct trace_stage_name *n;

	if (len > TRACE_STAGE_NAME_MAX)
		return corrupt(c, rec, "stage name of %llu bytes (at most %u)",
			       (unsigned long long)len, TRACE_STAGE_NAME_MAX);
	if ((len + 7) / 8 > nwords - 2)
		return corrupt(c, rec, "stage name of %llu bytes in a record of %u words",
			       (unsigned long long)len, nwords);
	if (idset_has(&r->stage_ids, id))
		return corrupt(c, rec, "stage id %u defined twice", id);
	idset_put(&r->stage_ids, id);
	n = xcalloc(1, sizeof(*n));
	n->id = id;
	memcpy(n->name, rec + 2, len);
	HASH_ADD(hh, r->stage_names, id, sizeof(n->id), n);
	if (hash_oom_take())
		die("out of memory");
	return EV_AGAIN;
}

/* A begin or an end of stage `id`: remember a use before the definition. */
static void stage_use(struct trace_chunk *c, const uint64_t *rec, uint32_t id)
{
	struct trace_reader *r = c->reader;

	if (likely(idset_has(&r->stage_ids, id)) || idset_has(&r->stage_early, id))
		return;
	idset_put(&r->stage_early, id);
	r->stage_uses =
	    xgrow(r->stage_uses, &r->stage_uses_alloc, r->nstage_uses + 1, sizeof(*r->stage_uses));
	r->stage_uses[r->nstage_uses++] =
	    (struct trace_stage_use){ id, c->index, offset_of(c, rec) };
}

/* Decode the stage record `rec`, long enough for its type: its event, or an error. */
static int stage_record(struct trace_chunk *c, const uint64_t *rec, unsigned type, unsigned nwords)
{
	uint32_t id = trace_ext_aux_of(rec[0]);

	if (!c->thread)
		return corrupt(c, rec, "stage record in a process chunk");
	if (id == 0)
		return corrupt(c, rec, "stage id 0");
	c->stage_events++;
	if (type == TRACE_EXT_STAGE_DEF)
		return stage_def(c, rec, id, nwords);
	stage_use(c, rec, id);
	c->stage.id = id;
	c->stage.ticks = rec[1];
	c->stage.records = type == TRACE_EXT_STAGE_END ? rec[2] : 0;
	if (rec[1] > c->stage_ticks)
		c->stage_ticks = rec[1];
	return type == TRACE_EXT_STAGE_END ? TRACE_EV_STAGE_END : TRACE_EV_STAGE_BEGIN;
}

/* --------------------------------------------------------- filter records */

static const char *const filter_names[] = {
	[TRACE_FILTER_INCLUDE] = "include",
	[TRACE_FILTER_EXCLUDE] = "exclude",
	[TRACE_FILTER_MAX_DEPTH] = "max-depth",
	[TRACE_FILTER_MIN_DURATION] = "min-duration",
};

/* Add `pattern` (len bytes) to a list unless it is there already; false if
 * the list is full (the writer never records more than the bound: a damaged
 * trace must not make the check quadratic in its size). */
static bool pattern_add(char ***list, size_t *n, size_t *alloc, const char *pattern, size_t len)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strlen((*list)[i]) == len && !memcmp((*list)[i], pattern, len))
			return true;
	}
	if (*n == TRACE_FILTER_PATTERNS_MAX)
		return false;
	*list = xgrow(*list, alloc, *n + 1, sizeof(**list));
	(*list)[(*n)++] = xstrndup(pattern, len);
	return true;
}

/* Set a limit, once: the same value again is a repeat, another a conflict. */
static int limit_set(struct trace_chunk *c, const uint64_t *rec, unsigned kind, uint64_t *limit)
{
	if (rec[1] == 0)
		return corrupt(c, rec, "%s filter of 0", filter_names[kind]);
	if (*limit && *limit != rec[1])
		return corrupt(c, rec, "%s filter of %llu after one of %llu", filter_names[kind],
			       (unsigned long long)rec[1], (unsigned long long)*limit);
	*limit = rec[1];
	return EV_AGAIN;
}

static int filter_record(struct trace_chunk *c, const uint64_t *rec, uint32_t aux, unsigned nwords)
{
	struct trace_record_filters *f = &c->reader->filters;
	unsigned kind = aux >> 24, len = aux & 0xffffff;
	const char *text = (const char *)(rec + 2);

	if (c->thread)
		return corrupt(c, rec, "filter record in a thread chunk");
	if (kind < TRACE_FILTER_INCLUDE || kind > TRACE_FILTER_MIN_DURATION)
		return corrupt(c, rec, "unknown filter kind %u", kind);
	if (len > TRACE_FILTER_TEXT_MAX)
		return corrupt(c, rec, "filter pattern of %u bytes (at most %u)", len,
			       TRACE_FILTER_TEXT_MAX);
	if ((len + 7) / 8 > nwords - 2)
		return corrupt(c, rec, "filter pattern of %u bytes in a record of %u words", len,
			       nwords);
	if (kind == TRACE_FILTER_MAX_DEPTH || kind == TRACE_FILTER_MIN_DURATION) {
		if (len)
			return corrupt(c, rec, "%s filter with %u bytes of text",
				       filter_names[kind], len);
		return limit_set(c, rec, kind,
				 kind == TRACE_FILTER_MAX_DEPTH ? &f->max_depth
								: &f->min_duration_ns);
	}
	if (len == 0)
		return corrupt(c, rec, "empty %s pattern", filter_names[kind]);
	if (memchr(text, 0, len))
		return corrupt(c, rec, "%s pattern with a NUL byte", filter_names[kind]);
	if (kind == TRACE_FILTER_INCLUDE
		? !pattern_add(&f->include, &f->ninclude, &f->include_alloc, text, len)
		: !pattern_add(&f->exclude, &f->nexclude, &f->exclude_alloc, text, len))
		return corrupt(c, rec, "more than %u %s patterns", TRACE_FILTER_PATTERNS_MAX,
			       filter_names[kind]);
	return EV_AGAIN;
}

bool trace_record_filters_any(const struct trace_record_filters *f)
{
	return f && (f->ninclude || f->nexclude || f->max_depth || f->min_duration_ns);
}

/* Every pattern of list `a` is in list `b`. */
static bool patterns_within(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i, j;

	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]); j++)
			;
		if (j == nb)
			return false;
	}
	return true;
}

bool trace_record_filters_equal(const struct trace_record_filters *a,
				const struct trace_record_filters *b)
{
	static const struct trace_record_filters none;

	a = a ? a : &none;
	b = b ? b : &none;
	/* Each list holds a pattern once: same size and inclusion make them equal. */
	return a->max_depth == b->max_depth && a->min_duration_ns == b->min_duration_ns &&
	       a->ninclude == b->ninclude && a->nexclude == b->nexclude &&
	       patterns_within(a->include, a->ninclude, b->include, b->ninclude) &&
	       patterns_within(a->exclude, a->nexclude, b->exclude, b->nexclude);
}

const struct trace_record_filters *trace_reader_record_filters(const struct trace_reader *r)
{
	return trace_record_filters_any(&r->filters) ? &r->filters : NULL;
}

uint64_t trace_reader_unrecorded(const struct trace_reader *r)
{
	return r->chunk_filtered;
}

/* -------------------------------------------------------- extended records */

/* The fewest words a record of each known type has. */
static const unsigned ext_min_words[] = {
	[TRACE_EXT_TIME] = 2,	      [TRACE_EXT_ENTER_FULL] = 3,
	[TRACE_EXT_THREAD_START] = 2, [TRACE_EXT_THREAD_END] = 4,
	[TRACE_EXT_MAPS] = 4,	      [TRACE_EXT_MODULE] = TRACE_MODULE_FIXED_WORDS,
	[TRACE_EXT_PAUSE] = 3,	      [TRACE_EXT_ALLOC] = 4,
	[TRACE_EXT_FREE] = 3,	      [TRACE_EXT_REALLOC] = 6,
	[TRACE_EXT_STACK] = 2,	      [TRACE_EXT_SNAPSHOT] = 2,
	[TRACE_EXT_STAGE_DEF] = 2,    [TRACE_EXT_STAGE_BEGIN] = 2,
	[TRACE_EXT_STAGE_END] = 3,    [TRACE_EXT_FILTER] = 2,
	[TRACE_EXT_CONTEXT] = 2,      [TRACE_EXT_OFFCPU] = TRACE_OFFCPU_WORDS,
};

static const char *const ext_names[] = {
	[TRACE_EXT_TIME] = "time",
	[TRACE_EXT_ENTER_FULL] = "entry",
	[TRACE_EXT_THREAD_START] = "thread start",
	[TRACE_EXT_THREAD_END] = "thread end",
	[TRACE_EXT_MAPS] = "maps",
	[TRACE_EXT_MODULE] = "module",
	[TRACE_EXT_PAUSE] = "pause",
	[TRACE_EXT_ALLOC] = "alloc",
	[TRACE_EXT_FREE] = "free",
	[TRACE_EXT_REALLOC] = "realloc",
	[TRACE_EXT_STACK] = "stack",
	[TRACE_EXT_SNAPSHOT] = "snapshot",
	[TRACE_EXT_STAGE_DEF] = "stage definition",
	[TRACE_EXT_STAGE_BEGIN] = "stage begin",
	[TRACE_EXT_STAGE_END] = "stage end",
	[TRACE_EXT_FILTER] = "filter",
	[TRACE_EXT_CONTEXT] = "context",
	[TRACE_EXT_OFFCPU] = "off-CPU",
};

/*
 * The off-CPU ticks between the thread's last reading `from` and the
 * reading `to` (ticks, CLOCK_MONOTONIC, CPU time; the clocks checked not to
 * decrease): the nanoseconds off the CPU on the thread's tick scale, within
 * [0, the ticks between them]. Any values: no overflow.
 */
static uint64_t offcpu_span(const uint64_t from[3], const uint64_t to[3])
{
	uint64_t ticks = to[0] > from[0] ? to[0] - from[0] : 0;
	uint64_t mono = to[1] - from[1], cpu = to[2] - from[2];
	double off;

	if (cpu >= mono || !ticks)
		return 0;
	off = (double)(mono - cpu) / (double)mono * (double)ticks;
	return off >= (double)ticks ? ticks : (uint64_t)(off + 0.5);
}

static int offcpu_record(struct trace_chunk *c, const uint64_t *rec)
{
	struct trace_thread *t = c->thread;
	uint32_t flags = trace_ext_aux_of(rec[0]);
	uint64_t off = 0;

	if (!t)
		return corrupt(c, rec, "off-CPU record in a process chunk");
	if (flags & ~TRACE_OFFCPU_FLAGS)
		return corrupt(c, rec, "off-CPU record with unknown flags 0x%x", flags);
	if (t->offcpu_readings) {
		if (rec[2] < t->offcpu_at[1] || rec[3] < t->offcpu_at[2])
			return corrupt(c, rec, "off-CPU reading earlier than the thread's last");
		off = offcpu_span(t->offcpu_at, rec + 1);
	}
	t->offcpu_readings++;
	memcpy(t->offcpu_at, rec + 1, sizeof(t->offcpu_at));
	if (flags & TRACE_OFFCPU_BASE) {
		t->offcpu_runtime += off;
		return EV_AGAIN;
	}
	if (flags & TRACE_OFFCPU_UNSEEN) {
		t->offcpu_unplaced += off;
		return EV_AGAIN;
	}
	t->offcpu_placed += off;
	c->offcpu.ticks = off;
	c->offcpu.at = rec[1];
	return off && c->reader->want_offcpu ? TRACE_EV_OFFCPU : EV_AGAIN;
}

/* Decode the extended record `rec` of nwords words, known to fit the chunk. */
static int ext_record(struct trace_chunk *c, const uint64_t *rec, unsigned type, unsigned nwords,
		      uint64_t *fn)
{
	struct trace_thread *t = c->thread;

	if (type < ARRAY_SIZE(ext_min_words) && nwords < ext_min_words[type])
		return corrupt(c, rec, "%s record shorter than %u words", ext_names[type],
			       ext_min_words[type]);
	switch (type) {
	case TRACE_EXT_TIME:
		c->ticks = rec[1];
		return EV_AGAIN;
	case TRACE_EXT_ENTER_FULL:
		*fn = rec[1];
		c->ticks = rec[2];
		c->events++;
		if (*fn - c->moved_lo < c->moved_len)
			*fn = trace_chunk_moved(c, *fn);
		return TRACE_EV_ENTER;
	case TRACE_EXT_THREAD_START:
		if (t) {
			t->started = true;
			t->tid = trace_ext_aux_of(rec[0]);
			if (rec[1] < t->first_ticks)
				t->first_ticks = rec[1];
		}
		return EV_AGAIN;
	case TRACE_EXT_THREAD_END:
		if (t)
			thread_end(c, t, rec);
		return EV_AGAIN;
	case TRACE_EXT_MAPS:
		c->reader->maps_ticks = rec[1];
		return EV_AGAIN;
	case TRACE_EXT_MODULE:
		return module_record(c, rec, nwords);
	case TRACE_EXT_PAUSE:
		if (rec[2] < rec[1])
			return corrupt(c, rec, "pause ends before it starts");
		c->paused += rec[2] - rec[1];
		c->pause_start = rec[1];
		c->pause_len = rec[2] - rec[1];
		return EV_AGAIN;
	case TRACE_EXT_ALLOC:
	case TRACE_EXT_FREE:
	case TRACE_EXT_REALLOC:
	case TRACE_EXT_STACK:
	case TRACE_EXT_SNAPSHOT: {
		int ev = mem_record(c, rec, type, nwords);

		return ev < 0 || c->reader->want_memory ? ev : EV_AGAIN;
	}
	case TRACE_EXT_STAGE_DEF:
	case TRACE_EXT_STAGE_BEGIN:
	case TRACE_EXT_STAGE_END: {
		int ev = stage_record(c, rec, type, nwords);

		return ev < 0 || c->reader->want_stages ? ev : EV_AGAIN;
	}
	case TRACE_EXT_FILTER:
		return filter_record(c, rec, trace_ext_aux_of(rec[0]), nwords);
	case TRACE_EXT_CONTEXT:
		if (!t)
			return corrupt(c, rec, "context record in a process chunk");
		c->context.id = trace_ext_aux_of(rec[0]);
		c->context.ticks = rec[1];
		if (rec[1] > c->context_ticks)
			c->context_ticks = rec[1];
		return c->reader->want_contexts ? TRACE_EV_CONTEXT : EV_AGAIN;
	case TRACE_EXT_OFFCPU:
		return offcpu_record(c, rec);
	default:
		return EV_AGAIN; /* a type from a newer writer: skipped */
	}
}

int trace_chunk_slow(struct trace_chunk *c, uint64_t *fn)
{
	while (c->pos < c->end) {
		const uint64_t *rec = c->pos;
		unsigned nwords = trace_ext_nwords_of(*rec);
		int ev;

		if (*rec == 0)
			break; /* the end of the records */
		if ((*rec & 3) == 0)
			return corrupt(c, rec, "record with tag 0");
		if ((*rec & 3) != TRACE_TAG_EXT)
			return trace_chunk_next(c, fn);
		if (nwords == 0)
			return corrupt(c, rec, "extended record of 0 words");
		if (nwords > (size_t)(c->end - rec)) {
			if (c->partial)
				break; /* cut by the end of the file */
			return corrupt(c, rec, "record runs past the end of the chunk");
		}
		c->pos += nwords;
		ev = ext_record(c, rec, trace_ext_type_of(*rec), nwords, fn);
		if (ev != EV_AGAIN)
			return ev;
	}
	c->pos = c->end;
	return TRACE_EV_END;
}

/* ------------------------------------------------------------------- clock */

/* Set the slope from two clock points if they are usable. */
static bool clock_span(struct trace_clock *clk, const struct trace_clock_point *a,
		       const struct trace_clock_point *b, uint64_t min_ns)
{
	if (b->ticks <= a->ticks || b->ns <= a->ns || b->ns - a->ns < min_ns)
		return false;
	clk->slope_ns = b->ns - a->ns;
	clk->slope_ticks = b->ticks - a->ticks;
	clk->ns_per_tick = (double)clk->slope_ns / (double)clk->slope_ticks;
	return true;
}

int trace_clock_init(struct trace_clock *clk, const struct trace_file_header *h,
		     const struct trace_clock_point *latest_open)
{
	memset(clk, 0, sizeof(*clk));
	if (h->clock_source == TRACE_CLOCK_MONOTONIC) {
		clk->ns_per_tick = 1.0;
		clk->slope_ns = clk->slope_ticks = 1;
		return 0;
	}
	clk->tsc = true;
	clk->origin = h->start;
	if (h->end.ticks != 0 && clock_span(clk, &h->start, &h->end, 1))
		return 0;
	if (latest_open && clock_span(clk, &h->start, latest_open, CALIB_MIN_SPAN_NS))
		return 0;
	if (clock_span(clk, &h->start, &h->start_cal, 1))
		return 0;
	return -1;
}

int trace_reader_clock(const struct trace_reader *r, struct trace_clock *clk)
{
	if (trace_clock_init(clk, &r->hdr, &r->latest_open) < 0)
		return trace_error(r, "no usable clock calibration in the header");
	return 0;
}

/* ---------------------------------------------------------------- identity */

int trace_identify(const char *path, struct trace_identity *id)
{
	struct trace_reader r;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	memset(id, 0, sizeof(*id));
	r.path = (char *)path;
	r.quiet = true; /* the pass that reads the trace reports its problems */
	if (open_file(&r, path) == 0 && read_header(&r) == 0) {
		id->dev = r.dev;
		id->ino = r.ino;
		id->pid = r.hdr.pid;
		id->realtime_start_ns = r.hdr.realtime_start_ns;
		id->start = r.hdr.start;
		memcpy(id->exe, r.hdr.exe, sizeof(id->exe));
		ret = 0;
	}
	if (r.fd >= 0)
		close(r.fd);
	return ret;
}

int trace_identity_same(const struct trace_identity *a, const struct trace_identity *b)
{
	if (a->dev == b->dev && a->ino == b->ino)
		return 1;
	if (a->pid == b->pid && a->realtime_start_ns == b->realtime_start_ns &&
	    a->start.ticks == b->start.ticks && a->start.ns == b->start.ns &&
	    !memcmp(a->exe, b->exe, sizeof(a->exe)))
		return 2;
	return 0;
}

/* ----------------------------------------------------------------- release */

static void filters_release(struct trace_record_filters *f)
{
	size_t i;

	for (i = 0; i < f->ninclude; i++)
		free(f->include[i]);
	for (i = 0; i < f->nexclude; i++)
		free(f->exclude[i]);
	free(f->include);
	free(f->exclude);
}

void trace_reader_release(struct trace_reader *r)
{
	struct trace_thread *t;
	struct trace_stage_name *n, *tmp;

	while (r->threads) {
		t = r->threads;
		HASH_DEL(r->threads, t);
		free(t->stacks.slots);
		free(t);
	}
	HASH_ITER(hh, r->stage_names, n, tmp)
	{
		HASH_DEL(r->stage_names, n);
		free(n);
	}
	filters_release(&r->filters);
	maps_free(r->maps);
	free(r->stage_ids.slots);
	free(r->stage_early.slots);
	free(r->stage_uses);
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r->pathbuf);
	free(r->path);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}
