/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pc.c — the PC board: the legacy devices of a PC and their ports/IRQs. */
#include "hw/pc.h"

#include "hw/debugexit.h"
#include "hw/fb.h"
#include "hw/ferr.h"
#include "hw/i8042.h"
#include "hw/machine.h"
#include "hw/port92.h"
#include "hw/post.h"
#include "hw/rtc.h"
#include "hw/uart16550.h"
#include "hw/vga.h"

#define COM1_PORT 0x3f8
#define COM1_IRQ 4
#define DEBUGEXIT_PORT 0xf4

int pc_create_devices(struct machine *m, struct error *err)
{
	int rc;
	if ((rc = uart16550_create(m, COM1_PORT, COM1_IRQ, m->serial_out_fd, &m->com1, err)) < 0 ||
	    (rc = debugexit_create(m, DEBUGEXIT_PORT, err)) < 0 ||
	    (rc = post_create(m, err)) < 0 ||
	    (rc = port92_create(m, err)) < 0 ||
	    (rc = ferr_create(m, err)) < 0 ||
	    (rc = i8042_create(m, err)) < 0 ||
	    (rc = rtc_create(m, err)) < 0 ||
	    (rc = vga_create(m, err)) < 0 ||
	    (m->cfg.framebuffer && (rc = fb_create(m, err)) < 0))
		return rc;
	return 0;
}
