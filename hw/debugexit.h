/* SPDX-License-Identifier: GPL-3.0-or-later */
/* debugexit.h — QEMU-compatible isa-debug-exit port: a write of v ends the
 * run with exit status (v<<1)|1. */
#ifndef MORPHEUS_DEBUGEXIT_H
#define MORPHEUS_DEBUGEXIT_H

#include <stdint.h>
#include "hw/error.h"

struct machine;
int debugexit_create(struct machine *m, uint16_t port, struct error *err);

#endif
