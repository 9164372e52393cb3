/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pc.h — the PC board: which devices a machine has and where they sit. */
#ifndef MORPHEUS_PC_H
#define MORPHEUS_PC_H

#include "hw/error.h"

struct machine;
/* Creates the standard devices on m (COM1 writes to m->serial_out_fd). */
int pc_create_devices(struct machine *m, struct error *err);

#endif
