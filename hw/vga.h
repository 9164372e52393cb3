/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vga.h — the VGA in colour text mode 3 (80x25 at 0xB8000): the registers a
 * text-mode driver programs, and a snapshot of the screen for the renderer
 * (frontend/render.h). No graphics modes, no planar memory. */
#ifndef MORPHEUS_VGA_H
#define MORPHEUS_VGA_H

#include <stdbool.h>
#include <stdint.h>
#include "hw/error.h"

#define VGA_TEXT_BASE 0xb8000ull      /* guest RAM the text cells live in */
#define VGA_TEXT_WINDOW 0x8000u       /* 32 KiB: 0xB8000-0xBFFFF, addresses wrap */
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_CELLS (VGA_COLS * VGA_ROWS)
#define VGA_FONT_HEIGHT 16            /* scan lines per character row */

/* Ports (colour addressing; the monochrome 0x3Bx aliases are not decoded). */
#define VGA_PORT_BASE 0x3c0
#define VGA_PORT_COUNT 0x20
#define VGA_ATTR 0x3c0                /* attribute controller index/data (flip-flop) */
#define VGA_ATTR_READ 0x3c1
#define VGA_MISC_WRITE 0x3c2          /* write: misc output; read: input status 0 */
#define VGA_SEQ_INDEX 0x3c4
#define VGA_SEQ_DATA 0x3c5
#define VGA_DAC_MASK 0x3c6
#define VGA_DAC_READ_INDEX 0x3c7      /* write: read index; read: DAC state */
#define VGA_DAC_WRITE_INDEX 0x3c8
#define VGA_DAC_DATA 0x3c9
#define VGA_FEATURE_READ 0x3ca
#define VGA_MISC_READ 0x3cc
#define VGA_GC_INDEX 0x3ce
#define VGA_GC_DATA 0x3cf
#define VGA_CRTC_INDEX 0x3d4
#define VGA_CRTC_DATA 0x3d5
#define VGA_STATUS1 0x3da             /* read: input status 1; write: feature control */

/* Registers the renderer uses. */
#define VGA_CRTC_MAX_SCAN 0x09
#define VGA_CRTC_CURSOR_START 0x0a    /* bits 0-4 first scan line, bit 5 cursor off */
#define VGA_CRTC_CURSOR_END 0x0b      /* bits 0-4 last scan line */
#define VGA_CRTC_START_HI 0x0c
#define VGA_CRTC_START_LO 0x0d
#define VGA_CRTC_CURSOR_HI 0x0e
#define VGA_CRTC_CURSOR_LO 0x0f
#define VGA_CRTC_VRETRACE_END 0x11    /* bit 7: registers 0-7 write-protected */
#define VGA_SEQ_CLOCKING 0x01         /* bit 0: 8-dot characters; bit 5: screen off */
#define VGA_ATTR_MODE 0x10            /* bit 2: line graphics, bit 3: blink, bit 7: P54S */
#define VGA_ATTR_COLOR_SELECT 0x14
#define VGA_ATTR_PAS 0x20             /* index bit 5: palette address source (display on) */
#define VGA_STATUS1_RETRACE 0x09      /* display disabled | vertical retrace */

/* What the screen shows, everything the renderer needs: two snapshots
 * compare equal exactly when the rendered image would be the same (for the
 * same blink phase). */
struct vga_screen {
	uint8_t cells[VGA_CELLS * 2];   /* character, attribute; from the start address */
	uint8_t palette[16][3];         /* the 16 attribute colours as 8-bit RGB (through the DAC) */
	uint16_t cursor_cell;           /* cell index of the cursor; >= VGA_CELLS: off screen */
	uint8_t cursor_start, cursor_end;   /* scan lines; no cursor when start > end */
	bool cursor_enabled;
	bool blink_enabled;             /* attribute bit 7 blinks (else bright background) */
	bool line_graphics;             /* 9-dot mode: column 9 of 0xC0-0xDF repeats column 8 */
	bool nine_dots;                 /* 9-pixel-wide character cells (720x400) */
	bool blanked;                   /* screen off (sequencer) or palette access (PAS 0) */
};

struct vga;
struct machine;

/* Claims ports 0x3C0-0x3DF, sets m->vga and m->display (VGA text). */
int vga_create(struct machine *m, struct error *err);
/* Takes a snapshot of the screen: registers and the cells in guest RAM.
 * Call with the machine lock held. */
void vga_get_screen(const struct vga *v, struct vga_screen *s);

#endif
