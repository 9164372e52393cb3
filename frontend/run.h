/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run.h — the `run` and `demo` commands: build the machine from the
 * options, pick the engine, run the guest, and report. */
#ifndef MORPHEUS_RUN_H
#define MORPHEUS_RUN_H

#include "frontend/options.h"

/* Returns the process exit status; prints its own one-line errors. */
int run_command(const struct options *o);

#endif
