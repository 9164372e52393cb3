/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memmap.h — the guest-physical memory map: RAM, ROM and MMIO regions.
 *
 * RAM and ROM regions point into host memory; MMIO regions have handlers.
 * Engines use it to set up their views of memory (KVM memory slots, the soft
 * MMU) and to dispatch accesses that hit MMIO. It does not own host memory:
 * the machine does (machine.h). */
#ifndef MORPHEUS_MEMMAP_H
#define MORPHEUS_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/error.h"

enum mem_kind { MEM_RAM, MEM_ROM, MEM_MMIO };

typedef uint64_t (*mmio_read_fn)(void *opaque, uint64_t offset, int size);
typedef void (*mmio_write_fn)(void *opaque, uint64_t offset, int size, uint64_t value);

struct mem_region {
	uint64_t base, size;
	enum mem_kind kind;
	uint8_t *host;           /* RAM/ROM: host address of `base` */
	mmio_read_fn read;       /* MMIO only */
	mmio_write_fn write;
	void *opaque;
	const char *name;
};

struct memmap {
	struct mem_region *regions;  /* sorted by base, non-overlapping */
	int count, capacity;
};

void memmap_init(struct memmap *map);
void memmap_destroy(struct memmap *map);
int memmap_add(struct memmap *map, const struct mem_region *region, struct error *err);
const struct mem_region *memmap_find(const struct memmap *map, uint64_t addr);
/* Host pointer for [addr, addr+len) when it lies inside one RAM or ROM
 * region, else NULL. */
uint8_t *memmap_host_ptr(const struct memmap *map, uint64_t addr, uint64_t len);
/* MMIO dispatch; reads of unmapped addresses return all ones. */
uint64_t memmap_mmio_read(const struct memmap *map, uint64_t addr, int size);
void memmap_mmio_write(const struct memmap *map, uint64_t addr, int size, uint64_t value);

#endif
