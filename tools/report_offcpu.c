// SPDX-License-Identifier: MIT
/*
 * report_offcpu.c - whether a report can tell waiting from work: the
 * trace's off-CPU state (header.offcpu), the threads that recorded their
 * switches, and the one line that says what is missing, in the same words
 * for every renderer.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "callstats.h"
#include "report.h"

/*
 * Off-CPU time that could not be placed is worth a line from 1 ms and a
 * tenth of all off-CPU time: less is the clocks' noise between two
 * readings, or a hypervisor's steal time (the thread's CPU time stops, no
 * switch happens) since the thread's last switch. Much more means the
 * kernel did not say when the threads were switched.
 */
#define OFFCPU_UNPLACED_NOTE_NS	 1000000u
#define OFFCPU_UNPLACED_NOTE_DIV 10u

void report_offcpu_init(struct report *rep, const struct trace_reader *r,
			const struct trace_clock *clk, const struct cs_profile *prof)
{
	struct report_offcpu *o = &rep->offcpu;
	size_t i, with = 0;

	memset(o, 0, sizeof(*o));
	o->state = r->hdr.offcpu;
	o->call = r->hdr.offcpu_call;
	o->err = r->hdr.offcpu_errno;
	for (i = 0; i < prof->nthreads; i++) {
		const struct cs_thread *t = prof->threads[i];

		/* A thread that only allocated opened no event: it needed none. */
		o->threads += t->offcpu_needed || t->offcpu;
		if (!t->offcpu)
			continue;
		with++;
		o->placed_ns += trace_clock_span(clk, t->off_total);
		o->unplaced_ns += trace_clock_span(clk, t->off_unplaced);
		o->runtime_ns += trace_clock_span(clk, t->off_runtime);
	}
	/* A trace that says it recorded them: the threads it has none of
	 * (opened after a refusal) are missing. */
	o->columns = o->state == TRACE_OFFCPU_RECORDED && with;
	if (o->state == TRACE_OFFCPU_RECORDED)
		o->missing = o->threads - with;
	report_offcpu_note(o);
}

/* What refused: "perf_event_open: Permission denied". */
static void refusal(char *buf, size_t len, uint32_t call, int err)
{
	static const char *const calls[] = {
		[TRACE_OFFCPU_CALL_OPEN] = "perf_event_open",
		[TRACE_OFFCPU_CALL_MMAP] = "mmap",
		[TRACE_OFFCPU_CALL_SECCOMP] = "a seccomp filter",
		[TRACE_OFFCPU_CALL_CLOCK] = "clock_gettime",
	};

	if (call == TRACE_OFFCPU_CALL_SECCOMP)
		snprintf(buf, len, "a seccomp filter was on; MPROF_OFFCPU=1 tries anyway");
	else if (call && call < ARRAY_SIZE(calls) && err > 0)
		snprintf(buf, len, "%s: %s", calls[call], strerror(err));
	else if (call && call < ARRAY_SIZE(calls))
		snprintf(buf, len, "%s refused", calls[call]);
	else
		snprintf(buf, len, "the trace does not say why");
}

void report_offcpu_note(struct report_offcpu *o)
{
	char why[96];

	o->note[0] = '\0';
	switch (o->state) {
	case TRACE_OFFCPU_DISABLED:
		snprintf(o->note, sizeof(o->note), "off-CPU time: not recorded (MPROF_OFFCPU=0)");
		return;
	case TRACE_OFFCPU_REFUSED:
		refusal(why, sizeof(why), o->call, o->err);
		snprintf(o->note, sizeof(o->note), "off-CPU time: not recorded (%s)", why);
		return;
	case TRACE_OFFCPU_SECCOMP:
		snprintf(o->note, sizeof(o->note),
			 "off-CPU time: not recorded (a seccomp filter was on; MPROF_OFFCPU=1 "
			 "tries anyway)");
		return;
	case TRACE_OFFCPU_RECORDED:
		break;
	default: /* written before it was recorded, or nothing to split */
		return;
	}
	if (o->missing) {
		refusal(why, sizeof(why), o->call, o->err);
		snprintf(o->note, sizeof(o->note),
			 "off-CPU time: not recorded for %zu of %zu thread%s (%s): their calls' "
			 "times are not split",
			 o->missing, o->threads, o->threads == 1 ? "" : "s", why);
	} else if (o->unplaced_ns >= OFFCPU_UNPLACED_NOTE_NS &&
		   o->unplaced_ns >= (o->placed_ns + o->unplaced_ns) / OFFCPU_UNPLACED_NOTE_DIV) {
		snprintf(o->note, sizeof(o->note),
			 "off-CPU time: %.3f ms could not be placed in calls (no switch was seen "
			 "for it): the split cannot know where it went",
			 (double)o->unplaced_ns / 1e6);
	}
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = {
		[TRACE_OFFCPU_UNKNOWN] = "unknown",   [TRACE_OFFCPU_RECORDED] = "recorded",
		[TRACE_OFFCPU_DISABLED] = "disabled", [TRACE_OFFCPU_REFUSED] = "refused",
		[TRACE_OFFCPU_SECCOMP] = "seccomp",   [TRACE_OFFCPU_UNNEEDED] = "unneeded",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "unknown";
}

void report_json_offcpu(FILE *out, const struct report_offcpu *o, const char *sep)
{
	fprintf(out, "%s\"offcpu\": {\"recorded\": %s, \"state\": \"%s\", \"threads\": %zu", sep,
		o->columns ? "true" : "false", state_name(o->state), o->threads);
	fprintf(out,
		", \"threads_missing\": %zu, \"unplaced_ns\": %" PRIu64 ", \"runtime_ns\": %" PRIu64
		", \"note\": ",
		o->missing, o->unplaced_ns, o->runtime_ns);
	report_json_string(out, o->note[0] ? o->note : NULL);
	fputc('}', out);
}
