/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "sigmask.h"
#include "filter.h"
#include "log.h"
#include "modmap.h"
#include "name_match.h"
#include "trace_format.h"
#include "writer.h"

struct filter_state filter;

/* What the patterns say of one function (bits). */
#define FILTER_INC 1u /* matches an include pattern */
#define FILTER_EXC 2u /* matches an exclude pattern */

/* The patterns, split out of copies of the variables (mmap'd). */
struct filter_list {
	char **pat;
	size_t n;
};

static struct filter_list filter_inc, filter_exc;

/*
 * Locking: filter_lock guards the module list and the verdict table's
 * writers. It is never held while calling into the dynamic loader
 * (dl_iterate_phdr) or reading files, so it cannot close a cycle with the
 * loader's lock or writer.lock; the fork handlers take it (see
 * filter_fork_lock). Readers of the verdict table take no lock.
 */
static pthread_mutex_t filter_lock = PTHREAD_MUTEX_INITIALIZER;

/* One function of an object that some pattern matches. */
struct filter_sym {
	uintptr_t addr; /* its run-time address */
	unsigned flags; /* FILTER_INC, FILTER_EXC */
};

/* A loaded object whose symbol table was read. */
struct filter_module {
	uintptr_t lo, hi;	/* the span of its loaded segments */
	uintptr_t bias;		/* its load bias */
	struct filter_sym *sym; /* sorted by address; mmap'd, NULL if none */
	size_t nsym;
	bool live; /* false once dlclose unloaded it */
};

/* Room reserved once (pages are touched only as modules come), so that the
 * list never moves. */
#define FILTER_MODS_MAX 65536
static struct filter_module *filter_mods;
static size_t filter_nmods;

/*
 * The verdict cache: an open-addressing set of words fn | verdict << 63
 * (user-space code lies below 2^63; 0 is an empty slot). Entries are
 * added under filter_lock and never change; a full table is replaced by
 * one twice its size, and dlclose replaces it by an empty one. Old tables
 * stay mapped, so a hook still searching one reads valid memory.
 */
struct filter_table {
	unsigned bits;
	size_t used;
	uint64_t slot[];
};

static struct filter_table *filter_table;

#define FILTER_TABLE_BITS0 12
#define FILTER_SHOWN	   (1ull << 63)

/* The C++ runtime's demangler, once a scanned object defines it. */
typedef char *filter_demangle_fn(const char *, char *, size_t *, int *);
static filter_demangle_fn *filter_demangler;

NOINSTR static void *filter_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

NOINSTR static struct filter_table *filter_table_new(unsigned bits)
{
	struct filter_table *t = filter_map(sizeof(*t) + (sizeof(uint64_t) << bits));

	if (t)
		t->bits = bits;
	return t;
}

NOINSTR static size_t filter_hash(const struct filter_table *t, uintptr_t fn)
{
	return (size_t)(((uint64_t)fn * 0x9e3779b97f4a7c15ull) >> (64 - t->bits));
}

/* The cached entry of fn, or 0. */
NOINSTR static uint64_t filter_table_find(const struct filter_table *t, uintptr_t fn)
{
	size_t mask = ((size_t)1 << t->bits) - 1;

	for (size_t i = filter_hash(t, fn);; i = (i + 1) & mask) {
		uint64_t e = __atomic_load_n(&t->slot[i], __ATOMIC_RELAXED);

		if (e == 0 || (e & ~FILTER_SHOWN) == fn)
			return e;
	}
}

NOINSTR static void filter_table_put(struct filter_table *t, uint64_t e)
{
	size_t mask = ((size_t)1 << t->bits) - 1;
	size_t i = filter_hash(t, (uintptr_t)(e & ~FILTER_SHOWN));

	while (t->slot[i])
		i = (i + 1) & mask;
	__atomic_store_n(&t->slot[i], e, __ATOMIC_RELAXED);
	t->used++;
}

/* Cache one verdict (filter_lock held). A table half full is replaced
 * first; if no bigger one can be had, the entry is not cached. */
NOINSTR static void filter_table_add(uintptr_t fn, bool shown)
{
	struct filter_table *t = filter_table;

	if (t->used + 1 > ((size_t)1 << t->bits) / 2) {
		struct filter_table *big = filter_table_new(t->bits + 1);

		if (big == NULL)
			return;
		for (size_t i = 0; i < (size_t)1 << t->bits; i++)
			if (t->slot[i])
				filter_table_put(big, t->slot[i]);
		__atomic_store_n(&filter_table, big, __ATOMIC_RELEASE);
		t = big;
	}
	filter_table_put(t, fn | (shown ? FILTER_SHOWN : 0));
}

/* Split a copy of a comma-separated list into *l (empty items skipped). */
NOINSTR static int filter_list_init(struct filter_list *l, const char *var, const char *val)
{
	size_t len = strlen(val), n = 1;
	char *copy, *p, *save;

	memset(l, 0, sizeof(*l));
	for (const char *s = val; *s; s++)
		n += *s == ',';
	copy = filter_map(len + 1 + n * sizeof(char *));
	if (copy == NULL) {
		log_warn("%s: no memory for the patterns", var);
		return -1;
	}
	l->pat = (char **)copy;
	copy += n * sizeof(char *);
	memcpy(copy, val, len + 1);
	for (p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (l->n == TRACE_FILTER_PATTERNS_MAX) {
			log_warn("%s: more than %u patterns; using the first %u", var,
				 TRACE_FILTER_PATTERNS_MAX, TRACE_FILTER_PATTERNS_MAX);
			break;
		}
		if (strlen(p) > TRACE_FILTER_TEXT_MAX) {
			log_warn("%s: the pattern '%.32s...' is longer than %u bytes; ignoring it",
				 var, p, TRACE_FILTER_TEXT_MAX);
			continue;
		}
		l->pat[l->n++] = p;
	}
	return 0;
}

NOINSTR static bool filter_list_match(const struct filter_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (name_match(l->pat[i], name))
			return true;
	return false;
}

/* The flags of a symbol named `sym` (as in the symbol table): matched on
 * the name the reporter prints (a version suffix dropped, a C++ name
 * demangled when the process has the C++ runtime). */
NOINSTR static unsigned filter_classify(const char *sym)
{
	char plain[512], *demangled = NULL;
	size_t len = strcspn(sym, "@");
	const char *name = sym;
	unsigned flags = 0;

	if (len && sym[len] && len < sizeof(plain)) {
		memcpy(plain, sym, len);
		plain[len] = '\0';
		name = plain;
	}
	if (name[0] == '_' && name[1] == 'Z' && filter_demangler) {
		int status;

		demangled = filter_demangler(name, NULL, NULL, &status);
		if (demangled)
			name = demangled;
	}
	if (filter_list_match(&filter_inc, name))
		flags |= FILTER_INC;
	if (filter_list_match(&filter_exc, name))
		flags |= FILTER_EXC;
	free(demangled);
	return flags;
}

/* ------------------------------------------------------------ ELF files */

/* A loaded object to scan: where it is, and its file mapped for reading. */
struct filter_obj {
	uintptr_t lo, hi, bias;
	uintptr_t text_lo, text_hi; /* its first executable segment's file part */
	char name[PATH_MAX];	    /* dlpi_name, "" for the executable */
	const unsigned char *base;  /* the file, mapped; NULL if unreadable */
	size_t size;
	const Elf64_Sym *sym; /* its symbol table (.symtab, else .dynsym) */
	size_t nsym;
	const char *str;
	size_t strsize;
};

/* Find the symbol table of a mapped file; false if it has none or is not a
 * well-formed 64-bit ELF file of this byte order. */
NOINSTR static bool filter_elf_symbols(struct filter_obj *o)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)o->base;
	const Elf64_Shdr *sh, *tab = NULL, *str;

	if (o->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > o->size ||
	    eh->e_shoff % 8 != 0 || eh->e_shnum > (o->size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return false;
	sh = (const Elf64_Shdr *)(o->base + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB)
			tab = &sh[i];
		else if (sh[i].sh_type == SHT_DYNSYM && tab == NULL)
			tab = &sh[i];
	}
	if (tab == NULL || tab->sh_link >= eh->e_shnum || tab->sh_offset > o->size ||
	    tab->sh_offset % 8 != 0 || tab->sh_size > o->size - tab->sh_offset ||
	    tab->sh_entsize != sizeof(Elf64_Sym))
		return false;
	str = &sh[tab->sh_link];
	if (str->sh_offset > o->size || str->sh_size > o->size - str->sh_offset ||
	    str->sh_size == 0 || o->base[str->sh_offset + str->sh_size - 1] != '\0')
		return false;
	o->sym = (const Elf64_Sym *)(o->base + tab->sh_offset);
	o->nsym = tab->sh_size / sizeof(Elf64_Sym);
	o->str = (const char *)(o->base + str->sh_offset);
	o->strsize = str->sh_size;
	return true;
}

/* Symbol i if it is a function defined in the object, else NULL. */
NOINSTR static const char *filter_obj_function(const struct filter_obj *o, size_t i)
{
	const Elf64_Sym *s = &o->sym[i];

	if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF || s->st_value == 0 ||
	    s->st_name >= o->strsize)
		return NULL;
	return o->str + s->st_name;
}

/*
 * Map the object's file: the very file the process mapped, through
 * /proc/self/map_files (a relative dlopen name, a file replaced or deleted
 * since, are no trouble), else by its name. Never blocks on a FIFO.
 */
NOINSTR static void filter_obj_open(struct filter_obj *o)
{
	char path[MODMAP_LINK_MAX];
	struct stat st;
	int fd;

	modmap_link(o->text_lo, o->text_hi, path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		fd = open(o->name[0] ? o->name : "/proc/self/exe",
			  O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			o->base = p;
			o->size = (size_t)st.st_size;
		}
	}
	close(fd);
	if (o->base && !filter_elf_symbols(o)) {
		munmap((void *)o->base, o->size);
		o->base = NULL;
	}
}

/* Take the demangler from an object that defines it. */
NOINSTR static void filter_obj_find_demangler(const struct filter_obj *o)
{
	for (size_t i = 0; o->base && !filter_demangler && i < o->nsym; i++) {
		const char *name = filter_obj_function(o, i);

		if (name && ELF64_ST_BIND(o->sym[i].st_info) == STB_GLOBAL &&
		    !strcmp(name, "__cxa_demangle"))
			filter_demangler = (filter_demangle_fn *)(o->bias + o->sym[i].st_value);
	}
}

/* Heapsort by address: no allocation (this may run in a signal handler). */
NOINSTR static void filter_sift(struct filter_sym *v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		struct filter_sym tmp;

		if (child + 1 < n && v[child + 1].addr > v[child].addr)
			child++;
		if (v[root].addr >= v[child].addr)
			return;
		tmp = v[root];
		v[root] = v[child];
		v[child] = tmp;
	}
}

NOINSTR static void filter_sort(struct filter_sym *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		filter_sift(v, i, n);
	for (size_t end = n; end-- > 1;) {
		struct filter_sym tmp = v[0];

		v[0] = v[end];
		v[end] = tmp;
		filter_sift(v, 0, end);
	}
}

/* Fill m with the object's matching functions, sorted. */
NOINSTR static void filter_obj_classify(const struct filter_obj *o, struct filter_module *m)
{
	size_t n = 0;

	for (size_t i = 0; o->base && i < o->nsym; i++)
		n += filter_obj_function(o, i) != NULL;
	if (n == 0 || (m->sym = filter_map(n * sizeof(*m->sym))) == NULL)
		return;
	for (size_t i = 0; i < o->nsym; i++) {
		const char *name = filter_obj_function(o, i);
		unsigned flags = name ? filter_classify(name) : 0;

		if (flags) {
			m->sym[m->nsym].addr = o->bias + o->sym[i].st_value;
			m->sym[m->nsym++].flags = flags;
		}
	}
	filter_sort(m->sym, m->nsym);
}

/* --------------------------------------------------------- loaded objects */

/* The live module containing fn, or NULL. filter_lock held. */
NOINSTR static struct filter_module *filter_module_at(uintptr_t fn)
{
	for (size_t i = 0; i < filter_nmods; i++)
		if (filter_mods[i].live && fn >= filter_mods[i].lo && fn < filter_mods[i].hi)
			return &filter_mods[i];
	return NULL;
}

/* What dl_iterate_phdr reports of the loaded objects, into a scratch
 * array (filter_walk maps it). */
struct filter_walk {
	struct filter_obj *obj;
	size_t n, cap;
};

NOINSTR static int filter_walk_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct filter_walk *w = arg;
	struct filter_obj *o;

	(void)size;
	if (w->n == w->cap)
		return 1;
	o = &w->obj[w->n];
	memset(o, 0, offsetof(struct filter_obj, name));
	o->lo = UINTPTR_MAX;
	o->bias = info->dlpi_addr;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (a < o->lo)
			o->lo = a;
		if (a + ph->p_memsz > o->hi)
			o->hi = a + ph->p_memsz;
		if ((ph->p_flags & PF_X) && !o->text_hi) {
			o->text_lo = a;
			o->text_hi = a + ph->p_filesz;
		}
	}
	if (o->hi <= o->lo || !o->text_hi)
		return 0; /* nothing executable: no function to filter */
	o->name[0] = '\0';
	if (info->dlpi_name)
		strncat(o->name, info->dlpi_name, sizeof(o->name) - 1);
	o->base = NULL;
	w->n++;
	return 0;
}

/* Whether module m is the load of the object o. */
NOINSTR static bool filter_same(const struct filter_module *m, const struct filter_obj *o)
{
	return m->lo == o->lo && m->hi == o->hi && m->bias == o->bias;
}

/* Whether a live module describes o. filter_lock held. */
NOINSTR static bool filter_known(const struct filter_obj *o)
{
	struct filter_module *m = filter_module_at(o->text_lo);

	return m && filter_same(m, o);
}

/* The objects loaded now, into w (a scratch array). False: no memory. */
NOINSTR static bool filter_walk(struct filter_walk *w)
{
	w->n = 0;
	w->cap = 1024;
	w->obj = filter_map(w->cap * sizeof(*w->obj));
	if (w->obj == NULL)
		return false;
	sigmask_loader_walk(filter_walk_cb, w);
	return true;
}

NOINSTR static void filter_walk_release(struct filter_walk *w)
{
	munmap(w->obj, w->cap * sizeof(*w->obj));
}

/*
 * Read the symbol tables of every loaded object not scanned yet, and add
 * them to the module list. The loader is called and files are read with no
 * lock held; the demangler is looked for in all of them before any name is
 * matched. Returns the number of objects added.
 */
NOINSTR static size_t filter_scan_new(void)
{
	struct filter_walk w;
	size_t added = 0;
	int cancel;

	if (!filter_walk(&w))
		return 0;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_mutex_lock(&filter_lock);
	for (size_t i = 0; i < w.n; i++)
		if (filter_known(&w.obj[i]))
			w.obj[i].hi = 0; /* skip it */
	pthread_mutex_unlock(&filter_lock);
	for (size_t i = 0; i < w.n; i++) {
		if (w.obj[i].hi) {
			filter_obj_open(&w.obj[i]);
			filter_obj_find_demangler(&w.obj[i]);
		}
	}
	for (size_t i = 0; i < w.n; i++) {
		struct filter_obj *o = &w.obj[i];
		struct filter_module m = { o->lo, o->hi, o->bias, NULL, 0, true };

		if (!o->hi)
			continue;
		filter_obj_classify(o, &m);
		if (o->base)
			munmap((void *)o->base, o->size);
		pthread_mutex_lock(&filter_lock);
		if (!filter_known(o) && filter_nmods < FILTER_MODS_MAX) {
			filter_mods[filter_nmods++] = m;
			added++;
		} else if (m.sym) {
			munmap(m.sym, m.nsym * sizeof(*m.sym)); /* another thread was first */
		}
		pthread_mutex_unlock(&filter_lock);
	}
	pthread_setcancelstate(cancel, NULL);
	filter_walk_release(&w);
	return added;
}

/* The flags of fn in its module. */
NOINSTR static unsigned filter_module_flags(const struct filter_module *m, uintptr_t fn)
{
	size_t lo = 0, hi = m->nsym;
	unsigned flags = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->sym[mid].addr < fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Aliases: every symbol at this address counts. */
	for (; lo < m->nsym && m->sym[lo].addr == fn; lo++)
		flags |= m->sym[lo].flags;
	return flags;
}

NOINSTR static bool filter_verdict(unsigned flags)
{
	return (filter_inc.n == 0 || (flags & FILTER_INC)) && !(flags & FILTER_EXC);
}

/* Decide fn from the modules known now and cache the verdict; false if fn
 * is in no known module (and `definite` is false). */
NOINSTR static bool filter_decide(uintptr_t fn, bool definite, bool *shown)
{
	const struct filter_module *m;
	bool ok = true;

	pthread_mutex_lock(&filter_lock);
	m = filter_module_at(fn);
	if (m || definite) {
		*shown = filter_verdict(m ? filter_module_flags(m, fn) : 0);
		filter_table_add(fn, *shown);
	} else {
		ok = false;
	}
	pthread_mutex_unlock(&filter_lock);
	return ok;
}

NOINSTR bool filter_admits(uintptr_t fn)
{
	const struct filter_table *t = __atomic_load_n(&filter_table, __ATOMIC_ACQUIRE);
	uint64_t e = filter_table_find(t, fn);
	bool shown;

	int saved;

	if (likely(e != 0))
		return e & FILTER_SHOWN;
	/* First sight of fn: from a module scanned already, or from one
	 * loaded since (then scan it: files are read, and the program's
	 * errno must survive), or from no module at all. */
	saved = errno;
	if (!filter_decide(fn, false, &shown) &&
	    !(filter_scan_new() > 0 && filter_decide(fn, false, &shown)))
		filter_decide(fn, true, &shown);
	errno = saved;
	return shown;
}

NOINSTR void filter_forget_unloaded(void)
{
	struct filter_table *fresh = NULL;
	struct filter_walk w;
	bool gone = false;

	if (!filter.patterns || !filter_walk(&w))
		return;
	pthread_mutex_lock(&filter_lock);
	for (size_t i = 0; i < filter_nmods; i++) {
		struct filter_module *m = &filter_mods[i];
		bool loaded = false;

		for (size_t j = 0; j < w.n && !loaded; j++)
			loaded = filter_same(m, &w.obj[j]);
		if (m->live && !loaded) {
			m->live = false;
			if (m->sym)
				munmap(m->sym, m->nsym * sizeof(*m->sym));
			m->sym = NULL;
			m->nsym = 0;
			gone = true;
		}
	}
	/* The verdicts of addresses that may hold other functions from now
	 * on go with a fresh table (the old one stays mapped: a hook may
	 * still be searching it). */
	if (gone && (fresh = filter_table_new(FILTER_TABLE_BITS0)) != NULL)
		__atomic_store_n(&filter_table, fresh, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&filter_lock);
	filter_walk_release(&w);
}

NOINSTR void filter_fork_lock(void)
{
	if (filter.patterns)
		pthread_mutex_lock(&filter_lock);
}

NOINSTR void filter_fork_unlock(void)
{
	if (filter.patterns)
		pthread_mutex_unlock(&filter_lock);
}

NOINSTR int filter_init(const struct env_config *cfg)
{
	memset(&filter, 0, sizeof(filter));
	memset(&filter_inc, 0, sizeof(filter_inc));
	memset(&filter_exc, 0, sizeof(filter_exc));
	if (cfg->include && filter_list_init(&filter_inc, "MPROF_INCLUDE", cfg->include) < 0)
		return -1;
	if (cfg->exclude && filter_list_init(&filter_exc, "MPROF_EXCLUDE", cfg->exclude) < 0)
		return -1;
	if (cfg->include && filter_inc.n == 0)
		log_warn("MPROF_INCLUDE='%s': no pattern; including every function", cfg->include);
	filter.patterns = filter_inc.n || filter_exc.n;
	filter.max_depth = cfg->max_depth;
	filter.min_ns = cfg->min_duration_ns;
	filter.active = filter.patterns || filter.max_depth || filter.min_ns;
	if (!filter.patterns)
		return 0;
	filter_nmods = 0;
	filter_demangler = NULL;
	filter_table = filter_table_new(FILTER_TABLE_BITS0);
	filter_mods = mmap(NULL, FILTER_MODS_MAX * sizeof(*filter_mods), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (filter_table == NULL || filter_mods == MAP_FAILED) {
		log_warn("no memory for the function filters; recording nothing");
		return -1;
	}
	/* Every object loaded now, while nothing else runs in the runtime. */
	filter_scan_new();
	return 0;
}

NOINSTR void filter_set_clock(uint64_t ticks_per_ms)
{
	double per_ns = ticks_per_ms ? (double)ticks_per_ms / 1e6 : 1.0;
	double ticks = (double)filter.min_ns * per_ns;

	/* At least one tick: a minimum never rounds down to none. */
	if (filter.min_ns)
		filter.min_ticks = ticks >= 0x1p62 ? 1ull << 62 : (uint64_t)ticks + 1;
}

/* One FILTER record. */
NOINSTR static void filter_record(enum trace_filter_kind kind, uint64_t value, const char *text)
{
	static uint64_t words[2 + TRACE_FILTER_TEXT_MAX / 8 + 1];
	size_t len = text ? strlen(text) : 0;
	unsigned n = 2 + (unsigned)((len + 7) / 8);

	memset(words, 0, n * sizeof(words[0]));
	words[0] = trace_ext_word(TRACE_EXT_FILTER, n, (uint32_t)kind << 24 | (uint32_t)len);
	words[1] = value;
	if (len)
		memcpy(words + 2, text, len);
	writer_process_record_locked(words, n);
}

NOINSTR void filter_write_records_locked(void)
{
	for (size_t i = 0; i < filter_inc.n; i++)
		filter_record(TRACE_FILTER_INCLUDE, 0, filter_inc.pat[i]);
	for (size_t i = 0; i < filter_exc.n; i++)
		filter_record(TRACE_FILTER_EXCLUDE, 0, filter_exc.pat[i]);
	if (filter.max_depth)
		filter_record(TRACE_FILTER_MAX_DEPTH, filter.max_depth, NULL);
	if (filter.min_ns)
		filter_record(TRACE_FILTER_MIN_DURATION, filter.min_ns, NULL);
}
