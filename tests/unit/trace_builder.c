// SPDX-License-Identifier: MIT
/*
 * trace_builder.c - synthesize trace files for the unit tests (see
 * trace_builder.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_builder.h"

#define CHUNK_SIZE TRACE_CHUNK_MIN
#define NO_CHUNK   ((size_t)-1)

static void *tb_grow(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		abort();
	return p;
}

/* n zeroed words. */
static uint64_t *tb_alloc_words(size_t n)
{
	uint64_t *w = calloc(n, 8);

	if (!w)
		abort();
	return w;
}

struct tb *tb_new(void)
{
	struct tb *tb = tb_grow(NULL, sizeof(*tb));
	struct trace_file_header *h = &tb->hdr;

	memset(tb, 0, sizeof(*tb));
	memcpy(h->magic, TRACE_MAGIC, TRACE_MAGIC_LEN);
	h->version = TRACE_VERSION;
	h->header_size = TRACE_HEADER_SIZE;
	h->endian = TRACE_ENDIAN_MARK;
	h->chunk_size = CHUNK_SIZE;
	h->features = TRACE_FEAT_CALLS;
	h->pid = 4242;
	h->ppid = 1;
	h->clock_source = TRACE_CLOCK_MONOTONIC;
	h->flags = TRACE_FLAG_COMPLETE;
	h->start = (struct trace_clock_point){ 0, 0 };
	h->start_cal = (struct trace_clock_point){ 500000, 500000 };
	strcpy(h->exe, "/usr/bin/prog");
	tb->cur = NO_CHUNK;
	strcpy(tb->dir, "/tmp/mprof-tb-XXXXXX");
	if (!mkdtemp(tb->dir))
		abort();
	return tb;
}

void tb_free(struct tb *tb)
{
	size_t i;

	for (i = 0; i < tb->npaths; i++) {
		unlink(tb->paths[i]);
		free(tb->paths[i]);
	}
	rmdir(tb->dir);
	free(tb->paths);
	free(tb->words);
	free(tb);
}

size_t tb_chunk_words(const struct tb *tb)
{
	return CHUNK_SIZE / 8;
}

static uint64_t *chunk_words(struct tb *tb, size_t i)
{
	return tb->words + i * tb_chunk_words(tb);
}

struct trace_chunk_header *tb_chunk_header(struct tb *tb)
{
	return (struct trace_chunk_header *)chunk_words(tb, tb->cur);
}

/* Append a zeroed chunk and make it current. */
static struct trace_chunk_header *new_chunk(struct tb *tb)
{
	size_t words = tb_chunk_words(tb);

	if (tb->nchunks == tb->alloc) {
		tb->alloc = tb->alloc ? 2 * tb->alloc : 4;
		tb->words = tb_grow(tb->words, tb->alloc * words * 8);
	}
	tb->cur = tb->nchunks++;
	memset(chunk_words(tb, tb->cur), 0, words * 8);
	tb->pos = sizeof(struct trace_chunk_header) / 8;
	return tb_chunk_header(tb);
}

void tb_chunk(struct tb *tb, uint32_t serial, uint64_t base)
{
	struct trace_chunk_header *ch;

	if (serial == 0 || serial > TB_MAX_THREADS)
		abort();
	ch = new_chunk(tb);
	ch->magic = TRACE_CHUNK_MAGIC;
	ch->kind = TRACE_CHUNK_THREAD;
	ch->thread = serial;
	ch->tid = 1000 + serial;
	ch->seq = tb->next_seq[serial]++;
	ch->base_ticks = base;
	ch->open = (struct trace_clock_point){ base, base };
	tb->ticks = base;
}

void tb_process_chunk(struct tb *tb, uint64_t base)
{
	struct trace_chunk_header *ch = new_chunk(tb);

	ch->magic = TRACE_CHUNK_MAGIC;
	ch->kind = TRACE_CHUNK_PROCESS;
	ch->base_ticks = base;
	ch->open = (struct trace_clock_point){ base, base };
	tb->ticks = base;
}

void tb_unused_chunk(struct tb *tb)
{
	new_chunk(tb);
	tb->cur = NO_CHUNK;
}

/* Make room for n words, opening the thread's next chunk if need be. */
static uint64_t *reserve(struct tb *tb, size_t n)
{
	uint64_t *w;

	if (tb->cur == NO_CHUNK)
		abort();
	if (tb->pos + n > tb_chunk_words(tb)) {
		uint32_t serial = tb_chunk_header(tb)->thread;

		if (serial)
			tb_chunk(tb, serial, tb->ticks);
		else
			tb_process_chunk(tb, tb->ticks);
	}
	w = chunk_words(tb, tb->cur) + tb->pos;
	tb->pos += n;
	return w;
}

static void count_event(struct tb *tb)
{
	tb->events[tb_chunk_header(tb)->thread]++;
}

void tb_word(struct tb *tb, uint64_t w)
{
	*reserve(tb, 1) = w;
}

void tb_ext(struct tb *tb, unsigned type, uint32_t aux, const uint64_t *w, unsigned nwords)
{
	uint64_t *rec = reserve(tb, nwords);

	rec[0] = trace_ext_word(type, nwords, aux);
	if (nwords > 1)
		memcpy(rec + 1, w, (nwords - 1) * 8);
}

void tb_time(struct tb *tb, uint64_t at)
{
	tb_ext(tb, TRACE_EXT_TIME, 0, &at, 2);
	tb->ticks = at;
}

void tb_enter(struct tb *tb, uint64_t fn, uint64_t at)
{
	if (at < tb->ticks || at - tb->ticks > TRACE_ENTER_DELTA_MAX)
		tb_time(tb, at);
	tb_word(tb, fn << TRACE_ENTER_FN_SHIFT | (at - tb->ticks) << 2 | TRACE_TAG_ENTER);
	tb->ticks = at;
	count_event(tb);
}

void tb_exit(struct tb *tb, uint64_t at)
{
	if (at < tb->ticks)
		tb_time(tb, at);
	tb_word(tb, (at - tb->ticks) << 2 | TRACE_TAG_EXIT);
	tb->ticks = at;
	count_event(tb);
}

void tb_enter_full(struct tb *tb, uint64_t fn, uint64_t at)
{
	uint64_t w[2] = { fn, at };

	tb_ext(tb, TRACE_EXT_ENTER_FULL, 0, w, 3);
	tb->ticks = at;
	count_event(tb);
}

void tb_alloc_kind(struct tb *tb, unsigned kind, uint64_t addr, uint64_t size, uint32_t stack,
		   uint64_t at)
{
	uint64_t w[3] = { addr, (uint64_t)kind << TRACE_ALLOC_KIND_SHIFT | size, at };

	tb_ext(tb, TRACE_EXT_ALLOC, stack, w, 4);
	count_event(tb);
}

void tb_alloc(struct tb *tb, uint64_t addr, uint64_t size, uint32_t stack, uint64_t at)
{
	tb_alloc_kind(tb, TRACE_ALLOC_MALLOC, addr, size, stack, at);
}

void tb_release(struct tb *tb, uint64_t addr, uint64_t at)
{
	uint64_t w[2] = { addr, at };

	tb_ext(tb, TRACE_EXT_FREE, 0, w, 3);
	count_event(tb);
}

void tb_realloc(struct tb *tb, uint64_t old, uint64_t addr, uint64_t size, uint32_t stack,
		uint64_t free_at, uint64_t at)
{
	uint64_t w[5] = { old, addr, (uint64_t)TRACE_ALLOC_REALLOC << TRACE_ALLOC_KIND_SHIFT | size,
			  free_at, at };

	tb_ext(tb, TRACE_EXT_REALLOC, stack, w, 6);
	count_event(tb);
}

void tb_stack(struct tb *tb, uint32_t id, const uint64_t *frames, unsigned n)
{
	tb_ext(tb, TRACE_EXT_STACK, id, frames, n + 1);
}

void tb_snapshot(struct tb *tb, const char *label, uint64_t at)
{
	size_t len = strlen(label);
	unsigned nwords = 2 + (unsigned)((len + 7) / 8);
	uint64_t *w = tb_alloc_words(nwords);

	w[0] = at;
	memcpy(w + 1, label, len);
	tb_ext(tb, TRACE_EXT_SNAPSHOT, (uint32_t)len, w, nwords);
	free(w);
	count_event(tb);
}

void tb_stage_def(struct tb *tb, uint32_t id, const char *name)
{
	size_t len = strlen(name);
	unsigned nwords = 2 + (unsigned)((len + 7) / 8);
	uint64_t *w = tb_alloc_words(nwords);

	w[0] = len;
	memcpy(w + 1, name, len);
	tb_ext(tb, TRACE_EXT_STAGE_DEF, id, w, nwords);
	free(w);
	count_event(tb);
}

void tb_filter(struct tb *tb, unsigned kind, uint64_t limit, const char *pattern)
{
	size_t len = pattern ? strlen(pattern) : 0;
	unsigned nwords = 2 + (unsigned)((len + 7) / 8);
	uint64_t *w = tb_alloc_words(nwords);

	w[0] = limit;
	if (len)
		memcpy(w + 1, pattern, len);
	tb_ext(tb, TRACE_EXT_FILTER, (uint32_t)kind << 24 | (uint32_t)len, w, nwords);
	free(w);
}

void tb_stage_begin(struct tb *tb, uint32_t id, uint64_t at)
{
	tb_ext(tb, TRACE_EXT_STAGE_BEGIN, id, &at, 2);
	count_event(tb);
}

void tb_stage_end(struct tb *tb, uint32_t id, uint64_t at, uint64_t records)
{
	uint64_t w[2] = { at, records };

	tb_ext(tb, TRACE_EXT_STAGE_END, id, w, 3);
	count_event(tb);
}

void tb_pause(struct tb *tb, uint64_t from, uint64_t to)
{
	uint64_t w[2] = { from, to };

	tb_ext(tb, TRACE_EXT_PAUSE, 0, w, 3);
}

void tb_context(struct tb *tb, uint32_t id, uint64_t at)
{
	tb_ext(tb, TRACE_EXT_CONTEXT, id, &at, 2);
}

void tb_offcpu(struct tb *tb, unsigned flags, uint64_t at, uint64_t mono, uint64_t cpu)
{
	uint64_t w[3] = { at, mono, cpu };

	tb->hdr.offcpu = TRACE_OFFCPU_RECORDED;
	tb->hdr.features |= TRACE_FEAT_OFFCPU;
	tb_ext(tb, TRACE_EXT_OFFCPU, flags, w, TRACE_OFFCPU_WORDS);
}

void tb_end(struct tb *tb, unsigned how, int status)
{
	tb->hdr.end_how = how;
	tb->hdr.exit_status = status;
}

void tb_thread_start(struct tb *tb, uint32_t tid, uint64_t at)
{
	tb_ext(tb, TRACE_EXT_THREAD_START, tid, &at, 2);
}

void tb_thread_end(struct tb *tb, uint64_t at, uint64_t events, uint64_t lost)
{
	uint64_t w[3] = { at, events, lost };

	tb_ext(tb, TRACE_EXT_THREAD_END, 0, w, 4);
}

void tb_maps(struct tb *tb, uint64_t at, unsigned reason, uint64_t nmodules)
{
	uint64_t w[3] = { at, reason, nmodules };

	tb_ext(tb, TRACE_EXT_MAPS, 0, w, 4);
}

void tb_module(struct tb *tb, const char *path, uint64_t bias, uint64_t lo, uint64_t hi,
	       const unsigned char *buildid, size_t buildid_len)
{
	size_t pathlen = strlen(path), bytes = buildid_len + pathlen;
	unsigned nwords = TRACE_MODULE_FIXED_WORDS + (unsigned)((bytes + 7) / 8);
	uint64_t *w = tb_grow(NULL, nwords * 8);

	memset(w, 0, nwords * 8);
	w[0] = bias;
	w[1] = lo;
	w[2] = hi;
	if (buildid_len)
		memcpy((char *)(w + 3), buildid, buildid_len);
	memcpy((char *)(w + 3) + buildid_len, path, pathlen);
	tb_ext(tb, TRACE_EXT_MODULE, (uint32_t)(buildid_len << 16 | pathlen), w, nwords);
	free(w);
}

uint64_t tb_events(const struct tb *tb, uint32_t serial)
{
	return tb->events[serial];
}

static const char *new_path(struct tb *tb)
{
	char *path = tb_grow(NULL, sizeof(tb->dir) + 32);

	snprintf(path, sizeof(tb->dir) + 32, "%s/trace-%zu.bin", tb->dir, tb->npaths);
	tb->paths = tb_grow(tb->paths, (tb->npaths + 1) * sizeof(*tb->paths));
	tb->paths[tb->npaths++] = path;
	return path;
}

const char *tb_write_bytes(struct tb *tb, const void *data, size_t size)
{
	const char *path = new_path(tb);
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, size, 1, f) != 1) || fclose(f) != 0)
		abort();
	return path;
}

const char *tb_write_cut(struct tb *tb, size_t size)
{
	size_t hsize = tb->hdr.header_size, csize = CHUNK_SIZE, full;
	const char *path;
	char *buf;

	/* Lay the file out as a sane header says, even when a test breaks it. */
	if (hsize < sizeof(tb->hdr) || hsize > (1u << 20))
		hsize = TRACE_HEADER_SIZE;
	full = hsize + tb->nchunks * csize;
	buf = tb_grow(NULL, full);
	memset(buf, 0, full);
	memcpy(buf, &tb->hdr, sizeof(tb->hdr));
	if (tb->nchunks)
		memcpy(buf + hsize, tb->words, tb->nchunks * csize);
	path = tb_write_bytes(tb, buf, size < full ? size : full);
	free(buf);
	return path;
}

const char *tb_write(struct tb *tb)
{
	return tb_write_cut(tb, (size_t)-1);
}

const char *tb_missing_path(struct tb *tb)
{
	const char *path = new_path(tb);

	unlink(path);
	return path;
}

const char *tb_dir(const struct tb *tb)
{
	return tb->dir;
}
