/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#include "filter.h"
#include "log.h"
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

/* One function of an object that some pattern matches. */
struct filter_sym {
	uintptr_t addr; /* its run-time address */
	unsigned flags; /* FILTER_INC, FILTER_EXC */
};

/* A loaded object whose symbol table was read (writer.lock). */
struct filter_module {
	uintptr_t lo, hi;	/* the span of its loaded segments */
	struct filter_sym *sym; /* sorted by address; mmap'd, NULL if none */
	size_t nsym;
};

static struct filter_module *filter_mods; /* mmap'd, grows by mremap */
static size_t filter_nmods, filter_mods_cap;

/*
 * The verdict cache: an open-addressing set of words fn | verdict << 63
 * (user-space code lies below 2^63; 0 is an empty slot). Entries are
 * added under writer.lock and never change; a full table is replaced by
 * one twice its size and the old one is left mapped, so a hook that is
 * still searching it reads valid memory.
 */
struct filter_table {
	unsigned bits;
	size_t used;
	uint64_t slot[];
};

static struct filter_table *filter_table;

#define FILTER_TABLE_BITS0 12
#define FILTER_SHOWN	   (1ull << 63)

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

/* Cache one verdict (writer.lock held). A table half full is replaced
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
		if (strlen(p) > TRACE_FILTER_TEXT_MAX) {
			log_warn("%s: the pattern '%.32s...' is longer than %u bytes; ignoring it",
				 var, p, TRACE_FILTER_TEXT_MAX);
			continue;
		}
		l->pat[l->n++] = p;
	}
	return 0;
}

NOINSTR int filter_init(const struct env_config *cfg, uint64_t ticks_per_ms)
{
	memset(&filter, 0, sizeof(filter));
	if (cfg->include && filter_list_init(&filter_inc, "MPROF_INCLUDE", cfg->include) < 0)
		return -1;
	if (cfg->exclude && filter_list_init(&filter_exc, "MPROF_EXCLUDE", cfg->exclude) < 0)
		return -1;
	if (cfg->include && filter_inc.n == 0)
		log_warn("MPROF_INCLUDE='%s': no pattern; including every function", cfg->include);
	filter.patterns = filter_inc.n || filter_exc.n;
	filter.max_depth = cfg->max_depth;
	filter.min_ns = cfg->min_duration_ns;
	/* At least one tick: a minimum never rounds down to none. */
	filter.min_ticks = filter.min_ns ? filter.min_ns * ticks_per_ms / 1000000 + 1 : 0;
	filter.active = filter.patterns || filter.max_depth || filter.min_ticks;
	if (filter.patterns) {
		filter_table = filter_table_new(FILTER_TABLE_BITS0);
		if (filter_table == NULL) {
			log_warn("no memory for the function filters; recording nothing");
			return -1;
		}
	}
	return 0;
}

typedef char *filter_demangle_fn(const char *, char *, size_t *, int *);

/* The C++ runtime's demangler, when the process has one. writer.lock held. */
NOINSTR static filter_demangle_fn *filter_demangler(void)
{
	static bool tried;
	static filter_demangle_fn *fn;

	if (!tried) {
		tried = true;
		fn = (filter_demangle_fn *)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	}
	return fn;
}

NOINSTR bool filter_match(const char *pattern, const char *name)
{
	return !strcmp(pattern, name) || !fnmatch(pattern, name, 0);
}

NOINSTR static bool filter_list_match(const struct filter_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (filter_match(l->pat[i], name))
			return true;
	return false;
}

/* The flags of a symbol named `sym` (as in the symbol table): matched on
 * the name the reporter prints. */
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
	if (name[0] == '_' && name[1] == 'Z' && filter_demangler()) {
		int status;

		demangled = filter_demangler()(name, NULL, NULL, &status);
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

/* An ELF file mapped for reading its symbol table. */
struct filter_elf {
	const unsigned char *base;
	size_t size;
	const Elf64_Sym *sym;
	size_t nsym;
	const char *str;
	size_t strsize;
};

/* Find the symbol table (.symtab, else .dynsym) of a mapped file; false if
 * it has none or is not a well-formed 64-bit ELF file of this byte order. */
NOINSTR static bool filter_elf_symbols(struct filter_elf *e)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->base;
	const Elf64_Shdr *sh, *tab = NULL;

	if (e->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > e->size ||
	    eh->e_shnum > (e->size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return false;
	sh = (const Elf64_Shdr *)(e->base + eh->e_shoff);
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB)
			tab = &sh[i];
		else if (sh[i].sh_type == SHT_DYNSYM && tab == NULL)
			tab = &sh[i];
	}
	if (tab == NULL || tab->sh_link >= eh->e_shnum || tab->sh_offset > e->size ||
	    tab->sh_size > e->size - tab->sh_offset || tab->sh_entsize != sizeof(Elf64_Sym) ||
	    sh[tab->sh_link].sh_offset > e->size ||
	    sh[tab->sh_link].sh_size > e->size - sh[tab->sh_link].sh_offset ||
	    sh[tab->sh_link].sh_size == 0)
		return false;
	e->sym = (const Elf64_Sym *)(e->base + tab->sh_offset);
	e->nsym = tab->sh_size / sizeof(Elf64_Sym);
	e->str = (const char *)(e->base + sh[tab->sh_link].sh_offset);
	e->strsize = sh[tab->sh_link].sh_size;
	return e->str[e->strsize - 1] == '\0';
}

/* The flags of symbol i, 0 unless it is a defined function. */
NOINSTR static unsigned filter_elf_flags(const struct filter_elf *e, size_t i)
{
	const Elf64_Sym *s = &e->sym[i];

	if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF || s->st_value == 0 ||
	    s->st_name >= e->strsize)
		return 0;
	return filter_classify(e->str + s->st_name);
}

NOINSTR static int filter_sym_cmp(const void *a, const void *b)
{
	uintptr_t x = ((const struct filter_sym *)a)->addr,
		  y = ((const struct filter_sym *)b)->addr;

	return x < y ? -1 : x > y;
}

/* Read the matching functions of the object at `path` loaded at `bias`
 * into m. An object that cannot be read has none. */
NOINSTR static void filter_scan(struct filter_module *m, const char *path, uintptr_t bias)
{
	struct filter_elf e = { 0 };
	struct stat st;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			e.base = p;
			e.size = (size_t)st.st_size;
		}
	}
	close(fd);
	if (e.base == NULL)
		return;
	if (!filter_elf_symbols(&e))
		goto out;
	for (size_t i = 0; i < e.nsym; i++)
		n += filter_elf_flags(&e, i) != 0;
	if (n == 0 || (m->sym = filter_map(n * sizeof(*m->sym))) == NULL)
		goto out;
	for (size_t i = 0; i < e.nsym && m->nsym < n; i++) {
		unsigned flags = filter_elf_flags(&e, i);

		if (flags) {
			m->sym[m->nsym].addr = bias + e.sym[i].st_value;
			m->sym[m->nsym++].flags = flags;
		}
	}
	qsort(m->sym, m->nsym, sizeof(*m->sym), filter_sym_cmp);
out:
	munmap((void *)e.base, e.size);
}

/* The loaded object containing an address, as dl_iterate_phdr sees it. */
struct filter_find {
	uintptr_t fn;
	bool found;
	uintptr_t lo, hi, bias;
	char path[PATH_MAX];
};

NOINSTR static int filter_find_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct filter_find *f = arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	bool inside = false;

	(void)size;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (a < lo)
			lo = a;
		if (a + ph->p_memsz > hi)
			hi = a + ph->p_memsz;
		if ((ph->p_flags & PF_X) && f->fn >= a && f->fn < a + ph->p_memsz)
			inside = true;
	}
	if (!inside)
		return 0;
	f->found = true;
	f->lo = lo;
	f->hi = hi;
	f->bias = info->dlpi_addr;
	/* The executable has no name here. */
	if (info->dlpi_name && info->dlpi_name[0])
		strncpy(f->path, info->dlpi_name, sizeof(f->path) - 1);
	else
		strcpy(f->path, "/proc/self/exe");
	return 1;
}

/* The module containing fn: known already, or found and read now; NULL if
 * fn is in no loaded object. writer.lock held. */
NOINSTR static const struct filter_module *filter_module_of(uintptr_t fn)
{
	static struct filter_find f;
	struct filter_module *m;

	for (size_t i = 0; i < filter_nmods; i++)
		if (fn >= filter_mods[i].lo && fn < filter_mods[i].hi)
			return &filter_mods[i];
	memset(&f, 0, sizeof(f));
	f.fn = fn;
	dl_iterate_phdr(filter_find_cb, &f);
	if (!f.found)
		return NULL;
	if (filter_nmods == filter_mods_cap) {
		size_t old = filter_mods_cap * sizeof(*m), size = old ? 2 * old : 4096;
		void *p = old ? mremap(filter_mods, old, size, MREMAP_MAYMOVE) : filter_map(size);

		if (p == MAP_FAILED || p == NULL)
			return NULL;
		filter_mods = p;
		filter_mods_cap = size / sizeof(*m);
	}
	m = &filter_mods[filter_nmods++];
	memset(m, 0, sizeof(*m));
	m->lo = f.lo;
	m->hi = f.hi;
	filter_scan(m, f.path, f.bias);
	return m;
}

/* The flags of fn in its module. */
NOINSTR static unsigned filter_module_flags(const struct filter_module *m, uintptr_t fn)
{
	size_t lo = 0, hi = m ? m->nsym : 0;
	unsigned flags = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->sym[mid].addr < fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Aliases: every symbol at this address counts. */
	for (; m && lo < m->nsym && m->sym[lo].addr == fn; lo++)
		flags |= m->sym[lo].flags;
	return flags;
}

NOINSTR static bool filter_verdict(unsigned flags)
{
	return (filter_inc.n == 0 || (flags & FILTER_INC)) && !(flags & FILTER_EXC);
}

NOINSTR bool filter_admits(uintptr_t fn)
{
	const struct filter_table *t = __atomic_load_n(&filter_table, __ATOMIC_ACQUIRE);
	uint64_t e = filter_table_find(t, fn);
	bool shown;
	int cancel;

	if (likely(e != 0))
		return e & FILTER_SHOWN;
	cancel = writer_lock();
	e = filter_table_find(filter_table, fn);
	if (e != 0) {
		shown = e & FILTER_SHOWN;
	} else {
		shown = filter_verdict(filter_module_flags(filter_module_of(fn), fn));
		filter_table_add(fn, shown);
	}
	writer_unlock(cancel);
	return shown;
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
