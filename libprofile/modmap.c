/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compiler.h"
#include "sigmask.h"
#include "modmap.h"
#include "writer.h"

static unsigned long long modmap_adds, modmap_subs; /* at the last capture */
static uint32_t modmap_generation;
static bool modmap_captured;

NOINSTR static int modmap_count_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *out = arg;

	out[0] = info->dlpi_adds;
	out[1] = info->dlpi_subs;
	return 1; /* the counters are the same in every entry */
}

NOINSTR bool modmap_changed(void)
{
	unsigned long long c[2] = { 0, 0 };

	sigmask_loader_walk(modmap_count_cb, c);
	return !modmap_captured || c[0] != modmap_adds || c[1] != modmap_subs;
}

/* The GNU build-id note of a loaded object, found in its PT_NOTE segments. */
NOINSTR static size_t modmap_buildid(const struct dl_phdr_info *info, const unsigned char **id)
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;

		if (ph->p_type != PT_NOTE)
			continue;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (desc + n->n_descsz > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && n->n_descsz <= TRACE_BUILDID_MAX) {
				*id = (const unsigned char *)desc;
				return n->n_descsz;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

/*
 * The absolute path of the file an object with a relative name (dlopen of
 * "./x.so") was mapped from: the link /proc/self/map_files holds for its
 * first segment's mapping, which stays right after a chdir. NULL for the
 * vDSO and anything else not mapped from a file.
 */
NOINSTR void modmap_link(uintptr_t start, uintptr_t end, char buf[MODMAP_LINK_MAX])
{
	snprintf(buf, MODMAP_LINK_MAX, "/proc/self/map_files/%lx-%lx",
		 (unsigned long)(start & ~(uintptr_t)4095),
		 (unsigned long)((end + 4095) & ~(uintptr_t)4095));
}

NOINSTR static const char *modmap_mapped_file(const struct dl_phdr_info *info,
					      const ElfW(Phdr) * ph, char *buf)
{
	uintptr_t start = info->dlpi_addr + ph->p_vaddr;
	char link[MODMAP_LINK_MAX];
	ssize_t n;

	modmap_link(start, start + ph->p_filesz, link);
	n = readlink(link, buf, TRACE_PATH_MAX - 1);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Grow a capture's buffer to hold n more words. */
NOINSTR static bool modmap_room(struct modmap_capture *cap, size_t n)
{
	size_t size = cap->cap ? cap->cap : 8192;
	uint64_t *p;

	if (cap->n + n <= cap->cap)
		return true;
	while (size < cap->n + n)
		size *= 2;
	p = cap->words
		? mremap(cap->words, cap->cap * 8, size * 8, MREMAP_MAYMOVE)
		: mmap(NULL, size * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return false;
	cap->words = p;
	cap->cap = size;
	return true;
}

NOINSTR static int modmap_module_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct modmap_capture *cap = arg;
	const char *path = info->dlpi_name;
	const unsigned char *id = NULL;
	const ElfW(Phdr) *first = NULL;
	uint64_t lo = ~0ull, hi = 0, *w;
	size_t idlen, plen;
	unsigned nwords;

	cap->adds = info->dlpi_adds;
	cap->subs = info->dlpi_subs;
	cap->objects++;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_vaddr < lo) {
			lo = ph->p_vaddr;
			first = ph;
		}
		if (ph->p_vaddr + ph->p_memsz > hi)
			hi = ph->p_vaddr + ph->p_memsz;
	}
	if (hi == 0)
		return 0;
	if (path == NULL || path[0] == '\0')
		path = cap->exe; /* the main program */
	else if (path[0] != '/')
		path = modmap_mapped_file(info, first, cap->path);
	if (path == NULL)
		return 0; /* the vDSO and other objects with no file */
	idlen = modmap_buildid(info, &id);
	plen = strnlen(path, TRACE_PATH_MAX - 1);
	nwords = TRACE_MODULE_FIXED_WORDS + (unsigned)((idlen + plen + 7) / 8);
	if (!modmap_room(cap, nwords)) {
		cap->failed = true;
		return 1;
	}
	w = cap->words + cap->n;
	memset(w, 0, nwords * sizeof(uint64_t));
	w[0] = trace_ext_word(TRACE_EXT_MODULE, nwords, (uint32_t)(idlen << 16 | plen));
	w[1] = info->dlpi_addr;
	w[2] = (info->dlpi_addr + lo) & ~(uint64_t)4095;
	w[3] = info->dlpi_addr + hi;
	memcpy((char *)&w[TRACE_MODULE_FIXED_WORDS], id, idlen);
	memcpy((char *)&w[TRACE_MODULE_FIXED_WORDS] + idlen, path, plen);
	cap->n += nwords;
	return 0;
}

NOINSTR int modmap_collect(struct modmap_capture *cap)
{
	ssize_t n;

	memset(cap, 0, sizeof(*cap));
	n = readlink("/proc/self/exe", cap->exe, sizeof(cap->exe) - 1);
	cap->exe[n > 0 ? n : 0] = '\0';
	sigmask_loader_walk(modmap_module_cb, cap);
	if (cap->failed) {
		modmap_release(cap);
		return -1;
	}
	return 0;
}

NOINSTR void modmap_release(struct modmap_capture *cap)
{
	if (cap->words)
		munmap(cap->words, cap->cap * 8);
	cap->words = NULL;
	cap->n = cap->cap = 0;
}

NOINSTR int modmap_write_locked(const struct modmap_capture *cap, enum trace_maps_reason reason,
				uint64_t ticks)
{
	uint64_t head[4];
	int written = 0;

	head[0] = trace_ext_word(TRACE_EXT_MAPS, 4, ++modmap_generation);
	head[1] = ticks;
	head[2] = reason;
	head[3] = cap->objects;
	if (writer_process_record_locked(head, 4) < 0)
		return -1;
	for (size_t i = 0; i < cap->n; i += trace_ext_nwords_of(cap->words[i]))
		if (writer_process_record_locked(cap->words + i,
						 trace_ext_nwords_of(cap->words[i])) == 0)
			written++;
	modmap_adds = cap->adds;
	modmap_subs = cap->subs;
	modmap_captured = true;
	return written;
}

NOINSTR void modmap_reset(void)
{
	modmap_captured = false;
	modmap_generation = 0;
}
