/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ferr.h — the PC/AT's x87 error latch: IRQ 13, cleared through port 0xF0. */
#ifndef MORPHEUS_FERR_H
#define MORPHEUS_FERR_H

#include "hw/error.h"

/* The ISA line the CPU raises for an x87 exception with CR0.NE clear. */
#define FERR_IRQ 13

struct machine;
int ferr_create(struct machine *m, struct error *err);

#endif
