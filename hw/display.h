/* SPDX-License-Identifier: GPL-3.0-or-later */
/* display.h — what the machine's firmware would tell an operating system
 * about the display: VGA text mode, or a linear framebuffer with its
 * address and pixel layout. The display devices fill it (hw/vga.c,
 * hw/fb.c); loaders read it (the Linux loader turns it into
 * boot_params.screen_info) without knowing the devices. Plain data: it
 * renders nothing. */
#ifndef MORPHEUS_DISPLAY_H
#define MORPHEUS_DISPLAY_H

#include <stdint.h>

enum display_kind {
	DISPLAY_NONE = 0,        /* no display device: tell the OS nothing */
	DISPLAY_VGA_TEXT,        /* VGA colour text mode 3: 80x25 at 0xB8000 */
	DISPLAY_LFB,             /* a linear framebuffer, described below */
};

/* A colour channel of a framebuffer pixel: `size` bits at bit `pos`. */
struct display_channel {
	uint8_t size, pos;
};

struct display_info {
	enum display_kind kind;
	/* DISPLAY_VGA_TEXT */
	uint8_t text_cols, text_lines, font_height;
	/* DISPLAY_LFB */
	uint64_t lfb_base;       /* guest-physical */
	uint64_t lfb_size;       /* bytes mapped at lfb_base */
	uint32_t width, height;  /* pixels */
	uint32_t stride;         /* bytes per line */
	uint32_t bpp;            /* bits per pixel */
	struct display_channel red, green, blue, reserved;
};

#endif
