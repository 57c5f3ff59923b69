// SPDX-License-Identifier: MIT
/*
 * export_flame.c - flame graphs drawn as SVG, with no other tool: svg (or
 * flamegraph) of time, svg-alloc of the bytes allocated.
 *
 * The same stacks as the folded exports (export_folded.c): svg sums the
 * self time of each call stack over its activations and threads (the
 * on-CPU part where the trace has it, or as --time says), svg-alloc
 * the bytes allocated with each allocation stack. Stacks are merged by the
 * names of their frames, as flamegraph.pl merges folded lines. Each frame
 * is a box as wide as its inclusive value (its own plus its callees'), the
 * root "all" at the bottom, callees above their caller in the order of
 * their names; a frame narrower than FLAME_MIN_PERMILLE of the whole is
 * left out with everything above it (its value still counts in its
 * caller's width). Each frame is a <g class="frame"> holding a <title>
 * (the tooltip: name, value, share), a <rect> and a <text>.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "callstats.h"
#include "export.h"
#include "report_mem.h"
#include "svg.h"

#define FLAME_WIDTH	   1200
#define FLAME_FRAME_H	   16
#define FLAME_TOP	   44
#define FLAME_BOTTOM	   8
#define FLAME_MIN_PERMILLE 1   /* of the width: narrower frames are left out */
#define FLAME_CHAR_W	   7.2 /* of the 12px monospace font, about */

struct flame_node {
	const char *name;
	uint64_t self, total; /* bytes, or ticks until the totals are in ns */
	uint32_t parent;
	uint32_t depth;
	uint32_t first, nchildren; /* into flame.order, once sorted */
	uint32_t kid, sib;	   /* while building: first child, next sibling (0: none) */
};

/* A tree of frames merged by name; node 0 is the root, "all". */
struct flame {
	struct flame_node *nodes;
	size_t n, alloc;
	uint32_t *order; /* node ids but the root's, by parent then name */
	bool mem;	 /* values are bytes, not nanoseconds */
};

static void flame_init(struct flame *f, bool mem)
{
	memset(f, 0, sizeof(*f));
	f->mem = mem;
	f->nodes = xgrow(NULL, &f->alloc, 1, sizeof(*f->nodes));
	f->nodes[0] = (struct flame_node){ .name = "all" };
	f->n = 1;
}

static void flame_release(struct flame *f)
{
	free(f->nodes);
	free(f->order);
}

/*
 * The child of `parent` named `name`, added if new: a search of its list of
 * children (a caller has few callees). Nodes are only ever added after their
 * parent, so a parent's id is smaller than its children's.
 */
static uint32_t flame_child(struct flame *f, uint32_t parent, const char *name)
{
	uint32_t id;

	for (id = f->nodes[parent].kid; id; id = f->nodes[id].sib) {
		if (!strcmp(f->nodes[id].name, name))
			return id;
	}
	if (f->n >= UINT32_MAX)
		die("out of memory");
	f->nodes = xgrow(f->nodes, &f->alloc, f->n + 1, sizeof(*f->nodes));
	f->nodes[f->n] = (struct flame_node){
		.name = name,
		.parent = parent,
		.depth = f->nodes[parent].depth + 1,
		.sib = f->nodes[parent].kid,
	};
	f->nodes[parent].kid = (uint32_t)f->n;
	return (uint32_t)f->n++;
}

static const struct flame *sort_tree;

static int by_parent_name(const void *a, const void *b)
{
	const struct flame_node *x = &sort_tree->nodes[*(const uint32_t *)a];
	const struct flame_node *y = &sort_tree->nodes[*(const uint32_t *)b];
	int c;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Inclusive values, and each node's children in order of their names. */
static void flame_finish(struct flame *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		f->nodes[i].total = f->nodes[i].self;
	for (i = f->n; i-- > 1;)
		f->nodes[f->nodes[i].parent].total += f->nodes[i].total;
	f->order = xcalloc(f->n, sizeof(*f->order));
	for (i = 1; i < f->n; i++)
		f->order[i - 1] = (uint32_t)i;
	sort_tree = f;
	qsort(f->order, f->n - 1, sizeof(*f->order), by_parent_name);
	sort_tree = NULL;
	for (i = f->n - 1; i-- > 0;) {
		struct flame_node *p = &f->nodes[f->nodes[f->order[i]].parent];

		p->first = (uint32_t)i;
		p->nchildren++;
	}
}

/* ---------------------------------------------------------------- drawing */

static void print_value(const struct flame *f, FILE *out, uint64_t v)
{
	if (f->mem) {
		fprintf(out, "%llu bytes", (unsigned long long)v);
	} else {
		export_print_us(out, v);
		fputs(" us", out);
	}
}

static void print_share(FILE *out, uint64_t v, uint64_t total)
{
	/* Hundredths of a percent, in integers: no locale, no drift. */
	unsigned long long c =
	    total ? (unsigned long long)((double)v * 10000.0 / (double)total + 0.5) : 0;

	fprintf(out, "%llu.%02llu%%", c / 100, c % 100);
}

static void draw_label(FILE *out, const char *name, double x, double y, double w)
{
	size_t fit = w > 6 ? (size_t)((w - 6) / FLAME_CHAR_W) : 0;
	size_t len = strlen(name);

	if (fit < 4)
		return; /* no room for two letters and ".." */
	fputs("<text x=\"", out);
	svg_px(out, x + 3);
	fputs("\" y=\"", out);
	svg_px(out, y + FLAME_FRAME_H - 4);
	fputs("\">", out);
	if (len <= fit) {
		svg_escape(out, name);
	} else {
		len = fit - 2;
		while (len && ((unsigned char)name[len] & 0xc0) == 0x80)
			len--; /* not in the middle of a UTF-8 sequence */
		svg_escape_n(out, name, len);
		fputs("..", out);
	}
	fputs("</text>", out);
}

static void draw_frame(const struct flame *f, FILE *out, uint32_t id, double x, double y, double w)
{
	const struct flame_node *n = &f->nodes[id];

	fputs("<g class=\"frame\"><title>", out);
	svg_escape(out, n->name);
	fputs(" (", out);
	print_value(f, out, n->total);
	fputs(", ", out);
	print_share(out, n->total, f->nodes[0].total);
	fputs(")</title><rect x=\"", out);
	svg_px(out, x);
	fputs("\" y=\"", out);
	svg_px(out, y);
	fputs("\" width=\"", out);
	svg_px(out, w);
	fprintf(out, "\" height=\"%u\" rx=\"2\" ry=\"2\" fill=\"", FLAME_FRAME_H - 1);
	svg_colour(out, n->name, f->mem ? SVG_PALETTE_MEM : SVG_PALETTE_HOT);
	fputs("\"/>", out);
	draw_label(out, n->name, x, y, w);
	fputs("</g>\n", out);
}

struct flame_todo {
	uint32_t id;
	double x;
};

/*
 * The flame graph of `f` (finished) as an SVG, headed by `title`. Drawn
 * depth first from an explicit stack: a deep recursion makes a deep tree.
 */
static void flame_draw(const struct flame *f, FILE *out, const char *title, const char *trace,
		       bool standalone)
{
	uint64_t total = f->nodes[0].total;
	double scale = total ? (double)FLAME_WIDTH / (double)total : 0;
	double min_w = (double)FLAME_WIDTH * FLAME_MIN_PERMILLE / 1000.0;
	struct flame_todo *todo;
	uint32_t max_depth = 0;
	size_t ntodo = 0, i;
	unsigned height;

	for (i = 0; i < f->n; i++) {
		if ((double)f->nodes[i].total * scale >= min_w && f->nodes[i].depth > max_depth)
			max_depth = f->nodes[i].depth;
	}
	height = FLAME_TOP + (max_depth + 1) * FLAME_FRAME_H + FLAME_BOTTOM;
	svg_open(out, FLAME_WIDTH, height, standalone);
	fputs("<title>", out);
	svg_escape(out, title);
	fputs("</title>\n<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f4\"/>\n",
	      out);
	fprintf(out,
		"<text x=\"%u\" y=\"20\" text-anchor=\"middle\" font-family=\"sans-serif\" "
		"font-size=\"16\">",
		FLAME_WIDTH / 2);
	svg_escape(out, title);
	fprintf(out,
		"</text>\n<text x=\"%u\" y=\"36\" text-anchor=\"middle\" "
		"font-family=\"sans-serif\" font-size=\"11\" fill=\"#555\">",
		FLAME_WIDTH / 2);
	svg_escape(out, trace);
	fputs(": ", out);
	print_value(f, out, total);
	fputs(" in all</text>\n<g font-family=\"monospace\" font-size=\"12\">\n", out);

	if (!total) {
		fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">%s</text>\n",
			FLAME_WIDTH / 2, FLAME_TOP + FLAME_FRAME_H - 4,
			f->mem ? "no allocations in the trace" : "no calls in the trace");
		goto out;
	}
	todo = xcalloc(f->n, sizeof(*todo));
	todo[ntodo++] = (struct flame_todo){ 0, 0 };
	while (ntodo) {
		struct flame_todo t = todo[--ntodo];
		const struct flame_node *n = &f->nodes[t.id];
		double x = t.x;

		draw_frame(f, out, t.id, t.x,
			   height - FLAME_BOTTOM - (n->depth + 1) * FLAME_FRAME_H,
			   (double)n->total * scale);
		for (i = 0; i < n->nchildren; i++) {
			uint32_t c = f->order[n->first + i];
			double w = (double)f->nodes[c].total * scale;

			if (w >= min_w)
				todo[ntodo++] = (struct flame_todo){ c, x };
			x += w;
		}
	}
	free(todo);
out:
	fputs("</g>\n", out);
	svg_close(out);
}

/* ------------------------------------------------------------------ time */

const char *export_flame_title(const struct report *rep)
{
	switch (report_time_of(rep)) {
	case REPORT_TIME_ONCPU:
		return "Flame graph: on-CPU time";
	case REPORT_TIME_OFFCPU:
		return "Flame graph: off-CPU time";
	default:
		return rep->offcpu.columns ? "Flame graph: time, off-CPU time as [off-CPU] frames"
					   : "Flame graph: time";
	}
}

int export_flame_time(const struct report *rep, FILE *out, bool standalone)
{
	enum report_time time = report_time_of(rep);
	struct export_sink sink = { .call = export_add_path };
	struct export_map paths;
	struct flame f;
	uint32_t *fid = NULL;
	size_t id;
	int ret;

	export_map_init(&paths);
	flame_init(&f, false);
	sink.arg = &paths;
	ret = export_pass(rep, &sink);
	if (ret)
		goto out;
	/* A path's parent has a smaller id: its flame node is known already. */
	fid = xcalloc(paths.n, sizeof(*fid));
	for (id = 1; id < paths.n; id++) {
		const struct export_node *p = &paths.nodes[id];

		uint64_t off = time == REPORT_TIME_WALL ? p->off_ticks : 0;

		fid[id] = flame_child(&f, fid[p->key], export_name(rep, p->addr));
		f.nodes[fid[id]].self += report_time_ticks(time, p->ticks, p->off_ticks) - off;
		/* The whole time: the waits as frames of their own. */
		if (off) {
			uint32_t w = flame_child(&f, fid[id], EXPORT_OFFCPU_FRAME);

			f.nodes[w].self += off; /* after the call: it may move f.nodes */
		}
	}
	flame_finish(&f);
	/* Each frame's ticks converted once, not its parts': callees never
	 * wider than their caller, the root the functions' self time. */
	for (id = 0; id < f.n; id++)
		f.nodes[id].total = trace_clock_span(rep->clk, f.nodes[id].total);
	flame_draw(&f, out, export_flame_title(rep), rep->trace, standalone);
out:
	free(fid);
	flame_release(&f);
	export_map_release(&paths);
	return ret;
}

/* ---------------------------------------------------------------- memory */

int export_flame_alloc(const struct report *rep, FILE *out, bool standalone)
{
	const struct report_mem *m = rep->mem;
	struct flame f;
	size_t i, j;

	flame_init(&f, true);
	for (i = 0; m && i < m->nsites; i++) {
		const struct report_site *s = m->sites[i];
		uint32_t id = 0;

		if (!s->bytes)
			continue;
		if (!s->nframes)
			id = flame_child(&f, 0, "[unknown]");
		for (j = s->nframes; j-- > 0;)
			id = flame_child(&f, id, s->frames[j].function);
		f.nodes[id].self += s->bytes;
	}
	flame_finish(&f);
	flame_draw(&f, out, "Flame graph: bytes allocated", rep->trace, standalone);
	flame_release(&f);
	return 0;
}

int export_render_svg(const struct report *rep, FILE *out)
{
	return export_flame_time(rep, out, true);
}

int export_render_svg_alloc(const struct report *rep, FILE *out)
{
	return export_flame_alloc(rep, out, true);
}
