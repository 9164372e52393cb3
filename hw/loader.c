/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loader.c — choosing the loader for an image, reading files, and the
 * helpers every loader shares: the placement plan (each range written into
 * guest RAM is checked against RAM and against every other placement, in one
 * place) and the boot GDT. The formats themselves live in load_flat.c,
 * load_multiboot.c and load_linux.c. Nothing here prints. */
#include "hw/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpu_state.h"
#include "hw/machine.h"

/* ---- reading files ------------------------------------------------------ */

static int read_all(int fd, const char *path, size_t max_size, size_t hint, uint8_t **data,
		    size_t *size, struct error *err)
{
	size_t cap = hint ? hint + 1 : 64 * 1024, len = 0;
	if (cap > max_size + 1)
		cap = max_size + 1;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return error_set(err, -ENOMEM, "%s: out of memory reading the file", path);
	for (;;) {
		if (len == cap) {
			if (cap > max_size)
				break;                  /* read max_size + 1 bytes: too large */
			size_t new_cap = cap > (max_size + 1) / 2 ? max_size + 1 : cap * 2;
			uint8_t *bigger = realloc(buf, new_cap);
			if (!bigger) {
				free(buf);
				return error_set(err, -ENOMEM, "%s: out of memory reading the file", path);
			}
			buf = bigger;
			cap = new_cap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return error_set(err, -e, "%s: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max_size) {
		free(buf);
		return error_set(err, -EFBIG, "%s: is larger than %zu MiB", path, max_size >> 20);
	}
	if (len == 0) {
		free(buf);
		return error_set(err, -EINVAL, "%s: is empty", path);
	}
	*data = buf;
	*size = len;
	return 0;
}

int loader_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
		     struct error *err)
{
	*data = NULL;
	*size = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return error_set(err, -e, "%s: %s", path, strerror(e));
	}
	struct stat st;
	int rc;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		rc = error_set(err, -e, "%s: %s", path, strerror(e));
	} else if (S_ISDIR(st.st_mode)) {
		rc = error_set(err, -EISDIR, "%s: is a directory", path);
	} else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_size) {
		rc = error_set(err, -EFBIG, "%s: is larger than %zu MiB", path, max_size >> 20);
	} else {
		size_t hint = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
		rc = read_all(fd, path, max_size, hint, data, size, err);
	}
	close(fd);
	return rc;
}

/* ---- choosing the format ------------------------------------------------ */

int loader_load(struct machine *m, const struct boot_config *bc, struct error *err)
{
	const char *name = bc->kernel_path ? bc->kernel_path : "kernel";
	const uint8_t *image = bc->image;
	size_t size = bc->image_size;
	uint8_t *owned = NULL;
	int rc;

	if (!image) {
		if (!bc->kernel_path)
			return error_set(err, -EINVAL, "no kernel image given");
		rc = loader_read_file(bc->kernel_path, m->ram_size, &owned, &size, err);
		if (rc < 0)
			return rc;
		image = owned;
	} else if (size == 0) {
		return error_set(err, -EINVAL, "%s: is empty", name);
	}

	if (bc->flat) {
		if (bc->initrd_path)
			rc = error_set(err, -EINVAL, "%s: --initrd cannot be used with a flat binary (--load)",
				       name);
		else
			rc = load_flat(m, image, size, bc->load_addr, name, err);
	} else if (linux_detect(image, size)) {
		rc = load_linux(m, image, size, bc, err);
	} else if (multiboot_detect(image, size)) {
		rc = load_multiboot(m, image, size, bc, err);
	} else {
		rc = error_set(err, -EINVAL,
			       "%s: not a Linux bzImage or Multiboot kernel (use --load ADDR for a flat binary)",
			       name);
	}
	free(owned);
	return rc;
}

/* ---- the placement plan ------------------------------------------------- */

void load_plan_init(struct load_plan *plan, struct machine *m, const char *name)
{
	memset(plan, 0, sizeof(*plan));
	plan->m = m;
	plan->name = name;
}

static const struct load_region *plan_find_overlap(const struct load_plan *plan, uint64_t start,
						   uint64_t end)
{
	for (int i = 0; i < plan->count; i++) {
		const struct load_region *r = &plan->region[i];
		if (start < r->end && r->start < end)
			return r;
	}
	return NULL;
}

uint8_t *load_plan_claim(struct load_plan *plan, uint64_t addr, uint64_t size,
			 const char *what, struct error *err)
{
	if (size == 0 || size > UINT64_MAX - addr) {
		error_set(err, -ERANGE, "%s: %s at 0x%" PRIx64 " (0x%" PRIx64 " bytes) is outside RAM",
			  plan->name, what, addr, size);
		return NULL;
	}
	uint64_t end = addr + size;
	uint8_t *host = machine_ram_ptr(plan->m, addr, size);
	if (!host) {
		error_set(err, -ERANGE, "%s: %s 0x%" PRIx64 "-0x%" PRIx64 " is outside RAM (%" PRIu64 " MiB)",
			  plan->name, what, addr, end - 1, plan->m->ram_size >> 20);
		return NULL;
	}
	const struct load_region *r = plan_find_overlap(plan, addr, end);
	if (r) {
		error_set(err, -EEXIST, "%s: %s 0x%" PRIx64 "-0x%" PRIx64 " overlaps %s 0x%" PRIx64 "-0x%" PRIx64,
			  plan->name, what, addr, end - 1, r->what, r->start, r->end - 1);
		return NULL;
	}
	if (plan->count == LOAD_PLAN_MAX) {
		error_set(err, -E2BIG, "%s: too many pieces to place (at most %d)", plan->name,
			  LOAD_PLAN_MAX);
		return NULL;
	}
	struct load_region *n = &plan->region[plan->count++];
	n->start = addr;
	n->end = end;
	snprintf(n->what, sizeof(n->what), "%s", what);
	return host;
}

int load_plan_reserve_firmware(struct load_plan *plan, struct error *err)
{
	uint64_t low_end = 0x9fc00;
	for (int i = 0; i < plan->m->e820_count; i++) {
		const struct e820_entry *e = &plan->m->e820[i];
		if (e->addr == 0 && e->type == E820_RAM)
			low_end = e->size;
	}
	if (low_end >= 0x100000)
		return 0;
	if (!load_plan_claim(plan, low_end, 0x100000 - low_end, "the BIOS area", err))
		return -ERANGE;
	return 0;
}

uint8_t *load_plan_alloc(struct load_plan *plan, uint64_t size, uint64_t align, uint64_t lo,
			 uint64_t hi, bool top_down, const char *what, uint64_t *addr,
			 struct error *err)
{
	if (align == 0 || (align & (align - 1)))
		align = 1;
	uint64_t mask = ~(align - 1);
	if (hi > plan->m->ram_low)
		hi = plan->m->ram_low;
	bool found = false;
	uint64_t cand = 0;

	if (size > 0 && hi > lo && hi - lo >= size) {
		if (top_down) {
			cand = (hi - size) & mask;
			while (cand >= lo) {
				const struct load_region *r = plan_find_overlap(plan, cand, cand + size);
				if (!r) {
					found = true;
					break;
				}
				if (r->start < lo + size)
					break;
				cand = (r->start - size) & mask;
			}
		} else {
			cand = (lo + align - 1) & mask;
			while (cand >= lo && cand <= hi - size) {
				const struct load_region *r = plan_find_overlap(plan, cand, cand + size);
				if (!r) {
					found = true;
					break;
				}
				cand = (r->end + align - 1) & mask;
			}
		}
	}
	if (!found) {
		error_set(err, -ENOSPC, "%s: no room for %s (%" PRIu64 " bytes) in RAM 0x%" PRIx64 "-0x%" PRIx64,
			  plan->name, what, size, lo, hi > lo ? hi - 1 : lo);
		return NULL;
	}
	uint8_t *host = load_plan_claim(plan, cand, size, what, err);
	if (host)
		*addr = cand;
	return host;
}

/* ---- the boot GDT ------------------------------------------------------- */

/* Flat descriptors, base 0, limit 0xfffff pages, present, DPL 0, accessed
 * (matching the cached segments cpu_state_set_flat32/long64 build). */
#define GDT_CODE32 0x00cf9b000000ffffull   /* G, D, execute/read */
#define GDT_CODE64 0x00af9b000000ffffull   /* G, L, execute/read */
#define GDT_DATA 0x00cf93000000ffffull     /* G, B, read/write */

void loader_write_gdt(uint8_t *gdt, uint64_t addr, bool long_mode, struct cpu_state *s)
{
	store_le64(gdt + 0x00, 0);
	store_le64(gdt + 0x08, 0);
	store_le64(gdt + 0x10, long_mode ? GDT_CODE64 : GDT_CODE32);
	store_le64(gdt + 0x18, GDT_DATA);
	s->gdt.base = addr;
	s->gdt.limit = LOADER_GDT_SIZE - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
}
