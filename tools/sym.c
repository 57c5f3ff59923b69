/* SPDX-License-Identifier: MIT */
/*
 * sym.c - offline symbolization of trace addresses with elfutils libdwfl.
 *
 * Modules (mappings) point to files; a file is one (path, build-id) pair and
 * owns a Dwfl holding just that file, reported at bias 0, so every lookup is
 * done with the file-relative address. Answers are cached per (file,
 * file-relative address); strings are interned in the table.
 */
#include "config.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "sym.h"
#include "util.h"

enum sym_file_state {
	SYM_FILE_NEW,  /* not opened yet */
	SYM_FILE_OPEN, /* dwfl and mod are usable */
	SYM_FILE_BAD,  /* missing, unreadable or rebuilt: warned once, unused */
};

/* One ELF file as the trace recorded it. */
struct sym_file {
	char *path;
	unsigned char *buildid; /* NULL when the trace recorded none */
	size_t buildid_len;
	uint64_t id; /* 1-based, part of the cache key */
	enum sym_file_state state;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	struct sym_func *funcs; /* function symbols by address, built on open */
	size_t nfuncs;
	struct sym_cu *cus; /* uthash: DWARF unit offset -> its functions */
};

/*
 * A function symbol. libdwfl's own address-to-symbol search scans the whole
 * symbol table on every call; this sorted index makes it a binary search.
 */
struct sym_func {
	uint64_t start, end; /* file-relative */
	bool sized;	     /* false: end is where the next symbol or the section starts */
	const char *name;    /* libdwfl's string, valid while the file's Dwfl lives */
	unsigned rank;	     /* among aliases at one address, the lowest is shown */
};

/* One mapping of a file into the traced process. */
struct sym_module {
	struct sym_file *file;
	uint64_t bias, lo, hi;
	uint64_t first_seen;
	uint64_t max_hi; /* highest hi of this and every earlier module, once sorted */
};

/* A function's code range in the DWARF, [lo, hi). */
struct sym_range {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
};

/* The functions of one DWARF unit, by address, indexed on first need. */
struct sym_cu {
	Dwarf_Off off; /* the unit DIE's offset: the key */
	struct sym_range *ranges;
	size_t n, alloc;
	UT_hash_handle hh;
};

struct sym_cache_key {
	uint64_t file; /* sym_file.id, 0 for an address outside every module */
	uint64_t addr; /* file-relative inside a module, else absolute */
};

struct sym_cache_entry {
	struct sym_cache_key key;
	struct sym_info info;
	const char *name; /* what sym_name() returns */
	UT_hash_handle hh;
};

struct sym_string {
	UT_hash_handle hh;
	char s[];
};

void sym_table_init(struct sym_table *t)
{
	memset(t, 0, sizeof(*t));
	t->sorted = true;
}

/* The table's copy of s[0..len), or NULL when out of memory. */
static const char *sym_intern_len(struct sym_table *t, const char *s, size_t len)
{
	struct sym_string *e;

	HASH_FIND(hh, t->strings, s, len, e);
	if (e)
		return e->s;
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->s, s, len);
	e->s[len] = '\0';
	HASH_ADD_KEYPTR(hh, t->strings, e->s, len, e);
	if (hash_oom_take()) {
		free(e);
		return NULL;
	}
	return e->s;
}

static const char *sym_intern(struct sym_table *t, const char *s)
{
	return s ? sym_intern_len(t, s, strlen(s)) : NULL;
}

/* An absolute form of a DWARF file name, interned. */
static const char *sym_intern_path(struct sym_table *t, const char *comp_dir, const char *name)
{
	const char *ret;
	char *joined;

	if (!name)
		return NULL;
	if (name[0] == '/' || !comp_dir || comp_dir[0] != '/')
		return sym_intern(t, name);
	if (asprintf(&joined, "%s/%s", comp_dir, name) < 0)
		return NULL;
	ret = sym_intern(t, joined);
	free(joined);
	return ret;
}

typedef char *(*sym_demangle_fn)(const char *, char *, size_t *, int *);

/*
 * The C++ runtime's demangler, found in the process or in libstdc++ loaded
 * on first need; NULL when there is none. The reporter is single-threaded.
 */
static sym_demangle_fn sym_demangler(void)
{
	static bool tried;
	static sym_demangle_fn fn;
	void *handle;

	if (tried)
		return fn;
	tried = true;
	fn = (sym_demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (fn)
		return fn;
	handle = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
	if (handle)
		fn = (sym_demangle_fn)dlsym(handle, "__cxa_demangle");
	return fn;
}

/*
 * A function name for display, interned: a symbol version suffix dropped
 * ("dlopen@GLIBC_2.2.5" is dlopen), a C++ name demangled.
 */
static const char *sym_intern_function(struct sym_table *t, const char *name)
{
	sym_demangle_fn demangle = NULL;
	char *copy = NULL, *plain = NULL;
	const char *ret;
	size_t len;
	int status;

	if (!name)
		return NULL;
	len = strcspn(name, "@");
	if (!len)
		len = strlen(name);
	if (!strncmp(name, "_Z", 2))
		demangle = sym_demangler();
	if (demangle) {
		copy = strndup(name, len);
		if (copy)
			plain = demangle(copy, NULL, NULL, &status);
	}
	ret = plain ? sym_intern(t, plain) : sym_intern_len(t, name, len);
	free(plain);
	free(copy);
	return ret;
}

static struct sym_file *sym_file_get(struct sym_table *t, const char *path,
				     const unsigned char *buildid, size_t buildid_len)
{
	struct sym_file *f;
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		f = t->files[i];
		if (f->buildid_len == buildid_len && !strcmp(f->path, path) &&
		    (!buildid_len || !memcmp(f->buildid, buildid, buildid_len)))
			return f;
	}
	if (t->nfiles == t->files_alloc) {
		size_t alloc = t->files_alloc ? 2 * t->files_alloc : 16;
		struct sym_file **files = realloc(t->files, alloc * sizeof(*files));

		if (!files)
			return NULL;
		t->files = files;
		t->files_alloc = alloc;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->path = strdup(path);
	if (!f->path)
		goto fail;
	if (buildid_len) {
		f->buildid = malloc(buildid_len);
		if (!f->buildid)
			goto fail;
		memcpy(f->buildid, buildid, buildid_len);
		f->buildid_len = buildid_len;
	}
	f->id = t->nfiles + 1;
	f->state = SYM_FILE_NEW;
	t->files[t->nfiles++] = f;
	return f;
fail:
	free(f->path);
	free(f);
	return NULL;
}

static bool sym_module_is(const struct sym_module *m, const struct sym_file *f, uint64_t bias,
			  uint64_t lo, uint64_t hi)
{
	return m->file == f && m->bias == bias && m->lo == lo && m->hi == hi;
}

/* Whether another module overlapping [lo, hi) was first seen in [from, to]. */
static bool sym_other_seen(const struct sym_table *t, const struct sym_file *f, uint64_t bias,
			   uint64_t lo, uint64_t hi, uint64_t from, uint64_t to)
{
	size_t i;

	for (i = 0; i < t->nmodules; i++) {
		const struct sym_module *m = &t->modules[i];

		if (m->lo < hi && lo < m->hi && m->first_seen >= from && m->first_seen <= to &&
		    !sym_module_is(m, f, bias, lo, hi))
			return true;
	}
	return false;
}

/*
 * Whether seeing the module at tick `when` adds nothing: a period of it is
 * known that no other module at its place interrupts before `when` (or, if
 * `when` is earlier than every period, such a period is moved back to it).
 */
static bool sym_module_known(struct sym_table *t, const struct sym_file *f, uint64_t bias,
			     uint64_t lo, uint64_t hi, uint64_t when)
{
	struct sym_module *before = NULL, *after = NULL;
	size_t i;

	for (i = 0; i < t->nmodules; i++) {
		struct sym_module *m = &t->modules[i];

		if (!sym_module_is(m, f, bias, lo, hi))
			continue;
		if (m->first_seen <= when && (!before || m->first_seen > before->first_seen))
			before = m;
		if (m->first_seen > when && (!after || m->first_seen < after->first_seen))
			after = m;
	}
	if (before)
		return before->first_seen == when ||
		       !sym_other_seen(t, f, bias, lo, hi, before->first_seen + 1, when);
	if (after && !sym_other_seen(t, f, bias, lo, hi, when, after->first_seen - 1)) {
		after->first_seen = when;
		t->sorted = false;
		return true;
	}
	return false;
}

int sym_add_module(struct sym_table *t, const char *path, uint64_t bias, uint64_t lo, uint64_t hi,
		   const unsigned char *buildid, size_t buildid_len, uint64_t first_seen_ticks)
{
	struct sym_module *m;
	struct sym_file *f;

	if (!buildid)
		buildid_len = 0;
	f = sym_file_get(t, path ? path : "", buildid, buildid_len);
	if (!f)
		return -1;
	if (sym_module_known(t, f, bias, lo, hi, first_seen_ticks))
		return 0;
	if (t->nmodules == t->alloc) {
		size_t alloc = t->alloc ? 2 * t->alloc : 32;
		struct sym_module *mods = realloc(t->modules, alloc * sizeof(*mods));

		if (!mods)
			return -1;
		t->modules = mods;
		t->alloc = alloc;
	}
	m = &t->modules[t->nmodules++];
	m->file = f;
	m->bias = bias;
	m->lo = lo;
	m->hi = hi;
	m->first_seen = first_seen_ticks;
	m->max_hi = 0;
	t->sorted = false;
	return 0;
}

static int sym_module_cmp(const void *a, const void *b)
{
	const struct sym_module *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return x->file->id < y->file->id ? -1 : x->file->id > y->file->id;
}

static void sym_sort(struct sym_table *t)
{
	uint64_t max_hi = 0;
	size_t i;

	qsort(t->modules, t->nmodules, sizeof(*t->modules), sym_module_cmp);
	for (i = 0; i < t->nmodules; i++) {
		if (t->modules[i].hi > max_hi)
			max_hi = t->modules[i].hi;
		t->modules[i].max_hi = max_hi;
	}
	t->sorted = true;
}

/*
 * The module covering addr that was seen most recently at or before `when`,
 * else the earliest covering one, else NULL.
 */
static const struct sym_module *sym_find_module(struct sym_table *t, uint64_t addr, uint64_t when)
{
	const struct sym_module *best = NULL, *earliest = NULL;
	size_t lo = 0, hi, i;

	if (!t->sorted)
		sym_sort(t);
	/* lo becomes the number of modules starting at or below addr */
	hi = t->nmodules;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->modules[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0;) {
		const struct sym_module *m = &t->modules[i];

		if (m->max_hi <= addr)
			break; /* nothing at or before i reaches addr */
		if (addr >= m->hi)
			continue;
		if (m->first_seen <= when && (!best || m->first_seen > best->first_seen))
			best = m;
		if (!earliest || m->first_seen < earliest->first_seen)
			earliest = m;
	}
	return best ? best : earliest;
}

/*
 * Which of several names for one address to show: global before weak before
 * local, a plain function before an IFUNC resolver, fewer leading
 * underscores ("malloc", not "__libc_malloc"), then the shorter.
 */
static unsigned sym_func_rank(const GElf_Sym *sym, const char *name)
{
	unsigned bind = GELF_ST_BIND(sym->st_info) == STB_GLOBAL ? 0
			: GELF_ST_BIND(sym->st_info) == STB_WEAK ? 1
								 : 2;
	unsigned ifunc = GELF_ST_TYPE(sym->st_info) == STT_GNU_IFUNC;
	size_t under = strspn(name, "_"), len = strlen(name);

	if (under > 7)
		under = 7;
	if (len > 0xffff)
		len = 0xffff;
	return bind << 20 | ifunc << 19 | (unsigned)under << 16 | (unsigned)len;
}

static int sym_func_cmp(const void *a, const void *b)
{
	const struct sym_func *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * Where a symbol of unknown size at addr ends at the latest: the end of its
 * section (in the Dwfl's addresses), or addr itself if that is unknown.
 */
static uint64_t sym_section_end(Elf *elf, GElf_Word shndx, Dwarf_Addr bias, uint64_t addr)
{
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
	GElf_Shdr shdr;
	uint64_t end;

	if (!scn || !gelf_getshdr(scn, &shdr))
		return addr;
	end = shdr.sh_addr + shdr.sh_size + bias;
	return end > addr ? end : addr;
}

/* Build f->funcs from the best symbol table libdwfl finds for the file. */
static void sym_index_functions(struct sym_file *f)
{
	int n = dwfl_module_getsymtab(f->mod), i;
	struct sym_func *funcs;
	size_t count = 0, out, k;

	if (n <= 1)
		return;
	funcs = malloc((size_t)n * sizeof(*funcs));
	if (!funcs)
		return; /* lookups then fall back to the DWARF names */
	for (i = 1; i < n; i++) {
		const char *name;
		GElf_Word shndx;
		GElf_Addr addr;
		Dwarf_Addr bias;
		GElf_Sym sym;
		Elf *elf;
		int type;

		name = dwfl_module_getsym_info(f->mod, i, &sym, &addr, &shndx, &elf, &bias);
		type = name ? GELF_ST_TYPE(sym.st_info) : STT_NOTYPE;
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !name[0] || shndx == SHN_UNDEF ||
		    shndx == SHN_ABS || addr == 0)
			continue;
		funcs[count].start = addr;
		funcs[count].end = addr + sym.st_size;
		funcs[count].sized = sym.st_size > 0;
		if (!sym.st_size)
			funcs[count].end = sym_section_end(elf, shndx, bias, addr);
		funcs[count].name = name;
		funcs[count].rank = sym_func_rank(&sym, name);
		count++;
	}
	qsort(funcs, count, sizeof(*funcs), sym_func_cmp);
	/* keep the best-ranked name of each address, with the largest size */
	for (k = 0, out = 0; k < count; k++) {
		struct sym_func *last = out ? &funcs[out - 1] : NULL;

		if (last && last->start == funcs[k].start) {
			if (funcs[k].sized && (!last->sized || funcs[k].end > last->end))
				last->end = funcs[k].end;
			last->sized |= funcs[k].sized;
			continue;
		}
		funcs[out++] = funcs[k];
	}
	/* a symbol of unknown size stops where the next one starts */
	for (k = 0; k + 1 < out; k++) {
		if (!funcs[k].sized && funcs[k + 1].start < funcs[k].end)
			funcs[k].end = funcs[k + 1].start;
	}
	f->funcs = funcs;
	f->nfuncs = out;
}

/*
 * The function symbol holding file-relative address a, or NULL: the nearest
 * one starting at or below a that reaches it. A few symbols back are looked
 * at, for the entry points some assembly functions have inside them.
 */
static const struct sym_func *sym_function_at(const struct sym_file *f, uint64_t a)
{
	size_t lo = 0, hi = f->nfuncs, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->funcs[mid].start <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0 && lo - i <= 8;) {
		if (a < f->funcs[i].end)
			return &f->funcs[i];
	}
	return NULL;
}

/* Open f's Dwfl on first use; false (after one warning) if it is unusable. */
static bool sym_file_open(struct sym_file *f)
{
	static const Dwfl_Callbacks callbacks = {
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n;

	if (f->state != SYM_FILE_NEW)
		return f->state == SYM_FILE_OPEN;
	f->state = SYM_FILE_BAD;
	f->dwfl = dwfl_begin(&callbacks);
	if (!f->dwfl) {
		warning("'%s': cannot start libdwfl: %s", f->path, dwfl_errmsg(-1));
		return false;
	}
	/*
	 * For ET_DYN, base is the load bias when add_p_vaddr is true (the first
	 * PT_LOAD then lands at base + p_vaddr); ET_EXEC ignores it. Reporting
	 * at bias 0 makes every address in this Dwfl file-relative.
	 */
	dwfl_report_begin(f->dwfl);
	f->mod = dwfl_report_elf(f->dwfl, f->path, f->path, -1, 0, true);
	if (dwfl_report_end(f->dwfl, NULL, NULL) != 0 || !f->mod) {
		warning("'%s': cannot read: %s", f->path, dwfl_errmsg(-1));
		goto fail;
	}
	if (f->buildid_len) {
		n = dwfl_module_build_id(f->mod, &bits, &vaddr);
		if (n <= 0 || (size_t)n != f->buildid_len || memcmp(bits, f->buildid, (size_t)n)) {
			warning(
			    "'%s': build-id differs from the traced one (rebuilt since?), not used",
			    f->path);
			goto fail;
		}
	}
	sym_index_functions(f);
	f->state = SYM_FILE_OPEN;
	return true;
fail:
	dwfl_end(f->dwfl);
	f->dwfl = NULL;
	f->mod = NULL;
	return false;
}

static const char *sym_cu_comp_dir(Dwarf_Die *cu)
{
	Dwarf_Attribute attr;

	return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
}

static int sym_range_cmp(const void *a, const void *b)
{
	const struct sym_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* Add the code ranges of one function DIE; -1 when out of memory. */
static int sym_cu_add_function(struct sym_cu *c, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (c->n == c->alloc) {
			size_t alloc = c->alloc ? 2 * c->alloc : 64;
			struct sym_range *r = realloc(c->ranges, alloc * sizeof(*r));

			if (!r)
				return -1;
			c->ranges = r;
			c->alloc = alloc;
		}
		c->ranges[c->n].lo = lo;
		c->ranges[c->n].hi = hi;
		c->ranges[c->n].die = *die;
		c->n++;
	}
	return 0;
}

/*
 * Collect the functions defined directly in `parent` (a unit or a
 * namespace). Functions nested in functions are found at lookup time.
 */
static int sym_cu_collect(struct sym_cu *c, Dwarf_Die *parent, int depth)
{
	Dwarf_Die die;
	int ret;

	if (depth > 32 || dwarf_child(parent, &die) != 0)
		return 0;
	do {
		switch (dwarf_tag(&die)) {
		case DW_TAG_subprogram:
			ret = sym_cu_add_function(c, &die);
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
			ret = sym_cu_collect(c, &die, depth + 1);
			break;
		default:
			ret = 0;
		}
		if (ret < 0)
			return -1;
	} while (dwarf_siblingof(&die, &die) == 0);
	return 0;
}

/* The function index of unit `cu`, built on first use; NULL if out of memory. */
static struct sym_cu *sym_cu_get(struct sym_file *f, Dwarf_Die *cu)
{
	Dwarf_Off off = dwarf_dieoffset(cu);
	struct sym_cu *c;

	HASH_FIND(hh, f->cus, &off, sizeof(off), c);
	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->off = off;
	if (sym_cu_collect(c, cu, 0) < 0)
		goto fail;
	qsort(c->ranges, c->n, sizeof(*c->ranges), sym_range_cmp);
	HASH_ADD(hh, f->cus, off, sizeof(c->off), c);
	if (hash_oom_take())
		goto fail;
	return c;
fail:
	free(c->ranges);
	free(c);
	return NULL;
}

/* Descend to a function nested inside fn (a GNU C extension) holding pc. */
static void sym_nested_function(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *fn, int depth)
{
	Dwarf_Die die;

	if (depth > 32 || dwarf_child(parent, &die) != 0)
		return;
	do {
		int tag = dwarf_tag(&die);

		if ((tag == DW_TAG_subprogram || tag == DW_TAG_lexical_block) &&
		    dwarf_haspc(&die, pc) == 1) {
			if (tag == DW_TAG_subprogram)
				*fn = die;
			sym_nested_function(&die, pc, fn, depth + 1);
			return;
		}
	} while (dwarf_siblingof(&die, &die) == 0);
}

/*
 * The innermost real function (not an inlined copy) whose code holds the
 * DWARF address pc of unit cu; false if none. dwarf_getscopes() would walk
 * the whole unit on every call; the per-unit index makes it a search.
 */
static bool sym_enclosing_function(struct sym_file *f, Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *fn)
{
	struct sym_cu *c = sym_cu_get(f, cu);
	size_t lo = 0, hi, i;

	if (!c)
		return false;
	hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0 && lo - i <= 4;) {
		if (pc < c->ranges[i].hi) {
			*fn = c->ranges[i].die;
			sym_nested_function(fn, pc, fn, 0);
			return true;
		}
	}
	return false;
}

/* Where the line table puts file-relative address a: file and line. */
static void sym_src_line(struct sym_table *t, Dwfl_Module *mod, uint64_t a, const char **file,
			 int *line)
{
	Dwfl_Line *l = dwfl_module_getsrc(mod, a);
	const char *name;
	Dwarf_Die *cu;
	int lineno = 0;

	*file = NULL;
	*line = 0;
	if (!l)
		return;
	name = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
	cu = dwfl_linecu(l);
	*file = sym_intern_path(t, cu ? sym_cu_comp_dir(cu) : NULL, name);
	*line = *file ? lineno : 0;
}

/* Fill info for file-relative address a of an opened file. */
static void sym_describe(struct sym_table *t, struct sym_file *f, uint64_t a, struct sym_info *info)
{
	const struct sym_func *sf = sym_function_at(f, a);
	const char *name = NULL, *comp_dir = NULL, *file = NULL;
	Dwfl_Module *mod = f->mod;
	Dwarf_Addr dbias, start = 0;
	Dwarf_Attribute attr;
	bool have_fn = false;
	Dwarf_Die fn, *cu;
	int line = 0;

	if (sf) {
		name = sf->name;
		start = sf->start;
	}

	cu = dwfl_module_addrdie(mod, a, &dbias);
	if (cu) {
		comp_dir = sym_cu_comp_dir(cu);
		have_fn = sym_enclosing_function(f, cu, a - dbias, &fn);
	}
	if (have_fn) {
		if (!name) {
			Dwarf_Addr entry;

			name = dwarf_formstring(dwarf_attr_integrate(&fn, DW_AT_name, &attr));
			if (name && dwarf_entrypc(&fn, &entry) == 0 && entry + dbias <= a)
				start = entry + dbias;
			else
				start = a;
		}
		file = dwarf_decl_file(&fn);
		if (file && dwarf_decl_line(&fn, &line) != 0)
			line = 0;
	}
	if (name) {
		info->function = sym_intern_function(t, name);
		info->offset = info->function ? a - start : 0;
	}
	if (file && line > 0) {
		info->file = sym_intern_path(t, comp_dir, file);
		info->line = info->file ? line : 0;
	} else if (info->function) {
		/* no declaration (or an artificial one): where the code starts */
		sym_src_line(t, mod, start, &info->file, &info->line);
	}
	sym_src_line(t, mod, a, &info->src_file, &info->src_line);
}

/* "BASENAME+0xOFF", interned. */
static const char *sym_intern_offset(struct sym_table *t, const char *path, uint64_t off)
{
	const char *ret;
	char *s;

	if (asprintf(&s, "%s+0x%" PRIx64, util_basename(path), off) < 0)
		return NULL;
	ret = sym_intern(t, s);
	free(s);
	return ret;
}

/* The cached answer for addr at `when`, computed on first need; NULL on OOM. */
static struct sym_cache_entry *sym_resolve(struct sym_table *t, uint64_t addr, uint64_t when)
{
	const struct sym_module *m = sym_find_module(t, addr, when);
	struct sym_cache_key key = { 0 };
	struct sym_cache_entry *e;
	char buf[64];

	if (m) {
		key.file = m->file->id;
		key.addr = addr - m->bias;
	} else {
		key.addr = addr;
	}
	HASH_FIND(hh, t->cache, &key, sizeof(key), e);
	if (e)
		return e;

	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = key;
	if (m) {
		e->info.module = sym_intern(t, m->file->path);
		if (sym_file_open(m->file))
			sym_describe(t, m->file, key.addr, &e->info);
	}
	if (e->info.function) {
		e->name = e->info.function;
	} else if (m) {
		e->name = sym_intern_offset(t, m->file->path, key.addr);
	} else {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
		e->name = sym_intern(t, buf);
	}
	if (!e->name)
		goto fail;
	HASH_ADD(hh, t->cache, key, sizeof(key), e);
	if (hash_oom_take())
		goto fail;
	return e;
fail:
	free(e);
	return NULL;
}

int sym_lookup(struct sym_table *t, uint64_t addr, uint64_t when_ticks, struct sym_info *out)
{
	struct sym_cache_entry *e = sym_resolve(t, addr, when_ticks);

	if (!e) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	*out = e->info;
	return out->function ? 0 : -1;
}

const char *sym_name(struct sym_table *t, uint64_t addr, uint64_t when_ticks)
{
	struct sym_cache_entry *e = sym_resolve(t, addr, when_ticks);

	return e ? e->name : "?";
}

void sym_table_release(struct sym_table *t)
{
	struct sym_cache_entry *e, *etmp;
	struct sym_string *s, *stmp;
	size_t i;

	HASH_ITER(hh, t->cache, e, etmp)
	{
		HASH_DEL(t->cache, e);
		free(e);
	}
	HASH_ITER(hh, t->strings, s, stmp)
	{
		HASH_DEL(t->strings, s);
		free(s);
	}
	for (i = 0; i < t->nfiles; i++) {
		struct sym_file *f = t->files[i];
		struct sym_cu *c, *ctmp;

		HASH_ITER(hh, f->cus, c, ctmp)
		{
			HASH_DEL(f->cus, c);
			free(c->ranges);
			free(c);
		}
		if (f->dwfl)
			dwfl_end(f->dwfl);
		free(f->funcs);
		free(f->buildid);
		free(f->path);
		free(f);
	}
	free(t->files);
	free(t->modules);
	sym_table_init(t);
}
