/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mptable.h — the Intel MultiProcessor table (floating pointer + config
 * table in the BIOS area at 0xF0000) that tells a guest OS how many CPUs
 * and which I/O APIC and interrupt routing the board has. */
#ifndef MORPHEUS_MPTABLE_H
#define MORPHEUS_MPTABLE_H

#include "hw/error.h"

struct machine;
int mptable_write(struct machine *m, struct error *err);

#endif
