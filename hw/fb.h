/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fb.h — a linear framebuffer: 1024x768, 32 bits per pixel (XRGB, blue in
 * the low byte), 4096 bytes per line, as RAM at guest-physical 0xFD000000.
 * No mode setting, no acceleration, no registers. */
#ifndef MORPHEUS_FB_H
#define MORPHEUS_FB_H

#include <stdint.h>
#include "hw/error.h"

#define FB_BASE 0xfd000000ull         /* inside the PCI hole: never e820 RAM */
#define FB_WIDTH 1024u
#define FB_HEIGHT 768u
#define FB_BPP 32u
#define FB_STRIDE (FB_WIDTH * (FB_BPP / 8))
#define FB_SIZE ((uint64_t)FB_STRIDE * FB_HEIGHT)   /* 3 MiB */

struct fb;
struct machine;

/* Maps the framebuffer memory, adds it to m's memory map as RAM (so every
 * engine maps it like RAM), sets m->fb and m->display (a linear
 * framebuffer). */
int fb_create(struct machine *m, struct error *err);
/* Host pointer of the framebuffer's FB_SIZE bytes (reads race with the
 * guest's writes, which is harmless for display). */
const uint8_t *fb_pixels(const struct fb *fb);

#endif
