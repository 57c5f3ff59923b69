/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the allocator family, interposed: every call goes to the real
 * allocator (the next definition after libmprof, normally glibc's) and
 * returns exactly what it returned, errno included; around it, the event is
 * recorded (libprofile/alloc.c).
 *
 * The real functions are found with dlsym(RTLD_NEXT), whose own allocations
 * (before any real allocator is known) are served by a static bump arena;
 * free and realloc recognise its blocks.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "clock.h"
#include "compiler.h"

struct real_allocator {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
};

static struct real_allocator real;
/* This thread is inside dlsym, looking the real functions up: its
 * allocations go to the arena. Other threads look them up themselves. */
static __thread int resolving TLS_IE;

/* ----------------------------------------------------------- boot arena */

#define BOOT_SIZE  (256 * 1024)
#define BOOT_ALIGN 16

/* Each block is preceded by its size, so realloc can copy it. */
static _Alignas(4096) char boot_arena[BOOT_SIZE]; /* offsets aligned = addresses aligned */
static size_t boot_used;

NOINSTR static bool boot_owns(const void *p)
{
	return (const char *)p >= boot_arena && (const char *)p < boot_arena + BOOT_SIZE;
}

NOINSTR static void *boot_alloc(size_t size, size_t align)
{
	size_t need, start, old;

	if (align < BOOT_ALIGN)
		align = BOOT_ALIGN;
	if (size > BOOT_SIZE || align > 4096 || (align & (align - 1)))
		return NULL;
	/* The size word, padding up to the alignment, the block. */
	need = (sizeof(size_t) + align - 1 + size + BOOT_ALIGN - 1) & ~(size_t)(BOOT_ALIGN - 1);
	old = __atomic_fetch_add(&boot_used, need, __ATOMIC_RELAXED);
	if (old + need > BOOT_SIZE)
		return NULL;
	start = (old + sizeof(size_t) + align - 1) & ~(align - 1);
	memcpy(boot_arena + start - sizeof(size_t), &size, sizeof(size));
	return boot_arena + start; /* zero: the arena is never reused */
}

NOINSTR static size_t boot_size(const void *p)
{
	size_t size;

	memcpy(&size, (const char *)p - sizeof(size), sizeof(size));
	return size;
}

/* ------------------------------------------------------------ resolving */

NOINSTR static void *real_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Find the real functions, once per process (concurrent callers find the
 * same answers). Returns false while dlsym itself is allocating. */
NOINSTR static bool real_resolve(void)
{
	if (__atomic_load_n(&real.free, __ATOMIC_ACQUIRE))
		return true;
	if (resolving)
		return false;
	resolving = 1;
	real.malloc = real_sym("malloc");
	real.calloc = real_sym("calloc");
	real.realloc = real_sym("realloc");
	real.reallocarray = real_sym("reallocarray");
	real.posix_memalign = real_sym("posix_memalign");
	real.aligned_alloc = real_sym("aligned_alloc");
	real.memalign = real_sym("memalign");
	real.valloc = real_sym("valloc");
	real.pvalloc = real_sym("pvalloc");
	real.malloc_usable_size = real_sym("malloc_usable_size");
	__atomic_store_n(&real.free, real_sym("free"), __ATOMIC_RELEASE);
	resolving = 0;
	return real.free != NULL && real.malloc != NULL;
}

#define READY() likely(real.free != NULL || real_resolve())
#define SITE()	((uintptr_t)__builtin_return_address(0))

/* ------------------------------------------------------------- wrappers */

/* The common shape of the allocating calls: call, then record. */
#define RECORD_ALLOCATION(call, kind, size, out)               \
	do {                                                   \
		struct thread_state *t = alloc_begin();        \
		struct alloc_event ev;                         \
		int saved;                                     \
                                                               \
		out = call;                                    \
		saved = errno;                                 \
		if (t && out) {                                \
			alloc_prepare(t, &ev, SITE(), 4);      \
			alloc_record(t, &ev, kind, out, size); \
		}                                              \
		alloc_end();                                   \
		errno = saved;                                 \
	} while (0)

MPROF_EXPORT void *malloc(size_t size)
{
	void *p;

	if (!READY())
		return boot_alloc(size, 0);
	RECORD_ALLOCATION(real.malloc(size), TRACE_ALLOC_MALLOC, size, p);
	return p;
}

MPROF_EXPORT void *calloc(size_t n, size_t size)
{
	void *p;

	if (!READY()) {
		if (size && n > (size_t)-1 / size)
			return NULL;
		return boot_alloc(n * size, 0);
	}
	RECORD_ALLOCATION(real.calloc(n, size), TRACE_ALLOC_CALLOC, n * size, p);
	return p;
}

MPROF_EXPORT void free(void *ptr)
{
	struct thread_state *t;

	if (boot_owns(ptr))
		return;
	if (!READY())
		return; /* only the arena's blocks (or NULL) exist then */
	if (ptr == NULL) {
		/* Nothing to record, but an allocator or shim after us may
		 * count it: every call goes on unchanged. */
		real.free(NULL);
		return;
	}
	t = alloc_begin();
	if (t) {
		int saved = errno;

		alloc_record_free(t, ptr); /* before the block can be reused */
		errno = saved;
	}
	real.free(ptr);
	alloc_end();
}

/* realloc and reallocarray: the free's time is taken before the call, the
 * allocation's after; a failed call leaves the old block live and records
 * nothing, a call that frees (size 0) records the free. */
NOINSTR static void *realloc_common(void *ptr, size_t n, size_t size, unsigned kind, uintptr_t site)
{
	struct thread_state *t;
	struct alloc_event ev;
	uint64_t free_ticks = 0;
	size_t total;
	bool overflow = __builtin_mul_overflow(n, size, &total);
	void *p;
	int saved;

	t = alloc_begin();
	if (t) {
		alloc_prepare(t, &ev, site, 6);
		if (ptr && ev.room)
			free_ticks = clock_ticks();
	}
	if (kind == TRACE_ALLOC_REALLOCARRAY)
		p = real.reallocarray(ptr, n, size);
	else
		p = real.realloc(ptr, size);
	saved = errno;
	if (t && p)
		alloc_record_realloc(t, &ev, kind, ptr, p, total, free_ticks);
	else if (t && ptr && !overflow && total == 0)
		alloc_record_realloc_free(t, &ev, ptr, free_ticks); /* realloc(p, 0) */
	alloc_end();
	errno = saved;
	return p;
}

/* A realloc of an arena block: a fresh real block with the old contents. */
NOINSTR static void *boot_realloc(void *ptr, size_t size)
{
	size_t old = boot_size(ptr);
	void *p = malloc(size);

	if (p)
		memcpy(p, ptr, old < size ? old : size);
	return p;
}

MPROF_EXPORT void *realloc(void *ptr, size_t size)
{
	if (!READY()) {
		void *p = boot_alloc(size, 0);

		if (p && ptr)
			memcpy(p, ptr, boot_size(ptr) < size ? boot_size(ptr) : size);
		return p;
	}
	if (boot_owns(ptr))
		return boot_realloc(ptr, size);
	return realloc_common(ptr, 1, size, TRACE_ALLOC_REALLOC, SITE());
}

MPROF_EXPORT void *reallocarray(void *ptr, size_t n, size_t size)
{
	if (!READY() || boot_owns(ptr)) {
		if (size && n > (size_t)-1 / size) {
			errno = ENOMEM;
			return NULL;
		}
		return realloc(ptr, n * size);
	}
	return realloc_common(ptr, n, size, TRACE_ALLOC_REALLOCARRAY, SITE());
}

MPROF_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	struct thread_state *t;
	struct alloc_event ev;
	int ret, saved;

	if (!READY()) {
		*out = boot_alloc(size, align);
		return *out ? 0 : ENOMEM;
	}
	t = alloc_begin();
	ret = real.posix_memalign(out, align, size);
	saved = errno;
	if (t && ret == 0) {
		alloc_prepare(t, &ev, SITE(), 4);
		alloc_record(t, &ev, TRACE_ALLOC_POSIX_MEMALIGN, *out, size);
	}
	alloc_end();
	errno = saved;
	return ret;
}

MPROF_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	void *p;

	if (!READY())
		return boot_alloc(size, align);
	RECORD_ALLOCATION(real.aligned_alloc(align, size), TRACE_ALLOC_ALIGNED_ALLOC, size, p);
	return p;
}

MPROF_EXPORT void *memalign(size_t align, size_t size)
{
	void *p;

	if (!READY())
		return boot_alloc(size, align);
	RECORD_ALLOCATION(real.memalign(align, size), TRACE_ALLOC_MEMALIGN, size, p);
	return p;
}

MPROF_EXPORT void *valloc(size_t size)
{
	void *p;

	if (!READY())
		return boot_alloc(size, 4096);
	RECORD_ALLOCATION(real.valloc(size), TRACE_ALLOC_VALLOC, size, p);
	return p;
}

MPROF_EXPORT void *pvalloc(size_t size)
{
	void *p;

	if (!READY())
		return boot_alloc(size, 4096);
	RECORD_ALLOCATION(real.pvalloc(size), TRACE_ALLOC_PVALLOC, size, p);
	return p;
}

/* Our own malloc, by a name the dynamic linker cannot bind elsewhere. */
extern __typeof__(malloc) alloc_malloc_here
    __attribute__((alias("malloc"), visibility("hidden"), copy(malloc)));

NOINSTR uint64_t alloc_malloc_elsewhere(void)
{
	void *p = dlsym(RTLD_DEFAULT, "malloc");

	return p && p != (void *)alloc_malloc_here ? (uintptr_t)p : 0;
}

MPROF_EXPORT size_t malloc_usable_size(void *ptr)
{
	if (ptr == NULL)
		return 0;
	if (boot_owns(ptr))
		return boot_size(ptr);
	if (!READY())
		return 0;
	return real.malloc_usable_size(ptr);
}
