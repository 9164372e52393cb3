/* SPDX-License-Identifier: GPL-3.0-or-later */
/* portio.c — range registration and dispatch of the port-I/O bus. */
#include "hw/portio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void portio_bus_init(struct portio_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

void portio_bus_destroy(struct portio_bus *bus)
{
	free(bus->ranges);
	memset(bus, 0, sizeof(*bus));
}

int portio_register(struct portio_bus *bus, uint16_t base, uint32_t len,
		    portio_read_fn read, portio_write_fn write, void *opaque,
		    const char *name, struct error *err)
{
	if (len == 0 || base + len > 0x10000)
		return error_set(err, -EINVAL, "%s: port range 0x%x+%u outside the 64 KiB port space",
				 name, base, len);
	int i = 0;
	while (i < bus->count && bus->ranges[i].base < base)
		i++;
	if (i > 0) {
		const struct portio_range *p = &bus->ranges[i - 1];
		if (p->base + p->len > base)
			return error_set(err, -EBUSY, "%s: ports 0x%x-0x%x overlap %s", name,
					 base, base + len - 1, p->name);
	}
	if (i < bus->count && base + len > bus->ranges[i].base)
		return error_set(err, -EBUSY, "%s: ports 0x%x-0x%x overlap %s", name,
				 base, base + len - 1, bus->ranges[i].name);
	if (bus->count == bus->capacity) {
		int cap = bus->capacity ? bus->capacity * 2 : 16;
		struct portio_range *r = realloc(bus->ranges, cap * sizeof(*r));
		if (!r)
			return error_set(err, -ENOMEM, "%s: out of memory", name);
		bus->ranges = r;
		bus->capacity = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->count - i) * sizeof(*bus->ranges));
	bus->ranges[i] = (struct portio_range){ base, len, read, write, opaque, name };
	bus->count++;
	return 0;
}

const struct portio_range *portio_find(const struct portio_bus *bus, uint16_t port)
{
	int lo = 0, hi = bus->count - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct portio_range *r = &bus->ranges[mid];
		if (port < r->base)
			hi = mid - 1;
		else if (port >= r->base + r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

uint32_t portio_read(struct portio_bus *bus, uint16_t port, int size)
{
	const struct portio_range *r = portio_find(bus, port);
	uint32_t ones = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	if (!r || !r->read)
		return ones;
	return r->read(r->opaque, port, size) & ones;
}

void portio_write(struct portio_bus *bus, uint16_t port, int size, uint32_t value)
{
	const struct portio_range *r = portio_find(bus, port);
	if (r && r->write)
		r->write(r->opaque, port, size, value);
}
