// SPDX-License-Identifier: MIT
/*
 * export_chrome.c - the Chrome trace-event format (JSON), which the
 * Perfetto UI (ui.perfetto.dev) and chrome://tracing open: one track per
 * thread, named, with a complete event ("X") per call; the live heap as a
 * counter track ("C": bytes and blocks after every allocation and free);
 * each snapshot as a global instant event ("i"). Times are microseconds
 * since the start of the trace, with three decimals.
 *
 * Events are written as the second pass meets them (a call when it
 * returns, so a callee comes before its caller): the viewers sort them.
 *
 * A thread that runs coroutines (execution contexts, see callstats.h) gets
 * a track per context besides its own, named "thread 1 context 3", so
 * that the calls of each stack nest on their own track: the viewers
 * draw one track's events as one stack. Their ids lie above every kernel
 * thread id (from 2^31), in the order first met.
 */
#include "config.h"

#include <string.h>

#include "callstats.h"
#include "export.h"
#include "memstats.h"

struct chrome {
	const struct report *rep;
	FILE *out;
	uint32_t pid;
	struct export_map tracks; /* (serial, context) -> a context's track */
};

#define CONTEXT_TRACKS (1u << 31) /* the first context track's id */

/* The kernel's id of thread `serial`, or the serial if the report lacks it. */
static uint32_t tid_of(const struct report *rep, uint32_t serial)
{
	size_t i;

	for (i = 0; i < rep->nthreads; i++) {
		if (rep->threads[i].serial == serial && rep->threads[i].tid)
			return rep->threads[i].tid;
	}
	return serial;
}

static void event_start(struct chrome *ch, const char *ph, uint32_t tid, uint64_t ns)
{
	fprintf(ch->out, ",\n{\"ph\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":", ph, ch->pid, tid);
	export_print_us(ch->out, ns);
}

/* The track of context `context` of thread `serial`, named when first met. */
static uint32_t context_track(struct chrome *ch, uint32_t serial, uint32_t context)
{
	uint32_t id = export_map_find(&ch->tracks, serial, context);
	uint32_t track;
	char name[64];

	if (id)
		return CONTEXT_TRACKS + id;
	id = export_map_get(&ch->tracks, serial, context);
	track = CONTEXT_TRACKS + id;
	snprintf(name, sizeof(name), "thread %u context %u", serial, context);
	fprintf(ch->out, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_name\",",
		ch->pid, track);
	fputs("\"args\":{\"name\":", ch->out);
	report_json_string(ch->out, name);
	fprintf(ch->out,
		"}},\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
		"\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}",
		ch->pid, track, track);
	return track;
}

static void on_call(void *arg, const struct export_call *c)
{
	struct chrome *ch = arg;
	const struct cs_frame *fr = &c->frames[c->depth];
	uint32_t tid =
	    c->context ? context_track(ch, c->serial, c->context) : tid_of(ch->rep, c->serial);

	event_start(ch, "X", tid, c->start_ns);
	fputs(",\"dur\":", ch->out);
	export_print_us(ch->out, c->end_ns - c->start_ns);
	fputs(",\"cat\":\"call\",\"name\":", ch->out);
	report_json_string(ch->out, export_name(ch->rep, fr->fn->addr));
	fputs(",\"args\":{\"self_us\":", ch->out);
	export_print_us(ch->out, trace_clock_span(ch->rep->clk, c->self_ticks));
	fputs("}}", ch->out);
}

static void on_heap(void *arg, const struct export_heap *h)
{
	struct chrome *ch = arg;

	if (h->snap) {
		event_start(ch, "i", tid_of(ch->rep, h->snap->thread ? h->snap->thread : 1), h->ns);
		fputs(",\"s\":\"g\",\"cat\":\"snapshot\",\"name\":", ch->out);
		report_json_string(ch->out, h->snap->label);
		fprintf(ch->out, ",\"args\":{\"live_bytes\":%llu,\"live_blocks\":%llu}}",
			(unsigned long long)h->live_bytes, (unsigned long long)h->live_blocks);
	}
	event_start(ch, "C", ch->pid, h->ns);
	fprintf(ch->out, ",\"name\":\"heap\",\"args\":{\"live_bytes\":%llu,\"live_blocks\":%llu}}",
		(unsigned long long)h->live_bytes, (unsigned long long)h->live_blocks);
}

static void metadata(struct chrome *ch)
{
	const struct trace_file_header *hdr = ch->rep->hdr;
	char exe[sizeof(hdr->exe) + 1];
	size_t i;

	memcpy(exe, hdr->exe, sizeof(hdr->exe));
	exe[sizeof(hdr->exe)] = '\0';

	fprintf(ch->out, "{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"process_name\",", ch->pid,
		ch->pid);
	fputs("\"args\":{\"name\":", ch->out);
	report_json_string(ch->out, *exe ? util_basename(exe) : "process");
	fputs("}}", ch->out);
	for (i = 0; i < ch->rep->nthreads; i++) {
		const struct report_table *t = &ch->rep->threads[i];
		uint32_t tid = tid_of(ch->rep, t->serial);
		char name[64];

		snprintf(name, sizeof(name), "thread %u", t->serial);
		fprintf(ch->out, ",\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"name\":\"thread_name\",",
			ch->pid, tid);
		fputs("\"args\":{\"name\":", ch->out);
		report_json_string(ch->out, tid == ch->pid ? "main" : name);
		fprintf(ch->out,
			"}},\n{\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
			"\"name\":\"thread_sort_index\",\"args\":{\"sort_index\":%u}}",
			ch->pid, tid, t->serial);
	}
}

int export_render_chrome(const struct report *rep, FILE *out)
{
	struct chrome ch = { .rep = rep, .out = out, .pid = rep->hdr->pid };
	struct export_sink sink = { .arg = &ch, .call = on_call, .heap = on_heap };
	int ret;

	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"trace\":", out);
	report_json_string(out, rep->trace);
	fputs("},\n\"traceEvents\":[\n", out);
	metadata(&ch);
	export_map_init(&ch.tracks);
	ret = export_pass(rep, &sink);
	export_map_release(&ch.tracks);
	fputs("\n]}\n", out);
	return ret;
}
