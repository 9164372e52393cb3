/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_vga.c — the VGA text-mode device through its ports (CRTC, cursor,
 * start address, write protection, input status 1 toggling, attribute
 * controller flip-flop and blink bit, DAC, storage registers), the linear
 * framebuffer in the memory map, text rendering checked pixel by pixel
 * against the font's glyph bitmaps and the standard VGA colours (blink as
 * blinking or as bright background, the cursor, the ninth column), change
 * detection of the renderer in both modes, boot_params.screen_info of a
 * Linux kernel for both displays, and the --vga and --screenshot options. */
#include <string.h>

#include "check_helpers.h"
#include "frontend/font.h"
#include "frontend/options.h"
#include "frontend/render.h"
#include "hw/fb.h"
#include "hw/linux_boot.h"
#include "hw/loader.h"
#include "hw/vga.h"

static struct machine m;

/* The 16 colours of a VGA in text mode after a BIOS mode set (0xRRGGBB),
 * written down independently of the device's DAC code. */
static const uint32_t vga_colours[16] = {
	0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa,
	0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff,
};

static void setup(void)
{
	test_machine_create(&m, 16 << 20);
	struct error err = { 0 };
	int rc = vga_create(&m, &err);
	ck_assert_msg(rc == 0, "vga_create: %s", err.msg);
}

static void teardown(void)
{
	machine_destroy(&m);
}

static uint8_t in(uint16_t port)
{
	return (uint8_t)machine_io_read(&m, port, 1);
}

static void out(uint16_t port, uint8_t v)
{
	machine_io_write(&m, port, 1, v);
}

static void crtc_write(uint8_t index, uint8_t v)
{
	out(VGA_CRTC_INDEX, index);
	out(VGA_CRTC_DATA, v);
}

static uint8_t crtc_read(uint8_t index)
{
	out(VGA_CRTC_INDEX, index);
	return in(VGA_CRTC_DATA);
}

static void attr_write(uint8_t index, uint8_t v)
{
	(void)in(VGA_STATUS1);                  /* flip-flop to "index" */
	out(VGA_ATTR, index | VGA_ATTR_PAS);
	out(VGA_ATTR, v);
}

static uint8_t *text_ram(void)
{
	return machine_ram_ptr(&m, VGA_TEXT_BASE, VGA_TEXT_WINDOW);
}

static void put_cell(unsigned cell, uint8_t ch, uint8_t attr)
{
	text_ram()[2 * cell] = ch;
	text_ram()[2 * cell + 1] = attr;
}

static struct vga_screen screen(void)
{
	struct vga_screen s;
	vga_get_screen(m.vga, &s);
	return s;
}

/* --- registers ------------------------------------------------------------ */

START_TEST(test_crtc_registers)
{
	crtc_write(VGA_CRTC_CURSOR_HI, 0x01);
	crtc_write(VGA_CRTC_CURSOR_LO, 0x23);
	ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_HI), 0x01);
	ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_LO), 0x23);
	ck_assert_uint_eq(in(VGA_CRTC_INDEX), VGA_CRTC_CURSOR_LO);
	/* A 16-bit OUT writes the index from AL and the data from AH. */
	machine_io_write(&m, VGA_CRTC_INDEX, 2, 0x0e00 | VGA_CRTC_CURSOR_START);
	ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_START), 0x0e);
	ck_assert_uint_eq(machine_io_read(&m, VGA_CRTC_INDEX, 2), 0x0e00 | VGA_CRTC_CURSOR_START);
	/* Mode 3 values after reset: cursor lines 13-14, 40 words per row. */
	ck_assert_uint_eq(crtc_read(VGA_CRTC_CURSOR_END), 0x0e);
	ck_assert_uint_eq(crtc_read(0x13), 0x28);
	/* Registers 0-7 are write-protected by bit 7 of register 0x11. */
	uint8_t r1 = crtc_read(0x01);
	crtc_write(VGA_CRTC_VRETRACE_END, 0x8e);
	crtc_write(0x01, 0x12);
	ck_assert_uint_eq(crtc_read(0x01), r1);
	crtc_write(VGA_CRTC_VRETRACE_END, 0x0e);
	crtc_write(0x01, 0x12);
	ck_assert_uint_eq(crtc_read(0x01), 0x12);
}
END_TEST

START_TEST(test_cursor_and_start_address)
{
	put_cell(0, 'A', 0x07);
	put_cell(80, 'B', 0x07);
	struct vga_screen s = screen();
	ck_assert_uint_eq(s.cells[0], 'A');
	ck_assert(s.cursor_enabled);
	ck_assert_uint_eq(s.cursor_cell, 0);
	ck_assert_uint_eq(s.cursor_start, 13);
	ck_assert_uint_eq(s.cursor_end, 14);

	crtc_write(VGA_CRTC_CURSOR_HI, 0);
	crtc_write(VGA_CRTC_CURSOR_LO, 81);
	ck_assert_uint_eq(screen().cursor_cell, 81);
	/* Scrolling by one row: the cursor location is relative to it. */
	crtc_write(VGA_CRTC_START_HI, 0);
	crtc_write(VGA_CRTC_START_LO, 80);
	s = screen();
	ck_assert_uint_eq(s.cells[0], 'B');
	ck_assert_uint_eq(s.cursor_cell, 1);
	/* Above the start address: not on screen. */
	crtc_write(VGA_CRTC_CURSOR_LO, 3);
	ck_assert_uint_ge(screen().cursor_cell, VGA_CELLS);
	/* The 32 KiB window wraps: start 0x3FFF shows the last word first. */
	text_ram()[VGA_TEXT_WINDOW - 2] = 'Z';
	crtc_write(VGA_CRTC_START_HI, 0x3f);
	crtc_write(VGA_CRTC_START_LO, 0xff);
	s = screen();
	ck_assert_uint_eq(s.cells[0], 'Z');
	ck_assert_uint_eq(s.cells[2], 'A');
	/* Cursor disable bit. */
	crtc_write(VGA_CRTC_CURSOR_START, 0x20 | 13);
	ck_assert(!screen().cursor_enabled);
}
END_TEST

START_TEST(test_status1_toggles_and_resets_attr_flipflop)
{
	uint8_t a = in(VGA_STATUS1), b = in(VGA_STATUS1), c = in(VGA_STATUS1);
	ck_assert_uint_ne(a & 0x08, b & 0x08);
	ck_assert_uint_eq(a, c);
	ck_assert_uint_eq((a | b) & VGA_STATUS1_RETRACE, VGA_STATUS1_RETRACE);
	/* Index written, then 0x3DA read: the next write is an index again. */
	out(VGA_ATTR, 0x20 | 0x05);
	(void)in(VGA_STATUS1);
	out(VGA_ATTR, 0x20 | 0x06);
	out(VGA_ATTR, 0x3f);
	out(VGA_ATTR, 0x20 | 0x06);
	ck_assert_uint_eq(in(VGA_ATTR_READ), 0x3f);
	out(VGA_ATTR, 0x15);                    /* after an index: data */
	out(VGA_ATTR, 0x20 | 0x06);
	ck_assert_uint_eq(in(VGA_ATTR_READ), 0x15);
	(void)in(VGA_STATUS1);
	out(VGA_ATTR, 0x20 | 0x05);
	ck_assert_uint_eq(in(VGA_ATTR_READ), 0x05);
	ck_assert_uint_eq(in(VGA_ATTR), 0x25);
}
END_TEST

START_TEST(test_attribute_mode_blink_bit)
{
	ck_assert(screen().blink_enabled);
	ck_assert(screen().line_graphics);
	attr_write(VGA_ATTR_MODE, 0x04);
	ck_assert(!screen().blink_enabled);
	out(VGA_ATTR, VGA_ATTR_MODE | VGA_ATTR_PAS);
	ck_assert_uint_eq(in(VGA_ATTR_READ), 0x04);
	attr_write(VGA_ATTR_MODE, 0x08);
	ck_assert(screen().blink_enabled);
	ck_assert(!screen().line_graphics);
	/* PAS clear (palette being written): the display is blanked. */
	(void)in(VGA_STATUS1);
	out(VGA_ATTR, 0x00);
	ck_assert(screen().blanked);
	out(VGA_ATTR, 0x00);
	out(VGA_ATTR, VGA_ATTR_PAS);
	ck_assert(!screen().blanked);
}
END_TEST

START_TEST(test_dac)
{
	/* After reset the 16 colours are the standard ones. */
	struct vga_screen s = screen();
	for (int c = 0; c < 16; c++) {
		uint32_t rgb = RENDER_RGB(s.palette[c][0], s.palette[c][1], s.palette[c][2]);
		ck_assert_msg(rgb == vga_colours[c], "colour %d: %06x", c, rgb);
	}
	/* Colour 1 uses DAC entry 1: reprogram it. */
	out(VGA_DAC_WRITE_INDEX, 1);
	out(VGA_DAC_DATA, 0x3f);
	out(VGA_DAC_DATA, 0x20);
	out(VGA_DAC_DATA, 0x41);                /* 6 bits: 0x01 */
	ck_assert_uint_eq(in(VGA_DAC_WRITE_INDEX), 2);
	ck_assert_uint_eq(in(VGA_DAC_READ_INDEX), 0x00);
	out(VGA_DAC_READ_INDEX, 1);
	ck_assert_uint_eq(in(VGA_DAC_READ_INDEX), 0x03);
	ck_assert_uint_eq(in(VGA_DAC_DATA), 0x3f);
	ck_assert_uint_eq(in(VGA_DAC_DATA), 0x20);
	ck_assert_uint_eq(in(VGA_DAC_DATA), 0x01);
	ck_assert_uint_eq(in(VGA_DAC_DATA), 0x00);  /* entry 2 (green): R */
	s = screen();
	ck_assert_uint_eq(s.palette[1][0], 0xff);
	ck_assert_uint_eq(s.palette[1][1], 0x82);
	ck_assert_uint_eq(s.palette[1][2], 0x04);
	/* Palette register 1 -> DAC entry 0x3f (white). */
	attr_write(0x01, 0x3f);
	ck_assert_uint_eq(screen().palette[1][2], 0xff);
	/* The pixel mask applies. */
	out(VGA_DAC_MASK, 0x00);
	ck_assert_uint_eq(in(VGA_DAC_MASK), 0x00);
	s = screen();
	ck_assert_uint_eq(s.palette[15][0], 0);
}
END_TEST

START_TEST(test_storage_registers)
{
	ck_assert_uint_eq(in(VGA_MISC_READ), 0x67);
	out(VGA_MISC_WRITE, 0x63);
	ck_assert_uint_eq(in(VGA_MISC_READ), 0x63);
	out(VGA_SEQ_INDEX, 0x02);
	ck_assert_uint_eq(in(VGA_SEQ_DATA), 0x03);
	out(VGA_SEQ_DATA, 0x04);
	ck_assert_uint_eq(in(VGA_SEQ_DATA), 0x04);
	out(VGA_GC_INDEX, 0x06);
	ck_assert_uint_eq(in(VGA_GC_DATA), 0x0e);
	out(VGA_GC_DATA, 0x05);
	ck_assert_uint_eq(in(VGA_GC_DATA), 0x05);
	out(VGA_STATUS1, 0x01);
	ck_assert_uint_eq(in(VGA_FEATURE_READ), 0x01);
	/* Clocking mode: 8-dot cells, screen off. */
	ck_assert(screen().nine_dots);
	out(VGA_SEQ_INDEX, VGA_SEQ_CLOCKING);
	out(VGA_SEQ_DATA, 0x01);
	ck_assert(!screen().nine_dots);
	out(VGA_SEQ_DATA, 0x21);
	ck_assert(screen().blanked);
	/* Hostile indexes stay inside the register files. */
	for (int i = 0; i < 256; i++) {
		out(VGA_SEQ_INDEX, (uint8_t)i);
		out(VGA_SEQ_DATA, 0xaa);
		out(VGA_GC_INDEX, (uint8_t)i);
		out(VGA_GC_DATA, 0xaa);
		out(VGA_CRTC_INDEX, (uint8_t)i);
		out(VGA_CRTC_DATA, 0xaa);
		(void)in(VGA_STATUS1);
		out(VGA_ATTR, (uint8_t)i);
		out(VGA_ATTR, 0xaa);
		(void)in(VGA_ATTR_READ);
	}
	machine_io_write(&m, 0x3de, 4, 0xffffffffu);     /* runs past the range */
	ck_assert_uint_eq(machine_io_read(&m, 0x3de, 4) >> 16, 0xffff);
}
END_TEST

/* --- rendering -------------------------------------------------------------- */

static const struct render_blink all_on = { .cursor_on = true, .text_on = true };

/* Checks cell (col,row) of a 720x400 image: glyph ch in colours fg on bg,
 * the cursor drawn on lines [cur_from, cur_to] (none if cur_from > cur_to),
 * the ninth column repeating the eighth if `repeat9`. */
static void check_cell(const uint32_t *px, unsigned col, unsigned row, uint8_t ch, uint32_t fg,
		       uint32_t bg, unsigned cur_from, unsigned cur_to, bool repeat9)
{
	const unsigned width = 720;
	for (unsigned y = 0; y < 16; y++) {
		bool cursor = y >= cur_from && y <= cur_to;
		for (unsigned x = 0; x < 9; x++) {
			bool on;
			if (cursor)
				on = true;
			else if (x < 8)
				on = font_vga_8x16[ch][y] & (0x80 >> x);
			else
				on = repeat9 && (font_vga_8x16[ch][y] & 1);
			uint32_t want = on ? fg : bg;
			uint32_t got = px[(row * 16 + y) * width + col * 9 + x] & 0xffffff;
			ck_assert_msg(got == want, "cell %u,%u char 0x%02x pixel %u,%u: %06x, expected %06x",
				      col, row, ch, x, y, got, want);
		}
	}
}

static void render_now(const struct render_blink *blink, uint32_t *px)
{
	struct vga_screen s = screen();
	unsigned w, h;
	render_text_size(&s, &w, &h);
	ck_assert_uint_eq(w, 720);
	ck_assert_uint_eq(h, 400);
	render_text(&s, blink, px);
}

static uint32_t pixels[720 * 400];

START_TEST(test_render_cells)
{
	crtc_write(VGA_CRTC_CURSOR_START, 0x20);           /* no cursor */
	put_cell(0, 'A', 0x1e);                             /* yellow on blue */
	put_cell(1, 0xb3, 0x4f);                            /* box line, white on red */
	put_cell(2, 0xc4, 0x02);                            /* line graphics, green */
	put_cell(3, 0x01, 0x60);                            /* smiley, black on brown */
	put_cell(80 * 24 + 79, 'z', 0x0d);                  /* the last cell */
	render_now(&all_on, pixels);
	check_cell(pixels, 0, 0, 'A', vga_colours[14], vga_colours[1], 1, 0, false);
	check_cell(pixels, 1, 0, 0xb3, vga_colours[15], vga_colours[4], 1, 0, false);
	check_cell(pixels, 2, 0, 0xc4, vga_colours[2], vga_colours[0], 1, 0, true);
	check_cell(pixels, 3, 0, 0x01, vga_colours[0], vga_colours[6], 1, 0, false);
	check_cell(pixels, 79, 24, 'z', vga_colours[13], vga_colours[0], 1, 0, false);
	/* The glyphs are not blank (the font was converted). */
	int lit = 0;
	for (int y = 0; y < 16; y++)
		lit += font_vga_8x16['A'][y] != 0;
	ck_assert_int_gt(lit, 5);
	ck_assert_uint_eq(font_vga_8x16[0xb3][0], 0x18);     /* │ spans the cell */
	ck_assert_uint_eq(font_vga_8x16[0xb3][15], 0x18);
	/* Without line graphics the ninth column is background. */
	attr_write(VGA_ATTR_MODE, 0x08);
	render_now(&all_on, pixels);
	check_cell(pixels, 2, 0, 0xc4, vga_colours[2], vga_colours[0], 1, 0, false);
}
END_TEST

START_TEST(test_render_blink_and_bright_background)
{
	crtc_write(VGA_CRTC_CURSOR_START, 0x20);
	put_cell(5, 'H', 0x9e);        /* bit 7 set, background 1, foreground 14 */
	/* Blink enabled (reset value): blue background, the glyph blinks. */
	render_now(&all_on, pixels);
	check_cell(pixels, 5, 0, 'H', vga_colours[14], vga_colours[1], 1, 0, false);
	struct render_blink off = { .cursor_on = true, .text_on = false };
	render_now(&off, pixels);
	check_cell(pixels, 5, 0, 'H', vga_colours[1], vga_colours[1], 1, 0, false);
	/* Blink disabled: bit 7 is a bright background (9), always drawn. */
	attr_write(VGA_ATTR_MODE, 0x04);
	render_now(&off, pixels);
	check_cell(pixels, 5, 0, 'H', vga_colours[14], vga_colours[9], 1, 0, false);
}
END_TEST

START_TEST(test_render_cursor)
{
	put_cell(81, 'k', 0x2c);       /* light red on green */
	crtc_write(VGA_CRTC_CURSOR_HI, 0);
	crtc_write(VGA_CRTC_CURSOR_LO, 81);
	crtc_write(VGA_CRTC_CURSOR_START, 14);
	crtc_write(VGA_CRTC_CURSOR_END, 15);
	render_now(&all_on, pixels);
	check_cell(pixels, 1, 1, 'k', vga_colours[12], vga_colours[2], 14, 15, false);
	check_cell(pixels, 0, 0, 0, vga_colours[7], vga_colours[0], 1, 0, false);
	struct render_blink cursor_off = { .cursor_on = false, .text_on = true };
	render_now(&cursor_off, pixels);
	check_cell(pixels, 1, 1, 'k', vga_colours[12], vga_colours[2], 1, 0, false);
	/* A block cursor; start > end shows none. */
	crtc_write(VGA_CRTC_CURSOR_START, 0);
	render_now(&all_on, pixels);
	check_cell(pixels, 1, 1, 'k', vga_colours[12], vga_colours[2], 0, 15, false);
	crtc_write(VGA_CRTC_CURSOR_START, 9);
	crtc_write(VGA_CRTC_CURSOR_END, 3);
	render_now(&all_on, pixels);
	check_cell(pixels, 1, 1, 'k', vga_colours[12], vga_colours[2], 1, 0, false);
}
END_TEST

START_TEST(test_render_update_detects_changes)
{
	struct render r;
	struct error err = { 0 };
	bool changed;
	render_init(&r);
	crtc_write(VGA_CRTC_CURSOR_START, 0x20);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(changed);
	ck_assert_uint_eq(r.width, 720);
	ck_assert_uint_eq(r.height, 400);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(!changed);
	/* A blink phase change that nothing on screen shows. */
	struct render_blink off = { false, false };
	ck_assert_int_eq(render_update(&r, &m, &off, &changed, &err), 0);
	ck_assert(!changed);
	/* A cell, a register, then the cursor blinking. */
	put_cell(1999, 'x', 0x07);
	ck_assert_int_eq(render_update(&r, &m, &off, &changed, &err), 0);
	ck_assert(changed);
	check_cell(r.pixels, 79, 24, 'x', vga_colours[7], vga_colours[0], 1, 0, false);
	crtc_write(VGA_CRTC_CURSOR_START, 14);
	ck_assert_int_eq(render_update(&r, &m, &off, &changed, &err), 0);
	ck_assert(changed);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(changed);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(!changed);
	render_destroy(&r);
}
END_TEST

/* --- the framebuffer ----------------------------------------------------------- */

START_TEST(test_framebuffer)
{
	struct error err = { 0 };
	ck_assert_int_eq(fb_create(&m, &err), 0);
	ck_assert_ptr_nonnull(m.fb);
	ck_assert_int_eq(m.display.kind, DISPLAY_LFB);
	ck_assert_uint_eq(m.display.lfb_base, FB_BASE);
	ck_assert_uint_eq(m.display.stride, 4096);
	const struct mem_region *region = memmap_find(&m.mem, FB_BASE + FB_SIZE - 1);
	ck_assert_ptr_nonnull(region);
	ck_assert_int_eq(region->kind, MEM_RAM);
	ck_assert_ptr_null(memmap_find(&m.mem, FB_BASE + FB_SIZE));
	for (int i = 0; i < m.e820_count; i++)
		ck_assert(m.e820[i].type != E820_RAM || m.e820[i].addr + m.e820[i].size <= FB_BASE);
	uint8_t *fbmem = machine_ram_ptr(&m, FB_BASE, FB_SIZE);
	ck_assert_ptr_nonnull(fbmem);

	struct render r;
	bool changed;
	render_init(&r);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(changed);
	ck_assert_uint_eq(r.width, 1024);
	ck_assert_uint_eq(r.height, 768);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(!changed);
	uint64_t copied = r.pages_copied;
	store_le32(fbmem + 100 * FB_STRIDE + 4 * 200, 0x00123456);
	ck_assert_int_eq(render_update(&r, &m, &all_on, &changed, &err), 0);
	ck_assert(changed);
	ck_assert_uint_eq(r.pages_copied, copied + 1);
	ck_assert_uint_eq(r.pixels[100 * 1024 + 200] & 0xffffff, 0x123456);
	render_destroy(&r);
}
END_TEST

/* --- screen_info for Linux ------------------------------------------------------ */

#define BZ_SIZE 4096
static uint8_t bz[BZ_SIZE];

/* A minimal bzImage: boot protocol 2.06, one setup sector, a tiny kernel. */
static void bz_make(void)
{
	memset(bz, 0, sizeof(bz));
	bz[LINUX_SETUP_SECTS] = 1;
	store_le16(bz + LINUX_BOOT_FLAG, LINUX_BOOT_FLAG_MAGIC);
	bz[LINUX_JUMP + 1] = 0x3a;                 /* header up to 0x23c */
	store_le32(bz + LINUX_HEADER, LINUX_HEADER_MAGIC);
	store_le16(bz + LINUX_VERSION, 0x0206);
	bz[LINUX_LOADFLAGS] = LINUX_LOADED_HIGH;
	store_le32(bz + LINUX_CMDLINE_SIZE, 255);
	bz[1024] = 0xf4;                            /* the "kernel": hlt */
}

static const uint8_t *load_bz(void)
{
	bz_make();
	struct boot_config bc = { .kernel_path = "bz", .image = bz, .image_size = sizeof(bz) };
	struct error err = { 0 };
	int rc = loader_load(&m, &bc, &err);
	ck_assert_msg(rc == 0, "load: %s", err.msg);
	return machine_ram_ptr(&m, 0x10000, LINUX_BOOT_PARAMS_SIZE);
}

START_TEST(test_linux_screen_info_text)
{
	const uint8_t *bp = load_bz();
	ck_assert_uint_eq(bp[LINUX_SI_ORIG_VIDEO_MODE], 3);
	ck_assert_uint_eq(bp[LINUX_SI_ORIG_VIDEO_COLS], 80);
	ck_assert_uint_eq(bp[LINUX_SI_ORIG_VIDEO_LINES], 25);
	ck_assert_uint_eq(bp[LINUX_SI_ORIG_VIDEO_ISVGA], 1);
	ck_assert_uint_eq(load_le16(bp + LINUX_SI_ORIG_VIDEO_POINTS), 16);
	ck_assert_uint_eq(load_le32(bp + LINUX_SI_LFB_BASE), 0);
}
END_TEST

START_TEST(test_linux_screen_info_framebuffer)
{
	struct error err = { 0 };
	ck_assert_int_eq(fb_create(&m, &err), 0);
	const uint8_t *bp = load_bz();
	ck_assert_uint_eq(bp[LINUX_SI_ORIG_VIDEO_ISVGA], LINUX_VIDEO_TYPE_VLFB);
	ck_assert_uint_eq(load_le16(bp + LINUX_SI_LFB_WIDTH), 1024);
	ck_assert_uint_eq(load_le16(bp + LINUX_SI_LFB_HEIGHT), 768);
	ck_assert_uint_eq(load_le16(bp + LINUX_SI_LFB_DEPTH), 32);
	ck_assert_uint_eq(load_le32(bp + LINUX_SI_LFB_BASE), 0xfd000000u);
	ck_assert_uint_eq(load_le32(bp + LINUX_SI_LFB_SIZE), 48);       /* 3 MiB in 64 KiB */
	ck_assert_uint_eq(load_le16(bp + LINUX_SI_LFB_LINELENGTH), 4096);
	static const uint8_t channels[8] = { 8, 16, 8, 8, 8, 0, 8, 24 };
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(bp[LINUX_SI_RED_SIZE + i], channels[i]);
	ck_assert_uint_eq(load_le32(bp + LINUX_SI_CAPABILITIES), 0);
	/* The e820 table in boot_params has no RAM over the framebuffer. */
	for (int i = 0; i < bp[LINUX_BP_E820_ENTRIES]; i++) {
		const uint8_t *e = bp + LINUX_BP_E820_TABLE + i * LINUX_BP_E820_ENTRY_SIZE;
		uint64_t addr = load_le64(e), size = load_le64(e + 8);
		ck_assert(load_le32(e + 16) != E820_RAM || addr + size <= FB_BASE ||
			  addr >= FB_BASE + FB_SIZE);
	}
}
END_TEST

/* --- options ------------------------------------------------------------------ */

START_TEST(test_options_vga_and_screenshot)
{
	struct options o;
	struct error err = { 0 };
	char *ok[] = { "morpheus", "run", "--kernel", "k", "--vga", "fb", "--screenshot", "s.png", NULL };
	ck_assert_int_eq(options_parse(8, ok, &o, &err), 0);
	ck_assert_int_eq(o.vga, VGA_FB);
	ck_assert_str_eq(o.screenshot, "s.png");
	char *text[] = { "morpheus", "run", "--kernel", "k", "--vga", "text", NULL };
	ck_assert_int_eq(options_parse(6, text, &o, &err), 0);
	ck_assert_int_eq(o.vga, VGA_TEXT);
	ck_assert_ptr_null(o.screenshot);
	char *dflt[] = { "morpheus", "demo", NULL };
	ck_assert_int_eq(options_parse(2, dflt, &o, &err), 0);
	ck_assert_int_eq(o.vga, VGA_AUTO);
	char *bad[] = { "morpheus", "run", "--kernel", "k", "--vga", "cga", NULL };
	ck_assert_int_lt(options_parse(6, bad, &o, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "--vga: 'cga'"));
}
END_TEST

static Suite *vga_suite(void)
{
	Suite *s = suite_create("vga");
	TCase *tc = tcase_create("vga");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_crtc_registers);
	tcase_add_test(tc, test_cursor_and_start_address);
	tcase_add_test(tc, test_status1_toggles_and_resets_attr_flipflop);
	tcase_add_test(tc, test_attribute_mode_blink_bit);
	tcase_add_test(tc, test_dac);
	tcase_add_test(tc, test_storage_registers);
	tcase_add_test(tc, test_render_cells);
	tcase_add_test(tc, test_render_blink_and_bright_background);
	tcase_add_test(tc, test_render_cursor);
	tcase_add_test(tc, test_render_update_detects_changes);
	tcase_add_test(tc, test_framebuffer);
	tcase_add_test(tc, test_linux_screen_info_text);
	tcase_add_test(tc, test_linux_screen_info_framebuffer);
	tcase_add_test(tc, test_options_vga_and_screenshot);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(vga_suite)
