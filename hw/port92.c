/* SPDX-License-Identifier: GPL-3.0-or-later */
/* port92.c — System Control Port A (0x92): bit 1 is the A20 gate, bit 0 the
 * fast reset (a 0->1 transition resets the machine: MACHINE_RESET). Both bits
 * read back as written; the other bits read 0.
 *
 * A20 is stored, not emulated: guest addresses always see A20 enabled (KVM
 * cannot mask it either), so bit 1 starts at 1 to say so truthfully. */
#include "hw/port92.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

#define PORT92_PORT 0x92
#define PORT92_RESET 0x01
#define PORT92_A20 0x02

struct port92 {
	struct device dev;
	struct machine *m;
	uint8_t value;          /* PORT92_RESET | PORT92_A20 bits */
};

static uint32_t port92_io_read(void *opaque, uint16_t port, int size)
{
	struct port92 *p = opaque;
	(void)port;
	(void)size;
	return p->value;
}

static void port92_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct port92 *p = opaque;
	(void)port;
	(void)size;
	uint8_t old = p->value;
	p->value = value & (PORT92_RESET | PORT92_A20);
	if ((p->value & PORT92_RESET) && !(old & PORT92_RESET))
		machine_stop(p->m, MACHINE_RESET);
}

static void port92_reset(struct device *dev)
{
	((struct port92 *)dev)->value = PORT92_A20;
}

static void port92_destroy(struct device *dev)
{
	free(dev);
}

int port92_create(struct machine *m, struct error *err)
{
	struct port92 *p = calloc(1, sizeof(*p));
	if (!p)
		return error_set(err, -ENOMEM, "port92: out of memory");
	p->dev.name = "port92";
	p->dev.reset = port92_reset;
	p->dev.destroy = port92_destroy;
	p->m = m;
	int rc = portio_register(&m->io, PORT92_PORT, 1, port92_io_read, port92_io_write, p,
				 "port92", err);
	if (rc < 0) {
		free(p);
		return rc;
	}
	port92_reset(&p->dev);
	machine_add_device(m, &p->dev);
	return 0;
}
