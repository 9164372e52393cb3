/* SPDX-License-Identifier: GPL-3.0-or-later */
/* font.h — the VGA text-mode font: 256 glyphs of 8x16 pixels in code page
 * 437 order, bit 7 of each row byte the leftmost pixel. Generated at build
 * time by scripts/psf2c from Debian's console-data default8x16 font (see
 * docs/display.md for its source and licence). Data only. */
#ifndef MORPHEUS_FONT_H
#define MORPHEUS_FONT_H

#include <stdint.h>

#define FONT_WIDTH 8
#define FONT_HEIGHT 16

extern const uint8_t font_vga_8x16[256][FONT_HEIGHT];

#endif
