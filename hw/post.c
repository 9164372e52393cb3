/* SPDX-License-Identifier: GPL-3.0-or-later */
/* post.c — the port 0x80 POST-code register: firmware and kernels write
 * progress codes (and use the port as an I/O delay). The last value written
 * reads back; with --trace post each write is printed. It does not display
 * anything else. */
#include "hw/post.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "hw/machine.h"

#define POST_PORT 0x80

struct post {
	struct device dev;
	struct machine *m;
	uint8_t value;          /* last code written */
};

static uint32_t post_io_read(void *opaque, uint16_t port, int size)
{
	struct post *p = opaque;
	(void)port;
	(void)size;
	return p->value;
}

static void post_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	struct post *p = opaque;
	(void)port;
	(void)size;
	p->value = value & 0xff;
	if (p->m->cfg.trace & TRACE_POST)
		machine_trace(p->m, "post", "0x%02x", p->value);
}

static void post_reset(struct device *dev)
{
	((struct post *)dev)->value = 0;
}

static void post_destroy(struct device *dev)
{
	free(dev);
}

int post_create(struct machine *m, struct error *err)
{
	struct post *p = calloc(1, sizeof(*p));
	if (!p)
		return error_set(err, -ENOMEM, "post: out of memory");
	p->dev.name = "post";
	p->dev.reset = post_reset;
	p->dev.destroy = post_destroy;
	p->m = m;
	int rc = portio_register(&m->io, POST_PORT, 1, post_io_read, post_io_write, p, "post", err);
	if (rc < 0) {
		free(p);
		return rc;
	}
	machine_add_device(m, &p->dev);
	return 0;
}
