/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ferr.c — the PC/AT's x87 error latch. With CR0.NE clear, an x87
 * exception does not raise #MF: the CPU's FERR# output raises ISA line 13
 * (the soft engine: cpu/soft_x87.c), and the handler acknowledges it by
 * writing any value to port 0xF0, which lowers the line (on the AT that
 * write also cleared the coprocessor's busy latch). Reads return 0xFF:
 * nothing is decoded there for reading. */
#include "hw/ferr.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

#define FERR_PORT 0xf0

struct ferr {
	struct device dev;
	struct machine *m;
};

static uint32_t ferr_io_read(void *opaque, uint16_t port, int size)
{
	(void)opaque;
	(void)port;
	(void)size;
	return 0xff;
}

static void ferr_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct ferr *f = opaque;
	(void)port;
	(void)size;
	(void)value;
	machine_set_irq(f->m, FERR_IRQ, 0);
}

static void ferr_destroy(struct device *dev)
{
	free(dev);
}

int ferr_create(struct machine *m, struct error *err)
{
	struct ferr *f = calloc(1, sizeof(*f));
	if (!f)
		return error_set(err, -ENOMEM, "ferr: out of memory");
	f->dev.name = "ferr";
	f->dev.destroy = ferr_destroy;
	f->m = m;
	int rc = portio_register(&m->io, FERR_PORT, 1, ferr_io_read, ferr_io_write, f, "ferr", err);
	if (rc < 0) {
		free(f);
		return rc;
	}
	machine_add_device(m, &f->dev);
	return 0;
}
