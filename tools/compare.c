// SPDX-License-Identifier: MIT
/*
 * compare.c - match the figures of the two sides of --compare, test their
 * changes, order them and evaluate the gate (see compare.h).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report_mem.h"
#include "report_stage.h"
#include "stagestats.h"

/* A function, stage or site being matched: its key, and its index. */
struct match_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

double cmp_ratio(uint64_t old, uint64_t new)
{
	return old && new ? (double)old / (double)new : 0;
}

/* ------------------------------------------------------------- figures */

static void figure_init(struct cmp_report *cmp, struct cmp_figure *f, enum cmp_unit unit)
{
	size_t n = cmp->old.nruns + cmp->new.nruns;
	double *v = xcalloc(n, sizeof(*v));

	cmp->blocks = xrealloc(cmp->blocks, (cmp->nblocks + 1) * sizeof(*cmp->blocks));
	cmp->blocks[cmp->nblocks++] = v;
	f->unit = unit;
	f->old = v;
	f->new = v + cmp->old.nruns;
	f->p = 1;
}

static double *slot(struct cmp_figure *f, bool new, size_t run)
{
	return new ? &f->new[run] : &f->old[run];
}

/* The index of `key` (owned by the caller) in a table, or -1 after adding it as `next`. */
static long match(struct match_key **keys, const char *key, size_t next)
{
	struct match_key *k;

	HASH_FIND_STR(*keys, key, k);
	if (k)
		return (long)k->index;
	k = xcalloc(1, sizeof(*k));
	k->key = xstrdup(key);
	k->index = next;
	HASH_ADD_KEYPTR(hh, *keys, k->key, strlen(k->key), k);
	if (hash_oom_take())
		die("out of memory");
	return -1;
}

static void keys_free(struct match_key **keys)
{
	struct match_key *k, *tmp;

	HASH_ITER(hh, *keys, k, tmp)
	{
		HASH_DEL(*keys, k);
		free(k->key);
		free(k);
	}
}

static enum cmp_status seen(enum cmp_status s, bool new, bool first)
{
	if (first)
		return new ? CMP_ADDED : CMP_REMOVED;
	if ((s == CMP_ADDED && !new) || (s == CMP_REMOVED && new))
		return CMP_BOTH;
	return s;
}

/* ----------------------------------------------------------- functions */

static void add_funcs(struct cmp_report *cmp, struct match_key **keys, size_t *alloc,
		      const struct report *rep, bool new, size_t run)
{
	size_t i;

	for (i = 0; i < rep->merged.nfuncs; i++) {
		const struct report_func *f = &rep->merged.funcs[i];
		char *key = util_join(f->sym->name, UTIL_KEY_SEP,
				      f->sym->file ? util_basename(f->sym->file) : "");
		long at = match(keys, key, cmp->nfuncs);
		struct cmp_func *c;

		free(key);
		if (at < 0) {
			cmp->funcs = xgrow(cmp->funcs, alloc, cmp->nfuncs + 1, sizeof(*cmp->funcs));
			c = &cmp->funcs[cmp->nfuncs++];
			memset(c, 0, sizeof(*c));
			figure_init(cmp, &c->calls, CMP_COUNT);
			figure_init(cmp, &c->self, CMP_NS);
			figure_init(cmp, &c->cum, CMP_NS);
		} else {
			c = &cmp->funcs[at];
		}
		c->status = seen(c->status, new, at < 0);
		if (new || !c->name) {
			c->name = f->sym->name;
			c->file = f->sym->file;
			c->label = f->sym->label;
		}
		c->last[new] = f;
		*slot(&c->calls, new, run) += (double)f->calls;
		*slot(&c->self, new, run) += (double)f->self_ns;
		*slot(&c->cum, new, run) += (double)f->cum_ns;
	}
}

/* -------------------------------------------------------------- stages */

static void add_stages(struct cmp_report *cmp, struct match_key **keys, size_t *alloc,
		       const struct report *rep, bool new, size_t run)
{
	const struct report_stages *st = rep->stages;
	size_t i;

	for (i = 0; st && i < st->n; i++) {
		const struct report_stage *r = &st->rows[i];
		long at = match(keys, r->name, cmp->nstages);
		struct cmp_stage *s;

		if (at < 0) {
			cmp->stages =
			    xgrow(cmp->stages, alloc, cmp->nstages + 1, sizeof(*cmp->stages));
			s = &cmp->stages[cmp->nstages++];
			memset(s, 0, sizeof(*s));
			s->name = r->name;
			figure_init(cmp, &s->self, CMP_NS);
			figure_init(cmp, &s->oncpu, CMP_NS);
			figure_init(cmp, &s->rate, CMP_RATE);
			figure_init(cmp, &s->latency, CMP_NS);
			figure_init(cmp, &s->records, CMP_COUNT);
		} else {
			s = &cmp->stages[at];
		}
		s->status = seen(s->status, new, at < 0);
		*slot(&s->self, new, run) = (double)r->self_ns;
		*slot(&s->oncpu, new, run) = (double)(r->self_ns - r->off_self_ns);
		s->oncpu_unknown |= !st->split;
		*slot(&s->rate, new, run) = r->throughput_per_s;
		*slot(&s->latency, new, run) = (double)r->mean_latency_ns;
		*slot(&s->records, new, run) = (double)r->records;
		if (st->bottleneck == r)
			*(new ? &s->new_bottleneck : &s->old_bottleneck) += 1;
	}
}

/* --------------------------------------------------------------- memory */

static void add_sites(struct cmp_report *cmp, struct match_key **keys, size_t *alloc,
		      const struct report *rep, bool new, size_t run)
{
	const struct report_mem *m = rep->mem;
	size_t i;

	if (!m)
		return;
	cmp->has_memory = true;
	*slot(&cmp->allocs, new, run) = (double)m->allocs;
	*slot(&cmp->bytes, new, run) = (double)m->bytes;
	*slot(&cmp->peak, new, run) = (double)m->peak_bytes;
	*slot(&cmp->leaked, new, run) = (double)m->leaked_bytes;
	for (i = 0; i < m->nsites; i++) {
		const struct report_site *r = m->sites[i];
		long at = match(keys, r->label, cmp->nsites);
		struct cmp_site *s;

		if (at < 0) {
			cmp->sites = xgrow(cmp->sites, alloc, cmp->nsites + 1, sizeof(*cmp->sites));
			s = &cmp->sites[cmp->nsites++];
			memset(s, 0, sizeof(*s));
			s->label = r->label;
			figure_init(cmp, &s->allocs, CMP_COUNT);
			figure_init(cmp, &s->bytes, CMP_BYTES);
			figure_init(cmp, &s->leaked, CMP_BYTES);
		} else {
			s = &cmp->sites[at];
		}
		s->status = seen(s->status, new, at < 0);
		*slot(&s->allocs, new, run) += (double)r->allocs;
		*slot(&s->bytes, new, run) += (double)r->bytes;
		*slot(&s->leaked, new, run) += (double)r->leaked_bytes;
	}
}

/* ---------------------------------------------------------------- tests */

/* The figures being tested, for Benjamini-Hochberg. */
struct family {
	struct cmp_figure **figs;
	size_t n, alloc;
};

static bool same_throughout(const struct cmp_figure *f)
{
	return f->so.min == f->so.max && f->sn.min == f->sn.max && f->so.min == f->sn.min;
}

/* A histogram's samples as counts over its fixed buckets, in order. */
#define HIST_BINS (2 * SS_HIST_SUB + (SS_HIST_OCTAVES - 1) * SS_HIST_SUB)

static void hist_bins(const struct ss_hist *h, uint64_t *bins)
{
	size_t o, i, at = 0;

	for (o = 0; o < SS_HIST_OCTAVES; o++) {
		size_t width = o ? SS_HIST_SUB : 2 * SS_HIST_SUB;

		for (i = 0; i < width; i++)
			bins[at + i] = h->octaves[o] ? h->octaves[o][i] : 0;
		at += width;
	}
}

/*
 * The p-value over the events of two histograms (in ticks of `otick` and
 * `ntick` ns), or -1 when they cannot be compared: one is empty, they hold
 * too few events for any p-value to reach STATS_ALPHA, or their ticks
 * differ by more than 1%.
 */
static double hist_p(const struct ss_hist *o, double otick, const struct ss_hist *n, double ntick)
{
	uint64_t *bo, *bn;
	double p;

	if (!o || !n || !o->count || !n->count || !(otick > 0) || !(ntick > 0) ||
	    fabs(otick / ntick - 1) > 0.01)
		return -1;
	/* Too few events to ever be significant (one call a side): untested. */
	if (o->count < 64 && n->count < 64 &&
	    stats_mann_whitney_min_p(o->count, n->count) > STATS_ALPHA)
		return -1;
	bo = xcalloc(2 * HIST_BINS, sizeof(*bo));
	bn = bo + HIST_BINS;
	hist_bins(o, bo);
	hist_bins(n, bn);
	p = stats_mann_whitney_binned(bo, bn, HIST_BINS);
	free(bo);
	return p;
}

/* One run a side: the p-value over the two runs' hand-offs, or -1 if they cannot be compared. */
static double handoff_p(const struct report_stage *o, const struct report_stage *n)
{
	if (!o || !n)
		return -1;
	return hist_p(o->latency_hist, o->ns_per_tick, n->latency_hist, n->ns_per_tick);
}

/* The clock of a side's first run, ns a tick; 0 when unknown (a merged run). */
static double side_tick(const struct cmp_side *s)
{
	const struct report *rep = cmp_first(s);

	return rep->clk ? rep->clk->ns_per_tick : 0;
}

/*
 * Summarize a figure; test it over runs where both sides have two or more,
 * over events where `events_p` >= 0 is given; add it to the family then.
 */
static void figure_test(struct cmp_report *cmp, struct family *fam, struct cmp_figure *f,
			double events_p)
{
	size_t no = cmp->old.nruns, nn = cmp->new.nruns;

	stats_summarize(f->old, no, &f->so);
	stats_summarize(f->new, nn, &f->sn);
	f->change = f->so.median ? f->sn.median / f->so.median - 1 : NAN;
	if (same_throughout(f)) {
		f->verdict = CMP_SAME;
		return;
	}
	if (no >= 2 && nn >= 2) {
		f->p = stats_mann_whitney(f->old, no, f->new, nn);
		f->basis = CMP_BASIS_RUNS;
	} else if (events_p >= 0) {
		f->p = events_p;
		f->basis = CMP_BASIS_EVENTS;
	} else {
		f->verdict = CMP_UNTESTED;
		return;
	}
	fam->figs = xgrow(fam->figs, &fam->alloc, fam->n + 1, sizeof(*fam->figs));
	fam->figs[fam->n++] = f;
}

/* One run a side: a function's figure tested over its calls. */
static void calls_test(struct cmp_report *cmp, struct family *fam, struct cmp_figure *f,
		       const struct ss_hist *o, const struct ss_hist *n)
{
	double p = hist_p(o, side_tick(&cmp->old), n, side_tick(&cmp->new));

	figure_test(cmp, fam, f, p);
	if (f->basis == CMP_BASIS_EVENTS) {
		f->basis = CMP_BASIS_CALLS;
		cmp->calls_tested = true;
	}
}

static double mean(const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0;
}

/* Which way a significant change went. */
static enum cmp_verdict direction(const struct cmp_report *cmp, const struct cmp_figure *f)
{
	double o = f->so.median, n = f->sn.median;

	if (o == n) {
		o = mean(f->old, cmp->old.nruns);
		n = mean(f->new, cmp->new.nruns);
	}
	if (f->unit == CMP_RATE)
		return n > o ? CMP_BETTER : CMP_WORSE;
	return n < o ? CMP_BETTER : CMP_WORSE;
}

static void test_all(struct cmp_report *cmp)
{
	struct family fam = { 0 };
	double *p;
	bool *sig;
	size_t i;

	if (cmp->wall_known)
		figure_test(cmp, &fam, &cmp->wall, -1);
	else
		cmp->wall.verdict = CMP_UNTESTED;
	if (cmp->has_calls)
		figure_test(cmp, &fam, &cmp->self, -1);
	for (i = 0; i < cmp->nstages; i++) {
		struct cmp_stage *s = &cmp->stages[i];
		double hp = -1;

		if (cmp->old.nruns == 1 && cmp->new.nruns == 1 && s->status == CMP_BOTH)
			hp = handoff_p(report_stage_find(cmp_first(&cmp->old)->stages, s->name),
				       report_stage_find(cmp_first(&cmp->new)->stages, s->name));
		figure_test(cmp, &fam, &s->self, -1);
		if (s->oncpu_unknown)
			s->oncpu.verdict = CMP_UNTESTED;
		else
			figure_test(cmp, &fam, &s->oncpu, -1);
		figure_test(cmp, &fam, &s->rate, -1);
		figure_test(cmp, &fam, &s->latency, hp);
		figure_test(cmp, &fam, &s->records, -1);
	}
	for (i = 0; i < cmp->nfuncs; i++) {
		struct cmp_func *c = &cmp->funcs[i];
		bool calls = cmp->old.nruns == 1 && cmp->new.nruns == 1 && c->status == CMP_BOTH;

		figure_test(cmp, &fam, &c->calls, -1);
		/* Per-call times stand for the totals only when the calls do not
		 * change: twice the calls at the same time each is +100%. */
		if (calls && c->calls.verdict == CMP_SAME) {
			calls_test(cmp, &fam, &c->self, c->last[0]->self_hist,
				   c->last[1]->self_hist);
			calls_test(cmp, &fam, &c->cum, c->last[0]->cum_hist, c->last[1]->cum_hist);
		} else {
			figure_test(cmp, &fam, &c->self, -1);
			figure_test(cmp, &fam, &c->cum, -1);
		}
	}
	if (cmp->has_memory) {
		figure_test(cmp, &fam, &cmp->allocs, -1);
		figure_test(cmp, &fam, &cmp->bytes, -1);
		figure_test(cmp, &fam, &cmp->peak, -1);
		figure_test(cmp, &fam, &cmp->leaked, -1);
		for (i = 0; i < cmp->nsites; i++) {
			figure_test(cmp, &fam, &cmp->sites[i].allocs, -1);
			figure_test(cmp, &fam, &cmp->sites[i].bytes, -1);
			figure_test(cmp, &fam, &cmp->sites[i].leaked, -1);
		}
	}
	p = xcalloc(fam.n + 1, sizeof(*p));
	sig = xcalloc(fam.n + 1, sizeof(*sig));
	for (i = 0; i < fam.n; i++)
		p[i] = fam.figs[i]->p;
	stats_benjamini_hochberg(p, fam.n, STATS_ALPHA, sig);
	for (i = 0; i < fam.n; i++) {
		struct cmp_figure *f = fam.figs[i];

		f->small = sig[i] && cmp->opt->min_change_pct > 0 && !isnan(f->change) &&
			   100 * fabs(f->change) < cmp->opt->min_change_pct;
		f->tested = sig[i] ? direction(cmp, f) : CMP_NOISE;
		f->verdict = f->small ? CMP_NOISE : f->tested;
		cmp->nsignificant += sig[i] && !f->small;
	}
	cmp->ntested = fam.n;
	free(sig);
	free(p);
	free(fam.figs);
}

/* --------------------------------------------------------------- order */

static double abs_change(const struct cmp_figure *f)
{
	return fabs(f->sn.median - f->so.median);
}

static int desc(double a, double b)
{
	return (a < b) - (a > b);
}

static int by_change(const void *a, const void *b, void *arg)
{
	const struct cmp_func *x = a, *y = b;
	enum report_sort sort = *(const enum report_sort *)arg;
	int c = 0;

	if (sort == REPORT_SORT_TOTTIME)
		c = desc(abs_change(&x->self), abs_change(&y->self));
	else if (sort == REPORT_SORT_NCALLS)
		c = desc(abs_change(&x->calls), abs_change(&y->calls));
	else if (sort != REPORT_SORT_NAME)
		c = desc(abs_change(&x->cum), abs_change(&y->cum));
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->label, y->label);
	return c;
}

static int by_bytes_change(const void *a, const void *b)
{
	const struct cmp_site *x = a, *y = b;
	int c = desc(abs_change(&x->bytes), abs_change(&y->bytes));

	return c ? c : strcmp(x->label, y->label);
}

/* ---------------------------------------------------------------- gate */

static void gate_check(struct cmp_report *cmp, const char *what, const char *name,
		       const struct cmp_figure *f, double pct)
{
	if (f->verdict == CMP_UNTESTED || (f == &cmp->wall && !cmp->wall_known))
		cmp->gate_blind = true;
	/* A change under --min-change is noise to the eye, not to the gate. */
	if ((f->small ? f->tested : f->verdict) != CMP_WORSE || isnan(f->change) ||
	    f->change * 100 <= pct)
		return;
	cmp->failures = xrealloc(cmp->failures, (cmp->nfailures + 1) * sizeof(*cmp->failures));
	cmp->failures[cmp->nfailures++] = (struct cmp_gate_failure){ what, name, f, pct };
}

static int gate(struct cmp_report *cmp)
{
	const struct report_options *opt = cmp->opt;
	size_t i;

	if (opt->fail_slower) {
		cmp->gated = true;
		gate_check(cmp, "wall time", NULL, &cmp->wall, opt->fail_slower_pct);
		for (i = 0; i < cmp->nstages; i++)
			gate_check(cmp, "self time of stage", cmp->stages[i].name,
				   &cmp->stages[i].self, opt->fail_slower_pct);
		for (i = 0; i < opt->ngate; i++) {
			bool any = false;

			for (size_t j = 0; j < cmp->nfuncs; j++) {
				if (!report_name_matches(opt->gate[i], cmp->funcs[j].name))
					continue;
				any = true;
				gate_check(cmp, "cumulative time of", cmp->funcs[j].name,
					   &cmp->funcs[j].cum, opt->fail_slower_pct);
			}
			if (!any) {
				error("--gate '%s' matches no function of either side",
				      opt->gate[i]);
				return EXIT_USAGE;
			}
		}
	}
	if (opt->fail_memory && cmp->has_memory) {
		cmp->gated = true;
		gate_check(cmp, "peak bytes", NULL, &cmp->peak, opt->fail_memory_pct);
		gate_check(cmp, "bytes allocated", NULL, &cmp->bytes, opt->fail_memory_pct);
		gate_check(cmp, "bytes leaked", NULL, &cmp->leaked, opt->fail_memory_pct);
	} else if (opt->fail_memory) {
		cmp->gated = true;
		warning("--fail-if-more-memory: the traces hold no memory events");
	}
	return 0;
}

/* ---------------------------------------------------- what is compared */

static bool same_build(const struct report *a, const struct report *b)
{
	if (!a->exe_buildid || !b->exe_buildid)
		return true; /* cannot tell */
	return a->exe_buildid_len == b->exe_buildid_len &&
	       !memcmp(a->exe_buildid, b->exe_buildid, a->exe_buildid_len);
}

/* Every run against the old side's first: one warning for each kind of difference. */
static void check_programs(struct cmp_report *cmp)
{
	const struct report *first = cmp_first(&cmp->old), *other = NULL, *other_build = NULL;
	const struct cmp_side *sides[2] = { &cmp->old, &cmp->new };

	for (int k = 0; k < 2; k++) {
		for (size_t r = 0; r < sides[k]->nruns; r++) {
			const struct report *rep = sides[k]->runs[r].rep;

			if (strcmp(util_basename(rep->hdr->exe), util_basename(first->hdr->exe))) {
				if (!cmp->programs_differ)
					other = rep;
				cmp->programs_differ = true;
			} else if (!same_build(rep, first)) {
				if (!cmp->builds_differ)
					other_build = rep;
				cmp->builds_differ = true;
			}
		}
	}
	if (cmp->programs_differ)
		warning("'%s' and '%s' are traces of different programs (%s, %s): their figures "
			"need not measure the same thing",
			first->trace, other->trace, first->hdr->exe, other->hdr->exe);
	else if (cmp->builds_differ)
		warning("'%s' and '%s' are traces of different builds of %s (their build ids "
			"differ): a change may be the rebuild's as much as the code's",
			first->trace, other_build->trace, first->hdr->exe);
}

/* ----------------------------------------------------------------- build */

int cmp_build(struct cmp_report *cmp)
{
	struct match_key *fkeys = NULL, *skeys = NULL, *mkeys = NULL;
	size_t falloc = 0, salloc = 0, malloc_ = 0, r;
	enum report_sort sort = cmp->opt->sort;
	bool sides[2] = { false, true };

	cmp->wall_known = true;
	figure_init(cmp, &cmp->wall, CMP_NS);
	figure_init(cmp, &cmp->self, CMP_NS);
	figure_init(cmp, &cmp->allocs, CMP_COUNT);
	figure_init(cmp, &cmp->bytes, CMP_BYTES);
	figure_init(cmp, &cmp->peak, CMP_BYTES);
	figure_init(cmp, &cmp->leaked, CMP_BYTES);
	/* The new side first: stages in its pull order. */
	for (int k = 1; k >= 0; k--) {
		bool new = sides[k];
		const struct cmp_side *s = new ? &cmp->new : &cmp->old;

		for (r = 0; r < s->nruns; r++) {
			const struct report *rep = s->runs[r].rep;

			cmp->has_calls |= rep->has_calls;
			cmp->wall_known &= rep->wall_known;
			*slot(&cmp->wall, new, r) = (double)rep->wall_ns;
			*slot(&cmp->self, new, r) = (double)rep->merged.total_self_ns;
			add_funcs(cmp, &fkeys, &falloc, rep, new, r);
			add_stages(cmp, &skeys, &salloc, rep, new, r);
			add_sites(cmp, &mkeys, &malloc_, rep, new, r);
		}
	}
	keys_free(&fkeys);
	keys_free(&skeys);
	keys_free(&mkeys);
	for (r = 0; r < cmp->nfuncs; r++) {
		cmp->added += cmp->funcs[r].status == CMP_ADDED;
		cmp->removed += cmp->funcs[r].status == CMP_REMOVED;
	}
	cmp->one_run = cmp->old.nruns == 1 || cmp->new.nruns == 1;
	cmp->too_few =
	    !cmp->one_run && stats_mann_whitney_min_p(cmp->old.nruns, cmp->new.nruns) > STATS_ALPHA;
	check_programs(cmp);
	test_all(cmp);
	if (cmp->nfuncs) /* qsort_r(NULL, 0, ...) is undefined */
		qsort_r(cmp->funcs, cmp->nfuncs, sizeof(*cmp->funcs), by_change, &sort);
	if (cmp->nsites)
		qsort(cmp->sites, cmp->nsites, sizeof(*cmp->sites), by_bytes_change);
	return gate(cmp);
}

void cmp_release(struct cmp_report *cmp)
{
	size_t i;

	for (i = 0; i < cmp->nblocks; i++)
		free(cmp->blocks[i]);
	free(cmp->blocks);
	free(cmp->funcs);
	free(cmp->stages);
	free(cmp->sites);
	free(cmp->failures);
	cmp_side_release(&cmp->old);
	cmp_side_release(&cmp->new);
	memset(cmp, 0, sizeof(*cmp));
}

int cmp_run(const struct report_options *opt, FILE *out)
{
	const struct report_kind *kind = opt->kind ? opt->kind : &report_kinds[0];
	struct cmp_report cmp;
	int ret;

	if (opt->sort == REPORT_SORT_TOTALLOC || opt->sort == REPORT_SORT_CUMALLOC) {
		error("sort key '%s' does not apply to '--compare'",
		      opt->sort == REPORT_SORT_TOTALLOC ? "totalloc" : "cumalloc");
		return EXIT_USAGE;
	}
	ret = cmp_load(&cmp, opt);
	if (!ret)
		ret = cmp_build(&cmp);
	if (!ret) {
		ret = kind->render_compare(&cmp, out) < 0 ? EXIT_BADTRACE : 0;
		if (!ret && cmp.nfailures)
			ret = CMP_EXIT_GATE;
	}
	cmp_release(&cmp);
	return ret;
}
