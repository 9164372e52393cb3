/* SPDX-License-Identifier: GPL-3.0-or-later */
/* region.h — the soft MMU's lookups in the guest-physical memory map
 * (hw/memmap.h) for its slow path and the page walker: memmap_find with a
 * one-entry cache of the region found last (almost every lookup is in
 * the one RAM region), and copies of 1, 2 or 4 bytes of a known size (no
 * library call). The memory map does not change while the engine runs. */
#ifndef MORPHEUS_MMU_REGION_H
#define MORPHEUS_MMU_REGION_H

#include <string.h>

#include "hw/machine.h"
#include "mmu/mmu.h"

static inline const struct mem_region *mmu_region(struct mmu *mmu, uint64_t addr)
{
	const struct memmap *map = &mmu->m->mem;
	if (mmu->last_region < map->count) {
		const struct mem_region *r = &map->regions[mmu->last_region];
		if (addr - r->base < r->size)
			return r;
	}
	const struct mem_region *r = memmap_find(map, addr);
	if (r)
		mmu->last_region = (int)(r - map->regions);
	return r;
}

static inline uint32_t mmu_copy_in(const uint8_t *p, unsigned size)
{
	if (size == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	if (size == 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	return *p;
}

static inline void mmu_copy_out(uint8_t *p, unsigned size, uint32_t v)
{
	if (size == 4) {
		memcpy(p, &v, 4);
	} else if (size == 2) {
		uint16_t h = (uint16_t)v;
		memcpy(p, &h, 2);
	} else {
		*p = (uint8_t)v;
	}
}

#endif
