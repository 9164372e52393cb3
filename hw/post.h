/* SPDX-License-Identifier: GPL-3.0-or-later */
/* post.h — the port 0x80 POST-code register (shown with --trace post). */
#ifndef MORPHEUS_POST_H
#define MORPHEUS_POST_H

#include "hw/error.h"

struct machine;
int post_create(struct machine *m, struct error *err);

#endif
