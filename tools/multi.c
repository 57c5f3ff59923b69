// SPDX-License-Identifier: MIT
/*
 * multi.c - merge the reports of a process tree's traces into one (see
 * multi.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "multi.h"
#include "report_mem.h"
#include "report_stage.h"

/* A merged row being looked up by its key; index into the merged array. */
struct multi_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

/* Find or add `key` (which the table takes or frees); *added tells which. */
static size_t key_index(struct multi_key **keys, char *key, size_t *n, bool *added)
{
	struct multi_key *k;

	HASH_FIND_STR(*keys, key, k);
	*added = !k;
	if (k) {
		free(key);
		return k->index;
	}
	k = xcalloc(1, sizeof(*k));
	k->key = key;
	k->index = (*n)++;
	HASH_ADD_KEYPTR(hh, *keys, k->key, strlen(k->key), k);
	if (hash_oom_take())
		die("out of memory");
	return k->index;
}

static void keys_free(struct multi_key **keys)
{
	struct multi_key *k, *tmp;

	HASH_ITER(hh, *keys, k, tmp)
	{
		HASH_DEL(*keys, k);
		free(k->key);
		free(k);
	}
}

/* -------------------------------------------------------------- functions */

/* Add f to `to`, new (`added`) or not: the split is known if every
 * process's is. */
static void add_func(struct report_func *to, const struct report_func *f, bool added)
{
	to->off_known = f->off_known && (added || to->off_known);
	to->off_self_ns += f->off_self_ns;
	to->off_cum_ns += f->off_cum_ns;
	to->calls += f->calls;
	to->prim_calls += f->prim_calls;
	to->self_ns += f->self_ns;
	to->cum_ns += f->cum_ns;
	to->alloc_self += f->alloc_self;
	to->alloc_cum += f->alloc_cum;
}

static int by_other(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct report_edge *)a)->other;
	uintptr_t y = (uintptr_t)((const struct report_edge *)b)->other;

	return (x > y) - (x < y);
}

/* Sum the edges to the same function; returns how many are left. */
static size_t combine_edges(struct report_edge *e, size_t n)
{
	size_t i, out = 0;

	if (!n)
		return 0;
	qsort(e, n, sizeof(*e), by_other);
	for (i = 0; i < n; i++) {
		if (out && e[out - 1].other == e[i].other) {
			e[out - 1].calls += e[i].calls;
			e[out - 1].prim_calls += e[i].prim_calls;
			e[out - 1].self_ns += e[i].self_ns;
			e[out - 1].cum_ns += e[i].cum_ns;
			e[out - 1].off_self_ns += e[i].off_self_ns;
			e[out - 1].off_cum_ns += e[i].off_cum_ns;
			continue;
		}
		e[out++] = e[i];
	}
	report_edges_sort(e, out);
	return out;
}

/* Where each process's functions went: row[p][i] for function i of process p. */
struct func_map {
	size_t **key;	/* the merged function's key index */
	size_t *row_of; /* key index -> row after sorting */
};

static void copy_edges(struct report_edge *dst, size_t *n, const struct report_edge *src,
		       size_t nsrc, const struct report_func *base, const size_t *key,
		       const struct func_map *map, struct report_func *rows)
{
	size_t j;

	for (j = 0; j < nsrc; j++) {
		dst[*n] = src[j];
		dst[*n].other = &rows[map->row_of[key[src[j].other - base]]];
		(*n)++;
	}
}

static void merge_edges(struct multi_report *m, const struct func_map *map)
{
	struct report_table *t = &m->merged.merged;
	struct report_edge *next;
	size_t p, i, total = 0;

	/* Upper bounds first: every edge of every process. */
	for (p = 0; p < m->nprocs; p++) {
		const struct report_table *pt = &m->procs[p].merged;

		for (i = 0; i < pt->nfuncs; i++) {
			struct report_func *to = &t->funcs[map->row_of[map->key[p][i]]];

			to->ncallers += pt->funcs[i].ncallers;
			to->ncallees += pt->funcs[i].ncallees;
			total += pt->funcs[i].ncallers + pt->funcs[i].ncallees;
		}
	}
	t->edges = next = xcalloc(total + 1, sizeof(*t->edges));
	for (i = 0; i < t->nfuncs; i++) {
		t->funcs[i].callers = next;
		next += t->funcs[i].ncallers;
		t->funcs[i].callees = next;
		next += t->funcs[i].ncallees;
		t->funcs[i].ncallers = t->funcs[i].ncallees = 0;
	}
	for (p = 0; p < m->nprocs; p++) {
		const struct report_table *pt = &m->procs[p].merged;

		for (i = 0; i < pt->nfuncs; i++) {
			const struct report_func *f = &pt->funcs[i];
			struct report_func *to = &t->funcs[map->row_of[map->key[p][i]]];

			copy_edges(to->callers, &to->ncallers, f->callers, f->ncallers, pt->funcs,
				   map->key[p], map, t->funcs);
			copy_edges(to->callees, &to->ncallees, f->callees, f->ncallees, pt->funcs,
				   map->key[p], map, t->funcs);
		}
	}
	for (i = 0; i < t->nfuncs; i++) {
		t->funcs[i].ncallers = combine_edges(t->funcs[i].callers, t->funcs[i].ncallers);
		t->funcs[i].ncallees = combine_edges(t->funcs[i].callees, t->funcs[i].ncallees);
	}
}

static void merge_funcs(struct multi_report *m, const struct report_options *opt)
{
	struct report_table *t = &m->merged.merged;
	struct multi_key *keys = NULL;
	struct func_map map;
	size_t p, i, total = 0;
	bool added;

	for (p = 0; p < m->nprocs; p++)
		total += m->procs[p].merged.nfuncs;
	m->syms = xcalloc(total + 1, sizeof(*m->syms));
	t->funcs = xcalloc(total + 1, sizeof(*t->funcs));
	map.key = xcalloc(m->nprocs + 1, sizeof(*map.key));
	map.row_of = xcalloc(total + 1, sizeof(*map.row_of));
	for (p = 0; p < m->nprocs; p++) {
		const struct report_table *pt = &m->procs[p].merged;

		map.key[p] = xcalloc(pt->nfuncs + 1, sizeof(**map.key));
		for (i = 0; i < pt->nfuncs; i++) {
			const struct report_sym *s = pt->funcs[i].sym;
			size_t k = key_index(
			    &keys,
			    util_join(s->name, UTIL_KEY_SEP, s->file ? util_basename(s->file) : ""),
			    &t->nfuncs, &added);

			if (added) {
				m->syms[k] = (struct report_sym){ .name = s->name,
								  .file = s->file,
								  .line = s->line,
								  .module = s->module,
								  .label = s->label };
				t->funcs[k].sym = &m->syms[k];
			}
			map.key[p][i] = k;
			add_func(&t->funcs[k], &pt->funcs[i], added);
		}
	}
	keys_free(&keys);
	for (i = 0; i < t->nfuncs; i++) {
		t->total_calls += t->funcs[i].calls;
		t->prim_calls += t->funcs[i].prim_calls;
		t->total_self_ns += t->funcs[i].self_ns;
	}
	report_table_sort(t, opt->sort);
	for (i = 0; i < t->nfuncs; i++)
		map.row_of[t->funcs[i].sym - m->syms] = i;
	merge_edges(m, &map);
	for (p = 0; p < m->nprocs; p++)
		free(map.key[p]);
	free(map.key);
	free(map.row_of);
}

/* ----------------------------------------------------------------- stages */

static struct report_stage *find_stage(struct report_stages *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!strcmp(st->rows[i].name, name))
			return &st->rows[i];
	}
	return NULL;
}

static void add_stage(struct report_stages *st, const struct report_stage *r)
{
	struct report_stage *to = find_stage(st, r->name);

	if (!to) {
		st->rows[st->n++] = *r;
		return;
	}
	to->records += r->records;
	to->handoffs += r->handoffs;
	to->samples += r->samples;
	to->elapsed_ns += r->elapsed_ns;
	to->busy_ns += r->busy_ns;
	to->self_ns += r->self_ns;
	to->off_self_ns += r->off_self_ns;
	to->latency_ns += r->latency_ns;
	to->instances += r->instances;
	to->latency_hist = NULL; /* two processes' samples, in two clocks */
	if (r->p50_latency_ns > to->p50_latency_ns)
		to->p50_latency_ns = r->p50_latency_ns;
	if (r->p99_latency_ns > to->p99_latency_ns)
		to->p99_latency_ns = r->p99_latency_ns;
}

/* The stages that ran inside the bottleneck in any process whose bottleneck it was too. */
static void merge_upstream(struct multi_report *m, struct report_stages *st)
{
	size_t p, i, j;

	for (p = 0; p < m->nprocs; p++) {
		const struct report_stages *ps = m->procs[p].stages;

		if (!ps || !ps->bottleneck || strcmp(ps->bottleneck->name, st->bottleneck->name))
			continue;
		for (i = 0; i < ps->nupstream; i++) {
			const struct report_stage *up = find_stage(st, ps->upstream[i]->name);

			for (j = 0; j < st->nupstream && st->upstream[j] != up; j++)
				;
			if (j == st->nupstream)
				st->upstream[st->nupstream++] = up;
		}
	}
}

static void merge_stages(struct multi_report *m)
{
	struct report_stages *st = &m->stage_store;
	size_t p, i, total = 0;
	bool any = false;

	for (p = 0; p < m->nprocs; p++) {
		if (m->procs[p].stages) {
			any = true;
			total += m->procs[p].stages->n;
		}
	}
	if (!any)
		return;
	st->rows = xcalloc(total + 1, sizeof(*st->rows));
	st->upstream = xcalloc(total + 1, sizeof(*st->upstream));
	st->split = true;
	for (p = 0; p < m->nprocs; p++) {
		const struct report_stages *ps = m->procs[p].stages;

		if (!ps)
			continue;
		st->split &= ps->split;
		st->threads += ps->threads;
		st->unmatched_ends += ps->unmatched_ends;
		st->open_at_end += ps->open_at_end;
		for (i = 0; i < ps->n; i++)
			add_stage(st, &ps->rows[i]);
	}
	for (i = 0; i < st->n; i++) {
		struct report_stage *r = &st->rows[i];

		r->throughput_per_s =
		    r->elapsed_ns ? (double)r->records * 1e9 / (double)r->elapsed_ns : 0;
		r->mean_latency_ns = r->samples ? r->latency_ns / r->samples : 0;
		st->self_ns += r->self_ns;
	}
	st->bottleneck = report_stage_pick(st);
	if (st->bottleneck)
		merge_upstream(m, st);
	m->merged.stages = st;
}

/* ----------------------------------------------------------------- memory */

static void add_site(struct report_site *to, const struct report_site *s)
{
	to->allocs += s->allocs;
	to->bytes += s->bytes;
	to->leaked_blocks += s->leaked_blocks;
	to->leaked_bytes += s->leaked_bytes;
	to->temp_allocs += s->temp_allocs;
	to->temp_bytes += s->temp_bytes;
	to->peak_blocks += s->peak_blocks;
	to->peak_bytes += s->peak_bytes;
}

/* A site's identity: its label, function, and (for a stack) every frame. */
static char *site_key(const struct report_site *s)
{
	char *key = util_join(s->label, UTIL_KEY_SEP, s->function ? s->function : "");
	size_t i;

	for (i = 0; i < s->nframes; i++) {
		const struct report_frame *f = &s->frames[i];
		char line[32], *a, *b;

		snprintf(line, sizeof(line), ":%d", f->line);
		a = util_join(f->function, UTIL_KEY_SEP, f->file ? util_basename(f->file) : "");
		b = util_join(key, UTIL_KEY_SEP, a);
		free(key);
		free(a);
		key = util_join(b, UTIL_KEY_SEP, line);
		free(b);
	}
	return key;
}

/* The order of a site list: two fields of struct report_site, descending, then the label. */
struct site_order {
	size_t first, second; /* offsetof() a uint64_t field */
};

static uint64_t site_field(const struct report_site *s, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)s + off, sizeof(v));
	return v;
}

static int by_order(const void *a, const void *b, void *arg)
{
	const struct report_site *x = *(const struct report_site *const *)a;
	const struct report_site *y = *(const struct report_site *const *)b;
	const struct site_order *o = arg;
	uint64_t x1 = site_field(x, o->first), y1 = site_field(y, o->first);
	uint64_t x2 = site_field(x, o->second), y2 = site_field(y, o->second);

	if (x1 != y1)
		return x1 < y1 ? 1 : -1;
	if (x2 != y2)
		return x2 < y2 ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* The sites whose field `when` is not 0, ordered by `o`. */
static const struct report_site **site_list(struct report_mem *mem, size_t when,
					    struct site_order o, size_t *n)
{
	const struct report_site **list = xcalloc(mem->nsites + 1, sizeof(*list));
	size_t i;

	*n = 0;
	for (i = 0; i < mem->nsites; i++) {
		if (site_field(&mem->all[i], when))
			list[(*n)++] = &mem->all[i];
	}
	if (*n)
		qsort_r(list, *n, sizeof(*list), by_order, &o);
	return list;
}

static void add_totals(struct report_mem *to, const struct report_mem *pm)
{
	to->allocs += pm->allocs;
	to->frees += pm->frees;
	to->bytes += pm->bytes;
	to->peak_blocks += pm->peak_blocks;
	to->peak_bytes += pm->peak_bytes;
	to->leaked_blocks += pm->leaked_blocks;
	to->leaked_bytes += pm->leaked_bytes;
	to->temp_allocs += pm->temp_allocs;
	to->temp_bytes += pm->temp_bytes;
	to->unknown_frees += pm->unknown_frees;
	to->replaced += pm->replaced;
	to->late += pm->late;
}

static void merge_mem(struct multi_report *m, const struct report_options *opt)
{
	struct report_mem *mem = &m->mem_store;
	struct multi_key *keys = NULL;
	uint64_t largest = 0;
	size_t p, i, total = 0;
	bool any = false, added;

	for (p = 0; p < m->nprocs; p++) {
		if (m->procs[p].mem) {
			any = true;
			total += m->procs[p].mem->nsites;
		}
	}
	if (!any)
		return;
	mem->all = xcalloc(total + 1, sizeof(*mem->all));
	for (p = 0; p < m->nprocs; p++) {
		const struct report_mem *pm = m->procs[p].mem;
		uint64_t peak_ns = mem->peak_ns;

		if (!pm)
			continue;
		add_totals(mem, pm);
		/* The peak's time: that of the largest of the processes' peaks. */
		mem->peak_ns = pm->peak_bytes > largest ? pm->peak_ns : peak_ns;
		largest = pm->peak_bytes > largest ? pm->peak_bytes : largest;
		for (i = 0; i < pm->nsites; i++) {
			const struct report_site *s = pm->sites[i];
			size_t k = key_index(&keys, site_key(s), &mem->nsites, &added);

			if (added) {
				mem->all[k] = *s;
				mem->all[k].allocs = mem->all[k].bytes = 0;
				mem->all[k].leaked_blocks = mem->all[k].leaked_bytes = 0;
				mem->all[k].temp_allocs = mem->all[k].temp_bytes = 0;
				mem->all[k].peak_blocks = mem->all[k].peak_bytes = 0;
			}
			add_site(&mem->all[k], s);
		}
	}
	keys_free(&keys);
	if (opt->mem_sort == REPORT_MEM_SORT_COUNT)
		mem->sites = site_list(mem, offsetof(struct report_site, allocs),
				       (struct site_order){ offsetof(struct report_site, allocs),
							    offsetof(struct report_site, bytes) },
				       &total);
	else
		mem->sites = site_list(mem, offsetof(struct report_site, allocs),
				       (struct site_order){ offsetof(struct report_site, bytes),
							    offsetof(struct report_site, allocs) },
				       &total);
	mem->leaks = site_list(mem, offsetof(struct report_site, leaked_blocks),
			       (struct site_order){ offsetof(struct report_site, leaked_bytes),
						    offsetof(struct report_site, leaked_blocks) },
			       &mem->nleaks);
	mem->peak = site_list(mem, offsetof(struct report_site, peak_blocks),
			      (struct site_order){ offsetof(struct report_site, peak_bytes),
						   offsetof(struct report_site, peak_blocks) },
			      &mem->npeak);
	mem->temps = site_list(mem, offsetof(struct report_site, temp_allocs),
			       (struct site_order){ offsetof(struct report_site, temp_allocs),
						    offsetof(struct report_site, temp_bytes) },
			       &mem->ntemps);
	mem->nsites = total;
	m->merged.mem = mem;
}

/* ---------------------------------------------------------------- filters */

/* Add the patterns of `from` that `to` lacks (the strings are not copied). */
static void union_patterns(char ***to, size_t *n, size_t *alloc, char *const *from, size_t nfrom)
{
	size_t i, j;

	for (i = 0; i < nfrom; i++) {
		for (j = 0; j < *n && strcmp((*to)[j], from[i]); j++)
			;
		if (j < *n)
			continue;
		*to = xgrow(*to, alloc, *n + 1, sizeof(**to));
		(*to)[(*n)++] = from[i];
	}
}

/* The processes' record-time filters, in one. */
static void merge_record_filters(struct multi_report *m)
{
	struct trace_record_filters *u = &m->filters_store;
	size_t p;

	for (p = 0; p < m->nprocs; p++) {
		const struct trace_record_filters *f = m->procs[p].record_filters;

		if (!trace_record_filters_equal(f, m->procs[0].record_filters))
			m->merged.record_filters_differ = true;
		if (!f)
			continue;
		union_patterns(&u->include, &u->ninclude, &u->include_alloc, f->include,
			       f->ninclude);
		union_patterns(&u->exclude, &u->nexclude, &u->exclude_alloc, f->exclude,
			       f->nexclude);
		if (f->max_depth > u->max_depth)
			u->max_depth = f->max_depth;
		if (f->min_duration_ns > u->min_duration_ns)
			u->min_duration_ns = f->min_duration_ns;
	}
	m->merged.record_filters = trace_record_filters_any(u) ? u : NULL;
}

/* -------------------------------------------------------------------- run */

/*
 * Add a process's off-CPU state to the merged one: the threads of a process
 * that did not record its switches, when another did, are missing.
 */
static void merge_offcpu(struct report_offcpu *to, const struct report_offcpu *o)
{
	bool to_rec = to->state == TRACE_OFFCPU_RECORDED;
	bool o_rec = o->state == TRACE_OFFCPU_RECORDED;

	to->columns |= o->columns;
	to->placed_ns += o->placed_ns;
	to->unplaced_ns += o->unplaced_ns;
	to->runtime_ns += o->runtime_ns;
	if (to_rec == o_rec) {
		to->missing += o->missing;
	} else if (o_rec) { /* those so far are missing, with their reason */
		to->missing = to->threads + o->missing;
		to->state = TRACE_OFFCPU_RECORDED;
	} else {
		to->missing += o->threads;
	}
	if (!to->call) {
		to->call = o->call;
		to->err = o->err;
	}
	to->threads += o->threads;
}

/* Everything but the tables: the processes, the header, the wall time, the counts. */
static void merge_header(struct multi_report *m, const struct report_options *opt)
{
	struct report *rep = &m->merged;
	uint64_t start = UINT64_MAX, end = 0;
	size_t p, i, n = 0;

	rep->opt = opt;
	rep->trace = m->procs[0].trace;
	rep->hdr = m->procs[0].hdr;
	rep->clk = m->procs[0].clk;
	rep->exe_buildid = m->procs[0].exe_buildid;
	rep->exe_buildid_len = m->procs[0].exe_buildid_len;
	rep->complete = rep->ended = true;
	m->processes = xcalloc(m->nprocs + 1, sizeof(*m->processes));
	for (p = 0; p < m->nprocs; p++) {
		const struct report *pr = &m->procs[p];

		m->processes[p] =
		    (struct report_process){ pr->hdr->pid, pr->hdr->exe, pr->trace, pr };
		/* A process whose wall time is unknown bounds nothing. */
		if (pr->wall_known && pr->hdr->start.ns < start)
			start = pr->hdr->start.ns;
		if (pr->wall_known && pr->wall_ns <= UINT64_MAX - pr->hdr->start.ns &&
		    pr->hdr->start.ns + pr->wall_ns > end)
			end = pr->hdr->start.ns + pr->wall_ns;
		rep->complete &= pr->complete;
		rep->ended &= pr->ended;
		rep->cut |= pr->cut;
		rep->lost += pr->lost;
		report_lost_add(&rep->lost_by, &pr->lost_by, p == 0);
		rep->unmatched_exits += pr->unmatched_exits;
		rep->open_at_end += pr->open_at_end;
		rep->merged.filtered_calls += pr->merged.filtered_calls;
		rep->merged.unrecorded_calls += pr->merged.unrecorded_calls;
		rep->has_calls |= pr->has_calls;
		rep->filtering |= pr->filtering;
		if (p == 0)
			rep->offcpu = pr->offcpu;
		else
			merge_offcpu(&rep->offcpu, &pr->offcpu);
		rep->merged.off_ns += pr->merged.off_ns;
		rep->merged.off_idle_ns += pr->merged.off_idle_ns;
		n += pr->nthreads;
	}
	report_offcpu_note(&rep->offcpu);
	rep->merged.off_known = rep->offcpu.columns && !rep->offcpu.missing;
	rep->processes = m->processes;
	rep->nprocesses = m->nprocs;
	rep->wall_known = start <= end && end - start <= REPORT_WALL_MAX;
	rep->wall_ns = rep->wall_known ? end - start : 0;
	rep->merged.wall_ns = rep->wall_ns;
	rep->merged.wall_known = rep->wall_known;
	rep->merged.lost = rep->lost;
	rep->merged.unmatched_exits = rep->unmatched_exits;
	rep->merged.open_at_end = rep->open_at_end;
	/* Each labelled with its process: serials restart at 1 in every
	 * process, and an exec'd image keeps the pid and tids of the old one. */
	rep->threads = xcalloc(n + 1, sizeof(*rep->threads));
	for (p = 0; p < m->nprocs; p++) {
		for (i = 0; i < m->procs[p].nthreads; i++) {
			rep->threads[rep->nthreads] = m->procs[p].threads[i];
			rep->threads[rep->nthreads++].process = &m->processes[p];
		}
	}
}

int multi_open(struct multi_report *m, const struct report_options *opt, bool memory)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->procs = xcalloc(opt->ntraces + 1, sizeof(*m->procs));
	for (m->nprocs = 0; m->nprocs < opt->ntraces; m->nprocs++) {
		ret = report_open(&m->procs[m->nprocs], opt, opt->traces[m->nprocs], memory);
		if (ret) {
			multi_release(m);
			return ret;
		}
	}
	merge_header(m, opt);
	merge_record_filters(m);
	merge_funcs(m, opt);
	merge_stages(m);
	if (memory)
		merge_mem(m, opt);
	return 0;
}

void multi_release(struct multi_report *m)
{
	struct report_mem *mem = &m->mem_store;
	size_t p;

	/* The merged report's threads and strings belong to the processes'. */
	free(m->merged.threads);
	free(m->merged.merged.funcs);
	free(m->merged.merged.edges);
	free(mem->all);
	free(mem->sites);
	free(mem->leaks);
	free(mem->peak);
	free(mem->temps);
	free(m->stage_store.rows);
	free(m->stage_store.upstream);
	free(m->syms);
	free(m->processes);
	free(m->filters_store.include);
	free(m->filters_store.exclude);
	for (p = 0; p < m->nprocs; p++)
		report_close(&m->procs[p]);
	free(m->procs);
	memset(m, 0, sizeof(*m));
}

size_t multi_unique(const char *const *paths, size_t n, const char **out)
{
	struct trace_identity *ids = xcalloc(n + 1, sizeof(*ids));
	bool *known = xcalloc(n + 1, sizeof(*known));
	size_t i, j, kept = 0;
	int same = 0;

	for (i = 0; i < n; i++) {
		known[i] = trace_identify(paths[i], &ids[i]) == 0;
		for (j = 0; known[i] && j < i; j++) {
			if (known[j] && (same = trace_identity_same(&ids[j], &ids[i])))
				break;
		}
		if (known[i] && j < i) {
			warning("'%s' is %s '%s': read once", paths[i],
				same == 1 ? "the same file as" : "a copy of the trace", paths[j]);
			known[i] = false; /* the first stands for both */
			continue;
		}
		out[kept++] = paths[i];
	}
	free(ids);
	free(known);
	return kept;
}

int multi_run(const struct report_options *opt, const struct report_kind *kind, FILE *out)
{
	struct report_options once = *opt;
	const char **paths;
	struct multi_report m;
	int ret;

	if (kind->render != report_render_text && kind->render != report_render_json) {
		error("several traces cannot be printed as '%s'", kind->name);
		return EXIT_USAGE;
	}
	if (opt->diff_old) {
		error("'--diff' compares the snapshots of one trace");
		return EXIT_USAGE;
	}
	/* The same trace twice (a symlink, a copy) would count everything twice. */
	paths = xcalloc(opt->ntraces + 1, sizeof(*paths));
	once.ntraces = multi_unique(opt->traces, opt->ntraces, paths);
	once.traces = paths;
	once.trace = paths[0];
	if (once.ntraces == 1) {
		ret = report_run(&once, out);
		free(paths);
		return ret;
	}
	ret = multi_open(&m, &once, true);
	if (!ret) {
		ret = kind->render(&m.merged, out) < 0 ? EXIT_BADTRACE : 0;
		multi_release(&m);
	}
	free(paths);
	return ret;
}
