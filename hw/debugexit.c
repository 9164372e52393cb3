/* SPDX-License-Identifier: GPL-3.0-or-later */
/* debugexit.c — the isa-debug-exit port (QEMU's convention, used by test
 * kernels such as kvm-unit-tests): a write of v stores v and stops the run
 * with MACHINE_DEBUG_EXIT, which machine_exit_status() turns into the exit
 * status (v<<1)|1. Writes of 1, 2 or 4 bytes are accepted (the value is
 * masked to the access size); reads return all ones (no read handler). It
 * does not check that the guest meant it: any write ends the run. */
#include "hw/debugexit.h"

#include <errno.h>
#include <stdlib.h>

#include "hw/machine.h"

struct debugexit {
	struct device dev;
	struct machine *m;
};

static void debugexit_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct debugexit *d = opaque;
	(void)port;
	if (size < 4)
		value &= (1u << (size * 8)) - 1;
	/* The first stop wins: keep the value that goes with it. */
	if (d->m->event == MACHINE_RUNNING)
		d->m->debug_exit_value = value;
	machine_stop(d->m, MACHINE_DEBUG_EXIT);
}

static void debugexit_destroy(struct device *dev)
{
	free(dev);
}

int debugexit_create(struct machine *m, uint16_t port, struct error *err)
{
	struct debugexit *d = calloc(1, sizeof(*d));
	if (!d)
		return error_set(err, -ENOMEM, "debug-exit at 0x%x: out of memory", port);
	d->dev.name = "debugexit";
	d->dev.destroy = debugexit_destroy;
	d->m = m;
	int rc = portio_register(&m->io, port, 1, NULL, debugexit_io_write, d, "debugexit", err);
	if (rc < 0) {
		free(d);
		return rc;
	}
	machine_add_device(m, &d->dev);
	return 0;
}
