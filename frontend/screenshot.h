/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screenshot.h — writing a rendered image (frontend/render.h) as a PNG
 * file: 8-bit RGB, no alpha. It does not render. */
#ifndef MORPHEUS_SCREENSHOT_H
#define MORPHEUS_SCREENSHOT_H

#include <stdint.h>
#include <stdio.h>
#include "hw/error.h"

/* Writes width x height XRGB pixels (rows of `width`) to `out` as a PNG;
 * `name` is the file name for messages. An empty image is an error. */
int screenshot_write_png(FILE *out, const char *name, const uint32_t *pixels,
			 unsigned width, unsigned height, struct error *err);

#endif
