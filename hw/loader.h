/* SPDX-License-Identifier: GPL-3.0-or-later */
/* loader.h — putting a guest into RAM and choosing its first CPU state.
 *
 * Three formats: Linux bzImage (boot protocol 2.06+), Multiboot v1 (ELF32,
 * or a flat image through the header's address fields), and a flat binary at
 * --load ADDR. The format is detected from the image; --load forces flat.
 * Every loader validates everything it reads: a malformed, truncated or
 * oversized image, or one that would overlap another placement or leave RAM,
 * is an error naming the file and the reason — never a crash. */
#ifndef MORPHEUS_LOADER_H
#define MORPHEUS_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hw/error.h"

struct machine;

struct boot_config {
	const char *kernel_path;      /* the image file (or a name for `image`) */
	const uint8_t *image;         /* if non-NULL: the image bytes, not read from kernel_path */
	size_t image_size;
	const char *initrd_path;      /* NULL: none (Multiboot: the module) */
	const char *cmdline;          /* NULL: empty */
	bool flat;                    /* --load given */
	uint64_t load_addr;
};

/* Loads the kernel (and initrd) into m's RAM and sets m->boot_state and
 * m->boot_state_set. Files are capped at the size of guest RAM. On error
 * RAM may have been partly written but the boot state is not changed. Each
 * loader's file says where it puts things and which entry state it builds. */
int loader_load(struct machine *m, const struct boot_config *bc, struct error *err);

/* The individual formats, on image bytes already in memory; `name` is the
 * file name used in messages. */
bool multiboot_detect(const uint8_t *image, size_t size);
bool linux_detect(const uint8_t *image, size_t size);
int load_flat(struct machine *m, const uint8_t *image, size_t size, uint64_t addr,
	      const char *name, struct error *err);
int load_multiboot(struct machine *m, const uint8_t *image, size_t size,
		   const struct boot_config *bc, struct error *err);
int load_linux(struct machine *m, const uint8_t *image, size_t size,
	       const struct boot_config *bc, struct error *err);

/* Reads a whole file (max_size bytes at most) into a malloc'd buffer. */
int loader_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
		     struct error *err);

/* --- shared by the loaders (not for the frontend) ---------------------- */

struct cpu_state;

/* Placement bookkeeping: every range a loader writes into guest RAM is
 * claimed in a plan first, which checks that it lies inside RAM and overlaps
 * no earlier claim, and gives the host pointer to write through. Errors are
 * "NAME: WHAT 0xSTART-0xLAST overlaps OTHER 0x..-0x.." or "... is outside
 * RAM", NAME being the plan's file name. */
#define LOAD_PLAN_MAX 32
struct load_region {
	uint64_t start, end;          /* [start, end) */
	char what[64];
};
struct load_plan {
	struct machine *m;
	const char *name;
	int count;
	struct load_region region[LOAD_PLAN_MAX];
};

void load_plan_init(struct load_plan *plan, struct machine *m, const char *name);
/* Claims the firmware area below 1 MiB (from the end of the e820 RAM range
 * at 0, i.e. the EBDA, up to 1 MiB) so that nothing is placed there. */
int load_plan_reserve_firmware(struct load_plan *plan, struct error *err);
/* Claims [addr, addr+size), size > 0; returns its host pointer, or NULL with
 * err set. */
uint8_t *load_plan_claim(struct load_plan *plan, uint64_t addr, uint64_t size,
			 const char *what, struct error *err);
/* Finds the highest (top_down) or lowest free `align`-aligned range of
 * `size` bytes inside [lo, hi) and RAM below the PCI hole, claims it and
 * stores its address in *addr; returns its host pointer, or NULL with err
 * set ("NAME: no room for WHAT ...") if there is none. */
uint8_t *load_plan_alloc(struct load_plan *plan, uint64_t size, uint64_t align, uint64_t lo,
			 uint64_t hi, bool top_down, const char *what, uint64_t *addr,
			 struct error *err);

/* Writes the boot GDT at `gdt` (host pointer of guest address addr, 32
 * bytes, already claimed): null, null, 0x10 flat code (64-bit code if
 * long_mode, else 32-bit), 0x18 flat data. Points s->gdt at it and clears
 * s->idt (limit 0: an exception before the guest loads its own IDT is a
 * triple fault, not a jump through the real-mode vector table). Call after
 * cpu_state_set_flat32/long64, which reset the state. */
#define LOADER_GDT_SIZE 32
void loader_write_gdt(uint8_t *gdt, uint64_t addr, bool long_mode, struct cpu_state *s);

/* Little-endian fields of images and guest structures. */
static inline uint16_t load_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)load_le32(p) | (uint64_t)load_le32(p + 4) << 32;
}
static inline void store_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void store_le32(uint8_t *p, uint32_t v)
{
	store_le16(p, (uint16_t)v);
	store_le16(p + 2, (uint16_t)(v >> 16));
}
static inline void store_le64(uint8_t *p, uint64_t v)
{
	store_le32(p, (uint32_t)v);
	store_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
