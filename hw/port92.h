/* SPDX-License-Identifier: GPL-3.0-or-later */
/* port92.h — System Control Port A (0x92): the A20 gate and fast reset. */
#ifndef MORPHEUS_PORT92_H
#define MORPHEUS_PORT92_H

#include "hw/error.h"

struct machine;
int port92_create(struct machine *m, struct error *err);

#endif
