/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "compiler.h"
#include "sigmask.h"
#include "stack.h"
#include "thread.h"
#include "trace_format.h"

struct stack_slot {
	uint64_t hash; /* 0: empty */
	uint32_t id;
	uint32_t off; /* of the stack's [depth, frames...] in the arena */
};

static unsigned stack_depth = STACK_DEPTH_DEFAULT; /* MPROF_STACK_DEPTH */
static uintptr_t self_lo, self_hi;		   /* libmprof's own code */

NOINSTR static int stack_self_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t here = (uintptr_t)arg;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && here >= lo && here < lo + ph->p_memsz) {
			self_lo = lo;
			self_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

NOINSTR void stack_init(unsigned max_depth)
{
	stack_depth = max_depth;
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	sigmask_loader_walk(stack_self_cb, (void *)(uintptr_t)stack_init);
}

NOINSTR bool stack_in_self(uintptr_t pc)
{
	return pc >= self_lo && pc < self_hi;
}

NOINSTR unsigned stack_max_depth(void)
{
	return stack_depth;
}

NOINSTR unsigned stack_capture(struct thread_state *t, uintptr_t site, uint64_t *frames,
			       bool *shadow)
{
	unsigned n = 1, skip = 0;
	int got;

	frames[0] = site;
	*shadow = false;
	if (t->depth > t->base && t == tls_calls) {
		/* Instrumented: the open calls, innermost first. Frames past
		 * the shadow stack's capacity were not stored. */
		uint32_t d = t->depth < t->cap ? t->depth : t->cap;

		*shadow = true;
		while (d > 0 && n < stack_depth) {
			const struct shadow_frame *f = &t->stack[--d];

			/* Not a frame whose entry was lost or left out by a
			 * filter (as if it were not instrumented). */
			if (!FRAME_UNWRITTEN(f))
				frames[n++] = f->fn;
		}
		return n;
	}
	/* Our own frames first (the wrapper, the recorder), then the
	 * allocator's caller, which `site` already names: skip them. */
	got = unw_backtrace((void **)(frames + 1),
			    (int)(stack_depth + STACK_CAPTURE_WORDS - 1 - STACK_DEPTH_MAX));
	while ((int)skip < got && frames[1 + skip] >= self_lo && frames[1 + skip] < self_hi)
		skip++;
	skip++;
	if ((int)skip < got) {
		n += (unsigned)got - skip;
		if (n > stack_depth)
			n = stack_depth;
		memmove(frames + 1, frames + 1 + skip, (n - 1) * sizeof(*frames));
	}
	return n;
}

NOINSTR static uint64_t stack_hash(const uint64_t *frames, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (unsigned i = 0; i < n; i++) {
		h ^= frames[i];
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	return h ? h : 1;
}

NOINSTR static void *stack_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Double the slot array (or create it), rehashing. */
NOINSTR static bool stack_grow_slots(struct stack_table *tab)
{
	uint32_t cap = tab->cap ? tab->cap * 2 : 1024;
	struct stack_slot *slots = stack_map(cap * sizeof(*slots));

	if (slots == NULL)
		return false;
	for (uint32_t i = 0; i < tab->cap; i++) {
		const struct stack_slot *s = &tab->slots[i];
		uint32_t j;

		if (s->hash == 0)
			continue;
		for (j = (uint32_t)s->hash & (cap - 1); slots[j].hash; j = (j + 1) & (cap - 1))
			;
		slots[j] = *s;
	}
	if (tab->slots)
		munmap(tab->slots, tab->cap * sizeof(*tab->slots));
	tab->slots = slots;
	tab->cap = cap;
	return true;
}

/* Room for `words` more words in the frame arena. */
NOINSTR static bool stack_grow_frames(struct stack_table *tab, size_t words)
{
	size_t cap = tab->frames_cap ? tab->frames_cap : 8192;
	void *p;

	while (cap < tab->frames_used + words)
		cap *= 2;
	if (cap == tab->frames_cap)
		return true;
	if (tab->frames)
		p = mremap(tab->frames, tab->frames_cap * 8, cap * 8, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	tab->frames = p;
	tab->frames_cap = cap;
	return true;
}

uint32_t stack_generation;

NOINSTR void stack_forget_all(void)
{
	__atomic_add_fetch(&stack_generation, 1, __ATOMIC_RELEASE);
}

NOINSTR uint32_t stack_intern(struct stack_table *tab, const uint64_t *frames, unsigned n,
			      bool *is_new)
{
	uint32_t gen = __atomic_load_n(&stack_generation, __ATOMIC_ACQUIRE);
	uint64_t h = stack_hash(frames, n);
	uint32_t i;

	*is_new = false;
	if (unlikely(tab->gen != gen)) {
		/* Forget every stack (ids go on from the last one). */
		if (tab->slots)
			memset(tab->slots, 0, tab->cap * sizeof(*tab->slots));
		tab->used = 0;
		tab->frames_used = 0;
		tab->gen = gen;
	}
	if (tab->used * 2 >= tab->cap && !stack_grow_slots(tab))
		return 0;
	for (i = (uint32_t)h & (tab->cap - 1); tab->slots[i].hash; i = (i + 1) & (tab->cap - 1)) {
		const struct stack_slot *s = &tab->slots[i];
		const uint64_t *f = tab->frames + s->off;

		if (s->hash == h && f[0] == n && !memcmp(f + 1, frames, n * sizeof(*frames)))
			return s->id;
	}
	if (tab->count >= TRACE_STACK_ID_MASK || !stack_grow_frames(tab, n + 1))
		return 0;
	tab->slots[i].hash = h;
	tab->slots[i].id = ++tab->count;
	tab->used++;
	tab->slots[i].off = (uint32_t)tab->frames_used;
	tab->frames[tab->frames_used] = n;
	memcpy(tab->frames + tab->frames_used + 1, frames, n * sizeof(*frames));
	tab->frames_used += n + 1;
	*is_new = true;
	return tab->count;
}

NOINSTR void stack_table_release(struct stack_table *tab)
{
	if (tab->slots)
		munmap(tab->slots, tab->cap * sizeof(*tab->slots));
	if (tab->frames)
		munmap(tab->frames, tab->frames_cap * 8);
	memset(tab, 0, sizeof(*tab));
}
