/*
 * stages.c - a two-stage pull pipeline with known costs: the sink pulls
 * batches from the source; the source busy-waits SRC_US per batch, the sink
 * SINK_US per batch after receiving it. It prints mprof's stage metrics and
 * its ground truth, which depends on no speed: every mprof_stage_begin and
 * mprof_stage_end is bracketed by two reads of the program's own clock, so
 * whatever the load, the runtime's reading lies between them. Summed, the
 * brackets bound each figure mprof can give: the source's self time (its
 * busy time), the sink's (its busy time less the source's spans inside it),
 * and each stage's waiting from a hand-off to the next begin (its latency,
 * its consumer's time).
 *
 *   stages BATCHES BATCH SRC_US SINK_US
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mprof.h"

static struct mprof_stage source, sink;
static long long source_spun, sink_spun; /* ns, measured here */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static long long spin(long long ns)
{
	long long t0 = now_ns(), t;

	while ((t = now_ns()) - t0 < ns)
		;
	return t - t0;
}

/* The program's own view of one stage: sums of bracketed intervals, ns. */
struct watch {
	long long begin_before, begin_after; /* around the current begin */
	long long end_before, end_after;     /* around the last hand-off */
	int handed;			     /* a hand-off since the last begin */
	long long busy_lo, busy_hi;	     /* begin to end, all calls */
	long long wait_lo, wait_hi;	     /* each hand-off to the next begin */
};

static struct watch source_w, sink_w;

static void watch_begin(struct mprof_stage *s, struct watch *w)
{
	long long b0 = now_ns(), b1;

	mprof_stage_begin(s);
	b1 = now_ns();
	if (w->handed) {
		w->wait_lo += b0 - w->end_after;
		w->wait_hi += b1 - w->end_before;
		w->handed = 0;
	}
	w->begin_before = b0;
	w->begin_after = b1;
}

static void watch_end(struct mprof_stage *s, struct watch *w, unsigned long records)
{
	long long e0 = now_ns(), e1;

	mprof_stage_end(s, records);
	e1 = now_ns();
	w->busy_lo += e0 - w->begin_after;
	w->busy_hi += e1 - w->begin_before;
	if (records) {
		w->end_before = e0;
		w->end_after = e1;
		w->handed = 1;
	}
}

static long batches_left;
static long batch_size, src_ns, sink_ns;

/* The source: one batch per call until exhausted. */
static long source_next(void)
{
	long n = 0;

	watch_begin(&source, &source_w);
	if (batches_left > 0) {
		batches_left--;
		source_spun += spin(src_ns);
		n = batch_size;
	}
	watch_end(&source, &source_w, (unsigned long)n);
	return n;
}

/* The sink pulls from the source, then works on what it got. */
static long sink_next(void)
{
	long n;

	watch_begin(&sink, &sink_w);
	n = source_next();
	if (n)
		sink_spun += spin(sink_ns);
	watch_end(&sink, &sink_w, (unsigned long)n);
	return n;
}

static void print(const char *name, const struct mprof_stage *s)
{
	struct mprof_stage_metrics m;

	mprof_stage_metrics(s, &m);
	printf("%s records=%llu handoffs=%llu self_ns=%llu mean_latency_ns=%llu elapsed_ns=%llu "
	       "throughput=%.0f\n",
	       name, m.records, m.handoffs, m.self_ns, m.mean_latency_ns, m.elapsed_ns,
	       m.throughput_per_s);
}

int main(int argc, char **argv)
{
	long total = 0, handoffs = 0;

	batches_left = argc > 1 ? atol(argv[1]) : 200;
	batch_size = argc > 2 ? atol(argv[2]) : 100;
	src_ns = (argc > 3 ? atol(argv[3]) : 200) * 1000;
	sink_ns = (argc > 4 ? atol(argv[4]) : 500) * 1000;
	mprof_stage_init(&source, "source");
	mprof_stage_init(&sink, "sink");
	while (sink_next()) {
		total += batch_size;
		handoffs++;
	}
	printf("truth records=%ld handoffs=%ld source_spun_ns=%lld sink_spun_ns=%lld\n", total,
	       handoffs, source_spun, sink_spun);
	/* The sink's self time: its busy time less the source's spans. */
	printf("bounds source_self=%lld:%lld sink_self=%lld:%lld source_wait=%lld:%lld "
	       "sink_wait=%lld:%lld\n",
	       source_w.busy_lo, source_w.busy_hi, sink_w.busy_lo - source_w.busy_hi,
	       sink_w.busy_hi - source_w.busy_lo, source_w.wait_lo, source_w.wait_hi,
	       sink_w.wait_lo, sink_w.wait_hi);
	print("source", &source);
	print("sink", &sink);
	return 0;
}
