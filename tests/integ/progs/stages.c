/*
 * stages.c - a two-stage pull pipeline with known costs: the sink pulls
 * batches from the source; the source busy-waits SRC_US per batch, the sink
 * SINK_US per batch after receiving it. The program measures those waits
 * itself (the ground truth) and prints mprof's stage metrics next to them:
 * the source's self time is its own wait, its latency is the sink's wait;
 * the sink's self time is its own wait, not the source's.
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

static long batches_left;
static long batch_size, src_ns, sink_ns;

/* The source: one batch per call until exhausted. */
static long source_next(void)
{
	long n = 0;

	mprof_stage_begin(&source);
	if (batches_left > 0) {
		batches_left--;
		source_spun += spin(src_ns);
		n = batch_size;
	}
	mprof_stage_end(&source, (unsigned long)n);
	return n;
}

/* The sink pulls from the source, then works on what it got. */
static long sink_next(void)
{
	long n;

	mprof_stage_begin(&sink);
	n = source_next();
	if (n)
		sink_spun += spin(sink_ns);
	mprof_stage_end(&sink, (unsigned long)n);
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
	long total = 0;

	batches_left = argc > 1 ? atol(argv[1]) : 200;
	batch_size = argc > 2 ? atol(argv[2]) : 100;
	src_ns = (argc > 3 ? atol(argv[3]) : 200) * 1000;
	sink_ns = (argc > 4 ? atol(argv[4]) : 500) * 1000;
	mprof_stage_init(&source, "source");
	mprof_stage_init(&sink, "sink");
	while (sink_next())
		total += batch_size;
	printf("truth records=%ld source_self_ns=%lld sink_self_ns=%lld\n", total, source_spun,
	       sink_spun);
	print("source", &source);
	print("sink", &sink);
	return 0;
}
