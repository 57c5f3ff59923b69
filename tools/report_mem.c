// SPDX-License-Identifier: MIT
/*
 * report_mem.c - from the live heap (memstats) to the memory part of the
 * report: name the stacks, group them into sites, sort the lists, convert
 * ticks, compare two snapshots as tracemalloc does (see report_mem.h).
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memstats.h"
#include "report_mem.h"
#include "sym.h"

#define LABELS_LISTED 20 /* snapshot labels an error message lists at most */

/* A site being built: its key, and its index in mem->all. */
struct site_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

/* What the build needs at hand. */
struct mem_build {
	struct report_mem *mem;
	const struct report *rep;
	const struct ms_heap *heap;
	struct sym_table *syms;
	struct site_key *keys; /* uthash by key */
	size_t *site_of;       /* stack index -> site index; SIZE_MAX: none */
	size_t nframes;	       /* frames used in mem->frames */
	char *buf;	       /* the key being made */
	size_t len, alloc;
};

/* ------------------------------------------------------------- formatting */

const char *report_format_size(char *buf, size_t len, double size, bool sign)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (fabs(size) < 100 && i) {
			snprintf(buf, len, sign ? "%+.1f %s" : "%.1f %s", size, units[i]);
			return buf;
		}
		if (fabs(size) < 10 * 1024 || i == ARRAY_SIZE(units) - 1) {
			snprintf(buf, len, sign ? "%+.0f %s" : "%.0f %s", size, units[i]);
			return buf;
		}
		size /= 1024;
	}
	return buf;
}

static void print_average(FILE *out, uint64_t size, uint64_t count)
{
	char buf[64];

	if (count)
		fprintf(out, ", average=%s",
			report_format_size(buf, sizeof(buf), (double)size / (double)count, false));
}

void report_mem_stat(FILE *out, const char *label, uint64_t size, uint64_t count)
{
	char buf[64];

	fprintf(out, "%s: size=%s, count=%" PRIu64, label,
		report_format_size(buf, sizeof(buf), (double)size, false), count);
	print_average(out, size, count);
}

void report_mem_stat_diff(FILE *out, const struct report_diff *d)
{
	char size[64], diff[64];

	fprintf(out, "%s: size=%s (%s), count=%" PRIu64 " (%+" PRId64 ")", d->site->label,
		report_format_size(size, sizeof(size), (double)d->size, false),
		report_format_size(diff, sizeof(diff), (double)d->size_diff, true), d->count,
		d->count_diff);
	print_average(out, d->size, d->count);
}

size_t report_mem_rows(const struct report *rep, size_t n)
{
	long limit = rep->opt->limit >= 0 ? rep->opt->limit : REPORT_MEM_LIMIT;

	return (size_t)limit < n ? (size_t)limit : n;
}

/* ------------------------------------------------------------------ names */

static char *keep(struct report_mem *mem, char *s)
{
	mem->strings =
	    xgrow(mem->strings, &mem->strings_alloc, mem->nstrings + 1, sizeof(*mem->strings));
	mem->strings[mem->nstrings++] = s;
	return s;
}

UTIL_PRINTF(1, 2) static char *format(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * Name frame `addr` of a stack first used at `when`: a return address (the
 * call is the byte before it) or a function's entry address. *def gets the
 * file and line of the function's definition.
 */
static void name_frame(struct sym_table *syms, uint64_t addr, bool entry, uint64_t when,
		       struct report_frame *f, struct report_frame *def)
{
	struct sym_info info;

	sym_lookup(syms, entry ? addr : addr - 1, when, &info);
	f->function = info.function ? info.function : sym_name(syms, addr, when);
	f->entry = entry;
	f->file = entry ? info.file : info.src_file;
	f->line = f->file ? (entry ? info.line : info.src_line) : 0;
	if (def) {
		*def = *f;
		def->file = info.file;
		def->line = info.file ? info.line : 0;
	}
}

/* Append to the key being made. */
UTIL_PRINTF(2, 3) static void key_add(struct mem_build *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	b->buf = xgrow(b->buf, &b->alloc, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/*
 * True if frame i of stack s, named `f`, is to be left out: in a shadow
 * stack, frame 2 is usually the entry of the very function that contains
 * the allocation call (frame 1, whose definition is `def`), which would
 * name it twice.
 */
static bool frame_repeats(const struct ms_stack *s, uint32_t i, const struct report_frame *f,
			  const struct report_frame *def)
{
	return i == 1 && s->shadow && same_str(f->function, def->function) &&
	       same_str(f->file, def->file);
}

/* The label of a line site: "file.c:88", or the function's name. */
static char *line_label(const struct report_frame *f)
{
	if (f->file)
		return format("%s:%d", util_basename(f->file), f->line);
	return xstrdup(f->function);
}

/* The site of stack `s` under the grouping; its key in b->buf. */
static void site_of_stack(struct mem_build *b, const struct ms_stack *s, struct report_site *site)
{
	enum report_group group = b->rep->opt->group_by;
	struct report_frame f, def;
	uint32_t i;

	b->len = 0;
	memset(site, 0, sizeof(*site));
	if (!s->nframes) {
		key_add(b, "%s", "\x1d");
		site->label = xstrdup("<unknown>:0");
		return;
	}
	name_frame(b->syms, s->frames[0], false, s->first_ticks, &f, &def);
	if (group == REPORT_GROUP_FUNCTION) {
		site->function = def.function;
		site->file = def.file;
		site->line = def.line;
		site->label = format("%s:%d(%s)", def.file ? util_basename(def.file) : "~",
				     def.line, def.function);
		key_add(b, "%s\x1f%s", def.function, def.file ? def.file : "");
		return;
	}
	site->function = f.function;
	site->file = f.file;
	site->line = f.line;
	site->label = line_label(&f);
	if (group == REPORT_GROUP_LINE) {
		if (f.file)
			key_add(b, "%s\x1f%d", f.file, f.line);
		else
			key_add(b, "\x1f%s", f.function);
		return;
	}
	for (i = 0; i < s->nframes; i++) {
		if (i)
			name_frame(b->syms, s->frames[i], s->shadow, s->first_ticks, &f, NULL);
		if (frame_repeats(s, i, &f, &def))
			continue;
		key_add(b, "%s\x1f%d\x1f%s\x1f%d\x1e", f.file ? f.file : "", f.line, f.function,
			f.entry);
	}
}

/* Name the frames of stack s into the site's own storage. */
static void site_frames(struct mem_build *b, const struct ms_stack *s, struct report_site *site)
{
	struct report_frame *frames = b->mem->frames + b->nframes, def;
	uint32_t i, n = 0;

	for (i = 0; i < s->nframes; i++) {
		name_frame(b->syms, s->frames[i], i && s->shadow, s->first_ticks, &frames[n],
			   i ? NULL : &def);
		if (!frame_repeats(s, i, &frames[n], &def))
			n++;
	}
	site->frames = frames;
	site->nframes = n;
	b->nframes += n;
}

static void site_add(struct report_site *site, const struct ms_heap *h, const struct ms_stack *s)
{
	site->allocs += s->allocs;
	site->bytes += s->bytes;
	site->leaked_blocks += s->live_blocks;
	site->leaked_bytes += s->live_bytes;
	site->temp_allocs += s->temp_allocs;
	site->temp_bytes += s->temp_bytes;
	site->peak_blocks += ms_stack_peak_blocks(h, s);
	site->peak_bytes += ms_stack_peak_bytes(h, s);
}

/* Group the stacks into sites. */
static void build_sites(struct mem_build *b)
{
	const struct ms_heap *h = b->heap;
	struct report_mem *mem = b->mem;
	size_t i, frames = 0;

	for (i = 0; i < h->nstacks; i++)
		frames += h->stacks[i]->nframes;
	mem->all = xcalloc(h->nstacks + 1, sizeof(*mem->all));
	if (b->rep->opt->group_by == REPORT_GROUP_STACK)
		mem->frames = xcalloc(frames + 1, sizeof(*mem->frames));
	b->site_of = xmalloc((h->nstacks + 1) * sizeof(*b->site_of));
	for (i = 0; i < h->nstacks; i++) {
		const struct ms_stack *s = h->stacks[i];
		struct report_site site;
		struct site_key *k;

		b->site_of[i] = SIZE_MAX;
		if (!s->allocs)
			continue;
		site_of_stack(b, s, &site);
		HASH_FIND(hh, b->keys, b->buf, b->len, k);
		if (!k) {
			k = xcalloc(1, sizeof(*k));
			k->key = xstrndup(b->buf, b->len);
			k->index = mem->nsites++;
			HASH_ADD_KEYPTR(hh, b->keys, k->key, b->len, k);
			if (hash_oom_take())
				die("out of memory");
			mem->all[k->index] = site;
			keep(mem, site.label);
			if (mem->frames)
				site_frames(b, s, &mem->all[k->index]);
		} else {
			free(site.label);
		}
		site_add(&mem->all[k->index], h, s);
		b->site_of[i] = k->index;
	}
}

/* ---------------------------------------------------------------- sorting */

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Sites that tie on every number: by file, line, label (ascending). */
static int cmp_site(const struct report_site *x, const struct report_site *y)
{
	int c = cmp_str(x->file, y->file);

	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	if (!c)
		c = strcmp(x->label, y->label);
	if (!c)
		c = cmp_str(x->function, y->function);
	return c;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* Descending on (a1, a2, site): tracemalloc's sort with reverse=True. */
static int desc(uint64_t a1, uint64_t b1, uint64_t a2, uint64_t b2, const struct report_site *x,
		const struct report_site *y)
{
	int c = cmp_u64(b1, a1);

	if (!c)
		c = cmp_u64(b2, a2);
	if (!c)
		c = cmp_site(y, x);
	return c;
}

#define SITE_CMP(name, f1, f2)                                                       \
	static int name(const void *a, const void *b)                                \
	{                                                                            \
		const struct report_site *x = *(const struct report_site *const *)a; \
		const struct report_site *y = *(const struct report_site *const *)b; \
		return desc(x->f1, y->f1, x->f2, y->f2, x, y);                       \
	}

SITE_CMP(by_bytes, bytes, allocs)
SITE_CMP(by_count, allocs, bytes)
SITE_CMP(by_leaked, leaked_bytes, leaked_blocks)
SITE_CMP(by_peak, peak_bytes, peak_blocks)
SITE_CMP(by_temps, temp_allocs, temp_bytes)

/* The sites for which keep() is true, sorted with cmp. */
static const struct report_site **site_list(struct report_mem *mem,
					    bool (*keep_it)(const struct report_site *),
					    int (*cmp)(const void *, const void *), size_t *n)
{
	const struct report_site **list = xcalloc(mem->nsites + 1, sizeof(*list));
	size_t i, len = 0;

	for (i = 0; i < mem->nsites; i++) {
		if (!keep_it || keep_it(&mem->all[i]))
			list[len++] = &mem->all[i];
	}
	qsort(list, len, sizeof(*list), cmp);
	*n = len;
	return list;
}

static bool leaked(const struct report_site *s)
{
	return s->leaked_blocks != 0;
}

static bool at_peak(const struct report_site *s)
{
	return s->peak_blocks != 0;
}

static bool temporary(const struct report_site *s)
{
	return s->temp_allocs != 0;
}

/* ------------------------------------------------------------- snapshots */

static uint64_t since_start(const struct report *rep, const struct trace_clock *clk, uint64_t ticks)
{
	uint64_t ns = trace_clock_ns(clk, ticks);

	return ns > rep->hdr->start.ns ? ns - rep->hdr->start.ns : 0;
}

/* Print that `label` names no snapshot, with those there are. */
static int no_snapshot(const struct report *rep, const struct ms_heap *h, const char *label)
{
	size_t i, j, listed = 0, len = 0, alloc = 0;
	char *list = NULL;

	for (i = 0; i < h->nsnaps; i++) {
		const char *l = h->snaps[i]->label;

		for (j = 0; j < i && strcmp(h->snaps[j]->label, l); j++)
			;
		if (j < i)
			continue;
		if (listed++ == LABELS_LISTED) {
			list = xgrow(list, &alloc, len + 8, 1);
			len += (size_t)sprintf(list + len, ", ...");
			break;
		}
		list = xgrow(list, &alloc, len + strlen(l) + 8, 1);
		len += (size_t)sprintf(list + len, "%s'%s'", listed > 1 ? ", " : "", l);
	}
	if (listed)
		error("no snapshot '%s' in '%s' (its snapshots: %s)", label, rep->trace, list);
	else
		error("no snapshot '%s' in '%s' (it has no memory events)", label, rep->trace);
	free(list);
	return EXIT_USAGE;
}

/* The first snapshot labeled `label`, or NULL after the error is printed. */
static const struct ms_snapshot *find_snapshot(const struct report *rep, const struct ms_heap *h,
					       const char *label)
{
	size_t count;
	const struct ms_snapshot *s = ms_heap_snapshot(h, label, &count);

	if (!s)
		no_snapshot(rep, h, label);
	else if (count > 1)
		warning("'%s': %zu snapshots are labeled '%s'; comparing the first", rep->trace,
			count, label);
	return s;
}

static void build_snapshots(struct mem_build *b, const struct trace_clock *clk)
{
	const struct ms_heap *h = b->heap;
	struct report_mem *mem = b->mem;
	size_t i;

	mem->snaps = xcalloc(h->nsnaps + 1, sizeof(*mem->snaps));
	mem->nsnaps = h->nsnaps;
	for (i = 0; i < h->nsnaps; i++) {
		const struct ms_snapshot *s = h->snaps[i];

		mem->snaps[i] =
		    (struct report_snapshot){ s->label, since_start(b->rep, clk, s->ticks),
					      s->live_blocks, s->live_bytes, s->implicit };
	}
}

/* ------------------------------------------------------------------- diff */

static uint64_t abs64(int64_t x)
{
	return x < 0 ? -(uint64_t)x : (uint64_t)x;
}

/* tracemalloc's StatisticDiff._sort_key, reversed. */
static int by_diff(const void *a, const void *b)
{
	const struct report_diff *x = a, *y = b;
	int c = cmp_u64(abs64(y->size_diff), abs64(x->size_diff));

	if (!c)
		c = cmp_u64(y->size, x->size);
	if (!c)
		c = cmp_u64(abs64(y->count_diff), abs64(x->count_diff));
	if (!c)
		c = cmp_u64(y->count, x->count);
	if (!c)
		c = cmp_site(y->site, x->site);
	return c;
}

/* Add the heap of snapshot s to the sites: sign -1 (old) or +1 (new). */
static void diff_add(struct mem_build *b, const struct ms_snapshot *s, struct report_diff *rows,
		     int sign)
{
	size_t i;

	for (i = 0; i < s->nentries; i++) {
		const struct ms_snap_entry *e = &s->entries[i];
		struct report_diff *d = &rows[b->site_of[e->stack]];

		if (sign > 0) {
			d->size += e->bytes;
			d->count += e->blocks;
		}
		d->size_diff += sign * (int64_t)e->bytes;
		d->count_diff += sign * (int64_t)e->blocks;
	}
}

static int build_diff(struct mem_build *b)
{
	const struct report_options *opt = b->rep->opt;
	struct report_mem *mem = b->mem;
	const struct ms_snapshot *old, *new;
	struct report_diff *rows;
	bool *seen;
	size_t i, n = 0;

	old = find_snapshot(b->rep, b->heap, opt->diff_old);
	if (!old)
		return EXIT_USAGE;
	new = find_snapshot(b->rep, b->heap, opt->diff_new);
	if (!new)
		return EXIT_USAGE;
	mem->diff_old = old->label;
	mem->diff_new = new->label;
	rows = xcalloc(mem->nsites + 1, sizeof(*rows));
	seen = xcalloc(mem->nsites + 1, sizeof(*seen));
	diff_add(b, old, rows, -1);
	diff_add(b, new, rows, 1);
	/* A site is in the comparison if it had live blocks in either. */
	for (i = 0; i < old->nentries; i++)
		seen[b->site_of[old->entries[i].stack]] = true;
	for (i = 0; i < new->nentries; i++)
		seen[b->site_of[new->entries[i].stack]] = true;
	for (i = 0; i < mem->nsites; i++) {
		if (!seen[i])
			continue;
		rows[i].site = &mem->all[i];
		rows[n++] = rows[i];
	}
	free(seen);
	qsort(rows, n, sizeof(*rows), by_diff);
	mem->diff = rows;
	mem->ndiff = n;
	return 0;
}

/* ------------------------------------------------------------------ build */

int report_mem_build(struct report *rep, const struct ms_heap *h, struct sym_table *syms,
		     const struct trace_clock *clk)
{
	const struct report_options *opt = rep->opt;
	struct mem_build b = { .rep = rep, .heap = h, .syms = syms };
	struct report_mem *mem;
	struct site_key *k, *tmp;
	int ret = 0;

	rep->mem = NULL;
	if (!h->events)
		return opt->diff_old ? no_snapshot(rep, h, opt->diff_old) : 0;
	mem = b.mem = rep->mem = xcalloc(1, sizeof(*mem));
	mem->allocs = h->allocs;
	mem->frees = h->frees;
	mem->bytes = h->bytes;
	mem->peak_blocks = h->peak_blocks;
	mem->peak_bytes = h->peak_bytes;
	mem->peak_ns = h->peak_bytes ? since_start(rep, clk, h->peak_ticks) : 0;
	mem->leaked_blocks = h->live_blocks;
	mem->leaked_bytes = h->live_bytes;
	mem->temp_allocs = h->temp_allocs;
	mem->temp_bytes = h->temp_bytes;
	mem->unknown_frees = h->unknown_frees;
	mem->replaced = h->replaced;
	mem->late = h->late;
	build_sites(&b);
	mem->sites = site_list(
	    mem, NULL, opt->mem_sort == REPORT_MEM_SORT_COUNT ? by_count : by_bytes, &mem->nsites);
	mem->leaks = site_list(mem, leaked, by_leaked, &mem->nleaks);
	mem->peak = site_list(mem, at_peak, by_peak, &mem->npeak);
	mem->temps = site_list(mem, temporary, by_temps, &mem->ntemps);
	build_snapshots(&b, clk);
	if (opt->diff_old)
		ret = build_diff(&b);
	HASH_ITER(hh, b.keys, k, tmp)
	{
		HASH_DEL(b.keys, k);
		free(k->key);
		free(k);
	}
	free(b.site_of);
	free(b.buf);
	return ret;
}

void report_mem_release(struct report *rep)
{
	struct report_mem *mem = rep->mem;
	size_t i;

	if (!mem)
		return;
	for (i = 0; i < mem->nstrings; i++)
		free(mem->strings[i]);
	free(mem->strings);
	free(mem->all);
	free(mem->frames);
	free(mem->sites);
	free(mem->leaks);
	free(mem->peak);
	free(mem->temps);
	free(mem->snaps);
	free(mem->diff);
	free(mem);
	rep->mem = NULL;
}
