/* SPDX-License-Identifier: GPL-3.0-or-later */
/* uart16550.h — a 16550A UART (COM1 at 0x3f8, IRQ 4 on a PC). */
#ifndef MORPHEUS_UART16550_H
#define MORPHEUS_UART16550_H

#include <stddef.h>
#include <stdint.h>
#include "hw/error.h"

struct machine;
struct uart16550;

/* Registers the UART's 8 ports at `base`; transmitted bytes are written to
 * out_fd (-1: dropped). */
int uart16550_create(struct machine *m, uint16_t base, int irq, int out_fd,
		     struct uart16550 **out, struct error *err);
/* Host -> guest bytes (machine lock held). Returns how many were taken:
 * the receive FIFO holds 16 bytes; the caller keeps the rest for later. */
size_t uart16550_receive(struct uart16550 *u, const uint8_t *buf, size_t len);

#endif
