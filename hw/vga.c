/* SPDX-License-Identifier: GPL-3.0-or-later */
/* vga.c — the VGA as a colour text-mode device (mode 3, 80x25).
 *
 * The text buffer is plain guest RAM at 0xB8000 (engines map it like any
 * RAM, so guest writes cost nothing); the renderer reads the cells from
 * there through vga_get_screen. The registers are stored with the values
 * of mode 3 after reset and read back as written:
 *  - CRTC (0x3D4/0x3D5): cursor shape and location, start address
 *    (hardware scrolling; byte offset 2*start in the 32 KiB window, wrapping),
 *    registers 0-7 write-protected while bit 7 of register 0x11 is set.
 *  - Attribute controller (0x3C0/0x3C1): an index/data flip-flop reset by
 *    reading 0x3DA; the palette registers, mode control (bit 3 chooses
 *    blinking or a bright background, bit 2 line-graphics), colour select.
 *    Index bit 5 (PAS) clear blanks the display, as on hardware.
 *  - DAC (0x3C6-0x3C9): 256 entries of 6-bit RGB, the EGA colours in 0-63
 *    after reset; read and write indexes with an R, G, B cycle.
 *  - Sequencer, graphics controller, misc output, feature control: storage
 *    only (clocking mode bit 0, 8- or 9-dot cells, and bit 5, screen off,
 *    are honoured by the renderer).
 *  - Input status 1 (0x3DA): the retrace bits toggle on every read, so that
 *    both "wait for retrace" and "wait for display" loops end.
 * 16- and 32-bit accesses are split into byte accesses of consecutive
 * ports (`out dx, ax` to 0x3D4 writes index and data). Graphics modes,
 * planar memory and font loading through plane 2 are not emulated (writes
 * to 0xA0000 land in RAM and are ignored); the monochrome ports 0x3Bx are
 * not decoded whatever misc output bit 0 says. */
#include "hw/vga.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"

#define VGA_SEQ_COUNT 8
#define VGA_GC_COUNT 16
#define VGA_CRTC_COUNT 32
#define VGA_ATTR_COUNT 0x15
#define VGA_ATTR_INDEX_MASK 0x1f

struct vga {
	struct device dev;
	struct machine *m;
	uint8_t misc, feature, subsystem;
	uint8_t seq_index, seq[VGA_SEQ_COUNT];
	uint8_t gc_index, gc[VGA_GC_COUNT];
	uint8_t crtc_index, crtc[VGA_CRTC_COUNT];
	uint8_t attr_index;           /* bits 0-4 register, bit 5 PAS */
	bool attr_data_next;          /* flip-flop: the next 0x3C0 write is data */
	uint8_t attr[VGA_ATTR_COUNT];
	uint8_t dac_mask, dac_read_index, dac_write_index, dac_component;
	bool dac_reading;             /* last index written was the read index */
	uint8_t dac[256][3];          /* 6-bit R, G, B */
	bool retrace;                 /* what the next 0x3DA read reports */
};

/* Mode 3 as a VGA BIOS leaves it (IBM VGA register tables). */
static const uint8_t mode3_seq[5] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_gc[9] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x00, 0xff };
static const uint8_t mode3_crtc[25] = {
	0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
	0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};
static const uint8_t mode3_attr[VGA_ATTR_COUNT] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
	0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x0c, 0x00, 0x0f, 0x08, 0x00,
};

static void vga_reset(struct device *dev)
{
	struct vga *v = (struct vga *)dev;
	struct device saved = v->dev;     /* keeps its place in the device list */
	struct machine *m = v->m;
	memset(v, 0, sizeof(*v));
	v->dev = saved;
	v->m = m;
	v->misc = 0x67;
	memcpy(v->seq, mode3_seq, sizeof(mode3_seq));
	memcpy(v->gc, mode3_gc, sizeof(mode3_gc));
	memcpy(v->crtc, mode3_crtc, sizeof(mode3_crtc));
	memcpy(v->attr, mode3_attr, sizeof(mode3_attr));
	v->attr_index = VGA_ATTR_PAS;
	v->dac_mask = 0xff;
	/* The EGA colours: bits 2,1,0 are R,G,B at 2/3, bits 5,4,3 at 1/3. */
	for (int i = 0; i < 64; i++) {
		v->dac[i][0] = (uint8_t)((i & 4 ? 0x2a : 0) + (i & 32 ? 0x15 : 0));
		v->dac[i][1] = (uint8_t)((i & 2 ? 0x2a : 0) + (i & 16 ? 0x15 : 0));
		v->dac[i][2] = (uint8_t)((i & 1 ? 0x2a : 0) + (i & 8 ? 0x15 : 0));
	}
}

static uint8_t vga_read_byte(struct vga *v, uint16_t port)
{
	switch (port) {
	case VGA_ATTR:
		return v->attr_index;
	case VGA_ATTR_READ: {
		unsigned i = v->attr_index & VGA_ATTR_INDEX_MASK;
		return i < VGA_ATTR_COUNT ? v->attr[i] : 0;
	}
	case VGA_MISC_WRITE:
		return 0x00;                  /* input status 0: no switch sense, no interrupt */
	case 0x3c3:
		return v->subsystem;
	case VGA_SEQ_INDEX:
		return v->seq_index;
	case VGA_SEQ_DATA:
		return v->seq[v->seq_index % VGA_SEQ_COUNT];
	case VGA_DAC_MASK:
		return v->dac_mask;
	case VGA_DAC_READ_INDEX:
		return v->dac_reading ? 0x03 : 0x00;
	case VGA_DAC_WRITE_INDEX:
		return v->dac_write_index;
	case VGA_DAC_DATA: {
		uint8_t c = v->dac[v->dac_read_index][v->dac_component];
		if (++v->dac_component == 3) {
			v->dac_component = 0;
			v->dac_read_index++;
		}
		return c;
	}
	case VGA_FEATURE_READ:
		return v->feature;
	case VGA_MISC_READ:
		return v->misc;
	case VGA_GC_INDEX:
		return v->gc_index;
	case VGA_GC_DATA:
		return v->gc[v->gc_index % VGA_GC_COUNT];
	case VGA_CRTC_INDEX:
		return v->crtc_index;
	case VGA_CRTC_DATA:
		return v->crtc[v->crtc_index % VGA_CRTC_COUNT];
	case VGA_STATUS1: {
		uint8_t s = v->retrace ? VGA_STATUS1_RETRACE : 0;
		v->retrace = !v->retrace;
		v->attr_data_next = false;
		return s;
	}
	}
	return 0xff;
}

static void vga_write_byte(struct vga *v, uint16_t port, uint8_t value)
{
	switch (port) {
	case VGA_ATTR:
		if (v->attr_data_next) {
			unsigned i = v->attr_index & VGA_ATTR_INDEX_MASK;
			if (i < VGA_ATTR_COUNT)
				v->attr[i] = value;
		} else {
			v->attr_index = value & (VGA_ATTR_INDEX_MASK | VGA_ATTR_PAS);
		}
		v->attr_data_next = !v->attr_data_next;
		return;
	case VGA_MISC_WRITE:
		v->misc = value;
		return;
	case 0x3c3:
		v->subsystem = value;
		return;
	case VGA_SEQ_INDEX:
		v->seq_index = value;
		return;
	case VGA_SEQ_DATA:
		v->seq[v->seq_index % VGA_SEQ_COUNT] = value;
		return;
	case VGA_DAC_MASK:
		v->dac_mask = value;
		return;
	case VGA_DAC_READ_INDEX:
		v->dac_read_index = value;
		v->dac_component = 0;
		v->dac_reading = true;
		return;
	case VGA_DAC_WRITE_INDEX:
		v->dac_write_index = value;
		v->dac_component = 0;
		v->dac_reading = false;
		return;
	case VGA_DAC_DATA:
		v->dac[v->dac_write_index][v->dac_component] = value & 0x3f;
		if (++v->dac_component == 3) {
			v->dac_component = 0;
			v->dac_write_index++;
		}
		return;
	case VGA_GC_INDEX:
		v->gc_index = value;
		return;
	case VGA_GC_DATA:
		v->gc[v->gc_index % VGA_GC_COUNT] = value;
		return;
	case VGA_CRTC_INDEX:
		v->crtc_index = value;
		return;
	case VGA_CRTC_DATA: {
		unsigned i = v->crtc_index % VGA_CRTC_COUNT;
		if (i <= 7 && (v->crtc[VGA_CRTC_VRETRACE_END] & 0x80))
			return;
		v->crtc[i] = value;
		return;
	}
	case VGA_STATUS1:
		v->feature = value;
		return;
	}
}

static uint32_t vga_io_read(void *opaque, uint16_t port, int size)
{
	uint32_t value = 0;
	for (int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		uint8_t b = p < VGA_PORT_BASE + VGA_PORT_COUNT ? vga_read_byte(opaque, p) : 0xff;
		value |= (uint32_t)b << (8 * i);
	}
	return value;
}

static void vga_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
	for (int i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(port + i);
		if (p < VGA_PORT_BASE + VGA_PORT_COUNT)
			vga_write_byte(opaque, p, (uint8_t)(value >> (8 * i)));
	}
}

/* The 8-bit RGB of attribute colour c: palette register, colour select,
 * DAC mask, DAC. */
static void vga_colour(const struct vga *v, unsigned c, uint8_t rgb[3])
{
	uint8_t mode = v->attr[VGA_ATTR_MODE], select = v->attr[VGA_ATTR_COLOR_SELECT];
	unsigned index = v->attr[c] & 0x3f;
	if (mode & 0x80)
		index = (index & 0x0f) | (select & 0x03) << 4;
	index |= (unsigned)(select & 0x0c) << 4;
	index &= v->dac_mask;
	for (int k = 0; k < 3; k++) {
		uint8_t x = v->dac[index][k];
		rgb[k] = (uint8_t)(x << 2 | x >> 4);
	}
}

void vga_get_screen(const struct vga *v, struct vga_screen *s)
{
	memset(s, 0, sizeof(*s));
	unsigned start = (unsigned)v->crtc[VGA_CRTC_START_HI] << 8 | v->crtc[VGA_CRTC_START_LO];
	const uint8_t *text = machine_ram_ptr(v->m, VGA_TEXT_BASE, VGA_TEXT_WINDOW);
	if (text) {
		for (unsigned i = 0; i < VGA_CELLS; i++) {
			unsigned off = ((start + i) * 2) & (VGA_TEXT_WINDOW - 1);
			s->cells[2 * i] = text[off];
			s->cells[2 * i + 1] = text[off + 1];
		}
	}
	for (unsigned c = 0; c < 16; c++)
		vga_colour(v, c, s->palette[c]);
	unsigned cursor = (unsigned)v->crtc[VGA_CRTC_CURSOR_HI] << 8 | v->crtc[VGA_CRTC_CURSOR_LO];
	unsigned cell = (cursor - start) & 0xffff;
	s->cursor_cell = (uint16_t)(cell < VGA_CELLS ? cell : 0xffff);
	s->cursor_start = v->crtc[VGA_CRTC_CURSOR_START] & 0x1f;
	s->cursor_end = v->crtc[VGA_CRTC_CURSOR_END] & 0x1f;
	s->cursor_enabled = !(v->crtc[VGA_CRTC_CURSOR_START] & 0x20);
	s->blink_enabled = v->attr[VGA_ATTR_MODE] & 0x08;
	s->line_graphics = v->attr[VGA_ATTR_MODE] & 0x04;
	s->nine_dots = !(v->seq[VGA_SEQ_CLOCKING] & 0x01);
	s->blanked = (v->seq[VGA_SEQ_CLOCKING] & 0x20) || !(v->attr_index & VGA_ATTR_PAS);
}

static void vga_destroy(struct device *dev)
{
	struct vga *v = (struct vga *)dev;
	if (v->m->vga == v)
		v->m->vga = NULL;
	free(v);
}

int vga_create(struct machine *m, struct error *err)
{
	struct vga *v = calloc(1, sizeof(*v));
	if (!v)
		return error_set(err, -ENOMEM, "vga: out of memory");
	v->dev.name = "vga";
	v->dev.reset = vga_reset;
	v->dev.destroy = vga_destroy;
	v->m = m;
	int rc = portio_register(&m->io, VGA_PORT_BASE, VGA_PORT_COUNT, vga_io_read, vga_io_write,
				 v, "vga", err);
	if (rc < 0) {
		free(v);
		return rc;
	}
	vga_reset(&v->dev);
	machine_add_device(m, &v->dev);
	m->vga = v;
	m->display = (struct display_info){ .kind = DISPLAY_VGA_TEXT, .text_cols = VGA_COLS,
		.text_lines = VGA_ROWS, .font_height = VGA_FONT_HEIGHT };
	return 0;
}
