// SPDX-License-Identifier: MIT
/*
 * report_health.c - what a report says about its trace, in the same words
 * for every renderer: how the process ended, what its live blocks at the
 * end are called, how many events it lost and why.
 */
#include "config.h"

#include <string.h>

#include "report.h"
#include "report_mem.h"

const char *report_end_text(const struct report *rep, char *buf, size_t len)
{
	switch (rep->hdr->end_how) {
	case TRACE_END_EXIT:
		snprintf(buf, len, "ended with exit(%d)", rep->hdr->exit_status);
		return buf;
	case TRACE_END__EXIT:
		snprintf(buf, len, "ended with _exit(%d)", rep->hdr->exit_status);
		return buf;
	case TRACE_END_EXEC:
		return "ended with exec";
	default:
		return rep->ended ? NULL : "did not finish: killed, crashed, or still running";
	}
}

const char *report_end_name(const struct report *rep)
{
	switch (rep->hdr->end_how) {
	case TRACE_END_EXIT:
		return "exit";
	case TRACE_END__EXIT:
		return "_exit";
	case TRACE_END_EXEC:
		return "exec";
	default:
		return rep->ended ? "finished" : "unfinished";
	}
}

bool report_end_status(const struct report *rep, int *status)
{
	if (rep->hdr->end_how != TRACE_END_EXIT && rep->hdr->end_how != TRACE_END__EXIT)
		return false;
	*status = rep->hdr->exit_status;
	return true;
}

const char *report_live_at_end(const struct report *rep, bool title)
{
	if (rep->ended)
		return title ? "Leaked at end" : "leaked";
	if (rep->nprocesses)
		return title ? "Still live at the end (some processes were killed or crashed)"
			     : "still live at the end (some processes were killed or crashed)";
	return title ? "Still live when the process was killed or crashed"
		     : "still live when the process was killed or crashed";
}

/* ------------------------------------------------------------ lost events */

/* What each cause is called, in text and in JSON. */
static const struct {
	const char *text, *json;
} lost_causes[TRACE_LOST_NCAUSES] = {
	[TRACE_LOST_NOSPACE] = { "the file system was full", "disk_full" },
	[TRACE_LOST_SIZE_CAP] = { "the size cap", "size_cap" },
	[TRACE_LOST_FSIZE] = { "the file-size limit (RLIMIT_FSIZE)", "file_size_limit" },
	[TRACE_LOST_IO] = { "the file could not be written", "io_error" },
	[TRACE_LOST_NOMEM] = { "no memory for the runtime", "no_memory" },
	[TRACE_LOST_SIGNAL] = { "signal handlers that ran while the runtime was busy", "signal" },
	[TRACE_LOST_OTHER] = { "other causes", "other" },
};

/* The order causes are listed in: the file's first, "other" last. */
static const unsigned lost_order[] = {
	TRACE_LOST_NOSPACE, TRACE_LOST_SIZE_CAP, TRACE_LOST_FSIZE, TRACE_LOST_IO,
	TRACE_LOST_NOMEM,   TRACE_LOST_SIGNAL,	 TRACE_LOST_OTHER,
};

void report_lost_init(struct report_lost *l, const struct trace_reader *r,
		      const struct trace_clock *clk)
{
	uint64_t sum = 0, ns;
	size_t i;

	memset(l, 0, sizeof(*l));
	l->total = trace_reader_lost(r);
	for (i = 0; i < TRACE_LOST_NCAUSES; i++) {
		/* a damaged header: no sum past 2^64 */
		l->by_cause[i] = r->hdr.lost_cause[i] < UINT64_MAX - sum ? r->hdr.lost_cause[i] : 0;
		sum += l->by_cause[i];
	}
	/* The causes hold what chunks a cut file lost too. */
	if (sum > l->total)
		l->total = sum;
	l->uncounted = l->total - sum;
	l->max_size = r->hdr.max_size;
	l->ended = trace_reader_ended(r);
	if (r->hdr.first_failure_ticks && clk) {
		ns = trace_clock_ns(clk, r->hdr.first_failure_ticks);
		l->first_failure = ns >= r->hdr.start.ns;
		l->first_failure_ns = l->first_failure ? ns - r->hdr.start.ns : 0;
	}
}

void report_lost_add(struct report_lost *to, const struct report_lost *from, bool first)
{
	size_t i;

	if (first) {
		*to = *from;
		return;
	}
	to->total += from->total;
	to->uncounted += from->uncounted;
	for (i = 0; i < TRACE_LOST_NCAUSES; i++)
		to->by_cause[i] += from->by_cause[i];
	if (to->max_size != from->max_size)
		to->max_size = 0;
	to->ended &= from->ended;
	/* Times since different starts do not compare: none for the merged. */
	to->first_failure = false;
	to->first_failure_ns = 0;
}

/* A size as MPROF_MAX_SIZE takes it: 2G, 512M, 64K, or bytes. */
static void print_size(FILE *out, uint64_t bytes)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		fprintf(out, "%llu", (unsigned long long)bytes);
	else
		fprintf(out, "%llu%c", (unsigned long long)bytes, units[u]);
}

void report_text_lost(const struct report_lost *l, const char *indent, FILE *out)
{
	const char *sep = ": ";
	size_t i;

	if (!l->total)
		return;
	fprintf(out, "%slost events: %llu", indent, (unsigned long long)l->total);
	for (i = 0; i < ARRAY_SIZE(lost_order); i++) {
		unsigned c = lost_order[i];

		if (!l->by_cause[c])
			continue;
		fprintf(out, "%s%llu %s", sep, (unsigned long long)l->by_cause[c],
			lost_causes[c].text);
		/* Chosen or the default (auto): the trace records its size. */
		if (c == TRACE_LOST_SIZE_CAP && l->max_size) {
			fputs(" of ", out);
			print_size(out, l->max_size);
			fputs(" (MPROF_MAX_SIZE)", out);
		}
		sep = ", ";
	}
	/* A cause this reader does not know (a newer writer's). */
	for (i = 0; i < TRACE_LOST_NCAUSES; i++) {
		if (!lost_causes[i].text && l->by_cause[i]) {
			fprintf(out, "%s%llu by cause %zu", sep, (unsigned long long)l->by_cause[i],
				i);
			sep = ", ";
		}
	}
	if (l->uncounted)
		fprintf(out, "%s%llu without a recorded cause%s", sep,
			(unsigned long long)l->uncounted,
			l->ended ? "" : " (the process was killed before it counted them)");
	if (l->first_failure)
		fprintf(out, "; the file first could not grow at %.3f s",
			(double)l->first_failure_ns / 1e9);
	fputc('\n', out);
}

void report_json_lost(FILE *out, const struct report_lost *l, const char *sep)
{
	size_t i;

	fprintf(out, "%s\"lost_by_cause\": {", sep);
	for (i = 0; i < TRACE_LOST_NCAUSES; i++) {
		if (lost_causes[i].json)
			fprintf(out, "\"%s\": %llu, ", lost_causes[i].json,
				(unsigned long long)l->by_cause[i]);
		else if (l->by_cause[i])
			fprintf(out, "\"cause_%zu\": %llu, ", i,
				(unsigned long long)l->by_cause[i]);
	}
	fprintf(out, "\"uncounted\": %llu}%s\"max_size\": ", (unsigned long long)l->uncounted, sep);
	if (l->max_size)
		fprintf(out, "%llu", (unsigned long long)l->max_size);
	else
		fputs("null", out);
	fprintf(out, "%s\"first_failure_ns\": ", sep);
	if (l->first_failure)
		fprintf(out, "%llu", (unsigned long long)l->first_failure_ns);
	else
		fputs("null", out);
}

/* -------------------------------------------------------------- allocator */

bool report_no_allocator_calls(const struct report *rep)
{
	const struct report_mem *m = rep->mem;

	if (!(rep->hdr->features & TRACE_FEAT_ALLOC) || rep->nprocesses)
		return false;
	return !m || (!m->allocs && !m->frees);
}

/* "malloc resolves to /usr/lib/libjemalloc.so.2 (0x7f00...), not libmprof" */
static void print_elsewhere(const struct report *rep, FILE *out)
{
	fputs("malloc resolves to ", out);
	if (rep->malloc_module)
		fprintf(out, "%s (0x%llx)", rep->malloc_module,
			(unsigned long long)rep->malloc_elsewhere);
	else
		fprintf(out, "0x%llx (in no recorded module)",
			(unsigned long long)rep->malloc_elsewhere);
	fputs(", not libmprof", out);
}

void report_text_allocator(const struct report *rep, FILE *out)
{
	if (report_no_allocator_calls(rep)) {
		fputs("Memory: no allocator calls reached libmprof", out);
		if (rep->malloc_elsewhere) {
			fputs(": ", out);
			print_elsewhere(rep, out);
			fputs(": the program defines its own allocator or one was preloaded "
			      "before libmprof\n\n",
			      out);
		} else {
			fputs(" (allocation recording was on): the program defines its own "
			      "allocator, one was preloaded before libmprof, or it allocated "
			      "nothing\n\n",
			      out);
		}
	} else if (rep->malloc_elsewhere && (rep->hdr->features & TRACE_FEAT_ALLOC)) {
		fputs("   note: ", out);
		print_elsewhere(rep, out);
		fputs(": the allocations made through it are not in this report\n\n", out);
	}
}

void report_json_allocator(FILE *out, const struct report *rep)
{
	bool recorded = (rep->hdr->features & TRACE_FEAT_ALLOC) != 0;

	fprintf(out,
		"\"allocator\": {\"recorded\": %s, \"calls_reached\": %s, \"malloc_elsewhere\": ",
		recorded ? "true" : "false",
		recorded && !report_no_allocator_calls(rep) ? "true" : "false");
	if (rep->malloc_elsewhere)
		fprintf(out, "\"0x%llx\"", (unsigned long long)rep->malloc_elsewhere);
	else
		fputs("null", out);
	fputs(", \"malloc_module\": ", out);
	report_json_string(out, rep->malloc_module);
	fputc('}', out);
}
