/*
 * fuzz_trace.c - libFuzzer target: any bytes, read as a trace file, go
 * through the reporter's whole pipeline (reader, call and memory
 * aggregation of calls, memory and stages, report building, every output
 * format and export, --compare). Nothing is symbolized: a fuzzed path must
 * not make the fuzzer open files. Build and run: .ci/fuzz.sh (see README, "Fuzzing").
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "report.h"

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

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct report_options opt;
	struct report rep;

	if (!*path) {
		snprintf(path, sizeof(path), "/tmp/mprof-fuzz-%d.bin", (int)getpid());
		sink = fopen("/dev/null", "w");
	}
	write_input(data, size);
	memset(&opt, 0, sizeof(opt));
	opt.trace = path;
	opt.limit = -1;
	opt.callers = opt.callees = "*"; /* exercise the caller/callee tables */
	opt.no_symbols = true;
	if (report_open(&rep, &opt, path, true) == 0) {
		static const char *const kinds[] = {
			"text",	       "json",	       "chrome",    "folded", "folded-alloc",
			"folded-leak", "folded-peak",  "callgrind", "massif", "svg",
			"svg-alloc",   "svg-timeline", "html",
		};

		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
			const struct report_kind *k = report_kind_find(kinds[i]);

			if (k)
				k->render(&rep, sink);
		}
		report_close(&rep);
		/* --compare of the trace with itself */
		opt.compare_old = opt.compare_new = path;
		cmp_run(&opt, sink);
	}
	return 0;
}
