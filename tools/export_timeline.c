// SPDX-License-Identifier: MIT
/*
 * export_timeline.c - svg-timeline: the live heap over time as an SVG
 * chart, an area under a line, with axes of time and bytes, and a marker
 * (a dashed vertical line, labeled) at each snapshot, the implicit "start"
 * and "end" too.
 *
 * The heap's events come from the exports' second pass in their global time
 * order. The duration of the trace is cut into TIMELINE_BUCKETS equal steps
 * and each step keeps its highest live bytes and when they were reached, so
 * the peak stays on the chart however many events there were; the line
 * starts at the empty heap and ends with the bytes leaked, drawn as steps
 * (the heap holds its size between events). The points are also listed,
 * "ns bytes" a line, in the <metadata> element.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "export.h"
#include "report_mem.h"
#include "svg.h"

#define TIMELINE_BUCKETS 2000
#define TL_WIDTH	 1200
#define TL_HEIGHT	 420
#define TL_LEFT		 90
#define TL_RIGHT	 30
#define TL_TOP		 60
#define TL_BOTTOM	 50

struct tl_bucket {
	bool used;
	uint64_t ns, bytes; /* the highest live bytes of the step, and when */
};

struct timeline {
	uint64_t span_ns; /* the duration the steps cut */
	struct tl_bucket *b;
};

static void on_heap(void *arg, const struct export_heap *h)
{
	struct timeline *tl = arg;
	double at = (double)h->ns * TIMELINE_BUCKETS / (double)tl->span_ns;
	/* In range before the conversion: a damaged trace can put any time here. */
	size_t i = at >= 0 && at < TIMELINE_BUCKETS ? (size_t)at : TIMELINE_BUCKETS - 1;
	struct tl_bucket *b = &tl->b[i < TIMELINE_BUCKETS ? i : TIMELINE_BUCKETS - 1];

	if (!b->used || h->live_bytes > b->bytes)
		*b = (struct tl_bucket){ true, h->ns, h->live_bytes };
}

/* 1, 2 or 5 times a power of ten, near `x` (> 0). */
static double nice_step(double x)
{
	double e = pow(10.0, floor(log10(x)));
	double f = x / e;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

struct tl_plot {
	double x0, y0, w, h; /* the plot area; y0 its top */
	double t_max, b_max; /* ns and bytes at the right and top edges */
};

static double px_x(const struct tl_plot *p, uint64_t ns)
{
	return p->x0 + (double)ns / p->t_max * p->w;
}

static double px_y(const struct tl_plot *p, uint64_t bytes)
{
	return p->y0 + p->h - (double)bytes / p->b_max * p->h;
}

static void point(FILE *out, double x, double y)
{
	svg_px(out, x);
	fputc(',', out);
	svg_px(out, y);
	fputc(' ', out);
}

static void axes(FILE *out, const struct tl_plot *p, uint64_t peak)
{
	static const char *const bunits[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	static const char *const tunits[] = { "ns", "us", "ms", "s" };
	double bu = 1, tu = 1, step, v;
	unsigned bi = 0, ti = 0;

	while (bi < 4 && (double)peak >= bu * 1024) {
		bu *= 1024;
		bi++;
	}
	while (ti < 3 && p->t_max >= tu * 1000) {
		tu *= 1000;
		ti++;
	}
	fputs("<g class=\"axes\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\" "
	      "stroke-width=\"1\">\n",
	      out);
	step = nice_step(p->b_max / bu / 5) * bu;
	for (v = 0; v <= p->b_max * 1.0001; v += step) {
		double y = px_y(p, (uint64_t)v);

		fputs("<line stroke=\"#ddd\" x1=\"", out);
		svg_px(out, p->x0);
		fputs("\" x2=\"", out);
		svg_px(out, p->x0 + p->w);
		fputs("\" y1=\"", out);
		svg_px(out, y);
		fputs("\" y2=\"", out);
		svg_px(out, y);
		fputs("\"/><text text-anchor=\"end\" x=\"", out);
		svg_px(out, p->x0 - 6);
		fputs("\" y=\"", out);
		svg_px(out, y + 4);
		fprintf(out, "\">%g %s</text>\n", v / bu, bunits[bi]);
	}
	step = nice_step(p->t_max / tu / 8) * tu;
	for (v = 0; v <= p->t_max * 1.0001; v += step) {
		double x = px_x(p, (uint64_t)v);

		fputs("<line stroke=\"#333\" x1=\"", out);
		svg_px(out, x);
		fputs("\" x2=\"", out);
		svg_px(out, x);
		fputs("\" y1=\"", out);
		svg_px(out, p->y0 + p->h);
		fputs("\" y2=\"", out);
		svg_px(out, p->y0 + p->h + 4);
		fputs("\"/><text text-anchor=\"middle\" x=\"", out);
		svg_px(out, x);
		fputs("\" y=\"", out);
		svg_px(out, p->y0 + p->h + 16);
		fprintf(out, "\">%g %s</text>\n", v / tu, tunits[ti]);
	}
	fputs("<path fill=\"none\" stroke=\"#333\" d=\"M", out);
	point(out, p->x0, p->y0);
	fputs("L", out);
	point(out, p->x0, p->y0 + p->h);
	fputs("L", out);
	point(out, p->x0 + p->w, p->y0 + p->h);
	fputs("\"/>\n", out);
	fprintf(out,
		"<text text-anchor=\"middle\" x=\"%g\" y=\"%d\">time since the start (%s)</text>\n",
		p->x0 + p->w / 2, TL_HEIGHT - 8, tunits[ti]);
	fprintf(out,
		"<text text-anchor=\"middle\" transform=\"translate(16,%g) rotate(-90)\">"
		"live heap (%s)</text>\n</g>\n",
		p->y0 + p->h / 2, bunits[bi]);
}

static void markers(FILE *out, const struct tl_plot *p, const struct report_mem *m)
{
	size_t i;

	fputs("<g class=\"snapshots\" font-family=\"sans-serif\" font-size=\"10\">\n", out);
	for (i = 0; i < m->nsnaps; i++) {
		const struct report_snapshot *s = &m->snaps[i];
		double x = px_x(p, s->ns);

		fputs("<g class=\"snapshot\"><title>snapshot ", out);
		svg_escape(out, s->label);
		fprintf(out, "%s: %llu bytes in %llu blocks live at ",
			s->implicit ? " (implicit)" : "", (unsigned long long)s->live_bytes,
			(unsigned long long)s->live_blocks);
		export_print_us(out, s->ns);
		fputs(" us</title><line stroke=\"#36c\" stroke-dasharray=\"4,3\" x1=\"", out);
		svg_px(out, x);
		fputs("\" x2=\"", out);
		svg_px(out, x);
		fputs("\" y1=\"", out);
		svg_px(out, p->y0);
		fputs("\" y2=\"", out);
		svg_px(out, p->y0 + p->h);
		fputs("\"/><text fill=\"#36c\" transform=\"translate(", out);
		svg_px(out, x + 3);
		fputc(',', out);
		svg_px(out, p->y0 + 2);
		fputs(") rotate(90)\">", out);
		svg_escape(out, s->label);
		fputs("</text></g>\n", out);
	}
	fputs("</g>\n", out);
}

int export_timeline(const struct report *rep, FILE *out, bool standalone)
{
	const struct report_mem *m = rep->mem;
	struct timeline tl = { 0 };
	struct export_sink sink = { .arg = &tl, .heap = on_heap };
	struct tl_plot p = {
		.x0 = TL_LEFT,
		.y0 = TL_TOP,
		.w = TL_WIDTH - TL_LEFT - TL_RIGHT,
		.h = TL_HEIGHT - TL_TOP - TL_BOTTOM,
	};
	uint64_t end_ns;
	size_t i;
	int pass, ret = 0;

	svg_open(out, TL_WIDTH, TL_HEIGHT, standalone);
	fputs("<title>Live heap over time</title>\n"
	      "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#fcfcfa\"/>\n",
	      out);
	fprintf(out,
		"<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-family=\"sans-serif\" "
		"font-size=\"16\">Live heap over time</text>\n",
		TL_WIDTH / 2);
	fprintf(out,
		"<text x=\"%d\" y=\"40\" text-anchor=\"middle\" font-family=\"sans-serif\" "
		"font-size=\"11\" fill=\"#555\">",
		TL_WIDTH / 2);
	svg_escape(out, rep->trace);
	if (m)
		fprintf(out, ": peak %llu bytes", (unsigned long long)m->peak_bytes);
	fputs("</text>\n", out);
	if (!m) {
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-family=\"sans-serif\" "
			"font-size=\"12\">no memory events in the trace</text>\n",
			TL_WIDTH / 2, TL_HEIGHT / 2);
		goto out;
	}

	tl.span_ns = rep->wall_ns ? rep->wall_ns : 1;
	tl.b = xcalloc(TIMELINE_BUCKETS, sizeof(*tl.b));
	ret = export_pass(rep, &sink);
	if (ret)
		goto out;
	end_ns = rep->wall_ns;
	for (i = 0; i < TIMELINE_BUCKETS; i++) {
		if (tl.b[i].used && tl.b[i].ns > end_ns)
			end_ns = tl.b[i].ns;
	}
	for (i = 0; i < m->nsnaps; i++) {
		if (m->snaps[i].ns > end_ns)
			end_ns = m->snaps[i].ns;
	}
	p.t_max = end_ns ? (double)end_ns : 1;
	p.b_max = m->peak_bytes ? (double)m->peak_bytes : 1;
	p.b_max = ceil(p.b_max / nice_step(p.b_max / 5)) * nice_step(p.b_max / 5);
	axes(out, &p, m->peak_bytes);

	fputs("<metadata>\n", out);
	fputs("0 0\n", out);
	for (i = 0; i < TIMELINE_BUCKETS; i++) {
		if (tl.b[i].used)
			fprintf(out, "%llu %llu\n", (unsigned long long)tl.b[i].ns,
				(unsigned long long)tl.b[i].bytes);
	}
	fprintf(out, "%llu %llu\n</metadata>\n", (unsigned long long)end_ns,
		(unsigned long long)m->leaked_bytes);

	/* The area, then its upper edge: steps, the heap holds between events. */
	for (pass = 0; pass < 2; pass++) {
		uint64_t prev = 0;

		fputs(pass ? "<polyline class=\"heap\" fill=\"none\" stroke=\"#c33\" "
			     "stroke-width=\"1.5\" points=\""
			   : "<polygon class=\"area\" fill=\"#f4b0a0\" fill-opacity=\"0.6\" "
			     "stroke=\"none\" points=\"",
		      out);
		point(out, px_x(&p, 0), px_y(&p, 0));
		for (i = 0; i < TIMELINE_BUCKETS; i++) {
			if (!tl.b[i].used)
				continue;
			point(out, px_x(&p, tl.b[i].ns), px_y(&p, prev));
			point(out, px_x(&p, tl.b[i].ns), px_y(&p, tl.b[i].bytes));
			prev = tl.b[i].bytes;
		}
		point(out, px_x(&p, end_ns), px_y(&p, prev));
		point(out, px_x(&p, end_ns), px_y(&p, m->leaked_bytes));
		if (!pass)
			point(out, px_x(&p, end_ns), px_y(&p, 0));
		fputs("\"/>\n", out);
	}
	markers(out, &p, m);
out:
	svg_close(out);
	free(tl.b);
	return ret;
}

int export_render_svg_timeline(const struct report *rep, FILE *out)
{
	return export_timeline(rep, out, true);
}
