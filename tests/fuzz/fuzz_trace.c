/*
 * fuzz_trace.c - libFuzzer target: any bytes, read as a trace file, go
 * through the reporter's whole pipeline (reader, call and memory
 * aggregation, report building, text and JSON rendering). Modules are not
 * handed to the symbolizer: a fuzzed path must not make the fuzzer open
 * files. Build and run: .ci/fuzz.sh (see README, "Fuzzing").
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callstats.h"
#include "memstats.h"
#include "report.h"
#include "report_mem.h"
#include "sym.h"
#include "trace_read.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static char path[64];
static FILE *sink;

static void write_input(const unsigned char *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			abort();
		data += n;
		size -= (size_t)n;
	}
	close(fd);
}

static void render(const struct report_options *base, const struct trace_reader *r,
		   const struct trace_clock *clk, const struct cs_profile *prof,
		   struct ms_heap *heap, struct sym_table *syms, const char *kind)
{
	struct report_options opt = *base;
	struct report rep;

	opt.kind = report_kind_find(kind);
	report_build(&rep, &opt, r, clk, prof, syms);
	if (report_mem_build(&rep, heap, syms, clk) == 0)
		opt.kind->render(&rep, sink);
	report_mem_release(&rep);
	report_release(&rep);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct report_options opt;
	struct trace_reader r;
	struct trace_clock clk;
	struct cs_profile prof;
	struct sym_table syms;
	struct ms_heap heap;

	if (!*path) {
		snprintf(path, sizeof(path), "/tmp/mprof-fuzz-%d.bin", (int)getpid());
		sink = fopen("/dev/null", "w");
	}
	write_input(data, size);
	memset(&opt, 0, sizeof(opt));
	opt.trace = path;
	opt.limit = -1;
	opt.callers = opt.callees = "*"; /* exercise the caller/callee tables */
	if (trace_reader_open(&r, path) < 0)
		return 0;
	cs_profile_init(&prof, r.hdr.probe_self_ticks, r.hdr.probe_parent_ticks);
	ms_heap_init(&heap);
	prof.heap = &heap;
	sym_table_init(&syms);
	if (cs_profile_read(&prof, &r) == 0 && trace_reader_clock(&r, &clk) == 0) {
		render(&opt, &r, &clk, &prof, &heap, &syms, "text");
		render(&opt, &r, &clk, &prof, &heap, &syms, "json");
	}
	sym_table_release(&syms);
	ms_heap_release(&heap);
	cs_profile_release(&prof);
	trace_reader_release(&r);
	return 0;
}
