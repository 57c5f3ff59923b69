// SPDX-License-Identifier: MIT
/*
 * compare.c - match the functions and stages of two reports and order the
 * changes (see compare.h); read the two traces for --compare.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report_stage.h"

/* A function being matched: its key, and its index in cmp->funcs. */
struct func_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

double cmp_ratio(uint64_t old, uint64_t new)
{
	return old && new ? (double)old / (double)new : 0;
}

/* "name\x1fbase.c": what makes a function the same in both traces. */
static char *func_key(const struct report_sym *s)
{
	return util_join(s->name, UTIL_KEY_SEP, s->file ? util_basename(s->file) : "");
}

/* Add the functions of one side. */
static void add_side(struct cmp_report *cmp, struct func_key **keys, size_t *alloc,
		     const struct report *rep, bool is_new)
{
	size_t i;

	for (i = 0; i < rep->merged.nfuncs; i++) {
		const struct report_func *f = &rep->merged.funcs[i];
		char *key = func_key(f->sym);
		struct cmp_func *c;
		struct func_key *k;

		HASH_FIND_STR(*keys, key, k);
		if (!k) {
			k = xcalloc(1, sizeof(*k));
			k->key = key;
			k->index = cmp->nfuncs++;
			HASH_ADD_KEYPTR(hh, *keys, k->key, strlen(k->key), k);
			if (hash_oom_take())
				die("out of memory");
			cmp->funcs = xgrow(cmp->funcs, alloc, cmp->nfuncs, sizeof(*cmp->funcs));
			memset(&cmp->funcs[k->index], 0, sizeof(*cmp->funcs));
			cmp->funcs[k->index].status = is_new ? CMP_ADDED : CMP_REMOVED;
		} else {
			free(key);
		}
		c = &cmp->funcs[k->index];
		if (is_new && c->status == CMP_REMOVED)
			c->status = CMP_BOTH;
		if (is_new || !c->name) {
			c->name = f->sym->name;
			c->file = f->sym->file;
			c->label = f->sym->label;
		}
		if (is_new) {
			c->new_calls += f->calls;
			c->new_self_ns += f->self_ns;
			c->new_cum_ns += f->cum_ns;
		} else {
			c->old_calls += f->calls;
			c->old_self_ns += f->self_ns;
			c->old_cum_ns += f->cum_ns;
		}
	}
}

static uint64_t abs_change(uint64_t old, uint64_t new)
{
	return old > new ? old - new : new - old;
}

static int cmp_desc(uint64_t a, uint64_t b)
{
	return (a < b) - (a > b);
}

static int by_change(const void *a, const void *b, void *arg)
{
	const struct cmp_func *x = a, *y = b;
	enum report_sort sort = *(const enum report_sort *)arg;
	int c = 0;

	if (sort == REPORT_SORT_TOTTIME)
		c = cmp_desc(abs_change(x->old_self_ns, x->new_self_ns),
			     abs_change(y->old_self_ns, y->new_self_ns));
	else if (sort == REPORT_SORT_NCALLS)
		c = cmp_desc(abs_change(x->old_calls, x->new_calls),
			     abs_change(y->old_calls, y->new_calls));
	else if (sort != REPORT_SORT_NAME)
		c = cmp_desc(abs_change(x->old_cum_ns, x->new_cum_ns),
			     abs_change(y->old_cum_ns, y->new_cum_ns));
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->label, y->label);
	return c;
}

static void add_stage(struct cmp_report *cmp, const struct report_stage *old,
		      const struct report_stage *new)
{
	struct cmp_stage *s = &cmp->stages[cmp->nstages++];

	s->name = new ? new->name : old->name;
	s->status = old && new ? CMP_BOTH : new ? CMP_ADDED : CMP_REMOVED;
	s->old = old;
	s->new = new;
}

static const struct report_stage *find_stage(const struct report_stages *st, const char *name)
{
	size_t i;

	for (i = 0; st && i < st->n; i++) {
		if (!strcmp(st->rows[i].name, name))
			return &st->rows[i];
	}
	return NULL;
}

static void match_stages(struct cmp_report *cmp)
{
	const struct report_stages *o = cmp->old->stages, *n = cmp->new->stages;
	size_t i, total = (o ? o->n : 0) + (n ? n->n : 0);

	cmp->stages = xcalloc(total + 1, sizeof(*cmp->stages));
	for (i = 0; n && i < n->n; i++)
		add_stage(cmp, find_stage(o, n->rows[i].name), &n->rows[i]);
	for (i = 0; o && i < o->n; i++) {
		if (!find_stage(n, o->rows[i].name))
			add_stage(cmp, &o->rows[i], NULL);
	}
}

void cmp_build(struct cmp_report *cmp, const struct report_options *opt, const struct report *old,
	       const struct report *new)
{
	struct func_key *keys = NULL, *k, *tmp;
	enum report_sort sort = opt->sort;
	size_t i, alloc = 0;

	memset(cmp, 0, sizeof(*cmp));
	cmp->opt = opt;
	cmp->old = old;
	cmp->new = new;
	add_side(cmp, &keys, &alloc, old, false);
	add_side(cmp, &keys, &alloc, new, true);
	HASH_ITER(hh, keys, k, tmp)
	{
		HASH_DEL(keys, k);
		free(k->key);
		free(k);
	}
	for (i = 0; i < cmp->nfuncs; i++) {
		cmp->added += cmp->funcs[i].status == CMP_ADDED;
		cmp->removed += cmp->funcs[i].status == CMP_REMOVED;
	}
	if (cmp->nfuncs) /* qsort_r(NULL, 0, ...) is undefined */
		qsort_r(cmp->funcs, cmp->nfuncs, sizeof(*cmp->funcs), by_change, &sort);
	match_stages(cmp);
}

void cmp_release(struct cmp_report *cmp)
{
	free(cmp->funcs);
	free(cmp->stages);
	memset(cmp, 0, sizeof(*cmp));
}

int cmp_run(const struct report_options *opt, FILE *out)
{
	const struct report_kind *kind = opt->kind ? opt->kind : &report_kinds[0];
	struct report old, new;
	struct cmp_report cmp;
	int ret;

	if (opt->sort == REPORT_SORT_TOTALLOC || opt->sort == REPORT_SORT_CUMALLOC) {
		error("sort key '%s' does not apply to '--compare'",
		      opt->sort == REPORT_SORT_TOTALLOC ? "totalloc" : "cumalloc");
		return EXIT_USAGE;
	}
	ret = report_open(&old, opt, opt->compare_old, false);
	if (ret)
		return ret;
	ret = report_open(&new, opt, opt->compare_new, false);
	if (ret) {
		report_close(&old);
		return ret;
	}
	cmp_build(&cmp, opt, &old, &new);
	ret = kind->render_compare(&cmp, out) < 0 ? EXIT_BADTRACE : 0;
	cmp_release(&cmp);
	report_close(&new);
	report_close(&old);
	return ret;
}
