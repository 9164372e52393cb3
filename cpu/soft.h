/* SPDX-License-Identifier: GPL-3.0-or-later */
/* soft.h — the soft engine: runs the machine's CPU by translating guest
 * code to IR and interpreting it (cpu/soft.c). */
#ifndef MORPHEUS_SOFT_H
#define MORPHEUS_SOFT_H

#include "cpu/engine.h"

extern const struct engine_ops soft_engine_ops;

#endif
