/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memmap.c — region bookkeeping and MMIO dispatch of the memory map. */
#include "hw/memmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void memmap_init(struct memmap *map)
{
	memset(map, 0, sizeof(*map));
}

void memmap_destroy(struct memmap *map)
{
	free(map->regions);
	memset(map, 0, sizeof(*map));
}

int memmap_add(struct memmap *map, const struct mem_region *region, struct error *err)
{
	const struct mem_region *r = region;
	if (r->size == 0 || r->base + r->size < r->base)
		return error_set(err, -EINVAL, "%s: bad memory region 0x%" PRIx64 "+0x%" PRIx64,
				 r->name, r->base, r->size);
	int i = 0;
	while (i < map->count && map->regions[i].base < r->base)
		i++;
	if (i > 0) {
		const struct mem_region *p = &map->regions[i - 1];
		if (p->base + p->size > r->base)
			return error_set(err, -EBUSY, "%s: memory at 0x%" PRIx64 " overlaps %s",
					 r->name, r->base, p->name);
	}
	if (i < map->count && r->base + r->size > map->regions[i].base)
		return error_set(err, -EBUSY, "%s: memory at 0x%" PRIx64 " overlaps %s",
				 r->name, r->base, map->regions[i].name);
	if (map->count == map->capacity) {
		int cap = map->capacity ? map->capacity * 2 : 8;
		struct mem_region *n = realloc(map->regions, cap * sizeof(*n));
		if (!n)
			return error_set(err, -ENOMEM, "%s: out of memory", r->name);
		map->regions = n;
		map->capacity = cap;
	}
	memmove(&map->regions[i + 1], &map->regions[i], (map->count - i) * sizeof(*map->regions));
	map->regions[i] = *r;
	map->count++;
	return 0;
}

const struct mem_region *memmap_find(const struct memmap *map, uint64_t addr)
{
	int lo = 0, hi = map->count - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct mem_region *r = &map->regions[mid];
		if (addr < r->base)
			hi = mid - 1;
		else if (addr - r->base >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

uint8_t *memmap_host_ptr(const struct memmap *map, uint64_t addr, uint64_t len)
{
	const struct mem_region *r = memmap_find(map, addr);
	if (!r || r->kind == MEM_MMIO || len > r->size - (addr - r->base))
		return NULL;
	return r->host + (addr - r->base);
}

uint64_t memmap_mmio_read(const struct memmap *map, uint64_t addr, int size)
{
	const struct mem_region *r = memmap_find(map, addr);
	uint64_t ones = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	if (!r || r->kind != MEM_MMIO || !r->read)
		return ones;
	return r->read(r->opaque, addr - r->base, size) & ones;
}

void memmap_mmio_write(const struct memmap *map, uint64_t addr, int size, uint64_t value)
{
	const struct mem_region *r = memmap_find(map, addr);
	if (r && r->kind == MEM_MMIO && r->write)
		r->write(r->opaque, addr - r->base, size, value);
}
