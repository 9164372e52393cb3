/* SPDX-License-Identifier: GPL-3.0-or-later */
/* portio.h — the port-I/O bus: devices register handlers on port ranges;
 * engines dispatch IN/OUT to it. Unclaimed reads return all ones and
 * unclaimed writes are dropped, as on a PC. Not thread-safe by itself: the
 * machine lock (machine.h) serializes dispatch. */
#ifndef MORPHEUS_PORTIO_H
#define MORPHEUS_PORTIO_H

#include <stdint.h>
#include "hw/error.h"

/* size is 1, 2 or 4 bytes; port is the first port of the access. */
typedef uint32_t (*portio_read_fn)(void *opaque, uint16_t port, int size);
typedef void (*portio_write_fn)(void *opaque, uint16_t port, int size, uint32_t value);

struct portio_range {
	uint16_t base;
	uint32_t len;              /* up to 0x10000 */
	portio_read_fn read;       /* NULL: reads return all ones */
	portio_write_fn write;     /* NULL: writes are ignored */
	void *opaque;
	const char *name;
};

struct portio_bus {
	struct portio_range *ranges;   /* sorted by base, non-overlapping */
	int count, capacity;
};

void portio_bus_init(struct portio_bus *bus);
void portio_bus_destroy(struct portio_bus *bus);
/* Fails with -EBUSY naming both devices when the range overlaps another. */
int portio_register(struct portio_bus *bus, uint16_t base, uint32_t len,
		    portio_read_fn read, portio_write_fn write, void *opaque,
		    const char *name, struct error *err);
const struct portio_range *portio_find(const struct portio_bus *bus, uint16_t port);
uint32_t portio_read(struct portio_bus *bus, uint16_t port, int size);
void portio_write(struct portio_bus *bus, uint16_t port, int size, uint32_t value);

#endif
