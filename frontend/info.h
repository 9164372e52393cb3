/* SPDX-License-Identifier: GPL-3.0-or-later */
/* info.h — `morpheus info`: what this host offers and which engine `--accel
 * auto` would choose; and that choice itself, shared with `run`. */
#ifndef MORPHEUS_INFO_H
#define MORPHEUS_INFO_H

#include <stdio.h>
#include "cpu/engine.h"
#include "frontend/options.h"

/* Chooses the engine for `accel`. On failure returns NULL with a one-line
 * reason in err; `why` gets one line explaining the choice (--verbose). */
const struct engine_ops *info_choose_engine(enum accel accel, char *why, size_t why_size,
					    struct error *err);
int info_command(FILE *out);

#endif
