// SPDX-License-Identifier: MIT
/*
 * export_massif.c - the heap over time in the format of valgrind's massif,
 * which ms_print and massif-visualizer read. Time is in milliseconds since
 * the start of the trace (time_unit: ms, three decimals).
 *
 * Snapshots: the empty heap at the start; the live heap at most once per
 * hundredth of the trace's duration (the first heap event of each such
 * step), and at every snapshot the program took; the peak, detailed, the
 * first time the live bytes reach their maximum, its tree the allocation
 * sites live at the peak as --group-by lays them out; the end.
 */
#include "config.h"

#include "export.h"
#include "memstats.h"
#include "report_mem.h"

#define MASSIF_STEPS 100

struct massif {
	const struct report *rep;
	FILE *out;
	unsigned n;	  /* snapshots written */
	uint64_t step_ns; /* the sampling step */
	uint64_t next_ns; /* no sample before this */
	bool peak_done;
};

static void snapshot_head(struct massif *ms, uint64_t ns, uint64_t bytes)
{
	fprintf(ms->out, "#-----------\nsnapshot=%u\n#-----------\ntime=%llu.%06llu\n", ms->n++,
		(unsigned long long)(ns / 1000000), (unsigned long long)(ns % 1000000));
	fprintf(ms->out, "mem_heap_B=%llu\nmem_heap_extra_B=0\nmem_stacks_B=0\n",
		(unsigned long long)bytes);
}

static void snapshot_empty(struct massif *ms, uint64_t ns, uint64_t bytes)
{
	snapshot_head(ms, ns, bytes);
	fputs("heap_tree=empty\n", ms->out);
}

/* The peak, with the sites live then as the children of the root. */
static void snapshot_peak(struct massif *ms, uint64_t ns)
{
	const struct report_mem *m = ms->rep->mem;
	size_t i, n = 0;

	for (i = 0; i < m->npeak; i++)
		n += m->peak[i]->peak_bytes != 0;
	snapshot_head(ms, ns, m->peak_bytes);
	fprintf(ms->out,
		"heap_tree=peak\nn%zu: %llu (heap allocation functions) malloc/new/new[], "
		"--alloc-fns, etc.\n",
		n, (unsigned long long)m->peak_bytes);
	for (i = 0; i < m->npeak; i++) {
		const struct report_site *s = m->peak[i];

		if (s->peak_bytes)
			fprintf(ms->out, " n0: %llu 0x0: %s\n", (unsigned long long)s->peak_bytes,
				s->label);
	}
}

static void on_heap(void *arg, const struct export_heap *h)
{
	struct massif *ms = arg;

	if (!ms->peak_done && h->live_bytes == ms->rep->mem->peak_bytes) {
		ms->peak_done = true;
		snapshot_peak(ms, h->ns);
	} else if (h->snap || h->ns >= ms->next_ns) {
		snapshot_empty(ms, h->ns, h->live_bytes);
	} else {
		return;
	}
	ms->next_ns = h->ns + ms->step_ns;
}

int export_render_massif(const struct report *rep, FILE *out)
{
	struct massif ms = { .rep = rep, .out = out };
	struct export_sink sink = { .arg = &ms, .heap = on_heap };
	int ret = 0;

	ms.step_ns = rep->wall_ns / MASSIF_STEPS ? rep->wall_ns / MASSIF_STEPS : 1;
	fprintf(out, "desc: mprof-report --format massif\ncmd: %s\ntime_unit: ms\n", rep->trace);
	snapshot_empty(&ms, 0, 0);
	if (rep->mem) {
		ret = export_pass(rep, &sink);
		if (!ret)
			snapshot_empty(&ms, rep->wall_ns, rep->mem->leaked_bytes);
	}
	return ret;
}
