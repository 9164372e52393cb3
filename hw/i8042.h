/* SPDX-License-Identifier: GPL-3.0-or-later */
/* i8042.h — the PS/2 keyboard controller at 0x60/0x64 (for now: status,
 * the configuration byte, self-test, and the 0xFE pulse-reset command). */
#ifndef MORPHEUS_I8042_H
#define MORPHEUS_I8042_H

#include "hw/error.h"

struct machine;
int i8042_create(struct machine *m, struct error *err);

#endif
