/* SPDX-License-Identifier: GPL-3.0-or-later */
/* render.h — the machine's screen as a 32-bit pixel image, for the window
 * and for screenshots: VGA text mode drawn with the 8x16 VGA font and the
 * attribute colours (through the DAC), with the cursor and blinking
 * characters in a given blink phase; or the linear framebuffer as it is.
 * It says whether the image changed since the last call, so an idle guest
 * costs no redraws. It does not scale, and shows no window. */
#ifndef MORPHEUS_RENDER_H
#define MORPHEUS_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/display.h"
#include "hw/error.h"
#include "hw/vga.h"

/* Pixels are 0xXXRRGGBB (XRGB8888; the top byte is undefined). */
#define RENDER_RGB(r, g, b) ((uint32_t)(r) << 16 | (uint32_t)(g) << 8 | (uint32_t)(b))

/* Where the blinking things are in their cycle. */
struct render_blink {
	bool cursor_on;       /* the text cursor is drawn */
	bool text_on;         /* blinking characters are drawn (else only their background) */
};

/* The VGA's phases at time `ms` (VGA rates at 60 Hz: the cursor toggles
 * every 8 frames, blinking characters every 16). */
struct render_blink render_blink_at(uint64_t ms);

/* In framebuffer mode the image is also the shadow copy of the guest's
 * framebuffer: each call compares it page by page (4 KiB, one line at
 * 1024x32 bpp) with guest memory and copies the pages that differ. That is
 * a read of the whole framebuffer per call (3 MiB: about 0.2-0.5 ms on a
 * current host), the same on every engine, and no copy when idle. */
struct render {
	uint32_t *pixels;     /* width x height, rows of `width` pixels */
	unsigned width, height;
	enum display_kind kind;       /* what the image shows */
	bool valid;                   /* the image and the copies below are set */
	struct vga_screen screen;     /* text mode: the last rendered screen */
	struct render_blink blink;    /* ... and its blink phase */
	uint64_t pages_compared, pages_copied;   /* framebuffer: work done so far */
};

void render_init(struct render *r);
void render_destroy(struct render *r);

/* Renders the machine's current screen (the framebuffer when it has one,
 * else VGA text, else nothing: a 0x0 image) into r->pixels. Sets *changed
 * to whether the image differs from the last call's. Takes the machine
 * lock for the device registers. */
int render_update(struct render *r, struct machine *m, const struct render_blink *blink,
		  bool *changed, struct error *err);

/* Text mode, pure: the image size of a screen (720x400 with 9-dot cells,
 * else 640x400) and drawing it into `pixels` of that size. */
void render_text_size(const struct vga_screen *s, unsigned *width, unsigned *height);
void render_text(const struct vga_screen *s, const struct render_blink *blink, uint32_t *pixels);

#endif
