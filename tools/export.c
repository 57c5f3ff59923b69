// SPDX-License-Identifier: MIT
/*
 * export.c - the exports' second pass over a trace, and the pair map they
 * aggregate call paths and call edges in.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "export.h"
#include "memstats.h"

/* ------------------------------------------------------------------ pass */

struct pass {
	const struct report *rep;
	const struct export_sink *sink;
	bool filtered;		/* the stack holds hidden frames */
	struct cs_frame *shown; /* then: the shown ones, copied */
	size_t alloc;
};

/* The shown frames of t's stack up to `fr` (shown) into p->shown; their count. */
static size_t shown_frames(struct pass *p, const struct cs_thread *t, const struct cs_frame *fr)
{
	const struct cs_frame *f;
	size_t n = 0;

	for (f = t->stack; f <= fr; f++) {
		if (f->hidden)
			continue;
		p->shown = xgrow(p->shown, &p->alloc, n + 1, sizeof(*p->shown));
		p->shown[n++] = *f;
	}
	return n;
}

static uint64_t since_start(const struct report *rep, uint64_t ticks)
{
	uint64_t ns = trace_clock_ns(rep->clk, ticks);

	return ns > rep->hdr->start.ns ? ns - rep->hdr->start.ns : 0;
}

static void on_call(void *arg, const struct cs_thread *t, const struct cs_frame *fr, uint64_t end,
		    uint64_t self, uint64_t incl, uint64_t off_self, uint64_t off_incl)
{
	struct pass *p = arg;
	struct export_call c = {
		.serial = t->serial,
		.context = t->context,
		.frames = t->stack,
		.depth = (size_t)(fr - t->stack),
		.start_ns = since_start(p->rep, fr->start),
		.end_ns = since_start(p->rep, end > fr->start ? end : fr->start),
		.self_ticks = self,
		.incl_ticks = incl,
		.off_self_ticks = off_self,
		.off_incl_ticks = off_incl,
		.outermost = fr->fn->st.active == 0,
	};

	if (p->filtered) {
		c.depth = shown_frames(p, t, fr) - 1;
		c.frames = p->shown;
	}
	p->sink->call(p->sink->arg, &c);
}

static void on_heap(void *arg, const struct ms_heap *h, uint64_t ticks,
		    const struct ms_snapshot *snap)
{
	const struct pass *p = arg;
	struct export_heap e = {
		.ns = since_start(p->rep, ticks),
		.live_blocks = h->live_blocks,
		.live_bytes = h->live_bytes,
		.snap = snap,
	};

	p->sink->heap(p->sink->arg, &e);
}

int export_pass(const struct report *rep, const struct export_sink *sink)
{
	struct pass p = { rep, sink, false, NULL, 0 };
	struct cs_filter filter;
	struct trace_reader r;
	struct cs_profile prof;
	struct ms_heap heap;
	int ret;

	if (!rep->clk)
		return error("'%s': no clock to export with", rep->trace);
	if (trace_reader_open(&r, rep->trace) < 0)
		return -1;
	cs_profile_init(&prof, r.hdr.probe_self_ticks, r.hdr.probe_parent_ticks);
	ms_heap_init(&heap);
	if (report_filter_init(rep, &filter)) {
		prof.filter = &filter;
		p.filtered = true;
	}
	if (sink->call) {
		prof.on_call = on_call;
		prof.on_call_arg = &p;
	}
	if (sink->heap) {
		heap.on_event = on_heap;
		heap.on_event_arg = &p;
		prof.heap = &heap;
	}
	ret = cs_profile_read(&prof, &r);
	free(p.shown);
	ms_heap_release(&heap);
	cs_profile_release(&prof);
	trace_reader_release(&r);
	return ret;
}

const char *export_name(const struct report *rep, uint64_t addr)
{
	const struct report_sym *s = report_sym_find(rep, addr);

	return s ? s->name : "[unknown]";
}

void export_print_us(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%03u", (unsigned long long)(ns / 1000), (unsigned)(ns % 1000));
}

/* ------------------------------------------------------------------- map */

static inline uint64_t pair_hash(uint64_t key, uint64_t addr)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ULL ^ addr;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

void export_map_init(struct export_map *m)
{
	memset(m, 0, sizeof(*m));
	m->mask = 63;
	m->slots = xcalloc(m->mask + 1, sizeof(*m->slots));
	m->nodes = xgrow(NULL, &m->alloc, 1, sizeof(*m->nodes));
	memset(m->nodes, 0, sizeof(*m->nodes));
	m->n = 1;
}

static uint32_t *slot_of(const struct export_map *m, uint64_t key, uint64_t addr)
{
	size_t i = pair_hash(key, addr) & m->mask;

	for (;; i = (i + 1) & m->mask) {
		uint32_t id = m->slots[i];

		if (!id || (m->nodes[id].key == key && m->nodes[id].addr == addr))
			return &m->slots[i];
	}
}

static void map_grow(struct export_map *m)
{
	size_t id;

	free(m->slots);
	m->mask = m->mask * 2 + 1;
	m->slots = xcalloc(m->mask + 1, sizeof(*m->slots));
	for (id = 1; id < m->n; id++)
		*slot_of(m, m->nodes[id].key, m->nodes[id].addr) = (uint32_t)id;
}

uint32_t export_map_find(const struct export_map *m, uint64_t key, uint64_t addr)
{
	return *slot_of(m, key, addr);
}

uint32_t export_map_get(struct export_map *m, uint64_t key, uint64_t addr)
{
	uint32_t *slot = slot_of(m, key, addr);

	if (*slot)
		return *slot;
	if (m->n > UINT32_MAX - 1)
		die("out of memory");
	m->nodes = xgrow(m->nodes, &m->alloc, m->n + 1, sizeof(*m->nodes));
	m->nodes[m->n] = (struct export_node){ .key = key, .addr = addr };
	*slot = (uint32_t)m->n;
	if (++m->n * 4 > (m->mask + 1) * 3)
		map_grow(m);
	return (uint32_t)(m->n - 1);
}

void export_map_release(struct export_map *m)
{
	free(m->nodes);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

void export_add_path(void *arg, const struct export_call *c)
{
	struct export_map *paths = arg;
	uint32_t id = 0;
	size_t i;

	for (i = 0; i <= c->depth; i++)
		id = export_map_get(paths, id, c->frames[i].fn->addr);
	paths->nodes[id].calls++;
	paths->nodes[id].ticks += c->self_ticks;
	paths->nodes[id].off_ticks += c->off_self_ticks;
}
